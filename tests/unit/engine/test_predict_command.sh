#!/bin/sh
# bmfl predict on images and a bundle the test makes: top-k of both heads per image and a JSON
# file of the full results; a bad image gives one line naming it, and exit 1.
# usage: test_predict_command.sh BMFL MAKE_TINY_BUNDLE
set -u
bmfl=$1
make_bundle=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$make_bundle" "$work/tiny.bmfl" || fail "could not make the bundle"
for name in a b c; do
  { printf 'P5\n28 28\n255\n'; head -c 784 /dev/urandom; } >"$work/$name.pgm"
done

"$bmfl" predict --model "$work/tiny.bmfl" --device cpu --batch 2 --top 3 --json "$work/out.json" \
  "$work/a.pgm" "$work/b.pgm" "$work/c.pgm" >"$work/out.txt" 2>"$work/err.txt" \
  || fail "exit $?: $(cat "$work/err.txt")"
[ "$(grep -c '^  bmfl:     ' "$work/out.txt")" -eq 3 ] || { cat "$work/out.txt"; fail "not three bmfl lines"; }
grep -q "^  baseline: [^,]* [01]\.[0-9]\{3\}, [^,]* [01]\.[0-9]\{3\}, [^,]* [01]\.[0-9]\{3\}$" "$work/out.txt" \
  || { cat "$work/out.txt"; fail "no baseline top-3 line"; }
grep -q "^  image attends most to brain token .*vertices [0-9]" "$work/out.txt" || fail "no attention line"
grep -q "predicted 2/3" "$work/err.txt" || fail "no progress line: $(cat "$work/err.txt")"
grep -q '"predictedFmri": \[' "$work/out.json" || fail "no fMRI in the JSON output"
[ "$(grep -c '"image": ' "$work/out.json")" -eq 3 ] || fail "not three images in the JSON output"

# A bundle whose brain encoder has its own input (40 px, padded to 42): predict runs both passes;
# the 28 px images are zero-padded by the centre crop to 40.
"$make_bundle" "$work/brain.bmfl" --brain-preprocess || fail "could not make the brain bundle"
"$bmfl" predict --model "$work/brain.bmfl" --device cpu --json "$work/brain.json" \
  "$work/a.pgm" "$work/b.pgm" >"$work/out.txt" 2>"$work/err.txt" \
  || fail "brain bundle: exit $?: $(cat "$work/err.txt")"
[ "$(grep -c '"image": ' "$work/brain.json")" -eq 2 ] || fail "not two images from the brain bundle"

# A file that is not an image: one line naming it, exit 1, no output file.
printf 'not an image' >"$work/bad.png"
"$bmfl" predict --model "$work/tiny.bmfl" --json "$work/none.json" "$work/a.pgm" "$work/bad.png" \
  >/dev/null 2>"$work/err.txt"
status=$?
[ "$status" -eq 1 ] || fail "exit $status for a bad image"
[ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "not one line: $(cat "$work/err.txt")"
grep -q "^bmfl predict: $work/bad.png: " "$work/err.txt" || fail "unexpected: $(cat "$work/err.txt")"
[ ! -e "$work/none.json" ] || fail "a JSON file was written after an error"

# A colour image into a grey model: converted to grey (PIL's luma) and classified.
{ printf 'P6\n28 28\n255\n'; head -c 2352 /dev/urandom; } >"$work/colour.ppm"
"$bmfl" predict --model "$work/tiny.bmfl" "$work/colour.ppm" >"$work/out.txt" 2>"$work/err.txt" \
  || fail "a colour image into a grey model: exit $?: $(cat "$work/err.txt")"
grep -q "^  bmfl:     " "$work/out.txt" || fail "the colour image was not classified"

"$bmfl" predict --model "$work/tiny.bmfl" 2>/dev/null
[ $? -eq 2 ] || fail "no image did not exit 2"

# --json through a symlink updates the file it points to and keeps the link.
printf 'old' >"$work/real.json"
ln -s real.json "$work/link.json"
"$bmfl" predict --model "$work/tiny.bmfl" --json "$work/link.json" "$work/a.pgm" >/dev/null 2>"$work/err.txt" ||
  fail "--json through a symlink: exit $?: $(cat "$work/err.txt")"
[ -L "$work/link.json" ] || fail "the symlink given to --json was replaced by a file"
grep -q '"image": ' "$work/real.json" || fail "the symlink's target was not written"
# --json at a FIFO: refused in one line, without blocking, and the FIFO is left a FIFO.
mkfifo "$work/fifo.json"
timeout 20 "$bmfl" predict --model "$work/tiny.bmfl" --json "$work/fifo.json" "$work/a.pgm" \
  >/dev/null 2>"$work/err.txt"
status=$?
[ "$status" -ne 0 ] && [ "$status" -ne 124 ] || fail "--json at a FIFO: exit $status"
[ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "--json at a FIFO: not one line: $(cat "$work/err.txt")"
[ -p "$work/fifo.json" ] || fail "the FIFO given to --json was replaced"
echo "PASS"
