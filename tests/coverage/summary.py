#!/usr/bin/env python3
"""Line and branch coverage per folder from gcovr's --json-summary, and the floors.

    summary.py COVERAGE.json FLOORS

FLOORS holds one folder a line: "folder  lines%  branches%" (# starts a comment).
Prints a table (folder, lines, branches, each covered/total and %), then every
folder below its floor; exits 1 if there is one, 0 otherwise."""
import json
import os
import sys


def per_folder(summary):
    folders = {}
    for f in summary["files"]:
        d = os.path.dirname(f["filename"])
        t = folders.setdefault(d, [0, 0, 0, 0])
        t[0] += f["line_covered"]
        t[1] += f["line_total"]
        t[2] += f["branch_covered"]
        t[3] += f["branch_total"]
    return folders


def pct(covered, total):
    return 100.0 * covered / total if total else 100.0


def read_floors(path):
    floors = {}
    with open(path) as fh:
        for line in fh:
            line = line.split("#", 1)[0].split()
            if line:
                floors[line[0]] = (float(line[1]), float(line[2]))
    return floors


def main():
    with open(sys.argv[1]) as fh:
        folders = per_folder(json.load(fh))
    floors = read_floors(sys.argv[2])
    print(f"{'folder':<22} {'lines':>17} {'branches':>17}")
    tot = [0, 0, 0, 0]
    for d in sorted(folders):
        lc, lt, bc, bt = folders[d]
        tot = [a + b for a, b in zip(tot, folders[d])]
        print(f"{d:<22} {lc:>6}/{lt:<6} {pct(lc, lt):5.1f}% {bc:>6}/{bt:<6} {pct(bc, bt):5.1f}%")
    print(f"{'all':<22} {tot[0]:>6}/{tot[1]:<6} {pct(tot[0], tot[1]):5.1f}% "
          f"{tot[2]:>6}/{tot[3]:<6} {pct(tot[2], tot[3]):5.1f}%")
    below = []
    for d, (lf, bf) in sorted(floors.items()):
        lc, lt, bc, bt = folders.get(d, (0, 1, 0, 1))
        if pct(lc, lt) + 1e-9 < lf or pct(bc, bt) + 1e-9 < bf:
            below.append(f"{d}: lines {pct(lc, lt):.1f}% (floor {lf}), "
                         f"branches {pct(bc, bt):.1f}% (floor {bf})")
    for b in below:
        print("below its floor:", b)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
