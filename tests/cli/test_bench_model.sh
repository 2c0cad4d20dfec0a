#!/bin/sh
# `bmfl bench model --quick`: exit 0; the table, BENCHMARKS-style Markdown and JSON have a row per
# batch with the BMFL / baseline ratio for both brain tokenisations (conv slices and ROI tokens,
# each named with its token count), the C++ / Python ratio (or the line saying why the Python
# reference is missing), GFLOP/s against the measured sgemm peak (in bf16: a bf16 gemm), latency and peak memory; the
# image path (decoding, model, both: the overlap) and the feature cache's speed-up, for both
# tokenisations; in bf16, the results against the CPU's fp32 (every panel, within the stated
# tolerance for the demo bundle, also benchmarked). No timing is asserted (the machine may be
# busy).
# usage: test_bench_model.sh BMFL
set -u
bmfl=$1
. "$(dirname "$0")/../scripts/scratch_and_fail.sh"
output=$("$bmfl" bench model --quick --json "$scratch/model.json" --markdown "$scratch/BENCH.md" 2>&1)
status=$?
printf '%s\n' "$output"
[ "$status" -eq 0 ] || fail "exit $status"
number='[0-9]+\.[0-9]+'
for batch in 1 2; do
  printf '%s\n' "$output" |
    grep -Eq "^tiny +$batch +$number +$number +$number +$number +$number +$number +($number|-) +($number|-) +$number +[0-9]+%$" ||
    fail "no table row for batch $batch"
  grep -Eq "^\| tiny \| $batch \| $number \| $number \| $number \| $number \| $number \| $number \| ($number|-) \| ($number|-) \| $number \| [0-9]+% \|$" \
    "$scratch/BENCH.md" || fail "no Markdown row for batch $batch"
  for variant in encoder baseline bmfl bmfl-roi; do
    grep -Eq "^\| tiny \| $variant \| $batch \| $number \| $number \| [0-9]+ \| $number \| [0-9]+ \|$" "$scratch/BENCH.md" ||
      fail "no timed-run row for $variant at batch $batch"
  done
done
if ! grep -Eq '^\| tiny \| Python encoder \| 2 \|' "$scratch/BENCH.md"; then
  grep -q "Python reference left out" "$scratch/BENCH.md" || fail "no Python row and no reason"
fi
for line in '^- Command: `bmfl bench model --json .* --markdown .* --quick`$' \
  '^- Date \(UTC\): 20' '^- Machine: ' '^- Threads: [0-9]+$' '^- OPENBLAS_CORETYPE: ' \
  "^- Matrix-multiply peak \\(sgemm, 256\\^3, measured in this run\\): $number GFLOP/s$" \
  "^- Single image from file to every panel \\(tiny, 3 runs\\): median $number ms, p95 $number ms$" \
  '^- (Peak resident memory of `bmfl evaluate --model models/demo \(7 sets, --limit 20\)`: [0-9.]+ MiB|peak memory left out: .*)$' \
  '^- Brain tokens: bmfl: conv slices of 256 vertices, 2 brain tokens; bmfl-roi: one token per area of label set .visual-areas. \(synthetic: 12 areas per hemisphere over 3/4 of its vertices\), 24 brain tokens$' \
  '^- cortex view .*: not in this run; `bmfl bench cortex` measures it$'; do
  grep -Eq "$line" "$scratch/BENCH.md" || fail "BENCH.md lacks a line matching $line"
done
# The image path: decoding, model and both (the overlap), and the feature cache's speed-up, for
# both tokenisations.
for variant in bmfl bmfl-roi; do
  printf '%s\n' "$output" | grep -Eq "^image path \(tiny, $variant, 8 pictures, batch 2\): decoding $number s, model $number s, both \(evaluate\) $number s: overlap [0-9]+%$" ||
    fail "no image-path line for $variant"
  printf '%s\n' "$output" | grep -Eq "^feature cache \(tiny, $variant, bundle loaded each time\): filling the cache $number s, from the cache $number s: $number+x faster; one picture $number s and $number s: per image -?$number+x faster$" ||
    fail "no feature-cache line for $variant"
  grep -Eq "^\| tiny \| $variant \| 8 \| 2 \| $number \| $number \| $number \| [0-9]+% \| $number \| $number \| $number+x \| $number \| $number \| -?$number+x \|$" \
    "$scratch/BENCH.md" || fail "no image-path row for $variant in the Markdown"
done
printf '%s\n' "$output" | grep -Eq '^brain tokens: bmfl: conv slices of 256 vertices, 2 brain tokens; bmfl-roi: .*, 24 brain tokens$' ||
  fail "no brain-token line"
grep -Eq '"bmfl_roi_over_baseline": [0-9.e+-]+' "$scratch/model.json" || fail "no ROI-token ratio in the JSON"
grep -Eq '"variant": "bmfl-roi", "tokenizer": "roi_tokens", "tokens": 24' "$scratch/model.json" ||
  fail "no ROI token count in the JSON"
grep -Eq '"cache_speedup": [0-9.e+-]+' "$scratch/model.json" || fail "no cache speed-up in the JSON"
grep -Eq '"matmul_peak_size": 256,' "$scratch/model.json" || fail "no peak matrix size in the JSON"
grep -Eq '"bmfl_over_baseline": [0-9.e+-]+' "$scratch/model.json" || fail "no ratio in the JSON"
printf '%s\n' "$output" | grep -Eq '^model +tiny bmfl b2 +[0-9]+ +2 ' || fail "no common-table row"
# Mixed precision: the peak is measured in bf16, the report says what ran under autocast, and the
# Python encoder (when present in fp32) runs under the same autocast.
"$bmfl" bench model --quick --precision bf16 --tokens conv --batch 2 \
  --markdown "$scratch/BENCH-bf16.md" >/dev/null 2>&1 || fail "bf16 bench failed"
for line in "^- Precision: bf16 \\(autocast: image encoder, brain encoder and brain transformer, and the Python encoder too; fusion and the classifiers fp32\\)$" \
  "^- Matrix-multiply peak \\(bf16 gemm, 256\\^3, measured in this run\\): $number GFLOP/s$" \
  "^\\| tiny \\| 2 \\| $number \\| $number \\| $number \\| $number \\| - \\| - \\| ($number|-) \\| ($number|-) \\| $number \\| [0-9]+% \\|$"; do
  grep -Eq "$line" "$scratch/BENCH-bf16.md" || fail "BENCH-bf16.md lacks a line matching $line"
done
if grep -Eq '^\| tiny \| Python encoder \| 2 \|' "$scratch/BENCH.md"; then
  grep -Eq '^\| tiny \| Python encoder \| 2 \|' "$scratch/BENCH-bf16.md" ||
    fail "the Python encoder ran in fp32 but not under bf16 autocast"
fi
grep -q '| of bf16 gemm peak |' "$scratch/BENCH-bf16.md" || fail "the bf16 table's peak column"
# Results against the CPU in fp32: reported with the tolerance for a run that is not a CPU run in
# fp32 (here bf16), one row per bundle; none in fp32 on the CPU (the reference itself).
grep -Eq "^Each bundle on 4 random images, run on the CPU in fp32 and on cpu in bf16, .* Tolerance for bf16: r >= $number, fMRI within $number SD, log-probabilities within $number, attention within $number " \
  "$scratch/BENCH-bf16.md" || fail "no agreement section with its tolerance in BENCH-bf16.md"
grep -Eq "^\| tiny \| bmfl \| 4 \| $number \| $number \| $number \| $number \| [0-8] of 8 \| (yes|\*\*no\*\*) \|$" \
  "$scratch/BENCH-bf16.md" || fail "no agreement row in BENCH-bf16.md"
grep -q "Agreement with the CPU" "$scratch/BENCH.md" && fail "an fp32 CPU run compared with itself"
grep -q '"within_tolerance"' "$scratch/model.json" && fail "an agreement row in the fp32 JSON"
# A bundle of the user's (the demo: named classes, ROI tokens) through every part, in bf16.
demo="$(dirname "$0")/../../models/demo"
output=$("$bmfl" bench model --quick --model "$demo" --precision bf16 --batch 2 \
  --markdown "$scratch/BENCH-demo.md" 2>&1) || fail "bench of the demo bundle failed: $output"
grep -Eq "^\| demo \| bmfl-roi \| 8 \| 2 \| $number \|" "$scratch/BENCH-demo.md" ||
  fail "no image-path row for the demo bundle"
grep -Eq "^\| demo \| bmfl-roi \| 4 \| $number \| $number \| $number \| $number \| [0-8] of 8 \| yes \|$" \
  "$scratch/BENCH-demo.md" || fail "the demo bundle in bf16 outside the tolerance against fp32"
# --tokens takes conv, roi or both only (rejected while parsing: nothing is measured).
"$bmfl" bench model --quick --tokens slices >/dev/null 2>&1 && fail "--tokens slices accepted"
# A misspelt section: one line naming the sections there are (nothing is measured).
output=$("$bmfl" bench modle 2>&1) && fail "section 'modle' accepted"
printf '%s\n' "$output" | grep -q "'modle' is not a section (.*model.*cortex" ||
  fail "the misspelt section's message: $output"
echo "PASS"
