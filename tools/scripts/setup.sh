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
  libcpp-httplib-dev                         # serve and the metrics endpoint (HTTP, HTTPS)
  libgtest-dev libgmock-dev                  # tests
  chromium                                   # browser tests of the report and the web timeline
  prometheus                                 # promtool checks the /metrics exposition in tests
  openssl                                    # the TLS test makes a throwaway certificate
  libbenchmark-dev                           # benchmarks
)
# The browser tests drive Chromium with playwright-core (npm); Debian's nodejs and npm serve,
# and an already installed Node.js (with its own npm) is kept.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
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
# playwright-core for the browser tests, into the build tree (tests find it there; nothing is
# installed at test time). Pinned: Node.js 18 (Debian 12) support, drives Debian 12's chromium.
playwright_version=1.54.2
web_test_dir=$build_dir/web-test
if [[ ! -f "$web_test_dir/node_modules/playwright-core/package.json" ]] ||
  ! grep -q "\"version\": \"$playwright_version\"" "$web_test_dir/node_modules/playwright-core/package.json"; then
  mkdir -p "$web_test_dir"
  echo "setup: installing playwright-core $playwright_version into $web_test_dir" >&2
  npm install --prefix "$web_test_dir" --no-audit --no-fund --silent "playwright-core@$playwright_version"
fi
cmake --build "$build_dir" -j 2
