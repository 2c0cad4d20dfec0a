#!/usr/bin/env bash
# `bmfl evaluate` on the tests' tiny bundle: a table row per dataset, a CSV whose counts add up,
# ImageNet-C's rows and mCE, and one-line errors for a missing model and an unknown dataset.
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

# ImageNet-C (a tiny tree in its layout: CORRUPTION/SEVERITY/CLASS/, 224 x 224 images): a row per
# corruption and severity, the CE/mCE block, and the relative mCE once the clean val set is there.
picture() { # a 224 x 224 grey ASCII PGM, varied by $2
  awk -v seed="$2" 'BEGIN { print "P2\n224 224\n255"; for (y = 0; y < 224; y++) { line = "";
    for (x = 0; x < 224; x++) line = line " " int((x * 7 + y * 3 + seed * 41) % 256); print line } }' > "$1"
}
n=0
for corruption in gaussian_noise fog; do
  for severity in 1 2 3 4 5; do
    for class in Trouser Bag; do
      mkdir -p "$work/c/$corruption/$severity/$class"
      n=$((n + 1)); picture "$work/c/$corruption/$severity/$class/img$n.pgm" "$n"
    done
  done
done
mkdir -p "$work/val"
picture "$work/val/a.pgm" 100; picture "$work/val/b.pgm" 101
printf 'a.pgm Trouser\nb.pgm Bag\n' > "$work/val/val.txt"
"$bmfl" evaluate --model "$bundle" --dataset "imagenet-c:$work/c" --csv "$work/c.csv" \
  > "$work/out" 2> "$work/err" || fail "imagenet-c: exit $?: $(cat "$work/err")"
for part in gaussian_noise/1 gaussian_noise/5 fog/1 fog/5; do
  grep -q "^imagenet-c:$work/c,$part  *2 " "$work/out" || fail "no $part row: $(cat "$work/out")"
done
[[ "$(grep -c "^imagenet-c:$work/c," "$work/out")" -eq 10 ]] || fail "not 10 rows: $(cat "$work/out")"
grep -q "^gaussian_noise  *10 " "$work/out" || fail "no CE line: $(cat "$work/out")"
grep -q "^mCE  *20 " "$work/out" || fail "no mCE line: $(cat "$work/out")"
grep -q "^relative mCE needs the clean ImageNet-val error" "$work/out" || fail "relative mCE not explained"
grep -q "^incomplete:" "$work/out" || fail "a 2-corruption tree not called incomplete"
# header + 10 rows + CE for the two corruptions + mCE; no relative rows without the clean set.
[[ "$(wc -l < "$work/c.csv")" -eq 14 ]] || fail "CSV rows: $(cat "$work/c.csv")"
grep -q "^imagenet-c:$work/c,20,,,,,,,,,,mCE,[0-9.e+-]*,[0-9.e+-]*$" "$work/c.csv" \
  || fail "no mCE row: $(cat "$work/c.csv")"
"$bmfl" evaluate --model "$bundle" --dataset "imagenet-c:$work/c" --dataset "imagenet-val:$work/val" \
  --csv "$work/c.csv" > "$work/out" 2> "$work/err" || fail "imagenet-c + val: exit $?: $(cat "$work/err")"
grep -q "^relative mCE .*(clean error from imagenet-val:$work/val)" "$work/out" \
  || fail "no relative mCE line: $(cat "$work/out")"
grep -q "^imagenet-c:$work/c,20,,,,,,,,,,relative_mCE,[0-9.e+-]*,[0-9.e+-]*$" "$work/c.csv" \
  || fail "no relative mCE row: $(cat "$work/c.csv")"

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
