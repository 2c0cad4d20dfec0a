#!/usr/bin/python3
"""The Python side of `bmfl bench model`: the DINOv2 encoder of dinov2_reference.py in eager
PyTorch (Debian's python3-torch), timed as the C++ encoder is: random weights, random 224 px
inputs, one untimed warm-up, then timed forwards under torch.inference_mode.

Usage: /usr/bin/python3 bench_encoder.py DIM HEADS DEPTH THREADS REPEATS BATCH [BATCH ...]
Prints one line per batch: "batch B seconds S1 S2 ..." (one timed forward per value).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from dinov2_reference import VisionTransformer  # noqa: E402


def main() -> int:
    if len(sys.argv) < 7:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    dim, heads, depth, threads, repeats = (int(value) for value in sys.argv[1:6])
    batches = [int(value) for value in sys.argv[6:]]
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = VisionTransformer(dim=dim, depth=depth, heads=heads, patch=14, grid=37, registers=0,
                              offset=0.1, antialias=False).eval()
    with torch.inference_mode():
        for batch in batches:
            images = torch.randn(batch, 3, 224, 224)
            model(images)
            runs = repeats * (4 if batch == 1 else 1)
            seconds = []
            for _ in range(runs):
                start = time.perf_counter()
                model(images)
                seconds.append(time.perf_counter() - start)
            print("batch %d seconds %s" % (batch, " ".join("%.6f" % s for s in seconds)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
