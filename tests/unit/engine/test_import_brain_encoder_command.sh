#!/bin/sh
# bmfl import-brain-encoder on a checkpoint in the layout of Adeli et al.'s main.py (written by
# models/reference/adeli_replica.py with its Algonauts-layout subject) and a tiny bundle: the
# bundle it writes loads and predicts on the subject's vertices; a checkpoint, subject or bundle
# that does not fit gives one line naming the file, exit 1, and no output bundle.
# usage: test_import_brain_encoder_command.sh BMFL MAKE_TINY_BUNDLE PYTHON REPLICA_SCRIPT
set -u
bmfl=$1
make_bundle=$2
python=$3
replica=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
if [ -z "$python" ]; then
  [ "${CI:-}" = true ] && fail "no /usr/bin/python3 with torch (python3-torch)"
  echo "SKIP: no /usr/bin/python3 with torch (python3-torch)"
  exit 0
fi

"$make_bundle" "$work/tiny.bmfl" || fail "could not make the bundle"
"$python" "$replica" "$work/replica" || fail "the replica failed"
checkpoint=$work/replica/checkpoint_.pth
subject=$work/replica/subj01

# The tiny encoder (1 channel, patches of 7) cannot take Adeli et al.'s 434 px RGB input.
"$bmfl" import-brain-encoder --checkpoint "$checkpoint" --algonauts "$subject" \
  --model-in "$work/tiny.bmfl" --out "$work/out.bmfl" >"$work/out.txt" 2>"$work/err.txt"
status=$?
[ "$status" -eq 1 ] || fail "Adeli input on the tiny encoder: exit $status, expected 1"
[ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "not one line: $(cat "$work/err.txt")"
grep -q "tiny.bmfl/manifest.json: .*--brain-input classifier" "$work/err.txt" \
  || fail "does not say what to do: $(cat "$work/err.txt")"
[ ! -e "$work/out.bmfl" ] || fail "a bundle was written"

"$bmfl" import-brain-encoder --checkpoint "$checkpoint" --algonauts "$subject" \
  --model-in "$work/tiny.bmfl" --out "$work/out.bmfl" --brain-input classifier \
  >"$work/out.txt" 2>"$work/err.txt" || fail "exit $?: $(cat "$work/err.txt")"
for expected in "readout_res streams_inc: 1 decoder layer(s), width 32, 4 heads, feed-forward 48" \
  "vertex space: algonauts-subj01, 23 left + 17 right vertices" \
  "left out: 9 tensors" "BMFL head was reset"; do
  grep -q -- "$expected" "$work/out.txt" || { cat "$work/out.txt"; fail "no line matching: $expected"; }
done
"$bmfl" info --model "$work/out.bmfl" >"$work/info.txt" 2>&1 || fail "info: $(cat "$work/info.txt")"
for expected in "brainEncoder.feedForward  *48" "brainEncoder.queryLabelSet  *\"streams\"" \
  "vertex space: algonauts-subj01 on fsaverage: 23 left + 17 right = 40 vertices" \
  "command   make_tiny_bundle; brain encoder imported from checkpoint_.pth"; do
  grep -q -- "$expected" "$work/info.txt" || { cat "$work/info.txt"; fail "info: no line matching: $expected"; }
done
grep -q "metric    bmfl_val_accuracy" "$work/info.txt" && fail "the old BMFL head's accuracy is still recorded"

# Imported again onto a bundle of the same vertex space (in place): the BMFL head is kept.
cp -r "$work/out.bmfl" "$work/again.bmfl"
"$bmfl" import-brain-encoder --checkpoint "$checkpoint" --algonauts "$subject" \
  --model-in "$work/again.bmfl" --out "$work/again.bmfl" --brain-input classifier \
  >"$work/out.txt" 2>"$work/err.txt" || fail "again: exit $?: $(cat "$work/err.txt")"
grep -q "BMFL head was trained on another brain encoder" "$work/out.txt" \
  || { cat "$work/out.txt"; fail "again: the BMFL head was not kept"; }
cmp -s "$work/out.bmfl/bmfl_head.pt" "$work/again.bmfl/bmfl_head.pt" \
  || fail "again: the BMFL head's weights changed"

# The imported bundle predicts fMRI on the subject's 40 vertices.
{ printf 'P5\n28 28\n255\n'; head -c 784 /dev/urandom; } >"$work/a.pgm"
if "$bmfl" predict --help >/dev/null 2>&1; then
  "$bmfl" predict --model "$work/out.bmfl" --device cpu --json "$work/pred.json" "$work/a.pgm" \
    >/dev/null 2>"$work/err.txt" || fail "predict: exit $?: $(cat "$work/err.txt")"
  grep -q '"predictedFmri": \[' "$work/pred.json" || fail "no fMRI in the prediction"
fi

# One line naming the file for a checkpoint that does not fit, a subject folder that is not one,
# a damaged checkpoint; nothing written.
"$python" -c "
import torch
c = torch.load('$checkpoint')
c['model']['rh_embed_0.0.bias'] = c['model']['rh_embed_0.0.bias'][:16]
torch.save(c, '$work/wrong.pth')
" || fail "could not write the wrong checkpoint"
head -c 3000 "$checkpoint" >"$work/truncated.pth"
mkdir "$work/empty"
check_refused() { # expected-text, options...
  expected=$1
  shift
  "$bmfl" import-brain-encoder --model-in "$work/tiny.bmfl" --out "$work/refused.bmfl" \
    --brain-input classifier "$@" >/dev/null 2>"$work/err.txt"
  status=$?
  [ "$status" -eq 1 ] || fail "$*: exit $status, expected 1: $(cat "$work/err.txt")"
  [ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "$*: not one line: $(cat "$work/err.txt")"
  grep -q -- "$expected" "$work/err.txt" || fail "$*: expected '$expected': $(cat "$work/err.txt")"
  [ ! -e "$work/refused.bmfl" ] || fail "$*: a bundle was written"
}
check_refused "wrong.pth: 'rh_embed_0.0.bias' has shape \[16\] but \[17\] is needed" \
  --checkpoint "$work/wrong.pth" --algonauts "$subject"
check_refused "truncated.pth: " --checkpoint "$work/truncated.pth" --algonauts "$subject"
check_refused "empty/roi_masks/lh.all-vertices_fsaverage_space.npy: missing" \
  --checkpoint "$checkpoint" --algonauts "$work/empty"
check_refused "nothing.pth: cannot open" --checkpoint "$work/nothing.pth" --algonauts "$subject"

# An output folder that is not a bundle is never replaced.
mkdir "$work/precious" && echo keep >"$work/precious/notes.txt"
"$bmfl" import-brain-encoder --checkpoint "$checkpoint" --algonauts "$subject" \
  --model-in "$work/tiny.bmfl" --out "$work/precious" --brain-input classifier >/dev/null 2>&1 \
  && fail "a folder that is not a bundle was replaced"
[ -f "$work/precious/notes.txt" ] || fail "the folder's file is gone"

# An unknown --brain-input is a usage error.
"$bmfl" import-brain-encoder --checkpoint "$checkpoint" --algonauts "$subject" \
  --model-in "$work/tiny.bmfl" --out "$work/x.bmfl" --brain-input pixels >/dev/null 2>&1
[ $? -eq 2 ] || fail "--brain-input pixels is not a usage error"
echo "PASS"
