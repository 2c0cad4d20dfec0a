#!/usr/bin/env bash
# `bmfl render` on the tests' tiny bundle with no display at all (DISPLAY and WAYLAND_DISPLAY
# unset): PNG, TIFF, SVG and PDF written, each parsed, the right size, with the provenance (the
# bundle manifest's SHA-256) inside; a bad extension and a missing image are one-line errors
# (exit 1). Exit 77 (skipped) when /usr/bin/python3 with Pillow is missing; on CI that fails.
set -euo pipefail
bmfl="$1"
bundle="$2"
python="${3:-/usr/bin/python3}"
fail() { echo "FAIL: $*" >&2; exit 1; }
if ! "$python" -c 'import PIL' 2>/dev/null; then
  [ "${CI:-}" = true ] && fail "no $python with Pillow (python3-pil)"
  echo "SKIP: no $python with Pillow (python3-pil)"
  exit 77
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
export XDG_RUNTIME_DIR="$work" # Qt's offscreen platform asks for one

"$python" -c '
from PIL import Image
Image.new("RGB", (40, 30), (200, 120, 40)).save("photo.png")'
checksum="$(sha256sum "$bundle/manifest.json" | cut -d" " -f1)"

render() { env -u DISPLAY -u WAYLAND_DISPLAY QT_QPA_PLATFORM= "$bmfl" render --model "$bundle" "$@"; }

for format in png tif svg pdf; do
  render --image photo.png --out "figure.$format" --size 900x600 --dpi 150 > out 2> err \
    || fail "$format: exit $?: $(cat err)"
  grep -q "^wrote figure.$format (900x600 px, 150 dpi)" out || fail "$format: not said: $(cat out)"
done
# One view, another surface, no borders, a given range: still a figure.
render --image photo.png --out single.png --view dorsal --surface pial --atlas none \
  --range -1,1 --size 600x400 --dpi 100 > out 2> err || fail "single view: exit $?: $(cat err)"

"$python" - "$checksum" <<'EOF' || fail "a figure file is wrong"
import sys
import xml.etree.ElementTree as ET
from PIL import Image

checksum = sys.argv[1]
png = Image.open("figure.png")
assert png.size == (900, 600), png.size
assert png.text.get("Bundle manifest SHA-256") == checksum, png.text
assert "symmetric" in png.text.get("Colour range", ""), png.text
assert png.text.get("Atlas") == "benson14", png.text
assert round(png.info["dpi"][0]) == 150, png.info

tiff = Image.open("figure.tif")
assert tiff.size == (900, 600), tiff.size
description = tiff.tag_v2.get(270, "")
assert checksum in description and "Atlas: benson14" in description, description
assert round(float(tiff.tag_v2.get(282))) == 150

svg = ET.parse("figure.svg").getroot()
assert svg.tag.endswith("svg"), svg.tag
assert svg.get("viewBox") == "0 0 900 600", svg.get("viewBox")
metadata = [e for e in svg.iter() if e.tag.endswith("metadata")]
assert len(metadata) == 1, "no <metadata>"
assert checksum in ET.tostring(metadata[0], encoding="unicode"), "no checksum in <metadata>"
# The colour bar and text stay vectors: text elements and gradient fills.
assert any(e.tag.endswith("text") for e in svg.iter()), "no text in the SVG"

pdf = open("figure.pdf", "rb").read()
assert pdf.startswith(b"%PDF-"), pdf[:8]
assert checksum.encode() in pdf, "no checksum in the PDF's XMP"
assert b"/MediaBox [0 0 432" in pdf, "the page is not 900 / 150 * 72 = 432 points wide"

single = Image.open("single.png")
assert single.size == (600, 400), single.size
assert single.text.get("Atlas") == "none" and single.text.get("Colour range") == "-1 to 1", single.text
EOF

# Errors: one line naming the file, exit 1.
one_line_error() { # expected-pattern, then the render arguments
  local pattern="$1"
  shift
  set +e
  render "$@" > out 2> err
  local status=$?
  set -e
  [[ $status -eq 1 ]] || fail "exit $status (not 1) for $*: $(cat err)"
  [[ "$(wc -l < err)" -eq 1 ]] || fail "not one line for $*: $(cat err)"
  grep -q -- "$pattern" err || fail "no '$pattern' in: $(cat err)"
}
one_line_error "figure.bmp: unknown figure format" --image photo.png --out figure.bmp
one_line_error "missing.png" --image missing.png --out figure2.png
[[ ! -e figure2.png && ! -e figure.bmp ]] || fail "a figure was written after an error"
echo PASS
