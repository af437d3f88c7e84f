"""CR_IN_FULLRESPONSE and CR_IN_CRLS (MS-WCCE 2.2.2.8, dwFlags) end to end: cad,
ledger, custodian, the sandboxed worker; impacket over NTLM at packet privacy as
the client. The CMC full response is verified by `openssl cms -verify` against
the CA certificate and read with asn1crypto (the CMC types are declared in
tests/unit/support/cmc_response.py, independent of the builder); the CRLs carried
by `openssl crl -CAfile`."""
import struct
import subprocess
import sys
from pathlib import Path

from asn1crypto import cms, crl, pem, x509

import icpr_client as ic
import ntlm_client as nc
from conftest import crl_verified
from test_admin import caadm
from test_templates_enroll import (ADMIN, CA_NAME, DOM, HR_TEMPLATE_DENIED, USER,
                                   appliance, ca, make_csr)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "support"))
import cmc_response as cmcr  # noqa: E402

assert appliance and ca  # fixtures, imported for pytest

FULLRESPONSE = 0x40000
CRLS = 0x80000
ID_CCT_PKIRESPONSE = "1.3.6.1.5.5.7.12.3"
ID_CMC_STATUS_INFO = "1.3.6.1.5.5.7.7.1"
E_ACCESSDENIED = 0x80070005
USER_T = "CertificateTemplate:User"


def call(a, who, der=b"", attributes="", request_id=0, flags=0):
    dce = nc.connect(ic.lookup(a.epm_port), user=who[0].split("\\")[1], password=who[1],
                     domain=DOM)
    try:
        return ic.cert_server_request(dce, CA_NAME, der, attributes=attributes,
                                      request_id=request_id, flags=flags)
    finally:
        dce.disconnect()


def cms_verified(ca, p7):
    """`openssl cms -verify` with the CA certificate as the only trust anchor:
    the signature over the PKIResponse, by the CA. Returns the PKIResponse DER."""
    p = subprocess.run(["openssl", "cms", "-verify", "-CAfile", str(ca["data"] / "ca.crt"),
                        "-inform", "DER", "-binary", "-purpose", "any"],
                       input=p7, capture_output=True)
    assert p.returncode == 0, p.stderr.decode()
    assert b"Verification successful" in p.stderr, p.stderr.decode()
    return p.stdout


def full_response(ca, p7):
    """(status info, signed data, PKIResponse) of a full response, verified."""
    content = cms_verified(ca, p7)
    ci = cms.ContentInfo.load(p7, strict=True)
    assert ci["content_type"].native == "signed_data"
    sd = ci["content"]
    assert sd["encap_content_info"]["content_type"].dotted == ID_CCT_PKIRESPONSE
    resp = cmcr.PKIResponse.load(sd["encap_content_info"]["content"].native, strict=True)
    assert resp.dump() == content  # what openssl verified is what we read
    status = [c for c in resp["control_sequence"] if c["attr_type"].dotted == ID_CMC_STATUS_INFO]
    assert len(status) == 1
    info = cmcr.CMCStatusInfo.load(status[0]["attr_values"][0].dump(), strict=True)
    return info, sd, resp


def certs_of(sd):
    return [c.chosen.dump() for c in sd["certificates"]] if sd["certificates"].native else []


def crls_of(sd):
    return [c.chosen.dump() for c in sd["crls"]] if sd["crls"].native else []


def ca_der(ca):
    return pem.unarmor((ca["data"] / "ca.crt").read_bytes())[2]


def test_issued_full_response(ca, appliance, tmp_path):
    rv, rid, disp, p7, cert, msg = call(appliance, USER, make_csr(tmp_path, "u1"), USER_T,
                                        flags=FULLRESPONSE)
    assert (rv, disp) == (0, ic.DISP_ISSUED), (hex(rv), disp, msg)
    info, sd, _ = full_response(ca, p7)
    assert info["status"].native == 0  # success
    assert info["body_list"].native == [1]  # a PKCS#10: 1, as AD CS
    assert certs_of(sd)[0] == cert  # the issued certificate first, then the chain
    assert ca_der(ca) in certs_of(sd)
    assert crls_of(sd) == []
    # the signer is the CA
    signer = sd["signer_infos"][0]["sid"].chosen
    assert signer["issuer"] == x509.Certificate.load(ca_der(ca)).subject
    # retrieval by id with the flag gives a full response again, to its requester
    rv, _, disp, p7b, certb, _ = call(appliance, USER, request_id=rid, flags=FULLRESPONSE)
    assert (rv, disp, certb) == (0, ic.DISP_ISSUED, cert)
    info, sd, _ = full_response(ca, p7b)
    assert info["status"].native == 0 and certs_of(sd)[0] == cert
    # to anyone else: refused as a retrieval is, nothing in pctbCert
    rv, _, disp, p7c, certc, _ = call(appliance, ADMIN, request_id=rid, flags=FULLRESPONSE)
    assert (disp, p7c, certc) == (E_ACCESSDENIED, b"", b"")
    # without the flag: the certs-only PKCS#7 as before (no signer)
    p7d = call(appliance, USER, request_id=rid)[3]
    assert len(cms.ContentInfo.load(p7d)["content"]["signer_infos"]) == 0


def test_pending_full_response(ca, appliance, tmp_path):
    from test_templates_enroll import dns_san
    der = make_csr(tmp_path, "w1", subject="/CN=www.example.test",
                   exts=[("2.5.29.17", dns_san("www.example.test").hex())])
    rv, rid, disp, p7, cert, msg = call(appliance, ADMIN, der, "CertificateTemplate:WebServer",
                                        flags=FULLRESPONSE)
    assert (rv, disp, cert) == (0, ic.DISP_UNDER_SUBMISSION, b""), (hex(rv), disp, msg)
    info, sd, _ = full_response(ca, p7)
    assert info["status"].native == 3  # pending
    pend = info["other_info"].chosen
    assert info["other_info"].name == "pend_info"
    assert pend["pend_token"].native == struct.pack("<I", rid)
    assert info["status_string"].native == msg or "template WebServer 1.0" in \
        info["status_string"].native, (info["status_string"].native, msg)
    assert ca_der(ca) in certs_of(sd)


def test_failed_full_response(ca, appliance, tmp_path):
    rv, rid, disp, p7, cert, msg = call(appliance, USER, make_csr(tmp_path, "m1"),
                                        "CertificateTemplate:Machine", flags=FULLRESPONSE)
    assert (rv, disp, cert) == (0, HR_TEMPLATE_DENIED, b""), (hex(rv), hex(disp), msg)
    assert rid != 0
    info, sd, _ = full_response(ca, p7)
    assert info["status"].native == 2  # failed
    assert info["body_list"].native == [1]
    text = info["status_string"].native
    assert f"(0x{HR_TEMPLATE_DENIED:08x})" in text and "Machine" in text, text
    # AD CS writes failInfo badRequest only for CERTSRV_E_BAD_REQUESTSUBJECT
    assert not info["other_info"].native


def test_crls_carried(ca, appliance, tmp_path):
    cafile = ca["data"] / "ca.crt"
    # before any CRL: CR_IN_CRLS gives the certificates only
    rv, rid, disp, p7, cert, msg = call(appliance, USER, make_csr(tmp_path, "c0"), USER_T,
                                        flags=CRLS)
    assert disp == ic.DISP_ISSUED, msg
    sd = cms.ContentInfo.load(p7)["content"]
    assert certs_of(sd)[0] == cert and crls_of(sd) == []
    # a revocation, a base CRL, another revocation and a delta
    serial = format(x509.Certificate.load(cert).serial_number, "x")
    caadm(ca, "officer", "revoke", serial, "keyCompromise")
    assert "base CRL" in caadm(ca, "officer", "crl").stdout
    cert2 = call(appliance, USER, make_csr(tmp_path, "c1"), USER_T)[4]
    caadm(ca, "officer", "revoke", format(x509.Certificate.load(cert2).serial_number, "x"),
          "certificateHold")
    assert "delta CRL" in caadm(ca, "officer", "crl", "--delta").stdout
    base = (ca["data"] / "crl" / "ca.crl").read_bytes()
    delta = (ca["data"] / "crl" / "ca-delta.crl").read_bytes()

    rv, rid3, disp, p7, cert3, msg = call(appliance, USER, make_csr(tmp_path, "c2"), USER_T,
                                          flags=CRLS)
    assert disp == ic.DISP_ISSUED and "CRLs left out" not in msg, msg
    sd = cms.ContentInfo.load(p7, strict=True)["content"]
    assert certs_of(sd)[0] == cert3
    assert len(sd["signer_infos"]) == 0  # certs-only
    assert crls_of(sd) == [base, delta]
    for i, der in enumerate(crls_of(sd)):
        p = tmp_path / f"carried{i}.crl"
        p.write_bytes(der)
        crl_verified(p, cafile)
    # the base, then the delta that extends it
    b, d = (crl.CertificateList.load(x) for x in crls_of(sd))
    assert b.delta_crl_indicator_value is None
    assert d.delta_crl_indicator_value.native == b.crl_number_value.native

    # both flags: the full response carries the CRLs too
    rv, _, disp, p7, _, _ = call(appliance, USER, request_id=rid3, flags=FULLRESPONSE | CRLS)
    info, sd, _ = full_response(ca, p7)
    assert info["status"].native == 0
    assert crls_of(sd) == [base, delta]
    assert certs_of(sd)[0] == cert3


def test_crls_only_for_a_pending_request_gives_nothing_more(ca, appliance, tmp_path):
    """CR_IN_CRLS without a certificate: nothing to carry (AD CS returns no
    pctbCert either)."""
    from test_templates_enroll import dns_san
    der = make_csr(tmp_path, "w2", subject="/CN=www2.example.test",
                   exts=[("2.5.29.17", dns_san("www2.example.test").hex())])
    rv, rid, disp, p7, cert, msg = call(appliance, ADMIN, der, "CertificateTemplate:WebServer",
                                        flags=CRLS)
    assert (rv, disp, p7, cert) == (0, ic.DISP_UNDER_SUBMISSION, b"", b"")
    # an unknown id: the retrieval's answer, nothing in pctbCert
    rv, _, disp, p7, cert, _ = call(appliance, ADMIN, request_id=4242, flags=FULLRESPONSE)
    assert (disp, p7, cert) == (ic.PROPERTY_EMPTY, b"", b"")
