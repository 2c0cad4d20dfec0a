#!/bin/sh
# `bmfl bench pipeline` at its smallest settings: exit 0, one table row and one CSV row per model
# stage. No timing is asserted (the machine may be busy).
# usage: test_bench_pipeline.sh BMFL
set -u
bmfl=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
output=$("$bmfl" bench pipeline --arch vits14 --model-images 1 --vertices 16 --head-batch 2 \
  --head-steps 1 --repeats 1 --out "$scratch/bench.csv" 2>&1)
status=$?
printf '%s\n' "$output"
if [ "$status" -ne 0 ]; then
  echo "FAIL: exit $status"
  exit 1
fi
for stage in "vits14 encoder 224 px" "vits14 434 px \\+ brain enc" "vits14 BMFL head step"; do
  if ! printf '%s\n' "$output" | grep -Eq "^pipeline +$stage +[0-9]+ +[0-9]+ +[0-9.]+ "; then
    echo "FAIL: no table row for '$stage'"
    exit 1
  fi
  if ! grep -Eq "^pipeline,\"$stage\",images,[0-9]+,[0-9]+,[0-9.e+-]+,[0-9.e+-]+,[0-9.e+-]+,[0-9.e+-]+$" \
    "$scratch/bench.csv"; then
    echo "FAIL: no CSV row for '$stage'"
    exit 1
  fi
done
echo "PASS"
