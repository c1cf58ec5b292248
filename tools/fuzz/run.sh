#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) in BUILD_DIR and runs one of them on a copy
# of its seed corpus for SECONDS. Exit status: libFuzzer's (non-zero on a crash or a sanitizer
# report). Used by the ctest label `fuzz` and by hand:
#   tools/fuzz/run.sh BUILD_DIR fuzz-tokenizer|fuzz-stream-parser [SECONDS]
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
build="$1"
target="$2"
seconds="${3:-60}"
case "$target" in
  fuzz-tokenizer) corpus="$src/tests/fuzz/tokenizer/corpus"; extra=(-max_len=4096) ;;
  fuzz-stream-parser) corpus="$src/tests/fuzz/stream_parser/corpus"; extra=() ;;
  *) echo "unknown fuzz target $target" >&2; exit 2 ;;
esac
# One configure+build at a time (ctest may start both targets' runs together).
exec 9>"$build.lock"
flock 9
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DHP_FUZZ=ON -DHP_TEST_FILTER='^fuzz/' -DHP_TOOL_FILTER='^$' ${HP_CACHE:+-DHP_CACHE="$HP_CACHE"} >/dev/null
fi
cmake --build "$build" --target "$target" >/dev/null
flock -u 9
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$corpus"/. "$work/"
"$build/$target" "$work" -max_total_time="$seconds" -print_final_stats=1 "${extra[@]}" 2>&1 | tail -25
