// The real o200k vocabulary, loaded once per test binary.
#pragma once

#include "support/vocab.hpp"
#include "translate/tokenizer.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace hp::translate::test {

using hp::test::vocab;

// The id of a vocabulary piece; fails the test when `bytes` is not one token.
inline token_id piece(std::string_view bytes)
{
    auto id = vocab().token_for_bytes(bytes);
    EXPECT_TRUE(id.has_value()) << "not a vocabulary token: " << testing::PrintToString(std::string(bytes));
    return id.value_or(0);
}

inline void append(std::vector<token_id>& ids, std::vector<token_id> const& more)
{
    ids.insert(ids.end(), more.begin(), more.end());
}

} // namespace hp::translate::test
