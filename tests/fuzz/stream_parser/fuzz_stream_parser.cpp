// libFuzzer entry point for hp::translate::stream_parser (built with -DHP_FUZZ=ON and clang):
//   build/fuzz-stream-parser tests/fuzz/stream_parser/corpus -max_total_time=60
// Arbitrary id sequences, including ids >= 201089, in strict and lenient mode; every invariant of
// stream_parser_invariants.hpp must hold. A violation aborts with its description.
#include "fuzz/stream_parser/stream_parser_invariants.hpp"

#include <cstdio>
#include <cstdlib>

namespace {

hp::translate::tokenizer const& vocab()
{
    static hp::translate::tokenizer const tok = [] {
        auto r = hp::translate::tokenizer::load(hp::translate::tokenizer::default_path());
        if (!r) {
            std::fprintf(stderr, "%s\n", r.error().message.c_str());
            std::abort();
        }
        return std::move(*r);
    }();
    return tok;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    vocab(); // load once, outside the measured iterations
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string const why = hp::translate::fuzz::check_input(vocab(), {data, size});
    if (!why.empty()) {
        std::fprintf(stderr, "stream_parser invariant violated: %s\n", why.c_str());
        std::abort();
    }
    return 0;
}
