#!/bin/sh
# bmfl train-brain-encoder on a tiny DINOv2-layout checkpoint and a tiny Algonauts-layout subject
# (written by make_brain_encoder_inputs.py): the bundle has Adeli et al.'s brain input
# (brainPreprocess: no resize, padded to the patch), the split is saved and, given back, reused;
# per-ROI r is printed; a bundle works as --encoder; bad inputs give one line naming the file and
# write nothing; a folder that is not a bundle is never replaced; Ctrl-C leaves nothing behind.
# usage: test_train_brain_encoder_command.sh BMFL PYTHON MAKE_INPUTS REFERENCE_DIR
set -u
bmfl=$1
python=$2
make_inputs=$3
reference=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
if [ -z "$python" ]; then
  [ "${CI:-}" = true ] && fail "no /usr/bin/python3 with torch (python3-torch)"
  echo "SKIP: no /usr/bin/python3 with torch (python3-torch)"
  exit 0
fi
"$python" -c "import PIL" 2>/dev/null || {
  [ "${CI:-}" = true ] && fail "no PIL for /usr/bin/python3 (python3-pil)"
  echo "SKIP: no PIL for /usr/bin/python3 (python3-pil)"
  exit 0
}
"$python" "$make_inputs" "$reference" "$work" 40 || fail "could not write the inputs"
pth=$work/dinov2_tiny.pth
subject=$work/subj01
printf 'cat\ndog\nparrot\n' >"$work/classes.txt"
train() { # out, options...
  out=$1
  shift
  "$bmfl" train-brain-encoder --algonauts "$subject" --out "$work/$out" --brain-size 28 \
    --epochs 2 --batch 8 --device cpu "$@" >"$work/out.txt" 2>"$work/err.txt"
}

# From a DINOv2 checkpoint: streams queries, a seeded split saved with the bundle.
train a.bmfl --encoder "$pth" --classes "$work/classes.txt" --seed 3 \
  || fail "exit $?: $(cat "$work/err.txt")"
for expected in "split: 36 training, 4 held-out images (seeded 90/10; saved as idxs.npy" \
  "held-out mean r: left " "per-ROI Pearson r on 4 held-out images:" \
  "all  *all challenge vertices  *40 vertices" "streams  *" "prf-visualrois  *" \
  "no noise-normalised scores" "the heads are untrained"; do
  grep -q -- "$expected" "$work/out.txt" || { cat "$work/out.txt"; fail "no line matching: $expected"; }
done
grep -q "brain encoder epoch 2/2 step 5/5 .*val (mean r lh + mean r rh) / 2" "$work/err.txt" \
  || { cat "$work/err.txt"; fail "no epoch progress"; }
for file in idxs.npy val_idxs.npy REPORT.md manifest.json; do
  [ -f "$work/a.bmfl/$file" ] || fail "a.bmfl/$file missing"
done
tr -d ' \n' <"$work/a.bmfl/manifest.json" >"$work/manifest.txt"
grep -q '"brainPreprocess":{"resizeShortSide":0,"cropSize":28,"padToMultiple":14' \
  "$work/manifest.txt" || fail "no Adeli brain input in the manifest: $(cat "$work/manifest.txt")"
grep -q '"queryLabelSet":"streams"' "$work/manifest.txt" || fail "not streams queries"
grep -q '"classes":\["cat","dog","parrot"\]' "$work/manifest.txt" || fail "classes not saved"
grep -q "Pearson" "$work/a.bmfl/REPORT.md" || fail "REPORT.md has no per-ROI r"
"$bmfl" info --model "$work/a.bmfl" >"$work/info.txt" 2>&1 || fail "info: $(cat "$work/info.txt")"

# Two processes (torchrun's variables, Gloo, a free port): rank 0 alone prints and writes, with
# one process's split; the feature cache the ranks share beside the bundle is removed at the end.
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ranked() { # rank
  RANK=$1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$bmfl" train-brain-encoder \
    --algonauts "$subject" --out "$work/d.bmfl" --brain-size 28 --epochs 2 --batch 8 \
    --device cpu --encoder "$pth" --classes "$work/classes.txt" --seed 3 --dist-backend gloo
}
ranked 1 >"$work/d1.txt" 2>&1 &
rank1=$!
ranked 0 >"$work/d0.txt" 2>"$work/d0-err.txt"
status0=$?
wait "$rank1"
status1=$?
if grep -q "no Gloo backend" "$work/d0-err.txt" && [ "${CI:-}" != true ]; then
  echo "SKIP (2 processes): this build has no Gloo (libgloo-dev)"
else
  [ "$status0" -eq 0 ] && [ "$status1" -eq 0 ] ||
    fail "2 processes: exit $status0, $status1: $(cat "$work/d0-err.txt" "$work/d1.txt")"
  [ ! -s "$work/d1.txt" ] || fail "rank 1 printed: $(cat "$work/d1.txt")"
  grep -q "split: 36 training, 4 held-out images" "$work/d0.txt" || fail "2 processes: $(cat "$work/d0.txt")"
  cmp -s "$work/a.bmfl/idxs.npy" "$work/d.bmfl/idxs.npy" || fail "2 processes: another split"
  [ ! -e "$work/.d.bmfl.feature-cache" ] || fail "the shared feature cache was left"
fi

# The saved split given back: the same split; another ROI set (loss on labelled vertices only)
# and an earlier block.
train b.bmfl --encoder "$pth" --classes "$work/classes.txt" --seed 5 \
  --split "$work/a.bmfl/idxs.npy" --roi-set floc-faces --feature-block 0 \
  || fail "given split: exit $?: $(cat "$work/err.txt")"
grep -q "split: 36 training, 4 held-out images (as given)" "$work/out.txt" \
  || { cat "$work/out.txt"; fail "the given split was not used"; }
cmp -s "$work/a.bmfl/idxs.npy" "$work/b.bmfl/idxs.npy" || fail "idxs.npy differs"
cmp -s "$work/a.bmfl/val_idxs.npy" "$work/b.bmfl/val_idxs.npy" || fail "val_idxs.npy differs"
grep -q '"queryLabelSet":"floc-faces"' "$(tr -d ' \n' <"$work/b.bmfl/manifest.json" >"$work/m.txt"; echo "$work/m.txt")" \
  || fail "not floc-faces queries"
grep -q '"featureBlock":0' "$work/m.txt" || fail "not block 0"

# A bundle as --encoder: its image encoder and classes; --limit: the first images only.
train c.bmfl --encoder "$work/a.bmfl" --epochs 1 --limit 20 \
  || fail "bundle encoder: exit $?: $(cat "$work/err.txt")"
grep -q "split: 18 training, 2 held-out images" "$work/out.txt" \
  || { cat "$work/out.txt"; fail "--limit 20 not applied"; }
grep -q '"classes":\["cat","dog","parrot"\]' "$(tr -d ' \n' <"$work/c.bmfl/manifest.json" >"$work/m.txt"; echo "$work/m.txt")" \
  || fail "the bundle's classes were not kept"

# Bad inputs: one line naming the file, exit 1, nothing written.
mkdir "$work/empty"
echo "not a checkpoint" >"$work/junk.pth"
"$python" -c "import numpy; numpy.save('$work/far.npy', numpy.array([1, 99]))" || fail "far.npy"
check_refused() { # expected-text, options...
  expected=$1
  shift
  train refused.bmfl "$@"
  status=$?
  [ "$status" -eq 1 ] || fail "$*: exit $status, expected 1: $(cat "$work/err.txt")"
  [ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "$*: not one line: $(cat "$work/err.txt")"
  grep -q -- "$expected" "$work/err.txt" || fail "$*: expected '$expected': $(cat "$work/err.txt")"
  [ ! -e "$work/refused.bmfl" ] || fail "$*: a bundle was written"
}
check_refused "empty/roi_masks/lh.all-vertices_fsaverage_space.npy: " \
  --encoder "$pth" --classes "$work/classes.txt" --algonauts "$work/empty"
check_refused "junk.pth: " --encoder "$work/junk.pth" --classes "$work/classes.txt"
check_refused "nothing.pth: cannot open" --encoder "$work/nothing.pth" --classes "$work/classes.txt"
check_refused "dinov2_tiny.pth: .*--classes" --encoder "$pth"
check_refused "subj01/roi_masks: has no floc-bodies ROI files" --encoder "$pth" \
  --classes "$work/classes.txt" --roi-set floc-bodies
check_refused "far.npy: index 99 is outside the subject's 40 images" --encoder "$pth" \
  --classes "$work/classes.txt" --split "$work/far.npy"
check_refused "empty: is a folder" --encoder "$pth" --classes "$work/classes.txt" \
  --split "$work/empty"

# An output folder that is not a bundle is never replaced.
mkdir "$work/precious" && echo keep >"$work/precious/notes.txt"
train precious --encoder "$pth" --classes "$work/classes.txt" \
  && fail "a folder that is not a bundle was replaced"
grep -q "precious: not a model bundle" "$work/err.txt" || fail "refusal: $(cat "$work/err.txt")"
[ -f "$work/precious/notes.txt" ] || fail "the folder's file is gone"

# Ctrl-C while training: exit 130, no bundle, no staging folder left.
"$bmfl" train-brain-encoder --algonauts "$subject" --out "$work/stopped.bmfl" --brain-size 28 \
  --epochs 10000 --batch 8 --device cpu --encoder "$pth" --classes "$work/classes.txt" \
  >/dev/null 2>"$work/err.txt" &
pid=$!
sleep 4
kill -INT "$pid"
wait "$pid"
status=$?
[ "$status" -eq 130 ] || fail "interrupted: exit $status, expected 130: $(tail -2 "$work/err.txt")"
grep -q "interrupted; no bundle was written" "$work/err.txt" || fail "no interruption message"
[ ! -e "$work/stopped.bmfl" ] || fail "an interrupted run wrote a bundle"
ls -a "$work" | grep -q staging && fail "a staging folder was left"

# Usage errors: an unknown ROI set.
"$bmfl" train-brain-encoder --encoder "$pth" --algonauts "$subject" --out "$work/x.bmfl" \
  --roi-set voxels >/dev/null 2>&1
[ $? -eq 2 ] || fail "--roi-set voxels is not a usage error"
echo "PASS"
