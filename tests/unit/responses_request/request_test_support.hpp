// Helpers shared by the Responses request tests.
#pragma once

#include "support/vocab.hpp"
#include "translate/responses_request.hpp"
#include "translate/tokenizer.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace hp::test {

inline std::string read_text(std::filesystem::path const& p)
{
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + p.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The realistic Codex 0.169 request body (tests/unit/responses_request/codex_request.json).
inline boost::json::value codex_request_json()
{
    return boost::json::parse(
        read_text(std::filesystem::path(HP_SOURCE_DIR) / "tests/unit/responses_request/codex_request.json"));
}

// Parses a body that must be valid; fails the test (and returns an empty request) otherwise.
inline translate::responses::request parse_ok(std::string_view body)
{
    auto r = translate::responses::parse_request(body);
    EXPECT_TRUE(r.has_value()) << (r.has_value() ? "" : r.error().message);
    return r.has_value() ? std::move(*r) : translate::responses::request{};
}

inline translate::responses::request parse_ok(char const* body)
{
    return parse_ok(std::string_view(body));
}

inline translate::responses::request parse_ok(boost::json::value const& body)
{
    auto r = translate::responses::parse_request(body);
    EXPECT_TRUE(r.has_value()) << (r.has_value() ? "" : r.error().message);
    return r.has_value() ? std::move(*r) : translate::responses::request{};
}

} // namespace hp::test
