// split_into_tokens: one piece, the tokenizer's own split, the exact-count search, impossible cases.
#include "test_vocab.hpp"

#include "translate/completion_stream.hpp"

namespace hp::translate {
namespace {

using test::piece;
using test::vocab;

std::string bytes_of(std::vector<token_id> const& ids)
{
    return vocab().decode(ids);
}

TEST(split_into_tokens, one_token_is_the_vocabulary_lookup)
{
    auto r = split_into_tokens(vocab(), "\xF0\x9F\x98", 1);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, std::vector<token_id>{piece("\xF0\x9F\x98")});
    EXPECT_FALSE(split_into_tokens(vocab(), "hello world, this is not one token", 1));
}

TEST(split_into_tokens, uses_the_tokenizer_split_when_the_count_matches)
{
    std::string const text = " hello world";
    auto const enc = vocab().encode(text);
    ASSERT_EQ(enc.size(), 2u);
    auto r = split_into_tokens(vocab(), text, 2);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, enc);
}

TEST(split_into_tokens, exact_count_search_when_the_tokenizer_disagrees)
{
    // Three single bytes of an emoji: the tokenizer would give one token for them.
    std::string const bytes = "\xF0\x9F\x98";
    ASSERT_EQ(vocab().encode(bytes).size(), 1u);
    auto r = split_into_tokens(vocab(), bytes, 3);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, (std::vector<token_id>{piece("\xF0"), piece("\x9F"), piece("\x98")}));

    // Any count between the fewest and the most pieces works, and the bytes are kept exactly.
    std::string const text = " hello world";
    for (std::size_t count = 2; count <= text.size(); ++count) {
        auto s = split_into_tokens(vocab(), text, count);
        ASSERT_TRUE(s) << count;
        EXPECT_EQ(s->size(), count);
        EXPECT_EQ(bytes_of(*s), text);
    }
}

TEST(split_into_tokens, impossible_counts)
{
    EXPECT_FALSE(split_into_tokens(vocab(), "ab", 3)); // more tokens than bytes
    EXPECT_FALSE(split_into_tokens(vocab(), "ab", 0));
    EXPECT_FALSE(split_into_tokens(vocab(), "", 1));
    EXPECT_TRUE(split_into_tokens(vocab(), "", 0));
    EXPECT_FALSE(split_into_tokens(vocab(), std::string(max_rebuild_bytes + 1, 'a'), 3));
}

} // namespace
} // namespace hp::translate
