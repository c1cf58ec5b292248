#!/usr/bin/env bash
# The tool-grammar fuzz with more seeds than CI runs: the tiny random-weight model samples under
# every grammar the converters produce for Codex's tools (tests/real_llama/grammar/grammar_fuzz_test.cpp).
#   tools/fuzz/grammar_fuzz.sh [SEEDS]     (default 20 per grammar; BUILD_DIR defaults to ./build)
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD_DIR:-$src/build}"
seeds="${1:-20}"
cmake --build "$build" --target real_llama_grammar_fuzz_test make-test-model >/dev/null
# The ctest fixture builds llama-server (cached) and the model; then the fuzz runs with more seeds.
ctest --test-dir "$build" -R 'real_llama_(build_server|make_model)' --output-on-failure >/dev/null
HP_FUZZ_SEEDS="$seeds" "$build/tests/real_llama_grammar_fuzz_test"
