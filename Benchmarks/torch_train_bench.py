#!/usr/bin/env python3
"""PyTorch training-throughput reference for SwiftNAS's `nas bench train`.

Synthetic input (one fixed random batch, random labels), model.train(), cross-entropy,
SGD with momentum 0.9, one optimizer step per iteration; `--warmup` steps are not timed.
The architecture is resolved by `nas arch ARCH --format file/json` (so --width/--depth,
--resolution, --channels, --classes mean exactly what they mean to nas) and built by
torch_reference.py. Each layout runs in its own fresh subprocess, so thread settings take
effect before torch starts any pool and every layout's peak memory is its own.

Prints one JSON line per layout on stdout (a human summary goes to stderr):

  {"framework": "pytorch", "layout": "channels_last", "images_per_second": ...,
   "gflops_per_second": ..., "peak_memory_bytes": ..., "seconds": ..., ...}

Conventions: MACs = forward multiply-adds of convs and dense layers for one image (the
"macs" of `nas arch --format json`); FLOPs = 2 x MACs; one training step ~ 3 x forward, so
gflops_per_second = 3 x 2 x MACs x images_per_second / 1e9. peak_memory_bytes is the
process's peak resident set (getrusage ru_maxrss), which includes the Python interpreter
and torch's libraries; training_memory_bytes is that peak minus the resident set just
before the first step (model, optimizer and batch already allocated).

Example:
  python3 Benchmarks/torch_train_bench.py --arch efficientnet-b0 --resolution 32 --channels 3 \
      --batch 64 --steps 20 --threads 2 --layout both
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
LAYOUTS = ("channels_last", "nchw")
FLOPS_CONVENTION = ("gflops_per_second = 3 (forward + backward ~ 3 x forward) x 2 (FLOPs per MAC) x "
                    "forward MACs per image (conv + dense, nas arch) x images_per_second / 1e9")


def find_nas(explicit: str | None) -> str | None:
    for c in (explicit, os.environ.get("NAS"), os.path.join(REPO, ".build/release/nas"),
              os.path.join(REPO, ".build/debug/nas")):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    from shutil import which
    return which("nas")


def resolve(args: argparse.Namespace) -> dict:
    """Architecture file text, the nas JSON (params, MACs) and the settings, via nas arch."""
    nas = find_nas(args.nas)
    extra = []
    for flag, value in (("--resolution", args.resolution), ("--channels", args.channels),
                        ("--classes", args.classes), ("--width", args.width), ("--depth", args.depth),
                        ("--variant", args.variant), ("--stem-stride", args.stem_stride)):
        if value is not None:
            extra += [flag, str(value)]
    if nas is not None:
        def run(fmt: str) -> str:
            cmd = [nas, "arch", args.arch, *extra, "--format", fmt]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"{' '.join(cmd)} failed:\n{r.stderr.strip()}")
            return r.stdout
        info = json.loads(run("json"))
        return {"file": run("file"), "name": info["name"], "resolution": info["resolution"],
                "channels": info["channels"], "classes": info["classes"], "params": info["params"],
                "macs": info["macs"], "resolved_by": nas}
    # No nas binary: an architecture file can still be read directly (no width/depth scaling).
    if not os.path.isfile(args.arch) or args.width is not None or args.depth is not None or args.variant:
        sys.exit("no nas binary found (set $NAS or --nas): needed for named models and --width/--depth/--variant")
    sys.path.insert(0, HERE)
    import torch_reference as tr
    overrides = {k: getattr(args, k) for k in ("resolution", "channels", "classes")}
    spec = tr.load_spec(args.arch, **overrides)
    model = tr.build(spec)
    params, macs = tr.count(model, spec.resolution)
    text = open(args.arch).read()
    for key, value in (("resolution", spec.resolution), ("channels", spec.channels), ("classes", spec.classes)):
        text = f"{key}: {value}\n" + "\n".join(l for l in text.split("\n") if not l.strip().startswith(key + ":"))
    return {"file": text, "name": spec.name, "resolution": spec.resolution, "channels": spec.channels,
            "classes": spec.classes, "params": params, "macs": macs, "resolved_by": "torch_reference.py"}


def current_rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def child(config: dict) -> dict:
    """One layout, in a fresh process: build, warm up, time `steps` SGD steps."""
    threads = config["threads"]
    import torch
    if threads:
        torch.set_num_threads(threads)
        torch.set_num_interop_threads(config["interop_threads"] or threads)
    import torch.nn.functional as F
    sys.path.insert(0, HERE)
    import torch_reference as tr

    torch.manual_seed(config["seed"])
    layout = config["layout"]
    fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
    model = tr.build(config["arch"]["file"])
    params = tr.count_params(model)
    if params != config["arch"]["params"]:
        raise SystemExit(f"built {params} params, nas says {config['arch']['params']}")
    model = model.to(memory_format=fmt)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=config["lr"], momentum=0.9)
    a = config["arch"]
    b = config["batch"]
    x = torch.randn(b, a["channels"], a["resolution"], a["resolution"]).contiguous(memory_format=fmt)
    y = torch.randint(0, a["classes"], (b,))

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    rss_before = current_rss_bytes()
    t0 = time.perf_counter()
    for _ in range(config["warmup"]):
        step()
    warmup_seconds = time.perf_counter() - t0
    times, losses = [], []
    t_start = time.perf_counter()
    for _ in range(config["steps"]):
        t = time.perf_counter()
        losses.append(step())
        times.append(time.perf_counter() - t)
    seconds = time.perf_counter() - t_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    ips = b * config["steps"] / seconds
    median_step = statistics.median(times)
    gflop_per_image = 3 * 2 * a["macs"] / 1e9
    return {
        "framework": "pytorch",
        "torch": torch.__version__,
        "layout": layout,
        "arch": config["arch_arg"],
        "name": a["name"],
        "resolution": a["resolution"],
        "channels": a["channels"],
        "classes": a["classes"],
        "params": a["params"],
        "macs": a["macs"],
        "batch": b,
        "steps": config["steps"],
        "warmup": config["warmup"],
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "images_per_second": round(ips, 2),
        "gflops_per_second": round(gflop_per_image * ips, 3),
        "peak_memory_bytes": peak,
        "training_memory_bytes": max(0, peak - rss_before),
        "seconds": round(seconds, 4),
        "warmup_seconds": round(warmup_seconds, 4),
        "step_seconds_min": round(min(times), 5),
        "step_seconds_median": round(median_step, 5),
        "step_seconds_max": round(max(times), 5),
        "images_per_second_median_step": round(b / median_step, 2),
        "loss_first": round(losses[0], 4),
        "loss_last": round(losses[-1], 4),
        "flops_convention": FLOPS_CONVENTION,
        "resolved_by": a["resolved_by"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="efficientnet-b0",
                    help="named model or architecture file (default efficientnet-b0)")
    ap.add_argument("--resolution", type=int, default=32, help="input resolution (default 32, as nas bench train)")
    ap.add_argument("--channels", type=int, default=3, help="input channels (default 3, as nas bench train)")
    ap.add_argument("--classes", type=int, default=10, help="classes (default 10)")
    ap.add_argument("--width", type=float, help="width multiplier (applied by nas arch)")
    ap.add_argument("--depth", type=float, help="depth multiplier (applied by nas arch)")
    ap.add_argument("--variant", help="EfficientNet variant b0..b7 (applied by nas arch)")
    ap.add_argument("--stem-stride", type=int, help="the stem's stride, 1 or 2 (applied by nas arch)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=20, help="timed steps (default 20)")
    ap.add_argument("--warmup", type=int, default=5, help="untimed steps first (default 5)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch.set_num_threads and set_num_interop_threads (default 1, as nas bench train)")
    ap.add_argument("--interop-threads", type=int, default=0, help="override the inter-op threads (default: --threads)")
    ap.add_argument("--layout", choices=("channels_last", "nchw", "both"), default="both")
    ap.add_argument("--lr", type=float, default=0.01, help="SGD learning rate (momentum 0.9)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--nas", help="nas binary (default: $NAS, .build/release/nas, .build/debug/nas, PATH)")
    ap.add_argument("--json", action="store_true", help="accepted for symmetry with nas; JSON is always printed")
    ap.add_argument("--quiet", action="store_true", help="no summary on stderr")
    ap.add_argument("--in-process", action="store_true",
                    help="run the layouts in this process (peak memory then accumulates)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        print(json.dumps(child(json.load(sys.stdin))), flush=True)
        return
    arch = resolve(args)
    layouts = LAYOUTS if args.layout == "both" else (args.layout,)
    env = dict(os.environ)
    if args.threads:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(args.threads)
    for layout in layouts:
        config = {"arch": arch, "arch_arg": args.arch, "layout": layout, "batch": args.batch,
                  "steps": args.steps, "warmup": args.warmup, "threads": args.threads,
                  "interop_threads": args.interop_threads, "lr": args.lr, "seed": args.seed}
        if args.in_process:
            result = child(config)
        else:
            r = subprocess.run([sys.executable, os.path.abspath(__file__), "--child"], input=json.dumps(config),
                               capture_output=True, text=True, env=env)
            if r.returncode != 0:
                sys.exit(f"{layout} run failed:\n{r.stderr.strip()}")
            result = json.loads(r.stdout.strip().splitlines()[-1])
        print(json.dumps(result), flush=True)
        if not args.quiet:
            print(f"# pytorch {layout:13} {result['name']} {result['resolution']}x{result['resolution']}x"
                  f"{result['channels']} batch {result['batch']}, {result['steps']} steps, "
                  f"{result['threads']} threads: {result['images_per_second']:.1f} images/s "
                  f"(median step {result['images_per_second_median_step']:.1f}), "
                  f"{result['gflops_per_second']:.2f} GFLOP/s, peak RSS "
                  f"{result['peak_memory_bytes'] / 2**20:.0f} MiB "
                  f"(+{result['training_memory_bytes'] / 2**20:.0f} MiB training)", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
