#!/bin/sh
# Runs a command that must exit 0 (or the status given with --status) and print a line matching an
# extended regular expression.
# usage: expect_output.sh [--status N] REGEX COMMAND [ARGS...]
set -u
expected=0
if [ "$1" = "--status" ]; then
  expected=$2
  shift 2
fi
pattern=$1
shift
output=$("$@" 2>&1)
status=$?
if [ "$status" -ne "$expected" ]; then
  printf '%s\n' "$output"
  echo "FAIL: exit $status (expected $expected) from: $*"
  exit 1
fi
if ! printf '%s\n' "$output" | grep -Eq -- "$pattern"; then
  printf '%s\n' "$output"
  echo "FAIL: no line matches '$pattern'"
  exit 1
fi
echo "PASS"
