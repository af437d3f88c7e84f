#!/usr/bin/env python3
"""Checks every #include "..." of the product's folders against the folder's README.

    check_includes.py [TOP]

Each folder (platform/, hsm/, firmware/*/) states in its README.md what it may
include, on one line that starts with "May include:" followed by backquoted
entries that contain a "/": a folder (ending in "/", e.g. `platform/`) or a single
header (e.g. `firmware/custodian/proto.h`: the header of a channel a daemon
speaks); none (e.g. "nothing") allows only the folder's own headers. A folder may always include its own headers and the generated
config.h. Prints every include that is not allowed (file:line), every folder
without the line and every entry that names nothing; exits 1 if there is any."""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
RULE = re.compile(r'^May include:(.*)$')
ENTRY = re.compile(r'`([^`]+)`')


def folders(top):
    out = ["platform", "hsm"]
    fw = os.path.join(top, "firmware")
    out += sorted("firmware/" + d for d in os.listdir(fw) if os.path.isdir(os.path.join(fw, d)))
    return out


def rule_of(top, folder):
    """The allowed entries of a folder, or None when its README has no rule."""
    try:
        with open(os.path.join(top, folder, "README.md")) as fh:
            for line in fh:
                m = RULE.match(line.strip())
                if m:
                    return [e for e in ENTRY.findall(m.group(1)) if "/" in e]
    except FileNotFoundError:
        pass
    return None


def allowed(folder, entries, header):
    if "/" not in header:
        return header == "config.h"
    if os.path.dirname(header) == folder:
        return True
    return any(header == e or (e.endswith("/") and header.startswith(e)) for e in entries)


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else "."
    bad = []
    for folder in folders(top):
        entries = rule_of(top, folder)
        if entries is None:
            bad.append(f"{folder}/README.md: no 'May include:' line")
            continue
        for e in entries:
            if not os.path.exists(os.path.join(top, e)):
                bad.append(f"{folder}/README.md: 'May include:' names {e}, which does not exist")
        for name in sorted(os.listdir(os.path.join(top, folder))):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(folder, name)
            with open(os.path.join(top, path)) as fh:
                for n, line in enumerate(fh, 1):
                    m = INCLUDE.match(line)
                    if m and not allowed(folder, entries, m.group(1)):
                        bad.append(f"{path}:{n}: includes {m.group(1)}, which {folder}/README.md "
                                   f"does not allow")
    for b in bad:
        print(b)
    print(f"check-includes: {len(folders(top))} folders, {len(bad)} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
