#!/usr/bin/env python3
"""The line budget: no hand-written Swift source file over 600 lines, no function over 80.

A function may run longer when the line before its declaration (or its attributes) says why, in a comment
starting `// line-budget:`. Generated code (any path with a Generated folder) is exempt.
Exit status 1 with one line per violation; 0 and a summary line otherwise.
"""
import pathlib
import re
import sys

FILE_LIMIT = 600
FUNCTION_LIMIT = 80
DECLARATION = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|package|static|class|final|"
    r"override|mutating|nonmutating|convenience|required|nonisolated|@inlinable|@inline\(__always\))\s+)*"
    r"(func\s+[^\s(<]+|init[?!]?\s*[(<]|deinit\b|subscript\s*[(<])")

BODYLESS_END = re.compile(r"^\s*(?:(?:public|private|static)\s+)*(?:var|let|struct|class|enum|extension|protocol|case|associatedtype)\b")


def strip_strings_and_comments(line, in_block):
    """The line without string literals and comments, and whether a block comment stays open."""
    result, index = [], 0
    while index < len(line):
        if in_block:
            end = line.find("*/", index)
            if end < 0:
                return "".join(result), True
            index, in_block = end + 2, False
        elif line.startswith("//", index):
            break
        elif line.startswith("/*", index):
            in_block, index = True, index + 2
        elif line[index] == '"':
            end = index + 1
            while end < len(line) and line[end] != '"':
                end += 2 if line[end] == "\\" else 1
            index = end + 1
        else:
            result.append(line[index])
            index += 1
    return "".join(result), in_block


def long_functions(lines):
    """(name, first line, length) of every function longer than the limit and not excused."""
    found, in_block, multiline_string = [], False, False
    stack = []  # (name, start line, depth at which its body opened)
    pending = None  # a declaration whose opening brace has not come yet
    depth = 0
    for number, raw in enumerate(lines, 1):
        if raw.count('"""') % 2 == 1:
            multiline_string = not multiline_string
            continue
        if multiline_string:
            continue
        if pending and BODYLESS_END.match(raw):
            pending = None  # the last declaration was a requirement without a body
        match = DECLARATION.match(raw)
        if match:
            above = number - 2
            while above >= 0 and lines[above].strip().startswith("@"):
                above -= 1  # attributes stand between the comment and the declaration
            excused = above >= 0 and "line-budget:" in lines[above]
            pending = (match.group(1).strip(), number, excused)
        code, in_block = strip_strings_and_comments(raw, in_block)
        for character in code:
            if character == "{":
                depth += 1
                if pending:
                    stack.append((pending, depth))
                    pending = None
            elif character == "}":
                pending = None
                if stack and stack[-1][1] == depth:
                    (name, start, excused), _ = stack.pop()
                    length = number - start + 1
                    if length > FUNCTION_LIMIT and not excused:
                        found.append((name, start, length))
                depth -= 1
    return found


def main(root):
    violations, files = [], 0
    for path in sorted(pathlib.Path(root).glob("**/*.swift")):
        parts = path.parts
        if ".build" in parts or "Generated" in parts or "Package.swift" == path.name:
            continue
        files += 1
        lines = path.read_text(encoding="utf-8").splitlines()
        relative = path.relative_to(root)
        if len(lines) > FILE_LIMIT:
            violations.append(f"{relative}: {len(lines)} lines (limit {FILE_LIMIT})")
        for name, start, length in long_functions(lines):
            violations.append(f"{relative}:{start}: {name} is {length} lines (limit {FUNCTION_LIMIT}; "
                              f"say why in a '// line-budget:' comment above it, or split it)")
    for violation in violations:
        print(violation)
    if violations:
        print(f"line budget: {len(violations)} violations in {files} files", file=sys.stderr)
        return 1
    print(f"line budget: {files} Swift files within {FILE_LIMIT} lines, functions within {FUNCTION_LIMIT}")
    return 0


if __name__ == "__main__":
    roots = sys.argv[1:] or [pathlib.Path(__file__).resolve().parent.parent]
    sys.exit(max(main(pathlib.Path(root)) for root in roots))
