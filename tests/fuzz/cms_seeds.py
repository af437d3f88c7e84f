#!/usr/bin/python3
"""Seeds for fuzz_x509_cms: real CMS requests made by the openssl CLI (RSA and
EC signers, with and without signed attributes, by key identifier) and CMC
requests and Windows-shaped PKCS#10s made with asn1crypto + cryptography
(tests/unit/support/cms_build.py). Written to DIR named by their SHA-1, as
libFuzzer names inputs.

    /usr/bin/python3 tests/fuzz/cms_seeds.py tests/fuzz/corpus/fuzz_x509_cms"""
import hashlib
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = [sys.executable, os.path.join(HERE, "..", "unit", "support", "cms_build.py")]


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as t:
        p = lambda n: os.path.join(t, n)
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("rsa.key"),
            "-subj", "/CN=agent", "-days", "2", "-out", p("rsa.pem"))
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", p("ec.key"), "-subj", "/CN=ec", "-days", "2", "-out", p("ec.pem"))
        run("openssl", "req", "-new", "-key", p("ec.key"), "-subj", "/CN=user", "-outform", "DER",
            "-out", p("req.der"))
        seeds = []
        for signer, extra in (("rsa", []), ("ec", []), ("ec", ["-noattr"]), ("ec", ["-keyid"]),
                              ("rsa", ["-md", "sha1"])):
            f = p("o%d.der" % len(seeds))
            run("openssl", "cms", "-sign", "-binary", "-nodetach", "-outform", "DER", *extra,
                "-in", p("req.der"), "-signer", p(signer + ".pem"), "-inkey", p(signer + ".key"),
                "-out", f)
            seeds.append(f)
        for args in (["--cmc-csr", p("req.der"), "--signer", p("ec.key"),
                      "--control", "1.3.6.1.5.5.7.7.5:020105",
                      "--control", "1.3.6.1.5.5.7.7.18:0419436572746966696361746554656d706c6174653a557365720a",
                      "--control", "1.3.6.1.5.5.7.7.3:0c056167656e74",
                      "--nv-control", "RequesterName=EX\\bob", "--ms-attrs", "Foo=bar"],
                     ["--content", p("req.der"), "--signer", p("ec.key") + ":" + p("ec.pem"),
                      "--signed-nv", "RequesterName=CORP\\alice", "--sigalg", "key"],
                     ["--cmc-csr", p("req.der"), "--signer", p("ec.key"), "--reqs", "2"]):
            f = p("o%d.der" % len(seeds))
            run(*BUILD, "sign", *args, "--out", f)
            seeds.append(f)
        run("openssl", "x509", "-in", p("ec.pem"), "-outform", "DER", "-out", p("ec.der"))
        f = p("win.der")
        run(*BUILD, "csr", "--key", p("ec.key"), "--renewal", p("ec.der"), "--nv",
            "CertificateTemplate=User", "--client-info", "--csp-info", "--out", f)
        seeds.append(f)
        for f in seeds:
            with open(f, "rb") as fh:
                data = fh.read()
            with open(os.path.join(out, hashlib.sha1(data).hexdigest()), "wb") as fh:
                fh.write(data)


if __name__ == "__main__":
    main()
