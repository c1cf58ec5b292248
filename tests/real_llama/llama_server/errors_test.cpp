// llama-server's error bodies for what the proxy must map (notes/llama-server.md, "Error bodies").
// They come as HTTP errors because they happen before a slot starts, streaming or not.
#include "real_llama/support/llama_server_suite.hpp"

#include <boost/json.hpp>

namespace hp::test {
namespace {

namespace json = boost::json;

class real_llama_errors : public llama_server_suite
{
};

void expect_error(endpoint const& ep, json::object request, unsigned status, std::string_view expected_body)
{
    for (bool stream : {false, true}) {
        request["stream"] = stream;
        auto const reply = post_json(ep, "/completion", request);
        EXPECT_EQ(reply.status, status) << "stream " << stream << ": " << reply.body;
        EXPECT_EQ(reply.json(), json::parse(expected_body)) << "stream " << stream;
    }
}

TEST_F(real_llama_errors, context_overflow)
{
    json::array prompt;
    for (int i = 0; i < 1500; ++i)
        prompt.push_back(13225);
    // 1024 = --ctx-size 2048 shared by 2 slots.
    expect_error(
        upstream(), {{"prompt", prompt}, {"n_predict", 2}}, 400,
        R"({"error":{"code":400,"message":"request (1500 tokens) exceeds the available context size (1024 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":1500,"n_ctx":1024}})");
}

TEST_F(real_llama_errors, invalid_token_id)
{
    // 201087 is the last id of the vocabulary; 201088 is one past it.
    auto const ok =
        post_json(upstream(), "/completion", {{"prompt", json::array{13225, 201087}}, {"n_predict", 1}});
    EXPECT_EQ(ok.status, 200u) << ok.body;
    expect_error(
        upstream(), {{"prompt", json::array{13225, 201088}}, {"n_predict", 2}}, 400,
        R"({"error":{"code":400,"message":"Prompt contains invalid tokens","type":"invalid_request_error"}})");
}

TEST_F(real_llama_errors, bad_grammar)
{
    expect_error(
        upstream(), {{"prompt", json::array{13225}}, {"n_predict", 2}, {"grammar", "root ::= ("}}, 400,
        R"({"error":{"code":400,"message":"Failed to initialize samplers: failed to parse grammar","type":"invalid_request_error"}})");
}

} // namespace
} // namespace hp::test
