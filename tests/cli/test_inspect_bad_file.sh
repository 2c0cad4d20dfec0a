#!/usr/bin/env bash
# `bmfl inspect` on malformed files: exit 1 with exactly one line that names the file; a good
# file among bad ones is still reported.
set -euo pipefail
bmfl="$1"
good="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

head -c 300 "$good" > "$work/truncated_left.gii.gz"
: > "$work/empty.mgz"
printf 'not a surface at all\n' > "$work/notes.txt"

for bad in "$work/truncated_left.gii.gz" "$work/empty.mgz" "$work/notes.txt" "$work/missing.gii"; do
  set +e
  "$bmfl" inspect "$bad" > "$work/out" 2> "$work/err"
  status=$?
  set -e
  [[ $status -eq 1 ]] || { echo "FAIL: $bad: exit $status" >&2; exit 1; }
  [[ "$(wc -l < "$work/err")" -eq 1 ]] || { echo "FAIL: $bad: not one line: $(cat "$work/err")" >&2; exit 1; }
  grep -qF "$bad" "$work/err" || { echo "FAIL: $bad: file not named: $(cat "$work/err")" >&2; exit 1; }
  echo "ok: $(cat "$work/err")"
done

set +e
"$bmfl" inspect "$good" "$work/empty.mgz" > "$work/out" 2> "$work/err"
status=$?
set -e
[[ $status -eq 1 ]] || { echo "FAIL: mixed good and bad: exit $status" >&2; exit 1; }
grep -q "10242 vertices" "$work/out" || { echo "FAIL: the good file was not reported" >&2; exit 1; }
echo "bmfl inspect: malformed files rejected with one line each"
