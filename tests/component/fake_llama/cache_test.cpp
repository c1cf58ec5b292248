// The simulated per-slot KV cache: timings.cache_n / prompt_n, tokens_cached, slot choice.
#include "fixture.hpp"

namespace hp::tools::fake_llama::test {
namespace {

namespace json = boost::json;

json::object complete(fake_llama_thread& srv, json::array prompt, std::int64_t id_slot = -1)
{
    auto r = hp::test::http_request("POST", srv.port(), "/completion",
                                    post_body({{"prompt", std::move(prompt)}, {"id_slot", id_slot}}));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().as_object();
}

std::int64_t cache_n(json::object const& r)
{
    return r.at("timings").at("cache_n").to_number<std::int64_t>();
}

std::int64_t prompt_n(json::object const& r)
{
    return r.at("timings").at("prompt_n").to_number<std::int64_t>();
}

constexpr char const* two_tokens = R"({"rules":[{"tokens":[20,21],"end":{"type":"eos","token":200002}}]})";

TEST(FakeLlamaCache, RepeatedPromptReusesAllButOneToken)
{
    auto srv = start(two_tokens);
    auto a = complete(*srv, {10, 11, 12, 13});
    EXPECT_EQ(cache_n(a), 0);
    EXPECT_EQ(prompt_n(a), 4);
    auto b = complete(*srv, {10, 11, 12, 13});
    EXPECT_EQ(cache_n(b), 3); // at least one prompt token is always evaluated
    EXPECT_EQ(prompt_n(b), 1);
}

TEST(FakeLlamaCache, AppendOnlyPromptReusesPromptAndOutputButTheLastToken)
{
    auto srv = start(two_tokens);
    auto a = complete(*srv, {10, 11, 12});
    // Sampled 20, 21, 200002; the last sampled token is never decoded.
    EXPECT_EQ(a.at("tokens_cached"), 5);
    auto b = complete(*srv, {10, 11, 12, 20, 21, 200002, 30});
    EXPECT_EQ(cache_n(b), 5);
    EXPECT_EQ(prompt_n(b), 2);
    auto c = complete(*srv, {10, 99, 12});
    EXPECT_EQ(cache_n(c), 1); // diverges after the first token
}

TEST(FakeLlamaCache, FreeSlotSelectionPrefersTheSlotHoldingThePrompt)
{
    server_options o;
    o.slots = 2;
    auto srv = start(two_tokens, o);
    auto a = complete(*srv, {10, 11, 12, 13});
    auto b = complete(*srv, {50, 51, 52, 53}); // no similarity: the other, least recently used slot
    EXPECT_NE(a.at("id_slot"), b.at("id_slot"));
    auto c = complete(*srv, {10, 11, 12, 13, 14});
    EXPECT_EQ(c.at("id_slot"), a.at("id_slot"));
    EXPECT_EQ(cache_n(c), 4);

    // An explicit slot is honoured even when another one holds the prompt, and wraps around.
    auto other = b.at("id_slot").to_number<std::int64_t>();
    auto d = complete(*srv, {10, 11, 12, 13, 14}, other + 2);
    EXPECT_EQ(d.at("id_slot"), other);
    EXPECT_EQ(cache_n(d), 0);
    auto rec = srv->requests();
    ASSERT_EQ(rec.size(), 4u);
    EXPECT_EQ(rec[3].slot, other);
}

} // namespace
} // namespace hp::tools::fake_llama::test
