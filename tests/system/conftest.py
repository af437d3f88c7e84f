"""The appliance image under QEMU (TCG) for the system tests: a Guest boots
build/image with a given data disk, host ports forwarded to the guest's endpoint
mapper and MS-ICPR, the console in a file and the scripting channel (ttyS1, kernel
argument ca.agent=1) on a unix socket."""
import os
import re
import signal
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("CA_BUILD", TOP / "build"))
BIN = BUILD / "bin"   # also what tests/integration/icpr_client.py imports from conftest
IMAGE = Path(os.environ.get("CA_IMAGE", TOP / "build" / "image"))
CA_NAME = "Appliance Root CA"
DATA_DISK_SIZE = 256 << 20
# A retrieval of an id that does not exist: a real MS-ICPR answer (careq exits 2)
# and nothing recorded, so it serves as the readiness probe.
PROBE_ID = "4294967295"

sys.path.insert(0, str(TOP / "tests" / "integration"))


def _demo(name):
    """A setting of image/demo.conf (shell syntax, NAME=value or NAME='value')."""
    m = re.search(rf"^{name}='?([^'\n]*)'?$", (TOP / "image" / "demo.conf").read_text(), re.M)
    assert m, name
    return m.group(1)


# The demo enrollee (DEMO ONLY: published in image/demo.conf): the image enforces
# NTLM at packet privacy, as a real appliance does.
DEMO_DOMAIN, DEMO_USER = _demo("DEMO_ENROLLEE").split("\\")
DEMO_PASSWORD = _demo("DEMO_ENROLLEE_PASSWORD")


def run(*args, check=True, timeout=60, **kw):
    kw.setdefault("text", True)
    p = subprocess.run([str(a) for a in args], capture_output=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{args} exited {p.returncode}\nstdout:\n{p.stdout}\n"
                             f"stderr:\n{p.stderr}")
    return p


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_data_disk(path):
    with open(path, "wb") as f:
        f.truncate(DATA_DISK_SIZE)
    return path


class Guest:
    def __init__(self, workdir: Path, data_disk: Path, tag: str, kernel_args: str = ""):
        self.tag = tag
        self.console = workdir / f"console-{tag}.log"
        self.export = workdir / f"export-{tag}.img"
        self.sock = workdir / f"agent-{tag}.sock"
        with open(self.export, "wb") as f:
            f.truncate(1 << 20)
        self.epm_port, self.icpr_port = free_port(), free_port()
        env = dict(os.environ, EPM_HOST_PORT=str(self.epm_port),
                   ICPR_PORT=str(self.icpr_port), CONSOLE=f"file:{self.console}",
                   AGENT=str(self.sock), KERNEL_ARGS=kernel_args)
        self.qemu_log = open(workdir / f"qemu-{tag}.log", "w")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [str(TOP / "image" / "qemu.sh"), str(IMAGE), str(data_disk), str(self.export)],
            env=env, stdout=self.qemu_log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        self.agent = None
        self.buf = b""
        pw = workdir / "enrollee.password"
        pw.write_text(DEMO_PASSWORD + "\n")
        os.chmod(pw, 0o600)
        # careq's credentials for the demo enrollee
        self.auth = ["-user", f"{DEMO_DOMAIN}\\{DEMO_USER}", "-password-file", str(pw)]

    @property
    def config(self):
        return f"127.0.0.1:{self.epm_port}\\{CA_NAME}"

    def console_text(self):
        try:
            return self.console.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def alive(self):
        return self.proc.poll() is None

    def wait_ready(self, timeout=120):
        """Seconds from QEMU's start to the first MS-ICPR answer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.alive(), "QEMU ended:\n" + self.console_text()
            p = subprocess.run([str(BIN / "careq"), "retrieve", "-config", self.config,
                                *self.auth, PROBE_ID, "/dev/null"], capture_output=True,
                               timeout=30)
            if p.returncode == 2:
                return time.monotonic() - self.t0
            time.sleep(0.2)
        raise AssertionError(f"{self.tag}: not ready in {timeout} s:\n" + self.console_text())

    # -- the scripting channel -------------------------------------------------------
    def _read_until(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.buf, re.S)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.agent.settimeout(min(left, 0.5))
            try:
                data = self.agent.recv(65536)
            except socket.timeout:
                continue
            if not data:
                raise AssertionError("the scripting channel closed")
            self.buf += data

    def _connect(self, timeout=60):
        deadline = time.monotonic() + timeout
        while self.agent is None:
            assert self.alive(), "QEMU ended:\n" + self.console_text()
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(str(self.sock))
                self.agent = s
            except OSError:
                s.close()
                assert time.monotonic() < deadline, "no scripting channel"
                time.sleep(0.1)
        # Until the guest's agent has its tty in raw mode, bytes may be lost or echoed:
        # ping with a marker that only a shell's arithmetic produces.
        n = 0
        while time.monotonic() < deadline:
            n += 1
            self.agent.sendall(f"echo @@P$((1000+{n}))@@\n".encode())
            if self._read_until(rb"@@P%d@@\n@@RC 0@@\n" % (1000 + n), 1.0):
                self.buf = b""
                return
        raise AssertionError("the guest's scripting channel does not answer")

    def sh(self, cmd, timeout=60):
        """Runs cmd (one line) in the guest as root: (status, output)."""
        if self.agent is None:
            self._connect()
        self.agent.sendall(f"echo @@BEGIN@@; {cmd}\n".encode())
        m = self._read_until(rb"@@BEGIN@@\n(.*?)@@RC (\d+)@@\n", timeout)
        assert m, f"{cmd!r}: no answer in {timeout} s"
        return int(m.group(2)), m.group(1).decode(errors="replace")

    def check(self, cmd, timeout=60):
        rc, out = self.sh(cmd, timeout)
        assert rc == 0, f"{cmd!r} in the guest: status {rc}\n{out}"
        return out

    # -- ending ------------------------------------------------------------------------
    def poweroff(self, timeout=90):
        if self.agent is None:
            self._connect()
        self.agent.sendall(b"poweroff\n")
        rc = self.proc.wait(timeout=timeout)
        self.close()
        return rc

    def kill(self):
        """The power cut: SIGKILL to QEMU."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.close()

    def close(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait(timeout=30)
        if self.agent is not None:
            self.agent.close()
            self.agent = None
        self.qemu_log.close()

    def ca_cert(self):
        """The CA certificate from the export disk (a tar the guest writes)."""
        with tarfile.open(self.export) as t:
            return t.extractfile("ca.crt").read()


@pytest.fixture
def guests():
    """Every Guest made through it is ended after the test, whatever happened."""
    made = []

    def boot(workdir, data_disk, tag, kernel_args=""):
        g = Guest(workdir, data_disk, tag, kernel_args)
        made.append(g)
        return g
    yield boot
    for g in made:
        g.close()


@pytest.fixture(autouse=True)
def _time_limit(request):
    """Per-test limit (marker time_limit(seconds), default 300): SIGALRM fails the
    test instead of hanging the suite."""
    m = request.node.get_closest_marker("time_limit")
    limit = m.args[0] if m else 300

    def expired(signum, frame):
        raise TimeoutError(f"{request.node.name}: over its {limit} s limit")
    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(limit)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def pytest_configure(config):
    config.addinivalue_line("markers", "time_limit(seconds): per-test time limit")
