#!/usr/bin/env bash
# Installs the system packages SwiftNAS needs (only those missing; apt-get update first),
# builds, and runs what is asked:
#   bash setup.sh                 install and build the release `nas`
#   bash setup.sh nas ARGS...     ... then run `nas ARGS...`
#   bash setup.sh test            install and run the whole test suite
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

packages=(libopenblas-dev libsqlite3-dev dataset-fashion-mnist libturbojpeg0-dev libpng-dev zlib1g-dev libpq-dev)
command=${1:-build}
# The integration tests start real servers on loopback: PostgreSQL and a one-node Slurm.
[ "$command" = test ] && packages+=(postgresql-15 slurmctld slurmd slurm-client munge)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

case "$command" in
build)
    swift build -c release --product nas
    ;;
nas)
    shift
    swift build -c release --product nas >&2
    exec .build/release/nas "$@"
    ;;
test)
    shift
    # The line budget (files ≤ 600 lines, functions ≤ 80 unless a comment says why).
    python3 .ci/line-budget.py Sources Tests
    # The docs' map (README's layout table, Docs/DESIGN.md) matches the tree.
    python3 .ci/layout-check.py
    # Package.swift declares every import (Docs/DESIGN.md's map is the real graph).
    python3 .ci/imports-check.py
    # The ONNX export test checks its files with onnx and onnxruntime (PyPI).
    if ! python3 -c "import onnx, onnxruntime, numpy" 2>/dev/null; then
        echo "setup: installing onnx, onnxruntime and numpy (pip)" >&2
        python3 -m pip install --quiet --disable-pip-version-check onnx onnxruntime numpy 2>/dev/null \
            || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages onnx onnxruntime numpy
    fi
    # Release: the numeric tests run many times slower in a debug build.
    swift test -c release -Xswiftc -enable-testing "$@"
    ;;
*)
    echo "usage: bash setup.sh [build | nas ARGS... | test]" >&2
    exit 64
    ;;
esac
