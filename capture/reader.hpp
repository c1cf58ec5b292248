// capture/reader.hpp: reads capture files back. Tolerant by design: a torn last line (the
// process died mid-write) is skipped and reported, every complete record before it is returned,
// and records of unknown kinds or newer minor fields pass through untouched.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hp::capture {

struct read_result
{
    std::vector<boost::json::object> records;   // in file order
    bool torn_tail = false;                      // the last line was incomplete and skipped
    std::vector<std::string> problems;           // "file:line: what" for every line skipped
};

// Reads one .jsonl file, or every .jsonl file of a directory (sorted by name). A path that does not
// exist or cannot be read is reported in `problems` with nothing read.
read_result read_capture(std::filesystem::path const& path);

// Parses the text of one capture file (what read_capture does per file); `name` labels problems.
void parse_capture_text(std::string_view text, std::string const& name, read_result& out);

} // namespace hp::capture
