// Helpers shared by the renderer tests: the real o200k vocabulary and the golden folder.
#pragma once

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

// The o200k vocabulary, loaded once per test process (loading takes a while). nullptr with
// `error` set when it cannot be loaded: the calling test fails, it never skips.
inline translate::tokenizer const* vocabulary(std::string* error = nullptr)
{
    static auto const loaded = [] {
        auto r = translate::tokenizer::load(translate::tokenizer::default_path());
        std::optional<translate::tokenizer> tok;
        std::string err;
        if (r)
            tok.emplace(std::move(*r));
        else
            err = r.error().message;
        return std::pair{std::move(tok), std::move(err)};
    }();
    if (!loaded.first && error) *error = loaded.second;
    return loaded.first ? &*loaded.first : nullptr;
}

} // namespace hp::test
