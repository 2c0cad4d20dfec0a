#!/usr/bin/env bash
# `bmfl` option handling as a user meets it: generated --help for the tool and each command;
# every usage error (a malformed number, a negative count, an unknown option or device, an
# output that cannot be written) is one line "bmfl <command>: ..." and exit 2, before any work;
# train-demo refuses an --out that is not a bundle and leaves it as it was; a folder given as a
# checkpoint is one line and exit 1, not an abort.
set -euo pipefail
bmfl="$(realpath "$1")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bmfl" --help > "$work/out" || fail "bmfl --help exited $?"
for command in bench evaluate info inspect make-ood predict runtime train-demo; do
  grep -q "^  $command " "$work/out" || fail "bmfl --help does not list $command"
  "$bmfl" "$command" --help > "$work/help" || fail "bmfl $command --help exited $?"
  grep -q "^Usage: bmfl $command" "$work/help" || fail "bmfl $command --help: $(cat "$work/help")"
done
"$bmfl" predict --help | grep -q -- "--json" || fail "predict --help does not describe --json"

# expect_usage_error COMMAND ARGS...: exit 2 and exactly one line on stderr naming the command.
expect_usage_error() {
  set +e
  timeout 20 "$bmfl" "$@" > "$work/out" 2> "$work/err"
  local status=$?
  set -e
  [[ $status -eq 2 ]] || fail "$*: exit $status, expected 2: $(cat "$work/err")"
  [[ "$(wc -l < "$work/err")" -eq 1 ]] || fail "$*: not one line: $(cat "$work/err")"
  grep -q "^bmfl $1: " "$work/err" || fail "$*: not prefixed 'bmfl $1: ': $(cat "$work/err")"
}
mkfifo "$work/fifo"
expect_usage_error evaluate --model "$work/m" --dataset fashion-mnist:test --limit -5
expect_usage_error evaluate --model "$work/m" --dataset fashion-mnist:test --batch 12abc
expect_usage_error evaluate --model "$work/m" --dataset fashion-mnist:test --batch 0
expect_usage_error evaluate --model "$work/m" --dataset fashion-mnist:test --device gpu
expect_usage_error evaluate --model "$work/m" --dataset fashion-mnist:test --csv "$work/no/such/folder.csv"
expect_usage_error evaluate --model "$work/m" --dataset fashion-mnist:test --csv "$work/fifo"
expect_usage_error evaluate --model "$work/m"
expect_usage_error predict --model "$work/m" --top 3x "$work/a.png"
expect_usage_error predict --model "$work/m" --json "$work" "$work/a.png"
expect_usage_error predict --model "$work/m" --bogus "$work/a.png"
expect_usage_error make-ood --out "$work/o" --limit 1e3
expect_usage_error make-ood --out "$work/o" --severities 1,6
expect_usage_error make-ood --out "$work/o" --seed -1
expect_usage_error make-ood --out "$work/o" --corruptions fog,nope
expect_usage_error bench --workers many
expect_usage_error info
expect_usage_error runtime extra
expect_usage_error train-demo --quick --epochs 2.5
[[ -p "$work/fifo" ]] || fail "the FIFO was replaced"
[[ ! -e "$work/o" ]] || fail "make-ood made its folder before refusing its options"

set +e
"$bmfl" no-such-command > /dev/null 2> "$work/err"
status=$?
set -e
[[ $status -eq 2 && "$(wc -l < "$work/err")" -eq 1 ]] || fail "unknown command: exit $status: $(cat "$work/err")"

# train-demo never deletes what is not a bundle: a folder of other files, or the working folder.
mkdir "$work/keep"
echo precious > "$work/keep/notes.txt"
for out in "$work/keep" .; do
  set +e
  (cd "$work/keep" && timeout 20 "$bmfl" train-demo --quick --out "$out" > "$work/out" 2> "$work/err")
  status=$?
  set -e
  [[ $status -ne 0 && $status -ne 124 ]] || fail "train-demo --out $out: exit $status"
  [[ "$(wc -l < "$work/err")" -eq 1 ]] || fail "train-demo --out $out: not one line: $(cat "$work/err")"
  grep -q "not a model bundle" "$work/err" || fail "train-demo --out $out: $(cat "$work/err")"
  [[ "$(cat "$work/keep/notes.txt")" == precious ]] || fail "train-demo --out $out deleted the folder"
done
[[ -z "$(ls -A "$work" | grep staging)" ]] || fail "a refused train-demo left a staging folder"

# A folder or a FIFO given as a checkpoint: one line and exit 1 (it used to abort on bad_alloc,
# or block for ever in open()).
for checkpoint in "$work/keep" "$work/fifo"; do
  set +e
  timeout 20 "$bmfl" info --checkpoint "$checkpoint" > /dev/null 2> "$work/err"
  status=$?
  set -e
  [[ $status -eq 1 ]] || fail "info --checkpoint $checkpoint: exit $status: $(cat "$work/err")"
  [[ "$(wc -l < "$work/err")" -eq 1 ]] && grep -qF "bmfl info: $checkpoint: " "$work/err" \
    || fail "info --checkpoint $checkpoint: $(cat "$work/err")"
done
# A file name with a terminal escape code is printed escaped, never raw.
escaped="$work/$(printf 'clear\033[2Jscreen').png"
printf 'not an image' > "$escaped"
set +e
"$bmfl" inspect "$escaped" > "$work/out" 2> "$work/err"
set -e
if LC_ALL=C grep -q "$(printf '\033')" "$work/out" "$work/err"; then fail "an escape code was printed raw"; fi
grep -qF 'clear\x1b[2Jscreen.png' "$work/out" "$work/err" || fail "the name is not shown escaped: $(cat "$work/err")"

# Whatever escapes a command ends in one line and exit 1, not an abort: here a std::filesystem
# error (no temporary folder) that bench does not catch itself.
touch "$work/not-a-folder"
set +e
TMPDIR="$work/not-a-folder" "$bmfl" bench images --images 2 --fmnist-images 2 > /dev/null 2> "$work/err"
status=$?
set -e
[[ $status -eq 1 ]] || fail "an uncaught error: exit $status: $(cat "$work/err")"
tail -1 "$work/err" | grep -q "^bmfl bench: .*temp_directory_path" || fail "uncaught error: $(cat "$work/err")"
echo "PASS"
