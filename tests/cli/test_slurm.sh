#!/bin/bash
# The repository's Slurm job scripts on a real one-node Slurm (run under
# tests/support/slurm_cluster.sh, which starts munged, slurmctld and slurmd and sets SLURM_CONF):
#  1. scripts/slurm/evaluate-ood-array.sbatch submits a 3-task array evaluating the tiny bundle
#     on Fashion-MNIST and its six OOD sets, and a merge job after it (afterok); the merged CSV is
#     byte-identical to an unsharded `bmfl evaluate`, and the merged table the same; when the
#     tasks fail, Slurm cancels the merge;
#  2. scripts/slurm/train-srun.sbatch runs `srun bmfl train` as 2 tasks (Gloo on CPU): the job
#     succeeds as one data-parallel group, the bundle and REPORT.md are written, and only rank 0
#     reports and writes.
# Every wait is bounded; on failure the job logs are printed (and the daemons' by the wrapper).
# usage: slurm_cluster.sh test_slurm.sh BMFL MAKE_TINY_BUNDLE MAKE_IMAGENET_FOLDERS SCRIPTS_DIR
set -u
bmfl=$1
make_bundle=$2
make_folders=$3
scripts=$4
[ -n "${SLURM_CONF:-}" ] || { echo "FAIL: no SLURM_CONF: run under slurm_cluster.sh"; exit 1; }
# This test's jobs only: no variables of an enclosing Slurm job or torchrun launch.
for variable in $(env | sed -n 's/^\(SLURM_[A-Z_]*\)=.*/\1/p'); do
  case $variable in SLURM_CONF | SLURM_CLUSTER_DIR) ;; *) unset "$variable" ;; esac
done
unset RANK WORLD_SIZE LOCAL_RANK MASTER_ADDR MASTER_PORT
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*"
  for log in "$work"/ood/logs/*.out "$work"/train.out; do
    [ -f "$log" ] && { echo "---- $log"; cat "$log"; }
  done
  exit 1
}

# The state of a job (array tasks: each task's), once it has left PENDING/RUNNING, within $2 s.
final_state() {
  local job=$1 limit=$2 states
  for _ in $(seq $((limit * 5))); do
    states=$(scontrol -o show job "$job" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' |
      sort -u | tr '\n' ' ')
    case "$states" in
      *PENDING* | *RUNNING* | *CONFIGURING* | *COMPLETING* | "") ;;
      *) echo "${states% }"; return ;;
    esac
    sleep 0.2
  done
  echo "still ${states:-unknown} after ${limit} s"
}

# 1. Sharded evaluation as an array job, merged by a dependent job.
"$make_bundle" "$work/eval.bmfl" >/dev/null || fail "could not make the bundle"
datasets="fashion-mnist:test"
for set in noise blur weather digital geometric sketch; do
  datasets="$datasets fashion-mnist-ood:$set"
done
evaluate_args="--limit 40 --batch 8"
dataset_args=()
for spec in $datasets; do dataset_args+=(--dataset "$spec"); done
# shellcheck disable=SC2086
BMFL_THREADS=1 "$bmfl" evaluate --model "$work/eval.bmfl" "${dataset_args[@]}" $evaluate_args \
  --csv "$work/unsharded.csv" >"$work/unsharded.txt" 2>"$work/err.txt" ||
  fail "unsharded evaluate: $(cat "$work/err.txt")"

(cd "$work" && BMFL=$bmfl BMFL_MODEL=$work/eval.bmfl BMFL_DATASETS=$datasets BMFL_OUT=$work/ood \
  BMFL_SHARDS=3 BMFL_EVALUATE_ARGS=$evaluate_args BMFL_SBATCH_ARGS="--cpus-per-task=1 --time=10" \
  "$scripts/evaluate-ood-array.sbatch" >"$work/submit.txt" 2>&1) ||
  fail "submission: $(cat "$work/submit.txt")"
array=$(sed -n 's/^array job \([0-9]*\), merge job \([0-9]*\);.*/\1/p' "$work/submit.txt")
merge=$(sed -n 's/^array job \([0-9]*\), merge job \([0-9]*\);.*/\2/p' "$work/submit.txt")
{ [ -n "$array" ] && [ -n "$merge" ]; } || fail "no job ids: $(cat "$work/submit.txt")"
state=$(final_state "$merge" 120)
[ "$state" = COMPLETED ] ||
  fail "merge job $merge: $state; array job $array: $(final_state "$array" 1)"
state=$(final_state "$array" 1)
[ "$state" = COMPLETED ] || fail "array job $array: $state"
[ "$(find "$work/ood/shards" -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq 3 ] ||
  fail "not 3 shard folders: $(ls "$work/ood/shards")"
cmp "$work/unsharded.csv" "$work/ood/accuracy.csv" ||
  fail "merged CSV differs: $(diff "$work/unsharded.csv" "$work/ood/accuracy.csv")"
# The same table, but for the line naming the CSV written.
diff <(grep -v "^wrote " "$work/unsharded.txt") \
  <(grep -v "^wrote " "$work/ood/logs/merge-$merge.out") >"$work/table.diff" ||
  fail "merged table differs: $(cat "$work/table.diff")"

# A failing array (a missing bundle): the tasks fail and Slurm cancels the merge waiting for them.
(cd "$work" && BMFL=$bmfl BMFL_MODEL=$work/missing.bmfl BMFL_DATASETS=$datasets \
  BMFL_OUT=$work/failing BMFL_SHARDS=2 BMFL_SBATCH_ARGS="--cpus-per-task=1 --time=10" \
  "$scripts/evaluate-ood-array.sbatch" >"$work/submit.txt" 2>&1) ||
  fail "submission of the failing array: $(cat "$work/submit.txt")"
array=$(sed -n 's/^array job \([0-9]*\), merge job \([0-9]*\);.*/\1/p' "$work/submit.txt")
merge=$(sed -n 's/^array job \([0-9]*\), merge job \([0-9]*\);.*/\2/p' "$work/submit.txt")
state=$(final_state "$merge" 60)
[ "$state" = CANCELLED ] || fail "the merge after a failed array: $state, not CANCELLED"
case "$(final_state "$array" 60)" in *FAILED*) ;; *) fail "the failing array did not fail" ;; esac
[ ! -e "$work/failing/accuracy.csv" ] || fail "a merged CSV without its shards"

# 2. Data-parallel training: srun starts 2 ranks of bmfl train (Gloo on CPU). They meet at the
# first host of the job's node list, this host's name; where that name does not resolve (a bare
# container), at 127.0.0.1.
getent hosts "$(hostname -s)" >/dev/null || export MASTER_ADDR=127.0.0.1
"$make_bundle" "$work/tiny.bmfl" --wnid-classes || fail "could not make the training bundle"
"$make_folders" "$work" 10 4 12 || fail "could not make the folders"
(cd "$work" && BMFL=$bmfl BMFL_MODEL_IN=$work/tiny.bmfl BMFL_TRAIN=folder:$work/train \
  BMFL_VAL="imagenet-val:$work/val,$work/val/labels.txt" BMFL_OUT=$work/dist.bmfl BMFL_DEVICE=cpu \
  BMFL_DIST_BACKEND=gloo BMFL_TRAIN_ARGS="--epochs 2 --batch 16 --seed 3" \
  timeout 150 sbatch --wait --nodes=1 --ntasks-per-node=2 --cpus-per-task=1 --gres=none \
  --time=10 --output="$work/train.out" "$scripts/train-srun.sbatch" >"$work/submit.txt" 2>&1)
status=$?
[ "$status" -eq 0 ] || fail "training job: exit $status: $(cat "$work/submit.txt")"
[ -f "$work/dist.bmfl/REPORT.md" ] || fail "no bundle with REPORT.md"
grep -q "^0: data-parallel over 2 processes (slurm, gloo" "$work/train.out" ||
  fail "the 2 tasks did not train as one data-parallel group"
grep -q "^0: imagenet-val:.*: baseline [01]\.[0-9]* *BMFL [01]\.[0-9]*" "$work/train.out" ||
  fail "rank 0 did not report the accuracy"
[ "$(grep -c "^0: wrote $work/dist.bmfl " "$work/train.out")" -eq 1 ] ||
  fail "rank 0 did not write the bundle once"
grep -q "^1: " "$work/train.out" && fail "rank 1 printed or wrote something"
find "$work" -maxdepth 1 -name '.dist.bmfl.staging-*' | grep -q . &&
  fail "a staging folder was left"
echo "Slurm: array evaluation merged = unsharded; 2-task srun training wrote one bundle"
