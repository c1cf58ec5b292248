// The sans-io pieces under the server: process_token() bookkeeping, stop matching, UTF-8 helpers,
// slot choice. Exact and fast; the HTTP tests cover the same behaviour end to end.
#include "fixture.hpp"

#include "tools/fake_llama/generation.hpp"
#include "tools/fake_llama/slots.hpp"

namespace hp::tools::fake_llama::test {
namespace {

TEST(FakeLlamaGeneration, PartialStopFindsTheStartOfAStopWordAtTheEnd)
{
    EXPECT_EQ(find_partial_stop("hello <|mess", "<|message|>"), 6u);
    EXPECT_EQ(find_partial_stop("hello <", "<|message|>"), 6u);
    EXPECT_EQ(find_partial_stop("hello", "<|message|>"), std::string_view::npos);
    EXPECT_EQ(find_partial_stop("", "x"), std::string_view::npos);
}

TEST(FakeLlamaGeneration, Utf8PrefixCutsOnlyAnIncompleteTail)
{
    EXPECT_EQ(valid_utf8_prefix("ab\xF0\x9F\x98"), 2u);
    EXPECT_EQ(valid_utf8_prefix("ab\xF0\x9F\x98\x80"), 6u);
    EXPECT_EQ(valid_utf8_prefix("\xC3"), 0u);
    EXPECT_EQ(to_valid_utf8("a\xF0\x9F\x98"
                            "b\x80"),
              "a\xEF\xBF\xBD"
              "b\xEF\xBF\xBD");
    EXPECT_TRUE(is_valid_utf8("é😀"));
    EXPECT_FALSE(is_valid_utf8("\xE2\x82"));
}

TEST(FakeLlamaGeneration, StopWordSpanningTokensCutsTextAndKeepsIds)
{
    std::vector<token_id> toks = voc().tokenize("one two three four", true);
    generation_limits lim;
    lim.n_prompt = 1;
    lim.stop = {"three"};
    auto g = simulate(voc(), toks, lim);
    EXPECT_EQ(g.stop, stop_type::word);
    EXPECT_EQ(g.stopping_word, "three");
    EXPECT_EQ(g.text, "one two ");
    ASSERT_FALSE(g.steps.empty());
    EXPECT_TRUE(g.steps.back().stopped_here);
    EXPECT_EQ(g.sampled, std::vector<token_id>(toks.begin(),
                                               toks.begin() + static_cast<std::ptrdiff_t>(g.sampled.size())));
    std::string sent;
    for (auto const& s : g.steps)
        sent += s.content;
    EXPECT_EQ(sent, "one two ");
}

TEST(FakeLlamaGeneration, EndOfTextAndNPredict)
{
    std::vector<token_id> toks{10, 11, translate::special::endoftext, 12};
    generation_limits lim;
    lim.n_prompt = 1;
    auto g = simulate(voc(), toks, lim);
    EXPECT_EQ(g.stop, stop_type::eos);
    EXPECT_EQ(g.sampled.size(), 3u);
    lim.n_predict = 1;
    auto h = simulate(voc(), toks, lim);
    EXPECT_EQ(h.stop, stop_type::limit);
    EXPECT_EQ(h.sampled.size(), 1u);
    EXPECT_FALSE(h.truncated);
}

TEST(FakeLlamaGeneration, SlotPoolKeepsTheLastSampledTokenOut)
{
    slot_pool pool(2);
    std::vector<token_id> p{1, 2, 3};
    auto s = pool.acquire(-1, p);
    EXPECT_EQ(pool.cached_prefix(s, p), 0u);
    pool.release(s, {1, 2, 3, 4});
    EXPECT_EQ(pool.acquire(-1, std::vector<token_id>{1, 2, 3, 4, 5}), s);
    EXPECT_EQ(pool.cached_prefix(s, std::vector<token_id>{1, 2, 3, 4, 5}), 4u);
    EXPECT_EQ(pool.cached_prefix(s, std::vector<token_id>{1, 2, 3, 4}), 3u);
    EXPECT_EQ(common_prefix(std::vector<token_id>{1, 2}, std::vector<token_id>{1, 3}), 1u);
}

} // namespace
} // namespace hp::tools::fake_llama::test
