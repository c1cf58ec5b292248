// Streaming /completion on integer prompts, as the proxy uses it (notes/llama-server.md): one chunk
// per token, the end-of-generation token in its own chunk, the final chunk, the ids lost when a token
// ends inside a UTF-8 character, stop strings on rendered special tokens, and the prompt cache.
#include "real_llama/support/llama_server_suite.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <set>

namespace hp::test {
namespace {

namespace json = boost::json;

// "Hello, world" in o200k.
json::array const hello_world = {13225, 11, 2375};
std::set<std::int64_t> const eog_ids = {199999, 200002, 200012};

std::set<std::string> keys(json::object const& o)
{
    std::set<std::string> k;
    for (auto const& [key, value] : o)
        k.insert(std::string(key));
    return k;
}

json::array ban(std::vector<std::int64_t> const& ids)
{
    json::array bias;
    for (auto id : ids)
        bias.push_back(json::array{id, false});
    return bias;
}

struct stream_result
{
    std::vector<json::object> partial; // chunks before the final one
    json::object final_chunk;
};

stream_result stream_completion(endpoint const& ep, json::object request)
{
    request["stream"] = true;
    auto const reply = post_json(ep, "/completion", request);
    EXPECT_EQ(reply.status, 200u) << reply.body;
    EXPECT_TRUE(reply.content_type.starts_with("text/event-stream")) << reply.content_type;
    // The native route ends without a [DONE] sentinel.
    EXPECT_EQ(reply.body.find("[DONE]"), std::string::npos);
    auto events = sse_json_events(reply.body);
    if (events.empty()) throw std::runtime_error("empty stream: " + reply.body);
    // response_fields trims only the final chunk, and trims `stop` from it too unless it is listed.
    stream_result r{{events.begin(), events.end() - 1}, events.back()};
    for (auto const& e : r.partial)
        EXPECT_FALSE(e.at("stop").as_bool()) << json::serialize(e);
    if (!request.contains("response_fields")) {
        EXPECT_TRUE(r.final_chunk.at("stop").as_bool()) << json::serialize(r.final_chunk);
    }
    return r;
}

class real_llama_stream : public llama_server_suite
{
};

TEST_F(real_llama_stream, one_chunk_per_token_then_a_final_chunk)
{
    json::object const request = {{"prompt", hello_world},
                                  {"n_predict", 4},
                                  {"temperature", 0},
                                  {"top_k", 0},
                                  {"min_p", 0},
                                  {"seed", 7},
                                  {"logit_bias", ban({199999, 200002, 200012})}};
    auto const s = stream_completion(upstream(), request);
    ASSERT_EQ(s.partial.size(), 4u);
    std::vector<std::int64_t> streamed;
    std::set<std::string> const partial_keys = {"index",   "content",          "tokens",          "stop",
                                                "id_slot", "tokens_predicted", "tokens_evaluated"};
    for (std::size_t i = 0; i < s.partial.size(); ++i) {
        auto const& chunk = s.partial[i];
        EXPECT_EQ(keys(chunk), partial_keys) << json::serialize(chunk);
        auto const ids = to_ids(chunk.at("tokens"));
        ASSERT_EQ(ids.size(), 1u) << json::serialize(chunk);
        streamed.push_back(ids[0]);
        EXPECT_EQ(chunk.at("tokens_predicted").as_int64(), static_cast<std::int64_t>(i + 1));
        EXPECT_EQ(chunk.at("tokens_evaluated").as_int64(), 3);
    }
    auto const& fin = s.final_chunk;
    EXPECT_EQ(fin.at("stop_type").as_string(), "limit");
    EXPECT_EQ(fin.at("stopping_word").as_string(), "");
    EXPECT_TRUE(to_ids(fin.at("tokens")).empty());
    EXPECT_EQ(fin.at("content").as_string(), "");
    EXPECT_EQ(fin.at("tokens_predicted").as_int64(), 4);
    EXPECT_EQ(fin.at("tokens_evaluated").as_int64(), 3);
    EXPECT_FALSE(fin.at("truncated").as_bool());
    EXPECT_TRUE(fin.at("tokens_cached").is_int64());
    auto const& timings = fin.at("timings").as_object();
    for (char const* k : {"cache_n", "prompt_n", "prompt_ms", "predicted_n", "predicted_ms"})
        EXPECT_TRUE(timings.contains(k)) << k;
    EXPECT_EQ(timings.at("predicted_n").as_int64(), 4);
    // Without response_fields the final chunk echoes the prompt as text; with it, only what is asked.
    EXPECT_EQ(fin.at("prompt").as_string(), "Hello, world");

    // The same greedy request without streaming returns the same ids at once.
    auto plain = request;
    plain["return_tokens"] = true;
    plain["response_fields"] = json::array{"tokens", "stop_type"};
    auto const reply = post_json(upstream(), "/completion", plain);
    ASSERT_EQ(reply.status, 200u) << reply.body;
    auto const whole = reply.json().as_object();
    EXPECT_EQ(keys(whole), (std::set<std::string>{"tokens", "stop_type"}));
    EXPECT_EQ(to_ids(whole.at("tokens")), streamed);
}

// Each end-of-generation token of gpt-oss ends the stream in a chunk of its own. A grammar that is
// complete allows only end-of-generation tokens; banning two of the three picks the third.
TEST_F(real_llama_stream, each_eog_token_arrives_in_its_own_chunk)
{
    for (auto const eog : eog_ids) {
        std::vector<std::int64_t> others;
        std::copy_if(eog_ids.begin(), eog_ids.end(), std::back_inserter(others),
                     [&](auto id) { return id != eog; });
        auto const s =
            stream_completion(upstream(), {{"prompt", hello_world},
                                           {"n_predict", 8},
                                           {"seed", 1},
                                           {"grammar", "root ::= \"hi\""},
                                           {"logit_bias", ban(others)},
                                           {"response_fields", json::array{"stop_type", "tokens"}}});
        ASSERT_GE(s.partial.size(), 2u);
        std::string text;
        for (std::size_t i = 0; i + 1 < s.partial.size(); ++i)
            text += s.partial[i].at("content").as_string();
        EXPECT_EQ(text, "hi");
        auto const& eog_chunk = s.partial.back();
        EXPECT_EQ(to_ids(eog_chunk.at("tokens")), (std::vector<std::int64_t>{eog}))
            << json::serialize(eog_chunk);
        EXPECT_EQ(eog_chunk.at("content").as_string(), "");
        EXPECT_EQ(eog_chunk.at("tokens_predicted").as_int64(), static_cast<std::int64_t>(s.partial.size()));
        // Trimmed by response_fields: nothing else, not even "stop".
        EXPECT_EQ(s.final_chunk, (json::object{{"stop_type", "eos"}, {"tokens", json::array{}}}))
            << json::serialize(s.final_chunk);
    }
}

// <|end|> closes a message but does not end generation (llama.cpp removes it from the EOG list when
// <|return|> and <|call|> exist): the model goes on in the same request.
TEST_F(real_llama_stream, end_marker_is_not_end_of_generation)
{
    auto const s = stream_completion(upstream(), {{"prompt", hello_world},
                                                  {"n_predict", 16},
                                                  {"seed", 1},
                                                  {"grammar", "root ::= \"hi\" <[200007]> \"ok\""}});
    std::vector<std::int64_t> ids;
    std::string text;
    for (auto const& chunk : s.partial) {
        for (auto id : to_ids(chunk.at("tokens")))
            ids.push_back(id);
        text += chunk.at("content").as_string();
    }
    auto const end = std::find(ids.begin(), ids.end(), 200007);
    ASSERT_NE(end, ids.end()) << json::serialize(json::value_from(ids));
    EXPECT_GT(ids.end() - end, 2) << "generation went on after <|end|>";
    EXPECT_TRUE(eog_ids.contains(ids.back()));
    // A USER_DEFINED token renders as its text.
    EXPECT_EQ(text, "hi<|end|>ok");
    EXPECT_EQ(s.final_chunk.at("stop_type").as_string(), "eos");
}

// A token that ends inside a UTF-8 character gets no chunk: the next chunk carries the whole
// character but only its own id, and tokens_predicted jumps. Forcing "😀" with its one-token form
// banned makes the model spell it with two or more tokens, all but the last ending mid-character.
TEST_F(real_llama_stream, ids_of_tokens_ending_inside_a_utf8_character_are_not_streamed)
{
    auto const whole_emoji = post_json(upstream(), "/tokenize", {{"content", "😀"}});
    ASSERT_EQ(whole_emoji.status, 200u);
    auto const emoji_ids = to_ids(whole_emoji.json().at("tokens"));
    ASSERT_EQ(emoji_ids.size(), 1u);

    json::object request = {{"prompt", hello_world},
                            {"n_predict", 8},
                            {"seed", 1},
                            {"grammar", "root ::= \"😀\""},
                            {"logit_bias", ban({emoji_ids[0], 199999, 200002})}};
    auto plain = request;
    plain["return_tokens"] = true;
    auto const reply = post_json(upstream(), "/completion", plain);
    ASSERT_EQ(reply.status, 200u) << reply.body;
    auto all = to_ids(reply.json().at("tokens"));
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(all.back(), 200012);
    all.pop_back();
    ASSERT_GE(all.size(), 2u) << "the banned one-token form was used";
    auto const detok = post_json(upstream(), "/detokenize", {{"tokens", json::value_from(all)}});
    EXPECT_EQ(detok.json().at("content").as_string(), "😀");

    auto const s = stream_completion(upstream(), request);
    ASSERT_EQ(s.partial.size(), 2u) << "one chunk for the character, one for <|call|>";
    auto const& chunk = s.partial[0];
    EXPECT_EQ(chunk.at("content").as_string(), "😀");
    EXPECT_EQ(to_ids(chunk.at("tokens")), (std::vector<std::int64_t>{all.back()}));
    EXPECT_EQ(chunk.at("tokens_predicted").as_int64(), static_cast<std::int64_t>(all.size()));
    EXPECT_EQ(to_ids(s.partial[1].at("tokens")), (std::vector<std::int64_t>{200012}));
}

// A stop string matches rendered text, and USER_DEFINED markers render as text: stopping on
// <|message|> works, and its id is still reported.
TEST_F(real_llama_stream, stop_string_on_a_rendered_marker)
{
    auto const reply =
        post_json(upstream(), "/completion",
                  {{"prompt", hello_world},
                   {"n_predict", 16},
                   {"seed", 1},
                   {"grammar", "root ::= \"a\" <[200008]> \"b\""},
                   {"stop", json::array{"<|message|>"}},
                   {"return_tokens", true},
                   {"response_fields", json::array{"stop_type", "stopping_word", "tokens", "content"}}});
    ASSERT_EQ(reply.status, 200u) << reply.body;
    auto const r = reply.json().as_object();
    EXPECT_EQ(r.at("stop_type").as_string(), "word");
    EXPECT_EQ(r.at("stopping_word").as_string(), "<|message|>");
    auto const ids = to_ids(r.at("tokens"));
    EXPECT_NE(std::find(ids.begin(), ids.end(), 200008), ids.end()) << reply.body;
    EXPECT_EQ(r.at("content").as_string(), "a");
}

// Generation that reaches the end of the slot's context (1024 tokens here) stops there: no error, no
// context shift, but stop_type "limit" with truncated:true, prompt + output filling the slot exactly.
TEST_F(real_llama_stream, generation_that_fills_the_slot_context_stops_truncated)
{
    json::array prompt;
    for (int i = 0; i < 1015; ++i)
        prompt.push_back(13225);
    auto const s = stream_completion(
        upstream(),
        {{"prompt", prompt},
         {"n_predict", 30},
         {"logit_bias", ban({199999, 200002, 200012})},
         {"response_fields", json::array{"stop_type", "truncated", "tokens_predicted", "tokens_evaluated"}}});
    EXPECT_EQ(s.partial.size(), 9u);
    EXPECT_EQ(s.final_chunk, (json::object{{"stop_type", "limit"},
                                           {"truncated", true},
                                           {"tokens_predicted", 9},
                                           {"tokens_evaluated", 1015}}))
        << json::serialize(s.final_chunk);
}

// timings.cache_n counts prompt tokens reused from the slot's KV cache; a repeated prompt on the same
// slot reuses all but the last token (which is evaluated again to produce logits).
TEST_F(real_llama_stream, repeated_prompt_is_served_from_the_slot_cache)
{
    json::object const request = {{"prompt", json::array{55555, 1000, 2000, 3000, 4000, 5000}},
                                  {"n_predict", 1},
                                  {"id_slot", 1},
                                  {"cache_prompt", true},
                                  {"response_fields", json::array{"timings/cache_n", "timings/prompt_n"}}};
    auto const first = post_json(upstream(), "/completion", request);
    ASSERT_EQ(first.status, 200u) << first.body;
    EXPECT_EQ(first.json(), json::parse(R"({"timings/cache_n":0,"timings/prompt_n":6})"));
    auto const second = post_json(upstream(), "/completion", request);
    ASSERT_EQ(second.status, 200u) << second.body;
    EXPECT_EQ(second.json(), json::parse(R"({"timings/cache_n":5,"timings/prompt_n":1})"));
}

} // namespace
} // namespace hp::test
