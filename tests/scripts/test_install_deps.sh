#!/usr/bin/env bash
# Tests scripts/install-deps.sh without touching the system: dpkg-query, apt-get, id and sudo are
# replaced by stand-ins on PATH, and the package list by a temporary one.
set -euo pipefail
script="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/scripts"
cp "$script" "$work/scripts/install-deps.sh"
printf '# comment\npresent-pkg\n\nmissing-pkg   # trailing comment\n' > "$work/scripts/debian-packages.txt"

cat > "$work/bin/dpkg-query" <<'STUB'
#!/usr/bin/env bash
pkg="${@: -1}"
if [[ "$pkg" == present-pkg ]] || grep -qx "$pkg" "$STUB_DIR/installed" 2>/dev/null; then
  echo -n "install ok installed"
else
  exit 1
fi
STUB
cat > "$work/bin/apt-get" <<'STUB'
#!/usr/bin/env bash
echo "apt-get $*" >> "$STUB_DIR/apt.log"
if [[ "$1" == install ]]; then
  for arg in "$@"; do [[ "$arg" == *-pkg ]] && echo "$arg" >> "$STUB_DIR/installed"; done
fi
exit 0
STUB
cat > "$work/bin/id" <<'STUB'
#!/usr/bin/env bash
echo "$STUB_UID"
STUB
cat > "$work/bin/sudo" <<'STUB'
#!/usr/bin/env bash
[[ "$STUB_SUDO" == yes ]] || exit 1
[[ "$1" == -n ]] && shift
[[ $# -eq 1 && "$1" == true ]] && exit 0
exec "$@"
STUB
chmod +x "$work/bin/"*
export PATH="$work/bin:$PATH" STUB_DIR="$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

# Not root, no sudo: a clear message naming the missing package, exit 1, nothing installed.
if STUB_UID=1000 STUB_SUDO=no "$work/scripts/install-deps.sh" > "$work/out" 2>&1; then
  fail "expected failure without root or sudo"
fi
grep -q "not root and sudo is not available" "$work/out" || fail "no clear message: $(cat "$work/out")"
grep -q "apt-get install -y missing-pkg" "$work/out" || fail "does not name the package"
[[ ! -e "$work/apt.log" ]] || fail "apt-get ran without privileges"

# Root: installs exactly the missing package.
STUB_UID=0 STUB_SUDO=no "$work/scripts/install-deps.sh" > "$work/out" 2>&1 || fail "root install failed: $(cat "$work/out")"
grep -q "apt-get install -y -qq missing-pkg" "$work/apt.log" || fail "wrong install line: $(cat "$work/apt.log")"
grep -q "present-pkg" "$work/apt.log" && fail "reinstalled a present package"

# Idempotent: a second run finds everything and calls apt-get no more.
lines_before="$(wc -l < "$work/apt.log")"
STUB_UID=1000 STUB_SUDO=no "$work/scripts/install-deps.sh" > "$work/out" 2>&1 || fail "second run failed"
grep -q "all 2 Debian packages are installed" "$work/out" || fail "unexpected: $(cat "$work/out")"
[[ "$(wc -l < "$work/apt.log")" == "$lines_before" ]] || fail "apt-get ran again"

# Not root but passwordless sudo: installs through sudo.
rm -f "$work/installed" "$work/apt.log"
STUB_UID=1000 STUB_SUDO=yes "$work/scripts/install-deps.sh" > "$work/out" 2>&1 || fail "sudo install failed: $(cat "$work/out")"
grep -q "apt-get install -y -qq missing-pkg" "$work/apt.log" || fail "sudo path did not install"
echo "install-deps.sh: 4 scenarios passed"
