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
