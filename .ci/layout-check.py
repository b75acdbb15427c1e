#!/usr/bin/env python3
"""The docs' map matches the tree: every folder under Sources/ is named in README's layout
table (as `Sources/NAME`) and in Docs/DESIGN.md; every folder named there exists."""
import os, re, sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
readme = open(os.path.join(root, "README.md")).read()
design = open(os.path.join(root, "Docs", "DESIGN.md")).read()
folders = sorted(d for d in os.listdir(os.path.join(root, "Sources")) if os.path.isdir(os.path.join(root, "Sources", d)))
problems = []
for name in folders:
    if name.startswith("C") and name != "CSupervisor":
        continue  # system-library module maps, listed together in DESIGN.md
    if f"`Sources/{name}`" not in readme:
        problems.append(f"README.md's layout table does not list Sources/{name}")
    if not re.search(rf"\b{re.escape(name)}\b", design):
        problems.append(f"Docs/DESIGN.md does not name {name}")
for named in set(re.findall(r"`Sources/([A-Za-z]+)`", readme)):
    if named not in folders:
        problems.append(f"README.md lists Sources/{named}, which does not exist")
for line in problems:
    print("layout:", line)
if problems:
    sys.exit(1)
print(f"layout: {len(folders)} folders under Sources, all on the README's table and in Docs/DESIGN.md")
