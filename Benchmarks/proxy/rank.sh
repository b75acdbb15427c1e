#!/bin/bash
# Proxy-task ranking measurement (issue 5): trains five EfficientNet-B0 variants spanning
# 107M–905M MACs (at 224) with two seeds on a proxy task, two trainings at a time (one
# thread each), and prints one JSON line per training. Results: Docs/PROXY.md.
#
#   bash Benchmarks/proxy/rank.sh fashion-mnist "--width 0.25 --epochs 1"
#   bash Benchmarks/proxy/rank.sh cifar10 "--width 0.25 --epochs 2" ../shared/datasets/cifar10-jpeg.tar.gz
set -euo pipefail
cd "$(dirname "$0")"
dataset=$1; budget=$2; data=${3:-}
nas=../../.build/release/nas
[ -x "$nas" ] || (cd ../.. && swift build -c release --product nas >/dev/null)
extra=""; [ -n "$data" ] && extra="--data $(realpath "../../$data" 2>/dev/null || realpath "$data")"
for arch in small e3 k3 b0 large; do for seed in 1 2; do echo "$arch $seed"; done; done |
    xargs -P 2 -L 1 sh -c "r=\$($nas train \$0.arch --dataset $dataset $extra --resolution 32 --seed \$1 $budget --json 2>/dev/null); echo \"{\\\"arch\\\":\\\"\$0\\\",\\\"seed\\\":\$1,\\\"result\\\":\$r}\""
