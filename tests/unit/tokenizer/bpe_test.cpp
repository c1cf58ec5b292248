// The rank table and both merge strategies, loaded straight from o200k_base.json.
#include "translate/bpe.hpp"

#include "vocab_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <random>

namespace hp::translate {
namespace {

bpe_ranks const& ranks()
{
    static bpe_ranks const loaded = [] {
        auto const doc = boost::json::parse(test::read_file(tokenizer::default_path().string()));
        bpe_ranks r;
        std::string error;
        if (!parse_compressed_ranks(doc.at("bpe_ranks").as_string(), r, error))
            throw std::runtime_error(error);
        return r;
    }();
    return loaded;
}

TEST(bpe, reconstructed_tiktoken_file_has_harmonys_sha256)
{
    ASSERT_EQ(ranks().size(), 199998u);
    EXPECT_EQ(tiktoken_file_sha256(ranks()),
              "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d");
    EXPECT_EQ(ranks().bytes(0), "!");
    EXPECT_EQ(ranks().find("hello"), 24912u);
    EXPECT_EQ(ranks().find("no such token here, surely"), bpe_ranks::none);
}

// The heap strategy (long pieces) must merge exactly like tiktoken's scan (short pieces).
TEST(bpe, heap_merge_equals_linear_merge)
{
    std::mt19937 rng(99);
    std::string const alphabets[] = {
        "abcdefghijklmnopqrstuvwxyz",           "aaaaab", " \n\t", "=-_*#", "0123456789",
        "e\xCC\x81\xE4\xB8\xAD\xF0\x9F\x98\x80"};
    int compared = 0;
    for (int i = 0; i < 4000; ++i) {
        std::string const& alpha = alphabets[i % std::size(alphabets)];
        std::string piece(2 + rng() % (bpe_ranks::small_piece_limit - 1), '\0');
        for (auto& c : piece)
            c = i % 7 == 6 ? static_cast<char>(rng() % 256) : alpha[rng() % alpha.size()];
        std::vector<token_id> a;
        std::vector<token_id> b;
        bpe_ranks::scratch s;
        ranks().merge_small(piece, a);
        ranks().merge_heap(piece, b, s);
        ASSERT_EQ(a, b) << piece;
        std::string joined;
        for (token_id t : a)
            joined += ranks().bytes(t);
        ASSERT_EQ(joined, piece);
        ++compared;
    }
    EXPECT_EQ(compared, 4000);
}

TEST(bpe, long_pieces_merge_completely)
{
    bpe_ranks::scratch s;
    std::vector<token_id> out;
    ranks().encode_piece(std::string(10000, 'a'), out, s);
    std::string joined;
    for (token_id t : out)
        joined += ranks().bytes(t);
    EXPECT_EQ(joined, std::string(10000, 'a'));
    EXPECT_LT(out.size(), 10000u / 4); // merged, not left as bytes
}

TEST(bpe, compressed_form_errors)
{
    bpe_ranks r;
    std::string error;
    EXPECT_FALSE(parse_compressed_ranks("IQ== 0\n", r, error));
    EXPECT_NE(error.find("compressed form"), std::string::npos) << error;
    EXPECT_FALSE(parse_compressed_ranks("! 1 IQ==", r, error));
    EXPECT_NE(error.find("consecutive"), std::string::npos) << error;
    EXPECT_FALSE(parse_compressed_ranks("! x IQ==", r, error));
    EXPECT_NE(error.find("first rank"), std::string::npos) << error;
    EXPECT_FALSE(parse_compressed_ranks("! 0 I@==", r, error));
    EXPECT_NE(error.find("base64"), std::string::npos) << error;
    EXPECT_FALSE(parse_compressed_ranks("! 0 IR==", r, error)); // non-canonical padding bits
    EXPECT_FALSE(parse_compressed_ranks("! 0 IQ== IQ==", r, error));
    EXPECT_NE(error.find("same bytes"), std::string::npos) << error;
    EXPECT_FALSE(parse_compressed_ranks("! 0 IQ== Ig==", r, error));
    EXPECT_NE(error.find("256"), std::string::npos) << error;
    EXPECT_FALSE(parse_compressed_ranks("", r, error));
}

} // namespace
} // namespace hp::translate
