#!/usr/bin/env python3
"""Per-batch summary of one or more runs, from `nas status --json` (Docs/PROXY.md).

    python3 Benchmarks/search/batches.py Runs/b0-rediscovery Runs/b0-rediscovery-random ...
    python3 Benchmarks/search/batches.py --window 48 RUN...   # groups of 48 sampled trials

For each run and each batch of sampled trials: mean reward, mean accuracy, median MACs and
how many trials fall within ±10% of the target. Then the accuracy-against-log2(MACs) slope
over all complete sampled trials (the exponent that would make the reward neutral to MACs is
-slope / mean accuracy).
"""
import json
import math
import statistics
import subprocess
import sys

NAS = ".build/release/nas"


def status(directory):
    out = subprocess.run([NAS, "status", directory, "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


arguments = sys.argv[1:]
window = None
if arguments[:1] == ["--window"]:
    window, arguments = int(arguments[1]), arguments[2:]

for directory in arguments:
    s = status(directory)
    run = s["run"]
    samples = [t for t in s["trials"] if not t["reference"] and t["state"] == "complete"]
    print(f"== {run['name']} ({run['strategy']}{'/' + run['policy'] if run.get('policy') else ''}): "
          f"{len(samples)} complete sampled trials")
    if window:
        groups = [(f"{i + 1}-{min(i + window, len(samples))}", samples[i:i + window]) for i in range(0, len(samples), window)]
    else:
        groups = [(str(b), [t for t in samples if t["batch"] == b]) for b in sorted({t["batch"] for t in samples})]
    print(f"{'trials' if window else 'batch':>7s}  n  mean reward  mean acc  median MACs  near T")
    for b, ts in groups:
        near = sum(abs(t["components"]["ratio"] - 1) <= 0.1 for t in ts)
        print(f"{b:>7s} {len(ts):2d}  {statistics.mean(t['reward'] for t in ts):11.4f}  "
              f"{statistics.mean(t['accuracy'] for t in ts):8.4f}  {statistics.median(t['macs'] for t in ts) / 1e6:9.1f}M  {near:6d}")
    if len(samples) >= 3:
        xs = [math.log2(t["macs"]) for t in samples]
        ys = [t["accuracy"] for t in samples]
        mx, my = statistics.mean(xs), statistics.mean(ys)
        sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
        sxx = sum((x - mx) ** 2 for x in xs)
        syy = sum((y - my) ** 2 for y in ys)
        slope = sxy / sxx
        r = sxy / math.sqrt(sxx * syy) if syy > 0 else float("nan")
        print(f"accuracy vs log2(MACs): slope {slope:+.4f} per doubling, r {r:+.2f}, neutral exponent {-slope / my:+.4f}")
    print()
