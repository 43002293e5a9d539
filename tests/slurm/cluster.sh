#!/usr/bin/env bash
# A real single-node Slurm on this machine, everything under one directory: its own munge key and
# socket, slurm.conf on free ports, state, logs and pid files (../shared/reference/slurm-local.md).
#
#   cluster.sh start DIR   start munged, slurmctld and slurmd; wait for the node to be idle; write
#                          DIR/env.sh (SLURM_CONF) for the clients. Exit 77 with the reason on one
#                          line when a daemon cannot start here (no slurm-wlm, not root, …).
#   cluster.sh stop DIR    cancel its jobs, then stop what start started, by the pids in DIR/run
#                          (never by name).
#   cluster.sh status DIR  print sinfo.
set -uo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: cluster.sh start|stop|status DIR" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

skip() { echo "SKIP: $*"; stop_daemons; exit 77; }

pid_of() { [ -s "$dir/run/$1.pid" ] && cat "$dir/run/$1.pid"; }

# Stops one daemon by its pid file: TERM, up to 10 s, then KILL. The pid must still be the daemon
# (its /proc/PID/exe is the binary, symlinks resolved: Debian's /usr/sbin/slurmctld is a link to
# slurmctld-wlm), so a recycled pid is never signalled.
stop_one() {
  local name=$1 exe pid
  exe=$(readlink -f "$2")
  pid=$(pid_of "$name") || return 0
  if [ -n "$pid" ] && [ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" = "$exe" ]; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$dir/run/$name.pid"
}

# Jobs first: with proctrack/linuxproc a job's tasks (slurmstepd, collbench) outlive slurmd.
cancel_jobs() {
  [ -f "$dir/etc/slurm.conf" ] && [ -n "$(pid_of slurmctld)" ] || return 0
  local jobs
  jobs=$(SLURM_CONF=$dir/etc/slurm.conf timeout 10 squeue -h -o %i 2>/dev/null)
  [ -n "$jobs" ] || return 0
  # shellcheck disable=SC2086  # a list of job ids
  SLURM_CONF=$dir/etc/slurm.conf timeout 10 scancel $jobs 2>/dev/null
  for _ in $(seq 100); do
    [ -z "$(SLURM_CONF=$dir/etc/slurm.conf timeout 10 squeue -h -o %i 2>/dev/null)" ] && break
    sleep 0.1
  done
}

stop_daemons() {
  cancel_jobs
  stop_one slurmd /usr/sbin/slurmd
  stop_one slurmctld /usr/sbin/slurmctld
  stop_one munged /usr/sbin/munged
}

# A TCP port nothing listens on (another cluster of this script, a system Slurm).
free_port() {
  local p
  for p in $(seq "$1" $(($1 + 200))); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! grep -q ":$(printf '%04X' "$p") " /proc/net/tcp 2>/dev/null; then
      echo "$p"; return 0
    fi
  done
  return 1
}

start() {
  [ "$(id -u)" -eq 0 ] || skip "the test's Slurm runs slurmd as root (SlurmdUser=root); run as root"
  for exe in /usr/sbin/munged /usr/sbin/slurmctld /usr/sbin/slurmd; do
    [ -x "$exe" ] || skip "$exe not installed (scripts/setup.sh installs slurm-wlm)"
  done
  for exe in srun sbatch sinfo scontrol; do
    command -v "$exe" >/dev/null || skip "$exe not on PATH (slurm-client)"
  done
  ls /usr/lib/*/slurm-wlm/mpi_pmix*.so >/dev/null 2>&1 || skip "Slurm's PMIx plugin (mpi_pmix) is not installed"
  stop_daemons
  rm -rf "$dir/etc" "$dir/munge" "$dir/spool" "$dir/log" "$dir/run"
  mkdir -p "$dir/etc" "$dir/munge" "$dir/spool/slurmctld" "$dir/spool/slurmd" "$dir/log" "$dir/run"
  chmod 700 "$dir/munge"

  # munge: a key and a socket of its own, so a system munged (or none) does not matter.
  head -c 1024 /dev/urandom > "$dir/munge/munge.key" && chmod 400 "$dir/munge/munge.key"
  /usr/sbin/munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/socket" \
    --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed" \
    >"$dir/log/munged.start" 2>&1 || skip "munged did not start: $(tail -n 1 "$dir/log/munged.start")"
  munge --socket="$dir/munge/socket" -n </dev/null | unmunge --socket="$dir/munge/socket" >/dev/null 2>&1 ||
    skip "munge does not answer on $dir/munge/socket"

  local ctld_port slurmd_port cpus
  ctld_port=$(free_port 16817) || skip "no free TCP port for slurmctld"
  slurmd_port=$(free_port $((ctld_port + 1))) || skip "no free TCP port for slurmd"
  cpus=$(nproc)
  # slurm.conf does not expand variables: every path is written out.
  cat > "$dir/etc/slurm.conf" <<EOF
ClusterName=collbench-test
SlurmctldHost=localhost
AuthType=auth/munge
AuthInfo=socket=$dir/munge/socket
CredType=cred/munge
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
ReturnToService=2
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
StateSaveLocation=$dir/spool/slurmctld
SlurmdSpoolDir=$dir/spool/slurmd
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=600
NodeName=localhost CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
  echo "export SLURM_CONF=$dir/etc/slurm.conf" > "$dir/env.sh"
  export SLURM_CONF=$dir/etc/slurm.conf

  /usr/sbin/slurmctld -i >"$dir/log/slurmctld.start" 2>&1 ||
    skip "slurmctld did not start: $(tail -n 1 "$dir/log/slurmctld.start") (log: $dir/log/slurmctld.log)"
  /usr/sbin/slurmd -N localhost >"$dir/log/slurmd.start" 2>&1 ||
    skip "slurmd did not start: $(tail -n 1 "$dir/log/slurmd.start") (log: $dir/log/slurmd.log)"
  local state=""
  for _ in $(seq 150); do
    state=$(sinfo -h -n localhost -o %t 2>/dev/null)
    [ "$state" = "idle" ] && break
    sleep 0.2
  done
  if [ "$state" != "idle" ]; then
    skip "the node did not become idle in 30 s (sinfo: '${state:-no answer}'; logs: $dir/log)"
  fi
  echo "slurm: up in $dir (slurmctld port $ctld_port, slurmd port $slurmd_port, $cpus CPUs)"
}

case "$cmd" in
  start) start ;;
  stop) stop_daemons ;;
  status) SLURM_CONF=$dir/etc/slurm.conf sinfo ;;
  *) echo "usage: cluster.sh start|stop|status DIR" >&2; exit 2 ;;
esac
