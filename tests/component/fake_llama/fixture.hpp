// Shared set-up for the scripted llama-server's component tests: the tokenizer (loaded once per
// test binary, read-only), and a server on 127.0.0.1:0 in its own thread built from script text.
#pragma once

#include "support/http_client.hpp"
#include "tools/fake_llama/server.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace hp::tools::fake_llama::test {

inline translate::tokenizer const& tokenizer()
{
    static translate::tokenizer const tok = [] {
        auto t = translate::tokenizer::load(translate::tokenizer::default_path());
        if (!t) throw std::runtime_error("cannot load the vocabulary: " + t.error().message);
        return std::move(*t);
    }();
    return tok;
}

inline vocab const& voc()
{
    static vocab const v(tokenizer());
    return v;
}

inline script parse_or_fail(std::string const& text)
{
    auto s = parse_script(text, "test-script.json", voc());
    if (!s) throw std::runtime_error("bad test script: " + s.error().message);
    return std::move(*s);
}

inline std::unique_ptr<fake_llama_thread> start(std::string const& script_text, server_options opts = {})
{
    return std::make_unique<fake_llama_thread>(parse_or_fail(script_text), tokenizer(), std::move(opts));
}

inline boost::json::value json_of(std::string const& s)
{
    return boost::json::parse(s);
}

inline std::string post_body(boost::json::object o)
{
    return boost::json::serialize(o);
}

inline std::vector<std::int64_t> ids_of(boost::json::value const& v)
{
    std::vector<std::int64_t> out;
    for (auto const& e : v.as_array())
        out.push_back(e.to_number<std::int64_t>());
    return out;
}

} // namespace hp::tools::fake_llama::test
