#!/usr/bin/env bash
# The committed fidelity studies of Docs/PROXY.md, by name. (Their --proxy pins the recipe
# they were run with: mnasnet.yaml's proxy was Fashion-MNIST, 1 epoch, stem stride 2 then.) Each is a run folder under Runs/;
# run this again after a kill (or in pieces, across sessions) and it resumes where it stopped.
#   bash Benchmarks/fidelity/studies.sh fashion-mnist|fashion-mnist-extend|fashion-mnist-scoring|cifar10|oneshot-reference [NAS]
set -euo pipefail
cd "$(dirname "$0")/../.."
nas=${2:-.build/release/nas}
study() {  # RUN ARGS…: start the study, or resume it when its folder exists
    local run=$1; shift
    if [[ -e $run/trials.sqlite ]]; then "$nas" resume "$run" --workers 2; else "$nas" fidelity --run "$run" --workers 2 "$@"; fi
}
case ${1:?which study: fashion-mnist, fashion-mnist-extend, fashion-mnist-scoring, cifar10 or oneshot-reference} in
fashion-mnist)  # SearchSpaces/mnasnet.yaml's own proxy (1 epoch) and two others against 5 epochs
    study Runs/fidelity-fashion-mnist --space SearchSpaces/mnasnet.yaml --candidates 20 \
        --proxy dataset=fashion-mnist,data=~,stem-stride=2 --budget steps=100 --budget epochs=2 --reference epochs=5 ;;
fashion-mnist-extend)  # more budgets against the same reference (only they train)
    "$nas" fidelity --run Runs/fidelity-fashion-mnist --extend --workers 2 --budget stem-stride=1 ;;
fashion-mnist-scoring)  # a 64-step proxy scored on all 10,000 validation images, on 2,000 and 1,000 (once; then nas resume)
    "$nas" fidelity --run Runs/fidelity-fashion-mnist --extend --workers 2 --budget steps=64 \
        --budget steps=64,evaluation-images=2000,recalibration=5 --budget steps=64,evaluation-images=1000,recalibration=5 ;;
cifar10)  # the same candidates on CIFAR-10 at 32 px, against 3 epochs with a stride-1 stem
    study Runs/fidelity-cifar10 --space SearchSpaces/mnasnet.yaml --candidates 20 \
        --proxy dataset=cifar10,data=../shared/datasets/cifar10-jpeg.tar.gz,stem-stride=2 \
        --budget stem-stride=1 --reference stem-stride=1,epochs=3 ;;
oneshot-reference)  # Runs/oneshot-spread's 21 verified networks (their files in verified/) at 10 epochs, 2 seeds
    architectures=()
    for file in Runs/oneshot-spread/verified/trial*.json; do architectures+=(--architecture "$file"); done
    study Runs/oneshot-reference --space SearchSpaces/mnasnet-shared.yaml "${architectures[@]}" \
        --reference epochs=10 --seeds 1 --reference-seeds 2
    python3 Benchmarks/fidelity/shared_vs_reference.py Runs/oneshot-spread Runs/oneshot-reference ;;
*) echo "unknown study '$1'" >&2; exit 2 ;;
esac
case $1 in
oneshot-reference) folder=Runs/oneshot-reference ;;
*) name=${1%-extend}; folder=Runs/fidelity-${name%-scoring} ;;
esac
sqlite3 "$folder/trials.sqlite" "pragma wal_checkpoint(truncate); vacuum" 2>/dev/null || true
