#!/bin/sh
# `bmfl bench distributed` at its smallest settings: it starts itself as 1 and then 2 processes
# (Gloo on 127.0.0.1), prints the 2/1 ratio and a table and CSV row per process count. No timing
# is asserted (the machine may be busy).
# usage: test_bench_distributed.sh BMFL
set -u
bmfl=$1
. "$(dirname "$0")/../scripts/scratch_and_fail.sh"
output=$("$bmfl" bench distributed --vertices 16 --head-batch 4 --head-steps 1 --repeats 1 \
  --out "$scratch/bench.csv" 2>&1)
status=$?
printf '%s\n' "$output"
[ "$status" -eq 0 ] || fail "exit $status"
ratio="^distributed: 1 process .* 2 processes .* ratio 2/1: [0-9]+\.[0-9]+ "
printf '%s\n' "$output" | grep -Eq "$ratio" || fail "no ratio line"
for processes in 1 2; do
  printf '%s\n' "$output" | grep -Eq "^distributed +vits14 head step b4 +$processes +4 +[0-9.]+ " ||
    fail "no table row for $processes process(es)"
  number="[0-9.e+-]+"
  grep -Eq "^distributed,\"vits14 head step b4\",images,$processes,4(,$number){4}$" \
    "$scratch/bench.csv" || fail "no CSV row for $processes process(es)"
done
echo "PASS"
