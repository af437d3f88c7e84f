"""The ledger's anchor in the HSM (firmware/custodian/checkpoint.c): checkpoints
of the ledger signed with the CA key, journaled, and kept on the token in two
data objects written in turn; cad's start and `caadm verify` refuse a ledger
restored from an older copy. The appliance runs as cad runs it; openssl checks
the checkpoints' signatures with the CA certificate, pyasn1 decodes them, and
pkcs11-tool reads and forges the token's objects."""
import os
import re
import shutil
import subprocess
import time

import pytest
from pyasn1.codec.der import decoder as der_decoder

import icpr_client as ic
import ledger_client as lc
from conftest import BIN, run

CA_NAME = "Anchor Test CA"
PASS = "admin-passphrase-1"
LABELS = ("ca-ledger-anchor-A", "ca-ledger-anchor-B")


def secret_file(tmp, name, text):
    p = tmp / f"{name}.pass"
    p.write_text(text + "\n")
    os.chmod(p, 0o600)
    return p


@pytest.fixture
def ca(tmp_path, token):
    data = tmp_path / "ca"
    run(BIN / "caadm", "init", "--root", "--data", data, "--key", "ec:p256", "--subject",
        f"CN={CA_NAME},O=Example", *token.opts(), "--admin", "admin",
        "--admin-passphrase-file", secret_file(tmp_path, "admin", PASS))
    conf = data / "ca.conf"
    conf.write_text(conf.read_text() + "crl_auto = 0\n")
    return {"data": data, "token": token, "tmp": tmp_path}


def admin(ca, *args, check=True):
    p = run(BIN / "caadm", "--data", ca["data"], "--operator", "admin", "--passphrase-file",
            secret_file(ca["tmp"], "admin", PASS), *args, check=False)
    if check:
        assert p.returncode == 0, f"{args}: {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def journal(ca):
    return run(BIN / "ca-ledger", "show", "--data", ca["data"]).stdout


def checkpoint_lines(ca):
    """(event seq, covered seq, head hex, crl number) of each checkpoint event."""
    return [(int(m.group(1)), int(m.group(2)), m.group(3), int(m.group(4)))
            for m in re.finditer(r"^(\d+) \S+ checkpoint CA covers=(\d+) head=([0-9a-f]{64}) "
                                 r"crl=(\d+)", journal(ca), re.M)]


def crl(ca):
    admin(ca, "crl")


def read_anchor(ca, label):
    """The token's data object label (DER), or None; read by pkcs11-tool."""
    out = ca["tmp"] / f"{label}.der"
    p = ca["token"].pkcs11_tool("--read-object", "--type", "data", "--label", label, "-o", out,
                                check=False)
    return out.read_bytes() if p.returncode == 0 and out.exists() else None


def tlv(b, i=0):
    """(tag, start of contents, end) of the DER element at i."""
    tag, n = b[i], b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return tag, i, i + n


def decode_checkpoint(der):
    """The fields, the TBS bytes and the signature of a SignedLedgerCheckpoint, read
    with pyasn1 (and the TBS sliced by hand, as signed)."""
    outer, rest = der_decoder.decode(der)
    assert rest == b""
    tbs = outer[0]
    _, start, _ = tlv(der)
    _, _, tbs_end = tlv(der, start)
    fields = {"version": int(tbs[0]), "seq": int(tbs[1]), "head": bytes(tbs[2]),
              "time": str(tbs[3]), "crl": int(tbs[4]),
              "alg": str(outer[1][0]), "sig": outer[2].asOctets(),
              "tbs": der[start:tbs_end]}
    return fields


def openssl_verifies(ca, cp, name="cp"):
    """openssl checks the checkpoint's signature with the CA certificate's key."""
    d = ca["tmp"]
    pub = d / "ca-pub.pem"
    run("openssl", "x509", "-in", ca["data"] / "ca.crt", "-pubkey", "-noout", "-out", pub)
    (d / f"{name}.tbs").write_bytes(cp["tbs"])
    (d / f"{name}.sig").write_bytes(cp["sig"])
    p = run("openssl", "dgst", "-sha256", "-verify", pub, "-signature", d / f"{name}.sig",
            d / f"{name}.tbs", check=False)
    return p.returncode == 0 and "Verified OK" in p.stdout


def start_refused(ca):
    """cad on a CA whose custodian must refuse: its exit status and its log."""
    p = subprocess.run([str(BIN / "cad"), "--data", str(ca["data"]), "--pin-file",
                        str(ca["token"].pin_file), "--epm", "127.0.0.1:0", "--icpr",
                        "127.0.0.1:0"], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stderr


def backup(ca, name):
    """A copy of DATA/ledger as the CA stopped left it (owners and modes kept, as
    an attacker restoring it would)."""
    dst = ca["tmp"] / name
    run("cp", "-a", ca["data"] / "ledger", dst)
    return dst


def restore(ca, src):
    shutil.rmtree(ca["data"] / "ledger")
    run("cp", "-a", src, ca["data"] / "ledger")


def test_each_crl_is_followed_by_a_signed_checkpoint_and_the_anchors_alternate(ca):
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    try:
        assert read_anchor(ca, LABELS[0]) is None and read_anchor(ca, LABELS[1]) is None
        crl(ca)
        first = checkpoint_lines(ca)
        assert len(first) == 1
        ev_seq, covered, head, number = first[0]
        assert number == 1 and covered == ev_seq - 1
        a_der = read_anchor(ca, LABELS[0])
        assert a_der is not None and read_anchor(ca, LABELS[1]) is None
        crl(ca)
        b_der = read_anchor(ca, LABELS[1])
        assert b_der is not None and read_anchor(ca, LABELS[0]) == a_der
        crl(ca)
        # The third overwrites the older, A.
        a3 = read_anchor(ca, LABELS[0])
        assert a3 != a_der and read_anchor(ca, LABELS[1]) == b_der
    finally:
        a.stop()
    lines = checkpoint_lines(ca)
    assert [n for *_, n in lines] == [1, 2, 3]
    # Each anchor is the checkpoint journaled, signed by the CA key (openssl) and
    # naming the head of the ledger it covers (the next record's prev).
    for der, (ev_seq, covered, head, number) in ((a3, lines[2]), (b_der, lines[1])):
        cp = decode_checkpoint(der)
        assert cp["version"] == 1 and cp["seq"] == covered and cp["crl"] == number
        assert cp["head"].hex() == head
        assert cp["alg"] == "1.2.840.10045.4.3.2"  # ecdsa-with-SHA256, the CA's
        assert re.fullmatch(r"\d{14}Z", cp["time"])
        assert openssl_verifies(ca, cp)
    # The last CRL is published with the checkpoint that covers it, next to it.
    side = ca["data"] / "crl" / "ca.crl.checkpoint"
    der = subprocess.run(["openssl", "base64", "-d", "-in", str(side)], capture_output=True,
                         check=True).stdout
    cp = decode_checkpoint(der)
    assert cp["seq"] == lines[2][1] and cp["crl"] == 3 and openssl_verifies(ca, cp, "side")
    text = run("openssl", "crl", "-inform", "DER", "-in", ca["data"] / "crl" / "ca.crl", "-noout",
               "-crlnumber").stdout
    assert text.strip() == "crlNumber=0x03", text
    # The ledger's own replay checks every checkpoint's head against its record.
    p = run(BIN / "caadm", "verify", "--data", ca["data"], "--pin-file",
            ca["token"].pin_file)
    assert "ledger matches the HSM's checkpoint" in p.stdout, p.stdout
    assert f"record {lines[2][1]}, CRL number 3" in p.stdout


def test_a_restored_ledger_is_refused_by_cad_and_by_verify(ca):
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    crl(ca)
    a.stop()
    old = backup(ca, "ledger-old")
    old_head = max(int(m) for m in re.findall(r"^(\d+) ", journal(ca), re.M))
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    crl(ca)
    crl(ca)
    a.stop()
    anchored = checkpoint_lines(ca)[-1][1]
    restore(ca, old)
    # The chain itself holds: only the anchor tells.
    p = run(BIN / "caadm", "verify", "--data", ca["data"])
    assert "not compared with the HSM's anchor" in p.stdout
    p = run(BIN / "caadm", "verify", "--data", ca["data"], "--pin-file", ca["token"].pin_file,
            check=False)
    assert p.returncode == 1, p.stdout + p.stderr
    missing = anchored - old_head
    assert (f"the ledger ends at seq {old_head} but the HSM's checkpoint of " in p.stdout and
            f"covers seq {anchored} (CRL number 3): {missing} records are missing; the ledger "
            "was restored from an older copy" in p.stdout), p.stdout
    rc, log = start_refused(ca)
    assert rc != 0
    assert (f"ca-custodian: fatal: refusing to start: the ledger ends at seq {old_head} but "
            "the HSM's checkpoint of" in log), log
    assert "refuses to start with this configuration (above): stopping" in log
    assert "serving CA" not in log
    # Nothing was served and nothing recorded: the old copy is as it was.
    assert max(int(m) for m in re.findall(r"^(\d+) ", journal(ca), re.M)) == old_head


def test_checkpoint_export_and_offline_verify(ca):
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    crl(ca)
    a.stop()
    old = backup(ca, "ledger-old")
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    crl(ca)
    a.stop()
    f = ca["tmp"] / "anchor.pem"
    p = run(BIN / "caadm", "checkpoint", "--data", ca["data"], "--out", f, "--pin-file",
            ca["token"].pin_file)
    assert "(the anchor)" in p.stderr
    assert f.read_text().startswith("-----BEGIN LEDGER CHECKPOINT-----")
    ok = run(BIN / "caadm", "verify", "--data", ca["data"], "--checkpoint", f)
    assert f"ledger matches the checkpoint in {f}" in ok.stdout
    # A copy of the CA certificate kept apart works the same.
    cert = ca["tmp"] / "ca-copy.crt"
    shutil.copy(ca["data"] / "ca.crt", cert)
    run(BIN / "caadm", "verify", "--data", ca["data"], "--checkpoint", f, "--ca-cert", cert)
    # The older ledger is refused against the exported checkpoint, offline.
    restore(ca, old)
    p = run(BIN / "caadm", "verify", "--data", ca["data"], "--checkpoint", f, check=False)
    assert p.returncode == 1
    assert f"but the checkpoint in {f} of " in p.stdout and "records are missing" in p.stdout
    # A checkpoint whose signature was altered is not believed.
    der = bytearray(subprocess.run(["openssl", "base64", "-d", "-in", str(f)],
                                   capture_output=True).stdout)
    der[-5] ^= 0x01
    bad = ca["tmp"] / "bad.der"
    bad.write_bytes(bytes(der))
    p = run(BIN / "caadm", "verify", "--data", ca["data"], "--checkpoint", bad, check=False)
    assert p.returncode == 1
    assert f"{bad} is not a checkpoint signed by the CA" in p.stderr, p.stderr


def test_a_forged_or_torn_anchor_is_not_believed(ca):
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    crl(ca)
    a.stop()
    good = read_anchor(ca, LABELS[0])
    # B forged: a checkpoint claiming a far later seq, signed by another key.
    cp = decode_checkpoint(good)
    other = ca["tmp"] / "other.key"
    run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", other)
    forged_tbs = bytearray(cp["tbs"])
    (ca["tmp"] / "forged.tbs").write_bytes(bytes(forged_tbs))
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(other),
                          str(ca["tmp"] / "forged.tbs")], capture_output=True).stdout
    alg = bytes.fromhex("300a06082a8648ce3d040302")
    bits = b"\x03" + bytes([len(sig) + 1]) + b"\x00" + sig
    body = bytes(forged_tbs) + alg + bits
    forged = b"\x30" + (bytes([len(body)]) if len(body) < 128 else
                        b"\x81" + bytes([len(body)])) + body
    f = ca["tmp"] / "forged.der"
    f.write_bytes(forged)
    ca["token"].pkcs11_tool("--write-object", f, "--type", "data", "--label", LABELS[1],
                            "--private")
    # A torn A: SoftHSM rewrote its file and the power went (truncated value).
    torn = ca["tmp"] / "torn.der"
    torn.write_bytes(good[:len(good) // 2])
    ca["token"].pkcs11_tool("--delete-object", "--type", "data", "--label", LABELS[0])
    ca["token"].pkcs11_tool("--write-object", torn, "--type", "data", "--label", LABELS[0],
                            "--private")
    p = run(BIN / "caadm", "checkpoint", "--data", ca["data"], "--pin-file",
            ca["token"].pin_file, check=False)
    assert p.returncode == 3, p.stderr
    assert f"{LABELS[0]}: not a checkpoint signed by this CA" in p.stderr
    assert f"{LABELS[1]}: not a checkpoint signed by this CA" in p.stderr
    # Neither is believed; and since the ledger was anchored, a token without a
    # valid anchor is refused too (else destroying two objects would undo it all).
    rc, log = start_refused(ca)
    assert rc != 0
    assert f"ledger anchor {LABELS[1]} on the token is not believed" in log, log
    assert ("the token holds no valid ledger anchor (A not believed, B not believed) but the "
            "ledger was anchored (a checkpoint at seq " in log), log
    assert "caadm checkpoint --reanchor" in log
    reanchor_and_serve(ca)


def reanchor_and_serve(ca):
    """The operator anchors the ledger as it stands; the CA then starts and serves,
    and the next checkpoint is journaled and anchored as usual."""
    p = run(BIN / "caadm", "checkpoint", "--reanchor", "--data", ca["data"], "--pin-file",
            ca["token"].pin_file)
    assert "the ledger is anchored as it stands: seq " in p.stdout, p.stdout
    for label in LABELS:  # both slots hold it
        assert decode_checkpoint(read_anchor(ca, label))["seq"] > 0
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    try:
        a.wait_for("holds the HSM's checkpoint of")
        crl(ca)
    finally:
        a.stop()
    run(BIN / "caadm", "verify", "--data", ca["data"], "--pin-file", ca["token"].pin_file)


def test_a_ledger_never_anchored_verifies_without_an_anchor(ca):
    """A new CA: no checkpoint yet, no anchor on the token: caadm verify with the
    PIN says so and passes (the case --unanchored must not refuse)."""
    p = run(BIN / "caadm", "verify", "--data", ca["data"], "--pin-file", ca["token"].pin_file)
    assert "no ledger anchor on the token yet" in p.stdout, p.stdout
    assert "ledger verified" in p.stdout, p.stdout


def test_deleted_anchors_are_refused_until_an_operator_reanchors(ca):
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    crl(ca)
    a.stop()
    for label in LABELS:
        ca["token"].pkcs11_tool("--delete-object", "--type", "data", "--label", label,
                                check=False)
    assert read_anchor(ca, LABELS[0]) is None and read_anchor(ca, LABELS[1]) is None
    rc, log = start_refused(ca)
    assert rc != 0
    first = checkpoint_lines(ca)[0][0]
    assert ("the token holds no valid ledger anchor (A absent, B absent) but the ledger was "
            f"anchored (a checkpoint at seq {first}): the anchors were removed or damaged; if "
            "that is known, `caadm checkpoint --reanchor`" in log), log
    # caadm verify with the PIN refuses the same ledger: no anchor is not "not
    # anchored yet" once the ledger holds a checkpoint.
    p = run(BIN / "caadm", "verify", "--data", ca["data"], "--pin-file",
            ca["token"].pin_file, check=False)
    assert p.returncode != 0, p.stdout
    assert ("the HSM holds no valid ledger anchor but the ledger was anchored (a checkpoint "
            "at seq " in p.stdout + p.stderr), p.stdout + p.stderr
    # Without the PIN nothing can be re-anchored; with it, the operator decides.
    p = run(BIN / "caadm", "checkpoint", "--reanchor", "--data", ca["data"], "--pin-file",
            ca["tmp"] / "no-such-pin", check=False)
    assert p.returncode != 0 and read_anchor(ca, LABELS[0]) is None
    reanchor_and_serve(ca)


def test_a_backup_restored_on_purpose_is_reanchored(ca):
    """Disaster recovery: the ledger put back from a backup is refused (it is
    older than the anchor) until the operator anchors it as it stands."""
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    crl(ca)
    a.stop()
    old = backup(ca, "ledger-backup")
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    crl(ca)
    a.stop()
    restore(ca, old)
    rc, log = start_refused(ca)
    assert rc != 0 and "records are missing" in log, log
    reanchor_and_serve(ca)


def test_a_ledger_that_does_not_verify_is_not_reanchored(ca):
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    crl(ca)
    a.stop()
    before = read_anchor(ca, LABELS[0])
    # Event 2 (the CRL) altered in place: the chain breaks at 3.
    p = lc.tamper("flip", ca["data"], 2, 40)
    assert p.returncode == 0, p.stdout + p.stderr
    p = run(BIN / "caadm", "checkpoint", "--reanchor", "--data", ca["data"], "--pin-file",
            ca["token"].pin_file, check=False)
    assert p.returncode != 0
    assert "ledger verification FAILED" in p.stdout, p.stdout
    assert "the ledger does not verify: it is not anchored" in p.stderr, p.stderr
    assert read_anchor(ca, LABELS[0]) == before


def test_checkpoints_follow_the_schedule(ca):
    conf = ca["data"] / "ca.conf"
    conf.write_text(conf.read_text() + "checkpoint_events = 3\ncheckpoint_interval = 600\n")
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    try:
        for _ in range(4):  # each verb journals the operator's login and action
            admin(ca, "getprop", "CRLPeriod")
        deadline = time.time() + 20
        while not checkpoint_lines(ca) and time.time() < deadline:
            time.sleep(0.5)
        assert checkpoint_lines(ca), journal(ca)
        assert read_anchor(ca, LABELS[0]) is not None
    finally:
        a.stop()


def test_a_bad_schedule_is_refused_at_start(ca):
    conf = ca["data"] / "ca.conf"
    conf.write_text(conf.read_text() + "checkpoint_events = 0\n")
    rc, log = start_refused(ca)
    assert rc != 0
    assert "checkpoint_events must be 1..100000000" in log, log
