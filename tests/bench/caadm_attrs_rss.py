#!/usr/bin/python3
"""caadm's peak memory on a large attributes file (firmware/identity/attrs.c:
caadm keeps each account as its line, so its memory follows the file's size).

    tests/bench/caadm_attrs_rss.py BUILD [ACCOUNTS GROUPS] [ROUNDS]

Writes a data directory (auth/accounts with ACCOUNTS domain accounts, as
`caadm account add --no-password` writes them; auth/attributes with a UPN, a
SID and GROUPS groups each; default 10000 and 32), then runs, ROUNDS times
(default 3) on a fresh copy, `BUILD/bin/caadm account set --data DIR --group X
EXAMPLE\\user00042` and prints its peak RSS (the child's ru_maxrss) and wall
time. A bounded, local run: nothing is timed against a threshold."""
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time


def make_data(d, accounts, groups):
    os.makedirs(d + "/auth", mode=0o700)
    acc, att = ["# bench accounts\n"], ["# bench attributes\n"]
    for i in range(accounts):
        name = "EXAMPLE\\user%05d" % i
        acc.append(name + ":0:" + "X" * 32 + ":" + "X" * 32 + ":[U          ]:LCT-00000000:\n")
        f = [name, "upn=user%05d@example.com" % i, "sid=S-1-5-21-1-2-3-%d" % (1000 + i)]
        f += ["group=Group number %03d" % k for k in range(groups)]
        att.append("\t".join(f) + "\n")
    for fn, lines in (("accounts", acc), ("attributes", att)):
        p = d + "/auth/" + fn
        with open(p, "w") as fh:
            fh.write("".join(lines))
        os.chmod(p, 0o600)
    return os.path.getsize(d + "/auth/attributes")


def main():
    if len(sys.argv) not in (2, 4, 5):
        sys.exit(__doc__)
    build = sys.argv[1]
    accounts = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    groups = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    caadm = os.path.join(build, "bin", "caadm")
    with tempfile.TemporaryDirectory(prefix="caadm-rss.") as tmp:
        size = make_data(tmp + "/data", accounts, groups)
        print(f"attributes file: {accounts} accounts x {groups} groups, {size} bytes")
        for r in range(rounds):
            run = f"{tmp}/run{r}"
            shutil.copytree(tmp + "/data", run)
            t = time.monotonic()
            # Each round in a child of its own: ru_maxrss of RUSAGE_CHILDREN is
            # the largest of the children waited for, so one child at a time.
            pid = os.fork()
            if pid == 0:
                p = subprocess.run([caadm, "account", "set", "--data", run, "--group", "X",
                                    "EXAMPLE\\user00042"], capture_output=True, text=True)
                rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                print(f"round {r + 1}: exit {p.returncode}, peak RSS {rss} KiB, "
                      f"{time.monotonic() - t:.2f} s", flush=True)
                if p.returncode != 0:
                    print(p.stderr, end="", file=sys.stderr)
                os._exit(p.returncode)
            _, status = os.waitpid(pid, 0)
            if status != 0:
                sys.exit(1)


if __name__ == "__main__":
    main()
