#!/bin/sh
# `bmfl bench cortex --quick` on the bundled fsaverage5: exit 0; the text and the Markdown section
# name the template, vertices and triangles, min and median of loading, preparing the colouring,
# recolouring both hemispheres for a new overlay and the software frames while rotating, and say
# that the on-screen VTK frame is not measured. A build without bmfl_figures says in one line why
# the section is absent. No timing is asserted (the machine may be busy).
# usage: test_bench_cortex.sh BMFL
set -u
bmfl=$1
. "$(dirname "$0")/../scripts/scratch_and_fail.sh"
output=$("$bmfl" bench cortex --quick --markdown "$scratch/BENCH.md" 2>&1)
status=$?
printf '%s\n' "$output"
[ "$status" -eq 0 ] || fail "exit $status"
if printf '%s\n' "$output" | grep -q '^cortex view left out: this build has no figures library'; then
  grep -q '^cortex view left out: this build has no figures library' "$scratch/BENCH.md" ||
    fail "the Markdown does not say why the cortex section is absent"
  echo "PASS (no figures library in this build)"
  exit 0
fi
number='[0-9]+\.[0-9]+'
printf '%s\n' "$output" | grep -Eq '^cortex view \(fsaverage5 from bundled fsaverage5; frame 1280 x 800, supersampling [0-9]+\):$' ||
  fail "no cortex header line"
for operation in 'load the template' 'prepare the colouring' \
  'recolour both hemispheres: a new map on every vertex of fsaverage5' \
  'software-rendered frame of both hemispheres while rotating'; do
  printf '%s\n' "$output" | grep -Eq "^  $operation.* \(20484 vertices, 40960 triangles, [1-9][0-9]* runs\): min $number ms, median $number ms$" ||
    fail "no text line for: $operation"
  grep -Eq "^\| $operation.* \| 20484 \| 40960 \| [1-9][0-9]* \| $number \| $number \|$" "$scratch/BENCH.md" ||
    fail "no Markdown row for: $operation"
done
grep -q '^## The cortex view$' "$scratch/BENCH.md" || fail "no cortex section in the Markdown"
grep -q 'The on-screen VTK frame time is not measured here' "$scratch/BENCH.md" ||
  fail "the Markdown does not say the on-screen frame is not measured"
grep -Eq '^Written by `bmfl bench cortex --markdown .* --quick`' "$scratch/BENCH.md" ||
  fail "no header naming the command"
# A folder that is not a template: one line naming it, exit non-zero.
mkdir "$scratch/empty"
"$bmfl" bench cortex --quick --template "$scratch/empty" >"$scratch/err.txt" 2>&1 &&
  fail "an empty template folder was accepted"
grep -q "$scratch/empty" "$scratch/err.txt" || fail "the error does not name the folder"
echo "PASS"
