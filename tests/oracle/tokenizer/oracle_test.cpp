// Reads what oracle.mjs wrote (tiktoken's ids for 20,000 random strings) and checks the C++
// tokenizer agrees on every one, and decodes each back to its text.
#include "translate/tokenizer.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>

namespace hp::translate {
namespace {

TEST(tokenizer_oracle, identical_ids_to_tiktoken_wasm)
{
    auto tok = tokenizer::load(tokenizer::default_path());
    ASSERT_TRUE(tok.has_value()) << tok.error().message;

    std::ifstream in(HP_TOKENIZER_ORACLE_FILE);
    ASSERT_TRUE(in) << "missing " << HP_TOKENIZER_ORACLE_FILE
                    << ": ctest runs tokenizer_oracle_generate (node oracle.mjs) first";
    std::string line;
    std::size_t strings = 0;
    std::size_t bytes = 0;
    std::size_t mismatches = 0;
    std::vector<token_id> expected;
    while (std::getline(in, line)) {
        auto const doc = boost::json::parse(line).as_object();
        std::string const text(doc.at("text").as_string());
        expected.clear();
        for (auto const& x : doc.at("tokens").as_array())
            expected.push_back(static_cast<token_id>(x.as_int64()));
        auto const got = tok->encode(text);
        ++strings;
        bytes += text.size();
        if (got != expected && ++mismatches <= 5) {
            std::string g, e;
            for (token_id t : got)
                g += std::to_string(t) + ",";
            for (token_id t : expected)
                e += std::to_string(t) + ",";
            ADD_FAILURE() << "string " << strings << ": " << boost::json::serialize(doc.at("text"))
                          << "\n  c++:      " << g << "\n  tiktoken: " << e;
        }
        ASSERT_EQ(tok->decode(got), text) << "string " << strings;
    }
    EXPECT_EQ(strings, 20000u);
    EXPECT_GT(bytes, 1000000u);
    EXPECT_EQ(mismatches, 0u) << "of " << strings << " strings";
}

} // namespace
} // namespace hp::translate
