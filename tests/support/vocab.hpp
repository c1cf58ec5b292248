// tests/support/vocab.hpp: the real o200k_harmony tokenizer, loaded once per test binary from the
// compiled-in vocabulary (HP_VOCAB overrides). A missing vocabulary fails the test binary loudly:
// every test that uses it asserts on exact ids.
#pragma once

#include "translate/tokenizer.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

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

// The same vocabulary for tests that report a missing vocabulary as a test failure instead of
// aborting: nullptr with `error` set when it cannot be loaded (the calling test fails, never skips).
inline translate::tokenizer const* vocabulary(std::string* error = nullptr)
{
    static auto const loaded = [] {
        auto r = translate::tokenizer::load(translate::tokenizer::default_path());
        std::optional<translate::tokenizer> tok;
        std::string err;
        if (r)
            tok.emplace(std::move(*r));
        else
            err = r.error().message;
        return std::pair{std::move(tok), std::move(err)};
    }();
    if (!loaded.first && error) *error = loaded.second;
    return loaded.first ? &*loaded.first : nullptr;
}

} // namespace hp::test
