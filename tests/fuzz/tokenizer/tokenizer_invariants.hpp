// What must hold for any input bytes, checked by the fuzz target and by its seed corpus test.
#pragma once

#include "translate/tokenizer.hpp"

#include <string>
#include <string_view>

namespace hp::translate::test {

// Encodes `data` and checks: no special ids; decode gives `data` back byte for byte; the
// pre-tokenizer's pieces are non-empty and cover `data`; encoding piece by piece gives the same
// ids; appending to a non-empty vector gives the same ids. Returns "" or what failed.
std::string check_tokenizer_invariants(tokenizer const& tok, std::string_view data);

} // namespace hp::translate::test
