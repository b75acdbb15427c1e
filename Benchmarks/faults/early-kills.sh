#!/usr/bin/env bash
# Run creation is atomic: `nas search` killed with SIGKILL at a random moment in its first
# 0.2 s leaves either nothing (no folder, or a folder the next `nas search` reuses) or a run
# that `nas resume` finishes. Prints the counts; exits 1 if any run is left stuck.
#
#   Benchmarks/faults/early-kills.sh [KILLS=200] [MAX_DELAY=0.2]
#
# Finds nas as $NAS, then .build/release/nas. KEEP=DIR keeps a copy of each stuck run there.
set -u
kills=${1:-200}
max_delay=${2:-0.2}
root=$(cd "$(dirname "$0")/../.." && pwd)
nas=${NAS:-$root/.build/release/nas}
space=$root/SearchSpaces/quickstart.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

nothing=0 reusable=0 resumed=0 stuck=0
for ((i = 1; i <= kills; i++)); do
    run=$work/run-$i
    "$nas" search --space "$space" --run "$run" --evaluator dry-run --trials 8 --quiet >/dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v seed="$RANDOM$i" -v max="$max_delay" 'BEGIN { srand(seed); printf "%.4f", rand() * max }')"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [[ ! -e $run ]]; then
        nothing=$((nothing + 1))
    elif resume_error=$("$nas" resume "$run" --quiet 2>&1 >/dev/null); then
        if "$nas" status "$run" | grep -q "8/8 sampled trials finished"; then
            resumed=$((resumed + 1))
        else
            stuck=$((stuck + 1))
            echo "resumed but unfinished: $run" >&2
        fi
    elif "$nas" search --space "$space" --run "$run" --evaluator dry-run --trials 8 --quiet >/dev/null 2>&1; then
        # Never created: the folder holds only creation leftovers, and a new search reuses it.
        reusable=$((reusable + 1))
    else
        stuck=$((stuck + 1))
        echo "stuck: $run: $resume_error ($(ls -A "$run" | tr '\n' ' '))" >&2
        [[ -n ${KEEP:-} ]] && mkdir -p "$KEEP" && cp -r "$run" "$KEEP/stuck-$i"
    fi
done
echo "kills=$kills max_delay=${max_delay}s no_folder=$nothing resumed=$resumed reused_by_search=$reusable stuck=$stuck"
[[ $stuck -eq 0 ]]
