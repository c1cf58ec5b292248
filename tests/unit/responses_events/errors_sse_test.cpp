// The failure table (llama-server's error bodies -> Codex's language) and the SSE encoder.
#include "translate/responses_errors.hpp"
#include "translate/responses_sse.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace hp::translate::test {
namespace {

namespace json = boost::json;

TEST(ResponsesErrors, ContextOverflowBecomesContextLengthExceeded)
{
    // Verbatim from ../shared/notes/llama-server.md "Error bodies".
    std::string const body = R"({"error":{"code":400,"message":"request (5000 tokens) exceeds the available context size (2048 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":2048}})";
    failure const f = classify_upstream_http_error(400, body);
    EXPECT_EQ(f.kind, failure_kind::context_length_exceeded);
    http_error const h = to_http_error(f);
    EXPECT_EQ(h.status, 400u);
    EXPECT_FALSE(h.retry_after_s);
    auto const& err = h.body.at("error").as_object();
    EXPECT_EQ(err.at("code"), "context_length_exceeded");
    EXPECT_EQ(err.at("type"), "invalid_request_error");
    EXPECT_EQ(err.at("message"),
              "request (5000 tokens) exceeds the available context size (2048 tokens), try increasing it");
    EXPECT_EQ(to_response_error(f).code, "context_length_exceeded");
}

TEST(ResponsesErrors, LoadingBecomes503WithRetryAfter)
{
    failure const f =
        classify_upstream_http_error(503, R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})");
    EXPECT_EQ(f.kind, failure_kind::upstream_loading);
    http_error const h = to_http_error(f);
    EXPECT_EQ(h.status, 503u);
    ASSERT_TRUE(h.retry_after_s);
    EXPECT_GT(*h.retry_after_s, 0u);
    EXPECT_TRUE(h.body.at("error").at("code").is_string());
    // A 503 whose body is not JSON is still "loading".
    EXPECT_EQ(classify_upstream_http_error(503, "Service Unavailable").kind, failure_kind::upstream_loading);
}

TEST(ResponsesErrors, RejectedPromptsAndGrammars)
{
    failure const tokens = classify_upstream_http_error(
        400, R"({"error":{"code":400,"message":"Prompt contains invalid tokens","type":"invalid_request_error"}})");
    EXPECT_EQ(tokens.kind, failure_kind::invalid_prompt);
    EXPECT_EQ(to_http_error(tokens).status, 400u);
    EXPECT_EQ(to_http_error(tokens).body.at("error").at("code"), "invalid_prompt");

    failure const grammar = classify_upstream_http_error(
        400,
        R"({"error":{"code":400,"message":"Failed to initialize samplers: failed to parse grammar","type":"invalid_request_error"}})");
    EXPECT_EQ(grammar.kind, failure_kind::upstream_rejected);
    EXPECT_EQ(to_http_error(grammar).status, 500u);
    EXPECT_EQ(to_http_error(grammar).body.at("error").at("code"), "server_error");

    failure const other = classify_upstream_http_error(500, "<html>oops</html>");
    EXPECT_EQ(other.kind, failure_kind::upstream_error);
    EXPECT_GE(to_http_error(other).status, 500u);
}

TEST(ResponsesErrors, InStreamErrorsBecomeStringCodes)
{
    json::value const data = json::parse(R"({"error":{"code":500,"message":"slot crashed","type":"server_error"}})");
    failure const f = classify_upstream_stream_error(data);
    EXPECT_EQ(f.kind, failure_kind::upstream_error);
    response_error const e = to_response_error(f);
    EXPECT_EQ(e.code, "server_error");
    EXPECT_EQ(e.message, "slot crashed");

    json::value const ctx = json::parse(R"({"code":400,"message":"too long","type":"exceed_context_size_error"})");
    EXPECT_EQ(to_response_error(classify_upstream_stream_error(ctx)).code, "context_length_exceeded");
    EXPECT_EQ(to_response_error(classify_upstream_stream_error(json::value("boom"))).code, "server_error");
}

TEST(ResponsesErrors, EveryKindHasAStringCodeAndAnErrorStatus)
{
    for (auto k : {failure_kind::context_length_exceeded, failure_kind::upstream_loading, failure_kind::invalid_prompt,
                   failure_kind::bad_request, failure_kind::upstream_rejected, failure_kind::upstream_error,
                   failure_kind::upstream_unreachable, failure_kind::upstream_timeout, failure_kind::internal_error}) {
        failure_mapping const m = mapping_of(k);
        EXPECT_FALSE(m.code.empty()) << to_string(k);
        EXPECT_NE(m.code, "interrupted");
        EXPECT_GE(m.http_status, 400u) << to_string(k);
        EXPECT_LT(m.http_status, 600u) << to_string(k);
        auto const body = to_http_error({k, "m"}).body;
        EXPECT_TRUE(body.at("error").at("code").is_string());
        EXPECT_EQ(body.at("error").at("message"), "m");
    }
}

TEST(ResponsesSse, FramesOneEventPerDataLine)
{
    json::object ev{{"type", "response.output_text.delta"}, {"sequence_number", 3}, {"delta", "a\nb\r\n\"c\"\\"}};
    std::string const bytes = encode_sse(ev);
    std::string const prefix = "event: response.output_text.delta\ndata: ";
    ASSERT_TRUE(bytes.starts_with(prefix));
    ASSERT_TRUE(bytes.ends_with("\n\n"));
    std::string const data = bytes.substr(prefix.size(), bytes.size() - prefix.size() - 2);
    EXPECT_EQ(data.find('\n'), std::string::npos) << "a raw newline would split the data field";
    EXPECT_EQ(data.find('\r'), std::string::npos);
    EXPECT_EQ(json::parse(data), ev);

    std::string appended = "x";
    encode_sse(ev, appended);
    EXPECT_EQ(appended, "x" + bytes);
}

TEST(ResponsesSse, CommentsAreSingleLines)
{
    EXPECT_EQ(encode_sse_comment("keep-alive"), ": keep-alive\n\n");
    EXPECT_EQ(encode_sse_comment("a\nb"), ": a b\n\n");
}

} // namespace
} // namespace hp::translate::test
