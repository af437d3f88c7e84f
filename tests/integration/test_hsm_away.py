"""The HSM goes away and comes back (DESIGN.md, the custodian "survives the HSM
going away"): the CA's token is served by `p11-kit server` (SoftHSM2 in the
server's process) and the custodian loads p11-kit-client.so, a real
PKCS#11-over-a-socket split standing in for a network HSM. The server is killed
under enrollment load over MS-ICPR, then started again.

What must hold: clients get a clear answer meanwhile (NTE_FAIL, "HSM
unavailable") within a bound, never a hang; the ledger holds no half-recorded
request (every request has its disposition, every intent its end, `caadm verify`
passes); the same custodian process reconnects, logs in again and issues once
the server is back."""
import os
import pwd
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

import icpr_client as ic
from conftest import BIN, MODULE, issuing_ca, run

CLIENT_MODULE = "/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so"
CA_NAME = "Test Issuing CA"
NTE_FAIL = 0x80090020
OPEN = {"policy": "issue", "subject_rule": "request", "icpr_enforce_encryption": 0,
        "icpr_allow_anonymous": 1}
CLIENTS = 6
BOUND = 15.0  # seconds: no answer may take longer, HSM or not

pytestmark = pytest.mark.skipif(
    not (os.path.exists(CLIENT_MODULE) and os.path.exists("/usr/bin/p11-kit")),
    reason="p11-kit server and p11-kit-client.so are needed")


class P11KitServer:
    """`p11-kit server` on the token, in a process group of its own: it forks a
    p11-kit-remote per connection, and the HSM going away is all of them dying."""

    def __init__(self, token, sock: Path):
        self.token, self.sock, self.proc = token, sock, None

    def start(self):
        if self.sock.exists():
            self.sock.unlink()
        args = ["p11-kit", "server", "-f", "-n", str(self.sock), "--provider", MODULE,
                f"pkcs11:token={self.token.label}"]
        self.proc = subprocess.Popen(args, env=dict(os.environ,
                                                    SOFTHSM2_CONF=str(self.token.conf)),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)
        deadline = time.time() + 10
        while not self.sock.exists():
            assert self.proc.poll() is None, self.proc.stderr.read().decode()
            assert time.time() < deadline, "p11-kit server did not make its socket"
            time.sleep(0.05)
        # The custodian runs as ca-custodian and must be able to connect (write
        # on the socket). p11-kit 0.24's `-u USER` leaves the socket root's
        # here, so the socket is given to it directly.
        if os.geteuid() == 0:
            pw = pwd.getpwnam("ca-custodian")
            os.chown(self.sock, pw.pw_uid, pw.pw_gid)

    def signal(self, sig):
        os.killpg(self.proc.pid, sig)

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None


def custodian_user():
    """cad makes ca-custodian on its first start; the server's socket must be
    given to it before that."""
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam("ca-custodian")
    except KeyError:
        run("useradd", "--system", "--no-create-home", "--home-dir", "/var/empty",
            "--shell", "/usr/sbin/nologin", "ca-custodian")


def through_server(ca, sock):
    """ca.conf: the custodian reaches the token through the server only (no
    SoftHSM configuration of its own)."""
    conf = ca["data"] / "ca.conf"
    lines = [l for l in conf.read_text().splitlines()
             if not re.match(r"\s*(module|softhsm2_conf)\s*=", l)]
    # One call in flight: p11-kit 0.24's client never wakes the threads waiting
    # for their replies when the connection dies (custodian README).
    lines += [f"module = {CLIENT_MODULE}", f"p11_kit_server_address = unix:path={sock}",
              "hsm_pool_size = 1"]
    conf.write_text("\n".join(lines) + "\n")


@pytest.fixture
def ca(tmp_path, token):
    return issuing_ca(tmp_path, token)


@pytest.fixture
def server(ca, tmp_path):
    custodian_user()
    d = tmp_path / "p11"
    d.mkdir()
    d.chmod(0o711)
    s = P11KitServer(ca["token"], d / "sock")
    s.start()
    through_server(ca, s.sock)
    yield s
    s.kill()


def csr(tmp, name):
    out = tmp / f"{name}.der"
    run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", tmp / f"{name}.key", "-subj", f"/CN={name}", "-outform", "DER",
        "-out", out)
    return out.read_bytes()


class Client(threading.Thread):
    """Enrolls in a loop on its own connection until told to stop; keeps every
    answer as (start, seconds, return value, request id, disposition, message)."""

    def __init__(self, binding, request, stop):
        super().__init__(daemon=True)
        self.binding, self.request, self.stop = binding, request, stop
        self.results, self.errors = [], []

    def run(self):
        dce = None
        while not self.stop.is_set():
            t0 = time.time()
            try:
                if dce is None:
                    dce = ic.connect(self.binding)
                rv, rid, disp, _p7, cert, msg = ic.cert_server_request(
                    dce, CA_NAME, self.request, "rmd:host1.example")
                self.results.append((t0, time.time() - t0, rv, rid, disp, msg, bool(cert)))
            except Exception as e:  # noqa: BLE001 - a transport error is a result too
                self.errors.append((t0, time.time() - t0, repr(e)))
                dce = None
                time.sleep(0.1)


class Load:
    """CLIENTS clients enrolling concurrently, each on its own connection."""

    def __init__(self, a, ca):
        self.a = a
        binding = ic.lookup(a.epm_port)
        self.stop_event = threading.Event()
        self.clients = [Client(binding, csr(ca["tmp"], f"load{i}"), self.stop_event)
                        for i in range(CLIENTS)]
        for c in self.clients:
            c.start()

    def answers(self):
        return sorted((r for c in self.clients for r in c.results), key=lambda r: r[0])

    def wait_for(self, pred, timeout, what):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred(self.answers()):
                return time.time()
            time.sleep(0.05)
        raise AssertionError(f"{what} within {timeout} s; last answers: "
                             f"{self.answers()[-5:]}\n{self.a.text()[-3000:]}")

    def issued_since(self, t, n, timeout, what):
        return self.wait_for(lambda got: sum(r[0] > t and r[4] == ic.DISP_ISSUED
                                             for r in got) >= n, timeout, what)

    def stop(self):
        self.stop_event.set()
        for c in self.clients:
            c.join(timeout=BOUND + 5)
            assert not c.is_alive(), "a client hangs"
        return self.answers()


@pytest.fixture
def load(appliance, ca):
    """Starts the load on an appliance; its clients are stopped whatever the
    test's outcome, so that a failure does not leave them hammering the next."""
    loads = []

    def start(a):
        loads.append(Load(a, ca))
        return loads[-1]
    yield start
    for one in loads:
        one.stop_event.set()
    for one in loads:
        for c in one.clients:
            c.join(timeout=BOUND + 5)


def check_answers(load, got, bound=BOUND):
    """No hang, no transport failure; every answer an issued certificate or the
    clear failure."""
    assert [e for c in load.clients for e in c.errors] == []
    assert max(r[1] for r in got) < bound, max(got, key=lambda r: r[1])
    for t0, dt, rv, rid, disp, msg, has_cert in got:
        assert rv == 0 and rid != 0, (t0, rv, rid, disp, msg)
        if disp == ic.DISP_ISSUED:
            assert has_cert and msg == "Issued"
        else:
            assert disp == NTE_FAIL and "HSM unavailable" in msg, (disp, msg)
            assert not has_cert


def test_sign_through_p11kit_server(appliance, ca, server):
    """First, that the split works at all for the custodian's key operations:
    start-up (key search, public key, the certificate check), serial from the
    RNG, signature."""
    a = appliance(**OPEN)
    dce = ic.connect(ic.lookup(a.epm_port))
    rv, rid, disp, _p7, cert, msg = ic.cert_server_request(dce, CA_NAME,
                                                           csr(ca["tmp"], "first"))
    assert (rv, disp, msg) == (0, ic.DISP_ISSUED, "Issued")
    assert "p11-kit-client" in Path(f"/proc/{a.pids('ca-custodian')[0]}/maps").read_text()


def test_pool_size_setting(ca, server):
    """hsm_pool_size is checked: 1..64, or the custodian refuses to start."""
    conf = ca["data"] / "ca.conf"
    text = conf.read_text()
    pin = ["--pin-file", ca["token"].pin_file]
    for bad in ("0", "65", "x", ""):
        conf.write_text(text.replace("hsm_pool_size = 1", f"hsm_pool_size = {bad}"))
        p = run(BIN / "ca-custodian", "check", "--data", ca["data"], *pin, check=False)
        assert p.returncode != 0 and "hsm_pool_size must be 1..64" in p.stderr, p.stderr
    conf.write_text(text.replace("hsm_pool_size = 1", "hsm_pool_size = 3"))
    run(BIN / "ca-custodian", "check", "--data", ca["data"], *pin)


def test_hsm_killed_under_load_and_back(appliance, ca, server, load):
    a = appliance(**OPEN)
    (custodian,) = a.pids("ca-custodian")
    load = load(a)
    load.issued_since(0, 3 * CLIENTS, 30, "issuance under load")

    # The HSM goes away under load: clients get NTE_FAIL, "HSM unavailable".
    server.kill()
    killed = time.time()
    load.wait_for(lambda got: sum(r[0] > killed + 0.5 and r[4] == NTE_FAIL for r in got)
                  >= 2 * CLIENTS, 30, "clear errors while the HSM is away")
    time.sleep(2)  # several back-off rounds, the load on

    # Back: the same custodian reconnects, logs in again, issues.
    server.start()
    back = time.time()
    load.issued_since(back, 2 * CLIENTS, 30, "enrollment resumed after the HSM came back")
    got = load.stop()
    assert a.pids("ca-custodian") == [custodian], "the custodian was restarted"
    check_answers(load, got)
    away = [r for r in got if killed + 0.5 < r[0] < back]
    assert away and all(r[4] == NTE_FAIL for r in away)
    # The first certificate after the return: within the back-off's cap (5 s)
    # and the load's pace.
    first = min(r[0] + r[1] for r in got if r[0] > back and r[4] == ic.DISP_ISSUED)
    assert first - back < 10
    log = a.text()
    assert "HSM unavailable (1 failed reconnection)" in log
    assert re.search(r"HSM back after \d+ failed reconnections?: sessions reopened, "
                     r"logged in again", log)

    a.stop()
    # Nothing half-recorded: every request has its outcome, every intent its end.
    show = run(BIN / "ca-ledger", "show", "--data", ca["data"]).stdout
    check_outcomes(show, got)
    run(BIN / "caadm", "verify", "--data", ca["data"])


def test_hsm_hangs_then_dies_and_comes_back(appliance, ca, server, load):
    """The HSM stops answering (SIGSTOP: a network HSM that hangs). The calls
    already inside the module wait for it; every other request is answered
    within the layer's bound (10 s without a free session: "HSM busy"), so
    the custodian is never wedged as a whole. Then the hung server dies and a
    new one starts: the stuck calls fail or are retried, and enrollment
    resumes in the same custodian."""
    a = appliance(**OPEN)
    (custodian,) = a.pids("ca-custodian")
    load = load(a)
    load.issued_since(0, 2 * CLIENTS, 30, "issuance under load")

    server.signal(signal.SIGSTOP)
    stopped = time.time()
    load.wait_for(lambda got: any(r[0] + r[1] > stopped and r[4] == NTE_FAIL and
                                  "HSM busy" in r[5] for r in got), BOUND,
                  "an answer while the HSM hangs")
    server.signal(signal.SIGCONT)  # so that SIGKILL's EOF reaches the stuck calls
    server.kill()
    hung = time.time() - stopped
    server.start()
    back = time.time()
    load.issued_since(back, 2 * CLIENTS, 30, "enrollment resumed after the HSM came back")
    got = load.stop()
    assert a.pids("ca-custodian") == [custodian], "the custodian was restarted"
    # The calls that were inside the module waited as long as the HSM hung
    # (nothing can bound them but the module); every other answer came within
    # the layer's bound.
    check_answers(load, got, bound=hung + BOUND)
    busy = [r for r in got if "HSM busy" in r[5]]
    assert busy and max(r[1] for r in busy) < BOUND, busy
    a.stop()
    show = run(BIN / "ca-ledger", "show", "--data", ca["data"]).stdout
    check_outcomes(show, got)
    run(BIN / "caadm", "verify", "--data", ca["data"])


def check_outcomes(show, got):
    """Walks `ca-ledger show`: request-received opens a request, a disposition
    ends it; an intent must be followed by its certificate and Issued or by a
    failure. Compares the ledger's outcomes with what the clients were told."""
    opened, intent, outcome = set(), set(), {}
    for line in show.splitlines():
        m = re.search(r"request=(\d+)", line)
        if not m:
            continue
        rid = int(m.group(1))
        if "request-received" in line:
            opened.add(rid)
        elif "cert-intent" in line:
            intent.add(rid)
        elif "disposition" in line:
            outcome[rid] = line
    assert opened, show[:2000]
    assert opened == set(outcome), f"requests without an outcome: {opened - set(outcome)}"
    for rid in intent:
        assert ("issued" in outcome[rid] or "failed" in outcome[rid]), outcome[rid]
    for _t0, _dt, _rv, rid, disp, _msg, _c in got:
        line = outcome[rid]
        if disp == ic.DISP_ISSUED:
            assert "issued" in line, line
        else:
            assert "failed" in line and "0x80090020" in line, line
