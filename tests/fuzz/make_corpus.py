#!/usr/bin/python3
"""Writes the seed corpus of the parser fuzzers: small valid files of every format and a few
malformed ones. Run with a python3 that has numpy and Pillow:  /usr/bin/python3 make_corpus.py
The output (corpus/<parser>/) is kept in the repository; rerunning rewrites it identically."""
import gzip
import io
import os
import struct
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def put(parser, name, data):
    folder = os.path.join(here, 'corpus', parser)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), 'wb') as f:
        f.write(data)


def gz(data):
    return gzip.compress(data, mtime=0)


def i32(*values):
    return b''.join(struct.pack('>i', v) for v in values)


def f32(*values):
    return b''.join(struct.pack('>f', v) for v in values)


# FreeSurfer triangle surface (a tetrahedron) and curv file.
surface = (b'\xff\xff\xfe' + b'created by bmfl fuzz corpus\n\n' + i32(4, 4)
           + f32(0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1) + i32(0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 3))
curv = b'\xff\xff\xff' + i32(4, 4, 1) + f32(-0.5, 0.25, 1.5, 0)
put('freesurfer', 'tetra.surf', surface)
put('freesurfer', 'tetra.curv', curv)
put('freesurfer', 'bad_index.surf', surface[:-4] + i32(9))
put('freesurfer', 'short.curv', curv[:-6])

# MGH: 5 vertices x 1 x 1 x 2 frames of float, a uchar label map, a short map.
def mgh(values, kind, frames=1):
    codes = {'uchar': (0, '>u1'), 'int': (1, '>i4'), 'float': (3, '>f4'), 'short': (4, '>i2')}
    code, dtype = codes[kind]
    width = len(values) // frames
    header = i32(1, width, 1, 1, frames, code, 1) + b'\0' * (284 - 28)
    return header + np.asarray(values, dtype=dtype).tobytes()
put('mgh', 'float2.mgh', mgh([0.5, 1, -2, 3, 4, 5, 6, 7, 8, 9], 'float', 2))
put('mgh', 'labels.mgh', mgh([0, 1, 1, 2, 12], 'uchar'))
put('mgh', 'short.mgh', mgh([-3, 0, 3], 'short'))
put('mgh', 'int.mgh', mgh([7, 8], 'int'))
put('mgh', 'truncated.mgh', mgh([0.5, 1, -2, 3], 'float')[:-3])

# GIFTI: a surface (ASCII data) and a map (base64 of gzip data), as small as GIFTI allows.
def gifti(arrays):
    text = ['<?xml version="1.0" encoding="UTF-8"?>',
            '<GIFTI Version="1.0" NumberOfDataArrays="%d">' % len(arrays)]
    for intent, dtype, dims, encoding, data in arrays:
        dim_text = ' '.join('Dim%d="%d"' % (i, d) for i, d in enumerate(dims))
        text.append('<DataArray Intent="%s" DataType="%s" ArrayIndexingOrder="RowMajorOrder" '
                    'Dimensionality="%d" %s Encoding="%s" Endian="LittleEndian" '
                    'ExternalFileName="" ExternalFileOffset="">' % (intent, dtype, len(dims), dim_text, encoding))
        text.append('<Data>%s</Data></DataArray>' % data)
    text.append('</GIFTI>')
    return '\n'.join(text).encode()
import base64, zlib
points = ' '.join(str(v) for v in [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1])
faces = ' '.join(str(v) for v in [0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 3])
mesh = gifti([('NIFTI_INTENT_POINTSET', 'NIFTI_TYPE_FLOAT32', (4, 3), 'ASCII', points),
              ('NIFTI_INTENT_TRIANGLE', 'NIFTI_TYPE_INT32', (4, 3), 'ASCII', faces)])
values = base64.b64encode(zlib.compress(np.array([0.5, -1, 2, 3], '<f4').tobytes())).decode()
shape = gifti([('NIFTI_INTENT_SHAPE', 'NIFTI_TYPE_FLOAT32', (4,), 'GZipBase64Binary', values)])
put('gifti', 'tetra.surf.gii', mesh)
put('gifti', 'shape.func.gii', shape)
put('gifti', 'truncated.gii', mesh[:len(mesh) // 2])

# The same through the file readers, gzipped (the .gii.gz and .mgz that users have).
put('surface_file', 'tetra.surf.gii.gz', gz(mesh))
put('surface_file', 'float2.mgz', gz(mgh([0.5, 1, -2, 3, 4, 5, 6, 7, 8, 9], 'float', 2)))
put('surface_file', 'tetra.surf.gz', gz(surface))
put('surface_file', 'truncated.mgz', gz(mgh([1, 2, 3, 4], 'float'))[:-10])

# FreeSurfer .annot, version-2 and old colour tables.
def name(text):
    return i32(len(text) + 1) + text.encode() + b'\0'
pairs = i32(4) + i32(0, 0, 1, 255, 2, 255 << 8, 3, 99)
annot2 = (pairs + i32(1, -2, 3) + name('lut.txt') + i32(3)
          + i32(0) + name('unknown') + i32(0, 0, 0, 0)
          + i32(1) + name('V1') + i32(255, 0, 0, 0)
          + i32(2) + name('V2') + i32(0, 255, 0, 0))
annot_old = (pairs + i32(1, 2) + name('lut.txt') + name('unknown') + i32(0, 0, 0, 0)
             + name('V1') + i32(255, 0, 0, 0))
put('annot', 'v2.annot', annot2)
put('annot', 'old.annot', annot_old)
put('annot', 'no_table.annot', pairs + i32(0))

# .npy in every supported type, order and version, and refused ones.
def npy(array, version=(1, 0), fortran=False):
    from numpy.lib import format as fmt
    buffer = io.BytesIO()
    fmt.write_array(buffer, np.asfortranarray(array) if fortran else array, version=version,
                    allow_pickle=True)
    return buffer.getvalue()
grid = np.arange(12, dtype='<f4').reshape(3, 4) / 4
put('npy', 'f4.npy', npy(grid))
put('npy', 'f8_big.npy', npy(grid.astype('>f8')))
put('npy', 'fortran.npy', npy(grid, fortran=True))
put('npy', 'v2.npy', npy(grid.astype('<i4'), (2, 0)))
put('npy', 'v3.npy', npy(grid.astype('<i8'), (3, 0)))
put('npy', 'u1.npy', npy(np.array([0, 1, 255], 'u1')))
put('npy', 'i2_big.npy', npy(np.array([-3, 3], '>i2')))
put('npy', 'bool.npy', npy(np.array([True, False])))
put('npy', 'scalar.npy', npy(np.array(2.5)))
put('npy', 'empty.npy', npy(np.zeros((0, 3), '<f4')))
put('npy', 'object.npy', npy(np.array([{'1': 'V1v'}], dtype=object)))
put('npy', 'truncated.npy', npy(grid)[:-5])

# Image headers.
from PIL import Image
picture = Image.fromarray(np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3))
for fmt_name, mode, ext in [('PNG', 'RGB', 'png'), ('PNG', 'LA', 'png'), ('JPEG', 'RGB', 'jpg'),
                            ('JPEG', 'L', 'jpg'), ('BMP', 'RGB', 'bmp')]:
    buffer = io.BytesIO()
    picture.convert(mode).save(buffer, fmt_name)
    put('image_header', '%s_%s.%s' % (fmt_name.lower(), mode, ext), buffer.getvalue())

# IDX (Fashion-MNIST layout): 2 images of 3 x 3 and their labels, plain and gzipped.
idx_images = bytes([0, 0, 8, 3]) + i32(2, 3, 3) + bytes(range(18))
put('idx', 'images.idx3', idx_images)
put('idx', 'labels.idx1.gz', gz(bytes([0, 0, 8, 1]) + i32(2) + bytes([3, 9])))
put('idx', 'truncated.idx3', idx_images[:-4])

# JSON: a bundle manifest-like text.
put('json', 'manifest.json', b'{"format": "bmfl-bundle", "version": 1, "classes": ["a", "\\u00e9"], '
                             b'"x": [1.5e3, -0, true, false, null, {"k": []}]}')
put('json', 'bad.json', b'{"format": "bmfl-bundle", "version": 1,}')

# Inputs that found bugs (kept as regression seeds): an .annot colour-table "version" of INT_MIN
# (its negation overflowed) and a version-2 table size of INT_MIN (size - 1 overflowed).
put('annot', 'found-version-int-min.annot', pairs + i32(1, -2147483648))
put('annot', 'found-table-size-int-min.annot', pairs + i32(1, -2, -2147483648) + name('lut') + i32(1)
    + i32(5) + name('x') + i32(1, 1, 1, 0))
