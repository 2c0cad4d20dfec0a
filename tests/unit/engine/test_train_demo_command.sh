#!/bin/sh
# bmfl train-demo --quick as a user runs it: the bundle it writes opens (bmfl info), its
# REPORT.md has the brain-encoder section, an accuracy row per variant for all 7 data sets and the
# ablations and levers paired with BMFL, bmfl evaluate runs on it, every ablation bundle opens,
# no lever bundle is left, and Ctrl-C leaves no bundle behind.
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

[ ! -e "$work/demo/levers" ] || fail "the levers' bundles were kept"

report="$work/demo/REPORT.md"
[ -f "$report" ] || fail "no REPORT.md"
for section in "## Brain encoder on held-out images" "| streams | early |" "| visual-areas | V1 |" \
  "noise ceiling" "simulated" "Seed: 3" "## Ablations and levers, paired with BMFL" \
  "| shuffled brain | ablation |" "| conv slices | lever |" "| fusion width 32 | lever |" \
  "| fusion width 128 | lever |" "| PCC weight 2 | lever |" "- shuffled brain: "; do
  grep -qF -- "$section" "$report" || { cat "$report"; fail "REPORT.md lacks: $section"; }
done
for dataset in fashion-mnist:test fashion-mnist-ood:noise fashion-mnist-ood:blur fashion-mnist-ood:weather \
  fashion-mnist-ood:digital fashion-mnist-ood:geometric fashion-mnist-ood:sketch; do
  # One row per variant against the baseline: BMFL, three ablations and four levers.
  rows=$(grep -c "^| $dataset | 200 | " "$report")
  [ "$rows" -eq 8 ] || { cat "$report"; fail "REPORT.md has $rows accuracy rows for $dataset, not 8"; }
done

# The report's accuracies (heads on cached features) are what bmfl evaluate gives on the bundle.
sets="fashion-mnist:test fashion-mnist-ood:noise fashion-mnist-ood:blur fashion-mnist-ood:weather
  fashion-mnist-ood:digital fashion-mnist-ood:geometric fashion-mnist-ood:sketch"
# shellcheck disable=SC2086
"$bmfl" evaluate --model "$work/demo" $(printf -- '--dataset %s ' $sets) --limit 200 \
  >"$work/eval.txt" 2>&1 || { cat "$work/eval.txt"; fail "bmfl evaluate on the bundle"; }
for dataset in $sets; do
  evaluated=$(awk -v d="$dataset" '$1 == d && $2 == 200 { print $3, $6 }' "$work/eval.txt")
  reported=$(awk -F' [|] ' -v d="$dataset" '$1 == "| " d && !seen++ { split($3, b, " "); split($4, m, " "); print b[1], m[1] }' "$report")
  [ -n "$evaluated" ] && [ "$evaluated" = "$reported" ] ||
    { cat "$work/eval.txt"; fail "$dataset: bmfl evaluate gives '$evaluated', REPORT.md '$reported'"; }
done

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
