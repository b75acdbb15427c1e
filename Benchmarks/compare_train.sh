#!/usr/bin/env bash
# Training throughput, SwiftNAS vs PyTorch, same architecture and arguments, one invocation:
#   1. `nas bench train ... --json`                      (SwiftNAS; one JSON line)
#   2. Benchmarks/torch_train_bench.py ... --layout both (PyTorch channels_last and NCHW,
#      each in its own process; one JSON line each)
# then a table with images/s, GFLOP/s, peak memory and the ratio SwiftNAS / PyTorch per layout.
#
# Usage: Benchmarks/compare_train.sh [--arch A] [--resolution R] [--channels C] [--batch B]
#            [--steps N] [--threads T] [--classes K] [--width W] [--stem-stride S] [--warmup W]
#            [--torch-only | --swift-only] [--out DIR]
# --classes, --width and --stem-stride go to both sides; --warmup only to PyTorch (nas warms up 3 steps).
# Defaults: --arch efficientnet-b0 --resolution 32 --channels 3 --batch 64 --steps 20 --threads 2
# Environment: NAS = the nas binary (default .build/release/nas); PYTHON (default python3).
# The raw JSON lines are kept in DIR (default: a temporary folder, printed at the end).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
PYTHON="${PYTHON:-python3}"
NAS="${NAS:-$REPO/.build/release/nas}"

ARCH=efficientnet-b0 RESOLUTION=32 CHANNELS=3 BATCH=64 STEPS=20 THREADS=2
CLASSES="" WIDTH="" STEM_STRIDE="" WARMUP="" OUT="" RUN_SWIFT=1 RUN_TORCH=1
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) ARCH="$2"; shift 2 ;;
        --resolution) RESOLUTION="$2"; shift 2 ;;
        --channels) CHANNELS="$2"; shift 2 ;;
        --batch) BATCH="$2"; shift 2 ;;
        --steps) STEPS="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --classes) CLASSES="$2"; shift 2 ;;
        --width) WIDTH="$2"; shift 2 ;;
        --stem-stride) STEM_STRIDE="$2"; shift 2 ;;
        --warmup) WARMUP="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --torch-only) RUN_SWIFT=0; shift ;;
        --swift-only) RUN_TORCH=0; shift ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare_train.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

COMMON=(--arch "$ARCH" --resolution "$RESOLUTION" --channels "$CHANNELS" --batch "$BATCH" --steps "$STEPS"
        --threads "$THREADS")
[ -n "$CLASSES" ] && COMMON+=(--classes "$CLASSES")
[ -n "$WIDTH" ] && COMMON+=(--width "$WIDTH")
[ -n "$STEM_STRIDE" ] && COMMON+=(--stem-stride "$STEM_STRIDE")
TORCH_EXTRA=()
[ -n "$WARMUP" ] && TORCH_EXTRA+=(--warmup "$WARMUP")   # nas bench train warms up 3 steps, fixed

if [ -z "$OUT" ]; then OUT="$(mktemp -d -t compare_train.XXXXXX)"; fi
mkdir -p "$OUT"
SWIFT_JSON="$OUT/swiftnas.jsonl"
TORCH_JSON="$OUT/pytorch.jsonl"
: > "$SWIFT_JSON"
: > "$TORCH_JSON"

ensure_torch() {
    if "$PYTHON" -c "import torch" 2>/dev/null; then return; fi
    echo "== torch missing: installing torch 2.13.0+cpu" >&2
    "$PYTHON" -m pip install "torch==2.13.0+cpu" --no-deps
    "$PYTHON" -m pip install filelock typing-extensions sympy networkx jinja2 fsspec numpy
    "$PYTHON" -c "import torch; print('torch', torch.__version__)" >&2
}

echo "== arguments: ${COMMON[*]}" >&2

if [ "$RUN_SWIFT" = 1 ]; then
    if [ ! -x "$NAS" ]; then
        echo "== no nas binary at $NAS: build it (swift build -c release) or set NAS; skipping SwiftNAS" >&2
    else
        echo "== SwiftNAS: $NAS bench train ${COMMON[*]} --json (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
        if "$NAS" bench train "${COMMON[@]}" --json > "$OUT/swiftnas.out" 2> "$OUT/swiftnas.err"; then
            grep '^{' "$OUT/swiftnas.out" | tail -n 1 > "$SWIFT_JSON" || true
            cat "$SWIFT_JSON" >&2
        else
            echo "== SwiftNAS run failed (exit $?); its stderr:" >&2
            tail -n 5 "$OUT/swiftnas.err" >&2
        fi
    fi
fi

if [ "$RUN_TORCH" = 1 ]; then
    ensure_torch
    NAS_ARG=()
    [ -x "$NAS" ] && NAS_ARG=(--nas "$NAS")   # else the script finds .build/debug/nas or PATH's
    echo "== PyTorch: $PYTHON $HERE/torch_train_bench.py ${COMMON[*]} ${TORCH_EXTRA[*]:-} --layout both ${NAS_ARG[*]:-} (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$PYTHON" "$HERE/torch_train_bench.py" "${COMMON[@]}" "${TORCH_EXTRA[@]}" --layout both "${NAS_ARG[@]}" > "$TORCH_JSON"
fi

"$PYTHON" - "$SWIFT_JSON" "$TORCH_JSON" <<'EOF'
import json, sys

def lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip().startswith("{")]

swift = lines(sys.argv[1])
swift = swift[-1] if swift else None
torch_rows = lines(sys.argv[2])

def fmt(v, spec):
    width = int("".join(c for c in spec.split(".")[0] if c.isdigit()) or 0)
    return format(v, spec) if isinstance(v, (int, float)) else format("n/a", f">{width}")

def mib(v):
    return v / 2**20 if isinstance(v, (int, float)) else None

head = f"{'run':24} {'images/s':>10} {'GFLOP/s':>9} {'peak MiB':>9} {'seconds':>8} {'Swift/PyTorch':>14}"
print()
print(head)
print("-" * len(head))
s = swift or {}
s_ips = s.get("images_per_second")
print(f"{'SwiftNAS':24} {fmt(s_ips, '10.1f')} {fmt(s.get('gflops_per_second'), '9.2f')} "
      f"{fmt(mib(s.get('peak_memory_bytes')), '9.0f')} {fmt(s.get('seconds'), '8.2f')} {'':>14}")
for r in torch_rows:
    ratio = f"{s_ips / r['images_per_second']:.2f}x" if s_ips else "n/a"
    print(f"{'PyTorch ' + r['layout']:24} {r['images_per_second']:10.1f} {r['gflops_per_second']:9.2f} "
          f"{mib(r['peak_memory_bytes']):9.0f} {r['seconds']:8.2f} {ratio:>14}")
if swift and torch_rows:
    for key in ("params", "macs", "classes", "batch", "resolution", "channels"):
        if key in swift and swift[key] != torch_rows[0][key]:
            print(f"WARNING: {key} differs: SwiftNAS {swift[key]} vs PyTorch {torch_rows[0][key]}")
if torch_rows:
    r = torch_rows[0]
    print(f"\n{r['name']} at {r['resolution']}x{r['resolution']}x{r['channels']}, {r['classes']} classes, "
          f"batch {r['batch']}, {r['steps']} timed steps after {r['warmup']} warm-up, {r['threads']} threads; "
          f"{r['macs']:,} forward MACs/image.")
    print("GFLOP/s = 3 x 2 x forward MACs x images/s / 1e9 (training ~ 3 x forward; FLOPs = 2 x MACs).")
    print("Peak MiB = each process's peak resident set (PyTorch's includes ~300 MiB of interpreter and libraries).")
    print("Other jobs on the same cores distort both sides (PyTorch's OpenMP pool most): compare the load averages")
    print("printed above and PyTorch's step_seconds_min / images_per_second_median_step in the raw JSON.")
EOF
echo "raw JSON: $OUT" >&2
