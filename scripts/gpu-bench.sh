#!/usr/bin/env bash
# The GPU path on a machine with a CUDA PyTorch (issue #13): builds the core and bmfl (no GUI)
# against that PyTorch's LibTorch, then runs `bmfl bench model --device cuda` for ViT-S/14 and
# ViT-B/14 at 224 px in bf16 and fp32, and writes a Markdown section for BENCHMARKS.md (the GPU
# named, every number from the runs, each run's results against the CPU's fp32 with its
# tolerance). One script, sized to fit a short device lease.
#
# usage: scripts/gpu-bench.sh --prepare     on a Debian 12 machine with apt: downloads the core's
#                                           small build dependencies into .gpu-deps/ (ignored by
#                                           git), for a GPU machine that has no package registry
#        scripts/gpu-bench.sh [OUT.md]      on the GPU machine (env: PYTHON, BMFL_GPU_BUILD_DIR,
#                                           BMFL_JOBS, REPEATS)
#
# The GPU machine needs cmake, ninja, a C++ compiler, a CUDA toolkit matching its PyTorch, and the
# core's libraries: zlib, OpenSSL's libcrypto, nlohmann-json and CLI11. Those it lacks are taken
# from .gpu-deps/ when it is there (carry it along), unpacked into a folder of the build. OpenCV
# is optional: without it the bench leaves out the image path and the latency from file.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fail() { echo "gpu-bench: $*" >&2; exit 1; }
deps_dir="$root/.gpu-deps"

if [[ "${1:-}" == "--prepare" ]]; then
  # Headers and the two small libraries (with their runtime packages, so that the development
  # links resolve inside the unpacked folder).
  packages=(nlohmann-json3-dev libcli11-dev libssl-dev libssl3 zlib1g-dev zlib1g)
  mkdir -p "$deps_dir"
  sandbox=(); [[ $EUID -eq 0 ]] && sandbox=(-o APT::Sandbox::User=root) # no _apt user writes here
  (cd "$deps_dir" && apt-get "${sandbox[@]}" download "${packages[@]}") || fail "apt-get download failed"
  echo "gpu-bench: $(ls "$deps_dir"/*.deb | wc -l) packages in $deps_dir;" \
    "carry .gpu-deps to the GPU machine and run scripts/gpu-bench.sh there" >&2
  exit 0
fi

out="${1:-$root/BENCHMARKS-gpu.md}"
python="${PYTHON:-python3}"
build="${BMFL_GPU_BUILD_DIR:-$root/build-gpu}"
jobs="${BMFL_JOBS:-$(nproc)}"
repeats="${REPEATS:-5}"

prefix="$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')" \
  || fail "$python has no torch"
"$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' \
  || fail "$python's torch sees no CUDA device"
gpu="$("$python" -c 'import torch; print(torch.cuda.get_device_name(0))')"
cuda="$("$python" -c 'import torch; print(torch.version.cuda, torch.__version__)')"

# Carried dependencies: each .deb unpacked into one folder that CMake searches first.
search_path="$prefix"
cmake_extra=()
if compgen -G "$deps_dir/*.deb" > /dev/null; then
  unpacked="$build-deps"
  mkdir -p "$unpacked"
  members="$(mktemp -d)"
  for deb in "$deps_dir"/*.deb; do
    if command -v dpkg-deb > /dev/null; then
      dpkg-deb -x "$deb" "$unpacked"
    else # a .deb is an ar archive holding data.tar.*
      member="$(ar t "$deb" | grep '^data\.tar')"
      (cd "$members" && ar x "$deb" "$member") && tar -xf "$members/$member" -C "$unpacked"
    fi
  done
  rm -rf "$members"
  search_path="$prefix;$unpacked/usr"
  cmake_extra+=(-DOPENSSL_ROOT_DIR="$unpacked/usr" -DZLIB_ROOT="$unpacked/usr")
  # Debian keeps OpenSSL's configuration headers in the multiarch folder, which the compiler
  # searches by itself only under /usr.
  multiarch="$unpacked/usr/include/$(gcc -print-multiarch 2> /dev/null || echo x86_64-linux-gnu)"
  [[ -d "$multiarch" ]] && cmake_extra+=(-DCMAKE_CXX_FLAGS="-isystem $multiarch")
  echo "gpu-bench: build dependencies from $deps_dir unpacked into $unpacked" >&2
fi

# The standard (C++17, or C++20 for PyTorch 2.12 on) and the ABI come from the LibTorch found.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBMFL_BUILD_GUI=OFF \
  -DBMFL_BUILD_TESTS=OFF -DCMAKE_PREFIX_PATH="$search_path" "${cmake_extra[@]}" \
  > "$build.configure.log" 2>&1 \
  || { tail -40 "$build.configure.log" >&2; fail "configure failed (log: $build.configure.log)"; }
if ! grep -q '^OpenCV_DIR:PATH=.*[^-]$' "$build/CMakeCache.txt" \
  || grep -q '^OpenCV_DIR:PATH=.*NOTFOUND' "$build/CMakeCache.txt"; then
  echo "gpu-bench: no OpenCV here: the bench leaves out the image path and the latency from file" >&2
fi
cmake --build "$build" -j "$jobs" --target bmfl-launcher > "$build.build.log" 2>&1 \
  || { grep -m 20 -E 'error|Error' "$build.build.log" >&2 || tail -30 "$build.build.log" >&2
       fail "build failed (log: $build.build.log)"; }
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
    # Each finished part is kept at once: a lease that ends mid-run still returns what ran.
    cp "$scratch/section.md" "$out"
  done
done
echo "gpu-bench: wrote $out" >&2
