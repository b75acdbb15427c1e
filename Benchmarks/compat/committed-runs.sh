#!/usr/bin/env bash
# Every committed run under Runs/ reads the same with two builds of nas: `status` (text and
# JSON), `export` in every text format and `report` (HTML), compared after removing what is
# meant to differ (the SwiftNAS version and the report's generation time). A restructuring
# must keep these identical. (A run that uses a newer feature than OLD_NAS knows — e.g.
# Runs/absolute-reward's leader evaluations against a build from before them — differs.)
#
#   Benchmarks/compat/committed-runs.sh OLD_NAS [NEW_NAS=.build/release/nas]
#
# Prints one line per run and output, and exits 1 if any differs (the diff is printed).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
old=${1:?usage: committed-runs.sh OLD_NAS [NEW_NAS]}
new=${2:-$root/.build/release/nas}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The version and the generation time are allowed to differ, and so are fields added since
# (the trials' `leader` flag, false in every run written before leader evaluations; `best_rung`,
# 0 in every run without promotion).
normalize() {
    sed -E -e 's/SwiftNAS [0-9]+\.[0-9]+\.[0-9]+[^ ),"<]*/SwiftNAS VERSION/g' \
        -e '/^ *"leader" *: *false *,? *$/d' -e 's/"leader" *: *false *,? *//g' \
        -e '/^ *"best_rung" *: *0 *,? *$/d' -e 's/"best_rung" *: *0 *,? *//g' \
        -e 's/"swiftnas_version" *: *"[^"]*"/"swiftnas_version":"VERSION"/g' \
        -e 's/Generated [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC/Generated TIME/g'
}

outputs() {  # NAS RUN DIR: every output of one build for one run, a file each
    local nas=$1 run=$2 out=$3
    mkdir -p "$out"
    "$nas" status "$run" > "$out/status.txt" 2>&1
    "$nas" status "$run" --json > "$out/status.json" 2>&1
    for format in json timm tf markdown; do
        "$nas" export "$run" --format "$format" > "$out/export-$format.txt" 2>&1
    done
    "$nas" report "$run" --output "$out/report.html" > /dev/null 2>&1 || echo "report failed" > "$out/report.html"
    for file in "$out"/*; do normalize < "$file" > "$file.normalized"; done
}

failed=0
for run in "$root"/Runs/*/ "$root"/Runs/explorations/*/; do
    [ -f "$run/trials.sqlite" ] || continue
    name=${run#"$root"/}
    # Copies, so that neither build can touch the committed files.
    cp -r "$run" "$work/run-old" && cp -r "$run" "$work/run-new"
    outputs "$old" "$work/run-old" "$work/old"
    outputs "$new" "$work/run-new" "$work/new"
    for file in "$work"/old/*.normalized; do
        base=$(basename "$file" .normalized)
        # The run folder's path appears in the outputs: make both the same.
        sed -i "s#$work/run-old#RUN#g" "$file"
        sed -i "s#$work/run-new#RUN#g" "$work/new/$base.normalized"
        if diff -q "$file" "$work/new/$base.normalized" > /dev/null; then
            echo "same      $name $base"
        else
            echo "DIFFERENT $name $base"
            diff "$file" "$work/new/$base.normalized" | head -20
            failed=1
        fi
    done
    rm -rf "$work/run-old" "$work/run-new" "$work/old" "$work/new"
done
exit $failed
