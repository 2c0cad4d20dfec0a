#!/bin/sh
# The same tiny inference under OpenBLAS's AVX2 (Haswell) and AVX-512 (SkylakeX) kernels, each in
# its own process (OpenBLAS reads OPENBLAS_CORETYPE when it loads): every number of
# `bmfl predict --json` (probabilities of both heads, predicted fMRI, both attention maps) agrees
# within 1e-4 absolute + 1e-4 relative. Without AVX-512 the SkylakeX kernels cannot run: SKIP.
# usage: test_openblas_parity.sh BMFL MAKE_TINY_BUNDLE
set -u
bmfl=$1
make_bundle=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

if ! grep -qw avx512f /proc/cpuinfo || ! grep -qw avx512bw /proc/cpuinfo; then
  echo "SKIP: this CPU has no AVX-512, so OpenBLAS's SkylakeX kernels cannot run"
  exit 0
fi
"$make_bundle" "$work/tiny.bmfl" || fail "could not make the bundle"
for seed in 1 2 3 4 5; do
  { printf 'P5\n28 28\n255\n'
    awk -v seed="$seed" 'BEGIN { srand(seed); for (i = 0; i < 784; i++) printf "%c", int(rand() * 255) + 1 }'
  } >"$work/$seed.pgm"
done
for kernels in Haswell SkylakeX; do
  OPENBLAS_CORETYPE=$kernels "$bmfl" predict --model "$work/tiny.bmfl" --device cpu --batch 4 \
    --json "$work/$kernels.json" "$work"/[1-5].pgm >/dev/null 2>"$work/err.txt" \
    || fail "$kernels: exit $?: $(cat "$work/err.txt")"
  grep -Eo -- '-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?' "$work/$kernels.json" >"$work/$kernels.numbers"
done
count=$(wc -l <"$work/Haswell.numbers")
[ "$count" -gt 500 ] || fail "only $count numbers in the output"
paste "$work/Haswell.numbers" "$work/SkylakeX.numbers" | awk '
  { d = $1 - $2; if (d < 0) d = -d; m = $1 < 0 ? -$1 : $1
    if (d > worst) worst = d
    if ($2 == "" || d > 1e-4 + 1e-4 * m) { bad++; if (bad <= 5) print "differs: " $1 " vs " $2 } }
  END { printf "%d numbers, largest difference %.3g\n", NR, worst; exit bad > 0 }' \
  || fail "the two kernel sets disagree beyond 1e-4"
echo "PASS"
