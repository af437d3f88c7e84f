"""An independent MS-ICPR client on python3-impacket's DCE/RPC stack: endpoint
mapper lookup, then CertServerRequest (NDR definitions from MS-ICPR 3.2.4.1.1, in
tests/unit/support/rpc_impacket.py), plus the appliance as cad runs it."""
import contextlib
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from impacket.dcerpc.v5 import epm, transport

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "support"))
from impacket.dcerpc.v5.dtypes import DWORD, LPWSTR, ULONG  # noqa: E402
from impacket.dcerpc.v5.ndr import NDRCALL, NULL  # noqa: E402
from rpc_impacket import CERTTRANSBLOB, ICPR  # noqa: E402

from conftest import BIN  # noqa: E402

E_INVALIDARG, E_ACCESSDENIED = 0x80070057, 0x80070005
NTE_BAD_SIGNATURE, CRYPT_E_INVALID_MSG_TYPE = 0x80090006, 0x80091004
PROPERTY_EMPTY = 0x80094004
DISP_ISSUED, DISP_UNDER_SUBMISSION, DISP_DENIED = 3, 5, 2
NCA_S_OP_RNG_ERROR = 0x1c010002


def _recv_or_raise(self, forceRecv=0, count=0):
    """impacket 0.10's TCPTransport.recv with a closed connection as an error.
    Its own loops on recv() returning b"" forever when the server closes in the
    middle of a PDU (a worker restarted by cad does): the client then spins at
    full CPU instead of failing the call (seen in the kill campaign)."""
    sock = self.get_socket()
    if not count:
        data = sock.recv(8192)
        if not data:
            raise ConnectionResetError("the server closed the connection")
        return data
    buf = b""
    while len(buf) < count:
        data = sock.recv(count - len(buf))
        if not data:
            raise ConnectionResetError("the server closed the connection in a PDU")
        buf += data
    return buf


transport.TCPTransport.recv = _recv_or_raise


class CertServerRequest(NDRCALL):
    opnum = 0
    structure = (("dwFlags", DWORD), ("pwszAuthority", LPWSTR), ("pdwRequestId", DWORD),
                 ("pctbAttribs", CERTTRANSBLOB), ("pctbRequest", CERTTRANSBLOB))


class CertServerRequestResponse(NDRCALL):
    """With the return value, which impacket's request() leaves unchecked with
    checkError=False."""
    structure = (("pdwRequestId", DWORD), ("pdwDisposition", ULONG),
                 ("pctbCert", CERTTRANSBLOB), ("pctbEncodedCert", CERTTRANSBLOB),
                 ("pctbDispositionMessage", CERTTRANSBLOB), ("ErrorCode", ULONG))


class Appliance:
    """cad on kernel-chosen loopback ports, with ledger, custodian and worker."""

    def __init__(self, data, pin_file, bin_dir=BIN):
        self.log = open(Path(data) / "cad.log", "w+")
        self.proc = subprocess.Popen(
            [str(Path(bin_dir) / "cad"), "--data", str(data), "--pin-file", str(pin_file), "--epm",
             "127.0.0.1:0", "--icpr", "127.0.0.1:0"], stderr=self.log)
        self.epm_port = self.icpr_port = None
        deadline = time.time() + 30
        while time.time() < deadline and self.icpr_port is None:
            time.sleep(0.1)
            m = re.search(r"endpoint mapper on port (\d+), MS-ICPR on port (\d+)",
                          self.text())
            if m:
                self.epm_port, self.icpr_port = int(m.group(1)), int(m.group(2))
            if self.proc.poll() is not None:
                break
        assert self.icpr_port, "cad did not come up:\n" + self.text()
        self.wait_for("serving CA")

    def text(self):
        self.log.flush()
        return Path(self.log.name).read_text()

    def wait_for(self, needle, count=1, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.text().count(needle) >= count:
                return
            time.sleep(0.05)
        raise AssertionError(f"no {needle!r} in the log:\n" + self.text())

    def pids(self, name):
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid), "-x", name],
                             capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.log.close()
        return self.proc.returncode


@contextlib.contextmanager
def worker_channels(ca):
    """What a worker needs started by hand, without cad: a custodian serving it
    directly (--fd) and two listening sockets. Yields the worker's descriptors
    (custodian channel, endpoint mapper, MS-ICPR) for --fd, --epm-fd, --icpr-fd."""
    ours, theirs = socket.socketpair()
    cust = subprocess.Popen(
        [str(BIN / "ca-custodian"), "serve", "--data", str(ca["data"]), "--fd",
         str(theirs.fileno()), "--pin-file", str(ca["token"].pin_file)],
        pass_fds=[theirs.fileno()], stderr=subprocess.DEVNULL)
    theirs.close()
    l1, l2 = socket.socket(), socket.socket()
    for s in (l1, l2):
        s.bind(("127.0.0.1", 0))
        s.listen()
    try:
        yield [ours.fileno(), l1.fileno(), l2.fileno()]
    finally:
        ours.close()
        l1.close()
        l2.close()
        cust.wait(timeout=30)


def worker_args(fds, *more):
    """ca-worker's command line over worker_channels' descriptors."""
    return [str(BIN / "ca-worker"), "--fd", str(fds[0]), "--epm-fd", str(fds[1]),
            "--icpr-fd", str(fds[2]), "--icpr-port", "1", *more]


def lookup(epm_port):
    """ept_map through the endpoint mapper: the ICPR string binding."""
    t = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:127.0.0.1[{epm_port}]")
    dce = t.get_dce_rpc()
    dce.connect()
    try:
        return epm.hept_map("127.0.0.1", ICPR, protocol="ncacn_ip_tcp", dce=dce)
    finally:
        dce.disconnect()


def connect(binding):
    dce = transport.DCERPCTransportFactory(binding).get_dce_rpc()
    dce.connect()
    dce.bind(ICPR)
    return dce


def blob(data):
    if isinstance(data, list):
        return b"".join(data)
    return data if isinstance(data, bytes) else b""


def cert_server_request(dce, authority, csr=b"", attributes="", request_id=0, flags=0,
                        attrib_cb=None, attrib_raw=None):
    """One CertServerRequest; returns (return value, request id, disposition,
    pkcs7, cert, message)."""
    req = CertServerRequest()
    req["dwFlags"] = flags
    req["pwszAuthority"] = authority + "\x00"
    req["pdwRequestId"] = request_id
    attr = (attributes + "\x00").encode("utf-16-le") if attributes else b""
    if attrib_raw is not None:
        attr = attrib_raw
    req["pctbAttribs"]["cb"] = len(attr) if attrib_cb is None else attrib_cb
    req["pctbAttribs"]["pb"] = attr if attr else NULL
    req["pctbRequest"]["cb"] = len(csr)
    req["pctbRequest"]["pb"] = csr if csr else NULL
    resp = dce.request(req, checkError=False)
    msg = blob(resp["pctbDispositionMessage"]["pb"]).decode("utf-16-le").rstrip("\x00")
    return (resp["ErrorCode"], resp["pdwRequestId"], resp["pdwDisposition"],
            blob(resp["pctbCert"]["pb"]), blob(resp["pctbEncodedCert"]["pb"]), msg)
