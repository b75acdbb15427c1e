#!/usr/bin/env python3
"""A search's result confirmed with fresh seeds: its best architecture (`nas status`'s best —
with promotion, the best mean at the highest rung) and its reference trials, each trained
again with seeds the search never used, at a given budget, two trainings at a time with one
thread each. Selection at the search's own seeds favours lucky draws; these seeds do not.

    python3 Benchmarks/search/confirm.py Runs/b0-rediscovery-promoted --seeds 101 102 103 \\
        --train "--dataset cifar10 --data ../shared/datasets/cifar10-jpeg.tar.gz --resolution 32 \\
                 --stem-stride 1 --width 0.25 --batch 128 --epochs 3" --out Runs/b0-rediscovery-promoted/confirm.jsonl

`--train` is the recipe (the space's proxy settings with the budget of the comparison; `nas
status` does not carry them). Prints per architecture the accuracy per seed, mean, range and
the reward recomputed from each with the run's α, β and T; `--out` keeps one JSON line per
training (resumable: trainings already in the file are not run again).
"""
import argparse
import concurrent.futures
import json
import os
import shlex
import statistics
import subprocess
import tempfile

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("run")
parser.add_argument("--seeds", type=int, nargs="+", default=[101, 102, 103])
parser.add_argument("--train", required=True, help="nas train flags: data, resolution, width, budget …")
parser.add_argument("--also", type=int, nargs="*", default=[], help="further trials to train (e.g. the best within ±10%% of T)")
parser.add_argument("--jobs", type=int, default=2)
parser.add_argument("--out", help="JSON lines, one per training (read first: done trainings are skipped)")
args = parser.parse_args()
NAS = os.environ.get("NAS", os.path.abspath(".build/release/nas"))

status = json.loads(subprocess.run([NAS, "status", args.run, "--json"], check=True, capture_output=True, text=True).stdout)
reward = status["run"]["reward"]
# The hand-picked references (role reference: not the leader's or promotion's evaluations).
chosen = [t for t in status["trials"] if t["reference"]] + [status["best"]] + [status["trials"][n] for n in args.also]
folder = tempfile.mkdtemp(prefix="confirm-")
for trial in chosen:
    subprocess.run([NAS, "export", args.run, "--trial", str(trial["id"]), "--format", "json",
                    "--output", os.path.join(folder, f"trial{trial['id']}.json")], check=True, capture_output=True)

done = {}
if args.out and os.path.exists(args.out):
    for line in open(args.out):
        row = json.loads(line)
        done[(row["trial"], row["seed"])] = row


def train(job):
    trial, seed = job
    if (trial["id"], seed) in done:
        return done[(trial["id"], seed)]
    out = subprocess.run([NAS, "train", os.path.join(folder, f"trial{trial['id']}.json"), *shlex.split(args.train),
                          "--seed", str(seed), "--threads", "1", "--json"], check=True, capture_output=True, text=True).stdout
    row = dict(json.loads(out.strip().splitlines()[-1]), trial=trial["id"], seed=seed, arch_macs=trial["macs"])
    if args.out:
        with open(args.out, "a") as f:
            f.write(json.dumps(row, sort_keys=True) + "\n")
    return row


def reward_of(accuracy, macs):
    ratio = macs / reward["target"]
    return accuracy * ratio ** (reward["alpha"] if ratio <= 1 else reward["beta"])


with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
    rows = list(pool.map(train, [(t, s) for t in chosen for s in args.seeds]))

print(f"{args.run}: {args.train}; seeds {args.seeds}")
print(f"{'trial':>12} {'MACs':>8} | {'accuracy per seed':<24} {'mean':>7} {'range':>15} | {'reward mean':>11} {'range':>15}")
for trial in chosen:
    accs = [r["val_accuracy"] for r in rows if r["trial"] == trial["id"]]
    rewards = [reward_of(a, trial["macs"]) for a in accs]
    name = f"#{trial['id']}" + (" (ref)" if trial["reference"] else " (best)" if trial["id"] == status["best"]["id"] else "")
    print(f"{name:>12} {trial['macs'] / 1e6:7.1f}M | {' '.join(f'{a:.4f}' for a in accs):<24} {statistics.mean(accs):7.4f} "
          f"{min(accs):.4f}–{max(accs):.4f} | {statistics.mean(rewards):11.4f} {min(rewards):.4f}–{max(rewards):.4f}")
