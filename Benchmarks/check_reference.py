#!/usr/bin/env python3
"""Checks torch_reference.py against `nas arch`: for every case, the PyTorch model built from
`nas arch ... --format json` (and, separately, from `--format file`) must have exactly the
JSON's "params" (sum of p.numel()) and "macs" (conv + linear multiply-adds measured by forward
hooks, and half of torch.utils.flop_counter's FLOPs), and produce [batch, classes] logits.

    python3 Benchmarks/check_reference.py            # uses $NAS, .build/release/nas or .build/debug/nas
    python3 Benchmarks/check_reference.py --quick    # skip the forward-pass MAC checks at 224/384

Exits non-zero on the first mismatch.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402

import torch_reference as tr  # noqa: E402

REPO = os.path.dirname(HERE)


def find_nas() -> str:
    candidates = [os.environ.get("NAS"), os.path.join(REPO, ".build/release/nas"),
                  os.path.join(REPO, ".build/debug/nas")]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    sys.exit("no nas binary: set $NAS or build .build/release/nas")


def nas_arch(nas: str, arch: str, args: list, fmt: str) -> str:
    cmd = [nas, "arch", arch, *args, "--format", fmt]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    return r.stdout


def flop_counter_macs(model: torch.nn.Module, channels: int, resolution: int) -> int:
    from torch.utils.flop_counter import FlopCounterMode
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        model(torch.zeros(1, channels, resolution, resolution))
    flops = fc.get_total_flops()
    assert flops % 2 == 0, flops
    return flops // 2


def check(nas: str, label: str, arch: str, args: list, forward: bool, named: bool = True) -> None:
    info = json.loads(nas_arch(nas, arch, args, "json"))
    text = nas_arch(nas, arch, args, "file")
    res, ch, classes = info["resolution"], info["channels"], info["classes"]
    # The JSON has no activation/dropout/drop-connect: for a named model build() knows them;
    # for a file, pass the file's (as torch_train_bench.py does by building from the file).
    overrides = {}
    if not named:
        fs = tr.parse_arch_file(text)
        overrides = dict(activation=fs.activation, dropout=fs.dropout, drop_connect=fs.drop_connect)
    results = {}
    for kind, source in (("json", info), ("file", text)):
        model = tr.build(source, **(overrides if kind == "json" else {}))
        params = tr.count_params(model)
        ok = params == info["params"]
        line = f"  from {kind:4}: params {params:>11,} {'==' if ok else '!='} {info['params']:,}"
        if not ok:
            print(f"{label}:\n{line}")
            raise SystemExit(f"FAIL {label}: params {params} != {info['params']}")
        if forward:
            macs = tr.count_macs(model, res, ch)
            fmacs = flop_counter_macs(model, ch, res)
            ok = macs == info["macs"] == fmacs
            line += f"; MACs hooks {macs:,} / flop_counter/2 {fmacs:,} {'==' if ok else '!='} {info['macs']:,}"
            if not ok:
                print(f"{label}:\n{line}")
                raise SystemExit(f"FAIL {label}: MACs {macs} / {fmacs} != {info['macs']}")
        results[kind] = (model, line)
    # Both sources must describe the same network (same layers, same settings).
    mj, mf = results["json"][0], results["file"][0]
    if str(mj) != str(mf) or mj.arch.activation != mf.arch.activation or mj.arch.dropout != mf.arch.dropout \
            or mj.arch.drop_connect != mf.arch.drop_connect:
        raise SystemExit(f"FAIL {label}: the JSON and file builds differ")
    if forward:
        mf.train()
        out = mf(torch.randn(2, ch, res, res))
        assert tuple(out.shape) == (2, classes), out.shape
        out.sum().backward()
    print(f"ok  {label}  ({info['name']} at {res}x{res}x{ch}, {classes} classes)")
    for kind in ("json", "file"):
        print(results[kind][1])


RANDOM_OPS = ["ir", "ir", "ir", "er", "ds", "cn"]


def random_arch(rng: random.Random) -> str:
    """A random architecture file exercising every option the grammar has."""
    lines = [f"stem: {rng.choice([8, 12, 16, 24, 32])}",
             f"head: {rng.choice([0, 0, 320, 1280])}",
             f"activation: {rng.choice(tr.ACTIVATIONS)}",
             f"resolution: {rng.choice([32, 64])}",
             f"classes: {rng.choice([10, 100])}",
             f"channels: {rng.choice([1, 3])}",
             f"drop-connect: {rng.choice([0, 0.2])}"]
    stride_budget = 4  # stem 2 x 2^4 = 32
    for _ in range(rng.randint(2, 6)):
        stage = []
        for _ in range(rng.choice([1, 1, 2])):
            op = rng.choice(RANDOM_OPS)
            s = 2 if stride_budget > 0 and rng.random() < 0.5 else 1
            stride_budget -= s == 2
            parts = [op, f"r{rng.randint(1, 3)}", f"k{rng.choice([1, 3, 5, 7])}", f"s{s}"]
            if op in ("ir", "er"):
                parts.append(f"e{rng.choice([1, 2.5, 3, 4, 6])}")
            parts.append(f"c{rng.randint(4, 200)}")
            if op != "cn" and rng.random() < 0.5:
                parts.append(f"se{rng.choice([0.05, 0.125, 0.25, 0.5, 1])}")
            if op == "cn" and rng.random() < 0.5:
                parts.append("skip")
            if op != "cn" and rng.random() < 0.3:
                parts.append("noskip")
            if rng.random() < 0.3:
                parts.append("n" + rng.choice(["sw", "re", "r6"]))
            stage.append("_".join(parts))
        lines.append(" ".join(stage))
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="params only for the models at 224/384")
    ap.add_argument("--random", type=int, default=12, help="random architecture files to check (default 12)")
    a = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("THREADS", "1")))
    torch.manual_seed(0)
    nas = find_nas()
    print(f"nas: {nas}; torch {torch.__version__}")
    full = not a.quick
    check(nas, "efficientnet-b0 (3 ch, 1000 classes)", "efficientnet-b0", [], full)
    check(nas, "efficientnet-b0 (1 ch, 10 classes, width 0.5, 32x32)", "efficientnet-b0",
          ["--channels", "1", "--classes", "10", "--width", "0.5", "--resolution", "32"], True)
    check(nas, "mnasnet-a1", "mnasnet-a1", [], full)
    check(nas, "mobilenet-v2", "mobilenet-v2", [], full)
    check(nas, "efficientnetv2-s", "efficientnetv2-s", [], full)
    check(nas, "efficientnet-b3 (3 ch, 10 classes, 32x32)", "efficientnet-b3",
          ["--classes", "10", "--resolution", "32"], True)
    with tempfile.TemporaryDirectory() as tmp:
        # TF block strings read directly by torch_reference (not canonicalized by nas).
        tf_file = os.path.join(tmp, "b0-tf.arch")
        with open(tf_file, "w") as f:
            f.write("resolution: 32\nclasses: 10\n" + nas_arch(nas, "efficientnet-b0", [], "tf"))
        info = json.loads(nas_arch(nas, tf_file, [], "json"))
        model = tr.build(tf_file)
        assert tr.count(model, 32) == (info["params"], info["macs"]), (tr.count(model, 32), info)
        print(f"ok  TF strings file read directly: {info['params']:,} params, {info['macs']:,} MACs")
        rng = random.Random(2024)
        for i in range(a.random):
            path = os.path.join(tmp, f"random{i}.arch")
            with open(path, "w") as f:
                f.write(random_arch(rng))
            r = subprocess.run([nas, "arch", path, "--format", "json"], capture_output=True, text=True)
            if r.returncode != 0:  # e.g. a string nas rejects: skip, but say so
                print(f"--  random{i}: nas rejected it: {r.stderr.strip().splitlines()[-1]}")
                continue
            check(nas, f"random{i}: {' '.join(open(path).read().split(chr(10))[7:]).strip()}", path, [], True, named=False)
            # and the raw file, parsed by torch_reference without nas canonicalizing it
            info = json.loads(r.stdout)
            assert tr.count(tr.build(path), info["resolution"]) == (info["params"], info["macs"])
    print("all checks passed")


if __name__ == "__main__":
    main()
