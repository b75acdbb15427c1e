#!/usr/bin/env bash
# How training and inference cost grow with width, resolution and batch on the proxy regime:
# `nas bench train` and `nas bench infer` over a small grid, one JSON line each, then a table.
#
# Usage: Benchmarks/proxy/scaling.sh [--threads T] [--channels C] [--stem-stride S] [--steps N]
# Defaults: --threads 1 --channels 3 --stem-stride 1 --steps 10 (mnasnet.yaml's proxy network).
# Environment: NAS = the nas binary (default .build/release/nas).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAS="${NAS:-$HERE/../../.build/release/nas}"
THREADS=1 CHANNELS=3 STEM=1 STEPS=10
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) THREADS="$2"; shift 2 ;;
        --channels) CHANNELS="$2"; shift 2 ;;
        --stem-stride) STEM="$2"; shift 2 ;;
        --steps) STEPS="$2"; shift 2 ;;
        -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "scaling.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); threads $THREADS, channels $CHANNELS, stem stride $STEM"
printf "%-6s %-5s %-6s %14s %10s %14s %12s\n" width px batch "train img/s" "GFLOP/s" "infer img/s" "ms at 1"
for width in 0.25 0.5 1.0; do
    for resolution in 32 64; do
        for batch in 64 128; do
            common=(--width "$width" --resolution "$resolution" --channels "$CHANNELS" --stem-stride "$STEM" --threads "$THREADS" --json)
            train=$("$NAS" bench train "${common[@]}" --batch "$batch" --steps "$STEPS")
            infer=$("$NAS" bench infer "${common[@]}" --batch "$batch" --runs 10)
            python3 - "$width" "$resolution" "$batch" "$train" "$infer" <<'PY'
import json, sys
width, resolution, batch, train, infer = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), json.loads(sys.argv[5])
print(f"{width:<6} {resolution:<5} {batch:<6} {train['images_per_second']:14.0f} {train['gflops_per_second']:10.1f} "
      f"{infer['images_per_second']:14.0f} {infer['latency_ms']:12.3f}")
PY
        done
    done
done
