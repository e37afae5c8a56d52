#!/usr/bin/env bash
# The long form of a fuzz target's run: tests/fuzz/long_run.sh TARGET [SECONDS] [WORKDIR]
# (default 1800 s). Builds nothing: build the target first (README, "Fuzzing"). Replays the
# regression inputs, then fuzzes a copy of tests/fuzz/corpus/TARGET with the dictionary if there
# is one, and prints libFuzzer's final stats and the CPU time used. Exit 1 on a finding; the input
# is kept in WORKDIR.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
target=${1:?usage: long_run.sh TARGET [SECONDS] [WORKDIR]}
seconds=${2:-1800}
work=${3:-$(mktemp -d "/tmp/fuzz-$target-XXXX")}
binary="$root/build-fuzz/tests/fuzz/${target}_fuzz"
[[ -x "$binary" ]] || { echo "long_run.sh: $binary is not built" >&2; exit 2; }
mkdir -p "$work/corpus"
cp "$root/tests/fuzz/corpus/$target/"* "$work/corpus/"
if compgen -G "$root/tests/fuzz/regressions/$target/*" >/dev/null; then
  "$binary" "$root/tests/fuzz/regressions/$target/"* >"$work/regressions.log" 2>&1
fi
dict=()
[[ -f "$root/tests/fuzz/$target.dict" ]] && dict=(-dict="$root/tests/fuzz/$target.dict")
status=0
/usr/bin/time -f "cpu: %U s user, %S s system, max RSS %M KB, wall %e s" -o "$work/time.txt" \
  "$binary" -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 \
  -artifact_prefix="$work/" "${dict[@]}" "$work/corpus" >"$work/fuzz.log" 2>&1 || status=$?
grep -E '^stat::(number_of_executed_units|peak_rss_mb|new_units_added)' "$work/fuzz.log" || true
echo "corpus: $(ls "$work/corpus" | wc -l) inputs"
cat "$work/time.txt"
if [[ $status -ne 0 ]]; then
  grep -v '^#' "$work/fuzz.log" | tail -40
  echo "long_run.sh: $target found a problem; the input is in $work/" >&2
  exit 1
fi
echo "$target: no finding in $seconds s"
