"""cms_build.py checked against the openssl CLI as the oracle (no CA needed, fast):
every PKCS#10 it makes passes `openssl req -verify`, every CMS and CMC passes
`openssl cms -verify -noverify -binary` with the content it was given, each
knob that breaks a request is refused by openssl (or, where openssl does not
look, visible in asn1crypto's own decoding), and what `openssl cms -sign` makes
is read back by asn1crypto's cms module as the tests expect it."""
import subprocess

import pytest
from asn1crypto import cms as acms
from asn1crypto import core, csr as acsr

import cms_build as cb

AGENT_EKU = cb.OID_EKU_REQUEST_AGENT


def openssl(*args, input=None):
    return subprocess.run(["openssl", *[str(a) for a in args]], input=input,
                          capture_output=True)


def req_verifies(tmp, der):
    p = tmp / "r.der"
    p.write_bytes(der)
    r = openssl("req", "-verify", "-inform", "DER", "-in", p, "-noout")
    return r.returncode == 0 and b"verify OK" in r.stdout + r.stderr


def cms_content(tmp, der):
    """What `openssl cms -verify -noverify -binary` returns, or None if it refuses."""
    p, out = tmp / "m.der", tmp / "content.der"
    p.write_bytes(der)
    out.unlink(missing_ok=True)
    r = openssl("cms", "-verify", "-noverify", "-binary", "-inform", "DER", "-in", p,
                "-out", out)
    if r.returncode != 0:
        return None
    assert b"Verification successful" in r.stderr, r.stderr
    return out.read_bytes()


@pytest.fixture(scope="module")
def signers(tmp_path_factory):
    """Three signers with certificates from an openssl-made CA: EC P-256, RSA
    2048, EC P-384 (an agent: the Certificate Request Agent EKU)."""
    tmp = tmp_path_factory.mktemp("signers")
    ca = cb.openssl_ca(tmp, "ca", "/CN=Builder Test CA")
    out = {}
    for label, kind, eku in (("ec", "ec:P-256", None), ("rsa", "rsa:2048", None),
                             ("agent", "ec:P-384", AGENT_EKU)):
        k = cb.new_key(kind)
        out[label] = (k, cb.openssl_issue(tmp, label, ca, k, f"/CN={label} signer", eku=eku))
    out["ca"] = ca
    return out


def test_pkcs10_forms_verify_and_carry_their_attributes(tmp_path, signers):
    old_cert = signers["ec"][1]
    for kind in ("ec:P-256", "ec:P-384", "rsa:2048"):
        key = cb.new_key(kind)
        for subject in (None, cb.name("alice")):
            tmpl = cb.template_ext("1.3.6.1.4.1.311.21.8.1.1")
            der = cb.build_csr(key, subject=subject,
                               extensions=[cb.extension(cb.OID_TEMPLATE_EXT, tmpl)],
                               renewal_cert=old_cert,
                               name_values=[("CertificateTemplate", "User"), ("x", "é€")])
            assert req_verifies(tmp_path, der), kind
            # asn1crypto's own module reads it: the attributes as sent
            r = acsr.CertificationRequest.load(der)
            attrs = {a["type"].dotted: cb.AnySet.load(a["values"].dump()) for a in
                     r["certification_request_info"]["attributes"]}
            assert attrs[cb.OID_RENEWAL_CERT][0].dump() == old_cert
            nv = [cb.NameValuePair.load(v.dump()).native for v in attrs[cb.OID_NAME_VALUE]]
            # a SET OF: in DER order, not the order given
            assert sorted(map(dict, nv), key=lambda d: d["name"]) == [
                {"name": "CertificateTemplate", "value": "User"}, {"name": "x", "value": "é€"}]
            exts = cb.Extensions.load(attrs[cb.OID_EXTENSION_REQUEST][0].dump())
            assert exts[0]["extn_id"].dotted == cb.OID_TEMPLATE_EXT
            assert r["certification_request_info"]["subject"].native == (
                {} if subject is None else {"common_name": "alice"})
            # the BMPStrings are UTF-16BE on the wire
            assert "é€".encode("utf-16-be") in der
        bad = cb.build_csr(key, subject=cb.name("x"), tamper_signature=True)
        assert not req_verifies(tmp_path, bad)


@pytest.mark.parametrize("digest", ["sha256", "sha384"])
def test_cms_with_several_signers_verifies(tmp_path, signers, digest):
    key = cb.new_key()
    inner = cb.build_csr(key, subject=cb.name("alice"))
    ec_s = cb.Signer(*signers["ec"], digest=digest)
    rsa_s = cb.Signer(*signers["rsa"], sid="ski", digest=digest)
    agent_s = cb.Signer(*signers["agent"], digest=digest,
                        name_values=[("RequesterName", "EXAMPLE\\alice")])
    der = cb.cms(inner, [ec_s, rsa_s, agent_s])
    assert cms_content(tmp_path, der) == inner
    ci = acms.ContentInfo.load(der)
    sd = ci["content"]
    assert sd["encap_content_info"]["content_type"].dotted == cb.OID_DATA
    assert sd["version"].native == "v3"  # a subject key identifier sid
    assert len(sd["signer_infos"]) == 3 and len(sd["certificates"]) == 3
    kinds = sorted(si["sid"].name for si in sd["signer_infos"])
    assert kinds == ["issuer_and_serial_number", "issuer_and_serial_number",
                     "subject_key_identifier"]
    found = []
    for si in sd["signer_infos"]:
        for a in si["signed_attrs"]:
            if a["type"].dotted == cb.OID_NAME_VALUE:
                found.append(cb.NameValuePair.load(a["values"][0].dump()).native)
    assert found == [{"name": "RequesterName", "value": "EXAMPLE\\alice"}]
    # RSA signers named by sha256WithRSAEncryption too
    rsa2 = cb.Signer(*signers["rsa"], rsa_encryption=False)
    assert cms_content(tmp_path, cb.cms(inner, [rsa2])) == inner
    # without signed attributes, the signature covers the content
    plain = cb.Signer(*signers["ec"], no_signed_attrs=True)
    assert cms_content(tmp_path, cb.cms(inner, [plain])) == inner


def test_cms_sha1_signer_is_built(tmp_path, signers):
    """SHA-1 (for the CA's refusal): well formed, with SHA-1's OIDs."""
    inner = cb.build_csr(cb.new_key())
    der = cb.cms(inner, [cb.Signer(*signers["rsa"], digest="sha1", rsa_encryption=False)])
    si = acms.ContentInfo.load(der)["content"]["signer_infos"][0]
    assert si["digest_algorithm"]["algorithm"].native == "sha1"
    assert si["signature_algorithm"]["algorithm"].native == "sha1_rsa"
    p = tmp_path / "m.der"
    p.write_bytes(der)
    r = openssl("cms", "-verify", "-noverify", "-binary", "-inform", "DER", "-in", p,
                "-out", tmp_path / "c.der")
    # openssl may refuse SHA-1 under its security level; when it verifies, the
    # content is the request
    if r.returncode == 0:
        assert (tmp_path / "c.der").read_bytes() == inner


def test_cms_knobs_break_what_they_say(tmp_path, signers):
    inner = cb.build_csr(cb.new_key(), subject=cb.name("alice"))
    other = cb.build_csr(cb.new_key(), subject=cb.name("mallory"))
    good = cb.Signer(*signers["ec"])
    assert cms_content(tmp_path, cb.cms(inner, [good])) == inner
    # a flipped signature, for any signer of several
    assert cms_content(tmp_path, cb.cms(inner, [cb.Signer(*signers["ec"], tamper=True)])) is None
    assert cms_content(tmp_path, cb.cms(inner, [good, cb.Signer(*signers["rsa"],
                                                                 tamper=True)])) is None
    # the content swapped after signing (a valid PKCS#10 all the same)
    swapped = cb.cms(inner, [good], content_after=other)
    assert cms_content(tmp_path, swapped) is None
    assert req_verifies(tmp_path, other)
    # a wrong messageDigest attribute
    assert cms_content(tmp_path, cb.cms(inner, [cb.Signer(*signers["ec"],
                                                          message_digest=b"\0" * 32)])) is None
    # the signer's certificate left out
    assert cms_content(tmp_path, cb.cms(inner, [good], omit_certs=[0])) is None
    sd = acms.ContentInfo.load(cb.cms(inner, [good, cb.Signer(*signers["rsa"])],
                                      omit_certs=[1]))["content"]
    assert len(sd["certificates"]) == 1
    # a wrong contentType attribute: still signed (openssl 3.0 does not compare it),
    # and the attribute is the one asked for
    wrong = cb.cms(inner, [cb.Signer(*signers["ec"], content_type=cb.OID_PKIDATA)])
    si = acms.ContentInfo.load(wrong)["content"]["signer_infos"][0]
    ct = [a for a in si["signed_attrs"] if a["type"].native == "content_type"][0]
    assert ct["values"][0].dotted == cb.OID_PKIDATA


def test_unit_front_end_knobs(tmp_path, signers):
    """The knobs tests/unit/support/cms_build.py composes: the well-formed ones
    verify with openssl, the broken ones are refused or seen as built."""
    inner = cb.build_csr(cb.new_key(), subject=cb.name("alice"))
    rk, rc = signers["rsa"]
    ek, ec_cert = signers["ec"]
    # SHA-512, the key's own algorithm (rsaEncryption, as asn1crypto names it:
    # NULL parameters), SignedData version 3, the digest list as asn1crypto
    # writes it (NULL parameters), an attribute nobody reads
    s = cb.Signer(rk, rc, digest="sha512",
                  signature_algorithm=cb.cms_sig_alg(rk, "sha512", "key"),
                  digest_algorithm=cb.named_alg("sha512"), version=1,
                  more_attrs=[cb.attribute("1.2.3.4.0", core.Null().dump())])
    der = cb.signed_data(inner, [s], version=3, digest_algorithms=[cb.named_alg("sha512")])
    assert cms_content(tmp_path, der) == inner
    sd = acms.ContentInfo.load(der)["content"]
    assert sd["version"].native == "v3"
    assert sd["digest_algorithms"][0]["parameters"].native is None
    assert sd["digest_algorithms"][0].dump() == bytes.fromhex("300d06096086480165030402030500")
    si = sd["signer_infos"][0]
    assert si["signature_algorithm"].dump() == bytes.fromhex("300d06092a864886f70d0101010500")
    assert "1.2.3.4.0" in [a["type"].dotted for a in si["signed_attrs"]]
    # named by its key's identifier with no certificate of its own: openssl
    # finds the certificate carried apart
    s = cb.Signer(ek, None, sid="ski")
    der = cb.signed_data(inner, [s], certs=[ec_cert])
    assert cms_content(tmp_path, der) == inner
    sid = acms.ContentInfo.load(der)["content"]["signer_infos"][0]["sid"]
    assert sid.chosen.native == cb.ski_of(ec_cert)
    # detached: no eContent, verified against the content given apart
    det = cb.signed_data(inner, [cb.Signer(ek, ec_cert)], detached=True)
    assert acms.ContentInfo.load(det)["content"]["encap_content_info"]["content"].native is None
    assert cms_content(tmp_path, det) is None
    (tmp_path / "d.der").write_bytes(det)
    (tmp_path / "c.der").write_bytes(inner)
    assert openssl("cms", "-verify", "-noverify", "-binary", "-inform", "DER", "-in",
                   tmp_path / "d.der", "-content", tmp_path / "c.der").returncode == 0
    # messageDigest left out: refused; contentType left out or twice: as built
    assert cms_content(tmp_path, cb.cms(inner, [cb.Signer(ek, ec_cert,
                                                          no_message_digest=True)])) is None
    for knob, n in (("no_content_type", 0), ("dup_content_type", 2)):
        der = cb.cms(inner, [cb.Signer(ek, ec_cert, **{knob: True})])
        attrs = acms.ContentInfo.load(der)["content"]["signer_infos"][0]["signed_attrs"]
        assert [a["type"].native for a in attrs].count("content_type") == n, knob
    # a certificate and a CRL of the "other" choices
    der = cb.cms(inner, [cb.Signer(ek, ec_cert)], certs=[ec_cert, cb.other_certificate()],
                 crls=[cb.other_revocation_info()])
    sd = acms.ContentInfo.load(der)["content"]
    assert [c.name for c in sd["certificates"]] == ["certificate", "other"]
    assert sd["crls"][0].name == "other"
    assert sd["crls"][0].chosen["other_rev_info_format"].dotted == "1.2.3.4"


def test_unit_front_end_pki_data_pieces(tmp_path, signers):
    """PKIData made of its pieces: a crm, a TaggedContentInfo, Microsoft's
    attributes control, name-value pairs in raw and list form; regInfo's octets
    as given."""
    inner = cb.build_csr(cb.new_key(), subject=cb.name("alice"))
    ci = cb.client_info(9, "host.example.com", "EXAMPLE\\agent", "certreq")
    ms = cb.ms_add_attributes(3, [7], [cb.attribute(cb.OID_CLIENT_INFO, ci)])
    raw = cb.name_value_spec("hex:d83dde00=00e9")
    listed = cb.name_value_list([cb.name_value_spec("a=1"), cb.name_value_spec("b=2")])
    content = cb.pki_data_of([cb.control(1001, cb.OID_MS_CMC_ATTRS, ms),
                              cb.control(1002, cb.OID_NAME_VALUE, raw, listed)],
                             [cb.tcr(7, inner), cb.crm(inner)],
                             [cb.tagged_content_info(50, b"nested")])
    der = cb.signed_data(content, [cb.Signer(*signers["ec"])], cb.OID_PKIDATA)
    assert cms_content(tmp_path, der) == content
    pd = cb.PKIData.load(content)
    assert [r.name for r in pd["requests"]] == ["tcr", "crm"]
    assert pd["requests"][1].chosen[0].dump() == inner
    assert pd["cms"][0].dump() == bytes.fromhex(
        "301a020132301506092a864886f70d010701a00804066e6573746564")
    got = cb.CmcAddAttributes.load(pd["controls"][0]["attr_values"][0].dump())
    assert got["pki_data_reference"].native == 3 and got["cert_references"].native == [7]
    assert cb.ClientInfo.load(got["attributes"][0]["values"][0].dump())["user"].native == \
        "EXAMPLE\\agent"
    values = pd["controls"][1]["attr_values"]
    pair = cb.NameValuePair.load(values[0].dump() if values[0].dump() == raw else values[1].dump())
    assert pair["name"].contents == bytes.fromhex("d83dde00")
    lst = [v for v in values if v.dump() == listed][0]
    assert cb.NameValuePairs.load(lst.dump()).native == [{"name": "a", "value": "1"},
                                                         {"name": "b", "value": "2"}]
    reg = cb.PKIData.load(cb.pki_data(inner, reg_info=b"A\xff\n"))["controls"][0]
    assert reg["attr_type"].dotted == cb.OID_CMC_REG_INFO
    assert core.OctetString.load(reg["attr_values"][0].dump()).native == b"A\xff\n"


def test_cmc_forms(tmp_path, signers):
    inner = cb.build_csr(cb.new_key(), subject=cb.name("alice"))
    controls = {"transaction_id": 4711, "sender_nonce": b"nonce-16-octets!",
                "reg_info": "CertificateTemplate:User\nRequesterName:EXAMPLE\\alice\n",
                "identification": "alice", "name_values": [("RequesterName",
                                                              "EXAMPLE\\alice")]}
    der = cb.cmc(inner, [cb.Signer(*signers["agent"])], controls=controls)
    content = cms_content(tmp_path, der)
    assert content is not None
    sd = acms.ContentInfo.load(der)["content"]
    assert sd["encap_content_info"]["content_type"].dotted == cb.OID_PKIDATA
    assert sd["version"].native == "v3"
    # the PKIData, read by the oracle's view of the structure and by ours
    p = tmp_path / "pkidata.der"
    p.write_bytes(content)
    parsed = openssl("asn1parse", "-inform", "DER", "-in", p).stdout.decode()
    assert "cont [ 0 ]" in parsed and "id-cmc-regInfo" in parsed, parsed
    assert "id-cmc-identification" in parsed and "id-cmc-senderNonce" in parsed, parsed
    pki = cb.PKIData.load(content)
    ctl = {c["attr_type"].dotted: c for c in pki["controls"]}
    assert set(ctl) == {cb.OID_CMC_TRANSACTION_ID, cb.OID_CMC_SENDER_NONCE,
                        cb.OID_CMC_REG_INFO, cb.OID_CMC_IDENTIFICATION, cb.OID_NAME_VALUE}
    assert core.Integer.load(ctl[cb.OID_CMC_TRANSACTION_ID]["attr_values"][0].dump()).native == 4711
    reg_info = core.OctetString.load(ctl[cb.OID_CMC_REG_INFO]["attr_values"][0].dump())
    assert reg_info.native.startswith(b"CertificateTemplate:User\n")
    ids = [c["body_part_id"].native for c in pki["controls"]]
    assert len(set(ids)) == len(ids)
    assert len(pki["requests"]) == 1
    tcr = pki["requests"][0]
    assert tcr.name == "tcr" and content[content.index(b"\xa0"):][:1] == b"\xa0"
    assert tcr.chosen["body_part_id"].native == 1
    assert tcr.chosen["request"].dump() == inner
    assert len(pki["cms"]) == 0 and len(pki["other"]) == 0
    # two TaggedRequests; an unknown control: built, and signed all the same
    two = cms_content(tmp_path, cb.cmc(inner, [cb.Signer(*signers["ec"])],
                                       controls={"extra_requests": [inner]}))
    assert len(cb.PKIData.load(two)["requests"]) == 2
    unk = cms_content(tmp_path, cb.cmc(inner, [cb.Signer(*signers["ec"])],
                                       controls={"unknown_control": True}))
    assert [c["attr_type"].dotted for c in cb.PKIData.load(unk)["controls"]] == [
        cb.OID_UNKNOWN_CONTROL]
    # the knobs work on CMC as on CMS
    assert cms_content(tmp_path, cb.cmc(inner, [cb.Signer(*signers["ec"], tamper=True)])) is None


def test_openssl_made_cms_around_a_renewal_request(tmp_path, signers):
    """`openssl cms -sign` around a PKCS#10 (openssl's own, then cms_build's
    renewal request signed with the old key): id-data, the request as content,
    the signer's certificate and the -certfile ones carried, the signature
    checked by openssl and the structure by asn1crypto."""
    old_key, old_cert = signers["ec"]
    plain = cb.openssl_csr(tmp_path, "plain", cb.new_key(), subject="/CN=alice")
    assert req_verifies(tmp_path, plain)
    renewal = cb.build_csr(cb.new_key(), renewal_cert=old_cert)
    for n, inner in enumerate((plain, renewal)):
        der = cb.openssl_cms_sign(tmp_path, f"o{n}", inner, old_key, old_cert,
                                  more_certs=[signers["rsa"][1]])
        assert cms_content(tmp_path, der) == inner
        sd = acms.ContentInfo.load(der)["content"]
        assert sd["encap_content_info"]["content_type"].dotted == cb.OID_DATA
        certs = [c.chosen.dump() for c in sd["certificates"]]
        assert old_cert in certs and signers["rsa"][1] in certs
        sid = sd["signer_infos"][0]["sid"].chosen
        assert sid["serial_number"].native == acms.Certificate.load(old_cert).serial_number


def test_forge_names_the_issuer_exactly_and_fails_verification(tmp_path, signers):
    """cb.forge: the issuer is the CA certificate's subject byte for byte; signed
    by another key openssl refuses it, signed by the CA's own key (the control)
    openssl accepts it."""
    ca_key, ca_crt = signers["ca"]
    ca_subject = acms.Certificate.load(
        cb.pem.unarmor(ca_crt.read_bytes())[2])["tbs_certificate"]["subject"].dump()
    leaf_key = cb.new_key()
    for signing_key, ok in ((cb.new_key(), False), (cb.load_key(ca_key), True)):
        der = cb.forge(ca_crt, "alice", leaf_key, signing_key, serial=4242,
                       eku=AGENT_EKU)
        c = acms.Certificate.load(der)
        assert c["tbs_certificate"]["issuer"].dump() == ca_subject
        assert c.serial_number == 4242 and c.extended_key_usage_value.native == [
            "1.3.6.1.4.1.311.20.2.1"]
        p = tmp_path / "leaf.pem"
        p.write_bytes(cb.cert_pem(der))
        r = openssl("verify", "-CAfile", ca_crt, p)
        assert (r.returncode == 0) is ok, r.stdout + r.stderr


def test_openssl_cannot_put_a_certificate_into_a_request_attribute(tmp_path, signers):
    """Why renewal requests come from build_csr: openssl's request attributes are
    strings; "DER:" is taken as text."""
    cert_hex = signers["ec"][1].hex()
    der = cb.openssl_csr(tmp_path, "attr", cb.new_key(), "/CN=x",
                         attributes={cb.OID_RENEWAL_CERT: "DER:" + cert_hex[:64]})
    assert req_verifies(tmp_path, der)
    r = acsr.CertificationRequest.load(der)
    (attr,) = [a for a in r["certification_request_info"]["attributes"]
               if a["type"].dotted == cb.OID_RENEWAL_CERT]
    (value,) = cb.AnySet.load(attr["values"].dump())
    parsed = core.UTF8String.load(value.dump())
    assert parsed.native == "DER:" + cert_hex[:64]


def test_samples_for_a_corpus(tmp_path):
    """`cms_build.py --samples DIR`: every sample reads back; the well-formed
    signed ones verify with openssl, the broken ones do not."""
    import sys
    from pathlib import Path
    p = subprocess.run([sys.executable, str(Path(cb.__file__)), "--samples", tmp_path / "s"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    paths = [Path(x) for x in p.stdout.split()]
    assert len(paths) == 14
    for path in paths:
        der = path.read_bytes()
        if path.name.startswith("pkcs10-"):
            assert req_verifies(tmp_path, der), path.name
            continue
        content = cms_content(tmp_path, der)
        broken = path.name in ("cms-tampered.der", "cms-no-certs.der")
        assert (content is None) == broken, path.name
