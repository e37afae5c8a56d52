#!/usr/bin/env bash
# End-to-end replay throughput on a generated corpus: generates it once (seeded), then runs
# `agentwatch replay` RUNS times from the page cache and prints each run's summary line.
#
#   bench/e2e/replay_bench.sh [EVENTS] [RUNS]        defaults: 1000000 3
# Build first (Release): tools/scripts/setup.sh. Extra replay flags: AW_REPLAY_FLAGS="...".
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
events=${1:-1000000}
runs=${2:-3}
binary=${AW_BINARY:-$root/build/tools/agentwatch}
corpus=${AW_CORPUS_DIR:-/tmp/agentwatch-bench-$events}

if [[ ! -f "$corpus/events.jsonl" ]]; then
  "$binary" gen --out "$corpus" --seed 42 --events "$events" >&2
fi
bytes=$(stat -c %s "$corpus/events.jsonl")
echo "corpus: $corpus/events.jsonl, $events events, $bytes bytes" >&2
cat "$corpus/events.jsonl" > /dev/null  # warm the page cache
for ((i = 1; i <= runs; i++)); do
  # shellcheck disable=SC2086
  "$binary" replay ${AW_REPLAY_FLAGS:-} "$corpus/events.jsonl" 2>&1 >/dev/null | grep '^replay:'
done
