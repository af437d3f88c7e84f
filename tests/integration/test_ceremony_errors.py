"""Failures of the ceremony and of the custodian's start-up check: each gives a
clear message, a non-zero exit, and changes nothing."""
import os
import shutil
import socket

from conftest import BIN, caadm, run


def write_pin(path, value, mode=0o600):
    path.write_text(value + "\n")
    os.chmod(path, mode)
    return path


def test_wrong_pin_at_init(tmp_path, token):
    bad = write_pin(tmp_path / "bad.pin", "not-the-pin")
    p = caadm("init", "--root", "--data", tmp_path / "ca", "--token", token.label,
              "--softhsm-conf", token.conf, "--pin-file", bad, check=False)
    assert p.returncode != 0
    assert "CKR_PIN_INCORRECT" in p.stderr
    assert not (tmp_path / "ca" / "ca.conf").exists()


def test_wrong_pin_at_check(root_ca, tmp_path):
    bad = write_pin(tmp_path / "bad.pin", "not-the-pin")
    p = caadm("check", "--data", root_ca["data"], "--pin-file", bad, check=False)
    assert p.returncode != 0
    assert "CKR_PIN_INCORRECT" in p.stderr


def test_pin_file_readable_by_others_is_refused(tmp_path, token):
    loose = write_pin(tmp_path / "loose.pin", token.pin, mode=0o644)
    p = caadm("init", "--root", "--data", tmp_path / "ca", "--token", token.label,
              "--softhsm-conf", token.conf, "--pin-file", loose, check=False)
    assert p.returncode != 0
    assert "readable by others" in p.stderr


def test_missing_token(tmp_path, token):
    p = caadm("init", "--root", "--data", tmp_path / "ca", "--token", "no-such-token",
              "--softhsm-conf", token.conf, "--pin-file", token.pin_file, check=False)
    assert p.returncode != 0
    assert "no-such-token" in p.stderr
    assert not (tmp_path / "ca" / "ca.conf").exists()


def test_missing_module(tmp_path, token):
    p = caadm("init", "--root", "--data", tmp_path / "ca", "--module", "/nonexistent.so",
              *token.opts(), check=False)
    assert p.returncode != 0
    assert "/nonexistent.so" in p.stderr


def test_token_gone_at_check(root_ca):
    shutil.rmtree(root_ca["token"].path / "tokens")
    (root_ca["token"].path / "tokens").mkdir()
    p = caadm("check", "--data", root_ca["data"], "--pin-file",
              root_ca["token"].pin_file, check=False)
    assert p.returncode != 0
    assert "test-ca" in p.stderr


def test_mismatched_ca_certificate_refused(root_ca, tmp_path):
    t = root_ca["token"]
    other = tmp_path / "other"
    caadm("init", "--root", "--data", other, "--key", "ec:p256", "--subject", "CN=Other",
          *t.opts())
    shutil.copy(other / "ca.crt", root_ca["data"] / "ca.crt")
    p = caadm("check", "--data", root_ca["data"], "--pin-file", t.pin_file, check=False)
    assert p.returncode != 0
    assert "does not match the HSM signing key" in p.stderr
    # The daemon refuses to start for the same reason.
    a, b = socket.socketpair()
    with a, b:
        p = run(BIN / "ca-custodian", "serve", "--data", root_ca["data"],
                "--fd", b.fileno(), "--pin-file", t.pin_file, check=False,
                pass_fds=(b.fileno(),))
    assert p.returncode != 0
    assert "refusing to start" in p.stderr


def test_bad_subject_and_key(tmp_path, token):
    p = caadm("init", "--root", "--data", tmp_path / "a", "--subject", "XX=nope",
              *token.opts(), check=False)
    assert p.returncode != 0 and "XX" in p.stderr
    p = caadm("init", "--root", "--data", tmp_path / "b", "--key", "rsa:1024",
              *token.opts(), check=False)
    assert p.returncode != 0 and "rsa:1024" in p.stderr
