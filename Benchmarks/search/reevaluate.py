#!/usr/bin/env python3
"""Re-evaluates runs' leaders with a longer budget and several seeds (Docs/PROXY.md).

    python3 Benchmarks/search/reevaluate.py Runs/b0-rediscovery Runs/b0-rediscovery-random --top 1 --epochs 3 --seeds 1 2

Takes the first run's reference trials and each run's TOP complete sampled trials by reward, exports each
(`nas export --format json`), trains it with `nas train` on the run's proxy dataset at the
run's width and resolution for EPOCHS, once per seed, two trainings at a time with one
thread each, and prints a table: trial, MACs, search accuracy and reward, then the mean
accuracy over seeds and the reward recomputed from it with the run's α, β and T.
"""
import argparse
import concurrent.futures
import json
import os
import statistics
import subprocess
import tempfile

NAS = os.path.abspath(".build/release/nas")

parser = argparse.ArgumentParser()
parser.add_argument("runs", nargs="+")
parser.add_argument("--top", type=int, default=4)
parser.add_argument("--epochs", type=float, default=3)
parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
parser.add_argument("--jobs", type=int, default=2)
args = parser.parse_args()

chosen = []  # (run, trial)
for index, run in enumerate(args.runs):
    status = json.loads(subprocess.run([NAS, "status", run, "--json"], check=True, capture_output=True, text=True).stdout)
    if index == 0:
        reward = status["run"]["reward"]
    complete = [t for t in status["trials"] if t["state"] == "complete"]
    if index == 0:
        chosen += [(run, t) for t in complete if t["reference"]]
    leaders = sorted((t for t in complete if not t["reference"]), key=lambda t: (-t["reward"], t["id"]))[: args.top]
    chosen += [(run, t) for t in leaders]

# `nas status --json` does not carry the proxy settings: these are SearchSpaces/mnasnet.yaml's.
dataset, width, resolution, batch = "fashion-mnist", 0.25, 32, 128

folder = tempfile.mkdtemp(prefix="reevaluate-")


def path_of(run, trial):
    return os.path.join(folder, f"{os.path.basename(run)}-trial{trial['id']}.json")


for run, trial in chosen:
    subprocess.run([NAS, "export", run, "--trial", str(trial["id"]), "--format", "json", "--output", path_of(run, trial)],
                   check=True, capture_output=True)


def train(run, trial, seed):
    path = path_of(run, trial)
    out = subprocess.run([NAS, "train", path, "--dataset", dataset, "--resolution", str(resolution), "--width", str(width),
                          "--batch", str(batch), "--epochs", str(args.epochs), "--seed", str(seed), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return (run, trial["id"]), seed, json.loads(out.strip().splitlines()[-1])


def reward_of(accuracy, macs):
    ratio = macs / reward["target"]
    return accuracy * ratio ** (reward["alpha"] if ratio <= 1 else reward["beta"])


results = {}
with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
    for key, seed, result in pool.map(lambda job: train(*job), [(r, t, s) for r, t in chosen for s in args.seeds]):
        results.setdefault(key, []).append(result)

print(f"{dataset} w{width} r{resolution}, {args.epochs:g} epochs, seeds {args.seeds}")
print("run                            trial      MACs  search acc  search reward  | accuracy per seed        mean    reward  s/training")
for run, t in chosen:
    accs = [r["val_accuracy"] for r in results[(run, t["id"])]]
    secs = statistics.mean(r["seconds"] for r in results[(run, t["id"])])
    mean = statistics.mean(accs)
    name = f"#{t['id']}" + (" ref" if t["reference"] else "")
    print(f"{os.path.basename(run):30s} {name:8s} {t['macs'] / 1e6:6.1f}M  {t['accuracy']:10.4f}  {t['reward']:13.4f}  | "
          f"{' '.join(f'{a:.4f}' for a in accs):24s} {mean:.4f}  {reward_of(mean, t['macs']):.4f}  {secs:8.1f}")
