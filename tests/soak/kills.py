#!/usr/bin/python3
"""The kill campaign of `make soak` (tests/soak/README.md): SIGKILLs at random
moments across ca-worker, ca-auth, ca-custodian and ca-ledger while clients enroll
over NTLM at packet privacy, then the ledger is checked against what the clients
received. Prints one figure per line; exits non-zero when a guarantee fails.

    tests/soak/kills.py [--kills N] [--clients N] [--build DIR]

Guarantees checked (DESIGN.md, issue: hostile clients and long runs):
- every certificate a client received is in the ledger (cert-issued, same serial
  and request id), and its serial and request id are not reused;
- `caadm verify` replays the chain and rebuilds the indexes;
- after each kill the appliance serves again: a fresh NTLM enrollment succeeds
  within 5 s (the worst time is printed).

Clients and probes are python3-impacket (tests/integration/ntlm_client.py); the
appliance is cad on kernel-chosen loopback ports, as the integration tests run it.
"""
import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TOP / "tests" / "integration"))

VICTIMS = ("ca-worker", "ca-auth", "ca-custodian", "ca-ledger")
CA_NAME = "Soak CA"


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--kills", type=int, default=int(os.environ.get("SOAK_KILLS", 1000)))
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--build", default=os.environ.get("CA_BUILD", str(TOP / "build")))
    return p.parse_args()


def main():
    args = parse()
    # Every client socket (impacket's included) gives up after 15 s: a call that
    # never gets its answer is a finding to report, not a hang of the campaign.
    socket.setdefaulttimeout(15)
    os.environ["CA_BUILD"] = str(Path(args.build).resolve())
    import conftest  # noqa: E402  (BIN follows CA_BUILD)
    import icpr_client as ic  # noqa: E402
    import ntlm_client as nc  # noqa: E402
    from cryptography import x509  # noqa: E402

    tmp = Path(tempfile.mkdtemp(prefix="ca-soak-"))
    tmp.chmod(0o755)
    token = conftest.Token(tmp / "token", "soak")
    data = tmp / "ca"
    conftest.caadm("init", "--root", "--data", data, "--key", "ec:p256", "--subject",
                   f"CN={CA_NAME}", *token.opts())
    conf = data / "ca.conf"
    conf.write_text(conf.read_text() + "policy = issue\n")
    subprocess.run([str(conftest.BIN / "caadm"), "account", "add", "--data", str(data),
                    "--password-fd", "0", f"{nc.DOMAIN}\\{nc.USER}"], input=nc.PASSWORD + "\n",
                   text=True, check=True, capture_output=True)
    key = tmp / "k.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-out", str(key)], check=True)
    csr = subprocess.run(["openssl", "req", "-new", "-key", str(key), "-subj", "/CN=soak",
                          "-outform", "DER"], check=True, capture_output=True).stdout

    a = ic.Appliance(data, token.pin_file)
    received = []  # (request id, serial hex)
    lock = threading.Lock()
    stop = threading.Event()
    errors = [0]

    def enroll_once():
        dce = nc.connect(ic.lookup(a.epm_port))
        # A call cut by a kill must fail, not wait forever on a half-open socket.
        dce.get_rpc_transport().get_socket().settimeout(10)
        try:
            rv, rid, disp, _, cert, _ = nc.request(dce, CA_NAME, csr)
        finally:
            dce.disconnect()
        if rv == 0 and disp == ic.DISP_ISSUED and cert:
            serial = format(x509.load_der_x509_certificate(cert).serial_number, "x")
            with lock:
                received.append((rid, serial))
            return True
        return False

    def client():
        while not stop.is_set():
            try:
                enroll_once()
            except Exception:  # a kill cut the call: expected, counted
                with lock:
                    errors[0] += 1
                time.sleep(0.05)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(args.clients)]
    for t in threads:
        t.start()
    worst, kills, start = 0.0, 0, time.time()
    counts = {v: 0 for v in VICTIMS}
    try:
        while kills < args.kills:
            time.sleep(random.uniform(0.05, 0.6))
            victim = random.choice(VICTIMS)
            pids = a.pids(victim)
            if not pids:
                continue  # restarting right now
            os.kill(pids[0], signal.SIGKILL)
            kills += 1
            counts[victim] += 1
            # Serving again: a fresh enrollment (retried) within 5 s.
            t0 = time.time()
            while True:
                try:
                    if enroll_once():
                        break
                except Exception:
                    pass
                if time.time() - t0 > 5:
                    print(f"FAIL: no enrollment within 5 s after killing {victim} "
                          f"(kill {kills}); cad's log ends:\n" +
                          "\n".join(a.text().splitlines()[-25:]), file=sys.stderr)
                    stop.set()
                    a.stop()
                    print(f"data kept in {tmp}", file=sys.stderr)
                    return 1
                time.sleep(0.05)
            worst = max(worst, time.time() - t0)
            if a.proc.poll() is not None:
                print("FAIL: cad stopped", file=sys.stderr)
                return 1
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=15)
    elapsed = time.time() - start
    t0 = time.time()
    rc = a.stop()
    print(f"stopping cad took         {time.time() - t0:.1f} s")
    failed = rc != 0
    verify = subprocess.run([str(conftest.BIN / "caadm"), "verify", "--data", str(data)],
                            capture_output=True, text=True)
    show = subprocess.run([str(conftest.BIN / "ca-ledger"), "show", "--data", str(data)],
                          capture_output=True, text=True, check=True).stdout
    issued = {}
    ids = []
    for ln in show.splitlines():
        m = re.search(r"cert-issued \S+ request=(\d+) serial=([0-9a-f]+)", ln)
        if m:
            issued.setdefault(m.group(2).lstrip("0"), []).append(int(m.group(1)))
        m = re.search(r"request-received \S+ request=(\d+)", ln)
        if m:
            ids.append(int(m.group(1)))
    missing = [(r, s) for r, s in received if issued.get(s.lstrip("0")) != [r]]
    reused = [s for s, rs in issued.items() if len(rs) > 1]
    print(f"kills                      {kills} ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    print(f"duration                   {elapsed:.0f} s")
    print(f"certificates received      {len(received)}")
    print(f"calls cut by a kill        {errors[0]}")
    print(f"worst time to serve again  {worst:.2f} s")
    print(f"received but not in ledger {len(missing)}")
    print(f"serials issued twice       {len(reused)}")
    print(f"request ids reused         {len(ids) - len(set(ids))}")
    print(f"caadm verify               {'ok' if verify.returncode == 0 else 'FAILED'}: "
          f"{(verify.stdout + verify.stderr).strip().splitlines()[-1:]}")
    failed |= bool(missing or reused or len(ids) != len(set(ids)) or verify.returncode != 0)
    if failed:
        print(f"FAIL (cad exit {rc}); data kept in {tmp}", file=sys.stderr)
        return 1
    # The ledger's memory regions (a killed ledger leaves them for the next start).
    rid = data / "ledger" / "region-id"
    if rid.exists() and re.fullmatch(r"[0-9a-f]+", rid.read_text().strip()):
        subprocess.run(["rm", "-rf", f"/dev/shm/ca-ledger-{rid.read_text().strip()}"])
    subprocess.run(["rm", "-rf", str(tmp)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
