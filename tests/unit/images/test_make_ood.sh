#!/usr/bin/env bash
# `bmfl make-ood` on the first 20 Fashion-MNIST test images: the ImageNet-C-style tree, with
# every file a whole PNG, no temporary files left, the same bytes on a second run with the same
# seed, and a one-line error for a bad spec. Exit 77 (skipped) without Fashion-MNIST.
set -euo pipefail
bmfl="$1"
data="${BMFL_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
[[ -f "$data/t10k-images-idx3-ubyte.gz" ]] || { echo "Fashion-MNIST not installed: skipped"; [ "${CI:-}" = true ] && exit 1; exit 77; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bmfl" make-ood --dataset fashion-mnist:test --out "$work/a" --limit 20 \
  --corruptions gaussian_noise,fog,sketch --severities 1,5 --seed 7 > "$work/log" 2>&1 \
  || { cat "$work/log"; echo "FAIL: make-ood failed" >&2; exit 1; }
grep -q "make-ood: 20/100 images\|make-ood: 100/100 images" "$work/log" \
  || { cat "$work/log"; echo "FAIL: no progress output" >&2; exit 1; }

for folder in gaussian_noise/1 gaussian_noise/5 fog/1 fog/5 sketch; do
  count=$(find "$work/a/$folder" -name '*.png' | wc -l)
  [[ $count -eq 20 ]] || { echo "FAIL: $folder holds $count images, expected 20" >&2; exit 1; }
done
# The first test image is an ankle boot (label 9): its file sits in the class folder.
[[ -f "$work/a/fog/5/9_Ankle_boot/0000.png" ]] || { echo "FAIL: fog/5/9_Ankle_boot/0000.png missing" >&2; ls -R "$work/a" | head -40; exit 1; }
[[ $(find "$work/a" -mindepth 1 -maxdepth 1 -type d | wc -l) -eq 3 ]] || { echo "FAIL: unexpected top folders" >&2; exit 1; }
[[ -z "$(find "$work/a" -name '.*')" ]] || { echo "FAIL: temporary files left behind" >&2; exit 1; }
head -c 8 "$work/a/sketch/9_Ankle_boot/0000.png" | od -An -tx1 | grep -q "89 50 4e 47" \
  || { echo "FAIL: not a PNG" >&2; exit 1; }
[[ -f "$work/a/make-ood.json" ]] || { echo "FAIL: no make-ood.json" >&2; exit 1; }

# Same seed, same bytes; the tree reads back as an ImageNet-C dataset through the same code.
"$bmfl" make-ood --dataset fashion-mnist:test --out "$work/b" --limit 20 \
  --corruptions gaussian_noise,fog,sketch --severities 1,5 --seed 7 > /dev/null 2>&1
diff -r -x make-ood.json "$work/a" "$work/b" > /dev/null || { echo "FAIL: a second run differs" >&2; exit 1; }

# Other settings over existing output are refused before any work, in one line naming the folder
# and the recorded vs requested seed; the same settings finish (here: keep) the earlier run.
cp "$work/a/make-ood.json" "$work/record.json"
for other in "--seed 8" "--seed 7 --limit 10" "--seed 7 --format jpg"; do
  set +e
  # shellcheck disable=SC2086
  "$bmfl" make-ood --dataset fashion-mnist:test --out "$work/a" --limit 20 \
    --corruptions gaussian_noise,fog,sketch --severities 1,5 $other > /dev/null 2> "$work/err"
  status=$?
  set -e
  [[ $status -eq 2 ]] || { echo "FAIL: $other over a seed-7 run: exit $status" >&2; exit 1; }
  [[ "$(wc -l < "$work/err")" -eq 1 ]] && grep -qF "$work/a" "$work/err" \
    || { echo "FAIL: $other: not one line naming the folder: $(cat "$work/err")" >&2; exit 1; }
done
grep -q "seed 7 (this run: 8)" <("$bmfl" make-ood --dataset fashion-mnist:test --out "$work/a" --limit 20 \
  --corruptions gaussian_noise,fog,sketch --severities 1,5 --seed 8 2>&1) \
  || { echo "FAIL: the refusal does not name the recorded and requested seeds" >&2; exit 1; }
cmp -s "$work/a/make-ood.json" "$work/record.json" || { echo "FAIL: a refused run changed make-ood.json" >&2; exit 1; }
diff -r -x make-ood.json "$work/a" "$work/b" > /dev/null || { echo "FAIL: a refused run changed the images" >&2; exit 1; }
"$bmfl" make-ood --dataset fashion-mnist:test --out "$work/a" --limit 20 \
  --corruptions gaussian_noise,fog,sketch --severities 1,5 --seed 7 > "$work/log" 2>&1 \
  || { cat "$work/log"; echo "FAIL: the same settings again were refused" >&2; exit 1; }
grep -q "0 images written, 100 already present" "$work/log" || { cat "$work/log"; echo "FAIL: files not kept" >&2; exit 1; }
# A folder of other files is not make-ood's to fill.
mkdir "$work/other" && echo notes > "$work/other/notes.txt"
set +e
"$bmfl" make-ood --dataset fashion-mnist:test --out "$work/other" --limit 2 > /dev/null 2> "$work/err"
status=$?
set -e
[[ $status -eq 2 && "$(ls "$work/other")" == notes.txt ]] \
  || { echo "FAIL: make-ood into a folder of other files: exit $status: $(cat "$work/err")" >&2; exit 1; }

# A bad spec: exit 1, one line naming it.
set +e
"$bmfl" make-ood --dataset "$work/missing" --out "$work/c" > /dev/null 2> "$work/err"
status=$?
set -e
[[ $status -eq 1 ]] || { echo "FAIL: missing dataset: exit $status" >&2; exit 1; }
[[ "$(wc -l < "$work/err")" -eq 1 ]] && grep -qF "$work/missing" "$work/err" \
  || { echo "FAIL: error not one line naming the path: $(cat "$work/err")" >&2; exit 1; }
# Ctrl-C in the middle of a long run: exit 130, every file written is a whole PNG (ends with
# its IEND chunk), and no temporary file is left.
"$bmfl" make-ood --dataset fashion-mnist:test --out "$work/d" --workers 1 > /dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
  [[ $(find "$work/d" -name '*.png' 2>/dev/null | head -50 | wc -l) -ge 50 ]] && break
  sleep 0.05
done
kill -INT "$pid"
set +e
wait "$pid"
status=$?
set -e
[[ $status -eq 130 ]] || { echo "FAIL: interrupted make-ood exited $status, expected 130" >&2; exit 1; }
[[ -z "$(find "$work/d" -name '.*')" ]] || { echo "FAIL: temporary files left after Ctrl-C" >&2; exit 1; }
written=0
while IFS= read -r -d '' png; do
  tail -c 8 "$png" | od -An -tx1 | grep -q "49 45 4e 44 ae 42 60 82" \
    || { echo "FAIL: $png is not a whole PNG" >&2; exit 1; }
  written=$((written + 1))
done < <(find "$work/d" -name '*.png' -print0)
[[ $written -ge 50 && $written -lt 160000 ]] || { echo "FAIL: $written files after Ctrl-C" >&2; exit 1; }
echo "bmfl make-ood: tree of 5 folders x 20 images, deterministic; Ctrl-C after $written whole files, none partial"
