#!/bin/sh
# Runs a command that must exit 0 and print a line matching an extended regular expression.
# usage: expect_output.sh REGEX COMMAND [ARGS...]
set -u
pattern=$1
shift
output=$("$@" 2>&1)
status=$?
if [ "$status" -ne 0 ]; then
  printf '%s\n' "$output"
  echo "FAIL: exit $status from: $*"
  exit 1
fi
if ! printf '%s\n' "$output" | grep -Eq -- "$pattern"; then
  printf '%s\n' "$output"
  echo "FAIL: no line matches '$pattern'"
  exit 1
fi
echo "PASS"
