#!/usr/bin/python3
"""CMS and CMC requests for the C unit tests and tests/fuzz/cms_seeds.py: the
command line of the independent builder tests/integration/cms_build.py
(python3-asn1crypto for the structures, python3-cryptography for the
signatures; nothing shared with the firmware's libtasn1 reader). Every ASN.1
type and every signature is made there; this file only reads options and files.
Keys and certificates come from the openssl CLI. Run as /usr/bin/python3.

  cms_build.py sign  --content F | --cmc-csr F  [options]  --out F
      a SignedData around F (a PKCS#10 as id-data) or a CMC PKIData around
      the PKCS#10 F, in the broken shapes a hostile client would send too;
      --signer KEY[:CERT[:ias|ski]] (test_x509_cms, test_worker_subject,
      test_custodian_respond, test_ntlm.py, cms_seeds.py)
  cms_build.py csr   --key K [--renewal CERT] [--nv N=V] ... --out F
      a certreq-shaped PKCS#10 with Microsoft's attributes
  cms_build.py build --out OUT [--key KEY.pem] [--subject CN] [--template OID]
      [--renewal CERT.der | --renewal-junk] [--cmc] [--cmc-nv NAME=VALUE]...
      [--reginfo TEXT | --reginfo-hex HEX] [--signer SPEC]... [--own-ski]
      [--carry CERT.der]...
    SPEC: KEY.pem,CERT.der[,ski][,tamper][,nocert][,nv=NAME=VALUE]...
    (test_custodian_cmsreq; the inner PKCS#10's key: --key, else a new P-256
    key; --own-ski: one more signer with that key, named by its key
    identifier, its certificate not carried, as Microsoft's CMC requests sign)
  cms_build.py foreign DIR LABEL
    a key and a certificate issued by a new CA the openssl CLI makes:
    DIR/LABEL.key (PEM), DIR/LABEL.der
  cms_build.py forge CA.pem DIR LABEL
    a key and a certificate whose issuer is CA.pem's subject byte for byte,
    signed by another key (cms_build.forge)

Name-value pairs are N=V; hex:NNNN=VVVV gives the BMPStrings' raw contents."""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "integration"))
import cms_build as cb  # noqa: E402
from asn1crypto import core, pem  # noqa: E402


def read(path):
    """A file's DER, PEM unarmoured."""
    data = Path(path).read_bytes()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return data


def version(text):
    """"v1" (CMSVersion's name) or "1": the integer."""
    return int(text[1:] if text.startswith("v") else text)


# ---- sign: SignedData and CMC ----

def nv_attribute(spec):
    """One name-value attribute (1.3.6.1.4.1.311.13.2.1) holding one pair."""
    return cb.attribute(cb.OID_NAME_VALUE, cb.name_value_spec(spec))


def signer_of(a, spec, content_type):
    """--signer KEY[:CERT[:ias|ski]]: named by issuer and serial when a
    certificate is given, else by the key's identifier."""
    parts = spec.split(":")
    cert = read(parts[1]) if len(parts) > 1 and parts[1] else None
    how = parts[2] if len(parts) > 2 else ("ias" if cert is not None else "ski")
    key = cb.load_key(parts[0])
    more = [nv_attribute(s) for s in a.signed_nv]
    more += [cb.attribute("1.2.3.4.%d" % k, core.Null().dump())  # nobody reads these
             for k in range(a.signed_extra)]
    if a.signed_nv_list:
        more.append(cb.attribute(cb.OID_NAME_VALUE, cb.name_value_list(
            [cb.name_value_spec(s) for s in a.signed_nv_list])))
    return cb.Signer(
        key, cert, sid="issuer" if how == "ias" else "ski", digest=a.md,
        tamper=a.tamper_sig, content_type=a.ct_attr or content_type,
        no_signed_attrs=a.no_attrs, version=version(a.version) if a.version else None,
        signature_algorithm=cb.cms_sig_alg(key, a.md, a.sigalg, a.sigalg_null),
        digest_algorithm=cb.named_alg(a.md), no_content_type=a.no_ct_attr,
        dup_content_type=a.dup_ct, no_message_digest=a.no_md_attr, more_attrs=more)


def pki_data(a):
    """The PKIData around --cmc-csr: --control OID:HEXDER controls, then the
    name-value control, then Microsoft's attributes control (bodyPartIDs from
    1001); --reqs tcrs from --tcr-id (or crms); --cms-seq one
    TaggedContentInfo."""
    req = read(a.cmc_csr)
    controls = []
    bpid = 1000
    for c in a.control:
        oid, hexval = c.split(":", 1)
        bpid += 1
        controls.append(cb.control(bpid, oid, bytes.fromhex(hexval)))
    if a.nv_control:
        bpid += 1
        controls.append(cb.control(bpid, cb.OID_NAME_VALUE,
                                   *[cb.name_value_spec(s) for s in a.nv_control]))
    if a.ms_attrs is not None:
        bpid += 1
        attrs = [cb.attribute(cb.OID_CLIENT_INFO, cb.client_info(
            9, "host.example.com", "EXAMPLE\\agent", "certreq"))]
        attrs += [nv_attribute(s) for s in a.ms_attrs if s]
        controls.append(cb.control(bpid, cb.OID_MS_CMC_ATTRS, cb.ms_add_attributes(
            a.ms_attrs_data_ref, [a.ms_attrs_ref or a.tcr_id], attrs)))
    reqs = [cb.crm(req) if a.crm else cb.tcr(a.tcr_id + k, req) for k in range(a.reqs)]
    nested = [cb.tagged_content_info(50, b"nested")] if a.cms_seq else []
    return cb.pki_data_of(controls, reqs, nested)


def cmd_sign(a):
    if a.cmc_csr:
        content = pki_data(a)
        content_type = a.content_type or cb.OID_PKIDATA
    else:
        content = Path(a.content).read_bytes()
        content_type = a.content_type or cb.OID_DATA
    signers = [signer_of(a, s, content_type) for s in a.signer] * a.signer_times
    certs = []
    for s in a.signer:
        parts = s.split(":")
        if len(parts) > 1 and parts[1] and not a.no_certs:
            certs.append(read(parts[1]))
    certs += [read(c) for c in a.add_cert]
    certs = certs * a.cert_times
    if a.other_cert:
        certs.append(cb.other_certificate())
    der = cb.signed_data(
        content, signers, content_type, certs=certs,
        content_after=Path(a.carry).read_bytes() if a.carry else None, version=3,
        digest_algorithms=[cb.named_alg(a.md)], detached=a.detached,
        crls=[cb.other_revocation_info()] if a.crl_other else ())
    Path(a.out).write_bytes(der)


# ---- csr: a PKCS#10 with Microsoft's attributes ----

def cmd_csr(a):
    """As certreq makes it: the OS version always, then what is asked for;
    --dup renewal|client|csp sends that attribute twice."""
    key = cb.load_key(a.key)
    attrs = [cb.attribute(cb.OID_OS_VERSION, core.IA5String("10.0.19045.2").dump())]
    if a.renewal:
        attrs += [cb.attribute(cb.OID_RENEWAL_CERT, *[read(a.renewal)] * a.renewal_values)] * \
            (2 if a.dup == "renewal" else 1)
    attrs += [nv_attribute(s) for s in a.nv]
    attrs += [cb.attribute("1.2.3.4.%d" % k, core.Null().dump()) for k in range(a.extra)]
    if a.client_info:
        ci = cb.client_info(5, "ws01.example.com", a.client_user, "certreq.exe")
        attrs += [cb.attribute(cb.OID_CLIENT_INFO, ci)] * (2 if a.dup == "client" else 1)
    if a.csp_info:
        attrs += [cb.attribute(cb.OID_CSP_INFO, cb.csp_info())] * (2 if a.dup == "csp" else 1)
    Path(a.out).write_bytes(cb.build_csr(key, subject=cb.name("renew.example.com"),
                                         attributes=attrs))


# ---- build, foreign, forge: test_custodian_cmsreq's requests ----

def build_signer(spec):
    """SPEC: KEY.pem,CERT.der[,ski][,tamper][,nocert][,nv=NAME=VALUE]...:
    (the Signer, whether its certificate is left out)."""
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


def cmd_build(a):
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
        s, nocert = build_signer(spec)
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
        if a.reginfo is not None:
            reg = a.reginfo.encode()
        elif a.reginfo_hex is not None:
            reg = bytes.fromhex(a.reginfo_hex)
        content = cb.pki_data(csr, transaction_id=1, name_values=nv, reg_info=reg)
        der = cb.signed_data(content, signers, cb.OID_PKIDATA, certs=certs)
    else:
        der = cb.signed_data(csr, signers, cb.OID_DATA, certs=certs)
    Path(a.out).write_bytes(der)


def cmd_foreign(a):
    d = Path(a.dir)
    ca = cb.openssl_ca(d, a.label + "-ca", "/CN=Another CA")
    der = cb.openssl_issue(d, a.label, ca, cb.new_key(), "/CN=EXAMPLE alice")
    (d / f"{a.label}.der").write_bytes(der)  # openssl_issue wrote LABEL.key too


def cmd_forge(a):
    d = Path(a.dir)
    key = cb.new_key()
    cb.write_key(d / f"{a.label}.key", key)
    der = cb.forge(a.ca, "EXAMPLE alice", key, cb.new_key())
    (d / f"{a.label}.der").write_bytes(der)


def parser():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sign")
    s.add_argument("--content")
    s.add_argument("--cmc-csr")
    s.add_argument("--content-type")
    s.add_argument("--signer", action="append", default=[], help="KEY[:CERT[:ias|ski]]")
    s.add_argument("--signer-times", type=int, default=1)
    s.add_argument("--md", default="sha256", choices=sorted(cb.DIGESTS))
    s.add_argument("--sigalg", default="combined", help="combined | key | oid:OID")
    s.add_argument("--version", help="the SignerInfo version (v1, v3, ...)")
    s.add_argument("--no-attrs", action="store_true")
    s.add_argument("--no-ct-attr", action="store_true")
    s.add_argument("--no-md-attr", action="store_true")
    s.add_argument("--dup-ct", action="store_true")
    s.add_argument("--ct-attr")
    s.add_argument("--signed-nv", action="append", default=[])
    s.add_argument("--signed-nv-list", action="append", default=[])
    s.add_argument("--sigalg-null", action="store_true")
    s.add_argument("--cms-seq", action="store_true")
    s.add_argument("--tamper-sig", action="store_true")
    s.add_argument("--carry")
    s.add_argument("--detached", action="store_true")
    s.add_argument("--no-certs", action="store_true")
    s.add_argument("--add-cert", action="append", default=[])
    s.add_argument("--other-cert", action="store_true")
    s.add_argument("--crl-other", action="store_true")
    s.add_argument("--cert-times", type=int, default=1)
    s.add_argument("--control", action="append", default=[], help="OID:HEXDER")
    s.add_argument("--nv-control", action="append", default=[])
    s.add_argument("--ms-attrs", action="append")
    s.add_argument("--ms-attrs-ref", type=int)
    s.add_argument("--ms-attrs-data-ref", type=int, default=0)
    s.add_argument("--signed-extra", type=int, default=0)
    s.add_argument("--reqs", type=int, default=1)
    s.add_argument("--tcr-id", type=int, default=1)
    s.add_argument("--crm", action="store_true")
    s.add_argument("--out", required=True)
    c = sub.add_parser("csr")
    c.add_argument("--key", required=True)
    c.add_argument("--renewal")
    c.add_argument("--renewal-values", type=int, default=1)
    c.add_argument("--nv", action="append", default=[])
    c.add_argument("--client-info", action="store_true")
    c.add_argument("--client-user", default="EXAMPLE\\alice")
    c.add_argument("--csp-info", action="store_true")
    c.add_argument("--dup", choices=["renewal", "client", "csp"])
    c.add_argument("--extra", type=int, default=0)
    c.add_argument("--out", required=True)
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
    return p


COMMANDS = {"sign": cmd_sign, "csr": cmd_csr, "build": cmd_build, "foreign": cmd_foreign,
            "forge": cmd_forge}


def main(argv=None):
    a = parser().parse_args(argv)
    COMMANDS[a.cmd](a)


if __name__ == "__main__":
    main()
