#!/usr/bin/env python3
"""How much each decision moves the reward, from a random-search run (Docs/PROXY.md).

    python3 Benchmarks/search/effects.py Runs/b0-rediscovery-random [--top 12]

Random search samples every decision uniformly and independently, so the mean reward of the
trials that took each option estimates that option's marginal effect. For each decision:
the spread between its best and worst option's mean reward, and the t statistic of the best
option against the rest. Then the reward's standard deviation over all samples: a policy
gradient has to find a decision's effect (the spread) under that much variation from the
other decisions and the training noise.
"""
import argparse
import collections
import json
import math
import statistics
import subprocess

parser = argparse.ArgumentParser()
parser.add_argument("run")
parser.add_argument("--top", type=int, default=12)
parser.add_argument("--nas", default=".build/release/nas")
args = parser.parse_args()

status = json.loads(subprocess.run([args.nas, "status", args.run, "--json"], check=True, capture_output=True, text=True).stdout)
samples = [t for t in status["trials"] if not t["reference"] and t["state"] == "complete"]
rewards = [t["reward"] for t in samples]
print(f"{status['run']['name']}: {len(samples)} complete sampled trials, reward mean {statistics.mean(rewards):.4f}, "
      f"sd {statistics.pstdev(rewards):.4f}; accuracy sd {statistics.pstdev(t['accuracy'] for t in samples):.4f}")
rows = []
for name in sorted(samples[0]["decisions"]):
    groups = collections.defaultdict(list)
    for t in samples:
        groups[t["decisions"][name]].append(t["reward"])
    means = {option: statistics.mean(values) for option, values in groups.items()}
    best = max(means, key=means.get)
    rest = [r for option, values in groups.items() if option != best for r in values]
    se = math.sqrt(statistics.pvariance(groups[best]) / len(groups[best]) + statistics.pvariance(rest) / len(rest))
    rows.append((max(means.values()) - min(means.values()), (means[best] - statistics.mean(rest)) / se, name, best, len(groups)))
rows.sort(reverse=True)
print(f"{'decision':28s} {'options':>7s} {'spread':>7s} {'t(best)':>7s}  best option")
for spread, t, name, best, n in rows[: args.top]:
    print(f"{name:28s} {n:7d} {spread:7.4f} {t:7.1f}  {best}")
spreads = [r[0] for r in rows]
print(f"{len(rows)} decisions: median spread {statistics.median(spreads):.4f}, "
      f"median spread / reward sd {statistics.median(spreads) / statistics.pstdev(rewards):.2f}; "
      f"{sum(1 for r in rows if r[1] > 2)} with t > 2")
