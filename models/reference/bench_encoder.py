#!/usr/bin/python3
"""The Python side of `bmfl bench model`: the DINOv2 encoder of dinov2_reference.py in eager
PyTorch (Debian's python3-torch), timed as the C++ encoder is: random weights, random 224 px
inputs, attention through PyTorch 2's fused kernel where the torch has one (as the C++ encoder
built against PyTorch 2), forwards under torch.inference_mode, on the same device and
(bf16/fp16) under the same autocast. `bmfl bench model` keeps it running and asks for one
forward at a time between its own, so both are measured side by side, round by round.

Usage: /usr/bin/python3 bench_encoder.py DIM HEADS DEPTH THREADS [DEVICE [PRECISION]]
DEVICE: cpu (default), cuda or cuda:N; PRECISION: fp32 (default), bf16 or fp16.
Prints "ready" once the model is built, then reads one batch size per line and answers each with
"seconds S": one forward of that many images (made once per batch size), timed alone (on a GPU
up to the end of its work).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import dinov2_reference  # noqa: E402
from dinov2_reference import VisionTransformer  # noqa: E402


def fused_attention(self, x):
    """The reference's attention through PyTorch 2's fused kernel (flash or memory-efficient
    attention on a GPU), as the C++ encoder runs it when built against PyTorch 2."""
    batch, tokens, dim = x.shape
    qkv = self.qkv(x)
    q, k, v = qkv.reshape(batch, tokens, 3, self.heads, dim // self.heads).permute(
        2, 0, 3, 1, 4).unbind(0)
    out = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(batch, tokens, dim)
    return self.proj(out), qkv[:, :, :dim]


# Like for like: the products written out where the C++ side writes them out (LibTorch 1.x).
if hasattr(F, "scaled_dot_product_attention"):
    dinov2_reference.Attention.forward = fused_attention


def main() -> int:
    if not 5 <= len(sys.argv) <= 7:
        print(next(line for line in __doc__.splitlines() if line.startswith("Usage:")),
              file=sys.stderr)
        return 2
    dim, heads, depth, threads = (int(value) for value in sys.argv[1:5])
    device = torch.device(sys.argv[5] if len(sys.argv) > 5 else "cpu")
    precision = sys.argv[6] if len(sys.argv) > 6 else "fp32"
    types = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}
    if precision not in types:
        print("unknown precision " + precision + " (fp32, bf16 or fp16)", file=sys.stderr)
        return 2
    if device.type == "cuda" and not torch.cuda.is_available():
        print("this Python's torch has no CUDA device: give a Python with a CUDA torch",
              file=sys.stderr)
        return 2
    if device.type == "cpu" and precision == "fp16":
        print("fp16 autocast needs a CUDA device (on a CPU: bf16 or fp32)", file=sys.stderr)
        return 2
    if device.type == "cuda":  # fp32 products in TF32, as the C++ engine runs them on a GPU
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = VisionTransformer(dim=dim, depth=depth, heads=heads, patch=14, grid=37, registers=0,
                              offset=0.1, antialias=False).eval().to(device)
    autocast = torch.autocast(device.type, dtype=types[precision],
                              enabled=types[precision] is not None)
    def finish():
        if device.type == "cuda":
            torch.cuda.synchronize(device)
    images = {}
    print("ready", flush=True)
    with torch.inference_mode(), autocast:
        for line in sys.stdin:
            batch = int(line)
            if batch not in images:
                images[batch] = torch.randn(batch, 3, 224, 224, device=device)
            finish()
            start = time.perf_counter()
            model(images[batch])
            finish()
            print("seconds %.6f" % (time.perf_counter() - start), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
