# Sourced by the command-line test scripts (tests/cli): $scratch, a temporary folder removed when
# the script exits, and `fail MESSAGE`, which prints "FAIL: MESSAGE" and exits 1.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}
