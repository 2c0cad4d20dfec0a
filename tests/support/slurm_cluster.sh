#!/bin/bash
# A one-node Slurm cluster on this machine for the tests, nothing installed or mocked: Debian's
# munged, slurmctld and slurmd (slurm-wlm, munge), all in a temporary folder (key, sockets,
# slurm.conf, state, spool, logs), on free ports, with this machine's cores (slurmd -C); no
# cgroups, no accounting. Runs COMMAND with SLURM_CONF pointing at the cluster and
# SLURM_CLUSTER_DIR at its folder, then stops the daemons and removes the folder, even when
# COMMAND fails or the script is interrupted. When COMMAND fails, the daemons' logs are printed.
# Exit: COMMAND's status; 77 when the cluster cannot start (1 when CI=true: CI must not skip).
# usage: slurm_cluster.sh COMMAND [ARGS...]
set -u

dir=$(mktemp -d /tmp/bmfl-slurm.XXXXXX) || exit 1
chmod 700 "$dir"
pids=()

# shellcheck disable=SC2317 # called by the trap
stop_cluster() {
  local pid
  if [ -n "${SLURM_CONF:-}" ] && [ -f "$dir/slurm.conf" ]; then
    scancel --quiet --full --user="$(id -un)" >/dev/null 2>&1 || true
  fi
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
  done
  rm -rf "$dir"
}
trap stop_cluster EXIT
trap 'exit 130' INT TERM

print_logs() {
  local log
  for log in "$dir"/log/*.log; do
    [ -f "$log" ] || continue
    echo "---- $(basename "$log") (last 40 lines)"
    tail -n 40 "$log"
  done
}

cannot_start() {
  echo "slurm_cluster.sh: $*"
  print_logs
  if [ "${CI:-}" = true ]; then
    echo "FAIL: Slurm could not start (CI=true: no skip)"
    exit 1
  fi
  echo "SKIP: Slurm could not start"
  exit 77
}

for program in munged mungekey slurmctld slurmd sbatch srun scontrol; do
  command -v "$program" >/dev/null 2>&1 ||
    { [ -x "/usr/sbin/$program" ] && PATH=$PATH:/usr/sbin; } ||
    cannot_start "$program is not installed (scripts/debian-packages.txt: slurm-wlm, munge)"
done

# A free TCP port on 127.0.0.1, different from those already taken ($@). Ports 30000-32299:
# above those `bmfl train` derives from a Slurm job id (20000-29999), below Linux's ephemeral ones.
free_port() {
  local port taken
  while :; do
    port=$((30000 + RANDOM % 2300))
    for taken in "$@"; do
      [ "$port" -eq "$taken" ] && continue 2
    done
    (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

mkdir -p "$dir/munge" "$dir/log" "$dir/state" "$dir/spool" "$dir/run"
chmod 700 "$dir/munge"

# munge: its own key, socket, pid, log and seed files; --force lets it run as root.
mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null 2>&1 ||
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none ||
  cannot_start "could not make a munge key"
chmod 600 "$dir/munge/munge.key"
socket=$dir/munge/munge.socket
munged --foreground --force --socket="$socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
  --seed-file="$dir/munge/munged.seed" >>"$dir/log/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
  [ -S "$socket" ] && break
  kill -0 "${pids[0]}" 2>/dev/null || cannot_start "munged exited"
  sleep 0.1
done
[ -S "$socket" ] || cannot_start "munged made no socket"

node=$(hostname -s)
user=$(id -un)
mkdir -p "$dir/spool/slurmd-$node"
# This machine's CPUs, boards, sockets, cores, threads and memory, as slurmd sees them.
hardware=$(slurmd -C 2>/dev/null | head -1 | sed -n 's/^NodeName=[^ ]* //p')
[ -n "$hardware" ] || hardware="CPUs=$(nproc)"
ctld_port=$(free_port)
slurmd_port=$(free_port "$ctld_port")

export SLURM_CONF=$dir/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=bmfltest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SrunPortRange=32300-32760
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd-%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd-%n.pid
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
NodeName=$node NodeAddr=127.0.0.1 $hardware State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF

# In the foreground (-D) without a LogFile, the daemons log to stderr: into $dir/log.
slurmctld -D -i -f "$SLURM_CONF" >>"$dir/log/slurmctld.log" 2>&1 &
pids+=($!)
slurmd -D -N "$node" -f "$SLURM_CONF" >>"$dir/log/slurmd.log" 2>&1 &
pids+=($!)

# Bounded wait for the node to be idle (slurmctld up, slurmd registered).
ready=false
for _ in $(seq 300); do
  kill -0 "${pids[1]}" 2>/dev/null || cannot_start "slurmctld exited"
  kill -0 "${pids[2]}" 2>/dev/null || cannot_start "slurmd exited"
  if scontrol show node "$node" 2>/dev/null | grep -q "State=IDLE"; then
    ready=true
    break
  fi
  sleep 0.1
done
$ready ||
  cannot_start "the node did not become idle in 30 s: $(scontrol show node "$node" 2>&1 | head -3)"

export SLURM_CLUSTER_DIR=$dir
"$@"
status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 77 ]; then
  print_logs
fi
exit "$status"
