#!/usr/bin/env python3
"""Strategies compared on the tabular benchmark through the real `nas search` path.

    python3 Benchmarks/tabular/compare.py [--seeds 30] [--trials 500] [--runs DIR] [STRATEGY ...]

STRATEGY is default (what `nas search` picks when told nothing), reinforce/lstm,
reinforce/softmax, evolution or random (default: all five), optionally followed by controller
fields, e.g. reinforce/lstm+biasLearningRate=0.1 (`none` unsets one: the LSTM as it was
before 0.5 is reinforce/lstm+ppoEpochs=none+biasLearningRate=none). Each
(strategy, seed) is one `nas search` over Benchmarks/tabular/space.yaml whose evaluator is
`tabular-benchmark lookup table.csv` (one seed's accuracy per query, picked by the trial's
seed). Runs are kept in --runs (default .build/tabular-runs) and reused, so the script can be
stopped and started again. Prints, per strategy: the median number of queries (sampled trials,
in order) until the best architecture of the table (by mean accuracy over its seeds) and one
of the top 1% are first sampled, their interquartile ranges, and how many seeds got there
within 200 queries.
"""
import json, os, statistics, subprocess, sys

root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
nas = os.path.join(root, ".build", "release", "nas")
tool = os.path.join(root, ".build", "release", "tabular-benchmark")
space = os.path.join(root, "Benchmarks", "tabular", "space.yaml")
table = os.path.join(root, "Benchmarks", "tabular", "table.csv")


def argument(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def ranking():
    rows = {}
    with open(table) as f:
        next(f)
        for line in f:
            key, _, _, accuracy = line.rstrip("\n").split(",")[:4]
            rows.setdefault(key, []).append(float(accuracy))
    means = {key: sum(values) / len(values) for key, values in rows.items()}
    return sorted(means, key=lambda k: -means[k])


def search(strategy, seed, trials, runs):
    folder = os.path.join(runs, f"{strategy.replace('/', '-').replace('+', '-').replace('=', '')}-{seed}")
    if not os.path.exists(os.path.join(folder, "trials.sqlite")):
        name, *fields = strategy.split("+")
        kind, _, policy = name.partition("/")
        command = [nas, "search", "--space", space, "--run", folder, "--evaluator", f"{tool} lookup {table}",
                   "--seed", str(seed), "--trials", str(trials), "--workers", "2", "--quiet"]
        if kind != "default":
            command += ["--strategy", kind]
        if policy:
            command += ["--policy", policy]
        for field in fields:
            command += ["--controller", field]
        subprocess.run(command, check=True)
    else:
        subprocess.run([nas, "resume", folder, "--workers", "2", "--quiet"], check=True)
    status = json.loads(subprocess.run([nas, "status", folder, "--json"], check=True, capture_output=True, text=True).stdout)
    sampled = sorted((t for t in status["trials"] if not t["reference"] and not t.get("leader")), key=lambda t: t["id"])
    return ["|".join(" ".join(stage) for stage in t["arch"]) for t in sampled]


def first(keys, targets):
    return next((index + 1 for index, key in enumerate(keys) if key in targets), None)


def describe(values, trials):
    reached = sorted(v for v in values if v is not None)
    missing = len(values) - len(reached)
    padded = reached + [float("inf")] * missing
    median = statistics.median(padded)
    q1, q3 = (statistics.quantiles(padded, n=4)[i] for i in (0, 2)) if len(padded) > 1 else (median, median)
    show = lambda v: f"> {trials}" if v == float("inf") else f"{v:g}"
    return f"{show(median):>7} [{show(q1)}, {show(q3)}]"


def main():
    seeds = int(argument("--seeds", "30"))
    trials = int(argument("--trials", "500"))
    runs = argument("--runs", os.path.join(root, ".build", "tabular-runs"))
    values = {sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a.startswith("--")}
    named = [a for a in sys.argv[1:] if not a.startswith("-") and a not in values]
    strategies = named or ["default", "reinforce/lstm", "reinforce/softmax", "evolution", "random"]
    os.makedirs(runs, exist_ok=True)
    order = ranking()
    best, top1 = {order[0]}, set(order[: max(1, round(len(order) * 0.01))])
    print(f"table: {len(order)} architectures; top 1% = {len(top1)}; {seeds} seeds x {trials} queries, batches of 8")
    print(f"{'strategy':<20} {'to the best: median [IQR]':>27} {'<=200':>6} {'to top 1%: median [IQR]':>26} {'<=200':>6}")
    for strategy in strategies:
        to_best, to_top = [], []
        for seed in range(1, seeds + 1):
            keys = search(strategy, seed, trials, runs)
            to_best.append(first(keys, best))
            to_top.append(first(keys, top1))
        within = lambda values: sum(1 for v in values if v is not None and v <= 200)
        print(f"{strategy:<20} {describe(to_best, trials):>27} {within(to_best):>3}/{seeds} "
              f"{describe(to_top, trials):>26} {within(to_top):>3}/{seeds}", flush=True)


if __name__ == "__main__":
    main()
