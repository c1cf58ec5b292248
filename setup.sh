#!/usr/bin/env bash
# Sets a fresh Debian 12 machine up completely for harmony-proxy: apt packages, test tooling and
# data from the npm registry (into a cache outside the repository), the real llama-server built
# from node-llama-cpp's llama.cpp bundle (cached), and this project's build in ./build.
#
#   ./setup.sh                      everything
#   HP_SANITIZE=address,undefined ./setup.sh   the same, built with sanitizers (into ./build)
#   HP_SKIP_LLAMA=1 ./setup.sh      skip the llama-server build (the real_llama tier then fails)
set -euo pipefail
cd "$(dirname "$0")"

# ccache keys on paths relative to the checkout, so a fresh clone elsewhere reuses earlier builds.
export CCACHE_BASEDIR="$PWD"
export HP_CACHE="${HP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/harmony-proxy}"
mkdir -p "$HP_CACHE"

apt_packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libpcre2-dev
  clang libclang-rt-14-dev chromium ccache
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm: Debian's, unless the machine already has a working pair (a newer npm from
# elsewhere conflicts with Debian's npm package).
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm test tooling and data: tiktoken (vocabulary and oracle) and the real Codex CLI.
npm_dir="$HP_CACHE/npm"
mkdir -p "$npm_dir"
if ! cmp -s tools/npm/package.json "$npm_dir/package.json" || [[ ! -d "$npm_dir/node_modules" ]]; then
  cp tools/npm/package.json "$npm_dir/package.json"
  echo "setup: npm install in $npm_dir"
  (cd "$npm_dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
test -s "$npm_dir/node_modules/tiktoken/encoders/o200k_base.json"
"$npm_dir/node_modules/.bin/codex" --version >/dev/null

# The real llama-server (cached; about 8 minutes on 2 cores the first time).
if [[ -z "${HP_SKIP_LLAMA:-}" ]]; then
  tools/llama-server/build.sh >/dev/null
fi

# Release by default (2-core machines: -g costs build time); ccache makes rebuilds cheap.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${HP_BUILD_TYPE:-Release}" -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DHP_CACHE="$HP_CACHE" -DHP_SANITIZE="${HP_SANITIZE:-}" >/dev/null
cmake --build build -j "${HP_BUILD_JOBS:-$(nproc)}"
echo "setup: done; the proxy is build/harmony-proxy"
