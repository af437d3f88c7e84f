#!/usr/bin/python3
"""The mixed-traffic campaign of `make soak` (tests/soak/README.md): 64 clients
send good, anonymous, wrong-password, malformed and slow requests until N (default
100,000, SOAK_REQUESTS) have been made; then the guarantees are checked. Prints
one figure per line; exits non-zero when a guarantee fails.

    tests/soak/mixed.py [--requests N] [--build DIR]

Clients (each on its own loopback source address range, as distinct hosts would
be, so that per-address caps and throttles apply to the hostile ones only):
- 40 good: NTLM at packet privacy as EXAMPLE\\alice, up to 20 CertServerRequests
  per connection; each must be issued;
- 8 anonymous: unauthenticated binds, each call refused (the CA demands privacy);
- 6 wrong password: NTLM binds as EXAMPLE\\bob with a wrong password;
- 6 malformed: raw TCP to the MS-ICPR port with garbage, a huge fragment length,
  a truncated bind;
- 4 slow: a PDU trickled a byte every 2 s, until the worker's deadline ends it.

Guarantees: every good call issued and in the ledger (same request id and
serial), no daemon restarted (none crashed or was stopped for what a client
sent), `caadm verify` passes. Figures: requests by kind, rates, the ledger's
growth per request, and the VmRSS of each daemon at the start and at the end.
"""
import argparse
import os
import random
import socket
import struct
import sys
import threading
import time

import common

_src = threading.local()
_orig_connect = socket.socket.connect


def _connect_from(self, addr):
    """socket.connect from this thread's source address (impacket's sockets too)."""
    src = getattr(_src, "addr", None)
    if src is not None and self.family == socket.AF_INET:
        self.bind((src, 0))
    return _orig_connect(self, addr)


socket.socket.connect = _connect_from

KINDS = (("good", 40), ("anonymous", 8), ("wrongpw", 6), ("malformed", 6), ("slow", 4))


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--requests", type=int,
                   default=int(os.environ.get("SOAK_REQUESTS", 100000)))
    p.add_argument("--build", default=os.environ.get("CA_BUILD", str(common.TOP / "build")))
    return p.parse_args()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    return 0


def dir_bytes(path):
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


class Campaign:
    def __init__(self, args, ic, nc, a, csr):
        self.args, self.ic, self.nc, self.a, self.csr = args, ic, nc, a, csr
        self.lock = threading.Lock()
        self.made = 0
        self.counts = {k: 0 for k, _ in KINDS}
        self.failures = []      # good calls not issued: (what, detail)
        self.received = []      # (request id, serial hex)
        self.stop = threading.Event()

    def take(self, kind):
        """One request of kind may go (False when the total is reached)."""
        with self.lock:
            if self.made >= self.args.requests:
                self.stop.set()
                return False
            self.made += 1
            self.counts[kind] += 1
            return True

    def good(self):
        from cryptography import x509
        dce = self.nc.connect(self.ic.lookup(self.a.epm_port))
        try:
            for _ in range(20):
                if not self.take("good"):
                    return
                rv, rid, disp, _, cert, msg = self.nc.request(dce, common.CA_NAME, self.csr)
                if rv != 0 or disp != self.ic.DISP_ISSUED or not cert:
                    with self.lock:
                        self.failures.append(("good call", f"rv {rv:#x} disp {disp:#x} {msg}"))
                    continue
                serial = format(x509.load_der_x509_certificate(cert).serial_number, "x")
                with self.lock:
                    self.received.append((rid, serial))
        finally:
            dce.disconnect()

    def anonymous(self):
        if not self.take("anonymous"):
            return
        dce = self.ic.connect(self.ic.lookup(self.a.epm_port))
        try:
            rv, _, disp, _, cert, _ = self.ic.cert_server_request(dce, common.CA_NAME, self.csr)
            if cert:
                with self.lock:
                    self.failures.append(("anonymous call", "issued a certificate"))
        finally:
            dce.disconnect()

    def wrongpw(self):
        """NTLM's bind has no answer to its last leg (AUTH3): the refusal shows on
        the first call, which must fail or be refused without a certificate."""
        if not self.take("wrongpw"):
            return
        try:
            dce = self.nc.connect(self.ic.lookup(self.a.epm_port), user="bob",
                                  password="not bob's password")
        except Exception:
            return  # refused at the bind
        try:
            rv, _, disp, _, cert, _ = self.nc.request(dce, common.CA_NAME, self.csr)
        except Exception:
            return  # refused (fault, or the connection closed)
        finally:
            dce.disconnect()
        if cert or rv == 0 and disp == self.ic.DISP_ISSUED:
            with self.lock:
                self.failures.append(("wrong password", "a call was answered as issued"))

    def raw(self):
        s = socket.create_connection(("127.0.0.1", self.a.icpr_port), timeout=15)
        return s

    def malformed(self, rnd):
        if not self.take("malformed"):
            return
        s = self.raw()
        try:
            pick = rnd.randrange(3)
            if pick == 0:
                s.sendall(os.urandom(rnd.randrange(1, 400)))
            elif pick == 1:  # a bind header claiming a 65,535-byte fragment
                s.sendall(struct.pack("<BBBB4sHHI", 5, 0, 11, 3, b"\x10\0\0\0", 0xffff, 0, 1))
                s.sendall(os.urandom(100))
            else:  # a truncated bind
                s.sendall(struct.pack("<BBBB4sHHI", 5, 0, 11, 3, b"\x10\0\0\0", 72, 0, 1)[:12])
                s.shutdown(socket.SHUT_WR)
            while s.recv(4096):
                pass
        except OSError:
            pass
        finally:
            s.close()

    def slow(self):
        if not self.take("slow"):
            return
        s = self.raw()
        try:
            hdr = struct.pack("<BBBB4sHHI", 5, 0, 11, 3, b"\x10\0\0\0", 72, 0, 1)
            for b in hdr:
                s.sendall(bytes([b]))
                if self.stop.wait(2):
                    return
        except OSError:
            pass  # ended by the worker's deadline, as it must be
        finally:
            s.close()

    def client(self, kind, i):
        _src.addr = f"127.0.{1 + [k for k, _ in KINDS].index(kind)}.{1 + i % 8}"
        rnd = random.Random(i)
        while not self.stop.is_set():
            try:
                if kind == "malformed":
                    self.malformed(rnd)
                else:
                    getattr(self, kind)()
            except Exception as e:  # counted for good clients only
                if kind == "good":
                    with self.lock:
                        self.failures.append(("good connection", repr(e)))
                    time.sleep(0.1)


def main():
    args = parse()
    socket.setdefaulttimeout(30)
    _, ic, nc = common.modules(args.build)
    tmp, data, token, csr = common.make_ca(
        args.build, accounts=[(f"{nc.DOMAIN}\\bob", "bob's real password 1")])
    a = ic.Appliance(data, token.pin_file)
    c = Campaign(args, ic, nc, a, csr)
    pids = {d: a.pids(d) for d in common.DAEMONS}
    ledger0 = dir_bytes(data / "ledger")
    threads = [threading.Thread(target=c.client, args=(k, i), daemon=True)
               for k, n in KINDS for i in range(n)]
    t0 = time.time()
    for t in threads:
        t.start()
    time.sleep(5)
    rss0 = {d: rss_kib(p[0]) for d, p in pids.items() if p}
    while not c.stop.wait(5):
        if a.proc.poll() is not None:
            break
    for t in threads:
        t.join(timeout=60)
    elapsed = time.time() - t0
    now = {d: a.pids(d) for d in common.DAEMONS}
    rss1 = {d: rss_kib(p[0]) for d, p in now.items() if p}
    ledger1 = dir_bytes(data / "ledger")
    rc = a.stop()
    restarted = [d for d in common.DAEMONS if now.get(d) != pids.get(d)]
    print(f"requests                   {c.made} in {elapsed:.0f} s ({c.made / elapsed:.0f}/s)")
    for k, _ in KINDS:
        print(f"  {k:<24} {c.counts[k]}")
    print(f"good calls issued          {len(c.received)}")
    print(f"good calls failed          {len(c.failures)}")
    for what, detail in c.failures[:10]:
        print(f"  {what}: {detail}")
    print(f"daemons restarted          {', '.join(restarted) or 'none'}")
    for d in common.DAEMONS:
        print(f"VmRSS {d:<20} {rss0.get(d, 0) / 1024:.1f} MiB -> {rss1.get(d, 0) / 1024:.1f} MiB")
    grown = ledger1 - ledger0
    print(f"ledger grew                {grown / 1048576:.1f} MiB "
          f"({grown / max(c.made, 1):.0f} bytes per request)")
    return common.finish(args.build, tmp, data, c.received, rc,
                         failed=bool(c.failures or restarted))


if __name__ == "__main__":
    sys.exit(main())
