"""CMS and CMC requests for test_custodian_cmsreq.c, made by the independent
builder tests/integration/cms_build.py (python3-asn1crypto for the structures,
python3-cryptography for the signatures; nothing shared with the C decoder).
Run as /usr/bin/python3 (Debian's packages).

  cmsreq_build.py build --out OUT [--key KEY.pem] [--subject CN] [--template OID]
      [--renewal CERT.der | --renewal-junk] [--cmc] [--cmc-nv NAME=VALUE]...
      [--reginfo TEXT | --reginfo-hex HEX] [--signer SPEC]... [--own-ski]
      [--carry CERT.der]...
    SPEC: KEY.pem,CERT.der[,ski][,tamper][,nocert][,nv=NAME=VALUE]...
    (the inner PKCS#10's key: --key, else a new P-256 key; --own-ski: one more
    signer with that key, named by its key identifier, its certificate not
    carried, as Microsoft's CMC requests sign)
  cmsreq_build.py foreign DIR LABEL
    a key and a certificate issued by a new CA the openssl CLI makes:
    DIR/LABEL.key (PEM), DIR/LABEL.der
  cmsreq_build.py forge CA.pem DIR LABEL
    a key and a certificate whose issuer is CA.pem's subject byte for byte,
    signed by another key (cms_build.forge)"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "integration"))
import cms_build as cb  # noqa: E402
from asn1crypto import core  # noqa: E402


class Raw:
    """regInfo's octets as given (pki_data encodes its text with .encode())."""

    def __init__(self, raw):
        self.raw = raw

    def encode(self):
        return self.raw


def signer_of(spec):
    parts = spec.split(",")
    key = cb.load_key(parts[0])
    cert = Path(parts[1]).read_bytes()
    opts = {"sid": "issuer", "tamper": False, "nv": [], "nocert": False}
    for p in parts[2:]:
        if p == "ski":
            opts["sid"] = "ski"
        elif p == "tamper":
            opts["tamper"] = True
        elif p == "nocert":
            opts["nocert"] = True
        elif p.startswith("nv="):
            n, v = p[3:].split("=", 1)
            opts["nv"].append((n, v))
        else:
            sys.exit(f"unknown signer option {p}")
    s = cb.Signer(key, cert, sid=opts["sid"], tamper=opts["tamper"], name_values=opts["nv"])
    return s, opts["nocert"]


def build(a):
    tmp = Path(a.out).parent
    key = cb.load_key(a.key) if a.key else cb.new_key()
    exts = []
    if a.template:
        exts.append(cb.extension(cb.OID_TEMPLATE_EXT, cb.template_ext(a.template)))
    renewal = None
    if a.renewal:
        renewal = Path(a.renewal).read_bytes()
    elif a.renewal_junk:
        renewal = core.OctetString(b"not a certificate").dump()
    subject = cb.name(a.subject) if a.subject else None
    csr = cb.build_csr(key, subject=subject, extensions=exts, renewal_cert=renewal)
    signers, certs = [], []
    for spec in a.signer:
        s, nocert = signer_of(spec)
        signers.append(s)
        if not nocert and s.cert not in certs:
            certs.append(s.cert)
    if a.own_ski:
        own = cb.self_signed(tmp, "own-ski", key, "/CN=own key")
        signers.append(cb.Signer(key, own, sid="ski"))
    for c in a.carry:
        certs.append(Path(c).read_bytes())
    if a.cmc:
        nv = [tuple(x.split("=", 1)) for x in a.cmc_nv]
        reg = None
        if a.reginfo is not None or a.reginfo_hex is not None:
            raw = a.reginfo.encode() if a.reginfo is not None else bytes.fromhex(a.reginfo_hex)
            reg = Raw(raw)
        content = cb.pki_data(csr, transaction_id=1, name_values=nv, reg_info=reg)
        der = cb.signed_data(content, signers, cb.OID_PKIDATA, certs=certs)
    else:
        der = cb.signed_data(csr, signers, cb.OID_DATA, certs=certs)
    Path(a.out).write_bytes(der)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--out", required=True)
    b.add_argument("--key")
    b.add_argument("--subject")
    b.add_argument("--template")
    b.add_argument("--renewal")
    b.add_argument("--renewal-junk", action="store_true")
    b.add_argument("--cmc", action="store_true")
    b.add_argument("--cmc-nv", action="append", default=[])
    b.add_argument("--reginfo")
    b.add_argument("--reginfo-hex")
    b.add_argument("--signer", action="append", default=[])
    b.add_argument("--own-ski", action="store_true")
    b.add_argument("--carry", action="append", default=[])
    f = sub.add_parser("foreign")
    f.add_argument("dir")
    f.add_argument("label")
    g = sub.add_parser("forge")
    g.add_argument("ca")
    g.add_argument("dir")
    g.add_argument("label")
    a = ap.parse_args()
    if a.cmd == "build":
        build(a)
    elif a.cmd == "foreign":
        d = Path(a.dir)
        ca = cb.openssl_ca(d, a.label + "-ca", "/CN=Another CA")
        key = cb.new_key()
        der = cb.openssl_issue(d, a.label, ca, key, "/CN=EXAMPLE alice")
        (d / f"{a.label}.der").write_bytes(der)  # openssl_issue wrote LABEL.key too
    else:
        d = Path(a.dir)
        key = cb.new_key()
        cb.write_key(d / f"{a.label}.key", key)
        der = cb.forge(a.ca, "EXAMPLE alice", key, cb.new_key())
        (d / f"{a.label}.der").write_bytes(der)


if __name__ == "__main__":
    main()
