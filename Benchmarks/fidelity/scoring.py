#!/usr/bin/env python3
"""What scoring fewer validation images does to a fidelity study's ranking, with the training
held fixed: every trial of one budget of a study is trained again with its own seed (so with
the same weights), and scored on the whole validation split and on `--images` class-stratified
subsets of it (`nas train --evaluation-images`), after each of `--recalibration` batch-norm
recalibrations. The budgets of the study itself are trained with different seeds, so their τ
against the reference mixes scoring noise with training noise; here only the scoring changes.

    python3 Benchmarks/fidelity/scoring.py Runs/fidelity-fashion-mnist --budget steps=64 \\
        --train "--dataset fashion-mnist --resolution 32 --width 0.25 --batch 128" \\
        --images 2000 1000 --recalibration 20 5 --out Runs/fidelity-fashion-mnist/scoring.jsonl

`--train` is the study's shared recipe without the budget (`nas train` cannot take a study's
trial); the budget's steps or epochs are read from the study. A whole-split score at the
study's recalibration must equal the stored trial's accuracy, which checks the recipe. Prints
per scoring Kendall τ-b against the reference (accuracies averaged over seeds first, as `nas
status` does), the paired bootstrap interval of its difference from the whole split's τ, and
τ against the whole split's ranking of the same networks; `--out` keeps one JSON line per
(trial, recalibration) (resumable).
"""
import argparse
import concurrent.futures
import json
import os
import random
import shlex
import sqlite3
import statistics
import subprocess
import tempfile

from rank import kendall

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("run")
parser.add_argument("--budget", required=True, help="the budget's label as `nas status` shows it (e.g. steps=64)")
parser.add_argument("--train", required=True, help="nas train flags: the study's data and shared recipe")
parser.add_argument("--images", type=int, nargs="+", default=[2000, 1000])
parser.add_argument("--recalibration", type=int, nargs="+", default=[20, 5])
parser.add_argument("--jobs", type=int, default=2)
parser.add_argument("--resamples", type=int, default=2000)
parser.add_argument("--out", help="JSON lines, one per trial and recalibration (read first: done ones are skipped)")
args = parser.parse_args()
NAS = os.environ.get("NAS", os.path.abspath(".build/release/nas"))

db = sqlite3.connect(f"file:{args.run}/trials.sqlite?mode=ro", uri=True)
plan = json.loads(db.execute("select config from run").fetchone()[0])["fidelity"]
labels = [b["label"] for b in plan["budgets"]]
budget = labels.index(args.budget)
reference = plan.get("referenceIndex", len(labels) - 1)
proxy = plan["budgets"][budget]["proxy"]
length = ["--steps", str(proxy["steps"])] if "steps" in proxy else ["--epochs", str(proxy["epochs"])]


def trials(batch):
    return db.execute("select number, architecture, seed, accuracy from trial where batch = ? and state = 'complete' order by number",
                      (batch,)).fetchall()


def accuracy(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{shlex.join(command)} failed: {result.stderr.strip().splitlines()[-1:]}")
    line = json.loads(result.stdout.strip().splitlines()[-1])
    return line["val_accuracy"] if "val_accuracy" in line else line["accuracy"]


def score(trial, recalibration):
    """One training scored on the first subset and (its saved model) the whole split; the other
    subsets by trainings of their own, identical up to the scoring."""
    number, architecture, seed, stored = trial
    folder = tempfile.mkdtemp(prefix="scoring-")
    arch = os.path.join(folder, "candidate.arch")
    with open(arch, "w") as file:
        file.write(architecture)
    base = [NAS, "train", arch, *shlex.split(args.train), *length, "--seed", str(seed % 2**64),
            "--recalibration", str(recalibration), "--json"]
    scores = {args.images[0]: accuracy(base + ["--evaluation-images", str(args.images[0]), "--out", folder + "/model"])}
    scores["whole"] = accuracy([NAS, "eval", folder + "/model", "--split", "val", "--json"])
    for images in args.images[1:]:
        scores[images] = accuracy(base + ["--evaluation-images", str(images)])
    return {"trial": number, "architecture": architecture, "recalibration": recalibration, "stored": stored,
            "scores": {str(k): v for k, v in scores.items()}}


done = {}
if args.out and os.path.exists(args.out):
    for line in open(args.out):
        row = json.loads(line)
        done[(row["trial"], row["recalibration"])] = row
todo = [(t, r) for t in trials(budget) for r in args.recalibration if (t[0], r) not in done]
with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
    for row in pool.map(lambda job: score(*job), todo):
        done[(row["trial"], row["recalibration"])] = row
        if args.out:
            with open(args.out, "a") as file:
                file.write(json.dumps(row) + "\n")
        print(f"trial {row['trial']} recalibration {row['recalibration']}: {row['scores']}", flush=True)


truth = {}
for _, architecture, _, acc in trials(reference):
    truth.setdefault(architecture, []).append(acc)
candidates = sorted(truth)
truth = [statistics.mean(truth[c]) for c in candidates]
rows = [row for (_, r), row in done.items() if r in args.recalibration]
mismatched = [row["trial"] for row in rows if row["recalibration"] == args.recalibration[0] and abs(row["scores"]["whole"] - row["stored"]) > 1e-9]
print(f"{len(rows)} scorings; whole-split accuracy at recalibration {args.recalibration[0]} equals the stored trial's:",
      "all" if not mismatched else f"not for trials {mismatched}")
scorings = [(r, k) for r in args.recalibration for k in ["whole"] + [str(i) for i in args.images]]
means = {}
for r, k in scorings:
    per = {}
    for row in rows:
        if row["recalibration"] == r:
            per.setdefault(row["architecture"], []).append(row["scores"][k])
    means[(r, k)] = [statistics.mean(per[c]) for c in candidates]
generator = random.Random(1)
samples = [[generator.randrange(len(candidates)) for _ in candidates] for _ in range(args.resamples)]
whole = means[(args.recalibration[0], "whole")]
print(f"{'recalibration':>13} {'images':>7} {'mean acc':>9} {'τ':>7} {'τ − whole split τ, 90%':>26} {'τ vs whole split':>17}")
for r, k in scorings:
    tau = kendall(means[(r, k)], truth)
    differences = sorted(kendall([means[(r, k)][i] for i in s], [truth[i] for i in s])
                         - kendall([whole[i] for i in s], [truth[i] for i in s]) for s in samples)
    low, high = differences[int(0.05 * len(differences))], differences[int(0.95 * len(differences)) - 1]
    same = kendall(means[(r, k)], means[(r, "whole")])
    print(f"{r:>13} {k:>7} {statistics.mean(means[(r, k)]):>9.4f} {tau:>7.3f} {f'[{low:+.3f}, {high:+.3f}]':>26} {same:>17.3f}")
