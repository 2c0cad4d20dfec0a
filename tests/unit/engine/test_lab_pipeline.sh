#!/bin/sh
# A lab's whole pipeline, run as a lab runs it, on real-format files the test makes: a tiny
# DINOv2-layout .pth and an Algonauts-layout subject (make_brain_encoder_inputs.py) ->
# bmfl train-brain-encoder -> bmfl train on ImageNet-layout folders (make_imagenet_folders.sh),
# stopped and resumed -> bmfl evaluate on the val set (the accuracy of REPORT.md) -> bmfl predict
# -> bmfl-workbench opens the bundle and renders it (under xvfb-run).
# Exit 77 (skipped) when python3-torch, python3-pil or xvfb-run is missing; on CI that fails.
# usage: test_lab_pipeline.sh BMFL BMFL_WORKBENCH PYTHON MAKE_INPUTS REFERENCE_DIR
set -u
bmfl=$1
workbench=$2
python=$3
make_inputs=$4
reference=$5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
skip() {
  [ "${CI:-}" = true ] && fail "$1"
  echo "SKIP: $1"
  exit 77
}
[ -n "$python" ] || skip "no /usr/bin/python3 with torch (python3-torch)"
"$python" -c "import PIL" 2>/dev/null || skip "no PIL for $python (python3-pil)"
command -v xvfb-run >/dev/null || skip "no xvfb-run"

# The lab's files: a DINOv2 checkpoint, an NSD subject, ImageNet's train and val folders.
"$python" "$make_inputs" "$reference" "$work" 40 || fail "could not write the DINOv2 and NSD inputs"
"$(dirname "$0")/make_imagenet_folders.sh" "$work" 3 4 6 || fail "could not make the folders"
printf 'n00000000\nn00000001\nn00000002\n' >"$work/classes.txt"
val="imagenet-val:$work/val,$work/val/labels.txt"

# 1. The brain encoder on the subject (Adeli's recipe; its 28 px input padded to the patch).
"$bmfl" train-brain-encoder --encoder "$work/dinov2_tiny.pth" --algonauts "$work/subj01" \
  --classes "$work/classes.txt" --out "$work/brain.bmfl" --brain-size 28 --epochs 1 --batch 8 \
  --device cpu --seed 3 >"$work/out.txt" 2>"$work/err.txt" ||
  fail "train-brain-encoder: exit $?: $(cat "$work/err.txt")"
grep -q "per-ROI Pearson r on 4 held-out images:" "$work/out.txt" ||
  fail "no per-ROI r: $(cat "$work/out.txt")"

# 2. The heads on the train folder, stopped after a checkpoint, then resumed by the same command.
train() {
  "$bmfl" train --model-in "$work/brain.bmfl" --train "folder:$work/train" --val "$val" \
    --out "$work/lab.bmfl" --epochs 2 --batch 4 --device cpu --seed 3 --checkpoint-every 2 "$@" \
    >"$work/out.txt" 2>"$work/err.txt"
}
train --stop-after-steps 4
[ $? -eq 130 ] || fail "the stopped run did not exit 130: $(cat "$work/err.txt")"
[ ! -e "$work/lab.bmfl" ] || fail "a stopped run wrote a bundle"
[ -f "$work/.lab.bmfl.train-state/baseline-head.ckpt" ] || fail "no checkpoint after the stop"
train || fail "train (resumed): exit $?: $(cat "$work/err.txt")"
grep -q "baseline head epoch 1/2" "$work/err.txt" && fail "started over: $(cat "$work/err.txt")"
grep -q "baseline head epoch 2/2" "$work/err.txt" || fail "no resumed epoch: $(cat "$work/err.txt")"
grep -q "^imagenet-val:.*: baseline [01]\.[0-9]* *BMFL [01]\.[0-9]* *(6 images)" "$work/out.txt" ||
  fail "no accuracy line: $(cat "$work/out.txt")"
# Two resolutions in one model: the classifier's 224 crop and the brain encoder's own input.
tr -d ' \n' <"$work/lab.bmfl/manifest.json" >"$work/manifest.txt"
grep -q '"preprocess":{"resizeShortSide":256,"cropSize":224' "$work/manifest.txt" ||
  fail "not the classifier's 224 crop: $(cat "$work/manifest.txt")"
grep -q '"brainPreprocess":{"resizeShortSide":0,"cropSize":28,"padToMultiple":14' \
  "$work/manifest.txt" || fail "the brain encoder's input was lost: $(cat "$work/manifest.txt")"

# 3. evaluate on the val set: one row, the same accuracies as REPORT.md's val row.
"$bmfl" evaluate --model "$work/lab.bmfl" --dataset "$val" --batch 4 --device cpu \
  --csv "$work/accuracy.csv" >"$work/out.txt" 2>"$work/err.txt" ||
  fail "evaluate: exit $?: $(cat "$work/err.txt")"
[ "$(grep -c "^imagenet-val:$work/val  *6 " "$work/out.txt")" -eq 1 ] ||
  fail "not one val row: $(cat "$work/out.txt")"
[ "$(wc -l <"$work/accuracy.csv")" -eq 2 ] || fail "CSV rows: $(cat "$work/accuracy.csv")"
evaluated=$(grep "^imagenet-val:" "$work/out.txt" | grep -o '[0-9.]*% \[[0-9., ]*\]' | tr '\n' ' ')
reported=$(grep "^| imagenet-val:.* | 6 |" "$work/lab.bmfl/REPORT.md" |
  grep -o '[0-9.]*% \[[0-9., ]*\]' | tr '\n' ' ')
[ -n "$evaluated" ] || fail "no accuracies in: $(cat "$work/out.txt")"
[ "$evaluated" = "$reported" ] || fail "evaluate says '$evaluated', REPORT.md '$reported'"

# 4. predict on one image: both heads' top classes are the lab's wnids.
"$bmfl" predict --model "$work/lab.bmfl" --device cpu "$work/val/v0.pgm" >"$work/out.txt" \
  2>"$work/err.txt" || fail "predict: exit $?: $(cat "$work/err.txt")"
grep -q "^  bmfl:     n0000000[0-2] [01]\.[0-9]\{3\}" "$work/out.txt" ||
  fail "no BMFL prediction: $(cat "$work/out.txt")"
grep -q "^  baseline: n0000000[0-2] [01]\.[0-9]\{3\}" "$work/out.txt" ||
  fail "no baseline prediction: $(cat "$work/out.txt")"

# 5. The workbench opens the bundle on the val set, analyses an image and renders a 1024 x 640 PNG;
# a problem would be on stderr as "bmfl-workbench: ..." (and exit 1).
BMFL_THREADS=2 xvfb-run -a -s "-screen 0 1920x1080x24" "$workbench" --model "$work/lab.bmfl" \
  --dataset "$val" --size 1024x640 --screenshot "$work/shot.png" >/dev/null 2>"$work/err.txt" ||
  fail "bmfl-workbench: exit $?: $(cat "$work/err.txt")"
grep -q "^bmfl-workbench:" "$work/err.txt" && fail "a problem: $(cat "$work/err.txt")"
[ "$(head -c 8 "$work/shot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
  fail "shot.png is not a PNG"
[ "$(od -An -tu4 --endian=big -j16 -N8 "$work/shot.png" | tr -s ' ')" = " 1024 640" ] ||
  fail "shot.png is not 1024 x 640: $(od -An -tu4 --endian=big -j16 -N8 "$work/shot.png")"
echo "PASS"
