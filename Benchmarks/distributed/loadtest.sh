#!/usr/bin/env bash
# Load test of the trial log: a controller that only samples (--workers 0) and W `nas worker`
# processes with a dry-run evaluator of S seconds per trial, on a throwaway PostgreSQL server
# on loopback (or the run folder's SQLite file, shared by processes of this machine).
#   bash Benchmarks/distributed/loadtest.sh [--store postgres|sqlite] [--workers 8] [--trials 2000]
#                                           [--batch 2000] [--seconds 0.01] [--strategy reinforce|random|evolution]
#                                           [--nas PATH]
# Prints trials per second, each worker's claim latency, and checks the log: every trial
# complete, claimed once, numbered once; no "database is locked", no deadlock in any log.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
store=postgres workers=8 trials=2000 batch=2000 seconds=0.01 strategy=reinforce nas="$root/.build/release/nas"
while [ $# -gt 0 ]; do
    case "$1" in
    --store) store=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --trials) trials=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --strategy) strategy=$2; shift 2 ;;
    --nas) nas=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done
[ -x "$nas" ] || { echo "build nas first: swift build -c release --product nas" >&2; exit 69; }
work=$(mktemp -d /tmp/swiftnas-load.XXXXXX)
chmod 755 "$work"  # the PostgreSQL server runs as the postgres user
cleanup() {
    pkill -KILL -f "$work" 2>/dev/null || true
    [ "$store" = postgres ] && bash "$root/Tests/Support/postgres-cluster.sh" stop "$work/pg" || true
    rm -rf "$work"
}
trap cleanup EXIT

if [ "$store" = postgres ]; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    url=$(bash "$root/Tests/Support/postgres-cluster.sh" start "$work/pg" "$port")
    run=(--storage "$url")
    name=load
    worker_run=(--storage "$url" --run load)
else
    run=()
    name=$work/load
    worker_run=(--run "$work/load")
fi

start=$(date +%s.%N)
"$nas" search --space "$root/Tests/Support/Fixtures/tiny.yaml" --run "$name" "${run[@]}" --workers 0 \
    --trials "$trials" --batch "$batch" --evaluator "dry-run:$seconds" --strategy "$strategy" --quiet 2>"$work/controller.err" &
controller=$!
# Workers wait for a database run to appear; a folder must exist before they open it.
if [ "$store" = sqlite ]; then
    for _ in $(seq 100); do [ -f "$work/load/trials.sqlite" ] && break; sleep 0.05; done
fi
for i in $(seq "$workers"); do
    "$nas" worker "${worker_run[@]}" --json --quiet --name "w$i" --idle-timeout 120 >"$work/w$i.json" 2>"$work/w$i.err" &
done
wait $controller
end=$(date +%s.%N)
wait

status=("$nas" status "$name" "${run[@]}" --json)
"${status[@]}" >"$work/status.json"
python3 - "$work" "$workers" "$trials" "$batch" "$seconds" "$start" "$end" "$store" "$strategy" <<'PY'
import json, sys, glob
work, workers, trials, batch, seconds, start, end, store, strategy = sys.argv[1:]
workers, trials, batch = int(workers), int(trials), int(batch)
elapsed = float(end) - float(start)
status = json.load(open(f"{work}/status.json"))
log = status["trials"]
numbers = [t["id"] for t in log]
complete = sum(t["state"] == "complete" for t in log)
claimed_twice = sum(t["attempts"] != 1 for t in log)
summaries = [json.load(open(f"{work}/w{i}.json")) for i in range(1, workers + 1)]
errors = "".join(open(p).read() for p in glob.glob(f"{work}/*.err"))
problems = [word for word in ("database is locked", "deadlock", "error") if word in errors.lower()]
print(f"store {store}: {workers} workers, {trials} trials in batches of {batch} ({strategy}), dry-run {float(seconds)*1000:.0f} ms per trial")
print(f"  {trials} trials in {elapsed:.2f} s: {trials / elapsed:.1f} trials/s "
      f"(the evaluators alone allow {workers / float(seconds):.0f}/s)" if float(seconds) > 0 else f"  {trials / elapsed:.1f} trials/s")
print(f"  log: {len(log)} trials, {complete} complete, numbers 0..{trials-1} each once: {numbers == list(range(trials))}, "
      f"claimed more than once: {claimed_twice}, problems in logs: {problems or 'none'}")
by_worker = [s["trials"] for s in summaries]
print(f"  trials per worker: {by_worker} (sum {sum(by_worker)})")
medians = [s["claimMilliseconds"]["median"] for s in summaries if s.get("claimMilliseconds")]
p95s = [s["claimMilliseconds"]["p95"] for s in summaries if s.get("claimMilliseconds")]
maxes = [s["claimMilliseconds"]["max"] for s in summaries if s.get("claimMilliseconds")]
print(f"  claim latency per worker: median {min(medians):.2f}–{max(medians):.2f} ms, p95 {min(p95s):.2f}–{max(p95s):.2f} ms, max {max(maxes):.1f} ms")
ok = len(log) == trials and complete == trials and numbers == list(range(trials)) and claimed_twice == 0 \
    and not problems and sum(by_worker) == trials
print("  OK" if ok else "  FAILED")
sys.exit(0 if ok else 1)
PY
