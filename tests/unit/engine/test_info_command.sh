#!/bin/sh
# bmfl info on a bundle the test makes: every section is printed; a broken bundle gives one line
# naming the file, and exit 1; the bundle's encoder archive reads as a DINOv2 checkpoint.
# usage: test_info_command.sh BMFL MAKE_TINY_BUNDLE
set -u
bmfl=$1
make_bundle=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$make_bundle" "$work/tiny.bmfl" || fail "could not make the bundle"

"$bmfl" info --model "$work/tiny.bmfl" >"$work/out.txt" 2>"$work/err.txt" || fail "exit $? on a good bundle: $(cat "$work/err.txt")"
for expected in \
  "encoder.embedDim  *32" \
  "brainTransformer.tokenizer  *\"conv_slices\"" \
  "fusion.mode  *\"cross_attention\"" \
  "numClasses  *10" \
  "brain tokens  *7 (conv_slices)" \
  "encoder  *total  *[0-9,]*   trainable  *0$" \
  "bmflHead  *total  *[1-9][0-9,]*   trainable  *[1-9][0-9,]*$" \
  "classes: 10: T-shirt/top, Trouser, Pullover" \
  "preprocess: resize short side 28 (bilinear), centre crop 28, grey to RGB no, mean \[0.286\], std \[0.353\]" \
  "brain preprocess: as preprocess (one encoder pass)" \
  "brainEncoder.featureBlock  *-1" \
  "vertex space: tiny on fsaverage5: 60 left + 50 right = 110 vertices" \
  "label set streams: 4 labels (unknown, early, ventral, lateral)" \
  "command   make_tiny_bundle" \
  "dataset   synthetic (200 examples)" \
  "metric    bmfl_val_accuracy = 0.875" \
  "library   libtorch " \
  "baselineHead  *baseline_head.pt  *sha256 [0-9a-f]\{64\}"; do
  grep -q -- "$expected" "$work/out.txt" || { cat "$work/out.txt"; fail "no line matching: $expected"; }
done

# A brain encoder with its own input: the second preprocessing is printed.
"$make_bundle" "$work/brain.bmfl" --brain-preprocess || fail "could not make the brain bundle"
"$bmfl" info --model "$work/brain.bmfl" >"$work/brain.txt" 2>&1 || fail "brain bundle: $(cat "$work/brain.txt")"
grep -q -- "^brain preprocess (second encoder pass for the brain encoder): no resize, centre crop 40, grey to RGB no, mean \[0.286\], std \[0.353\], zero-padded bottom/right to 42 (a multiple of 7)$" "$work/brain.txt" ||
  { cat "$work/brain.txt"; fail "no brain preprocess line"; }

# An encoder archive of DINOv2's head width (64) reads as a bare DINOv2 checkpoint.
"$make_bundle" "$work/wide.bmfl" --dinov2-heads || fail "could not make the wide bundle"
"$bmfl" info --checkpoint "$work/wide.bmfl/encoder.pt" >"$work/ckpt.txt" 2>&1 || fail "checkpoint: $(cat "$work/ckpt.txt")"
for expected in "encoder.embedDim  *64" "encoder.heads  *1" "encoder.depth  *2" "encoder.patchSize  *7" \
  "encoder.inChannels  *1" "learned position grid 4x4"; do
  grep -q -- "$expected" "$work/ckpt.txt" || { cat "$work/ckpt.txt"; fail "checkpoint: no line matching: $expected"; }
done
"$bmfl" info --checkpoint "$work/tiny.bmfl/manifest.json" 2>"$work/err.txt"
[ $? -eq 1 ] || fail "a JSON file read as a checkpoint did not exit 1"
[ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "checkpoint error is not one line: $(cat "$work/err.txt")"

# A damaged weights file: exit 1 and one line naming the manifest and the file.
printf 'x' >>"$work/tiny.bmfl/bmfl_head.pt"
"$bmfl" info --model "$work/tiny.bmfl" >"$work/out.txt" 2>"$work/err.txt"
status=$?
[ "$status" -eq 1 ] || fail "exit $status on a damaged bundle"
[ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "error is not one line: $(cat "$work/err.txt")"
grep -q "^bmfl info: $work/tiny.bmfl/manifest.json: checksum mismatch for bmfl_head.pt" "$work/err.txt" || fail "unexpected error: $(cat "$work/err.txt")"

# A class name with terminal escape codes (ESC, and the one-byte CSI U+009B) is never printed raw:
# shown escaped as \x1b, or the bundle refused in one line.
"$make_bundle" "$work/escapes.bmfl" || fail "could not make the bundle"
sed 's/"Trouser"/"\\u001b[31mTrouser\\u009b2J"/' "$work/escapes.bmfl/manifest.json" >"$work/manifest.json"
mv "$work/manifest.json" "$work/escapes.bmfl/manifest.json"
"$bmfl" info --model "$work/escapes.bmfl" >"$work/out.txt" 2>"$work/err.txt"
status=$?
if LC_ALL=C grep -q "$(printf '\033')\|$(printf '\302\233')" "$work/out.txt" "$work/err.txt"; then
  fail "an escape code was printed raw"
fi
if [ "$status" -eq 0 ]; then
  grep -qF 'classes: 10: T-shirt/top, \x1b[31mTrouser\xc2\x9b2J, Pullover' "$work/out.txt" ||
    fail "the class name is not shown escaped: $(grep classes "$work/out.txt")"
else
  [ "$status" -eq 1 ] && [ "$(wc -l <"$work/err.txt")" -eq 1 ] ||
    fail "exit $status for a bundle with escape codes: $(cat "$work/err.txt")"
fi

"$bmfl" info --model "$work/absent" 2>"$work/err.txt"
[ $? -eq 1 ] || fail "a missing bundle did not exit 1"
"$bmfl" info 2>/dev/null
[ $? -eq 2 ] || fail "no arguments did not exit 2"
echo "PASS"
