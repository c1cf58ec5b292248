// libFuzzer target: any bytes through encode and back (see tokenizer_invariants.hpp).
// The vocabulary is tokenizer::default_path() (HP_VOCAB overrides it), loaded once.
#include "tokenizer_invariants.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    using hp::translate::tokenizer;
    static std::unique_ptr<tokenizer const> const tok = [] {
        auto r = tokenizer::load(tokenizer::default_path());
        if (!r) {
            std::fprintf(stderr, "%s\n", r.error().message.c_str());
            std::abort();
        }
        return std::make_unique<tokenizer const>(std::move(*r));
    }();
    std::string const failure =
        hp::translate::test::check_tokenizer_invariants(*tok, {reinterpret_cast<char const*>(data), size});
    if (!failure.empty()) {
        std::fprintf(stderr, "tokenizer invariant failed: %s\n", failure.c_str());
        std::abort();
    }
    return 0;
}
