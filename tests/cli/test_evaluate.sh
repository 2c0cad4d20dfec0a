#!/usr/bin/env bash
# `bmfl evaluate` on the tests' tiny bundle: a table row per dataset, a CSV whose counts add up,
# and one-line errors for a missing model and an unknown dataset.
set -euo pipefail
bmfl="$1"
bundle="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bmfl" evaluate --model "$bundle" --dataset fashion-mnist:test --dataset fashion-mnist-ood:blur \
  --limit 64 --batch 16 --csv "$work/accuracy.csv" > "$work/out" 2> "$work/err" || fail "exit $?: $(cat "$work/err")"
grep -q "^fashion-mnist:test  *64 " "$work/out" || fail "no test-split row: $(cat "$work/out")"
grep -q "^fashion-mnist-ood:blur  *64 " "$work/out" || fail "no OOD row: $(cat "$work/out")"
[[ "$(wc -l < "$work/accuracy.csv")" -eq 3 ]] || fail "CSV rows: $(cat "$work/accuracy.csv")"
# Paired counts: only-baseline-correct and only-BMFL-correct can be no more than the images.
awk -F, 'NR > 1 { if ($2 != 64 || $9 + $10 > $2 || $3 < 0 || $3 > 1) exit 1 }' "$work/accuracy.csv" \
  || fail "inconsistent CSV: $(cat "$work/accuracy.csv")"

# Ctrl-C never writes partial counts over a complete CSV: they go beside it, marked partial, and
# the run says so in one line and exits 130.
cp "$work/accuracy.csv" "$work/complete.csv"
"$bmfl" evaluate --model "$bundle" --dataset fashion-mnist:test --batch 16 --csv "$work/accuracy.csv" \
  > "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 200); do
  grep -q "^fashion-mnist:test [0-9]*/10000" "$work/err" 2>/dev/null && break
  sleep 0.1
done
kill -INT "$pid"
set +e
wait "$pid"
status=$?
set -e
[[ $status -eq 130 ]] || fail "interrupted evaluate exited $status: $(cat "$work/err")"
cmp -s "$work/accuracy.csv" "$work/complete.csv" || fail "the complete CSV was overwritten: $(cat "$work/accuracy.csv")"
[[ -f "$work/accuracy.partial.csv" ]] || fail "no accuracy.partial.csv beside the complete CSV"
head -1 "$work/accuracy.partial.csv" | grep -q "^# partial" || fail "the partial CSV is not marked partial"
[[ "$(sed -n 2p "$work/accuracy.partial.csv")" == "$(head -1 "$work/complete.csv")" ]] \
  || fail "the partial CSV's header differs: $(cat "$work/accuracy.partial.csv")"
grep -q "^fashion-mnist:test," "$work/accuracy.partial.csv" || fail "no row in the partial CSV"
grep -q "^bmfl evaluate: interrupted.*accuracy.partial.csv" "$work/err" || fail "not said: $(cat "$work/err")"

for args in "--model $work/missing --dataset fashion-mnist:test" \
            "--model $bundle --dataset no-such-kind:thing"; do
  set +e
  # shellcheck disable=SC2086
  "$bmfl" evaluate $args > /dev/null 2> "$work/err"
  status=$?
  set -e
  [[ $status -eq 1 ]] || fail "$args: exit $status"
  [[ "$(wc -l < "$work/err")" -eq 1 ]] || fail "$args: not one line: $(cat "$work/err")"
done
echo "bmfl evaluate: table, CSV and errors as expected"
