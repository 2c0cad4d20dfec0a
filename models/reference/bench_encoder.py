#!/usr/bin/python3
"""The Python side of `bmfl bench model`: the DINOv2 encoder of dinov2_reference.py in eager
PyTorch (Debian's python3-torch), timed as the C++ encoder is: random weights, random 224 px
inputs, forwards under torch.inference_mode. `bmfl bench model` keeps it running and asks for
one forward at a time between its own, so both are measured side by side, round by round.

Usage: /usr/bin/python3 bench_encoder.py DIM HEADS DEPTH THREADS
Prints "ready" once the model is built, then reads one batch size per line and answers each with
"seconds S": one forward of that many images (made once per batch size), timed alone.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from dinov2_reference import VisionTransformer  # noqa: E402


def main() -> int:
    if len(sys.argv) != 5:
        print(next(line for line in __doc__.splitlines() if line.startswith("Usage:")),
              file=sys.stderr)
        return 2
    dim, heads, depth, threads = (int(value) for value in sys.argv[1:5])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = VisionTransformer(dim=dim, depth=depth, heads=heads, patch=14, grid=37, registers=0,
                              offset=0.1, antialias=False).eval()
    images = {}
    print("ready", flush=True)
    with torch.inference_mode():
        for line in sys.stdin:
            batch = int(line)
            if batch not in images:
                images[batch] = torch.randn(batch, 3, 224, 224)
            start = time.perf_counter()
            model(images[batch])
            print("seconds %.6f" % (time.perf_counter() - start), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
