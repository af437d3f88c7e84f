"""An independent builder of the requests of issue 16 (MS-WCCE 3.2.1.4.2.1.4):
PKCS#10 with the Microsoft attributes, CMS SignedData around a PKCS#10, and CMC
(RFC 5272 PKIData in SignedData), on Debian's python3-asn1crypto (structure) and
python3-cryptography (keys and signature math). It shares nothing with the C
decoder (firmware/x509/cms.c): the ASN.1 is written here from RFC 2986, RFC 5652
and RFC 5272 section 3.2, and test_cms_build.py checks every form with the openssl
CLI as the oracle.

Knobs break each thing on purpose (a tampered signature, content swapped after
signing, a wrong contentType attribute, a certificate left out, two
TaggedRequests, an unknown control) so the tests can send what a hostile client
would. `openssl_cms_sign` makes a CMS with the openssl CLI itself, for the tests
that must not rely on this builder alone.

It is also the one builder behind tests/unit/support/cms_build.py, the command
line the C unit tests and tests/fuzz/cms_seeds.py run: the lower-level pieces
(pki_data_of, tcr, crm, ms_add_attributes, client_info, csp_info, the Signer
knobs on signed attributes and algorithm identifiers, signed_data's version,
digest list, detached content and crls) are what that front end composes."""
import hashlib
import subprocess
from pathlib import Path

from asn1crypto import algos, core, keys, pem, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

# ---- object identifiers ----
OID_DATA = "1.2.840.113549.1.7.1"
OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_PKIDATA = "1.3.6.1.5.5.7.12.2"            # id-cct-PKIData
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_TIME = "1.2.840.113549.1.9.5"
OID_EXTENSION_REQUEST = "1.2.840.113549.1.9.14"
OID_RENEWAL_CERT = "1.3.6.1.4.1.311.13.1"
OID_NAME_VALUE = "1.3.6.1.4.1.311.13.2.1"     # ENROLLMENT_NAME_VALUE_PAIR
OID_TEMPLATE_EXT = "1.3.6.1.4.1.311.21.7"     # certificate template (v2)
OID_CMC_IDENTIFICATION = "1.3.6.1.5.5.7.7.2"
OID_CMC_TRANSACTION_ID = "1.3.6.1.5.5.7.7.5"
OID_CMC_SENDER_NONCE = "1.3.6.1.5.5.7.7.6"
OID_CMC_REG_INFO = "1.3.6.1.5.5.7.7.18"
OID_UNKNOWN_CONTROL = "1.3.6.1.4.1.99999.16.1"  # no RFC nor Microsoft control
OID_EKU_REQUEST_AGENT = "1.3.6.1.4.1.311.20.2.1"
OID_OS_VERSION = "1.3.6.1.4.1.311.13.2.3"
OID_CSP_INFO = "1.3.6.1.4.1.311.13.2.2"
OID_CLIENT_INFO = "1.3.6.1.4.1.311.21.20"
OID_MS_CMC_ATTRS = "1.3.6.1.4.1.311.10.10.1"  # Microsoft's CMC addAttributes

DIGESTS = {"sha1": ("1.3.14.3.2.26", hashes.SHA1),
           "sha256": ("2.16.840.1.101.3.4.2.1", hashes.SHA256),
           "sha384": ("2.16.840.1.101.3.4.2.2", hashes.SHA384),
           "sha512": ("2.16.840.1.101.3.4.2.3", hashes.SHA512)}
# signature algorithms: (RSA PKCS#1 v1.5 with the hash, ECDSA with the hash)
SIG_OIDS = {"sha1": ("1.2.840.113549.1.1.5", "1.2.840.10045.4.1"),
            "sha256": ("1.2.840.113549.1.1.11", "1.2.840.10045.4.3.2"),
            "sha384": ("1.2.840.113549.1.1.12", "1.2.840.10045.4.3.3"),
            "sha512": ("1.2.840.113549.1.1.13", "1.2.840.10045.4.3.4")}
OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1"


# ---- ASN.1 (RFC 2986, RFC 5652, RFC 5272), written here ----

class AnySet(core.SetOf):
    _child_spec = core.Any


class Attribute(core.Sequence):
    _fields = [("type", core.ObjectIdentifier), ("values", AnySet)]


class Attributes(core.SetOf):
    _child_spec = Attribute


class AlgId(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier),
               ("parameters", core.Any, {"optional": True})]


class AlgIds(core.SetOf):
    _child_spec = AlgId


class CRInfo(core.Sequence):
    _fields = [("version", core.Integer), ("subject", core.Any),
               ("spki", core.Any), ("attributes", Attributes, {"implicit": 0})]


class CertificationRequest(core.Sequence):
    _fields = [("info", CRInfo), ("signature_algorithm", AlgId),
               ("signature", core.OctetBitString)]


class Extension(core.Sequence):
    _fields = [("extn_id", core.ObjectIdentifier),
               ("critical", core.Boolean, {"default": False}),
               ("extn_value", core.OctetString)]


class Extensions(core.SequenceOf):
    _child_spec = Extension


class NameValuePair(core.Sequence):
    """ENROLLMENT_NAME_VALUE_PAIR (MS-WCCE 2.2.2.7.10)."""
    _fields = [("name", core.BMPString), ("value", core.BMPString)]


class NameValuePairs(core.SequenceOf):
    """MS-WCCE 2.2.2.7.10's SEQUENCE OF form, all pairs in one value."""
    _child_spec = NameValuePair


class ClientInfo(core.Sequence):
    """The request client info attribute (MS-WCCE 2.2.2.7.4)."""
    _fields = [("client_id", core.Integer), ("machine", core.UTF8String),
               ("user", core.UTF8String), ("process", core.UTF8String)]


class CSPInfo(core.Sequence):
    """The enrollment CSP provider attribute (MS-WCCE 2.2.2.7.5)."""
    _fields = [("key_spec", core.Integer), ("csp_name", core.BMPString),
               ("signature", core.BitString)]


class BodyPartIDs(core.SequenceOf):
    _child_spec = core.Integer


class CmcAddAttributes(core.Sequence):
    """Microsoft's CMC attributes control (1.3.6.1.4.1.311.10.10.1)."""
    _fields = [("pki_data_reference", core.Integer), ("cert_references", BodyPartIDs),
               ("attributes", Attributes)]


class IssuerAndSerial(core.Sequence):
    _fields = [("issuer", core.Any), ("serial", core.Integer)]


class SignerId(core.Choice):
    _alternatives = [("issuer_and_serial", IssuerAndSerial),
                     ("ski", core.OctetString, {"implicit": 0})]


class SignerInfo(core.Sequence):
    _fields = [("version", core.Integer), ("sid", SignerId), ("digest_algorithm", AlgId),
               ("signed_attrs", Attributes, {"implicit": 0, "optional": True}),
               ("signature_algorithm", AlgId), ("signature", core.OctetString),
               ("unsigned_attrs", Attributes, {"implicit": 1, "optional": True})]


class SignerInfos(core.SetOf):
    _child_spec = SignerInfo


class EncapContentInfo(core.Sequence):
    _fields = [("content_type", core.ObjectIdentifier),
               ("content", core.OctetString, {"explicit": 0, "optional": True})]


class CertificateSet(core.SetOf):
    _child_spec = core.Any


class SignedData(core.Sequence):
    _fields = [("version", core.Integer), ("digest_algorithms", AlgIds),
               ("encap", EncapContentInfo),
               ("certificates", CertificateSet, {"implicit": 0, "optional": True}),
               ("crls", CertificateSet, {"implicit": 1, "optional": True}),
               ("signer_infos", SignerInfos)]


class ContentInfo(core.Sequence):
    """A ContentInfo of type signedData (the only one a request is)."""
    _fields = [("content_type", core.ObjectIdentifier),
               ("content", SignedData, {"explicit": 0})]


# RFC 5272 section 3.2 (its module is IMPLICIT TAGS)
class TaggedAttribute(core.Sequence):
    _fields = [("body_part_id", core.Integer), ("attr_type", core.ObjectIdentifier),
               ("attr_values", AnySet)]


class TaggedCertificationRequest(core.Sequence):
    _fields = [("body_part_id", core.Integer), ("request", core.Any)]


class AnySeq(core.SequenceOf):
    _child_spec = core.Any


class TaggedRequest(core.Choice):
    # crm: RFC 4211 CertReqMsg's shape only, [1] IMPLICIT SEQUENCE of anything
    _alternatives = [("tcr", TaggedCertificationRequest, {"implicit": 0}),
                     ("crm", AnySeq, {"implicit": 1})]


class TaggedAttributes(core.SequenceOf):
    _child_spec = TaggedAttribute


class TaggedRequests(core.SequenceOf):
    _child_spec = TaggedRequest


class PKIData(core.Sequence):
    _fields = [("controls", TaggedAttributes), ("requests", TaggedRequests),
               ("cms", AnySeq), ("other", AnySeq)]


# ---- keys and signatures ----

def new_key(kind="ec:P-256"):
    """A private key: "ec:P-256", "ec:P-384" or "rsa:2048"."""
    alg, arg = kind.split(":")
    if alg == "ec":
        return ec.generate_private_key({"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}[arg])
    return rsa.generate_private_key(public_exponent=65537, key_size=int(arg))


def spki(key):
    """The DER SubjectPublicKeyInfo of a private or public key."""
    pub = key.public_key() if hasattr(key, "public_key") else key
    return pub.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_key(path):
    return serialization.load_pem_private_key(Path(path).read_bytes(), None)


def is_rsa(key):
    return isinstance(key, rsa.RSAPrivateKey)


def sign(key, data, digest="sha256"):
    h = DIGESTS[digest][1]()
    if is_rsa(key):
        return key.sign(data, padding.PKCS1v15(), h)
    return key.sign(data, ec.ECDSA(h))


def sig_alg(key, digest="sha256", cms_rsa_encryption=False):
    """The AlgorithmIdentifier of key's signature with digest. CMS signers with
    RSA often name rsaEncryption (as Windows does): cms_rsa_encryption."""
    if is_rsa(key):
        oid = OID_RSA_ENCRYPTION if cms_rsa_encryption else SIG_OIDS[digest][0]
        return AlgId({"algorithm": oid, "parameters": core.Null()})
    return AlgId({"algorithm": SIG_OIDS[digest][1]})


def named_alg(name, parameters_null=False):
    """An AlgorithmIdentifier as asn1crypto's algos encodes the name ("sha256",
    "sha256_rsa", "rsassa_pkcs1v15", a dotted OID): digests with NULL
    parameters, RSA signatures with NULL but sha1_rsa without, ECDSA and bare
    OIDs without. parameters_null: NULL parameters whatever the name."""
    if name in DIGESTS:
        der = algos.DigestAlgorithm({"algorithm": name}).dump()
    else:
        der = algos.SignedDigestAlgorithm({"algorithm": name}).dump()
    alg = AlgId.load(der)
    if parameters_null:
        alg = AlgId({"algorithm": alg["algorithm"].dotted, "parameters": core.Null()})
    return alg


def cms_sig_alg(key, digest="sha256", form="combined", parameters_null=False):
    """A CMS signer's signatureAlgorithm named three ways: "combined" (the
    hash-with-key algorithm, sha256WithRSAEncryption or ecdsa-with-SHA256),
    "key" (the key's algorithm alone: rsaEncryption or id-ecPublicKey, which
    RFC 5754 and Windows use) or "oid:OID" (any OID, e.g. one that does not
    match the key). Encoded as named_alg does."""
    if form == "key":
        name_ = "rsassa_pkcs1v15" if is_rsa(key) else "1.2.840.10045.2.1"
    elif form.startswith("oid:"):
        name_ = form[4:]
    else:
        name_ = digest + ("_rsa" if is_rsa(key) else "_ecdsa")
    return named_alg(name_, parameters_null)


def flip(data, at=-1):
    """data with one bit of octet at flipped."""
    b = bytearray(data)
    b[at] ^= 0x01
    return bytes(b)


# ---- PKCS#10 ----

def name(cn=None, **more):
    """A DER Name; no argument: the empty subject."""
    d = {}
    if cn is not None:
        d["common_name"] = cn
    d.update(more)
    return x509.Name.build(d).dump()


def attribute(oid, *values_der):
    return Attribute({"type": oid, "values": [core.Any.load(v) for v in values_der]})


def name_value(n, v):
    """The DER of an ENROLLMENT_NAME_VALUE_PAIR."""
    return NameValuePair({"name": n, "value": v}).dump()


def name_value_spec(spec):
    """The DER of a pair written N=V; hex:NNNN=VVVV gives the BMPStrings' raw
    contents (UTF-16BE, a lone surrogate or an odd length included)."""
    n, v = spec.split("=", 1)
    if n.startswith("hex:"):
        return NameValuePair({"name": core.BMPString(contents=bytes.fromhex(n[4:])),
                              "value": core.BMPString(contents=bytes.fromhex(v))}).dump()
    return name_value(n, v)


def name_value_list(pairs_der):
    """The DER of a SEQUENCE OF pairs (MS-WCCE 2.2.2.7.10's list form)."""
    return NameValuePairs([NameValuePair.load(d) for d in pairs_der]).dump()


def client_info(client_id, machine, user, process):
    """The DER of a ClientInfo (attribute 1.3.6.1.4.1.311.21.20)."""
    return ClientInfo({"client_id": client_id, "machine": machine, "user": user,
                       "process": process}).dump()


def csp_info(key_spec=1, csp_name="Microsoft Software Key Storage Provider"):
    """The DER of a CSPInfo (attribute 1.3.6.1.4.1.311.13.2.2), empty signature."""
    return CSPInfo({"key_spec": key_spec, "csp_name": csp_name, "signature": ()}).dump()


def template_ext(oid, major=1, minor=0):
    """The certificate template extension (1.3.6.1.4.1.311.21.7), its DER value."""
    return core.Sequence(contents=core.ObjectIdentifier(oid).dump() +
                         core.Integer(major).dump() + core.Integer(minor).dump()).dump()


def extension(oid, value_der, critical=False):
    return Extension({"extn_id": oid, "critical": critical, "extn_value": value_der})


def build_csr(key, subject=None, extensions=(), renewal_cert=None, name_values=(),
              attributes=(), digest="sha256", tamper_signature=False):
    """A DER PKCS#10 signed with key. subject: a DER Name (default: empty);
    extensions: Extension objects (an extensionRequest); renewal_cert: the DER of
    the certificate renewed (attribute 1.3.6.1.4.1.311.13.1); name_values: (name,
    value) pairs (attribute 1.3.6.1.4.1.311.13.2.1, one value each, as certreq
    sends them in one attribute); attributes: more Attribute objects."""
    attrs = []
    if extensions:
        attrs.append(attribute(OID_EXTENSION_REQUEST, Extensions(list(extensions)).dump()))
    if renewal_cert is not None:
        attrs.append(attribute(OID_RENEWAL_CERT, renewal_cert))
    if name_values:
        attrs.append(attribute(OID_NAME_VALUE, *[name_value(n, v) for n, v in name_values]))
    attrs += list(attributes)
    info = CRInfo({"version": 0, "subject": core.Any.load(subject or name()),
                   "spki": core.Any.load(spki(key)), "attributes": attrs})
    sig = sign(key, info.dump(), digest)
    if tamper_signature:
        sig = flip(sig)
    return CertificationRequest({"info": info, "signature_algorithm": sig_alg(key, digest),
                                 "signature": sig}).dump()


# ---- CMS SignedData ----

class Signer:
    """One signer: its key and certificate (DER), how the sid names it ("issuer"
    for issuerAndSerialNumber, "ski" for the subject key identifier), the digest,
    name-value pairs among its signed attributes (e.g. ("RequesterName",
    "EXAMPLE\\alice")), and the knobs: tamper (flip the signature), content_type
    (a wrong contentType attribute), no_signed_attrs (sign the content itself),
    message_digest (a wrong messageDigest attribute).

    More knobs, for the malformed signers of the unit tests: cert None with
    sid "ski" (named by its key's identifier, no certificate); version (the
    SignerInfo version instead of 1 or 3); signature_algorithm and
    digest_algorithm (AlgIds instead of sig_alg's and the bare digest OID);
    no_content_type, dup_content_type, no_message_digest (the contentType
    attribute left out or twice, messageDigest left out); more_attrs (further
    Attribute objects among the signed attributes)."""

    def __init__(self, key, cert, sid="issuer", digest="sha256", name_values=(),
                 tamper=False, content_type=None, no_signed_attrs=False,
                 message_digest=None, rsa_encryption=True, version=None,
                 signature_algorithm=None, digest_algorithm=None, no_content_type=False,
                 dup_content_type=False, no_message_digest=False, more_attrs=()):
        self.key, self.cert, self.sid, self.digest = key, cert, sid, digest
        self.name_values = list(name_values)
        self.tamper, self.content_type = tamper, content_type
        self.no_signed_attrs, self.message_digest = no_signed_attrs, message_digest
        self.rsa_encryption = rsa_encryption
        self.version = version
        self.signature_algorithm, self.digest_algorithm = signature_algorithm, digest_algorithm
        self.no_content_type, self.dup_content_type = no_content_type, dup_content_type
        self.no_message_digest = no_message_digest
        self.more_attrs = list(more_attrs)


def ski_of(cert_der):
    """The certificate's subjectKeyIdentifier, else SHA-1 of its key (RFC 5280)."""
    c = x509.Certificate.load(cert_der)
    if c.key_identifier is not None:
        return c.key_identifier
    return hashlib.sha1(c.public_key["public_key"].contents[1:]).digest()


def key_ski(key):
    """SHA-1 of a key's subjectPublicKey bits (RFC 5280 4.2.1.2, method 1)."""
    return hashlib.sha1(keys.PublicKeyInfo.load(spki(key))["public_key"].contents[1:]).digest()


def signer_info(s, content_type, content):
    if s.sid == "ski":
        sid = SignerId(name="ski", value=ski_of(s.cert) if s.cert is not None
                       else key_ski(s.key))
        version = 3
    else:
        c = x509.Certificate.load(s.cert)
        sid = SignerId(name="issuer_and_serial", value={
            "issuer": core.Any.load(c["tbs_certificate"]["issuer"].dump()),
            "serial": c.serial_number})
        version = 1
    digest_oid, hcls = DIGESTS[s.digest]
    h = hashes.Hash(hcls())
    h.update(content)
    md = s.message_digest if s.message_digest is not None else h.finalize()
    si = {"version": version if s.version is None else s.version, "sid": sid,
          "digest_algorithm": s.digest_algorithm or AlgId({"algorithm": digest_oid}),
          "signature_algorithm": (s.signature_algorithm or
                                  sig_alg(s.key, s.digest, s.rsa_encryption))}
    if s.no_signed_attrs:
        sig = sign(s.key, content, s.digest)
    else:
        ct = attribute(OID_CONTENT_TYPE,
                       core.ObjectIdentifier(s.content_type or content_type).dump())
        attrs = [] if s.no_content_type else [ct] * (2 if s.dup_content_type else 1)
        if not s.no_message_digest:
            attrs.append(attribute(OID_MESSAGE_DIGEST, core.OctetString(md).dump()))
        if s.name_values:
            attrs.append(attribute(OID_NAME_VALUE,
                                   *[name_value(n, v) for n, v in s.name_values]))
        attrs += s.more_attrs
        signed = Attributes(attrs)
        sig = sign(s.key, signed.dump(), s.digest)  # over the SET OF (tag 0x31)
        si["signed_attrs"] = signed
    si["signature"] = flip(sig) if s.tamper else sig
    return SignerInfo(si)


def signed_data(content, signers, content_type=OID_DATA, certs=None, omit_certs=(),
                content_after=None, version=None, digest_algorithms=None, detached=False,
                crls=()):
    """A DER ContentInfo(signedData) of content (eContent) signed by signers.
    certs: the certificates carried (default: every signer's; DERs of any
    CertificateChoices, other_certificate() too), less the indexes in
    omit_certs; content_after: what is sent as eContent instead of what was
    signed (content tampered with after signing). version: the SignedData
    version instead of RFC 5652's; digest_algorithms: AlgIds instead of the
    signers' digests; detached: no eContent; crls: DERs of
    RevocationInfoChoices (other_revocation_info())."""
    infos = [signer_info(s, content_type, content) for s in signers]
    if certs is None:
        certs = []
        for s in signers:
            if s.cert not in certs:
                certs.append(s.cert)
    certs = [c for i, c in enumerate(certs) if i not in omit_certs]
    digests = []
    for s in signers:
        if DIGESTS[s.digest][0] not in [d["algorithm"].dotted for d in digests]:
            digests.append(AlgId({"algorithm": DIGESTS[s.digest][0]}))
    if digest_algorithms is not None:
        digests = list(digest_algorithms)
    if version is None:
        version = 3 if content_type != OID_DATA or any(s.sid == "ski" for s in signers) else 1
    encap = {"content_type": content_type}
    if not detached:
        encap["content"] = content if content_after is None else content_after
    sd = {"version": version, "digest_algorithms": digests, "encap": encap,
          "signer_infos": infos}
    if certs:
        sd["certificates"] = [core.Any.load(c) for c in certs]
    if crls:
        sd["crls"] = [core.Any.load(c) for c in crls]
    return ContentInfo({"content_type": OID_SIGNED_DATA, "content": sd}).dump()


def other_certificate(fmt="1.2.3.4"):
    """The DER of a CertificateChoices other [3]: not an X.509 certificate
    (format fmt, a NULL value)."""
    return core.Sequence(contents=core.ObjectIdentifier(fmt).dump() + core.Null().dump(),
                         implicit=3).dump()


def other_revocation_info(fmt="1.2.3.4"):
    """The DER of a RevocationInfoChoice other [1] (format fmt, a NULL value)."""
    return core.Sequence(contents=core.ObjectIdentifier(fmt).dump() + core.Null().dump(),
                         implicit=1).dump()


def cms(csr_der, signers, **kw):
    """CMS around a PKCS#10 (eContentType id-data)."""
    return signed_data(csr_der, signers, OID_DATA, **kw)


# ---- CMC ----

def control(body_part_id, oid, *values_der):
    return TaggedAttribute({"body_part_id": body_part_id, "attr_type": oid,
                            "attr_values": [core.Any.load(v) for v in values_der]})


def tcr(body_part_id, request_der):
    """A TaggedRequest tcr: the request (a PKCS#10) with its bodyPartID."""
    return TaggedRequest(name="tcr", value={"body_part_id": body_part_id,
                                            "request": core.Any.load(request_der)})


def crm(*values_der):
    """A TaggedRequest crm, RFC 4211 CertReqMsg's shape only: [1] IMPLICIT
    SEQUENCE of values_der (no CRMF inside)."""
    return TaggedRequest(name="crm", value=[core.Any.load(v) for v in values_der])


def tagged_content_info(body_part_id, content, content_type=OID_DATA):
    """The DER of a TaggedContentInfo (cmsSequence): bodyPartID, ContentInfo
    of content_type with content as an OCTET STRING."""
    ci = core.Sequence(contents=core.ObjectIdentifier(content_type).dump() +
                       core.OctetString(content, explicit=0).dump())
    return core.Sequence(contents=core.Integer(body_part_id).dump() + ci.dump()).dump()


def ms_add_attributes(pki_data_reference, cert_references, attributes):
    """The DER of Microsoft's CMC attributes control's value: the
    pkiDataReference, the bodyPartIDs of the requests it applies to, and
    Attribute objects."""
    return CmcAddAttributes({"pki_data_reference": pki_data_reference,
                             "cert_references": list(cert_references),
                             "attributes": list(attributes)}).dump()


def pki_data_of(controls, requests, cms_sequence=(), other=()):
    """The DER of a PKIData as given: TaggedAttribute controls (control()),
    TaggedRequests (tcr(), crm()), DERs of TaggedContentInfos and of
    OtherMsgs."""
    return PKIData({"controls": list(controls), "requests": list(requests),
                    "cms": [core.Any.load(c) for c in cms_sequence],
                    "other": [core.Any.load(o) for o in other]}).dump()


def pki_data(csr_der, body_part_id=1, transaction_id=None, sender_nonce=None,
             reg_info=None, identification=None, name_values=(), extra_requests=(),
             unknown_control=False):
    """The DER of a PKIData with one tcr TaggedRequest (csr_der, body_part_id)
    and the controls asked for: transactionId (int), senderNonce (bytes), regInfo
    (an attribute string "Name:Value\\n...", or its octets as bytes),
    identification (str), name-value
    pairs (Microsoft's control 1.3.6.1.4.1.311.13.2.1). extra_requests: more
    PKCS#10s as further tcrs; unknown_control: a control no one defines."""
    ids = iter(range(body_part_id + 100, body_part_id + 200))
    ctl = []
    if transaction_id is not None:
        ctl.append(control(next(ids), OID_CMC_TRANSACTION_ID,
                           core.Integer(transaction_id).dump()))
    if sender_nonce is not None:
        ctl.append(control(next(ids), OID_CMC_SENDER_NONCE, core.OctetString(sender_nonce).dump()))
    if reg_info is not None:
        raw = reg_info if isinstance(reg_info, bytes) else reg_info.encode()
        ctl.append(control(next(ids), OID_CMC_REG_INFO, core.OctetString(raw).dump()))
    if identification is not None:
        ctl.append(control(next(ids), OID_CMC_IDENTIFICATION,
                           core.UTF8String(identification).dump()))
    if name_values:
        ctl.append(control(next(ids), OID_NAME_VALUE,
                           *[name_value(n, v) for n, v in name_values]))
    if unknown_control:
        ctl.append(control(next(ids), OID_UNKNOWN_CONTROL, core.OctetString(b"x").dump()))
    reqs = [tcr(body_part_id, csr_der)]
    for n, extra in enumerate(extra_requests):
        reqs.append(tcr(body_part_id + 1 + n, extra))
    return pki_data_of(ctl, reqs)


def cmc(csr_der, signers, controls=None, **kw):
    """CMC: SignedData (eContentType id-cct-PKIData) of pki_data(csr_der,
    **controls)."""
    return signed_data(pki_data(csr_der, **(controls or {})), signers, OID_PKIDATA, **kw)


# ---- certificates made by the openssl CLI (other CAs, test signers) ----

def run(*args, **kw):
    p = subprocess.run([str(a) for a in args], capture_output=True, **kw)
    if p.returncode != 0:
        raise AssertionError(f"{args} exited {p.returncode}\n{p.stderr!r}")
    return p


def write_key(path, key):
    Path(path).write_bytes(key_pem(key))
    return path


def openssl_ca(tmp, label, subject):
    """A self-signed CA by the openssl CLI: (key path, cert path)."""
    k, c = Path(tmp) / f"{label}.key", Path(tmp) / f"{label}.crt"
    write_key(k, new_key())
    run("openssl", "req", "-new", "-x509", "-key", k, "-subj", subject, "-days", "30",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
        "keyUsage=critical,keyCertSign,cRLSign", "-out", c)
    return k, c


def openssl_issue(tmp, label, ca, key, subject, serial=None, eku=None, days=30):
    """A certificate for key (a private key object) issued by ca (openssl_ca's
    pair) with the openssl CLI; returns its DER."""
    tmp = Path(tmp)
    k = write_key(tmp / f"{label}.key", key)
    csr_path = tmp / f"{label}.csr"
    run("openssl", "req", "-new", "-key", k, "-subj", subject, "-out", csr_path)
    ext = tmp / f"{label}.ext"
    lines = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature"]
    if eku:
        lines.append(f"extendedKeyUsage={eku}")
    ext.write_text("\n".join(lines) + "\n")
    out = tmp / f"{label}.der"
    serial_opt = ["-set_serial", str(serial)] if serial is not None else []
    run("openssl", "x509", "-req", "-in", csr_path, "-CA", ca[1], "-CAkey", ca[0],
        *serial_opt, "-days", str(days), "-extfile", ext, "-outform", "DER", "-out", out)
    return out.read_bytes()


def self_signed(tmp, label, key, subject="/CN=self signer"):
    """A self-signed certificate for key by the openssl CLI (DER)."""
    k = write_key(Path(tmp) / f"{label}.key", key)
    out = Path(tmp) / f"{label}.der"
    run("openssl", "req", "-new", "-x509", "-key", k, "-subj", subject, "-days", "30",
        "-outform", "DER", "-out", out)
    return out.read_bytes()


def openssl_csr(tmp, label, key, subject="/", attributes=None):
    """A PKCS#10 made by the openssl CLI for key (DER). attributes: {oid: text}
    for its config's attributes section. openssl writes each as a string
    (UTF8String), whatever the text says ("DER:..." included): it cannot put a
    certificate into a request attribute, so renewal requests come from
    build_csr (test_cms_build checks this); openssl_cms_sign still signs them."""
    tmp = Path(tmp)
    k = write_key(tmp / f"{label}.key", key)
    out = tmp / f"{label}.csr.der"
    if attributes:
        # openssl reads attributes only without -subj (prompt = no): the subject
        # goes into the config too ("/CN=x/O=y" as its lines)
        rdns = "".join(f"{p.split('=', 1)[0]} = {p.split('=', 1)[1]}\n"
                       for p in subject.split("/") if p)
        cfg = tmp / f"{label}.cnf"
        cfg.write_text("[req]\nprompt = no\ndistinguished_name = dn\nattributes = ra\n"
                       "[dn]\n" + rdns + "[ra]\n" +
                       "".join(f"{oid} = {text}\n" for oid, text in attributes.items()))
        what = ["-config", cfg]
    else:
        what = ["-subj", subject]
    run("openssl", "req", "-new", "-key", k, *what, "-outform", "DER", "-out", out)
    return out.read_bytes()


def openssl_cms_sign(tmp, label, content_der, signer_key, signer_cert_der, more_certs=(),
                     md="sha256"):
    """CMS SignedData made by `openssl cms -sign -binary -nodetach` around
    content_der (a PKCS#10), signed with signer_key/signer_cert_der, more_certs
    carried too (-certfile). Returns the DER."""
    tmp = Path(tmp)
    inp, out = tmp / f"{label}.in.der", tmp / f"{label}.p7.der"
    inp.write_bytes(content_der)
    k = write_key(tmp / f"{label}.signer.key", signer_key)
    c = tmp / f"{label}.signer.pem"
    c.write_bytes(pem.armor("CERTIFICATE", signer_cert_der))
    extra = []
    if more_certs:
        cf = tmp / f"{label}.certs.pem"
        cf.write_bytes(b"".join(pem.armor("CERTIFICATE", d) for d in more_certs))
        extra = ["-certfile", cf]
    run("openssl", "cms", "-sign", "-binary", "-nodetach", "-outform", "DER", "-md", md,
        "-in", inp, "-signer", c, "-inkey", k, *extra, "-out", out)
    return out.read_bytes()


def cert_pem(der):
    return pem.armor("CERTIFICATE", der)



def forge(issuer_pem, subject_cn, public_key, signing_key, serial=None, eku=None, days=30):
    """A certificate whose issuer is, byte for byte, the subject of issuer_pem
    (this CA's certificate), signed by signing_key (not the CA's): what an
    attacker with a CA of the same name makes. python3-cryptography builds it;
    serial: e.g. that of a real certificate. Returns its DER."""
    import datetime
    from cryptography import x509 as cx
    from cryptography.x509.oid import NameOID
    issuer = cx.load_pem_x509_certificate(Path(issuer_pem).read_bytes()).subject
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (cx.CertificateBuilder().issuer_name(issuer)
         .subject_name(cx.Name([cx.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
         .public_key(public_key.public_key() if hasattr(public_key, "public_key")
                     else public_key)
         .serial_number(serial if serial is not None else cx.random_serial_number())
         .not_valid_before(now - datetime.timedelta(minutes=5))
         .not_valid_after(now + datetime.timedelta(days=days)))
    if eku:
        b = b.add_extension(cx.ExtendedKeyUsage([cx.ObjectIdentifier(eku)]), critical=False)
    cert = b.sign(signing_key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.DER)


def write_samples(out_dir):
    """Writes a set of requests in every form into out_dir (seeds for a fuzz
    corpus, samples for a reader): PKCS#10 with the Microsoft attributes, CMS
    renewal and on-behalf (EC and RSA, issuer and SKI sids), CMC with every
    control, and the broken forms. Signers are certificates of an openssl-made
    CA in out_dir/signers. Returns the paths written."""
    out = Path(out_dir)
    tmp = out / "signers"
    tmp.mkdir(parents=True, exist_ok=True)
    ca = openssl_ca(tmp, "ca", "/CN=Sample CA")
    ek, rk = new_key(), new_key("rsa:2048")
    ec_s = (ek, openssl_issue(tmp, "ec", ca, ek, "/CN=sample user"))
    rsa_s = (rk, openssl_issue(tmp, "agent", ca, rk, "/CN=sample agent",
                               eku=OID_EKU_REQUEST_AGENT))
    tmpl = [extension(OID_TEMPLATE_EXT, template_ext("1.3.6.1.4.1.311.21.8.1.1"))]
    renewal = build_csr(new_key(), renewal_cert=ec_s[1], extensions=tmpl)
    plain = build_csr(new_key(), subject=name("sample"), extensions=tmpl,
                      name_values=[("CertificateTemplate", "User")])
    robo = [("RequesterName", "EXAMPLE\\alice")]
    controls = {"transaction_id": 1, "sender_nonce": b"0123456789abcdef",
                "reg_info": "CertificateTemplate:User\n", "identification": "sample",
                "name_values": robo}
    samples = {
        "pkcs10-renewal": renewal, "pkcs10-plain": plain,
        "cms-renewal-ec": cms(renewal, [Signer(*ec_s)]),
        "cms-renewal-ski-sha384": cms(renewal, [Signer(*ec_s, sid="ski", digest="sha384")]),
        "cms-renewal-no-signed-attrs": cms(renewal, [Signer(*ec_s, no_signed_attrs=True)]),
        "cms-on-behalf-rsa": cms(plain, [Signer(*rsa_s, name_values=robo)]),
        "cms-two-signers": cms(plain, [Signer(*rsa_s, name_values=robo), Signer(*ec_s)]),
        "cms-tampered": cms(renewal, [Signer(*ec_s, tamper=True)]),
        "cms-no-certs": cms(renewal, [Signer(*ec_s)], omit_certs=[0]),
        "cmc-on-behalf": cmc(plain, [Signer(*rsa_s)], controls=controls),
        "cmc-renewal": cmc(renewal, [Signer(*ec_s)]),
        "cmc-two-requests": cmc(plain, [Signer(*rsa_s)], controls={"extra_requests": [plain]}),
        "cmc-unknown-control": cmc(plain, [Signer(*rsa_s)],
                                   controls={"unknown_control": True}),
        "cms-openssl": openssl_cms_sign(tmp, "o", renewal, ec_s[0], ec_s[1]),
    }
    paths = []
    for label, der in samples.items():
        p = out / f"{label}.der"
        p.write_bytes(der)
        paths.append(p)
    return paths


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 3 or sys.argv[1] != "--samples":
        sys.exit("usage: cms_build.py --samples DIR")
    for p in write_samples(sys.argv[2]):
        print(p)
