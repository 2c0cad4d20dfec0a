#!/bin/sh
# `bmfl bench model --quick`: exit 0; the table, BENCHMARKS-style Markdown and JSON have a row per
# batch with the BMFL / baseline ratio, the C++ / Python ratio (or the line saying why the Python
# reference is missing), GFLOP/s against the measured sgemm peak, latency and peak memory; the
# image path (decoding, model, both: the overlap) and the feature cache's speed-up. No
# timing is asserted (the machine may be busy).
# usage: test_bench_model.sh BMFL
set -u
bmfl=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() {
  echo "FAIL: $1"
  exit 1
}
output=$("$bmfl" bench model --quick --json "$scratch/model.json" --markdown "$scratch/BENCH.md" 2>&1)
status=$?
printf '%s\n' "$output"
[ "$status" -eq 0 ] || fail "exit $status"
number='[0-9]+\.[0-9]+'
for batch in 1 2; do
  printf '%s\n' "$output" |
    grep -Eq "^tiny +$batch +$number +$number +$number +$number +($number|-) +($number|-) +$number +[0-9]+%$" ||
    fail "no table row for batch $batch"
  grep -Eq "^\| tiny \| $batch \| $number \| $number \| $number \| $number \| ($number|-) \| ($number|-) \| $number \| [0-9]+% \|$" \
    "$scratch/BENCH.md" || fail "no Markdown row for batch $batch"
  for variant in encoder baseline bmfl; do
    grep -Eq "^\| tiny \| $variant \| $batch \| $number \| $number \| [0-9]+ \| $number \| [0-9]+ \|$" "$scratch/BENCH.md" ||
      fail "no timed-run row for $variant at batch $batch"
  done
done
if ! grep -Eq '^\| tiny \| Python encoder \| 2 \|' "$scratch/BENCH.md"; then
  grep -q "Python reference left out" "$scratch/BENCH.md" || fail "no Python row and no reason"
fi
for line in '^- Command: `bmfl bench model --json .* --markdown .* --quick`$' \
  '^- Date \(UTC\): 20' '^- Machine: ' '^- Threads: [0-9]+$' '^- OPENBLAS_CORETYPE: ' \
  "^- Matrix-multiply peak \\(sgemm, measured in this run\\): $number GFLOP/s$" \
  "^- Single image from file to every panel \\(tiny, 3 runs\\): median $number ms, p95 $number ms$" \
  '^- (Peak resident memory of `bmfl evaluate --model models/demo \(7 sets, --limit 20\)`: [0-9.]+ MiB|peak memory left out: .*)$' \
  '^- cortex view .* left out: it needs VTK'; do
  grep -Eq "$line" "$scratch/BENCH.md" || fail "BENCH.md lacks a line matching $line"
done
# The image path: decoding, model and both (the overlap), and the feature cache's speed-up.
printf '%s\n' "$output" | grep -Eq "^image path \(tiny, 8 pictures, batch 2\): decoding $number s, model $number s, both \(evaluate\) $number s: overlap [0-9]+%$" ||
  fail "no image-path line"
printf '%s\n' "$output" | grep -Eq "^feature cache \(tiny, bundle loaded each time\): filling the cache $number s, from the cache $number s: $number+x faster; one picture $number s and $number s: per image -?$number+x faster$" ||
  fail "no feature-cache line"
grep -Eq "^\| tiny \| 8 \| 2 \| $number \| $number \| $number \| [0-9]+% \| $number \| $number \| $number+x \| $number \| $number \| -?$number+x \|$" \
  "$scratch/BENCH.md" || fail "no image-path row in the Markdown"
grep -Eq '"cache_speedup": [0-9.e+-]+' "$scratch/model.json" || fail "no cache speed-up in the JSON"
grep -Eq '"bmfl_over_baseline": [0-9.e+-]+' "$scratch/model.json" || fail "no ratio in the JSON"
printf '%s\n' "$output" | grep -Eq '^model +tiny bmfl b2 +[0-9]+ +2 ' || fail "no common-table row"
echo "PASS"
