// tests/support/vocab.hpp: the real o200k_harmony tokenizer, loaded once per test binary from the
// compiled-in vocabulary (HP_VOCAB overrides). A missing vocabulary fails the test binary loudly:
// every test that uses it asserts on exact ids.
#pragma once

#include "translate/tokenizer.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

namespace hp::test {

inline translate::tokenizer const& vocab()
{
    static translate::tokenizer const tok = [] {
        auto r = translate::tokenizer::load(translate::tokenizer::default_path());
        if (!r) {
            std::cerr << "cannot load the o200k vocabulary: " << r.error().message << '\n';
            std::abort();
        }
        return std::move(*r);
    }();
    return tok;
}

} // namespace hp::test
