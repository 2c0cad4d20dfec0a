#!/usr/bin/env bash
# `bmfl inspect` on the data files and folders it knows, made here with NumPy, and on hostile
# ones: each good one reported with its key numbers, each bad one refused with exit 1 and exactly
# one line naming it, quickly (a hang or huge allocation would trip the timeout).
set -euo pipefail
bmfl="$1"
python="$2"
resources="$3"
demo_bundle="$4"
"$python" -c 'import numpy, PIL' 2>/dev/null ||
  { echo "python3 with numpy and Pillow not available"; [ "${CI:-}" = true ] && exit 1; exit 77; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

"$python" - "$demo_bundle" <<'PY'
import numpy as np, os, struct, zlib
FS = 163842
np.save('fmri_like.npy', np.linspace(-2, 3, 60, dtype=np.float32).reshape(6, 10))
np.save('big_endian.npy', np.arange(5, dtype='>i2'))
np.save('object.npy', np.array([{'a': 1}], dtype=object), allow_pickle=True)
# A header claiming 10^12 float64 values over 80 bytes of data.
header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }"
header += b' ' * (64 - (10 + len(header) + 1) % 64) + b'\n'
open('huge_claim.npy', 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header + bytes(80))
open('truncated.npy', 'wb').write(open('fmri_like.npy', 'rb').read()[:150])

def png(path, width=3, height=2):
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    raw = (b'\x00' + b'\x10\x20\x30' * width) * height
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0))
                           + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
png('photo.png', 7, 5)
open('truncated.png', 'wb').write(open('photo.png', 'rb').read()[:20])

# Images whose header is sound but whose data are not: each decodes only in part.
from PIL import Image
import gzip
noise = np.random.default_rng(5).integers(0, 256, (64, 80, 3), dtype=np.uint8)
Image.fromarray(noise).save('noise.png')
whole = open('noise.png', 'rb').read()
open('cut_in_data.png', 'wb').write(whole[:len(whole) * 3 // 5])
idat = whole.index(b'IDAT')
crc_at = idat + 4 + struct.unpack('>I', whole[idat - 4:idat])[0]
open('bad_crc.png', 'wb').write(whole[:crc_at] + bytes(b ^ 0xFF for b in whole[crc_at:crc_at + 4])
                                + whole[crc_at + 4:])
Image.fromarray(noise).save('noise.jpg', quality=90)
whole = open('noise.jpg', 'rb').read()
open('cut_in_data.jpg', 'wb').write(whole[:len(whole) * 3 // 5])
Image.fromarray(noise[:5, :7]).save('photo.tif')
Image.fromarray(noise[:5, :7]).save('photo.webp', lossless=True)

# IDX as Fashion-MNIST ships it (gzipped) and as a plain file; an MGH file named .gz stays MGH.
def idx(values):
    return bytes([0, 0, 8, values.ndim]) + b''.join(struct.pack('>I', d) for d in values.shape) + values.tobytes()
images = (np.arange(3 * 4 * 5) % 200).astype(np.uint8).reshape(3, 4, 5)
open('images-idx3-ubyte.gz', 'wb').write(gzip.compress(idx(images)))
open('labels-idx1-ubyte', 'wb').write(idx(np.array([0, 9, 4], np.uint8)))
open('cut-idx3-ubyte.gz', 'wb').write(gzip.compress(idx(images)[:40]))

# FreeSurfer annotation: 4 vertices, version-2 colour table with 2 entries.
def i32(*values):
    return b''.join(struct.pack('>i', v) for v in values)
def name(text):
    return i32(len(text) + 1) + text.encode() + b'\0'
annot = i32(4) + i32(0, 0, 1, 255, 2, 255, 3, 99) + i32(1, -2, 2) + name('lut') + i32(2)
annot += i32(0) + name('unknown') + i32(0, 0, 0, 0) + i32(1) + name('V1') + i32(255, 0, 0, 0)
open('lh.test.annot', 'wb').write(annot)
open('lh.hostile.annot', 'wb').write(i32(2000000000) + bytes(16))

for c in ['cat', 'dog', 'owl']:
    os.makedirs('dataset/' + c)
    for i in range(3 if c != 'owl' else 2):
        png(f'dataset/{c}/{i}.png')
# A manifest with a bundle's "format" and "version" but nothing else, and one cut in half.
os.makedirs('bundle')
open('bundle/manifest.json', 'w').write('{\n  "format": "bmfl-bundle",\n  "version": 1,\n  "classes": []\n}\n')
import shutil, sys
shutil.copytree(sys.argv[1], 'halfcut_bundle', ignore=shutil.ignore_patterns('ablations', '*.md'))
manifest = open('halfcut_bundle/manifest.json', 'rb').read()
open('halfcut_bundle/manifest.json', 'wb').write(manifest[:len(manifest) // 2])
os.makedirs('empty_folder')

def subject(root, columns=4):
    s = root + '/subj05'
    os.makedirs(s + '/training_split/training_fmri'); os.makedirs(s + '/training_split/training_images')
    os.makedirs(s + '/roi_masks')
    for h, idx in {'lh': [1, 5, 9, 20000], 'rh': [2, 3, 4]}.items():
        mask = np.zeros(FS, np.int32); mask[idx] = 1
        np.save(f'{s}/roi_masks/{h}.all-vertices_fsaverage_space.npy', mask)
        np.save(f'{s}/training_split/training_fmri/{h}_training_fmri.npy',
                np.zeros((2, len(idx) if h == 'rh' else columns), np.float32))
        np.save(f'{s}/roi_masks/{h}.streams_challenge_space.npy', np.arange(len(idx), dtype=np.int32))
    for i in range(2):
        png(f'{s}/training_split/training_images/train-{i + 1:04d}_nsd-{i:05d}.png')
subject('good')
subject('bad', columns=3)
PY

expect_line() {
  local pattern="$1"; shift
  local out
  out="$("$bmfl" inspect "$@")" || { echo "FAIL: bmfl inspect $* exited $?" >&2; exit 1; }
  grep -qE -- "$pattern" <<< "$out" || { echo "FAIL: '$pattern' not in: $out" >&2; exit 1; }
  echo "ok: $out"
}
expect_line "fmri_like.npy: NumPy array \(.npy 1.0\), float32, shape 6 x 10, range \[-2, 3\]" fmri_like.npy
expect_line "int16 big-endian, shape 5, range \[0, 4\]" big_endian.npy
expect_line "photo.png: image \(PNG\), 7 x 5, 3 channel" photo.png
expect_line "FreeSurfer annotation, 4 vertices, 2 labels in the colour table \(2 used\), 1 vertices unlabelled" lh.test.annot
expect_line "dataset: image dataset \(class folders\), 3 classes, 8 images" dataset
expect_line "demo: BMFL model bundle, format bmfl-bundle, version 1, 10 classes, .*weights files checked" \
  "$demo_bundle"
expect_line "photo.tif: image \(TIFF\), 7 x 5, 3 channel\(s\), 8 bits" photo.tif
expect_line "photo.webp: image \(WebP\), 7 x 5, 3 channel" photo.webp
expect_line "noise.jpg: image \(JPEG\), 80 x 64, 3 channel" noise.jpg
expect_line "images-idx3-ubyte.gz: IDX array \(gzip-compressed\), unsigned byte, shape 3 x 4 x 5, range \[0, 59\]" \
  images-idx3-ubyte.gz
expect_line "labels-idx1-ubyte: IDX array, unsigned byte, shape 3, range \[0, 9\]" labels-idx1-ubyte
cp "$resources/atlases/neuropythy/fsaverage/surf/rh.benson14_varea.v4_0.mgz" varea.mgh.gz
expect_line "varea.mgh.gz: label map \(MGH/MGZ\), 163842 vertices" varea.mgh.gz
debian_labels=/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz
if [[ -f "$debian_labels" ]]; then
  expect_line "IDX array \(gzip-compressed\), unsigned byte, shape 10000, range \[0, 9\]" "$debian_labels"
fi
mkfifo fifo
expect_line "good/subj05: Algonauts 2023 subject subj05, 2 training images, 0 test images, 4 \+ 3 fsaverage vertices \(left \+ right\), ROI classes: streams" good/subj05
expect_line "label map \(MGH/MGZ\), 163842 vertices, 13 distinct labels, range \[0, 12\]" \
  "$resources/atlases/neuropythy/fsaverage/surf/rh.benson14_varea.v4_0.mgz"

for bad in object.npy huge_claim.npy truncated.npy truncated.png lh.hostile.annot empty_folder \
           bad/subj05 missing.npy cut_in_data.png bad_crc.png cut_in_data.jpg cut-idx3-ubyte.gz \
           bundle halfcut_bundle fifo; do
  set +e
  timeout 30 "$bmfl" inspect "$bad" > out.txt 2> err.txt
  status=$?
  set -e
  [[ $status -eq 1 ]] || { echo "FAIL: $bad: exit $status: $(cat err.txt)" >&2; exit 1; }
  [[ "$(wc -l < err.txt)" -eq 1 ]] || { echo "FAIL: $bad: not one line: $(cat err.txt)" >&2; exit 1; }
  grep -qF "$bad" err.txt || { echo "FAIL: $bad: not named: $(cat err.txt)" >&2; exit 1; }
  [[ ! -s out.txt ]] || { echo "FAIL: $bad: printed a report: $(cat out.txt)" >&2; exit 1; }
  echo "refused: $(cat err.txt)"
done
grep -q "rh_training_fmri.npy\|lh_training_fmri.npy" <("$bmfl" inspect bad/subj05 2>&1 || true) ||
  { echo "FAIL: the mismatched fMRI file is not named" >&2; exit 1; }
echo "bmfl inspect: data files reported, hostile ones refused with one line each"
