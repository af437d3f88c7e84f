#!/usr/bin/python3
"""An independent reader of careq's CMS requests (test_client_cms.c): Debian's
asn1crypto decodes the SignedData and says what it holds, one fact per line, so
that the C test compares them with what openssl made. Run with /usr/bin/python3.

usage: cms_check.py CMS.der
       cms_check.py --add-crl P7.der CRL.der OUT.der  (a second CRL into a PKCS#7:
       openssl crl2pkcs7 takes one)
prints:
  content_type=<dotted>          ContentInfo's
  version=<n>
  econtent_type=<dotted>
  econtent_sha256=<hex>
  certs=<n>
  cert0_sha256=<hex>             the first certificate's DER
  digest_algs=<names>
  sid=issuer_and_serial_number serial=<hex> issuer_sha256=<hex>
  signer_digest=<name> signer_sig=<name>
  signed_attrs_der_order=True|False  sorted as DER sorts a SET OF
  attr=<dotted> per signed attribute, in order
  attr_content_type=<dotted>
  attr_message_digest=<hex>
  attr_signing_time=present
  nv=<name>|<value>               each name-value pair (1.3.6.1.4.1.311.13.2.1), BMPStrings
  csr_renewal_values=<n>          how many values the renewal attribute has
  csr_renewal_cert_sha256=<hex>   the renewal attribute's (first) value in the PKCS#10
  csr_attr=<dotted>               each attribute of the PKCS#10
"""
import hashlib
import sys

from asn1crypto import cms, core, crl, csr


class AnySet(core.SetOf):
    _child_spec = core.Any


class NameValue(core.Sequence):
    # MS-WCCE 2.2.2.7.10: EnrollmentNameValuePair ::= SEQUENCE { name BMPSTRING, value BMPSTRING }
    _fields = [("name", core.BMPString), ("value", core.BMPString)]


def sha(b):
    return hashlib.sha256(b).hexdigest()


def main(path):
    data = open(path, "rb").read()
    ci = cms.ContentInfo.load(data, strict=True)
    print(f"content_type={ci['content_type'].dotted}")
    sd = ci["content"]
    print(f"version={sd['version'].native}")
    eci = sd["encap_content_info"]
    print(f"econtent_type={eci['content_type'].dotted}")
    content = eci["content"].native
    print(f"econtent_sha256={sha(content)}")
    certs = sd["certificates"]
    print(f"certs={len(certs)}")
    if len(certs):
        print(f"cert0_sha256={sha(certs[0].chosen.dump())}")
    print("digest_algs=" + ",".join(a["algorithm"].native for a in sd["digest_algorithms"]))
    for si in sd["signer_infos"]:
        sid = si["sid"]
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            print(f"sid=issuer_and_serial_number serial={ias['serial_number'].native:x} "
                  f"issuer_sha256={sha(ias['issuer'].dump())}")
        else:
            print(f"sid={sid.name}")
        print(f"signer_digest={si['digest_algorithm']['algorithm'].native} "
              f"signer_sig={si['signature_algorithm']['algorithm'].native}")
        encs = [a.dump() for a in si["signed_attrs"]]
        # DER: a SET OF in the order of its members' encodings (X.690 11.6)
        print(f"signed_attrs_der_order={encs == sorted(encs)}")
        for a in si["signed_attrs"]:
            oid = a["type"].dotted
            print(f"attr={oid}")
            vals = a["values"]
            if oid == "1.2.840.113549.1.9.3":
                print(f"attr_content_type={vals[0].dotted}")
            elif oid == "1.2.840.113549.1.9.4":
                print(f"attr_message_digest={vals[0].native.hex()}")
            elif oid == "1.2.840.113549.1.9.5":
                print("attr_signing_time=present")
            elif oid == "1.3.6.1.4.1.311.13.2.1":
                for v in vals:
                    nv = NameValue.load(v.dump(), strict=True)
                    print(f"nv={nv['name'].native}|{nv['value'].native}")
    if eci["content_type"].dotted == "1.2.840.113549.1.7.1":
        req = csr.CertificationRequest.load(content, strict=True)
        for a in req["certification_request_info"]["attributes"]:
            oid = a["type"].dotted
            print(f"csr_attr={oid}")
            if oid == "1.3.6.1.4.1.311.13.1":
                vals = AnySet.load(a["values"].dump(), strict=True)
                print(f"csr_renewal_values={len(vals)}")
                print(f"csr_renewal_cert_sha256={sha(vals[0].dump())}")


def add_crl(p7_path, crl_path, out_path):
    ci = cms.ContentInfo.load(open(p7_path, "rb").read(), strict=True)
    sd = ci["content"]
    crls = [c for c in sd["crls"]]
    crls.append(cms.RevocationInfoChoice(
        name="crl", value=crl.CertificateList.load(open(crl_path, "rb").read())))
    sd["crls"] = crls
    open(out_path, "wb").write(cms.ContentInfo({"content_type": "signed_data",
                                                "content": sd}).dump(force=True))


if __name__ == "__main__":
    if sys.argv[1] == "--add-crl":
        add_crl(*sys.argv[2:5])
    else:
        main(sys.argv[1])
