"""A private MIT realm for `BENCH_KRB=1 tests/bench/run.sh ... enroll`: the
integration tests' kdc.py (CA.TEST, krb5kdc on 127.0.0.1 at a free port),
driven from the shell.

    /usr/bin/python3 tests/bench/bench_kdc.py KEYTAB ENVFILE

Starts the realm, exports host/ca.example.test's keys (AES) to KEYTAB, gets
alice a TGT and the service ticket (kinit + kvno into a FILE ccache), writes
ENVFILE (shell assignments: KRB5_CONFIG, KRB5CCNAME, BENCH_KRB_SERVICE,
BENCH_KRB_USER), then waits for SIGTERM/SIGINT/SIGHUP and stops the realm
(krb5kdc killed, its directory removed). A time limit (BENCH_KDC_MAX_S,
default 3600 s) bounds a forgotten one."""
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from kdc import KDC, REALM, SERVICE  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bench_kdc.py KEYTAB ENVFILE")
    keytab, envfile = sys.argv[1], sys.argv[2]
    # SIGTERM and friends end the wait through SystemExit, so `with` stops the realm.
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, lambda *_: sys.exit(0))
    with KDC() as k:
        k.keytab(keytab)
        cc = k.ticket("alice", k.passwords["alice"])
        tmp = envfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("KRB5_CONFIG='%s'\nKRB5CCNAME='FILE:%s'\n" % (k.krb5_conf, cc))
            f.write("BENCH_KRB_SERVICE='%s@%s'\nBENCH_KRB_USER='%s\\alice'\n"
                    % (SERVICE, REALM, REALM))
        os.rename(tmp, envfile)
        # Until run.sh's cleanup sends SIGTERM, at most the limit.
        time.sleep(float(os.environ.get("BENCH_KDC_MAX_S", "3600")))


if __name__ == "__main__":
    main()
