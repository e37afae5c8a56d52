#!/usr/bin/env bash
# End-to-end Kafka benchmark (bench/RESULTS.md, "Kafka end to end"): the embedded broker in its
# own process, `agentwatch run` (WAL on) consuming two partitions into a fresh store, and
# bench/kafka_e2e producing and measuring from outside:
#   1. sustained throughput: N records, the producer paced by the group's committed offsets
#      (the mock broker keeps only a few MiB per partition);
#   2. lag draining: a backlog produced while the consumer is down, then the time to drain it;
#   3. alert delay: a steady 20,000 records/s, 1 in 100 raising an alert; the delay from a
#      record's production to its alert on the alert topic.
#
#   bench/e2e/kafka_bench.sh [RECORDS]        default 2,000,000; needs a build with AW_BUILD_BENCH
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${AW_BUILD_DIR:-$root/build}
aw=$build/tools/agentwatch
e2e=$build/bench/kafka_e2e
records=${1:-2000000}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$aw" broker --bootstrap-file "$work/bootstrap" --partitions 2 >/dev/null 2>"$work/broker.log" &
pids+=($!)
for _ in $(seq 100); do [[ -s "$work/bootstrap" ]] && break; sleep 0.1; done
bootstrap=$(cat "$work/bootstrap")
"$e2e" registry >"$work/registry.yaml"
cat >"$work/run.yaml" <<CONFIG
kafka:
  bootstrap_servers: $bootstrap
  group_id: bench
  properties:
    # The mock broker does not end a left member's session early: a restarted consumer joins
    # after this timeout (real Kafka rebalances on the LeaveGroup at once).
    session.timeout.ms: "6000"
audit_topics:
  - topic: agent-audit
registry:
  file: $work/registry.yaml
  topic: agentwatch-registry
alerts:
  topic: agentwatch-alerts
dead_letter_topic: agentwatch-dlq
store:
  path: $work/store
lag_log_interval: 0s
CONFIG

start_run() {
  "$aw" run -c "$work/run.yaml" 2>>"$work/run.log" &
  run_pid=$!
}
stop_run() {
  kill -TERM "$run_pid"
  wait "$run_pid"
}

echo "== 1. throughput: $records records through two partitions into the store"
start_run
"$e2e" throughput "$bootstrap" bench "$records"
stop_run
# Nothing may have been lost to the broker's retention: the store holds every record.
"$aw" verify --store "$work/store" | tail -1
if grep -qi "out of range" "$work/run.log"; then echo "WARNING: the consumer fell behind the broker's retention"; fi

echo "== 2. lag draining: 120,000 records produced while the consumer is down"
"$e2e" produce "$bootstrap" 120000 drain
start_run
"$e2e" drain "$bootstrap" bench $((records + 120000)) "$work/run.log"

echo "== 3. alert delay at a steady 20,000 records/s"
"$e2e" latency "$bootstrap" 20000 20
stop_run
tail -1 "$work/run.log"
