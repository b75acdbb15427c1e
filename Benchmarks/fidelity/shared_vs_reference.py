#!/usr/bin/env python3
"""Ranks a weight-sharing run's verified networks against a fidelity study's reference.

    python3 Benchmarks/fidelity/shared_vs_reference.py ONESHOT_RUN STUDY_RUN [RESCORE.json ...]

ONESHOT_RUN: a `nas search --weight-sharing` run folder whose verification is done (its
rung-0 trials of the last batch hold the shared-weights scores, its rung-1 trials the
stand-alone trainings). STUDY_RUN: a `nas fidelity --architecture ...` study over the same
networks (batch b = budget b, the reference the study's last one at creation). Networks are
matched by their architecture text (name aside). Each RESCORE.json (`nas rescore ONESHOT_RUN --json`, e.g.
with another `--supernet`) adds its shared-weights scores as one more ranking. Prints, for each ranking (shared weights, the one-shot
run's stand-alone budget, every study budget, MACs), Kendall's tau-b and Spearman's rho of
its per-network mean accuracy against the reference's mean, over the networks both have,
and the reference's seed-to-seed tau. Analysis only: reads both databases, writes nothing.
"""
import json
import sqlite3
import sys
from collections import defaultdict
from statistics import mean

from rank import kendall, spearman


def blocks(architecture):
    """The architecture text without its name line (exported networks are renamed)."""
    return "\n".join(line for line in architecture.splitlines() if not line.startswith("name:"))


def complete(db, where):
    rows = db.execute(f"select batch, architecture, accuracy, macs from trial where state = 'complete' "
                      f"and accuracy is not null {where} order by number").fetchall()
    return [(batch, blocks(architecture), accuracy, macs) for batch, architecture, accuracy, macs in rows]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    oneshot = sqlite3.connect(f"file:{sys.argv[1]}/trials.sqlite?mode=ro", uri=True)
    study = sqlite3.connect(f"file:{sys.argv[2]}/trials.sqlite?mode=ro", uri=True)
    last = oneshot.execute("select max(batch) from trial").fetchone()[0]
    shared = {a: acc for _, a, acc, _ in complete(oneshot, f"and rung = 0 and (batch = {last} or is_reference = 1)")}
    alone = defaultdict(list)
    macs = {}
    for _, a, acc, m in complete(oneshot, "and rung = 1"):
        alone[a].append(acc)
        macs[a] = m
    config = json.loads(study.execute("select config from run").fetchone()[0])
    budgets = config["fidelity"]["budgets"]
    reference_index = config["fidelity"].get("referenceIndex", len(budgets) - 1)
    by_budget = defaultdict(lambda: defaultdict(list))
    for batch, a, acc, m in complete(study, ""):
        by_budget[batch][a].append(acc)
        macs.setdefault(a, m)
    reference = by_budget[reference_index]
    rankings = [("shared weights (one-shot run)", {a: [v] for a, v in shared.items()}),
                ("stand-alone (one-shot run's verification budget)", alone)]
    by_number = {n: blocks(a) for n, a in oneshot.execute("select number, architecture from trial")}
    for path in sys.argv[3:]:
        with open(path) as file:
            rescored = json.load(file)
        entries = rescored.get("verified", []) + rescored.get("references", [])
        scores = {by_number[e["trial"]]: [e["shared_accuracy"]] for e in entries if e.get("shared_accuracy") is not None}
        rankings.append((f"shared weights ({path})", scores))
    rankings += [(f"study budget {b}: {budgets[b]['label']}", by_budget[b]) for b in sorted(by_budget) if b != reference_index]
    rankings.append(("MACs", {a: [m] for a, m in macs.items()}))
    print(f"reference: {budgets[reference_index]['label']}, {len(reference)} networks, "
          f"{sum(map(len, reference.values()))} trainings")
    for label, values in rankings:
        common = [a for a in reference if a in values]
        if len(common) < 3:
            print(f"{label}: fewer than 3 networks in common")
            continue
        x = [mean(values[a]) for a in common]
        y = [mean(reference[a]) for a in common]
        print(f"{label}: tau-b {kendall(x, y):.3f}, Spearman {spearman(x, y):.3f} over {len(common)} networks")
    paired = [v for v in reference.values() if len(v) >= 2]
    if len(paired) >= 3:
        print(f"reference seed vs seed: tau-b {kendall([v[0] for v in paired], [v[1] for v in paired]):.3f} over {len(paired)} networks")
    spread = sorted(mean(v) for v in reference.values())
    if spread:
        print(f"reference mean accuracy: {spread[0]:.4f} to {spread[-1]:.4f}")


if __name__ == "__main__":
    main()
