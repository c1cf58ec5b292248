#include "tools/make_test_model/gpt_oss_vocab.hpp"
#include "tools/make_test_model/o200k_ranks.hpp"

#include <gtest/gtest.h>

namespace hp::tools {
namespace {

TEST(make_test_model_base64, decodes_padded_groups)
{
    EXPECT_EQ(*decode_base64("IQ=="), "!");
    EXPECT_EQ(*decode_base64("SGk="), "Hi");
    EXPECT_EQ(*decode_base64("SGV5"), "Hey");
    EXPECT_EQ(*decode_base64(""), "");
    EXPECT_EQ(*decode_base64("8J+YgA=="), "\xF0\x9F\x98\x80");
}

TEST(make_test_model_base64, rejects_malformed_input)
{
    EXPECT_FALSE(decode_base64("SGk"));
    EXPECT_FALSE(decode_base64("S=k="));
    EXPECT_FALSE(decode_base64("SG*="));
    EXPECT_FALSE(decode_base64("SG==SGk="));
}

TEST(make_test_model_ranks, parses_the_compressed_form)
{
    auto const r = parse_o200k_ranks(R"({"bpe_ranks": "! 0 YQ== Yg== YWI="})");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->tokens, (std::vector<std::string>{"a", "b", "ab"}));
    auto const two_lines = parse_o200k_ranks(R"({"bpe_ranks": "! 0 YQ==\n! 1 Yg=="})");
    ASSERT_TRUE(two_lines) << two_lines.error().message;
    EXPECT_EQ(two_lines->tokens.size(), 2u);
}

TEST(make_test_model_ranks, reports_what_is_wrong)
{
    EXPECT_NE(parse_o200k_ranks("[").error().message.find("not JSON"), std::string::npos);
    EXPECT_NE(parse_o200k_ranks(R"({"ranks": ""})").error().message.find("bpe_ranks"), std::string::npos);
    EXPECT_NE(parse_o200k_ranks(R"({"bpe_ranks": "! 1 YQ=="})").error().message.find("not dense"),
              std::string::npos);
    EXPECT_NE(parse_o200k_ranks(R"({"bpe_ranks": "! 0 YQ== YQ=="})").error().message.find("duplicate"),
              std::string::npos);
    EXPECT_NE(parse_o200k_ranks(R"({"bpe_ranks": "! 0 YQ="})").error().message.find("rank 0"),
              std::string::npos);
    EXPECT_NE(load_o200k_ranks("/nonexistent/o200k.json").error().message.find("/nonexistent/o200k.json"),
              std::string::npos);
}

TEST(make_test_model_byte_level, maps_bytes_like_gpt2)
{
    EXPECT_EQ(byte_level_encode("Hello"), "Hello");
    EXPECT_EQ(byte_level_encode(" world"), "\u0120world"); // space -> Ġ
    EXPECT_EQ(byte_level_encode("\n"), "\u010A");          // Ċ
    EXPECT_EQ(byte_level_encode(std::string(1, '\0')), "\u0100");
    EXPECT_EQ(byte_level_encode("\x7F"), "\u0121"); // after the 33 control bytes and space
    EXPECT_EQ(byte_level_encode("\xAD"), "\u0143"); // soft hyphen, the last unprintable byte
    EXPECT_EQ(byte_level_encode("\xA1\xFF"), "\u00A1\u00FF");
    EXPECT_EQ(byte_level_encode("\xF0\x9F\x98\x80"), "\u00F0\u0141\u013A\u0122");
}

TEST(make_test_model_merges, every_split_into_two_tokens_ordered_by_rank)
{
    o200k_ranks const ranks{{"a", "b", "c", "ab", "bc", "abc", "cab"}};
    // "abc" splits as a|bc and ab|c (ordered by the left piece's rank, then the right's); "cab" as
    // c|ab only ("ca" is not a token).
    EXPECT_EQ(derive_merges(ranks), (std::vector<merge_pair>{{0, 1}, {1, 2}, {0, 4}, {3, 2}, {2, 3}}));
}

TEST(make_test_model_specials, names_follow_harmony)
{
    EXPECT_EQ(gpt_oss_special_text(199998), "<|startoftext|>");
    EXPECT_EQ(gpt_oss_special_text(199999), "<|endoftext|>");
    EXPECT_EQ(gpt_oss_special_text(200002), "<|return|>");
    EXPECT_EQ(gpt_oss_special_text(200003), "<|constrain|>");
    EXPECT_EQ(gpt_oss_special_text(200005), "<|channel|>");
    EXPECT_EQ(gpt_oss_special_text(200006), "<|start|>");
    EXPECT_EQ(gpt_oss_special_text(200007), "<|end|>");
    EXPECT_EQ(gpt_oss_special_text(200008), "<|message|>");
    EXPECT_EQ(gpt_oss_special_text(200012), "<|call|>");
    EXPECT_EQ(gpt_oss_special_text(200000), "<|reserved_200000|>");
    EXPECT_EQ(gpt_oss_special_text(200018), "<|reserved_200018|>");
    EXPECT_EQ(gpt_oss_special_text(201087), "<|reserved_201087|>");
}

TEST(make_test_model_vocab, needs_exactly_the_o200k_ranks)
{
    EXPECT_FALSE(make_gpt_oss_vocab(o200k_ranks{{"a", "b"}}));
}

// The real vocabulary: gpt-oss's tokenizer.json has 446,189 merges; its token table is the o200k ranks
// in byte-level spelling followed by the 1,090 specials, all CONTROL.
TEST(make_test_model_vocab, o200k_gives_gpt_oss_tokenizer)
{
    auto const ranks = load_o200k_ranks(HP_DEFAULT_VOCAB);
    ASSERT_TRUE(ranks) << ranks.error().message;
    ASSERT_EQ(ranks->tokens.size(), 199998u);
    auto const v = make_gpt_oss_vocab(*ranks);
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(v->merges.size(), 446189u);
    ASSERT_EQ(v->tokens.size(), 201088u);
    ASSERT_EQ(v->types.size(), 201088u);
    EXPECT_EQ(v->tokens[0], "!");
    EXPECT_EQ(v->tokens[13225], "Hello");
    EXPECT_EQ(v->tokens[2375], "\u0120world");
    EXPECT_EQ(v->tokens[200006], "<|start|>");
    EXPECT_EQ(v->types[199997], 1);
    EXPECT_EQ(v->types[199998], 3);
    EXPECT_EQ(v->types[201087], 3);
    // The first merge is the lowest-ranked two-byte token's only split.
    EXPECT_EQ(v->merges.front().find(' '), v->merges.front().size() / 2);
}

} // namespace
} // namespace hp::tools
