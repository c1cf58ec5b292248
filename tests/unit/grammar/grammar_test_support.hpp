// tests/unit/grammar/grammar_test_support.hpp: data shared by the grammar tests.
#pragma once

#include "translate/gbnf.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace hp::test {

// Codex 0.169's tools array as sent on the wire (exec_command, write_stdin, view_image, the
// freeform apply_patch), plus Codex's update_plan function tool.
inline boost::json::value codex_tools()
{
    std::ifstream in(HP_SOURCE_DIR "/tests/unit/grammar/codex_tools.json");
    std::ostringstream s;
    s << in.rdbuf();
    return boost::json::parse(s.str());
}

inline boost::json::value codex_tool(std::string_view name)
{
    auto const tools = codex_tools();
    for (auto const& t : tools.as_array())
        if (t.as_object().at("name").as_string() == name) return t;
    ADD_FAILURE() << "no tool " << name;
    return {};
}

inline std::string apply_patch_lark()
{
    return std::string(codex_tool("apply_patch").at("format").at("definition").as_string());
}

// Parses GBNF that must be valid; fails the test with llama.cpp-style reasons otherwise.
inline translate::gbnf_document must_parse(std::string const& gbnf)
{
    auto doc = translate::parse_gbnf(gbnf);
    EXPECT_TRUE(doc) << (doc ? "" : doc.error().message) << "\n" << gbnf;
    return doc ? *doc : translate::gbnf_document{};
}

// A tiny deterministic generator (tests must not depend on the platform's distributions).
class rng
{
public:
    explicit rng(std::uint64_t seed) : s_(seed * 2654435761u + 1) {}
    std::uint64_t next()
    {
        s_ ^= s_ << 13;
        s_ ^= s_ >> 7;
        s_ ^= s_ << 17;
        return s_;
    }
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

private:
    std::uint64_t s_;
};

} // namespace hp::test
