#!/usr/bin/env python3
"""Fails when an include in src/subq runs from a lower floor to a higher one.

Every top folder of src/subq sits on a floor (README.md, "Layout"). A file may include
headers from its own floor and from floors below it, never from a floor above. The check
reads the `#include "subq/..."` lines of every .h/.cpp/.cu under src/subq, prints each
offending include as `file:line: from-floor -> to-floor (include)` and exits 1.

Usage: check_floors.py [SRC_SUBQ_DIR]   (default: src/subq next to this script's folder)
"""
import os
import re
import sys

# Lowest first; folders on one line share a floor (they may include each other).
FLOORS = [
    ["util"],
    ["io"],
    ["data", "tokenize"],
    ["nn", "kernels"],
    ["models"],
    ["eval", "analysis", "report"],
    ["train"],
    ["transforms"],
    ["tasks"],
]

# Known exceptions: (including file relative to src/subq, included path after "subq/").
# Each one names why it cannot be fixed by moving code; an exception that no longer
# matches anything fails the check too, so this list only shrinks.
KNOWN_EXCEPTIONS = set()  # none left; add one only with the reason it cannot be fixed by moving code

INCLUDE = re.compile(r'^\s*#\s*include\s*"subq/([^"]+)"')
SUFFIXES = (".h", ".cpp", ".cu", ".cuh", ".hpp")


def floor_of(folder):
    for level, names in enumerate(FLOORS):
        if folder in names:
            return level
    return None


def floor_name(level):
    return "/".join(FLOORS[level])


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "subq")
    root = os.path.normpath(root)
    if not os.path.isdir(root):
        print(f"check_floors: {root} is not a directory", file=sys.stderr)
        return 2
    problems, checked, used_exceptions = [], 0, set()
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith(SUFFIXES):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            top = rel.split("/")[0] if "/" in rel else ""
            from_level = floor_of(top)
            if from_level is None:
                problems.append(f"{rel}: folder '{top or '.'}' has no floor (add it to FLOORS in {__file__})")
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                for line_no, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    checked += 1
                    target = m.group(1)
                    to_top = target.split("/")[0]
                    to_level = floor_of(to_top)
                    where = f"src/subq/{rel}:{line_no}"
                    if to_level is None:
                        problems.append(f"{where}: includes subq/{target}, whose folder '{to_top}' has no floor")
                    elif to_level > from_level:
                        if (rel, target) in KNOWN_EXCEPTIONS:
                            used_exceptions.add((rel, target))
                            print(f"{where}: {top} -> {to_top} (subq/{target}) [known exception]")
                            continue
                        problems.append(f"{where}: {top} -> {to_top} (subq/{target}): "
                                        f"floor {floor_name(from_level)} includes the higher floor {floor_name(to_level)}")
    for rel, target in sorted(KNOWN_EXCEPTIONS - used_exceptions):
        problems.append(f"src/subq/{rel}: known exception for subq/{target} no longer occurs; remove it from "
                        f"KNOWN_EXCEPTIONS")
    for p in problems:
        print(p)
    order = " -> ".join(floor_name(i) for i in range(len(FLOORS)))
    if problems:
        print(f"check_floors: {len(problems)} problem(s) in {checked} includes (floors, lowest first: {order})")
        return 1
    print(f"check_floors: {checked} includes respect the floors ({order})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
