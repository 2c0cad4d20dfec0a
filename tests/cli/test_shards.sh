#!/usr/bin/env bash
# Sharded `bmfl evaluate --shard I/N --out DIR` and `bmfl extract-features`, and `bmfl merge`: three
# shards merged give exactly the unsharded table and CSV (ImageNet-C's CE/mCE rows included);
# missing, duplicate and foreign shards are refused in one line; the shard defaults to the Slurm
# array task's place; a killed run resumes, leaving its finished rows untouched; feature shards
# merged equal one unsharded extraction.
# usage: test_shards.sh BMFL MAKE_TINY_BUNDLE [PYTHON]
set -euo pipefail
bmfl="$1"
make_bundle="$2"
python="${3:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX SLURM_ARRAY_TASK_STEP \
  SLURM_ARRAY_TASK_COUNT
one_line_error() { # COMMAND... : exits 1 with one line on stderr; the line is in $work/err
  set +e
  "$@" > /dev/null 2> "$work/err"
  local status=$?
  set -e
  [[ $status -eq 1 ]] || fail "$*: exit $status: $(cat "$work/err")"
  [[ "$(wc -l < "$work/err")" -eq 1 ]] || fail "$*: not one line: $(cat "$work/err")"
}

"$make_bundle" "$work/a" > /dev/null || fail "could not make bundle a"
"$make_bundle" "$work/b" --brain-preprocess > /dev/null || fail "could not make bundle b"

# An ImageNet-C tree (CORRUPTION/SEVERITY/CLASS/, 224 x 224 images) and a clean val set, so the
# CE, mCE and relative mCE rows are merged too.
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

datasets=(--dataset fashion-mnist:test --dataset "imagenet-c:$work/c"
          --dataset "imagenet-val:$work/val" --limit 40 --batch 16)
evaluate() { "$bmfl" evaluate --model "$work/a" "${datasets[@]}" "$@"; }

# The unsharded run, then three shards (each its own folder) merged in any order.
evaluate --csv "$work/full.csv" > "$work/full.out" 2> "$work/err" || fail "unsharded: $(cat "$work/err")"
grep -q "^relative_mCE\|,relative_mCE," "$work/full.csv" || fail "no relative mCE row: $(cat "$work/full.csv")"
for i in 1 2 3; do
  evaluate --shard "$i/3" --out "$work/s$i" > "$work/out" 2> "$work/err" || fail "shard $i: $(cat "$work/err")"
  grep -q "^shard $i/3: 12 rows written, 0 kept" "$work/out" || fail "shard $i said: $(cat "$work/out")"
  [[ -f "$work/s$i/manifest.json" && -f "$work/s$i/rows/00012.csv" ]] || fail "shard $i folder"
done
"$bmfl" merge "$work/s3" "$work/s1" "$work/s2" --csv "$work/merged.csv" > "$work/merged.out" \
  2> "$work/err" || fail "merge: $(cat "$work/err")"
cmp "$work/full.csv" "$work/merged.csv" || fail "merged CSV differs: $(diff "$work/full.csv" "$work/merged.csv")"
diff <(grep -v '^wrote ' "$work/full.out") <(grep -v '^wrote ' "$work/merged.out") \
  || fail "merged table differs"
grep -q "^mCE " "$work/merged.out" || fail "no mCE line in the merged table"
# One folder for the whole run (--out without --shard) is the same table and CSV.
evaluate --out "$work/whole" --csv "$work/whole.csv" > "$work/whole.out" 2> "$work/err" \
  || fail "--out 1/1: $(cat "$work/err")"
cmp "$work/full.csv" "$work/whole.csv" || fail "--out 1/1 CSV differs"
diff <(grep -v '^wrote ' "$work/full.out") <(grep -v '^wrote ' "$work/whole.out") || fail "--out 1/1 table differs"
"$bmfl" merge "$work/whole" --csv "$work/whole-merged.csv" > /dev/null 2> "$work/err" || fail "merge 1/1: $(cat "$work/err")"
cmp "$work/full.csv" "$work/whole-merged.csv" || fail "merged 1/1 CSV differs"

# Refusals, one line each, naming the folder.
one_line_error "$bmfl" merge "$work/s1" "$work/s2"
grep -q "missing shard 3/3" "$work/err" || fail "missing shard not named: $(cat "$work/err")"
one_line_error "$bmfl" merge "$work/s1" "$work/s2" "$work/s2"
grep -q "$work/s2: is shard 2/3 again" "$work/err" || fail "duplicate not named: $(cat "$work/err")"
"$bmfl" evaluate --model "$work/b" "${datasets[@]}" --shard 2/3 --out "$work/b2" > /dev/null 2> "$work/err" \
  || fail "bundle b: $(cat "$work/err")"
one_line_error "$bmfl" merge "$work/s1" "$work/b2" "$work/s3"
grep -q "^bmfl merge: $work/b2: is a shard of another model bundle" "$work/err" \
  || fail "foreign bundle not refused: $(cat "$work/err")"
one_line_error "$bmfl" merge "$work/s1" "$work/s2" "$work/whole"
grep -q "$work/whole: is shard 1/1 but" "$work/err" || fail "other N not refused: $(cat "$work/err")"
one_line_error "$bmfl" evaluate --model "$work/a" --dataset fashion-mnist:test --limit 8 --shard 1/3 --out "$work/s1"
grep -q "$work/s1: holds results of other datasets" "$work/err" || fail "other settings not refused: $(cat "$work/err")"
set +e
"$bmfl" evaluate --model "$work/a" --dataset fashion-mnist:test --shard 4/3 --out "$work/x" 2> "$work/err"
[[ $? -eq 2 ]] || fail "--shard 4/3 accepted: $(cat "$work/err")"
set -e

# The Slurm array default: "--array=0-10:2" makes task 4 shard 3/6; "--array=1-3" task 2 shard 2/3.
shard_of() { tr -d ' \n' < "$1/manifest.json" | grep -o '"shard":{[^}]*}'; }
SLURM_ARRAY_TASK_ID=4 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=10 SLURM_ARRAY_TASK_STEP=2 \
  SLURM_ARRAY_TASK_COUNT=6 "$bmfl" evaluate --model "$work/a" --dataset fashion-mnist:test --limit 12 \
  --out "$work/slurm0" > "$work/out" 2> "$work/err" || fail "slurm 0-based: $(cat "$work/err")"
[[ "$(shard_of "$work/slurm0")" == '"shard":{"index":3,"count":6}' ]] || fail "0-based: $(shard_of "$work/slurm0")"
grep -q "^shard 3/6:" "$work/out" || fail "0-based said: $(cat "$work/out")"
SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=3 SLURM_ARRAY_TASK_COUNT=3 \
  "$bmfl" evaluate --model "$work/a" --dataset fashion-mnist:test --limit 12 --out "$work/slurm1" \
  > /dev/null 2> "$work/err" || fail "slurm 1-based: $(cat "$work/err")"
[[ "$(shard_of "$work/slurm1")" == '"shard":{"index":2,"count":3}' ]] || fail "1-based: $(shard_of "$work/slurm1")"
SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=10 SLURM_ARRAY_TASK_STEP=2 \
  SLURM_ARRAY_TASK_COUNT=6 one_line_error "$bmfl" evaluate --model "$work/a" --dataset fashion-mnist:test \
  --out "$work/slurm2"
grep -q "SLURM_ARRAY_TASK_ID=5" "$work/err" || fail "bad task id not named: $(cat "$work/err")"

# A killed run keeps its finished rows; the same command resumes and leaves them untouched.
resume=(--model "$work/a" --dataset "imagenet-val:$work/val" --dataset fashion-mnist:test --limit 800
        --batch 64 --out "$work/killed")
"$bmfl" evaluate "${resume[@]}" > /dev/null 2>&1 &
pid=$!
for _ in $(seq 600); do
  [[ -f "$work/killed/rows/00001.csv" ]] && break
  sleep 0.05
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
[[ -f "$work/killed/rows/00001.csv" ]] || fail "the first row was not written"
[[ ! -f "$work/killed/rows/00002.csv" ]] || fail "the killed run finished its second row"
before="$(stat -c '%i %Y %s' "$work/killed/rows/00001.csv") $(md5sum < "$work/killed/rows/00001.csv")"
"$bmfl" evaluate "${resume[@]}" > "$work/out" 2> "$work/err" || fail "resume: $(cat "$work/err")"
grep -q "^imagenet-val:$work/val: 2 images done by an earlier run, kept" "$work/err" \
  || fail "resume did not keep the row: $(cat "$work/err")"
after="$(stat -c '%i %Y %s' "$work/killed/rows/00001.csv") $(md5sum < "$work/killed/rows/00001.csv")"
[[ "$before" == "$after" ]] || fail "the finished row was rewritten"
[[ "$(wc -l < "$work/killed/rows/00002.csv")" -eq 801 ]] || fail "the resumed row is incomplete"
grep -q "^fashion-mnist:test  *800 " "$work/out" || fail "no resumed table: $(cat "$work/out")"

# Feature shards: merged equal the unsharded extraction, byte for byte (one image per forward
# pass, so every image meets the same arithmetic).
extract() {
  "$bmfl" extract-features --model "$work/a" --dataset fashion-mnist:test --dataset "imagenet-c:$work/c" \
    --limit 30 --batch 1 --chunk 8 "$@" > /dev/null 2> "$work/err" || fail "extract $*: $(cat "$work/err")"
}
extract --out "$work/f"
for i in 1 2 3; do extract --shard "$i/3" --out "$work/f$i"; done
# A rerun keeps every finished chunk as it is.
before="$(stat -c '%i %Y' "$work/f2/dataset-1/"* | md5sum)"
"$bmfl" extract-features --model "$work/a" --dataset fashion-mnist:test --dataset "imagenet-c:$work/c" \
  --limit 30 --batch 1 --chunk 8 --shard 2/3 --out "$work/f2" > "$work/out" 2> "$work/err" || fail "rerun f2"
grep -q "^shard 2/3: 0 chunks written, 4 kept" "$work/out" || fail "rerun f2 said: $(cat "$work/out")"
[[ "$(stat -c '%i %Y' "$work/f2/dataset-1/"* | md5sum)" == "$before" ]] || fail "rerun rewrote chunks"
"$bmfl" merge "$work/f" --out "$work/fm" > /dev/null 2> "$work/err" || fail "merge f: $(cat "$work/err")"
"$bmfl" merge "$work/f2" "$work/f3" "$work/f1" --out "$work/fm3" > "$work/out" 2> "$work/err" \
  || fail "merge f1-3: $(cat "$work/err")"
grep -q "^merged 3 feature shards: 50 images" "$work/out" || fail "merge said: $(cat "$work/out")"
for file in cls.npy mean_patch.npy fmri.npy labels.npy ids.txt; do
  for d in dataset-1 dataset-2; do
    cmp "$work/fm/$d/$file" "$work/fm3/$d/$file" || fail "merged $d/$file differs"
  done
done
[[ "$(wc -l < "$work/fm3/dataset-2/ids.txt")" -eq 20 ]] || fail "ImageNet-C ids: $(cat "$work/fm3/dataset-2/ids.txt")"
one_line_error "$bmfl" merge "$work/f1" "$work/f3" --out "$work/fx"
grep -q "missing shard 2/3" "$work/err" || fail "missing feature shard not named: $(cat "$work/err")"
one_line_error "$bmfl" merge "$work/f1" "$work/f2" "$work/f3" --out "$work/f2"
grep -q "$work/f2: holds other results" "$work/err" || fail "merged into a shard: $(cat "$work/err")"
# A folder of the user's that holds other files is never written into.
mkdir "$work/mine" && echo keep > "$work/mine/notes.txt"
one_line_error "$bmfl" merge "$work/f1" "$work/f2" "$work/f3" --out "$work/mine"
[[ "$(ls "$work/mine")" == notes.txt ]] || fail "merge wrote into a folder it did not make"
if [[ -n "$python" ]] && "$python" -c "import numpy" 2>/dev/null; then
  extract --out "$work/f16" --dtype float16
  "$bmfl" merge "$work/f16" --out "$work/fm16" > /dev/null
  "$python" - "$work/fm" "$work/fm16" <<'PY' || fail "float16 arrays are not the float32 ones rounded"
import sys, numpy as np
full, half = sys.argv[1], sys.argv[2]
for d in ("dataset-1", "dataset-2"):
    assert np.load(f"{full}/{d}/labels.npy").tolist() == np.load(f"{half}/{d}/labels.npy").tolist()
    for name in ("cls", "mean_patch", "fmri"):
        a, b = np.load(f"{full}/{d}/{name}.npy"), np.load(f"{half}/{d}/{name}.npy")
        assert b.dtype == np.float16 and a.shape == b.shape and a.shape[0] in (30, 20), (name, a.shape)
        assert np.array_equal(a.astype(np.float16), b), name
PY
fi
echo "bmfl evaluate/extract-features --shard and bmfl merge: as expected"
