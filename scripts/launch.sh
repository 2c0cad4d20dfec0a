#!/usr/bin/env bash
# One command for users: installs missing Debian packages, builds, and launches
# bmfl-workbench on the embedded default. Arguments go to bmfl-workbench.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"

if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
  echo "launch: no display found; starting bmfl-workbench under xvfb-run (nothing will be visible)." >&2
  exec xvfb-run -a -s "-screen 0 1920x1080x24" "${BMFL_BUILD_DIR:-$root/build}/bin/bmfl-workbench" "$@"
fi
exec "${BMFL_BUILD_DIR:-$root/build}/bin/bmfl-workbench" "$@"
