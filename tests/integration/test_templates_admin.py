"""Certificate templates from the console (issue 15): `caadm template
list|show|add|set|del` against the real processes (cad, ca-ledger,
ca-custodian over DATA/admin.sock). A new CA lists the five defaults; show's
text round-trips through add under a new name (compared field by field from
--json, read with Python's json); set bumps the minor version and survives a
restart; del removes; officers and auditors read but may not change, and their
attempts are journaled; a malformed file and a template breaking a rule (ESC1)
are refused with the parser's and the validator's words and change nothing; the
journal names the operator of every change. The template texts here are written
by this file, not taken from firmware/policy."""
import json
import re

import pytest

import icpr_client as ic
from test_admin import add_operators, caadm, init_root

DEFAULTS = ["EnrollmentAgent", "Machine", "SubCA", "User", "WebServer"]


@pytest.fixture
def ca(tmp_path, token):
    return init_root(tmp_path, token)


@pytest.fixture
def appliance(ca):
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    yield a
    a.stop()


def names(ca, who="admin"):
    return [t["name"] for t in json.loads(caadm(ca, who, "template", "list", "--json").stdout)]


def show_json(ca, name, who="admin"):
    return json.loads(caadm(ca, who, "template", "show", name, "--json").stdout)


def with_lines(text, **changes):
    """text with the `key = value` lines of changes replaced (None: removed)."""
    out = []
    for line in text.splitlines():
        key = line.split(" = ", 1)[0]
        if key in changes:
            if changes[key] is not None:
                out.append(f"{key} = {changes.pop(key)}")
            else:
                changes.pop(key)
        else:
            out.append(line)
    out += [f"{k} = {v}" for k, v in changes.items() if v is not None]
    return "\n".join(out) + "\n"


def template_events(ca):
    return [l for l in caadm(ca, "auditor", "audit", "--type", "template-changed")
            .stdout.splitlines() if l.strip()]


def refused_actions(ca):
    return caadm(ca, "auditor", "audit", "--type", "operator-action").stdout


def test_defaults_listed_and_read_by_every_role(ca, appliance):
    add_operators(ca)
    for who in ("admin", "officer", "auditor"):
        assert names(ca, who) == DEFAULTS, who
    listing = {t["name"]: t for t in json.loads(
        caadm(ca, "officer", "template", "list", "--json").stdout)}
    assert listing["SubCA"]["ca"] is True and listing["SubCA"]["pend_all"] is True
    assert listing["User"]["ca"] is False and listing["User"]["pend_all"] is False
    assert listing["Machine"]["display_name"] == "Computer"
    assert all(t["major_version"] == 1 and t["minor_version"] == 0 for t in listing.values())
    assert len({t["oid"] for t in listing.values()}) == 5
    # the plain listing: one line per template, name first
    plain = caadm(ca, "auditor", "template", "list").stdout.splitlines()
    assert [l.split()[0] for l in plain] == DEFAULTS
    assert re.match(r"SubCA  v1\.0  \S+  pend_all  ca  ", plain[2]), plain[2]
    # show: the text form, and --json typed
    text = caadm(ca, "auditor", "template", "show", "User").stdout
    assert text.startswith("name = User\n") and "pend_all = no\n" in text
    u = show_json(ca, "User", "officer")
    assert u["name"] == "User" and u["validity_days"] == 365 and u["pend_all"] is False
    assert u["ca"] is False and u["path_length"] is None and u["agent_policy"] is None
    assert "1.3.6.1.5.5.7.3.2" in u["eku"] and u["key_algorithms"] == ["rsa", "ec"]
    assert u["subject"] == "account" and u["san"] == ["upn", "email"]
    assert u["enroll_groups"] == ["Authenticated Users"] and u["enroll_accounts"] == []
    # the defaults were journaled by the CA, not by an operator
    events = template_events(ca)
    assert len(events) == 5 and all(" ceremony " in e and "action=added" in e
                                    for e in events), events
    # reads are journaled too
    assert re.search(r"auditor action=template-show .*allowed", refused_actions(ca))


def test_show_add_round_trip_set_restart_del(ca, appliance, tmp_path):
    text = caadm(ca, "admin", "template", "show", "WebServer").stdout
    f = tmp_path / "web2.txt"
    f.write_text(with_lines(text, name="Web2", oid="1.3.6.1.4.1.99999.21.1"))
    out = caadm(ca, "admin", "template", "add", "Web2", "--from", f).stdout
    assert "Web2" in out
    assert names(ca) == ["EnrollmentAgent", "Machine", "SubCA", "User", "Web2", "WebServer"]
    # the text came back as it went in (canonical), and every other field is the same
    assert caadm(ca, "admin", "template", "show", "Web2").stdout == f.read_text()
    a, b = show_json(ca, "WebServer"), show_json(ca, "Web2")
    assert set(a) == set(b) and len(a) == 24
    for key in a:
        if key == "name":
            assert b[key] == "Web2"
        elif key == "oid":
            assert b[key] == "1.3.6.1.4.1.99999.21.1"
        else:
            assert a[key] == b[key], key
    # the same name again, or the same OID under another name, is refused
    p = caadm(ca, "admin", "template", "add", "Web2", "--from", f, check=False)
    assert p.returncode == 2 and "0x800700b7" in p.stderr, p.stderr
    f3 = tmp_path / "web3.txt"
    f3.write_text(with_lines(text, name="Web3", oid="1.3.6.1.4.1.99999.21.1"))
    p = caadm(ca, "admin", "template", "add", "Web3", "--from", f3, check=False)
    assert p.returncode == 2 and "0x800700b7" in p.stderr, p.stderr
    # the name given must be the file's
    p = caadm(ca, "admin", "template", "add", "Web9", "--from", f, check=False)
    assert p.returncode == 2 and "name = line says Web2, not Web9" in p.stderr, p.stderr
    assert "Web9" not in names(ca)

    # set: the minor version goes up by one, and FIELD= removes an optional key
    out = caadm(ca, "admin", "template", "set", "Web2", "validity_days=90",
                "enroll_groups=Domain Admins").stdout
    assert "now version 1.1" in out, out
    w = show_json(ca, "Web2")
    assert (w["validity_days"], w["minor_version"], w["enroll_groups"]) == \
        (90, 1, ["Domain Admins"])
    out = caadm(ca, "admin", "template", "set", "Web2", "rsa_min_bits=",
                "key_algorithms=ec").stdout
    assert "now version 1.2" in out, out
    assert show_json(ca, "Web2")["rsa_min_bits"] is None
    # nothing to change; a rule broken by the change; the name cannot change
    for words in (["validity_days=90"], ["renewal_days=40000"], ["name=Web5"],
                  ["validity_days=30"]):
        p = caadm(ca, "admin", "template", "set", "Web2", *words, check=False)
        assert p.returncode == 2, (words, p.stderr)
    assert show_json(ca, "Web2")["minor_version"] == 2
    before = caadm(ca, "admin", "template", "show", "Web2").stdout

    # a restart of the CA reads the templates back from the journal
    appliance.stop()
    a2 = ic.Appliance(ca["data"], ca["token"].pin_file)
    try:
        assert caadm(ca, "admin", "template", "show", "Web2").stdout == before
        assert names(ca) == ["EnrollmentAgent", "Machine", "SubCA", "User", "Web2",
                             "WebServer"]
        out = caadm(ca, "admin", "template", "del", "Web2").stdout
        assert "Web2" in out
        p = caadm(ca, "admin", "template", "show", "Web2", check=False)
        assert p.returncode == 2 and "0x80070490" in p.stderr, p.stderr
        p = caadm(ca, "admin", "template", "del", "Web2", check=False)
        assert p.returncode == 2 and "0x80070490" in p.stderr, p.stderr
        p = caadm(ca, "admin", "template", "set", "Web2", "validity_days=7", check=False)
        assert p.returncode == 2 and "0x80070490" in p.stderr, p.stderr
        assert names(ca) == DEFAULTS
        # the journal names the administrator for each change, in order
        add_operators(ca)
        mine = [e for e in template_events(ca) if " admin " in e]
        assert len(mine) == 4, mine
        for e, action in zip(mine, ("added", "changed", "changed", "removed")):
            assert f"action={action} name=Web2" in e, e
        assert "version=1.2" in mine[2] and "version=1.1" in mine[1]
    finally:
        a2.stop()


def test_officer_and_auditor_may_not_change(ca, appliance, tmp_path):
    add_operators(ca)
    text = caadm(ca, "officer", "template", "show", "User").stdout
    f = tmp_path / "mine.txt"
    f.write_text(with_lines(text, name="Mine", oid="1.3.6.1.4.1.99999.21.2"))
    before = caadm(ca, "admin", "template", "show", "User").stdout
    for who in ("officer", "auditor"):
        for verb in (["add", "Mine", "--from", str(f)], ["set", "User", "validity_days=1"],
                     ["del", "User"]):
            p = caadm(ca, who, "template", *verb, check=False)
            assert p.returncode == 3, (who, verb, p.stderr)
            assert f"may not template-{verb[0]}" in p.stderr, p.stderr
    assert names(ca) == DEFAULTS
    assert caadm(ca, "admin", "template", "show", "User").stdout == before
    journal = refused_actions(ca)
    for who in ("officer", "auditor"):
        for verb in ("add", "set", "del"):
            assert re.search(rf"{who} action=template-{verb} .*REFUSED", journal), \
                (who, verb, journal)
    assert [e for e in template_events(ca) if " officer " in e or " auditor " in e] == []


def test_bad_templates_refused_and_change_nothing(ca, appliance, tmp_path):
    listing = listing_of(ca)
    text = caadm(ca, "admin", "template", "show", "WebServer").stdout
    # a malformed line: its number in the message
    bad = tmp_path / "bad.txt"
    lines = with_lines(text, name="Bad", oid="1.3.6.1.4.1.99999.21.3").splitlines()
    lines[3] = "major_version = one"
    bad.write_text("\n".join(lines) + "\n")
    p = caadm(ca, "admin", "template", "add", "Bad", "--from", bad, check=False)
    assert p.returncode == 2 and "line 4: major_version" in p.stderr, p.stderr
    assert "0x80070057" in p.stderr
    # ESC1: a logon EKU with the subject from the request, issued without approval
    esc1 = tmp_path / "esc1.txt"
    esc1.write_text(with_lines(text, name="Esc1", oid="1.3.6.1.4.1.99999.21.4",
                               eku="1.3.6.1.5.5.7.3.2", pend_all="no"))
    p = caadm(ca, "admin", "template", "add", "Esc1", "--from", esc1, check=False)
    assert p.returncode == 2 and "(ESC1)" in p.stderr and "pend_all" in p.stderr, p.stderr
    # the same through set on a live template
    p = caadm(ca, "admin", "template", "set", "WebServer", "eku=1.3.6.1.5.5.7.3.2",
              "pend_all=no", check=False)
    assert p.returncode == 2 and "(ESC1)" in p.stderr, p.stderr
    # a file larger than a template may be is refused by caadm, before any login
    big = tmp_path / "big.txt"
    big.write_text("# " + "x" * 40000 + "\n" + text)
    p = caadm(ca, "admin", "template", "add", "WebServer", "--from", big, check=False)
    assert p.returncode == 1 and "larger than 32768 bytes" in p.stderr, p.stderr
    # an empty file, a file that is not there
    (tmp_path / "empty.txt").write_text("")
    p = caadm(ca, "admin", "template", "add", "X", "--from", tmp_path / "empty.txt",
              check=False)
    assert p.returncode == 1 and "empty" in p.stderr
    p = caadm(ca, "admin", "template", "add", "X", "--from", tmp_path / "none.txt",
              check=False)
    assert p.returncode == 1
    # a NUL inside, a directory
    (tmp_path / "nul.txt").write_bytes(b"name = X\0\n" + text.encode())
    p = caadm(ca, "admin", "template", "add", "X", "--from", tmp_path / "nul.txt",
              check=False)
    assert p.returncode == 1 and "NUL" in p.stderr, p.stderr
    p = caadm(ca, "admin", "template", "add", "X", "--from", tmp_path, check=False)
    assert p.returncode == 1 and "not a regular file" in p.stderr, p.stderr
    # names that are not a template's find none (the store reads no path)
    for name in ("../User", "User\u200b", "-User"):
        p = caadm(ca, "admin", "template", "show", name, check=False)
        assert p.returncode == 2 and "0x80070490" in p.stderr, (name, p.stderr)
    # nothing changed, and each refusal the CA made is journaled with its reason
    assert names(ca) == DEFAULTS
    assert show_json(ca, "WebServer")["pend_all"] is True
    assert listing_of(ca) == listing
    add_operators(ca)
    journal = refused_actions(ca)
    assert re.search(r'admin action=template-add target="Bad" REFUSED detail="line 4',
                     journal), journal
    assert re.search(r'admin action=template-add target="Esc1" REFUSED .*ESC1', journal)
    assert re.search(r'admin action=template-set target="WebServer" REFUSED .*ESC1', journal)


def listing_of(ca):
    """Each template's name and version, as the administrator lists them."""
    return [(t["name"], t["major_version"], t["minor_version"])
            for t in json.loads(caadm(ca, "admin", "template", "list", "--json").stdout)]
