#!/usr/bin/env python3
"""Package.swift declares every import: each module a target's files import is among the
target's own dependencies (a transitive one compiles, but hides the real import graph that
Docs/DESIGN.md draws)."""
import glob, os, re, sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
os.chdir(root)
package = open("Package.swift").read()
system = {"Foundation", "FoundationEssentials", "Testing", "Synchronization", "Glibc", "Darwin", "Dispatch"}
products = {"GRDB", "SwiftProtobuf", "ArgumentParser", "Yams"}
pattern = r'\.(target|executableTarget|testTarget)\(\s*name:\s*"([^"]+)"(.*?)\)\s*,\s*(?=\n\s*(?://|\.|\]))'
problems, checked = [], 0
for kind, name, body in re.findall(pattern, package, re.S):
    dependencies = set(re.findall(r'"([A-Za-z]+)"', body.split("path:")[0]))
    path = re.search(r'path:\s*"([^"]+)"', body)
    folder = path.group(1) if path else ("Tests/" if kind == "testTarget" else "Sources/") + name
    for file in glob.glob(folder + "/**/*.swift", recursive=True):
        checked += 1
        for module in re.findall(r"^(?:@testable )?import (\w+)", open(file).read(), re.M):
            if module not in system and module != name and module not in dependencies | products:
                problems.append(f"{file} imports {module}, which Package.swift does not list for {name}")
for line in problems:
    print("imports:", line)
if problems:
    sys.exit(1)
print(f"imports: {checked} files, every import declared in Package.swift")
