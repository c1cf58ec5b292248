#include "capture/reader.hpp"

#include "capture/record.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace hp::capture {
namespace json = boost::json;

void parse_capture_text(std::string_view text, std::string const& name, read_result& out)
{
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        bool complete = nl != std::string_view::npos;
        auto line = text.substr(0, complete ? nl : text.size());
        text.remove_prefix(complete ? nl + 1 : text.size());
        if (line.empty()) continue;
        auto where = name + ":" + std::to_string(line_no) + ": ";
        if (!complete) {
            // Every record is written as one line ending in '\n': text without it is a torn write.
            out.torn_tail = true;
            out.problems.push_back(where + "torn last line skipped (" + std::to_string(line.size()) + " bytes)");
            break;
        }
        boost::system::error_code ec;
        auto v = json::parse(line, ec);
        if (ec || !v.is_object()) {
            out.problems.push_back(where + "not a JSON object: " + (ec ? ec.message() : "wrong type"));
            continue;
        }
        auto& obj = v.get_object();
        auto const* ver = obj.if_contains("v");
        if (!ver || !ver->is_int64() || !obj.if_contains("kind")) {
            out.problems.push_back(where + "not a capture record (no \"v\" or \"kind\")");
            continue;
        }
        if (ver->get_int64() > format_version) {
            out.problems.push_back(where + "record format " + std::to_string(ver->get_int64()) +
                                   " is newer than this reader (" + std::to_string(format_version) + ")");
            continue;
        }
        out.records.push_back(std::move(obj));
    }
}

namespace {

void read_file(std::filesystem::path const& file, read_result& out)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        out.problems.push_back(file.string() + ": cannot be read");
        return;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    parse_capture_text(ss.str(), file.string(), out);
}

} // namespace

read_result read_capture(std::filesystem::path const& path)
{
    read_result out;
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        std::vector<std::filesystem::path> files;
        for (auto const& entry : std::filesystem::directory_iterator(path, ec))
            if (entry.is_regular_file() && entry.path().extension() == ".jsonl") files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        for (auto const& f : files) read_file(f, out);
    } else if (std::filesystem::exists(path, ec)) {
        read_file(path, out);
    } else {
        out.problems.push_back(path.string() + ": no such file or directory");
    }
    return out;
}

} // namespace hp::capture
