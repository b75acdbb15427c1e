#!/bin/sh
# Regenerates controller_states.json from the controller of a commit (default: the working tree):
#     sh Tests/NASControllerTests/Fixtures/make_controller_states.sh [commit]
# The committed file was made by commit 8ed3513, before strategies became types (issue 15):
# the tests check the current controller proposes, updates and encodes exactly as that one did.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ $# -ge 1 ]; then
    git -C "$root" archive "$1" Sources/NASRandom Sources/NASController | tar -x -C "$work"
else
    mkdir -p "$work/Sources" && cp -r "$root/Sources/NASRandom" "$root/Sources/NASController" "$work/Sources/"
fi
mkdir "$work/one"
find "$work/Sources/NASRandom" "$work/Sources/NASController" -name '*.swift' | while read -r f; do
    sed 's/^import NASRandom$//' "$f" > "$work/one/$(echo "$f" | tr / _)"
done
cp "$here/MakeControllerStates.swift" "$work/one/main.swift"
swiftc -O -module-name States "$work"/one/*.swift -o "$work/states"
"$work/states" > "$here/controller_states.json"
