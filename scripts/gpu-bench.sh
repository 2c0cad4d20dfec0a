#!/usr/bin/env bash
# The GPU path on a machine with a CUDA PyTorch (issue #13): builds the core and bmfl (no GUI)
# against that PyTorch's LibTorch, then runs `bmfl bench model --device cuda` for ViT-S/14 and
# ViT-B/14 at 224 px in bf16 and fp32, and writes a Markdown section for BENCHMARKS.md (the GPU
# named, every number from the runs). One script, sized to fit a short device lease. Needs
# cmake, ninja, a C++17 compiler and the core's Debian packages (scripts/debian-packages.txt,
# OpenCV included; no Qt or VTK).
# usage: scripts/gpu-bench.sh [OUT.md]     (env: PYTHON, BMFL_GPU_BUILD_DIR, BMFL_JOBS, REPEATS)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/BENCHMARKS-gpu.md}"
python="${PYTHON:-python3}"
build="${BMFL_GPU_BUILD_DIR:-$root/build-gpu}"
jobs="${BMFL_JOBS:-$(nproc)}"
repeats="${REPEATS:-5}"
fail() { echo "gpu-bench: $*" >&2; exit 1; }

prefix="$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')" \
  || fail "$python has no torch"
"$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' \
  || fail "$python's torch sees no CUDA device"
gpu="$("$python" -c 'import torch; print(torch.cuda.get_device_name(0))')"
cuda="$("$python" -c 'import torch; print(torch.version.cuda, torch.__version__)')"

# PyTorch's wheels are built with the pre-C++11 ABI: CMake takes it from TorchConfig.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBMFL_BUILD_GUI=OFF \
  -DBMFL_BUILD_TESTS=OFF -DCMAKE_PREFIX_PATH="$prefix" > "$build.configure.log" 2>&1 \
  || { tail -30 "$build.configure.log" >&2; fail "configure failed (log: $build.configure.log)"; }
# `bmfl bench` decodes pictures (latency, the image path): it needs the images room, i.e. OpenCV.
grep -q '^OpenCV_DIR:PATH=.*[^-]$' "$build/CMakeCache.txt" && ! grep -q '^OpenCV_DIR:PATH=.*NOTFOUND' \
  "$build/CMakeCache.txt" || fail "OpenCV not found: install libopencv-dev (bmfl bench needs it)"
cmake --build "$build" -j "$jobs" --target bmfl-launcher > "$build.build.log" 2>&1 \
  || { tail -30 "$build.build.log" >&2; fail "build failed (log: $build.build.log)"; }
bmfl="$build/bin/bmfl"
[[ -x "$bmfl" ]] || bmfl="$(find "$build" -name bmfl -type f -perm -u+x | head -1)"
[[ -x "$bmfl" ]] || fail "no bmfl in $build"
"$bmfl" runtime || true

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
{
  echo "## GPU: $gpu"
  echo
  echo "Written by \`scripts/gpu-bench.sh\` on $(date -u +%Y-%m-%dT%H:%M:%SZ): CUDA and PyTorch $cuda,"
  echo "LibTorch from \`$prefix\`; each table below is \`bmfl bench model\`'s own report."
  echo "Published anchors at 256 patches: ViT-S about 3,200 img/s eager and 5,500 compiled on an"
  echo "RTX 4090, 8,600 with bf16 on an RTX PRO 6000."
} > "$scratch/section.md"
for arch in vits14 vitb14; do
  for precision in bf16 fp32; do
    echo "gpu-bench: $arch $precision" >&2
    "$bmfl" bench model --device cuda --arch "$arch" --precision "$precision" --batch 1,16,64 \
      --python "$(command -v "$python")" \
      --repeats "$repeats" --markdown "$scratch/$arch-$precision.md" \
      --json "$scratch/$arch-$precision.json" >&2 || fail "bench $arch $precision failed"
    {
      echo
      echo "### $arch, $precision"
      echo
      # The report's own tables and lines, its title dropped; headings one level down.
      sed -e '1d' -e 's/^## /#### /' "$scratch/$arch-$precision.md"
    } >> "$scratch/section.md"
  done
done
cp "$scratch/section.md" "$out"
echo "gpu-bench: wrote $out" >&2
