"""Account attributes (issue 15: what AD would supply): `caadm account add|set|
show|list|del` with --upn, --email, --dns, --sid and --group against a data
directory, the attributes file read back by an independent parser written here
from firmware/identity/attrs.h, every bad value refused with nothing changed,
a malformed file refusing every verb that reads it; and, end to end, an NTLM
logon (impacket) of an account with attributes enrolling as before, while an
attributes file ca-auth cannot believe refuses the logon."""
import json
import os
import stat
import subprocess

import pytest
from impacket.dcerpc.v5.rpcrt import DCERPCException

import icpr_client as ic
import ntlm_client as nc
from conftest import BIN
from test_ntlm import ACCOUNT, CA_NAME, assert_dropped, binding, ca, csr, journal  # noqa: F401

SID = "S-1-5-21-3623811015-3361044348-30300820-1013"


def caadm(data, *args, password=None):
    cmd = [str(BIN / "caadm"), "account", args[0], "--data", str(data), *args[1:]]
    return subprocess.run(cmd, input=None if password is None else password + "\n",
                          text=True, capture_output=True)


def add(data, name, *opts, password="pw 1"):
    p = caadm(data, "add", "--password-fd", "0", *opts, name, password=password)
    assert p.returncode == 0, p.stderr
    return p


def attributes(data):
    """DATA/auth/attributes as attrs.h describes it: comment lines, then
    NAME<TAB>key=value... ; {name: [(key, value), ...]}."""
    path = data / "auth" / "attributes"
    if not path.exists():
        return {}
    text = path.read_text()
    assert text.endswith("\n")
    out = {}
    for line in text.split("\n")[:-1]:
        if line.startswith("#") or not line:
            continue
        name, *fields = line.split("\t")
        assert fields, line
        out[name] = [tuple(f.split("=", 1)) for f in fields]
    return out


def snapshot(data):
    return {p.name: p.read_bytes() for p in (data / "auth").iterdir()}


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"  # as caadm init leaves it, for the account verbs
    d.mkdir()
    return d


def test_add_show_list_set_del(data):
    add(data, "EXAMPLE\\alice", "--upn", "alice@example.com", "--email", "alice@mail.example.com",
        "--sid", SID, "--group", "Domain Users", "--group", "Staff")
    add(data, "EXAMPLE\\pc1$", "--dns", "pc1.example.com", "--sid", "S-1-5-21-1-2-3-1002")
    add(data, "EXAMPLE\\bob")
    path = data / "auth" / "attributes"
    st = os.stat(path)
    assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == os.geteuid()
    assert attributes(data) == {
        "EXAMPLE\\alice": [("upn", "alice@example.com"), ("email", "alice@mail.example.com"),
                           ("sid", SID), ("group", "Domain Users"), ("group", "Staff")],
        "EXAMPLE\\pc1$": [("dns", "pc1.example.com"), ("sid", "S-1-5-21-1-2-3-1002")],
    }
    # nothing of it in the account file gss-ntlmssp reads
    accounts = (data / "auth" / "accounts").read_text()
    assert "alice@example.com" not in accounts and SID not in accounts

    p = caadm(data, "show", "example\\ALICE")
    assert p.returncode == 0, p.stderr
    assert p.stdout == ("name: EXAMPLE\\alice\nstatus: enabled\nupn: alice@example.com\n"
                        "email: alice@mail.example.com\nsid: " + SID + "\n"
                        "group: Domain Users\ngroup: Staff\n")
    p = caadm(data, "show", "--json", "EXAMPLE\\alice")
    assert json.loads(p.stdout) == {
        "name": "EXAMPLE\\alice", "disabled": False, "upn": "alice@example.com",
        "email": "alice@mail.example.com", "dns": None, "sid": SID,
        "groups": ["Domain Users", "Staff"]}
    assert json.loads(caadm(data, "show", "--json", "EXAMPLE\\bob").stdout) == {
        "name": "EXAMPLE\\bob", "disabled": False, "upn": None, "email": None, "dns": None,
        "sid": None, "groups": []}
    p = caadm(data, "list")
    assert p.stdout.splitlines() == [
        "EXAMPLE\\alice\tupn=alice@example.com\temail=alice@mail.example.com\tsid=" + SID +
        "\tgroup=Domain Users\tgroup=Staff",
        "EXAMPLE\\pc1$\tdns=pc1.example.com\tsid=S-1-5-21-1-2-3-1002",
        "EXAMPLE\\bob"]

    # set: --group replaces the list, --clear removes, the rest is kept
    p = caadm(data, "set", "--group", "Admins", "--clear", "email", "EXAMPLE\\alice")
    assert p.returncode == 0, p.stderr
    assert attributes(data)["EXAMPLE\\alice"] == [("upn", "alice@example.com"), ("sid", SID),
                                                   ("group", "Admins")]
    assert caadm(data, "set", "--upn", "bob@example.com", "EXAMPLE\\BOB").returncode == 0
    assert attributes(data)["EXAMPLE\\bob"] == [("upn", "bob@example.com")]  # the file's name
    p = caadm(data, "set", "--clear", "groups", "--clear", "sid", "EXAMPLE\\alice")
    assert p.returncode == 0, p.stderr
    assert attributes(data)["EXAMPLE\\alice"] == [("upn", "alice@example.com")]
    assert caadm(data, "set", "--clear", "all", "EXAMPLE\\alice").returncode == 0
    assert "EXAMPLE\\alice" not in attributes(data)
    assert caadm(data, "show", "EXAMPLE\\alice").stdout == "name: EXAMPLE\\alice\nstatus: enabled\n"

    # passwd, disable, enable keep the attributes
    p = caadm(data, "passwd", "--password-fd", "0", "EXAMPLE\\pc1$", password="x")
    assert p.returncode == 0, p.stderr
    assert caadm(data, "disable", "EXAMPLE\\pc1$").returncode == 0
    assert json.loads(caadm(data, "show", "--json", "EXAMPLE\\pc1$").stdout)["disabled"] is True
    assert attributes(data)["EXAMPLE\\pc1$"] == [("dns", "pc1.example.com"),
                                                 ("sid", "S-1-5-21-1-2-3-1002")]

    # del removes them; a new account of that name starts without them
    p = caadm(data, "del", "EXAMPLE\\pc1$")
    assert p.returncode == 0 and p.stdout == "EXAMPLE\\pc1$: deleted\n", p.stderr
    assert "EXAMPLE\\pc1$" not in attributes(data)
    add(data, "EXAMPLE\\pc1$")
    assert json.loads(caadm(data, "show", "--json", "EXAMPLE\\pc1$").stdout)["sid"] is None


def test_new_account_never_inherits_a_stale_entry(data):
    """An entry left without its account (a hand edit, a failure between the two
    files) is replaced by the next add of that name, never inherited."""
    add(data, "EXAMPLE\\bob")
    path = data / "auth" / "attributes"
    path.write_text("EXAMPLE\\Carol\tsid=S-1-5-21-1-2-3-500\tgroup=Domain Admins\n")
    os.chmod(path, 0o600)
    add(data, "EXAMPLE\\carol", "--upn", "carol@example.com")
    assert attributes(data) == {"EXAMPLE\\carol": [("upn", "carol@example.com")]}
    path.write_text("EXAMPLE\\dave\tsid=S-1-5-21-1-2-3-500\n")
    add(data, "EXAMPLE\\dave")
    assert attributes(data) == {}


BAD = [
    ("--upn", "alice"), ("--upn", "al ice@example.com"), ("--upn", "alice@exa_mple.com"),
    ("--upn", "a@" + "b" * 254),
    ("--email", "alice@localhost"), ("--email", '"a"@example.com'), ("--email", "x" * 65 + "@a.b"),
    ("--dns", "-pc.example.com"), ("--dns", "pc.example.com."), ("--dns", "a" * 64),
    ("--dns", ".".join(["a" * 63] * 4)),
    ("--sid", "S-1-5"), ("--sid", "S-1-5-021"), ("--sid", "S-2-5-21"),
    ("--sid", "S-1-281474976710656-1"), ("--sid", "S-1-5-4294967296"),
    ("--sid", "S-1-5" + "-1" * 16),
    ("--group", ""), ("--group", "g" * 129), ("--group", "tab\there"), ("--group", " lead"),
]


@pytest.mark.parametrize("opt,value", BAD)
def test_bad_values_refused_and_nothing_changes(data, opt, value):
    add(data, "EXAMPLE\\alice", "--upn", "alice@example.com")
    before = snapshot(data)
    p = caadm(data, "set", opt, value, "EXAMPLE\\alice")
    assert p.returncode == 1, p
    assert p.stderr.startswith(f"caadm: fatal: {opt} '{value}': "), p.stderr
    p = caadm(data, "add", "--password-fd", "0", opt, value, "EXAMPLE\\bob", password="pw")
    assert p.returncode == 1
    assert snapshot(data) == before


def test_group_limits(data):
    add(data, "EXAMPLE\\alice")
    before = snapshot(data)
    groups = [a for i in range(257) for a in ("--group", f"g{i}")]
    p = caadm(data, "set", *groups, "EXAMPLE\\alice")
    assert p.returncode == 1 and "at most 256 groups" in p.stderr
    p = caadm(data, "set", "--group", "Staff", "--group", "STAFF", "EXAMPLE\\alice")
    assert p.returncode == 1 and "given twice" in p.stderr
    assert snapshot(data) == before
    assert caadm(data, "set", *groups[:512], "EXAMPLE\\alice").returncode == 0
    assert len(attributes(data)["EXAMPLE\\alice"]) == 256


def test_usage_and_unknown_accounts(data):
    add(data, "EXAMPLE\\alice")
    before = snapshot(data)
    for args in [("set", "EXAMPLE\\alice"),  # nothing to change
                 ("set", "--upn", "a@b", "--clear", "upn", "EXAMPLE\\alice"),
                 ("set", "--clear", "colour", "EXAMPLE\\alice"),
                 ("set", "--upn", "a@b", "--upn", "c@d", "EXAMPLE\\alice"),
                 ("passwd", "--sid", "S-1-5-1", "EXAMPLE\\alice"),
                 ("show", "--upn", "a@b", "EXAMPLE\\alice"),
                 ("list", "--json")]:
        p = caadm(data, *args)
        assert p.returncode == 2 and p.stderr.startswith("usage: caadm account"), (args, p)
    for args in [("set", "--upn", "a@b", "EXAMPLE\\nobody"), ("show", "EXAMPLE\\nobody")]:
        p = caadm(data, *args)
        assert p.returncode == 1 and "no account EXAMPLE\\nobody" in p.stderr
    assert snapshot(data) == before


@pytest.mark.parametrize("text,why", [
    ("EXAMPLE\\alice\tupn=alice@example.com", "no newline"),
    ("EXAMPLE\\alice\tsid=S-1-5-01\n", "line 1: sid"),
    ("EXAMPLE\\alice\tcolour=blue\n", "unknown key"),
    ("EXAMPLE\\alice\tupn=a@b\nexample\\ALICE\tupn=c@d\n", "second line"),
])
def test_malformed_file_refuses_every_verb(data, text, why):
    add(data, "EXAMPLE\\alice")
    path = data / "auth" / "attributes"
    path.write_text(text)
    os.chmod(path, 0o600)
    before = snapshot(data)
    for args in [("list",), ("show", "EXAMPLE\\alice"), ("set", "--upn", "a@b", "EXAMPLE\\alice"),
                 ("del", "EXAMPLE\\alice")]:
        p = caadm(data, *args)
        assert p.returncode == 1 and why in p.stderr and "nothing was changed" in p.stderr, \
            (args, p)
    p = caadm(data, "add", "--password-fd", "0", "EXAMPLE\\bob", password="pw")
    assert p.returncode == 1 and why in p.stderr
    assert snapshot(data) == before
    # the verbs that do not read it still work
    assert caadm(data, "disable", "EXAMPLE\\alice").returncode == 0


def test_change_past_the_file_limit_refused(data):
    """The file holds at most 16 MiB (IDENTITY_ATTRS_FILE_MAX), which both
    readers enforce (caadm, and ca-auth at every logon): a change that would
    write more is refused with nothing changed, rather than written and then
    refused at every logon. A change that fits still goes in."""
    limit = 16 << 20
    add(data, "EXAMPLE\\alice")
    path = data / "auth" / "attributes"
    groups = "".join(f"\tgroup=g{g}" for g in range(256))
    lines, size, i = [], 0, 0
    while size < limit - 8192:  # filled to within 8 KiB of the limit
        ln = f"EXAMPLE\\u{i:05d}{groups}\n"
        lines.append(ln)
        size += len(ln)
        i += 1
    path.write_text("".join(lines))
    os.chmod(path, 0o600)
    before = snapshot(data)
    big = [a for g in range(128) for a in ("--group", f"{g:03d}" + "x" * 120)]
    p = caadm(data, "set", *big, "EXAMPLE\\alice")
    assert p.returncode == 1, p
    assert f"more than the {limit} it may hold" in p.stderr, p.stderr
    assert snapshot(data) == before
    p = caadm(data, "set", "--upn", "alice@example.com", "EXAMPLE\\alice")
    assert p.returncode == 0, p.stderr
    assert attributes(data)["EXAMPLE\\alice"] == [("upn", "alice@example.com")]
    assert path.stat().st_size <= limit


def test_file_readable_by_others_refused(data):
    add(data, "EXAMPLE\\alice", "--sid", SID)
    os.chmod(data / "auth" / "attributes", 0o644)
    p = caadm(data, "show", "EXAMPLE\\alice")
    assert p.returncode == 1 and "mode 0600" in p.stderr


# ---- end to end: the logon of an account with attributes ----

def test_ntlm_logon_with_attributes_enrolls(appliance, ca):
    """The account of the NTLM logon has every attribute: it logs on and
    enrolls as before, the requester is the account; changed attributes are
    read at the next logon; an attributes file that cannot be believed refuses
    the logon (ca-auth says why in its log) and nothing is requested; fixed, the
    logon works again."""
    # the ca fixture added the account; its attributes now
    p = caadm(ca["data"], "set", "--upn", "alice@example.com", "--email", "alice@example.com",
              "--dns", "alice-pc.example.com", "--sid", SID, "--group", "Domain Users", ACCOUNT)
    assert p.returncode == 0, p.stderr
    a = appliance(policy="issue", subject_rule="request")
    dce = nc.connect(binding(a))
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, disp) == (0, ic.DISP_ISSUED), msg
    dce.disconnect()
    assert any(f"request={rid} requester={ACCOUNT}" in ln for ln in journal(ca))
    assert f"ca-auth: logon of {ACCOUNT}" in a.text()

    # caadm while the CA runs (as root: the file goes to ca-auth's user)
    p = caadm(ca["data"], "set", "--group", "Staff", "--clear", "dns", ACCOUNT)
    assert p.returncode == 0, p.stderr
    st = os.stat(ca["data"] / "auth" / "attributes")
    assert st.st_uid == os.stat(ca["data"] / "auth").st_uid
    dce = nc.connect(binding(a))
    assert nc.request(dce, CA_NAME, csr(ca["tmp"], "second"))[2] == ic.DISP_ISSUED
    dce.disconnect()

    # a file ca-auth cannot believe: the logon is refused, nothing requested
    path = ca["data"] / "auth" / "attributes"
    owner = os.stat(path)
    requests = sum("request-received" in ln for ln in journal(ca))
    path.write_text(f"{ACCOUNT}\tsid=S-1-5-021\n")
    os.chown(path, owner.st_uid, owner.st_gid)
    os.chmod(path, 0o600)
    dce = nc.connect(binding(a))
    with pytest.raises(DCERPCException):
        nc.request(dce, CA_NAME, csr(ca["tmp"], "refused"))
    assert_dropped(dce)
    a.wait_for(f"ca-auth: warning: logon of {ACCOUNT} refused: the account attributes: "
               "/attributes: line 1: sid:")
    assert sum("request-received" in ln for ln in journal(ca)) == requests

    # fixed by caadm: the logon works again
    path.unlink()
    assert caadm(ca["data"], "set", "--sid", SID, ACCOUNT).returncode == 0
    dce = nc.connect(binding(a))
    assert nc.request(dce, CA_NAME, csr(ca["tmp"], "third"))[2] == ic.DISP_ISSUED
    dce.disconnect()
    assert "killed by signal" not in a.text()


def test_largest_token_passes_through_the_worker(appliance, ca):
    """Every attribute at its largest (a 255-byte UPN, 254-byte e-mail, 253-byte
    DNS name, the longest SID, 256 groups of 128 bytes, IDENTITY_MAX_GROUPS, as
    an AD user's PAC may bring: a token of about 34 KiB, larger than anything
    the worker sends ca-auth) travels from ca-auth through the worker to
    the custodian within every channel's limits: issued, pended and retrieved."""
    labels = ".".join(["a" * 63, "b" * 63, "c" * 63])
    p = caadm(ca["data"], "set", "--upn", "u" * 22 + "@" + labels + "." + "d" * 40,
              "--email", "e@" + labels + "." + "d" * 60, "--dns", labels + "." + "d" * 61,
              "--sid", "S-1-281474976710655" + "-4294967295" * 15,
              *[a for i in range(256) for a in ("--group", f"{i:03d}" + "g" * 125)], ACCOUNT)
    assert p.returncode == 0, p.stderr
    shown = json.loads(caadm(ca["data"], "show", "--json", ACCOUNT).stdout)
    assert (len(shown["upn"]), len(shown["email"]), len(shown["dns"]), len(shown["sid"]),
            len(shown["groups"])) == (255, 254, 253, 184, 256)
    assert all(len(g) == 128 for g in shown["groups"])
    a = appliance(policy="issue", subject_rule="request")
    dce = nc.connect(binding(a))
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, disp) == (0, ic.DISP_ISSUED), msg
    assert nc.request(dce, CA_NAME, request_id=rid)[2] == ic.DISP_ISSUED  # RETRIEVE too
    dce.disconnect()
    assert any(f"request={rid} requester={ACCOUNT}" in ln for ln in journal(ca))
    assert "violation" not in a.text()
