#!/usr/bin/env bash
# Throwaway single-node Slurm cluster (munged + slurmctld + slurmd) for integration tests.
#
#   slurm-cluster.sh start DIR   # DIR: empty folder; prints `export SLURM_CONF=DIR/slurm.conf`
#   slurm-cluster.sh stop DIR    # kills only what this DIR's cluster started; idempotent
#
#   eval "$(Tests/Support/slurm-cluster.sh start "$tmp")" && sbatch ... ; ... stop "$tmp"
#
# Env knobs:
#   SLURM_TEST_PORT        base port: slurmctld=BASE, slurmd=BASE+1   (default 16817)
#   SLURM_TEST_CPUS        CPUs the node advertises                    (default 8)
#   SLURM_TEST_TIMEOUT     seconds to wait for the cluster to be ready (default 30)
#   SLURM_TEST_MIN_JOB_AGE seconds finished jobs stay visible to squeue/scontrol (default 5;
#                          above 5, sbatch --wait polls at 2, 8, 32 s instead of every 2 s)
#   SLURM_TEST_EXTRA_CONF  extra lines appended to slurm.conf (for experiments)
#
# Everything (conf, munge key + socket, state, spool, logs, pids) lives in DIR, so /etc is
# never touched and a system munged/slurmctld (if any) neither helps nor clashes.
# Needs root (SlurmUser=root). stdout carries only the export line; diagnostics go to stderr.
# Timings here (2 cores): start ~3.4 s, submit->running <=1 s, sbatch --wait returns on
# 2 s polls (so >=2 s), stop ~0.3-0.6 s.
# Tested with Debian 12's slurm-wlm 22.05.8 and munge 0.5.15.
set -euo pipefail
# The servers outlive the test that starts them: they must not keep its other open files (a
# Foundation Pipe is not close-on-exec, and its reader would wait on the server forever).
for descriptor in /proc/$$/fd/*; do
    descriptor=${descriptor##*/}
    # 255 and up: bash's own (the script it is reading).
    if [ "$descriptor" -gt 2 ] 2>/dev/null && [ "$descriptor" -lt 255 ]; then eval "exec $descriptor>&-" 2>/dev/null || true; fi
done
PATH=$PATH:/usr/sbin:/sbin   # the daemons live in sbin, which a caller's PATH may lack

log() { echo "slurm-cluster: $*" >&2; }
die() { log "$*"; exit 1; }
usage() { die "usage: $0 {start|stop} DIR"; }

[[ $# -eq 2 && -n $2 ]] || usage
cmd=$1
[[ $cmd == start ]] && mkdir -p "$2"
[[ -d $2 ]] || { [[ $cmd == stop ]] && exit 0; die "DIR '$2' does not exist"; }
DIR=$(cd "$2" && pwd -P)   # absolute and canonical: the PID checks below match on it

PORT=${SLURM_TEST_PORT:-16817}
CPUS=${SLURM_TEST_CPUS:-8}
TIMEOUT=${SLURM_TEST_TIMEOUT:-30}
NODE=testnode   # slurmd gets it via -N, so the machine's hostname doesn't matter
CONF=$DIR/slurm.conf
SOCK=$DIR/munge/munge.socket

# --- stop -------------------------------------------------------------------------------

# True if PID is alive and its command line names DIR (every daemon we start has DIR in its
# argv), so a recycled PID that now belongs to something else is never signalled.
ours() {
    [[ $1 =~ ^[0-9]+$ ]] && tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -qF -- "$DIR/"
}

# Leftover job processes: a slurmstepd outlives slurmd and is nobody's child we know. It is
# found as a slurmstepd binary whose environment (inherited from our slurmd) holds
# SLURM_CONF=DIR/slurm.conf; it runs in a session of its own, shared only with the job's
# tasks, so the whole session goes. (Matching the env alone could hit the caller itself.)
job_pids() {
    local f pid exe sids=" "
    while read -r f; do
        pid=${f#/proc/}; pid=${pid%/environ}
        exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
        [[ ${exe##*/} == slurmstepd* ]] || continue
        sids+="$(ps -o sid= -p "$pid" | tr -d ' ') "
    done < <(grep -lzxF "SLURM_CONF=$CONF" /proc/[0-9]*/environ 2>/dev/null)
    [[ $sids != " " ]] || return 0
    ps -eo pid=,sid= | while read -r pid sid; do
        [[ $sids == *" $sid "* && $pid != "$$" ]] && echo "$pid"
    done
    return 0
}

# TERM the given PIDs, give them up to 5 s, then KILL the rest.
terminate() {
    local pids=("$@") alive p i
    [[ ${#pids[@]} -gt 0 ]] || return 0
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        alive=()
        for p in "${pids[@]}"; do
            # zombies (reaped late by this sandbox's PID 1) count as gone
            [[ $(ps -o stat= -p "$p" 2>/dev/null) == [^Z]* ]] && alive+=("$p")
        done
        [[ ${#alive[@]} -eq 0 ]] && return 0
        sleep 0.1
    done
    log "still alive 5 s after SIGTERM, sending SIGKILL: ${alive[*]}"
    kill -KILL "${alive[@]}" 2>/dev/null || true
}

stop_cluster() {
    local name pid i daemons=() jobs=()
    # Cancel jobs while the controller is still up so slurmstepd cleans up normally:
    # slurmd does not kill running jobs when it exits, and orphaned slurmstepds ignore TERM.
    if ours "$(cat "$DIR/run/slurmctld.pid" 2>/dev/null)" &&
        [[ -n $(SLURM_CONF=$CONF timeout 5 squeue -h -o %i 2>/dev/null) ]]; then
        SLURM_CONF=$CONF timeout 5 squeue -h -o %A | sort -u |
            SLURM_CONF=$CONF xargs -r timeout 5 scancel --quiet 2>/dev/null || true
        for ((i = 0; i < 40; i++)); do   # KillWait=2 -> done within ~3 s
            [[ -z $(SLURM_CONF=$CONF timeout 5 squeue -h -o %i 2>/dev/null) ]] && break
            sleep 0.1
        done
    fi
    for name in slurmd slurmctld munged; do
        pid=$(cat "$DIR/run/$name.pid" 2>/dev/null || true)
        if ours "$pid"; then daemons+=("$pid"); fi
    done
    # All three at once: nothing needs an orderly handover in a throwaway cluster.
    terminate "${daemons[@]}"
    mapfile -t jobs < <(job_pids)
    if [[ ${#jobs[@]} -gt 0 ]]; then
        log "killing leftover job processes: ${jobs[*]}"
        kill -KILL "${jobs[@]}" 2>/dev/null || true
    fi
    rm -f "$DIR"/run/*.pid
}

if [[ $cmd == stop ]]; then
    stop_cluster
    exit 0
fi
[[ $cmd == start ]] || usage

# --- start ------------------------------------------------------------------------------

[[ $(id -u) -eq 0 ]] || die "must run as root (SlurmUser/SlurmdUser=root)"
missing=()
for b in sbatch squeue sinfo sdiag scontrol scancel slurmctld slurmd slurmstepd munged munge unmunge; do
    command -v "$b" >/dev/null 2>&1 || missing+=("$b")
done
[[ ${#missing[@]} -eq 0 ]] || die "not installed: ${missing[*]}; run: apt-get install slurm-wlm munge"
[[ -z $(ls -A "$DIR") ]] || die "DIR '$DIR' is not empty (use a fresh temp folder)"
# sun_path holds 108 bytes, and munged also creates "$SOCK.lock".
((${#SOCK} < 100)) || die "DIR path too long for a unix socket ($SOCK); use a shorter temp dir"
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$PORT" $((PORT + 1)); do
    ! port_busy "$p" || die "port $p on 127.0.0.1 is in use; set SLURM_TEST_PORT to another base"
done

mkdir -p "$DIR"/{munge,state,spool,log,run}
chmod 755 "$DIR/munge"   # munged refuses group/world-writable dirs; clients need search perm

# Any exit before the cluster is ready (a failed step or timeout): show the logs, then take
# down whatever was already started, so a failed start never leaves daemons behind.
READY=
on_exit() {
    local f name
    [[ -z $READY ]] || return 0
    for name in munged slurmctld slurmd; do
        f=$DIR/log/$name.log
        # a daemon that died before opening its log file said why on stdout/stderr
        [[ -s $f ]] || f=$DIR/log/$name.stdout
        [[ -s $f ]] || continue
        echo "----- last lines of $f -----" >&2
        grep -v -e 'pmix' -e 'MPI: Cannot' "$f" | tail -n 20 >&2 || true
    done
    stop_cluster
    log "start FAILED"
}
trap on_exit EXIT
fail() { log "$*"; exit 1; }

MEM_MB=$(awk '/^MemTotal:/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)

cat >"$CONF" <<EOF
# Generated by slurm-cluster.sh for tests; everything lives under $DIR.
ClusterName=testcluster
# slurmctld accepts 'localhost' as its own name whatever the hostname is.
SlurmctldHost=localhost
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
# Private munged socket: a system munged (/run/munge) is neither needed nor touched.
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.daemon.pid
SlurmdPidFile=$DIR/run/slurmd.daemon.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$DIR/plugstack.conf
MailProg=/bin/true
# No cgroups (none usable in a container): track job processes by /proc parentage.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
InactiveLimit=0
# scancel: SIGTERM -> SIGKILL after 2 s instead of 30.
KillWait=2
# sbatch --wait sleeps 2 s, then x4 (8, 32 s) while sleep < MinJobAge/2: with MinJobAge<=5
# it polls every 2 s. Cost: a finished job's record (exit code) is purged ~5-10 s later.
# (22.05 clamps values below 2 to 2.)
MinJobAge=${SLURM_TEST_MIN_JOB_AGE:-5}
# Batch jobs are only started by the background scheduler pass; its default
# batch_sched_delay=3 adds up to 3 s per submission. With 0 a job starts within ~1 s.
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# The node advertises $CPUS CPUs even on a smaller box so that many 1-CPU jobs (array
# tasks) run at once; config_overrides stops slurmctld from draining it for "Low CPUs".
SlurmdParameters=config_overrides
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
${SLURM_TEST_EXTRA_CONF:-}
EOF
: >"$DIR/plugstack.conf"   # instead of /etc/slurm/plugstack.conf

export SLURM_CONF=$CONF

# Run a daemon in the foreground in its own session (so it outlives the caller and its
# terminal/process group) with stdio detached from ours (so a caller reading our stdout to
# EOF, e.g. Foundation.Process, isn't held open). This script has no job control, so
# `setsid` is not a group leader and execs in place: $! is the daemon's own PID.
spawn() {
    local name=$1
    shift
    setsid "$@" </dev/null >>"$DIR/log/$name.stdout" 2>&1 &
    echo $! >"$DIR/run/$name.pid"
}

START=$SECONDS
# wait_for DAEMON WHAT CMD...: poll CMD until it succeeds; fail at once if DAEMON (a name
# under run/) has died, or after TIMEOUT seconds.
wait_for() {
    local daemon=$1 what=$2
    shift 2
    until "$@" >/dev/null 2>&1; do
        ours "$(cat "$DIR/run/$daemon.pid")" || fail "$daemon exited during startup"
        ((SECONDS - START < TIMEOUT)) || fail "timed out after ${TIMEOUT}s waiting for $what"
        sleep 0.2
    done
}

head -c 1024 /dev/urandom >"$DIR/munge/munge.key"
chmod 400 "$DIR/munge/munge.key"
# munged ignores --log-file in the foreground and logs to stderr, hence munged.log here.
setsid munged --foreground --force --socket="$SOCK" --key-file="$DIR/munge/munge.key" \
    --pid-file="$DIR/run/munged.daemon.pid" --seed-file="$DIR/munge/munged.seed" \
    </dev/null >>"$DIR/log/munged.log" 2>&1 &
echo $! >"$DIR/run/munged.pid"
munge_ok() { munge -n -S "$SOCK" | unmunge -S "$SOCK"; }
wait_for munged munged munge_ok

spawn slurmctld slurmctld -D -f "$CONF"
wait_for slurmctld slurmctld scontrol ping

spawn slurmd slurmd -D -f "$CONF" -N "$NODE"
node_idle() { [[ $(sinfo -h -n "$NODE" -o %t) == idle ]]; }
wait_for slurmd "node $NODE to become idle" node_idle
# slurmctld holds off its first scheduling pass for ~3 s after startup; wait for it so the
# first job a test submits starts as quickly as later ones.
sched_ran() { sdiag | awk '/Total cycles:/ {exit !($3 > 0)}'; }
wait_for slurmctld "the first scheduling cycle" sched_ran

READY=1
log "ready in $((SECONDS - START))s: ports $PORT/$((PORT + 1)), $CPUS CPUs, logs in $DIR/log"
echo "export SLURM_CONF=$CONF" | tee "$DIR/env.sh"
