// Shared by the tokenizer tests: the real vocabulary, loaded once per test binary (2.3 MB, ~40 ms).
#pragma once

#include "translate/tokenizer.hpp"

#include <string>

namespace hp::translate::test {

// The tokenizer from tokenizer::default_path(); the test fails hard if it cannot be loaded.
tokenizer const& vocab();

std::string read_file(std::string const& path);

inline std::string golden(std::string const& rel)
{
    return std::string(HP_SHARED_DIR) + "/harmony-golden/" + rel;
}

} // namespace hp::translate::test
