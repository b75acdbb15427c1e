#!/usr/bin/env python3
"""Inference speed, SwiftNAS against onnxruntime and PyTorch, on one network, in one run.

1. `nas bench infer ... --onnx FILE --json`: SwiftNAS's folded network (batch norm inside
   the convolutions) on its own kernels, and the same network written as ONNX.
2. onnxruntime (CPU provider) runs FILE: the network SwiftNAS timed, weights included.
3. PyTorch runs the same architecture built by torch_reference.py from `nas arch --format
   file` (random weights, eval mode, BN not folded, channels_last, inference_mode).

Each framework runs in its own process with the same threads (intra-op = --threads,
inter-op 1), the same batch and the same number of timed passes after 3 untimed ones;
figures are medians. Prints a table and the ratio SwiftNAS / peer; --json prints the rows.

  python3 Benchmarks/compare_infer.py --width 0.25 --channels 1 --batch 64 --threads 2
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def nas_binary() -> str:
    for c in (os.environ.get("NAS"), os.path.join(REPO, ".build/release/nas")):
        if c and os.access(c, os.X_OK):
            return c
    sys.exit("compare_infer.py: no nas binary (build with `swift build -c release` or set NAS)")


def timed(run, batch: int, runs: int) -> dict:
    """Median seconds of run(batch) and run(1) after 3 untimed calls each."""
    out = {}
    for size, key in ((batch, "batch"), (1, "single")):
        for _ in range(3):
            run(size)
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            run(size)
            times.append(time.perf_counter() - t)
        out[key] = statistics.median(times)
    return {"images_per_second": batch / out["batch"], "ms_per_batch": out["batch"] * 1e3, "latency_ms": out["single"] * 1e3,
            "peak_memory_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def child(config: dict) -> dict:
    import numpy as np
    threads, batch, runs = config["threads"], config["batch"], config["runs"]
    shape = (config["channels"], config["resolution"], config["resolution"])
    if config["framework"] == "onnxruntime":
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(config["onnx"], options, providers=["CPUExecutionProvider"])
        images = {n: np.random.rand(n, *shape).astype(np.float32) for n in (batch, 1)}
        result = timed(lambda n: session.run(None, {"image": images[n]}), batch, runs)
        result["version"] = ort.__version__
        return result
    import torch
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    sys.path.insert(0, HERE)
    import torch_reference as tr
    model = tr.build(config["file"]).eval().to(memory_format=torch.channels_last)
    images = {n: torch.rand(n, *shape).contiguous(memory_format=torch.channels_last) for n in (batch, 1)}

    def run(n):
        with torch.inference_mode():
            model(images[n])
    result = timed(run, batch, runs)
    result["version"] = torch.__version__
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="efficientnet-b0")
    ap.add_argument("--resolution", type=int, default=32)
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--stem-stride", type=int)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return

    nas = nas_binary()
    network = ["--arch", args.arch, "--resolution", str(args.resolution), "--channels", str(args.channels),
               "--classes", str(args.classes), "--width", str(args.width)]
    if args.stem_stride:
        network += ["--stem-stride", str(args.stem_stride)]
    folder = tempfile.mkdtemp(prefix="compare_infer.")
    onnx = os.path.join(folder, "network.onnx")
    load = os.getloadavg()
    swift = json.loads(subprocess.run(
        [nas, "bench", "infer", *network, "--batch", str(args.batch), "--runs", str(args.runs), "--threads", str(args.threads),
         "--onnx", onnx, "--json"], check=True, capture_output=True, text=True).stdout)
    arch = [nas, "arch", args.arch, "--resolution", str(args.resolution), "--channels", str(args.channels),
            "--classes", str(args.classes), "--width", str(args.width)] + (["--stem-stride", str(args.stem_stride)] if args.stem_stride else [])
    file_text = subprocess.run(arch + ["--format", "file"], check=True, capture_output=True, text=True).stdout
    rows = [dict(framework="SwiftNAS", **swift)]
    for framework in ("onnxruntime", "pytorch"):
        config = dict(framework=framework, onnx=onnx, file=file_text, threads=args.threads, batch=args.batch, runs=args.runs,
                      channels=args.channels, resolution=args.resolution)
        out = subprocess.run([sys.executable, __file__, "--child", json.dumps(config)], check=True, capture_output=True, text=True)
        rows.append(dict(framework=framework, **json.loads(out.stdout)))
    if args.json:
        print(json.dumps({"rows": rows, "load_before": load, "load_after": os.getloadavg()}))
        return
    print(f"{args.arch} width {args.width} at {args.resolution}x{args.resolution}x{args.channels}, batch {args.batch}, "
          f"{args.threads} threads, median of {args.runs}; load average {load[0]:.2f} before, {os.getloadavg()[0]:.2f} after")
    print(f"{'':14} {'images/s':>10} {'ms/batch':>9} {'ms at 1':>8} {'peak MiB':>9} {'images/s Swift/peer':>20} {'ms at 1 Swift/peer':>19}")
    for row in rows:
        ratio = "" if row is rows[0] else f"{rows[0]['images_per_second'] / row['images_per_second']:.2f}x"
        latency = "" if row is rows[0] else f"{rows[0]['latency_ms'] / row['latency_ms']:.2f}x"
        print(f"{row['framework']:14} {row['images_per_second']:10.0f} {row['ms_per_batch']:9.2f} {row['latency_ms']:8.3f} "
              f"{row['peak_memory_bytes'] / 2**20:9.0f} {ratio:>20} {latency:>19}")
    print(f"ONNX file: {onnx}")


if __name__ == "__main__":
    main()
