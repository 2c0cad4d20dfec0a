#!/bin/sh
# bin/bmfl and bin/bmfl-workbench are launchers: they set the load-time settings (OMP_WAIT_POLICY,
# OPENBLAS_CORETYPE on AVX-512) the user left unset and run libexec/bmfl/PROGRAM in their place;
# a setting the user made is kept. An installed tree (cmake --install into a fresh prefix) runs
# from its launchers and finds its own resources and demo bundle, not the source tree's.
# usage: test_launcher.sh BUILD_DIR PROGRAM...  (bmfl, and bmfl-workbench in a GUI build)
set -u
build=$1
shift
. "$(dirname "$0")/../scripts/scratch_and_fail.sh"
for program in "$@"; do
  [ -x "$build/bin/$program" ] || fail "no launcher $build/bin/$program"
  [ -x "$build/libexec/bmfl/$program" ] || fail "no program $build/libexec/bmfl/$program"
done
output=$(env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$build/bin/bmfl" runtime 2>&1) ||
  fail "bmfl runtime: $output"
printf '%s\n' "$output"
printf '%s\n' "$output" | grep -Eq '^openmp wait: +PASSIVE$' || fail "the launcher did not set OMP_WAIT_POLICY"
output=$(OMP_WAIT_POLICY=ACTIVE "$build/bin/bmfl" runtime 2>&1) || fail "bmfl runtime: $output"
printf '%s\n' "$output" | grep -Eq '^openmp wait: +ACTIVE$' || fail "the user's OMP_WAIT_POLICY was not kept"
output=$(OPENBLAS_CORETYPE=Haswell "$build/bin/bmfl" runtime 2>&1) || fail "bmfl runtime: $output"
printf '%s\n' "$output" | grep -Eq '^openblas coretype: +Haswell$' || fail "the user's OPENBLAS_CORETYPE was not kept"

# An installed tree.
prefix="$scratch/prefix"
cmake --install "$build" --prefix "$prefix" > "$scratch/install.log" 2>&1 ||
  fail "cmake --install: $(tail -3 "$scratch/install.log")"
[ -x "$prefix/bin/bmfl" ] && [ -x "$prefix/libexec/bmfl/bmfl" ] || fail "install layout: $(ls -R "$prefix" | head -20)"
output=$(env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$prefix/bin/bmfl" runtime 2>&1) ||
  fail "installed bmfl runtime: $output"
printf '%s\n' "$output"
printf '%s\n' "$output" | grep -Fxq "resources:         $prefix/share/bmfl/resources" ||
  fail "the installed bmfl does not use its own resources"
printf '%s\n' "$output" | grep -Fxq "demo model:        $prefix/share/bmfl/models/demo" ||
  fail "the installed bmfl does not use its own demo model"
printf '%s\n' "$output" | grep -Eq '^openmp wait: +PASSIVE$' || fail "the installed launcher did not set OMP_WAIT_POLICY"
output=$("$prefix/bin/bmfl" evaluate --model "$prefix/share/bmfl/models/demo" --dataset fashion-mnist:test \
  --limit 8 --device cpu 2>&1) || fail "installed bmfl evaluate: $output"
printf '%s\n' "$output" | grep -q "fashion-mnist" || fail "no result row: $output"
# A launcher whose program is missing says so in one line.
mkdir -p "$scratch/broken/bin"
cp "$build/bin/bmfl" "$scratch/broken/bin/bmfl"
output=$("$scratch/broken/bin/bmfl" runtime 2>&1)
status=$?
[ "$status" -eq 127 ] || fail "a launcher without its program exited $status"
printf '%s\n' "$output" | grep -Eq "^bmfl: cannot start .*/libexec/bmfl/bmfl: No such file or directory$" ||
  fail "no one-line error for a missing program: $output"
echo "PASS"
