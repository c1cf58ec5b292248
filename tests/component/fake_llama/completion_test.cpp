// POST /completion: chunk shapes, the EOG chunk, the final chunk, stop conditions, errors and the
// lost-token-id behaviour, over real loopback HTTP.
#include "fixture.hpp"

namespace hp::tools::fake_llama::test {
namespace {

namespace json = boost::json;
using ids = std::vector<std::int64_t>;

std::vector<std::string> keys_of(json::object const& o)
{
    std::vector<std::string> k;
    for (auto const& kv : o)
        k.emplace_back(kv.key());
    return k;
}

hp::test::sse_reply stream(fake_llama_thread& srv, json::object body, char const* target = "/completion")
{
    body["stream"] = true;
    return hp::test::sse_request(srv.port(), target, post_body(std::move(body)));
}

constexpr char const* hello_call =
    R"({"rules":[{"tokens":"Hello world","end":{"type":"eos","token":200012}}]})";

TEST(FakeLlamaCompletion, StreamsOneChunkPerTokenThenEogChunkThenFinal)
{
    auto srv = start(hello_call);
    auto r = stream(*srv, {{"prompt", json::array{1, 2, 3}}});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/event-stream");
    EXPECT_TRUE(r.complete) << r.error.message();
    EXPECT_EQ(r.body.find("[DONE]"), std::string::npos);
    auto ev = r.json_events();
    auto const text = voc().tokenize("Hello world", true);
    ASSERT_EQ(ev.size(), text.size() + 2);

    std::string content;
    std::vector<std::string> const partial_keys{"index",   "content",          "tokens",          "stop",
                                                "id_slot", "tokens_predicted", "tokens_evaluated"};
    for (std::size_t i = 0; i + 1 < ev.size(); ++i) {
        auto const& c = ev[i].as_object();
        EXPECT_EQ(keys_of(c), partial_keys) << i;
        EXPECT_EQ(c.at("stop"), false);
        EXPECT_EQ(c.at("tokens_predicted"), static_cast<std::int64_t>(i + 1));
        EXPECT_EQ(c.at("tokens_evaluated"), 3);
        EXPECT_EQ(c.at("id_slot"), 0);
        content += c.at("content").as_string();
        if (i < text.size()) {
            EXPECT_EQ(ids_of(c.at("tokens")), ids{text[i]});
        }
    }
    EXPECT_EQ(content, "Hello world");
    auto const& eog = ev[ev.size() - 2].as_object();
    EXPECT_EQ(ids_of(eog.at("tokens")), ids{200012});
    EXPECT_EQ(eog.at("content"), "");

    auto const& fin = ev.back().as_object();
    EXPECT_EQ(fin.at("stop"), true);
    EXPECT_EQ(fin.at("stop_type"), "eos");
    EXPECT_EQ(fin.at("stopping_word"), "");
    EXPECT_EQ(fin.at("content"), "");
    EXPECT_TRUE(fin.at("tokens").as_array().empty());
    EXPECT_EQ(fin.at("truncated"), false);
    auto const n_gen = static_cast<std::int64_t>(text.size() + 1);
    EXPECT_EQ(fin.at("tokens_predicted"), n_gen);
    EXPECT_EQ(fin.at("tokens_cached"), 3 + n_gen - 1);
    auto const& t = fin.at("timings").as_object();
    EXPECT_EQ(keys_of(t), (std::vector<std::string>{"cache_n", "prompt_n", "prompt_ms", "prompt_per_token_ms",
                                                    "prompt_per_second", "predicted_n", "predicted_ms",
                                                    "predicted_per_token_ms", "predicted_per_second"}));
    EXPECT_EQ(t.at("cache_n"), 0);
    EXPECT_EQ(t.at("prompt_n"), 3);
    EXPECT_EQ(t.at("predicted_n"), n_gen);
    for (auto const* k : {"index", "id_slot", "model", "tokens_evaluated", "generation_settings", "prompt",
                          "has_new_line", "tokens_cached"})
        EXPECT_TRUE(fin.contains(k)) << k;
}

TEST(FakeLlamaCompletion, NonStreamingReturnsTextAndIdsOnlyWithReturnTokens)
{
    auto srv = start(hello_call);
    auto plain = hp::test::http_request("POST", srv->port(), "/completion", R"({"prompt":[1,2,3]})");
    ASSERT_EQ(plain.status, 200) << plain.body;
    EXPECT_EQ(plain.json().at("content"), "Hello world");
    EXPECT_TRUE(plain.json().at("tokens").as_array().empty());
    auto with = hp::test::http_request("POST", srv->port(), "/completions",
                                       R"({"prompt":[1,2,3],"return_tokens":true})");
    ASSERT_EQ(with.status, 200) << with.body;
    auto expected = voc().tokenize("Hello world", true);
    expected.push_back(200012);
    EXPECT_EQ(ids_of(with.json().at("tokens")), ids(expected.begin(), expected.end()));
    EXPECT_EQ(with.json().at("stop_type"), "eos");
}

TEST(FakeLlamaCompletion, NPredictAndScriptLimitEndWithLimit)
{
    auto srv = start(R"({"rules":[{"match":{"request":1},"tokens":[10,11,12,13]},
                                  {"tokens":[10,11],"end":{"type":"limit"}}]})");
    auto r = stream(*srv, {{"prompt", json::array{1}}, {"n_predict", 2}});
    auto ev = r.json_events();
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev.back().at("stop_type"), "limit");
    EXPECT_EQ(ev.back().at("tokens_predicted"), 2);

    auto s = stream(*srv, {{"prompt", json::array{1}}});
    auto ev2 = s.json_events();
    ASSERT_EQ(ev2.size(), 3u); // two tokens, no EOG chunk, final
    EXPECT_EQ(ids_of(ev2[1].at("tokens")), ids{11});
    EXPECT_EQ(ev2.back().at("stop_type"), "limit");
}

TEST(FakeLlamaCompletion, StopStringOnMessageMarkerKeepsTheStoppingTokenId)
{
    auto srv = start(R"({"rules":[{"tokens":["<|channel|>analysis<|message|>", "more text"]}]})");
    json::object body{{"prompt", json::array{1, 2}}, {"stop", json::array{"<|message|>"}}};
    auto r = stream(*srv, body);
    auto ev = r.json_events();
    ASSERT_GE(ev.size(), 2u);
    auto const& last_chunk = ev[ev.size() - 2].as_object();
    EXPECT_EQ(ids_of(last_chunk.at("tokens")), ids{200008});
    EXPECT_EQ(last_chunk.at("content"), "");
    EXPECT_TRUE(last_chunk.contains("timings")); // the stop was known when this chunk went out
    EXPECT_EQ(ev.back().at("stop_type"), "word");
    EXPECT_EQ(ev.back().at("stopping_word"), "<|message|>");

    body["return_tokens"] = true;
    auto n = hp::test::http_request("POST", srv->port(), "/completion", post_body(body));
    EXPECT_EQ(n.json().at("content"), "<|channel|>analysis");
    auto toks = ids_of(n.json().at("tokens"));
    ASSERT_FALSE(toks.empty());
    EXPECT_EQ(toks.front(), 200005);
    EXPECT_EQ(toks.back(), 200008);
}

TEST(FakeLlamaCompletion, PartialStopMatchHoldsTextBack)
{
    for (auto const* piece : {"abc", "E", "x"})
        ASSERT_EQ(voc().tokenize(piece, true).size(), 1u) << piece;
    auto srv = start(R"({"rules":[{"tokens":["abc","E","x"],"end":{"type":"limit"}}]})");
    auto ev = stream(*srv, {{"prompt", json::array{1}}, {"stop", json::array{"E!"}}}).json_events();
    ASSERT_EQ(ev.size(), 4u);
    EXPECT_EQ(ev[0].at("content"), "abc");
    EXPECT_EQ(ev[1].at("content"), ""); // "E" might start "E!"
    EXPECT_EQ(ev[2].at("content"), "Ex");
    EXPECT_EQ(ev[3].at("stop_type"), "limit");
}

TEST(FakeLlamaCompletion, SpecialTokensRenderLikeLlamaServer)
{
    auto srv =
        start(R"({"rules":[{"tokens":[200006, 200005, "final", 200003, 200008, "hi", 200007, 200013]}]})");
    auto ev = stream(*srv, {{"prompt", json::array{1}}}).json_events();
    std::vector<std::string> contents;
    for (std::size_t i = 0; i + 1 < ev.size(); ++i)
        contents.emplace_back(ev[i].at("content").as_string());
    // USER_DEFINED markers render as their names; control tokens (reserved, EOG) render empty.
    EXPECT_EQ(contents, (std::vector<std::string>{"<|start|>", "<|channel|>", "final", "<|constrain|>",
                                                  "<|message|>", "hi", "<|end|>", "", ""}));
}

TEST(FakeLlamaCompletion, ResponseFieldsTrimTheFinalResult)
{
    auto srv = start(hello_call);
    auto r = hp::test::http_request(
        "POST", srv->port(), "/completion",
        R"({"prompt":[1,2,3],"response_fields":["timings/cache_n","stop_type","nope/x"]})");
    EXPECT_EQ(r.json(), json_of(R"({"timings/cache_n":0,"stop_type":"eos"})"));
}

TEST(FakeLlamaCompletion, ContextOverflowIsExceedContextSizeError)
{
    server_options o;
    o.n_ctx = 16;
    auto srv = start(hello_call, o);
    json::array prompt;
    for (int i = 0; i < 16; ++i)
        prompt.push_back(100 + i);
    auto r = hp::test::http_request("POST", srv->port(), "/completion",
                                    post_body({{"prompt", prompt}, {"stream", true}}));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(
        r.json(),
        json_of(
            R"({"error":{"code":400,"message":"request (16 tokens) exceeds the available context size (16 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":16,"n_ctx":16}})"));
}

TEST(FakeLlamaCompletion, GenerationThatFillsTheContextIsTruncated)
{
    server_options o;
    o.n_ctx = 8;
    auto srv = start(R"({"rules":[{"tokens":[10,11,12,13,14,15,16,17]}]})", o);
    auto r = hp::test::http_request("POST", srv->port(), "/completion", R"({"prompt":[1,2,3,4,5]})");
    EXPECT_EQ(r.json().at("stop_type"), "limit");
    EXPECT_EQ(r.json().at("truncated"), true);
    EXPECT_EQ(r.json().at("tokens_predicted"), 3);
}

TEST(FakeLlamaCompletion, InvalidTokenIdsAreRejected)
{
    auto srv = start(hello_call);
    auto const expected = json_of(
        R"({"error":{"code":400,"message":"Prompt contains invalid tokens","type":"invalid_request_error"}})");
    for (auto const* body : {R"({"prompt":[1,201088]})", R"({"prompt":[-1,5]})"}) {
        auto r = hp::test::http_request("POST", srv->port(), "/completion", body);
        EXPECT_EQ(r.status, 400) << body;
        EXPECT_EQ(r.json(), expected) << body;
    }
}

TEST(FakeLlamaCompletion, GrammarIsRecordedAndAGrammarWithoutRootIsRejected)
{
    auto srv = start(hello_call);
    auto bad = hp::test::http_request("POST", srv->port(), "/completion",
                                      R"({"prompt":[1],"grammar":"answer ::= \"x\""})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(
        bad.json(),
        json_of(
            R"({"error":{"code":400,"message":"Failed to initialize samplers: failed to parse grammar","type":"invalid_request_error"}})"));
    // The grammar constrains the scripted tokens (constrained_test.cpp); this one admits them.
    auto good = hp::test::http_request("POST", srv->port(), "/completion",
                                       R"({"prompt":[1],"grammar":"root ::= \"Hello \" [a-z]+"})");
    EXPECT_EQ(good.status, 200);
    auto rec = srv->requests();
    ASSERT_EQ(rec.size(), 2u);
    EXPECT_EQ(rec[1].body.at("grammar"), "root ::= \"Hello \" [a-z]+");
    EXPECT_EQ(rec[1].rule, "rules[0]");
}

TEST(FakeLlamaCompletion, StringPromptsParseHarmonyMarkers)
{
    auto srv = start(
        R"({"rules":[{"match":{"prompt_ends_with":"<|end|>"},"tokens":"matched"},{"tokens":"other"}]})");
    auto r = hp::test::http_request("POST", srv->port(), "/completion", R"({"prompt":"user text <|end|>"})");
    EXPECT_EQ(r.json().at("content"), "matched");
    EXPECT_EQ(r.json().at("tokens_evaluated"),
              static_cast<std::int64_t>(voc().tokenize("user text ", true).size() + 1));
    EXPECT_EQ(r.json().at("prompt"), "user text <|end|>");
}

// The model may sample "😀" as byte-level tokens (F0 9F 98, then 80) instead of its merged token:
// what the real server showed with a random model.
std::vector<token_id> split_emoji()
{
    auto head = tokenizer().token_for_bytes("\xF0\x9F\x98");
    auto tail = tokenizer().token_for_bytes("\x80");
    if (!head || !tail) throw std::runtime_error("the vocabulary lacks the byte tokens");
    return {*head, *tail};
}

std::string split_emoji_script()
{
    auto e = split_emoji();
    return R"({"rules":[{"tokens":["a", )" + std::to_string(e[0]) + ", " + std::to_string(e[1]) +
           R"(, "b"]}]})";
}

TEST(FakeLlamaCompletion, TokenEndingInsideUtf8CharacterLosesItsId)
{
    auto const emoji = split_emoji();
    auto srv = start(split_emoji_script());
    auto ev = stream(*srv, {{"prompt", json::array{1}}}).json_events();
    ASSERT_EQ(ev.size(), 5u); // a, 😀 (one chunk for two tokens), b, EOG, final
    EXPECT_EQ(ev[1].at("content"), "😀");
    EXPECT_EQ(ids_of(ev[1].at("tokens")), ids{emoji[1]});
    EXPECT_EQ(ev[0].at("tokens_predicted"), 1);
    EXPECT_EQ(ev[1].at("tokens_predicted"), 3); // jumped by 2
    EXPECT_EQ(ev[2].at("tokens_predicted"), 4);

    auto n =
        hp::test::http_request("POST", srv->port(), "/completion", R"({"prompt":[1],"return_tokens":true})");
    auto toks = ids_of(n.json().at("tokens"));
    ASSERT_EQ(toks.size(), 5u); // the non-streaming result still lists every id
    EXPECT_EQ(toks[1], emoji[0]);
    EXPECT_EQ(n.json().at("content"), "a😀b");
}

TEST(FakeLlamaCompletion, SplitUtf8IdsCanBeKeptWhenSwitchedOff)
{
    auto const emoji = split_emoji();
    server_options o;
    o.lose_split_utf8 = false;
    auto srv = start(split_emoji_script(), o);
    auto ev = stream(*srv, {{"prompt", json::array{1}}}).json_events();
    ASSERT_EQ(ev.size(), 6u);
    EXPECT_EQ(ids_of(ev[1].at("tokens")), ids{emoji[0]});
    EXPECT_EQ(ev[1].at("content"), "");
    EXPECT_EQ(ids_of(ev[2].at("tokens")), ids{emoji[1]});
    EXPECT_EQ(ev[2].at("content"), "😀");
    EXPECT_EQ(ev[2].at("tokens_predicted"), 3);
}

TEST(FakeLlamaCompletion, GenerationCutInsideACharacterSendsReplacementCharacter)
{
    auto const emoji = split_emoji();
    auto srv = start(R"({"rules":[{"tokens":[)" + std::to_string(emoji[0]) + "]}]}");
    auto r = hp::test::http_request("POST", srv->port(), "/completion", R"({"prompt":[1],"n_predict":1})");
    EXPECT_EQ(r.json().at("stop_type"), "limit");
    EXPECT_EQ(r.json().at("content"), "\xEF\xBF\xBD"); // one U+FFFD for the truncated sequence
}

TEST(FakeLlamaCompletion, TimingsPerTokenAddsTimingsToEveryChunk)
{
    auto srv = start(hello_call);
    auto ev = stream(*srv, {{"prompt", json::array{1}}, {"timings_per_token", true}}).json_events();
    for (auto const& e : ev)
        EXPECT_TRUE(e.as_object().contains("timings"));
}

} // namespace
} // namespace hp::tools::fake_llama::test
