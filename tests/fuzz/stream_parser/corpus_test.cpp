// The fuzz target's seed corpus as an ordinary test (gcc, no libFuzzer): every seed file must pass
// every invariant. Also a bounded deterministic random sweep over the same input format, so the
// invariants are exercised in every ctest run, not only when someone fuzzes.
#include "support/vocab.hpp"
#include "fuzz/stream_parser/stream_parser_invariants.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

namespace hp::translate::fuzz {
namespace {

using hp::test::vocab;

TEST(StreamParserFuzzCorpus, EverySeedHoldsTheInvariants)
{
    std::filesystem::path const dir = HP_STREAM_PARSER_CORPUS;
    std::size_t seeds = 0;
    for (auto const& entry : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(entry.path(), std::ios::binary);
        std::vector<std::uint8_t> const data((std::istreambuf_iterator<char>(in)),
                                             std::istreambuf_iterator<char>());
        EXPECT_EQ(check_input(vocab(), data), "") << entry.path();
        ++seeds;
    }
    EXPECT_GE(seeds, 20u) << "the seed corpus is missing";
}

TEST(StreamParserFuzzCorpus, RandomInputsHoldTheInvariants)
{
    std::mt19937 rng(4242);
    for (int i = 0; i < 3000; ++i) {
        std::vector<std::uint8_t> data(1 + 3 * std::uniform_int_distribution<int>(0, 60)(rng));
        for (auto& b : data)
            b = static_cast<std::uint8_t>(rng());
        ASSERT_EQ(check_input(vocab(), data), "") << "input " << i;
    }
}

TEST(StreamParserFuzzCorpus, InputFormatRoundTrips)
{
    stream_parser_options options{role::assistant, true, 1024};
    std::vector<token_id> const ids = {special::start, 0, 12194, 199997, 201089, 0xFFFFFFFFu, special::call};
    fuzz_input const in = decode_input(encode_input(options, ids));
    EXPECT_EQ(in.ids, ids);
    EXPECT_TRUE(in.options.strict);
    EXPECT_EQ(in.options.initial_role, role::assistant);
}

} // namespace
} // namespace hp::translate::fuzz
