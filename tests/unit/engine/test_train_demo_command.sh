#!/bin/sh
# bmfl train-demo --quick as a user runs it: the bundle it writes opens (bmfl info), its
# REPORT.md has the brain-encoder section and an accuracy row for all 7 data sets, bmfl evaluate
# runs on it, every ablation bundle opens, and Ctrl-C leaves no bundle behind.
# usage: test_train_demo_command.sh BMFL
set -u
bmfl=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$bmfl" train-demo --quick --seed 3 --out "$work/demo" >"$work/out.txt" 2>"$work/err.txt" ||
  { tail -20 "$work/err.txt"; fail "train-demo --quick exited $?"; }

"$bmfl" info --model "$work/demo" >"$work/info.txt" 2>&1 || { cat "$work/info.txt"; fail "bmfl info on the bundle"; }
grep -q "supervised stand-in for DINOv2" "$work/info.txt" || { cat "$work/info.txt"; fail "the provenance does not say the encoder is a stand-in"; }
for ablation in no-pcc concatenation shuffled-brain; do
  "$bmfl" info --model "$work/demo/ablations/$ablation" >"$work/ablation.txt" 2>&1 ||
    { cat "$work/ablation.txt"; fail "bmfl info on the $ablation ablation"; }
done
"$bmfl" info --model "$work/demo/ablations/concatenation" | grep -q 'fusion.mode  *"concatenation"' ||
  fail "the concatenation ablation does not record its fusion mode"

report="$work/demo/REPORT.md"
[ -f "$report" ] || fail "no REPORT.md"
for section in "## Brain encoder on held-out images" "| streams | early |" "| visual-areas | V1 |" \
  "noise ceiling" "simulated" "Seed: 3"; do
  grep -qF -- "$section" "$report" || { cat "$report"; fail "REPORT.md lacks: $section"; }
done
for dataset in fashion-mnist:test fashion-mnist-ood:noise fashion-mnist-ood:blur fashion-mnist-ood:weather \
  fashion-mnist-ood:digital fashion-mnist-ood:geometric fashion-mnist-ood:sketch; do
  # One row per variant: BMFL and the three ablations.
  rows=$(grep -c "^| $dataset | 200 | " "$report")
  [ "$rows" -eq 4 ] || { cat "$report"; fail "REPORT.md has $rows accuracy rows for $dataset, not 4"; }
done

"$bmfl" evaluate --model "$work/demo" --dataset fashion-mnist:test --limit 50 >"$work/eval.txt" 2>&1 ||
  { cat "$work/eval.txt"; fail "bmfl evaluate on the bundle"; }
grep -q "^fashion-mnist:test  *50 " "$work/eval.txt" || { cat "$work/eval.txt"; fail "no evaluation row"; }

# Ctrl-C during training: exit 130, no bundle and no staging folder left.
"$bmfl" train-demo --quick --out "$work/stopped" >"$work/stop.txt" 2>&1 &
pid=$!
sleep 4
kill -INT "$pid"
wait "$pid"
status=$?
[ "$status" -eq 130 ] || { cat "$work/stop.txt"; fail "interrupted train-demo exited $status, not 130"; }
[ ! -e "$work/stopped" ] || fail "an interrupted run left $work/stopped"
if ls -a "$work" | grep -q staging; then fail "an interrupted run left a staging folder"; fi

echo PASS
