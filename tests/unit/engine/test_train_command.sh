#!/bin/sh
# bmfl train on data in ImageNet's layouts that the test makes (wnid class folders, a flat val
# folder with a labels file) and a tiny bundle with wnid classes: writes a bundle and REPORT.md;
# the feature cache holds fp16 entries without queries; --cache off gives the same weights; a run
# stopped after a checkpoint resumes, with the same command, to the weights of an uninterrupted
# run; a checkpoint of other options is refused in one line.
# usage: test_train_command.sh BMFL MAKE_TINY_BUNDLE
set -u
bmfl=$1
make_bundle=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$make_bundle" "$work/tiny.bmfl" --wnid-classes || fail "could not make the bundle"
"$(dirname "$0")/make_imagenet_folders.sh" "$work" 10 4 12 || fail "could not make the folders"

train() {
  "$bmfl" train --model-in "$work/tiny.bmfl" --train "folder:$work/train" \
    --val "imagenet-val:$work/val,$work/val/labels.txt" --epochs 2 --batch 16 --device cpu \
    --seed 3 --checkpoint-every 2 "$@"
}
same_weights() {
  for file in baseline_head.pt bmfl_head.pt; do
    cmp -s "$1/$file" "$2/$file" || return 1
  done
}

# An uninterrupted run: the bundle, REPORT.md, the accuracy line and the projected cache size.
train --out "$work/a.bmfl" >"$work/out.txt" 2>"$work/err.txt" || fail "exit $?: $(cat "$work/err.txt")"
[ -f "$work/a.bmfl/REPORT.md" ] || fail "no REPORT.md"
grep -q "^imagenet-val:.*: baseline [01]\.[0-9]* *BMFL [01]\.[0-9]* *(12 images)" "$work/out.txt" ||
  fail "no accuracy line: $(cat "$work/out.txt")"
grep -q "^| imagenet-val:.* | 12 |" "$work/a.bmfl/REPORT.md" || fail "no validation row in REPORT.md"
grep -q "feature cache .*: 52 images x [0-9]* bytes = " "$work/err.txt" ||
  fail "no projected cache size: $(cat "$work/err.txt")"
grep -q "images/s  ETA" "$work/err.txt" || fail "no progress line with rate and ETA"
[ ! -e "$work/.a.bmfl.train-state" ] || fail "the checkpoints were left after success"
# The cache: fp16 entries of CLS and patch tokens only (tiny model: 32 wide, 16 patches), no
# queries: 2 * 32 * 17 bytes of values where fp32 with queries would take 4 * 32 * 33.
entries=0
for entry in $(find "$work/.a.bmfl.feature-cache" -name '*.features'); do
  [ "$(head -c 8 "$entry")" = "BMFLFE16" ] || fail "$entry is not a compact fp16 entry"
  [ "$(wc -c <"$entry")" -lt 1400 ] || fail "$entry is too large to hold no queries"
  entries=$((entries + 1))
done
[ "$entries" -eq 52 ] || fail "$entries cache entries, not 52"

# No cache: the same weights.
train --out "$work/off.bmfl" --cache off >/dev/null 2>"$work/err.txt" || fail "--cache off: $(cat "$work/err.txt")"
grep -q "feature cache off" "$work/err.txt" || fail "--cache off was not said"
[ ! -e "$work/.off.bmfl.feature-cache" ] || fail "--cache off made a cache"
same_weights "$work/a.bmfl" "$work/off.bmfl" || fail "--cache off changed the weights"

# Stopped in the baseline head, then in the BMFL head, then finished: the same weights.
train --out "$work/b.bmfl" --stop-after-steps 4 >/dev/null 2>"$work/err.txt"
[ $? -eq 130 ] || fail "the first stop did not exit 130: $(cat "$work/err.txt")"
[ ! -e "$work/b.bmfl" ] || fail "a stopped run wrote a bundle"
[ -f "$work/.b.bmfl.train-state/baseline-head.ckpt" ] || fail "no baseline checkpoint"
train --out "$work/b.bmfl" --stop-after-steps 6 >/dev/null 2>"$work/err.txt"
[ $? -eq 130 ] || fail "the second stop did not exit 130: $(cat "$work/err.txt")"
[ -f "$work/.b.bmfl.train-state/bmfl-head.ckpt" ] || fail "no BMFL head checkpoint"
train --out "$work/b.bmfl" >/dev/null 2>"$work/err.txt" || fail "resume: exit $?: $(cat "$work/err.txt")"
same_weights "$work/a.bmfl" "$work/b.bmfl" || fail "the resumed run's weights differ"

# A checkpoint of other options: one line naming it, exit 1.
train --out "$work/c.bmfl" --stop-after-steps 2 >/dev/null 2>&1
train --out "$work/c.bmfl" --lr 0.01 >/dev/null 2>"$work/err.txt"
status=$?
[ "$status" -eq 1 ] || fail "exit $status for another run's checkpoint"
[ "$(grep -c '^bmfl train: ' "$work/err.txt")" -eq 1 ] || fail "not one error line: $(cat "$work/err.txt")"
grep -q "^bmfl train: .*baseline-head.ckpt: is a checkpoint of another run" "$work/err.txt" ||
  fail "unexpected: $(cat "$work/err.txt")"

# Augmentation and DINOv2's linear protocol for the baseline, with a warm-up.
train --out "$work/d.bmfl" --augment --baseline-protocol dinov2 --warmup-epochs 1 --cache off \
  >/dev/null 2>"$work/err.txt" || fail "--augment: exit $?: $(cat "$work/err.txt")"

# A missing training folder: one line naming it.
"$bmfl" train --model-in "$work/tiny.bmfl" --train "folder:$work/none" --out "$work/e.bmfl" \
  >/dev/null 2>"$work/err.txt"
[ $? -eq 1 ] || fail "a missing folder did not exit 1"
[ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "not one line: $(cat "$work/err.txt")"
grep -q "$work/none" "$work/err.txt" || fail "the missing folder is not named: $(cat "$work/err.txt")"
echo "ok"
