"""Hostile clients against the worker's connection pools and deadlines
(firmware/worker/slots.c, conn.c): a client holding every place, trickling bytes,
or never reading its answers must not lock an enrollee out or hold a thread
forever. The enrollee is python3-impacket with NTLM at packet privacy (the
default enforcement); cad runs the appliance as on the host."""
import socket
import threading
import time

import pytest

import icpr_client as ic
import ntlm_client as nc
from conftest import issuing_ca
from test_ntlm import ACCOUNT, CA_NAME, add_account, binding, csr

BIND_HEAD = b"\x05\x00\x0b\x03\x10\x00\x00\x00"  # DCE/RPC bind, first 8 octets


@pytest.fixture
def ca(tmp_path, token):
    c = issuing_ca(tmp_path, token)
    add_account(c["data"], ACCOUNT, nc.PASSWORD)
    return c


class Trickler:
    """n connections that each send part of a PDU, then a byte every period
    seconds, and never finish it (the slow-loris of DCE/RPC)."""

    def __init__(self, port, n, period=2.0):
        self.socks, self.stop, self.period = [], threading.Event(), period
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(BIND_HEAD[:2])
            self.socks.append(s)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        i = 2
        while not self.stop.wait(self.period):
            for s in self.socks:
                try:
                    s.send(BIND_HEAD[i % len(BIND_HEAD):][:1])
                except OSError:
                    pass  # closed by the worker: evicted, or its deadline passed
            i += 1

    def closed(self):
        """How many the worker has closed."""
        n = 0
        for s in self.socks:
            s.setblocking(False)
            try:
                n += s.recv(1) == b""
            except BlockingIOError:
                pass
            except OSError:
                n += 1
        return n

    def close(self):
        self.stop.set()
        self.thread.join()
        for s in self.socks:
            s.close()


def test_trickling_connections_do_not_lock_out_an_enrollee(appliance, ca):
    a = appliance(policy="issue", subject_rule="request")
    icpr_port = int(binding(a).split("[")[1].rstrip("]"))
    # 140 connections held open: more than both pools together (64 + 32).
    t = Trickler(icpr_port, 100)
    e = Trickler(a.epm_port, 40)
    try:
        time.sleep(0.5)
        start = time.time()
        dce = nc.connect(binding(a))
        rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"]))
        took = time.time() - start
        dce.disconnect()
        assert (rv, disp) == (0, ic.DISP_ISSUED), msg
        assert took < 5, took
        # The pools held: the oldest places without a logon were given up.
        assert "pool full: the oldest connection without a logon was closed" in a.text()
        assert t.closed() >= 100 - 32 and e.closed() >= 40 - 32
    finally:
        t.close()
        e.close()
    assert a.proc.poll() is None


def test_a_trickled_pdu_meets_its_deadline(appliance, ca):
    """A byte every 2 s never finishes a PDU: the PDU deadline (10 s from its
    first byte) ends it, although no single wait between bytes is long."""
    a = appliance(policy="issue", subject_rule="request")
    t = Trickler(a.epm_port, 1, period=2.0)
    try:
        deadline = time.time() + 20
        while time.time() < deadline and t.closed() == 0:
            time.sleep(0.5)
        assert t.closed() == 1
        assert "timed out (PDU deadline)" in a.text() or \
            "timed out (incomplete PDU)" in a.text(), a.text()
    finally:
        t.close()


def test_no_logon_within_the_deadline_ends_the_connection(appliance, ca):
    """With enforcement on, an MS-ICPR connection without a logon is only a place
    held: it is closed at the logon deadline (set to 2 s here in ca.conf)."""
    a = appliance(policy="issue", subject_rule="request", worker_logon_deadline=2)
    icpr_port = int(binding(a).split("[")[1].rstrip("]"))
    s = socket.create_connection(("127.0.0.1", icpr_port))
    s.settimeout(10)
    start = time.time()
    assert s.recv(1) == b""
    assert 1.5 < time.time() - start < 8
    s.close()
    a.wait_for("no logon within the logon deadline")
    # An enrollee who logs on in time is served as usual.
    dce = nc.connect(binding(a))
    rv, _, disp, _, _, msg = nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, disp) == (0, ic.DISP_ISSUED), msg


def test_a_client_that_never_reads_cannot_hold_a_thread(appliance, ca):
    """Calls pipelined and their answers never read: the worker's send buffer
    fills, and the write deadline (10 s) ends the connection. (Anonymous calls
    allowed here, so that each retrieval answers a certificate and its chain.)"""
    a = appliance(policy="issue", subject_rule="request", icpr_enforce_encryption=0,
                  icpr_allow_anonymous=1)
    dce = ic.connect(binding(a))
    rv, rid, disp, _, _, msg = ic.cert_server_request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, disp) == (0, ic.DISP_ISSUED), msg
    req = ic.CertServerRequest()
    req["dwFlags"] = 0
    req["pwszAuthority"] = CA_NAME + "\x00"
    req["pdwRequestId"] = rid
    req["pctbAttribs"]["cb"] = 0
    req["pctbAttribs"]["pb"] = ic.NULL
    req["pctbRequest"]["cb"] = 0
    req["pctbRequest"]["pb"] = ic.NULL
    sock = dce.get_rpc_transport().get_socket()
    sock.settimeout(1)
    calls = 0
    deadline = time.time() + 40
    while time.time() < deadline and "could not be written in time" not in a.text():
        try:
            dce.call(0, req)  # sends; the answer is never read
            calls += 1
        except (socket.timeout, TimeoutError):
            time.sleep(0.5)  # our own buffers are full too: wait for the worker
        except OSError:
            break  # the worker closed the connection
    assert "the answer could not be written in time: closing" in a.text(), (calls, a.text())
    sock.close()
    # Nothing else was held up.
    dce = ic.connect(binding(a))
    rv, _, disp, _, _, msg = ic.cert_server_request(dce, CA_NAME, csr(ca["tmp"], "h2"))
    assert (rv, disp) == (0, ic.DISP_ISSUED), msg
