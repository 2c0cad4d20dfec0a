#!/usr/bin/env bash
# Configures and builds BMFL Workbench (Release, Ninja, two jobs) into build/.
# Extra arguments are passed to CMake's configure step, e.g. -DBMFL_BUILD_GUI=OFF.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BMFL_BUILD_DIR:-$root/build}"
jobs="${BMFL_JOBS:-2}"

cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build_dir" -j "$jobs"
