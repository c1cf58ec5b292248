// Helpers shared by the renderer tests: the real o200k vocabulary and the golden folder.
#pragma once

#include "support/vocab.hpp"
#include "translate/tokenizer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

namespace hp::test {

inline std::filesystem::path golden_dir()
{
    return std::filesystem::path(HP_SHARED_DIR) / "harmony-golden";
}

inline std::string read_file(std::filesystem::path const& p)
{
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + p.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline boost::json::value read_json(std::filesystem::path const& p)
{
    return boost::json::parse(read_file(p));
}

} // namespace hp::test
