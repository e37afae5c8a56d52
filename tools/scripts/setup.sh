#!/usr/bin/env bash
# Installs what agentwatch needs from Debian 12 when it is missing, then configures and builds.
# Quick when everything is already there: one dpkg-query, an incremental ninja build.
#
#   tools/scripts/setup.sh [--ci]      --ci adds the tools of .ci/run (clang, libFuzzer, clang-format)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=${AW_BUILD_DIR:-$root/build}

# One line per package, with why it is here (README "Dependencies" says the same).
packages=(
  g++ cmake ninja-build pkg-config ccache   # toolchain
  libsimdjson-dev                            # JSON decoding on the hot path
  libyaml-cpp-dev                            # registry, rules, action-class tables, config
  libre2-dev                                 # `matches` in rule conditions (linear-time regex)
  libabsl-dev                                # flat hash maps of the registry and correlation state
  librocksdb-dev                             # the evidence store (brings liblz4-dev, libzstd-dev)
  libssl-dev                                 # SHA-256 of the store's integrity chain
  libcli11-dev                               # the command line
  librdkafka-dev                             # Kafka: consumer groups, producer, the mock broker
  kcat                                       # an independent Kafka client for the integration tests
  libgtest-dev libgmock-dev                  # tests
  libbenchmark-dev                           # benchmarks
)
if [[ "${1:-}" == "--ci" ]]; then
  packages+=(clang libclang-rt-14-dev clang-format)  # fuzzers, sanitizers, format check
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing packages: ${missing[*]}; run as root or install them with apt-get" >&2
    exit 2
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAW_BUILD_TESTS=ON \
    -DAW_BUILD_BENCH=ON >/dev/null
fi
cmake --build "$build_dir" -j 2
