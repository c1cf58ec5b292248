#!/usr/bin/env bash
# Builds the real llama-server and llama-tokenize from the llama.cpp source that the npm registry
# package node-llama-cpp ships as a git bundle (llama/gitRelease.bundle). The build lives in a
# cache directory outside the repository and is reused when present; nothing of llama.cpp is
# ever committed. Prints the directory holding the binaries on its last line.
set -euo pipefail

version="${NODE_LLAMA_CPP_VERSION:-3.21.1}"
cache="${HP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/harmony-proxy}"
root="$cache/llama.cpp-node-llama-cpp-$version"
bin="$root/build/bin"
jobs="${HP_BUILD_JOBS:-$(nproc)}"

if [[ -x "$bin/llama-server" && -x "$bin/llama-tokenize" ]]; then
  echo "llama-server: reusing $bin" >&2
  echo "$bin"
  exit 0
fi

mkdir -p "$root"
# One build at a time (setup.sh and ctest's real_llama setup may both ask): wait for the other, then
# reuse what it built.
exec 9>"$root/.build.lock"
flock 9
if [[ -x "$bin/llama-server" && -x "$bin/llama-tokenize" ]]; then
  echo "llama-server: reusing $bin" >&2
  echo "$bin"
  exit 0
fi

work="$(mktemp -d "$root/fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "llama-server: fetching node-llama-cpp@$version from the npm registry" >&2
(cd "$work" && npm pack --silent "node-llama-cpp@$version" >/dev/null)
tar -xzf "$work"/node-llama-cpp-*.tgz -C "$work" package/llama/gitRelease.bundle

rm -rf "$root/src"
git -c advice.detachedHead=false clone --quiet "$work/package/llama/gitRelease.bundle" "$root/src"

echo "llama-server: building in $root/build with $jobs jobs (about 8 minutes on 2 cores)" >&2
cmake -S "$root/src" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON \
  -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF >"$root/cmake.log" 2>&1 \
  || { tail -40 "$root/cmake.log" >&2; exit 1; }
cmake --build "$root/build" --target llama-server llama-tokenize -j "$jobs" >"$root/build.log" 2>&1 \
  || { tail -40 "$root/build.log" >&2; exit 1; }

echo "$bin"
