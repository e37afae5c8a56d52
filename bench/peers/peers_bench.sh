#!/usr/bin/env bash
# agentwatch next to the tools people reach for today, on one generated corpus, in one run
# (issue 8, "Peers"):
#   - agentwatch replay (all 15 built-in rules) vs jq doing the freeze-violation selection, with
#     the freezes, break-glass approvals and action-class table handed to it as data;
#   - agentwatch replay --store + query timeline + report coverage vs DuckDB (npm package
#     @duckdb/node-api, which ships the prebuilt engine) loading the JSON Lines with read_json
#     and answering the same timeline and per-source / per-agent coverage questions.
# Every step runs RUNS times (default 2); the table keeps the median wall time and lists all.
#
#   bench/peers/peers_bench.sh [EVENTS]          default 1000000
#
# Environment: RUNS (2), AW (agentwatch binary; default build/tools/agentwatch),
# PEERS_WORK (scratch directory; default /tmp/aw-peers-EVENTS), AW_DUCKDB_NODE_DIR (npm prefix
# for DuckDB; default /tmp/aw-peers-node, installed there with npm when missing), SEED (42).
# Needs: jq, python3 with PyYAML, node and npm (see the checks below for the install lines).
set -euo pipefail

events=${1:-1000000}
runs=${RUNS:-2}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
aw=${AW:-$root/build/tools/agentwatch}
work=${PEERS_WORK:-/tmp/aw-peers-$events}
node_dir=${AW_DUCKDB_NODE_DIR:-/tmp/aw-peers-node}
duckdb_pkg="@duckdb/node-api@1.5.6-r.1"
seed=${SEED:-42}

# ---- what it needs ----
missing=0
need() {  # command, install hint
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "peers: '$1' is missing; install it with: $2" >&2
    missing=1
  fi
}
[[ -x "$aw" ]] || { echo "peers: no agentwatch at $aw; build it: cmake --build build -j1 --target agentwatch" >&2; exit 2; }
need jq "apt-get install -y jq"
need python3 "apt-get install -y python3 python3-yaml"
need node "apt-get install -y nodejs npm"
need npm "apt-get install -y npm"
[[ -x /usr/bin/time ]] || { echo "peers: /usr/bin/time is missing; install it with: apt-get install -y time" >&2; missing=1; }
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import yaml' 2>/dev/null; then
  echo "peers: python3 has no yaml module; install it with: apt-get install -y python3-yaml" >&2
  missing=1
fi
((missing == 0)) || exit 2
if [[ ! -d "$node_dir/node_modules/@duckdb/node-api" ]]; then
  echo "peers: installing $duckdb_pkg into $node_dir (npm; the engine comes prebuilt in @duckdb/node-bindings-linux-x64)"
  mkdir -p "$node_dir"
  npm install --no-audit --no-fund --silent --prefix "$node_dir" "$duckdb_pkg"
fi
export AW_DUCKDB_NODE_DIR=$node_dir

mkdir -p "$work"
corpus=$work/corpus
log=$work/runs.tsv
: >"$log"

load() { uptime | sed 's/.*load average: *//'; }
echo "peers: $events events, $runs runs per step, scratch $work"
echo "peers: $(nproc) cores; load average at start: $(load)"
load_start=$(load)
jq_version=$(jq --version)
node_version=$(node --version)
duckdb_version=$(node -e "console.log(require('$node_dir/node_modules/@duckdb/node-api/package.json').version)")
aw_version=$("$aw" --version 2>/dev/null | head -1 || true)

# ---- the corpus ----
if [[ ! -s "$corpus/events.jsonl" || "$(wc -l <"$corpus/events.jsonl")" != "$events" ]]; then
  rm -rf "$corpus"
  "$aw" gen --out "$corpus" --events "$events" --seed "$seed" >"$work/gen.txt" 2>&1
fi
cat "$work/gen.txt" 2>/dev/null | tail -1 || true
cat "$corpus/events.jsonl" >/dev/null  # every tool reads it from the page cache
corpus_mb=$(du -m "$corpus/events.jsonl" | cut -f1)

# measure STEP PREP COMMAND: runs COMMAND (a bash string) `runs` times after PREP (untimed),
# recording wall, user, sys seconds and max RSS; stdout/stderr of the last run are kept.
measure() {
  local step=$1 prep=$2 command=$3 r
  for ((r = 1; r <= runs; r++)); do
    bash -c "$prep"
    /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" bash -c "$command" \
      >"$work/$step.out" 2>"$work/$step.err" || {
      echo "peers: step $step failed; see $work/$step.err" >&2
      tail -5 "$work/$step.err" >&2
      exit 1
    }
    read -r wall user sys rss <"$work/time.txt"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$step" "$r" "$wall" "$user" "$sys" "$rss" >>"$log"
    printf 'peers:   %-22s run %d: %6.2f s wall, %6.2f s cpu, %5d MB max RSS\n' "$step" "$r" \
      "$wall" "$(echo "$user + $sys" | bc)" "$((rss / 1024))"
  done
}

aw_alerts=$work/aw_alerts.jsonl
store=$work/aw_store
duck=$work/duck.duckdb

echo "peers: [1/3] detection: agentwatch replay vs jq (load average $(load))"
measure aw_replay "rm -f '$aw_alerts'" \
  "'$aw' replay --registry '$corpus/registry.yaml' --alerts-out '$aw_alerts' '$corpus/events.jsonl'"
measure py_windows "true" \
  "python3 '$here/extract_windows.py' '$corpus/registry.yaml' '$root/rules/action_classes.yaml' > '$work/windows.json'"
measure jq_freeze "rm -f '$work/jq_selected.jsonl'" \
  "jq -c --slurpfile W '$work/windows.json' -f '$here/freeze.jq' '$corpus/events.jsonl' > '$work/jq_selected.jsonl'"
measure jq_parse "true" "jq empty '$corpus/events.jsonl'"

# The busiest agent by events: the timeline both sides are asked for (untimed preparation).
grep -o '"actor":{"id":"[^"]*"' "$corpus/events.jsonl" | sort | uniq -c | sort -rn >"$work/agents.txt"
agent=$(sed -n '1s/.*"id":"\([^"]*\)"/\1/p' "$work/agents.txt")

echo "peers: [2/3] store + timeline + coverage: agentwatch vs DuckDB (load average $(load))"
measure aw_store "rm -rf '$store' '$work/aw_store_alerts.jsonl'" \
  "'$aw' replay --registry '$corpus/registry.yaml' --alerts-out '$work/aw_store_alerts.jsonl' --store '$store' '$corpus/events.jsonl'"
measure aw_timeline "true" \
  "'$aw' query timeline --store '$store' --agent '$agent' --limit 0 --format json > '$work/aw_timeline.jsonl'"
measure aw_coverage "rm -f '$work/aw_coverage.json'" \
  "'$aw' report coverage --store '$store' --format json -o '$work/aw_coverage.json'"
measure duck_load "rm -f '$duck' '$duck.wal'" \
  "node '$here/duckdb_peer.mjs' load '$duck' '$corpus/events.jsonl'"
measure duck_timeline "rm -f '$work/duck_timeline.jsonl'" \
  "node '$here/duckdb_peer.mjs' timeline '$duck' '$agent' '$work/duck_timeline.jsonl'"
measure duck_coverage "rm -f '$work/duck_coverage.json'" \
  "node '$here/duckdb_peer.mjs' coverage '$duck' '$work/duck_coverage.json' 5"
load_end=$(load)
echo "peers: [3/3] comparing answers; load average at end: $load_end"

# ---- same answers? ----
aw_freeze=$(jq -r 'select(.rule == "freeze-violation") | .event_id' "$aw_alerts" | sort -u)
jq_freeze=$(jq -r 'select(.id) | .id' "$work/jq_selected.jsonl" | sort -u)
jq_unhandled=$(jq -r 'select(.unhandled_ts) | .unhandled_ts' "$work/jq_selected.jsonl" | wc -l)
jq_lines=$(grep -c '"freeze"' "$work/jq_selected.jsonl" || true)
aw_freeze_n=$(grep -c . <<<"$aw_freeze" || true)
jq_freeze_n=$(grep -c . <<<"$jq_freeze" || true)
only_aw=$(comm -23 <(echo "$aw_freeze") <(echo "$jq_freeze") | grep -c . || true)
only_jq=$(comm -13 <(echo "$aw_freeze") <(echo "$jq_freeze") | grep -c . || true)
truth_freeze=$(grep -c '"rule":"freeze-violation"' "$corpus/labels.jsonl" || true)
aw_alerts_n=$(wc -l <"$aw_alerts")

aw_tl=$(jq -r .id "$work/aw_timeline.jsonl")
duck_tl=$(jq -r .id "$work/duck_timeline.jsonl")
aw_tl_n=$(grep -c . <<<"$aw_tl" || true)
duck_tl_n=$(grep -c . <<<"$duck_tl" || true)
tl_same_set=$([[ "$(sort <<<"$aw_tl")" == "$(sort <<<"$duck_tl")" ]] && echo yes || echo no)
tl_same_order=$([[ "$aw_tl" == "$duck_tl" ]] && echo yes || echo no)

fields='[.source, .events, .with_seq, .seq_gaps, .missing_records, .silent_periods, .longest_silence_s, .with_credential, .first, .last]'
aw_src=$(jq -c ".audit.sources[] | $fields" "$work/aw_coverage.json")
duck_src=$(jq -c ".sources[] | $fields" "$work/duck_coverage.json")
src_same=$([[ "$aw_src" == "$duck_src" ]] && echo yes || echo no)
aw_seen=$(jq .identities.seen "$work/aw_coverage.json")
duck_seen=$(jq .period.seen "$work/duck_coverage.json")
aw_cov_events=$(jq .period.events "$work/aw_coverage.json")
duck_cov_events=$(jq .period.events "$work/duck_coverage.json")
aw_unreg=$(jq .identities.unregistered_seen "$work/aw_coverage.json")

# ---- the table ----
python3 - "$log" "$events" "$runs" <<PY >"$work/table.md"
import statistics, sys
log, events, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = {}
for line in open(log):
    step, r, wall, user, sys_, rss = line.split("\t")
    rows.setdefault(step, []).append((float(wall), float(user) + float(sys_), int(rss)))
def med(step): return statistics.median(w for w, _, _ in rows[step])
def cpu(step): return statistics.median(c for _, c, _ in rows[step])
def rss(step): return max(m for _, _, m in rows[step]) // 1024
def runs_of(step): return " / ".join(f"{w:.2f}" for w, _, _ in rows[step])
aw_total = med("aw_store") + med("aw_timeline") + med("aw_coverage")
duck_total = med("duck_load") + med("duck_timeline") + med("duck_coverage")
table = [
 ("agentwatch", "detect: replay, 15 rules (freeze-violation among them)", "aw_replay", "aw_replay",
  "decodes, derives action classes, judges every rule against the event-time registry, de-duplicates, writes $aw_alerts_n alerts ($aw_freeze_n freeze-violation)"),
 ("jq $jq_version", "freeze-violation selection only", "jq_freeze", "aw_replay",
  "freeze window + env + resource glob + class (derived from the table when absent) + no break-glass approval; $jq_freeze_n events selected; no other rule, no registry of its own, no de-duplication (done after, over its output)"),
 ("jq $jq_version", "parse only: jq empty (the floor under any jq filter)", "jq_parse", "aw_replay",
  "reads and parses every line, selects nothing"),
 ("python3 (prep for jq)", "registry freezes/approvals + class table -> JSON", "py_windows", "aw_replay",
  "hands jq the data it cannot read itself (YAML); not part of the jq row"),
 ("agentwatch", "store: replay --store (judge + keep every event)", "aw_store", "aw_store",
  "everything of the detect row, plus every event, alert and the registry in the evidence store with its integrity chain"),
 ("DuckDB $duckdb_version", "load: read_json -> table (file database)", "duck_load", "aw_store",
  "parses and stores the events (de-duplicated by source and id); no judging, no registry, no action-class derivation, no integrity chain"),
 ("agentwatch", "timeline: query timeline --agent (all rows, newest first, JSON)", "aw_timeline", "aw_timeline",
  "$aw_tl_n rows of $agent, each with its record and normalized fields"),
 ("DuckDB $duckdb_version", "timeline: WHERE actor.id = ... ORDER BY ts DESC -> JSON", "duck_timeline", "aw_timeline",
  "$duck_tl_n rows, the stored columns"),
 ("agentwatch", "coverage: report coverage (JSON)", "aw_coverage", "aw_coverage",
  "per-source audit completeness, identities seen/registered/unregistered, owners, credentials, revocation, destructive actions, freezes, alerts (reads the registry at event time)"),
 ("DuckDB $duckdb_version", "coverage: per source + per agent (SQL)", "duck_coverage", "aw_coverage",
  "per-source events, seq gaps, missing records, silent periods, credentials; per-agent events/first/last/source/classes; nothing that needs the registry"),
]
print(f"| tool | task | wall s (median of {runs}) | runs | events/s | cpu s | max RSS MB | ratio vs agentwatch | did / did not |")
print("|---|---|---:|---|---:|---:|---:|---:|---|")
for tool, task, step, base, note in table:
    w = med(step)
    eps = f"{events / w:,.0f}" if step not in ("aw_timeline", "duck_timeline", "py_windows") else "-"
    ratio = w / med(base)
    print(f"| {tool} | {task} | {w:.2f} | {runs_of(step)} | {eps} | {cpu(step):.2f} | {rss(step)} | {ratio:.2f}x | {note} |")
print(f"| agentwatch | all three: store + timeline + coverage | {aw_total:.2f} | | {events / aw_total:,.0f} | | | 1.00x | |")
print(f"| DuckDB $duckdb_version | all three: load + timeline + coverage | {duck_total:.2f} | | {events / duck_total:,.0f} | | | {duck_total / aw_total:.2f}x | |")
print()
print("ratio = the tool's median wall time / agentwatch's for the same task (above 1: agentwatch is faster).")
PY

{
  echo
  echo "corpus: $events events ($corpus_mb MB), agentwatch gen --seed $seed; busiest agent $agent"
  echo "versions: ${aw_version:-agentwatch}, $jq_version, node $node_version, @duckdb/node-api $duckdb_version"
  echo "load average (1, 5, 15 min): start $load_start; end $load_end; $(nproc) cores"
  echo
  echo "agentwatch's own timing lines (last run; wall above includes process start and the registry load):"
  grep -h '^replay: .* in ' "$work/aw_replay.err" | sed 's/^/- detect: /' || true
  grep -h '^replay: .* in ' "$work/aw_store.err" | sed 's/^/- store: /' || true
  grep -h '^report: ' "$work/aw_coverage.err" | sed 's/^/- coverage: /' || true
  echo
  echo "same answers?"
  echo "- freeze-violation: agentwatch $aw_freeze_n alerts, jq $jq_freeze_n distinct events ($jq_lines lines before de-duplication, $jq_unhandled with a ts jq could not compare), injected $truth_freeze; only agentwatch $only_aw, only jq $only_jq"
  echo "- timeline of $agent: agentwatch $aw_tl_n rows, DuckDB $duck_tl_n rows; same events: $tl_same_set; same order: $tl_same_order"
  echo "- coverage: events agentwatch $aw_cov_events, DuckDB $duck_cov_events; identities seen $aw_seen vs $duck_seen (agentwatch also splits off $aw_unreg unregistered, which DuckDB cannot); per-source figures identical: $src_same"
} >>"$work/table.md"
echo
cat "$work/table.md"
echo
echo "peers: raw runs in $log; table in $work/table.md"
