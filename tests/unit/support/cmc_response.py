#!/usr/bin/python3
"""Reads a CMC full PKI response (DER) with asn1crypto, an implementation
independent of the builder (firmware/x509/cmcresp.c, DER writer) and of
libtasn1, and prints what test_x509_cmcresp checks, one "key=value" per line.

The CMC types (RFC 5272 / RFC 2797, Microsoft's CmcAddAttributes) are declared
here: asn1crypto has none. Exits 1 with a message when the input does not parse
as the declared types (asn1crypto parses lazily: every field is read below)."""
import hashlib
import sys

from asn1crypto import cms, core


class BodyPartIDs(core.SequenceOf):
    _child_spec = core.Integer


class PendInfo(core.Sequence):
    _fields = [("pend_token", core.OctetString), ("pend_time", core.GeneralizedTime)]


class OtherInfo(core.Choice):
    _alternatives = [("fail_info", core.Integer), ("pend_info", PendInfo)]


class CMCStatusInfo(core.Sequence):
    _fields = [
        ("status", core.Integer),
        ("body_list", BodyPartIDs),
        ("status_string", core.UTF8String, {"optional": True}),
        ("other_info", OtherInfo, {"optional": True}),
    ]


class AnySet(core.SetOf):
    _child_spec = core.Any


class TaggedAttribute(core.Sequence):
    _fields = [
        ("body_part_id", core.Integer),
        ("attr_type", core.ObjectIdentifier),
        ("attr_values", AnySet),
    ]


class TaggedAttributes(core.SequenceOf):
    _child_spec = TaggedAttribute


class PKIResponse(core.Sequence):
    _fields = [
        ("control_sequence", TaggedAttributes),
        ("cms_sequence", core.SequenceOf),
        ("other_msg_sequence", core.SequenceOf),
    ]


class Attribute(core.Sequence):
    _fields = [("type", core.ObjectIdentifier), ("values", AnySet)]


class Attributes(core.SetOf):
    _child_spec = Attribute


class CmcAddAttributes(core.Sequence):
    _fields = [
        ("pki_data_reference", core.Integer),
        ("cert_references", BodyPartIDs),
        ("attributes", Attributes),
    ]


def main():
    der = open(sys.argv[1], "rb").read()
    ci = cms.ContentInfo.load(der, strict=True)
    print("contentType=%s" % ci["content_type"].dotted)
    sd = ci["content"]
    print("version=%s" % sd["version"].native)
    print("digest=%s" % ",".join(a["algorithm"].dotted for a in sd["digest_algorithms"]))
    eci = sd["encap_content_info"]
    print("eContentType=%s" % eci["content_type"].dotted)
    content = eci["content"].contents
    # eContent is an OCTET STRING whose contents are the DER PKIResponse.
    inner = core.OctetString.load(content).native if content[:1] == b"\x04" else content
    resp = PKIResponse.load(inner, strict=True)
    print("cmsSequence=%d otherMsgSequence=%d" % (len(resp["cms_sequence"]),
                                                  len(resp["other_msg_sequence"])))
    for ta in resp["control_sequence"]:
        oid = ta["attr_type"].dotted
        print("control=%d %s values=%d" % (ta["body_part_id"].native, oid,
                                           len(ta["attr_values"])))
        value = ta["attr_values"][0].dump()
        if oid == "1.3.6.1.5.5.7.7.1":
            st = CMCStatusInfo.load(value, strict=True)
            print("status=%d" % st["status"].native)
            print("bodyList=%s" % ",".join(str(b) for b in st["body_list"].native))
            if st["status_string"].native is not None:
                print("statusString=%s" % st["status_string"].native)
            oi = st["other_info"]
            if oi.native is None:
                print("otherInfo=none")
            elif oi.name == "fail_info":
                print("failInfo=%d" % oi.chosen.native)
            else:
                print("pendToken=%s" % oi.chosen["pend_token"].native.hex())
                print("pendTime=%s" % oi.chosen["pend_time"].native.strftime("%Y%m%d%H%M%SZ"))
        elif oid == "1.3.6.1.4.1.311.10.10.1":
            aa = CmcAddAttributes.load(value, strict=True)
            print("dataReference=%d" % aa["pki_data_reference"].native)
            print("certReferences=%s" % ",".join(str(b) for b in
                                                 aa["cert_references"].native))
            for at in aa["attributes"]:
                v = core.OctetString.load(at["values"][0].dump(), strict=True).native
                print("attr=%s %s" % (at["type"].dotted, v.hex()))
        elif oid in ("1.3.6.1.5.5.7.7.6", "1.3.6.1.5.5.7.7.7"):
            print("nonce=%s %s" % (oid, core.OctetString.load(value).native.hex()))
        elif oid == "1.3.6.1.5.5.7.7.5":
            print("transactionId=%d" % core.Integer.load(value).native)
    certs = sd["certificates"] if sd["certificates"].native is not None else []
    for c in certs:
        print("cert=%s" % hashlib.sha1(c.chosen.dump()).hexdigest())
    # The CRLs' bytes as carried (RevocationInfoChoice is not parsed further:
    # the builder carries what it is given).
    crls = sd["crls"]
    if crls.contents is not None:
        rest = crls.contents
        while rest:
            item = core.Asn1Value.load(rest)
            print("crl=%s" % hashlib.sha1(item.dump()).hexdigest())
            rest = rest[len(item.dump()):]
    for si in sd["signer_infos"]:
        print("signerVersion=%s" % si["version"].native)
        sid = si["sid"].chosen
        print("signerSerial=%x" % sid["serial_number"].native)
        print("signatureAlgorithm=%s" % si["signature_algorithm"]["algorithm"].dotted)
        for at in si["signed_attrs"]:
            print("signedAttr=%s" % at["type"].dotted)
            if at["type"].native == "signing_time":
                print("signingTime=%s" % at["values"][0].native.strftime("%Y%m%d%H%M%SZ"))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # any parse failure is a test failure with a reason
        print("error=%s: %s" % (type(e).__name__, e))
        sys.exit(1)
