#!/usr/bin/env bash
# `bmfl evaluate --cache DIR`: the first pass computes and caches the features, the second reads
# them all from the cache; both give the same table and CSV as the evaluation from images
# (ImageNet-C rows and mCE included). A bundle whose heads share the frozen encoders (an
# ablation) evaluates from the same cache and gives its own evaluation's table; a bundle with
# another encoder is refused in one line.
# usage: test_evaluate_cache.sh BMFL MAKE_TINY_BUNDLE
set -euo pipefail
bmfl="$1"
make_bundle="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$make_bundle" "$work/a" > /dev/null || fail "could not make bundle a"
"$make_bundle" "$work/ablation" --other-heads > /dev/null || fail "could not make the ablation"
"$make_bundle" "$work/other" --dinov2-heads > /dev/null || fail "could not make the other bundle"

# An ImageNet-C tree (CORRUPTION/SEVERITY/CLASS/, 224 x 224 images): a row per part, then CE/mCE.
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

datasets=(--dataset fashion-mnist:test --dataset fashion-mnist-ood:blur --dataset "imagenet-c:$work/c"
          --limit 48 --batch 16)
evaluate() { # BUNDLE NAME [OPTIONS...]: table in $work/NAME.out, CSV in $work/NAME.csv
  local bundle="$1" name="$2"
  shift 2
  "$bmfl" evaluate --model "$bundle" "${datasets[@]}" --csv "$work/$name.csv" "$@" \
    > "$work/$name.out" 2> "$work/err" || fail "$name: exit $?: $(cat "$work/err")"
}
table() { grep -v '^features: \|^wrote ' "$work/$1.out"; }

evaluate "$work/a" images
evaluate "$work/a" first --cache "$work/cache"
grep -q "^features: 0 images read from the cache, 116 computed" "$work/first.out" \
  || fail "first pass: $(cat "$work/first.out")"
evaluate "$work/a" second --cache "$work/cache"
grep -q "^features: 116 images read from the cache, 0 computed" "$work/second.out" \
  || fail "second pass: $(cat "$work/second.out")"
for pass in first second; do
  cmp -s "$work/images.csv" "$work/$pass.csv" \
    || fail "$pass pass CSV differs: $(diff "$work/images.csv" "$work/$pass.csv")"
  [[ "$(table images)" == "$(table "$pass")" ]] \
    || fail "$pass pass table differs: $(diff <(table images) <(table "$pass"))"
done

# The ablation's heads on the same cache: nothing recomputed, its own verdicts.
evaluate "$work/ablation" ablation-images
evaluate "$work/ablation" ablation --cache "$work/cache"
grep -q "^features: 116 images read from the cache, 0 computed" "$work/ablation.out" \
  || fail "ablation: $(cat "$work/ablation.out")"
cmp -s "$work/ablation-images.csv" "$work/ablation.csv" \
  || fail "ablation CSV differs: $(diff "$work/ablation-images.csv" "$work/ablation.csv")"

# Another image encoder: refused in one line naming the cache folder.
set +e
"$bmfl" evaluate --model "$work/other" "${datasets[@]}" --cache "$work/cache" > /dev/null 2> "$work/err"
status=$?
set -e
[[ $status -eq 1 ]] || fail "another encoder: exit $status: $(cat "$work/err")"
[[ "$(wc -l < "$work/err")" -eq 1 ]] || fail "another encoder: not one line: $(cat "$work/err")"
grep -q "cache.*another image encoder" "$work/err" || fail "another encoder: $(cat "$work/err")"
# A folder that is no cache is not written into.
mkdir "$work/notes" && echo hello > "$work/notes/a.txt"
set +e
"$bmfl" evaluate --model "$work/a" "${datasets[@]}" --cache "$work/notes" > /dev/null 2> "$work/err"
status=$?
set -e
[[ $status -eq 1 && "$(wc -l < "$work/err")" -eq 1 ]] || fail "not a cache: $status $(cat "$work/err")"
[[ "$(ls "$work/notes")" == "a.txt" ]] || fail "wrote into a folder that is no cache"
echo "bmfl evaluate --cache: as expected"
