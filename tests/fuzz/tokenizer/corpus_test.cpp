// The fuzz target's seed corpus as an ordinary test, so every build (gcc included) runs it.
#include "tokenizer_invariants.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace hp::translate {
namespace {

TEST(tokenizer_fuzz_corpus, every_seed_keeps_the_invariants)
{
    auto tok = tokenizer::load(tokenizer::default_path());
    ASSERT_TRUE(tok.has_value()) << tok.error().message;
    std::size_t seeds = 0;
    for (auto const& entry : std::filesystem::directory_iterator(HP_TOKENIZER_CORPUS)) {
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        EXPECT_EQ(test::check_tokenizer_invariants(*tok, s.str()), "") << entry.path();
        ++seeds;
    }
    EXPECT_GE(seeds, 20u);
}

} // namespace
} // namespace hp::translate
