"""An independent client of ca-ledger for the integration tests.

Everything here is written from the documented formats (firmware/ledger/proto.h,
event.h, row.h, view.c's view_query_encode, platform/ipc.h), in Python, without
reusing the C codecs, so that the tests check the ledger against a second reading
of its specification:

  frame     16-byte little-endian header {type, len, id, flags} then len bytes
  payload   little-endian u32/u64/i64; byte strings and strings prefixed by a u32
            length; the two 32-byte hashes of a record (prev, tbs_sha256) raw

Ledger(data).start() spawns `ca-ledger serve --data DATA --fd N [--nosync]` with one
end of a socketpair; its methods speak the protocol (append, pipelined appends,
get_request, get_event, get_cert, view, head, verify). decode_record() reads a
journal record; the encode_* functions build event bodies; cli(), make_cert() and
genesis() drive the command line.
"""
import hashlib
import os
import select
import socket
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("CA_BUILD", TOP / "build"))
BIN = BUILD / "bin"
LEDGER_BIN = BIN / "ca-ledger"
TAMPER_BIN = BUILD / "tests" / "ledger_tamper"

# ---- proto.h -------------------------------------------------------------------------
# The largest frame the ledger takes (proto.h LEDGER_FRAME_MAX: a 128 MiB CRL record).
LEDGER_FRAME_MAX = (128 << 20) + (64 << 10)
LEDGER_APPEND = 0x200
LEDGER_APPENDED = 0x201
LEDGER_GET_REQUEST = 0x210
LEDGER_REQUEST = 0x211
LEDGER_GET_EVENT = 0x212
LEDGER_EVENT = 0x213
LEDGER_GET_CERT = 0x214
LEDGER_CERT = 0x215
LEDGER_VIEW = 0x220
LEDGER_ROWS = 0x221
LEDGER_HEAD = 0x230
LEDGER_HEAD_IS = 0x231
LEDGER_VERIFY = 0x232
LEDGER_VERIFIED = 0x233
LEDGER_EVENTS = 0x245
LEDGER_GET_TEMPLATES = 0x24A
LEDGER_ERROR = 0x2FF

LEDGER_ERR_INVALID = 1
LEDGER_ERR_NOTFOUND = 2
LEDGER_ERR_STORAGE = 3
LEDGER_ERR_FULL = 4  # no room: the disk is full, or ordinary work at the reserve
ERR_NAMES = {1: "INVALID", 2: "NOTFOUND", 3: "STORAGE"}

IPC_HDR_LEN = 16

# ---- event.h -------------------------------------------------------------------------
LEDGER_MAGIC = 0x3156454C  # "LEV1" little-endian
HASH_LEN = 32
NAME_MAX = 256
TEXT_MAX = 4096
BLOB_MAX = 1 << 20
SERIAL_MAX = 20
OID_MAX = 128

EV_GENESIS = 1
EV_REQUEST_RECEIVED = 2
EV_DISPOSITION = 3
EV_EXTENSION_SET = 4
EV_CERT_INTENT = 5
EV_CERT_ISSUED = 6
EV_CERT_REVOKED = 7
EV_CERT_UNREVOKED = 8
EV_CRL_PUBLISHED = 9
EV_KEY_ARCHIVED = 10
EV_PROPERTY_CHANGED = 11
EV_OPERATOR_ACTION = 12
EV_LOGON_REFUSED = 13
EV_CHECKPOINT = 14
EV_TEMPLATE_CHANGED = 15
EV_REQUEST_LINK = 16

TYPE_NAMES = {
    EV_GENESIS: "genesis", EV_REQUEST_RECEIVED: "request-received",
    EV_DISPOSITION: "disposition", EV_EXTENSION_SET: "extension-set",
    EV_CERT_INTENT: "cert-intent", EV_CERT_ISSUED: "cert-issued",
    EV_CERT_REVOKED: "cert-revoked", EV_CERT_UNREVOKED: "cert-unrevoked",
    EV_CRL_PUBLISHED: "crl-published", EV_KEY_ARCHIVED: "key-archived",
    EV_PROPERTY_CHANGED: "property-changed", EV_OPERATOR_ACTION: "operator-action",
    EV_LOGON_REFUSED: "logon-refused", EV_CHECKPOINT: "checkpoint",
    EV_TEMPLATE_CHANGED: "template-changed", EV_REQUEST_LINK: "request-link",
}

ACTOR_CA = 1
ACTOR_OPERATOR = 2
ACTOR_REQUESTER = 3

DISP_PENDING = 9
DISP_ISSUED = 20
DISP_REVOKED = 21
DISP_FAILED = 30
DISP_DENIED = 31
DISP_NAMES = {DISP_PENDING: "pending", DISP_ISSUED: "issued", DISP_REVOKED: "revoked",
              DISP_FAILED: "failed", DISP_DENIED: "denied"}

FMT_PKCS10 = 1
FMT_CMS = 2
FMT_CMC = 3
FMT_DIGEST = 4  # refused on arrival: raw is u32 size | SHA-256, never the payload
LEDGER_MANY = "*"  # a burst's summary: a field its events did not share

REASON_HOLD = 6  # certificateHold


class LedgerError(Exception):
    """A LEDGER_ERROR reply: code (LEDGER_ERR_*) and the ledger's message."""

    def __init__(self, code, message):
        super().__init__(f"ledger error {code} ({ERR_NAMES.get(code, '?')}): {message}")
        self.code = code
        self.message = message


class LedgerGone(Exception):
    """The channel closed (the server exited or was killed) before every reply came.
    replies holds what did arrive: {request id: (type, payload)}."""

    def __init__(self, msg, replies=None):
        super().__init__(msg)
        self.replies = replies or {}


class ProtocolError(Exception):
    """The server sent something the protocol does not allow."""


# ---- payload codec ---------------------------------------------------------------------
class W:
    """Payload writer: little-endian scalars, u32-length-prefixed byte strings."""

    def __init__(self):
        self.parts = []

    def u32(self, v):
        self.parts.append(struct.pack("<I", v))
        return self

    def u64(self, v):
        self.parts.append(struct.pack("<Q", v))
        return self

    def i64(self, v):
        self.parts.append(struct.pack("<q", v))
        return self

    def bytes(self, b):
        b = bytes(b)
        self.parts.append(struct.pack("<I", len(b)) + b)
        return self

    def str(self, s):
        return self.bytes(s.encode() if isinstance(s, str) else s)

    def raw(self, b):
        self.parts.append(bytes(b))
        return self

    def done(self):
        return b"".join(self.parts)


class R:
    """Payload reader; done() insists that every byte was consumed."""

    def __init__(self, data):
        self.data = bytes(data)
        self.pos = 0

    def _take(self, n):
        if self.pos + n > len(self.data):
            raise ProtocolError(f"payload ends early: need {n} bytes at {self.pos} of "
                                f"{len(self.data)}")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u32(self):
        return struct.unpack("<I", self._take(4))[0]

    def u64(self):
        return struct.unpack("<Q", self._take(8))[0]

    def i64(self):
        return struct.unpack("<q", self._take(8))[0]

    def bytes(self, max_len=None):
        n = self.u32()
        if max_len is not None and n > max_len:
            raise ProtocolError(f"byte string of {n} bytes over {max_len}")
        return self._take(n)

    def str(self, max_len=None):
        b = self.bytes(max_len)
        if b"\0" in b:
            raise ProtocolError("string holds a NUL byte")
        return b.decode("utf-8", errors="surrogateescape")

    def raw(self, n):
        return self._take(n)

    def left(self):
        return len(self.data) - self.pos

    def rest(self):
        return self._take(self.left())

    def done(self):
        if self.pos != len(self.data):
            raise ProtocolError(f"{len(self.data) - self.pos} bytes left over")


def frame(mtype, mid, payload=b"", flags=0):
    return struct.pack("<IIII", mtype, len(payload), mid, flags) + payload


# ---- event bodies (event.h, fields in encoding order) -------------------------------
def _hash32(h):
    h = bytes(h)
    if len(h) != HASH_LEN:
        raise ValueError("a hash is 32 bytes")
    return h


def encode_genesis(ca_cert):
    return W().bytes(ca_cert).done()


def encode_request(requester, raw, fmt=FMT_PKCS10, attributes="", request_id=0, tail=None):
    """tail: (count, since, peer), the optional tail of a refusal's record."""
    w = W().u32(request_id).u32(fmt).str(requester).bytes(raw).str(attributes)
    if tail is not None:
        w.u32(tail[0]).i64(tail[1]).str(tail[2])
    return w.done()


def encode_logon(action, peer, claimed="", detail="", tail=None):
    """tail: (count, since), the optional tail."""
    w = W().u32(action).str(peer).str(claimed).str(detail)
    if tail is not None:
        w.u32(tail[0]).i64(tail[1])
    return w.done()


def encode_disposition(request_id, disposition, hresult=0, message=""):
    return W().u32(request_id).u32(disposition).u32(hresult).str(message).done()


def encode_extension(request_id, oid, value=b"", flags=0):
    return W().u32(request_id).str(oid).u32(flags).bytes(value).done()


def encode_intent(request_id, serial, tbs_sha256, not_before, not_after):
    return (W().u32(request_id).bytes(serial).raw(_hash32(tbs_sha256)).i64(not_before)
            .i64(not_after).done())


def encode_issued(request_id, serial, not_before, not_after, cert):
    return (W().u32(request_id).bytes(serial).i64(not_before).i64(not_after).bytes(cert)
            .done())


def encode_revoked(serial, reason, revoked_at, invalidity=0):
    return W().bytes(serial).u32(reason).i64(revoked_at).i64(invalidity).done()


def encode_unrevoked(serial):
    return W().bytes(serial).done()


def encode_crl(number, this_update, next_update, crl, is_delta=0, base_number=0):
    return (W().u64(number).u32(is_delta).u64(base_number).i64(this_update)
            .i64(next_update).bytes(crl).done())


def encode_archive(request_id, blob):
    return W().u32(request_id).bytes(blob).done()


def encode_property(name, value=b""):
    return W().str(name).bytes(value).done()


TEMPLATE_ADDED, TEMPLATE_CHANGED, TEMPLATE_REMOVED = 1, 2, 3


def encode_template(action, name, major, minor, text=b""):
    """u32 action | str name | u32 major | u32 minor | bytes text (event.h)."""
    return W().u32(action).str(name).u32(major).u32(minor).bytes(text).done()


def encode_operator(action, target="", allowed=1, detail=""):
    return W().str(action).str(target).u32(allowed).str(detail).done()


def encode_checkpoint(seq, head, t, crl_number, signed):
    """u64 seq | 32 bytes head | i64 time | u64 crl_number | bytes signed (event.h)."""
    return W().u64(seq).raw(head).i64(t).u64(crl_number).bytes(signed).done()


# Body layouts for decoding: (name, kind) in encoding order.
BODY_LAYOUTS = {
    EV_GENESIS: [("ca_cert", "bytes")],
    EV_REQUEST_RECEIVED: [("request_id", "u32"), ("format", "u32"), ("requester", "str"),
                          ("raw", "bytes"), ("attributes", "str")],
    EV_DISPOSITION: [("request_id", "u32"), ("disposition", "u32"), ("hresult", "u32"),
                     ("message", "str")],
    EV_EXTENSION_SET: [("request_id", "u32"), ("oid", "str"), ("flags", "u32"),
                       ("value", "bytes")],
    EV_CERT_INTENT: [("request_id", "u32"), ("serial", "bytes"), ("tbs_sha256", "hash"),
                     ("not_before", "i64"), ("not_after", "i64")],
    EV_CERT_ISSUED: [("request_id", "u32"), ("serial", "bytes"), ("not_before", "i64"),
                     ("not_after", "i64"), ("cert", "bytes")],
    EV_CERT_REVOKED: [("serial", "bytes"), ("reason", "u32"), ("revoked_at", "i64"),
                      ("invalidity", "i64")],
    EV_CERT_UNREVOKED: [("serial", "bytes")],
    EV_CRL_PUBLISHED: [("number", "u64"), ("is_delta", "u32"), ("base_number", "u64"),
                       ("this_update", "i64"), ("next_update", "i64"), ("crl", "bytes")],
    EV_KEY_ARCHIVED: [("request_id", "u32"), ("blob", "bytes")],
    EV_PROPERTY_CHANGED: [("name", "str"), ("value", "bytes")],
    EV_OPERATOR_ACTION: [("action", "str"), ("target", "str"), ("allowed", "u32"),
                         ("detail", "str")],
    EV_LOGON_REFUSED: [("action", "u32"), ("peer", "str"), ("claimed", "str"),
                       ("detail", "str")],
    EV_CHECKPOINT: [("seq", "u64"), ("head", "hash"), ("time", "i64"), ("crl_number", "u64"),
                    ("signed", "bytes")],
    EV_TEMPLATE_CHANGED: [("action", "u32"), ("name", "str"), ("major", "u32"),
                          ("minor", "u32"), ("text", "bytes")],
    EV_REQUEST_LINK: [("request_id", "u32"), ("kind", "u32"), ("serial", "bytes"),
                      ("account", "str")],
}


# Optional tails (event.h, LEDGER_TAIL): fields added after a type was first
# defined, present exactly when the first, a count, is not 0. A record from before
# them ends without them (count 0 here: it stands for one event).
BODY_TAILS = {
    EV_REQUEST_RECEIVED: [("count", "u32"), ("since", "i64"), ("peer", "str")],
    EV_LOGON_REFUSED: [("count", "u32"), ("since", "i64")],
}


def decode_body(etype, body):
    """The fields of a body as a dict (layout only: the ledger checks the bounds)."""
    r = R(body)
    out = {}
    for name, kind in BODY_LAYOUTS[etype]:
        out[name] = r.raw(HASH_LEN) if kind == "hash" else getattr(r, kind)()
    tail = BODY_TAILS.get(etype)
    if tail and r.left() > 0:
        for name, kind in tail:
            out[name] = getattr(r, kind)()
        if out["count"] == 0:
            raise ProtocolError("a tail with a count of 0")
    elif tail:
        out["count"] = 0  # a record from before the tail: one event
    r.done()
    return out


def event_count(rec):
    """How many events a record stands for: its tail's count, else 1."""
    return rec.fields.get("count") or 1


@dataclass
class Record:
    seq: int
    time: int
    type: int
    actor_kind: int
    actor: str
    prev: bytes
    body: bytes  # the body's bytes exactly as recorded
    raw: bytes   # the whole record
    fields: dict = field(default_factory=dict)

    @property
    def hash(self):
        return record_hash(self.raw)


def decode_record(rec):
    """A journal record: u32 magic | u64 seq | i64 time | u32 type | u32 actor_kind |
    str actor | 32 bytes prev | body."""
    r = R(rec)
    magic = r.u32()
    if magic != LEDGER_MAGIC:
        raise ProtocolError(f"bad record magic 0x{magic:08x}")
    seq, t, etype, actor_kind = r.u64(), r.i64(), r.u32(), r.u32()
    actor = r.str(NAME_MAX)
    prev = r.raw(HASH_LEN)
    body = r.rest()
    fields = decode_body(etype, body) if etype in BODY_LAYOUTS else {}
    return Record(seq, t, etype, actor_kind, actor, prev, body, bytes(rec), fields)


def record_hash(rec):
    return hashlib.sha256(bytes(rec)).digest()


# ---- rows (row.h) ----------------------------------------------------------------------
@dataclass
class RequestRow:
    request_id: int
    disposition: int
    hresult: int
    format: int
    submitted: int
    resolved: int
    seq_received: int
    seq_last: int
    requester: str
    message: str
    serial: bytes
    not_before: int
    not_after: int
    seq_cert: int
    revoked: int
    revoked_reason: int
    revoked_at: int


def decode_request_row(data):
    r = R(data)
    row = RequestRow(
        request_id=r.u32(), disposition=r.u32(), hresult=r.u32(), format=r.u32(),
        submitted=r.i64(), resolved=r.i64(), seq_received=r.u64(), seq_last=r.u64(),
        requester=r.str(NAME_MAX), message=r.str(1024), serial=r.bytes(SERIAL_MAX),
        not_before=r.i64(), not_after=r.i64(), seq_cert=r.u64(), revoked=r.u32(),
        revoked_reason=r.u32(), revoked_at=r.i64())
    r.done()
    return row


@dataclass
class CertRow:
    request_id: int
    seq_issued: int


def decode_cert_row(data):
    r = R(data)
    row = CertRow(r.u32(), r.u64())
    r.done()
    return row


@dataclass
class Appended:
    seq: int
    time: int
    request_id: int
    hash: bytes


def decode_appended(data):
    r = R(data)
    a = Appended(r.u64(), r.i64(), r.u32(), r.bytes())
    r.done()
    if len(a.hash) != HASH_LEN:
        raise ProtocolError(f"APPENDED hash of {len(a.hash)} bytes")
    return a


def decode_error(data):
    r = R(data)
    code, msg = r.u32(), r.str()
    r.done()
    return LedgerError(code, msg)


# ---- views (view.h; wire form as view.c's view_query_encode) -------------------------
COLUMNS = {
    "RequestID": (1, "u32"), "Disposition": (2, "disp"), "StatusCode": (3, "u32"),
    "RequesterName": (4, "text"), "SubmittedWhen": (5, "time"),
    "ResolvedWhen": (6, "time"), "SerialNumber": (7, "serial"), "NotBefore": (8, "time"),
    "NotAfter": (9, "time"), "RevokedWhen": (10, "time"), "RevokedReason": (11, "u32"),
    "DispositionMessage": (12, "text"), "RequestFormat": (13, "u32"),
}
OPS = {"==": 1, "!=": 2, "<": 3, "<=": 4, ">": 5, ">=": 6}


def _column(name):
    for k, v in COLUMNS.items():
        if k.lower() == name.lower():
            return k, v
    raise ValueError(f"unknown column {name!r}")


def parse_restriction(text):
    """'Disposition==pending' -> (column name, op, value) with the value parsed by the
    column's kind (numbers, disposition names, YYYY-MM-DD[THH:MM:SS[Z]] or unix
    seconds, hex serials)."""
    i = 0
    while i < len(text) and (text[i].isalnum() or text[i] == "_"):
        i += 1
    name, _ = _column(text[:i].strip())
    rest = text[i:].strip()
    for op in ("==", "!=", "<=", ">=", "<", ">"):
        if rest.startswith(op):
            return name, op, rest[len(op):].strip()
    raise ValueError(f"no operator in {text!r}")


def _value(kind, v):
    if kind == "text":
        return v
    if kind == "serial":
        if isinstance(v, (bytes, bytearray)):
            return bytes(v)
        h = v.replace(":", "")
        if len(h) % 2:
            h = "0" + h
        return bytes.fromhex(h)
    if isinstance(v, int):
        return v
    if kind == "disp":
        for num, n in DISP_NAMES.items():
            if n == v.lower():
                return num
    if kind == "time" and "-" in v:
        import calendar
        fmt = {10: "%Y-%m-%d", 19: "%Y-%m-%dT%H:%M:%S", 20: "%Y-%m-%dT%H:%M:%SZ"}[len(v)]
        return calendar.timegm(time.strptime(v, fmt))
    return int(v, 0)


def encode_view_query(restrictions=(), columns=(), after_id=0, limit=100):
    """u32 n_r | n_r x (u32 column | u32 op | value) | u32 n_columns |
    n_columns x u32 column | u32 after_id | u32 limit; the value is u64 for numbers
    and times, str for text, bytes for a serial. A restriction is a text
    ("RequestID>=3") or a tuple (column, op, value); a column a name or a number."""
    w = W().u32(len(restrictions))
    for r in restrictions:
        if isinstance(r, str):
            r = parse_restriction(r)
        name, op, value = r
        name, (num, kind) = _column(name)
        w.u32(num).u32(OPS[op])
        value = _value(kind, value)
        if kind in ("text", "serial"):
            w.bytes(value.encode() if isinstance(value, str) else value)
        else:
            w.u64(value)
    w.u32(len(columns))
    for c in columns:
        w.u32(c if isinstance(c, int) else _column(c)[1][0])
    return w.u32(after_id).u32(limit).done()


def row_column(row, name):
    """A column's value as view_format renders it (for comparisons in tests)."""
    name, _ = _column(name)

    def t(v):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(v)) if v else ""

    return {
        "RequestID": lambda: str(row.request_id),
        "Disposition": lambda: DISP_NAMES.get(row.disposition, str(row.disposition)),
        "StatusCode": lambda: f"0x{row.hresult:08x}",
        "RequesterName": lambda: row.requester,
        "SubmittedWhen": lambda: t(row.submitted),
        "ResolvedWhen": lambda: t(row.resolved),
        "SerialNumber": lambda: row.serial.hex(),
        "NotBefore": lambda: t(row.not_before),
        "NotAfter": lambda: t(row.not_after),
        "RevokedWhen": lambda: t(row.revoked_at) if row.revoked else "",
        "RevokedReason": lambda: str(row.revoked_reason) if row.revoked else "",
        "DispositionMessage": lambda: row.message,
        "RequestFormat": lambda: str(row.format),
    }[name]()


# ---- the server ------------------------------------------------------------------------
class Ledger:
    """One `ca-ledger serve` process and its channel."""

    def __init__(self, data, nosync=False, threads=None, binary=None, extra=()):
        self.data = Path(data)
        self.extra = [str(a) for a in extra]  # more serve options (--reserve-mb N ...)
        self.nosync = nosync
        self.threads = threads
        self.binary = Path(binary) if binary else LEDGER_BIN
        self.proc = None
        self.sock = None
        self._next_id = 1
        self._rbuf = b""
        self._stderr = None

    # -- process --
    def start(self, timeout=30):
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        args = [str(self.binary), "serve", "--data", str(self.data), "--fd",
                str(theirs.fileno())]
        if self.nosync:
            args.append("--nosync")
        if self.threads is not None:
            args += ["--threads", str(self.threads)]
        args += self.extra
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, pass_fds=[theirs.fileno()],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self._stderr)
        theirs.close()
        self.sock.settimeout(timeout)
        self._rbuf = b""
        return self

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, etype, *exc):
        if self.proc is not None and self.proc.poll() is None:
            rc = self.close()
            if etype is None and rc != 0:
                raise AssertionError(f"ca-ledger serve exited {rc}:\n{self.stderr()}")
        else:
            self._drop_sock()

    def _drop_sock(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def close(self, timeout=30):
        """Closes the channel: the server finishes and exits. Its exit status."""
        self._drop_sock()
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def kill(self):
        """SIGKILL, then reap."""
        self.proc.kill()
        rc = self.proc.wait()
        self._drop_sock()
        return rc

    def wait(self, timeout=30):
        return self.proc.wait(timeout=timeout)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr(self):
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    # -- frames --
    def new_id(self):
        mid = self._next_id
        self._next_id = (self._next_id + 1) & 0xFFFFFFFF or 1
        return mid

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, mtype, payload=b"", mid=None, flags=0):
        mid = self.new_id() if mid is None else mid
        self.sock.sendall(frame(mtype, mid, payload, flags))
        return mid

    def _parse_one(self):
        if len(self._rbuf) < IPC_HDR_LEN:
            return None
        mtype, length, mid, flags = struct.unpack("<IIII", self._rbuf[:IPC_HDR_LEN])
        if flags != 0:
            raise ProtocolError(f"reply type 0x{mtype:x} with flags 0x{flags:x}")
        if len(self._rbuf) < IPC_HDR_LEN + length:
            return None
        payload = self._rbuf[IPC_HDR_LEN:IPC_HDR_LEN + length]
        self._rbuf = self._rbuf[IPC_HDR_LEN + length:]
        return mtype, mid, payload

    def recv(self):
        """One reply frame: (type, id, payload). LedgerGone at EOF."""
        while True:
            f = self._parse_one()
            if f is not None:
                return f
            try:
                chunk = self.sock.recv(1 << 20)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise LedgerGone("the ledger closed the channel")
            self._rbuf += chunk

    def call(self, mtype, payload=b"", expect=None):
        """One request, its reply's payload; LedgerError for LEDGER_ERROR."""
        mid = self.send(mtype, payload)
        rtype, rid, data = self.recv()
        if rid != mid:
            raise ProtocolError(f"reply id {rid} for request {mid}")
        return self._check(rtype, data, expect)

    @staticmethod
    def _check(rtype, data, expect):
        if rtype == LEDGER_ERROR:
            raise decode_error(data)
        if expect is not None and rtype != expect:
            raise ProtocolError(f"reply type 0x{rtype:x}, expected 0x{expect:x}")
        return data

    def call_many(self, requests, on_reply=None):
        """Pipelines requests [(type, payload)]: sends them all (reading replies as they
        come, so that neither side blocks), then collects every reply by id. Returns
        [(type, payload)] in request order. on_reply(index, type, payload) is called as
        each reply arrives. LedgerGone (with the replies that did arrive, by index) if
        the channel closes first."""
        ids = []
        out = bytearray()
        for mtype, payload in requests:
            mid = self.new_id()
            ids.append(mid)
            out += frame(mtype, mid, payload)
        index = {mid: i for i, mid in enumerate(ids)}
        replies = {}
        sent = 0
        sock = self.sock
        timeout = sock.gettimeout() or 60
        sock.setblocking(False)
        try:
            while len(replies) < len(ids):
                while True:
                    f = self._parse_one()
                    if f is None:
                        break
                    rtype, rid, data = f
                    if rid not in index or index[rid] in replies:
                        raise ProtocolError(f"reply with unknown or repeated id {rid}")
                    replies[index[rid]] = (rtype, data)
                    if on_reply is not None:
                        on_reply(index[rid], rtype, data)
                if len(replies) == len(ids):
                    break
                wl = [sock] if sent < len(out) else []
                r, w, _ = select.select([sock], wl, [], timeout)
                if not r and not w:
                    raise TimeoutError(f"no reply for {timeout} s "
                                       f"({len(replies)}/{len(ids)} replies)")
                if w:
                    try:
                        sent += sock.send(out[sent:sent + (1 << 20)])
                    except BlockingIOError:
                        pass
                    except (BrokenPipeError, ConnectionResetError):
                        # The server is gone: stop sending, but read what it did
                        # answer before it went (up to the end of the stream).
                        sent = len(out)
                if r:
                    try:
                        chunk = sock.recv(1 << 20)
                    except BlockingIOError:
                        continue
                    except ConnectionResetError:
                        chunk = b""
                    if not chunk:
                        raise LedgerGone("the ledger closed the channel", replies)
                    self._rbuf += chunk
        finally:
            sock.settimeout(timeout)
        return [replies[i] for i in range(len(ids))]

    # -- the protocol --
    @staticmethod
    def append_payload(etype, actor_kind, actor, body):
        return W().u32(etype).u32(actor_kind).str(actor).raw(body).done()

    def append(self, etype, actor_kind, actor, body):
        """-> Appended(seq, time, request_id, hash), or raises LedgerError."""
        return decode_appended(self.call(LEDGER_APPEND,
                                         self.append_payload(etype, actor_kind, actor, body),
                                         LEDGER_APPENDED))

    @staticmethod
    def append_result(rtype, data):
        if rtype == LEDGER_APPENDED:
            return decode_appended(data)
        if rtype == LEDGER_ERROR:
            return decode_error(data)
        raise ProtocolError(f"reply type 0x{rtype:x} to an append")

    def append_many(self, events, on_result=None):
        """Pipelined appends: events [(type, actor_kind, actor, body)] -> [Appended or
        LedgerError] in order. on_result(index, result) as each arrives."""
        cb = None
        if on_result is not None:
            def cb(i, rtype, data):
                on_result(i, self.append_result(rtype, data))
        replies = self.call_many([(LEDGER_APPEND, self.append_payload(*e)) for e in events],
                                 cb)
        return [self.append_result(t, d) for t, d in replies]

    def append_all(self, events):
        """Pipelined appends that must all be acknowledged: [Appended]; the first
        LedgerError is raised."""
        res = self.append_many(events)
        for r in res:
            if isinstance(r, LedgerError):
                raise r
        return res

    def get_request(self, request_id):
        return decode_request_row(self.call(LEDGER_GET_REQUEST, W().u32(request_id).done(),
                                            LEDGER_REQUEST))

    def get_event(self, seq):
        """The record's bytes, exactly as stored."""
        r = R(self.call(LEDGER_GET_EVENT, W().u64(seq).done(), LEDGER_EVENT))
        rec = r.bytes()
        r.done()
        return rec

    def get_events(self, seqs):
        """Pipelined get_event: {seq: record bytes or LedgerError}."""
        seqs = list(seqs)
        replies = self.call_many([(LEDGER_GET_EVENT, W().u64(s).done()) for s in seqs])
        out = {}
        for s, (rtype, data) in zip(seqs, replies):
            if rtype == LEDGER_ERROR:
                out[s] = decode_error(data)
            elif rtype == LEDGER_EVENT:
                r = R(data)
                out[s] = r.bytes()
                r.done()
            else:
                raise ProtocolError(f"reply type 0x{rtype:x} to get-event")
        return out

    def get_cert(self, serial):
        return decode_cert_row(self.call(LEDGER_GET_CERT, W().bytes(serial).done(),
                                         LEDGER_CERT))

    def view(self, restrictions=(), columns=(), after_id=0, limit=100):
        """-> (rows [RequestRow], more)."""
        r = R(self.call(LEDGER_VIEW, encode_view_query(restrictions, columns, after_id,
                                                        limit), LEDGER_ROWS))
        n = r.u32()
        rows = [decode_request_row(r.bytes()) for _ in range(n)]
        more = r.u32()
        r.done()
        if more not in (0, 1):
            raise ProtocolError(f"more flag {more}")
        return rows, bool(more)

    def view_all(self, restrictions=(), page=100):
        rows, after = [], 0
        while True:
            got, more = self.view(restrictions, after_id=after, limit=page)
            rows += got
            if not more:
                return rows
            after = got[-1].request_id

    def head(self):
        """-> (seq, hash)."""
        r = R(self.call(LEDGER_HEAD, b"", LEDGER_HEAD_IS))
        seq, h = r.u64(), r.bytes()
        r.done()
        if len(h) != HASH_LEN:
            raise ProtocolError("head hash is not 32 bytes")
        return seq, h

    def verify(self):
        """-> (ok, events, message)."""
        r = R(self.call(LEDGER_VERIFY, b"", LEDGER_VERIFIED))
        ok, n, msg = r.u32(), r.u64(), r.str()
        r.done()
        return bool(ok), n, msg

    def templates(self):
        """LEDGER_GET_TEMPLATES: the latest record of every template name, decoded,
        in the ledger's order."""
        r = R(self.call(LEDGER_GET_TEMPLATES, b"", LEDGER_EVENTS))
        n = r.u32()
        out = [decode_record(r.bytes()) for _ in range(n)]
        r.done()
        return out

    def records(self, first=1, last=None):
        """Every record first..last (default: the head) as decoded Records."""
        if last is None:
            last = self.head()[0]
        got = self.get_events(range(first, last + 1))
        out = []
        for s in range(first, last + 1):
            if isinstance(got[s], LedgerError):
                raise got[s]
            out.append(decode_record(got[s]))
        return out


# ---- command line ----------------------------------------------------------------------
def cli(*args, timeout=120):
    """Runs ca-ledger with args; the CompletedProcess (text)."""
    return subprocess.run([str(LEDGER_BIN)] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=timeout)


def verify_cli(data):
    return cli("verify", "--data", data)


def show_cli(data):
    return cli("show", "--data", data)


def make_cert(directory, cn="Ledger Test CA"):
    """A throw-away self-signed P-256 certificate (DER) made with the openssl CLI."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key, der = directory / "ca.key", directory / "ca.der"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key), "-subj",
                    f"/CN={cn}", "-days", "30", "-outform", "DER", "-out", str(der)],
                   check=True, capture_output=True)
    return der


def genesis(data, cert):
    """`ca-ledger genesis --data DATA --cert CERT`: the CompletedProcess."""
    Path(data).mkdir(parents=True, exist_ok=True)
    return cli("genesis", "--data", data, "--cert", cert)


def tamper(*args):
    """Runs the ledger_tamper tool (the ledger must be stopped)."""
    if not TAMPER_BIN.exists():
        raise AssertionError(f"{TAMPER_BIN} is missing: build it with "
                             f"`make {TAMPER_BIN}` (make check-integration does)")
    return subprocess.run([str(TAMPER_BIN)] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=60)


# ---- conveniences for the tests --------------------------------------------------------
def new_serial(n=16):
    """A fresh random positive serial of n bytes (first byte 0x01..0x7f)."""
    s = bytearray(os.urandom(n))
    s[0] = (s[0] & 0x7F) or 1
    return bytes(s)


def new_ledger(directory, name="ca"):
    """A data directory with a started ledger (genesis by the CLI): (data dir, cert DER)."""
    directory = Path(directory)
    data = directory / name
    cert = make_cert(directory / (name + "-cert"))
    p = genesis(data, cert)
    if p.returncode != 0:
        raise AssertionError(f"genesis failed: {p.stdout}{p.stderr}")
    return data, cert.read_bytes()


def request(ledger, requester="EXAMPLE\\alice", raw=None, fmt=FMT_PKCS10, attributes=""):
    raw = raw if raw is not None else b"0\x82csr-" + os.urandom(8)
    return ledger.append(EV_REQUEST_RECEIVED, ACTOR_REQUESTER, requester,
                         encode_request(requester, raw, fmt, attributes))


def disposition(ledger, request_id, disp, hresult=0, message=""):
    return ledger.append(EV_DISPOSITION, ACTOR_CA, "CA",
                         encode_disposition(request_id, disp, hresult, message))


def intent(ledger, request_id, serial, not_before=1_800_000_000, not_after=1_831_536_000):
    return ledger.append(EV_CERT_INTENT, ACTOR_CA, "CA",
                         encode_intent(request_id, serial, hashlib.sha256(serial).digest(),
                                       not_before, not_after))


def issued(ledger, request_id, serial, not_before=1_800_000_000, not_after=1_831_536_000,
           cert=None):
    cert = cert if cert is not None else b"0\x82cert-" + serial
    return ledger.append(EV_CERT_ISSUED, ACTOR_CA, "CA",
                         encode_issued(request_id, serial, not_before, not_after, cert))


def issue(ledger, request_id, serial=None, **kw):
    """intent, issued, disposition issued: the serial."""
    serial = serial or new_serial()
    intent(ledger, request_id, serial, **{k: v for k, v in kw.items() if k != "cert"})
    issued(ledger, request_id, serial, **kw)
    disposition(ledger, request_id, DISP_ISSUED, 0, "Issued")
    return serial


def check_chain(records, acked=None):
    """Independent replay: seqs 1..n in order, genesis first with zero prev, each prev
    the SHA-256 of the record before, and every acknowledged {seq: hash} matching."""
    prev = bytes(HASH_LEN)
    for i, rec in enumerate(records, start=1):
        assert rec.seq == i, f"record {i} holds seq {rec.seq}"
        assert rec.prev == prev, f"event {i}: prev is not the hash of event {i - 1}"
        assert (rec.type == EV_GENESIS) == (i == 1), f"event {i}: genesis misplaced"
        prev = rec.hash
    for seq, h in (acked or {}).items():
        assert seq <= len(records), f"acknowledged event {seq} is missing (head {len(records)})"
        assert records[seq - 1].hash == h, f"acknowledged event {seq} changed"
