#!/usr/bin/python3
"""CMS and CMC requests for tests/unit/test_x509_cms.c, built with asn1crypto
(structures) and cryptography (signatures): an encoder independent of the
firmware's libtasn1 reader. Keys and certificates come from the openssl CLI.

  cms_build.py sign  --content F | --cmc-csr F  [options]  --out F
  cms_build.py csr   --key K [--renewal CERT.der] [--nv N=V] ... --out F

Options choose the shape of what is built, including the broken shapes a
hostile client would send (see --help)."""
import argparse
import hashlib
import sys

from asn1crypto import algos, cms, core, keys, pem, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

OID_DATA = "1.2.840.113549.1.7.1"
OID_PKI_DATA = "1.3.6.1.5.5.7.12.2"
OID_NV = "1.3.6.1.4.1.311.13.2.1"
OID_MS_CMC_ATTRS = "1.3.6.1.4.1.311.10.10.1"
OID_CLIENT_INFO = "1.3.6.1.4.1.311.21.20"
OID_CSP_INFO = "1.3.6.1.4.1.311.13.2.2"
OID_RENEWAL = "1.3.6.1.4.1.311.13.1"


# ---- RFC 5272 PKIData and Microsoft's types, as asn1crypto classes ----

class SetOfAny(core.SetOf):
    _child_spec = core.Any


class TaggedAttribute(core.Sequence):
    _fields = [("bodyPartID", core.Integer), ("attrType", core.ObjectIdentifier),
               ("attrValues", SetOfAny)]


class TaggedCertificationRequest(core.Sequence):
    _fields = [("bodyPartID", core.Integer), ("certificationRequest", core.Any)]


class SeqOfAny(core.SequenceOf):
    _child_spec = core.Any


class TaggedRequest(core.Choice):
    _alternatives = [("tcr", TaggedCertificationRequest, {"implicit": 0}),
                     ("crm", SeqOfAny, {"implicit": 1})]


class Controls(core.SequenceOf):
    _child_spec = TaggedAttribute


class Requests(core.SequenceOf):
    _child_spec = TaggedRequest


class SeqOfAny(core.SequenceOf):
    _child_spec = core.Any


class PKIData(core.Sequence):
    _fields = [("controlSequence", Controls), ("reqSequence", Requests),
               ("cmsSequence", SeqOfAny), ("otherMsgSequence", SeqOfAny)]


class NVPair(core.Sequence):
    _fields = [("name", core.BMPString), ("value", core.BMPString)]


class NVPairs(core.SequenceOf):
    _child_spec = NVPair


class BodyPartIDs(core.SequenceOf):
    _child_spec = core.Integer


class Attr(core.Sequence):
    _fields = [("type", core.ObjectIdentifier), ("values", SetOfAny)]


class Attrs(core.SetOf):
    _child_spec = Attr


# RFC 2986 with the attributes typed loosely: asn1crypto's own
# CertificationRequestInfo knows some Microsoft attributes and would type them.
class CRInfo(core.Sequence):
    _fields = [("version", core.Integer), ("subject", x509.Name),
               ("spki", keys.PublicKeyInfo), ("attributes", Attrs, {"implicit": 0})]


class CmcAddAttributes(core.Sequence):
    _fields = [("pkiDataReference", core.Integer), ("certReferences", BodyPartIDs),
               ("attributes", Attrs)]


class ClientInfo(core.Sequence):
    _fields = [("clientId", core.Integer), ("machine", core.UTF8String),
               ("user", core.UTF8String), ("process", core.UTF8String)]


class CSPInfo(core.Sequence):
    _fields = [("keySpec", core.Integer), ("cspName", core.BMPString),
               ("signature", core.BitString)]


def any_of(value):
    return core.Any.load(value.dump())


def nv_pair(spec):
    """N=V as BMPStrings; hex:NNNN=VVVV gives raw UTF-16BE contents."""
    name, value = spec.split("=", 1)
    if name.startswith("hex:"):
        return NVPair({"name": core.BMPString(contents=bytes.fromhex(name[4:])),
                       "value": core.BMPString(contents=bytes.fromhex(value))})
    return NVPair({"name": name, "value": value})


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return data


# ---- signers ----

HASHES = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
          "sha512": hashes.SHA512}


def load_key(path):
    return serialization.load_pem_private_key(read_raw(path), None)


def read_raw(path):
    with open(path, "rb") as f:
        return f.read()


def sign(key, md, data):
    h = HASHES[md]()
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), h)
    return key.sign(data, ec.ECDSA(h))


def sig_alg(key, md, form):
    is_rsa = isinstance(key, rsa.RSAPrivateKey)
    if form == "key":
        return {"algorithm": "rsassa_pkcs1v15" if is_rsa else "1.2.840.10045.2.1"}
    if form.startswith("oid:"):
        return {"algorithm": form[4:]}
    return {"algorithm": md + ("_rsa" if is_rsa else "_ecdsa")}


def signer_info(a, spec, content, content_type):
    """spec: KEY[:CERT[:ias|ski]]"""
    parts = spec.split(":")
    key = load_key(parts[0])
    cert = x509.Certificate.load(read(parts[1])) if len(parts) > 1 and parts[1] else None
    how = parts[2] if len(parts) > 2 else ("ias" if cert is not None else "ski")
    if how == "ias":
        sid = cms.SignerIdentifier({"issuer_and_serial_number": {
            "issuer": cert.issuer, "serial_number": cert.serial_number}})
        version = "v1"
    else:
        if cert is not None and cert.key_identifier is not None:
            ski = cert.key_identifier
        else:
            pub = key.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
            ski = keys.PublicKeyInfo.load(pub).sha1
        sid = cms.SignerIdentifier({"subject_key_identifier": ski})
        version = "v3"
    if a.version is not None:
        version = a.version
    salg = sig_alg(key, a.md, a.sigalg)
    if a.sigalg_null:
        salg["parameters"] = core.Null()
    info = {"version": version, "sid": sid, "digest_algorithm": {"algorithm": a.md},
            "signature_algorithm": salg}
    if a.no_attrs:
        info["signature"] = sign(key, a.md, content)
        return cms.SignerInfo(info)
    digest = hashlib.new(a.md, content).digest()
    attrs = []
    if not a.no_ct_attr:
        attrs.append({"type": "content_type", "values": [a.ct_attr or content_type]})
        if a.dup_ct:
            attrs.append({"type": "content_type", "values": [a.ct_attr or content_type]})
    if not a.no_md_attr:
        attrs.append({"type": "message_digest", "values": [digest]})
    for s in a.signed_nv:
        attrs.append({"type": OID_NV, "values": [any_of(nv_pair(s))]})
    for k in range(a.signed_extra):  # attributes nobody reads
        attrs.append({"type": "1.2.3.4.%d" % k, "values": [core.Null()]})
    if a.signed_nv_list:  # MS-WCCE 2.2.2.7.10's SEQUENCE OF form, in one value
        pairs = NVPairs([nv_pair(s) for s in a.signed_nv_list])
        attrs.append({"type": OID_NV, "values": [any_of(pairs)]})
    signed = cms.CMSAttributes(attrs)
    tbs = signed.dump()
    info["signed_attrs"] = signed
    sig = sign(key, a.md, tbs)
    if a.tamper_sig:
        sig = sig[:-1] + bytes([sig[-1] ^ 1])
    info["signature"] = sig
    return cms.SignerInfo(info)


# ---- CMC ----

def pki_data(a):
    req = read(a.cmc_csr)
    controls = []
    bpid = 1000
    for c in a.control:
        oid, hexval = c.split(":", 1)
        bpid += 1
        controls.append({"bodyPartID": bpid, "attrType": oid,
                         "attrValues": [core.Any.load(bytes.fromhex(hexval))]})
    if a.nv_control:
        bpid += 1
        controls.append({"bodyPartID": bpid, "attrType": OID_NV,
                         "attrValues": [any_of(nv_pair(s)) for s in a.nv_control]})
    if a.ms_attrs is not None:
        bpid += 1
        client = ClientInfo({"clientId": 9, "machine": "host.example.com",
                             "user": "EXAMPLE\\agent", "process": "certreq"})
        attrs = [{"type": OID_CLIENT_INFO, "values": [any_of(client)]}]
        attrs += [{"type": OID_NV, "values": [any_of(nv_pair(s))]} for s in a.ms_attrs if s]
        val = CmcAddAttributes({"pkiDataReference": a.ms_attrs_data_ref,
                                "certReferences": [a.ms_attrs_ref or a.tcr_id],
                                # asn1crypto types the values of unknown attributes as one Any.
        "attributes": [{"type": x["type"], "values": SetOfAny(x["values"])} for x in attrs]})
        controls.append({"bodyPartID": bpid, "attrType": OID_MS_CMC_ATTRS,
                         "attrValues": [any_of(val)]})
    reqs = []
    for k in range(a.reqs):
        if a.crm:
            # RFC 4211 CertReqMsg's shape only: [1] IMPLICIT SEQUENCE.
            reqs.append(TaggedRequest(name="crm", value=[core.Any.load(req)]))
        else:
            reqs.append(TaggedRequest(name="tcr", value={
                "bodyPartID": a.tcr_id + k, "certificationRequest": core.Any.load(req)}))
    nested = []
    if a.cms_seq:  # a TaggedContentInfo: bodyPartID, ContentInfo (id-data)
        tci = core.Sequence(contents=core.Integer(50).dump() + cms.ContentInfo(
            {"content_type": "data", "content": b"nested"}).dump())
        nested = [core.Any.load(tci.dump())]
    return PKIData({"controlSequence": controls, "reqSequence": reqs,
                    "cmsSequence": nested, "otherMsgSequence": []}).dump()


def cmd_sign(a):
    if a.cmc_csr:
        content = pki_data(a)
        content_type = a.content_type or OID_PKI_DATA
    else:
        content = read_raw(a.content)
        content_type = a.content_type or OID_DATA
    signers = [signer_info(a, s, content, content_type) for s in a.signer]
    signers = signers * a.signer_times
    certs = []
    for s in a.signer:
        parts = s.split(":")
        if len(parts) > 1 and parts[1] and not a.no_certs:
            certs.append(x509.Certificate.load(read(parts[1])))
    certs += [x509.Certificate.load(read(c)) for c in a.add_cert]
    certs = certs * a.cert_times
    carried = read_raw(a.carry) if a.carry else content
    encap = {"content_type": content_type}
    if not a.detached:
        encap["content"] = carried
    sd = {"version": "v3", "digest_algorithms": [{"algorithm": a.md}],
          "encap_content_info": encap, "signer_infos": signers}
    if a.other_cert:  # CertificateChoices other [3]: not an X.509 certificate
        certs.append(cms.CertificateChoices(name="other", value={
            "other_cert_format": "1.2.3.4", "other_cert": core.Null()}))
    if certs:
        sd["certificates"] = certs
    if a.crl_other:
        sd["crls"] = [cms.RevocationInfoChoice(name="other", value={
            "other_rev_info_format": "1.2.3.4", "other_rev_info": core.Null()})]
    out = cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(sd)})
    with open(a.out, "wb") as f:
        f.write(out.dump())


# ---- PKCS#10 with Microsoft attributes ----

def cmd_csr(a):
    key = load_key(a.key)
    pub = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    # What certreq always adds: the OS version (1.3.6.1.4.1.311.13.2.3).
    attrs = [{"type": "1.3.6.1.4.1.311.13.2.3", "values": [core.IA5String("10.0.19045.2")]}]
    if a.renewal:
        cert = core.Any.load(read(a.renewal))
        attrs += [{"type": OID_RENEWAL, "values": [cert] * a.renewal_values}] * \
            (2 if a.dup == "renewal" else 1)
    for s in a.nv:
        attrs.append({"type": OID_NV, "values": [any_of(nv_pair(s))]})
    for k in range(a.extra):  # attributes x509_csr_ms_attrs does not read
        attrs.append({"type": "1.2.3.4.%d" % k, "values": [core.Null()]})
    if a.client_info:
        ci = ClientInfo({"clientId": 5, "machine": "ws01.example.com",
                         "user": a.client_user, "process": "certreq.exe"})
        attrs += [{"type": OID_CLIENT_INFO, "values": [any_of(ci)]}] * \
            (2 if a.dup == "client" else 1)
    if a.csp_info:
        cs = CSPInfo({"keySpec": 1, "cspName": "Microsoft Software Key Storage Provider",
                      "signature": ()})
        attrs += [{"type": OID_CSP_INFO, "values": [any_of(cs)]}] * \
            (2 if a.dup == "csp" else 1)
    info = CRInfo({
        "version": 0,
        "subject": x509.Name.build({"common_name": "renew.example.com"}),
        "spki": keys.PublicKeyInfo.load(pub),
        "attributes": [Attr({"type": x["type"], "values": x["values"]}) for x in attrs]})
    is_rsa = isinstance(key, rsa.RSAPrivateKey)
    alg = algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa" if is_rsa else "sha256_ecdsa"})
    sig = core.OctetBitString(sign(key, "sha256", info.dump()))
    body = info.dump() + alg.dump() + sig.dump()
    with open(a.out, "wb") as f:
        f.write(core.Sequence(contents=body).dump())


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sign")
    s.add_argument("--content")
    s.add_argument("--cmc-csr")
    s.add_argument("--content-type")
    s.add_argument("--signer", action="append", default=[], help="KEY[:CERT[:ias|ski]]")
    s.add_argument("--signer-times", type=int, default=1)
    s.add_argument("--md", default="sha256")
    s.add_argument("--sigalg", default="combined", help="combined | key | oid:OID")
    s.add_argument("--version")
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
    c.add_argument("--dup")
    c.add_argument("--extra", type=int, default=0)
    c.add_argument("--out", required=True)
    a = p.parse_args()
    if a.cmd == "sign":
        cmd_sign(a)
    else:
        cmd_csr(a)


if __name__ == "__main__":
    sys.exit(main())
