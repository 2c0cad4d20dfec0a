#!/usr/bin/env bash
# One command for developers and CI: installs missing Debian packages, builds,
# and runs the whole CTest suite (GUI and rendering tests run under xvfb-run).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BMFL_BUILD_DIR:-$root/build}"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
ctest --test-dir "$build_dir" --output-on-failure -j "${BMFL_JOBS:-2}" "$@"
