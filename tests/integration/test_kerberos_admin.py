"""`caadm kerberos keytab add|del|show` (issue 18): ca-auth's keytab
DATA/auth/krb5.keytab, made from keytabs the `kdc` fixture's kadmin.local
exports (and ktutil-made ones for the refusals). Oracles: `klist -k -t -e` for
what the installed file holds, impacket's Keytab for its keys, a service ticket
from the KDC decrypted with the installed file's key, hashlib for the SHA-256,
os.stat for mode, owner and inode."""
import datetime
import hashlib
import json
import os
import stat
import subprocess
import time

import pytest
from impacket.krb5.keytab import Keytab

from conftest import BIN
from test_kdc_fixture import decrypt_ticket, service_ticket

SERVICE = "host/ca.example.test"
AES = {"aes256-cts-hmac-sha1-96", "aes128-cts-hmac-sha1-96"}


def caadm(data, *args, journal=False, opts=()):
    """caadm kerberos ARGS --data DATA; a change (add, del) without a running CA
    with --unjournaled unless journal is set (then with opts, e.g. --operator)."""
    extra = list(opts)
    if len(args) > 1 and args[1] in ("add", "del") and not journal:
        extra.append("--unjournaled")
    return subprocess.run([str(BIN / "caadm"), "kerberos", *args[:2], *extra, *args[2:],
                           "--data", str(data)], capture_output=True, text=True)


def installed(data):
    return data / "auth" / "krb5.keytab"


def klist(kdc, path):
    """[(kvno, timestamp as UTC datetime, principal, enctype)] by `klist -k -t -e`."""
    env = dict(kdc.env, TZ="UTC", LC_ALL="C")
    out = subprocess.run(["klist", "-k", "-t", "-e", str(path)], env=env, capture_output=True,
                         text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        p = line.split()
        if len(p) >= 5 and p[0].isdigit():
            ts = datetime.datetime.strptime(p[1] + " " + p[2], "%m/%d/%y %H:%M:%S")
            et = line[line.rindex("(") + 1:line.rindex(")")].replace("DEPRECATED:", "")
            rows.append((int(p[0]), ts, p[3], et))
    return rows


def keys(path):
    """[(principal, etype, key bytes)] by impacket's Keytab reader, sorted."""
    out = []
    for e in Keytab.loadFile(str(path)).entries:
        m = e.main_part
        out.append((m["principal"].prettyPrint().decode(), m["keyblock"]["keytype"],
                    bytes(m["keyblock"]["keyvalue"]["data"])))
    return sorted(out)


def ktutil(kdc, *lines):
    """Runs ktutil with the commands given, one line at a time (it reads a key's
    hex from the same standard input as its commands)."""
    p = subprocess.Popen(["ktutil"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, env=kdc.env)
    for line in lines + ("q",):
        p.stdin.write(line + "\n")
        p.stdin.flush()
        time.sleep(0.2)
    p.stdin.close()
    assert p.wait(timeout=20) == 0, p.stdout.read()
    p.stdout.close()


def rc4_only(kdc, path, kvno=3):
    ktutil(kdc, "addent -key -p %s@%s -k %d -e arcfour-hmac" % (SERVICE, kdc.realm, kvno),
           "00112233445566778899aabbccddeeff", "wkt %s" % path)
    assert [r[3] for r in klist(kdc, path)] == ["arcfour-hmac"]
    return path


def leftovers(data):
    """What caadm may have left behind: its private directories in DATA
    (.krb5.keytab.XXXXXX) and anything keytab-like in DATA/auth but the keytab
    (others write there too: accounts, attributes, cad's krb5.conf)."""
    return sorted([p.name for p in data.iterdir() if "keytab" in p.name] +
                  [p.name for p in (data / "auth").iterdir()
                   if "keytab" in p.name and p.name != "krb5.keytab"])


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"
    (d / "auth").mkdir(parents=True, mode=0o700)
    return d


def add_ok(data, src):
    p = caadm(data, "keytab", "add", str(src))
    assert p.returncode == 0, p.stderr
    assert p.stderr == "caadm: warning: the CA is not running: this change is not in its " \
                       "journal (--unjournaled)\n" or "warning: " in p.stderr
    return p


def test_add_show_del(kdc, data, tmp_path):
    kv = kdc.kvno(SERVICE)
    src = kdc.keytab(str(tmp_path / "host.keytab"))
    p = add_ok(data, src)
    kt = installed(data)
    body = kt.read_bytes()
    sha = hashlib.sha256(body).hexdigest()
    assert p.stdout == ("installed %s: %s@CA.TEST, kvno %d, aes256-cts-hmac-sha1-96 "
                        "aes128-cts-hmac-sha1-96\nsha256: %s\n" % (kt, SERVICE, kv, sha))
    st = os.lstat(kt)
    assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
    assert st.st_uid == os.geteuid()
    assert leftovers(data) == []
    # the same keys as the source (impacket reads both), by klist the same entries
    assert keys(kt) == keys(src)
    assert klist(kdc, kt) == klist(kdc, src)
    # a ticket the KDC issued opens with the installed file's key
    cred = service_ticket(kdc, kdc.ticket("alice", kdc.passwords["alice"]))
    tkt = decrypt_ticket(str(kt), SERVICE, cred)
    assert [str(c) for c in tkt["cname"]["name-string"]] == ["alice"]

    # show (text and JSON) against klist -k -t -e
    rows = klist(kdc, kt)
    p = caadm(data, "keytab", "show")
    assert p.returncode == 0, p.stderr
    want = "file: %s\nprincipal: %s@CA.TEST\nsha256: %s\n" % (kt, SERVICE, sha) + "".join(
        "kvno %d %s %s\n" % (k, e, t.strftime("%Y-%m-%dT%H:%M:%SZ")) for k, t, _, e in rows)
    assert p.stdout == want
    p = caadm(data, "show", "--json")
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    assert (j["file"], j["principal"], j["sha256"]) == (str(kt), SERVICE + "@CA.TEST", sha)
    assert [(e["kvno"], datetime.datetime.strptime(e["timestamp"], "%Y-%m-%dT%H:%M:%SZ"),
             e["principal"], e["enctype"]) for e in j["entries"]] == rows
    assert sorted(e["etype"] for e in j["entries"]) == [17, 18]

    p = caadm(data, "keytab", "del")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("removed %s: %s@CA.TEST, kvno %d, " % (kt, SERVICE, kv))
    assert "sha256: %s\n" % sha in p.stdout
    assert not kt.exists()
    # absent: show and del say so, status 1 as the other data-directory verbs
    for args in (("keytab", "show"), ("keytab", "show", "--json"), ("keytab", "del")):
        p = caadm(data, *args)
        assert p.returncode == 1 and p.stdout == ""
        assert "no keytab" in p.stderr and str(kt) in p.stderr


def test_every_kvno_kept(kdc, data, tmp_path):
    """A keytab across a rollover: both kvnos installed (tickets issued before the
    rollover still open)."""
    src = str(tmp_path / "roll.keytab")
    old = kdc.kvno(SERVICE)
    kdc.keytab(src)
    cc_old = kdc.ticket("bob", kdc.passwords["bob"])
    new = kdc.rekey(SERVICE)
    kdc.keytab(src)  # appended
    add_ok(data, src)
    kt = installed(data)
    assert sorted({r[0] for r in klist(kdc, kt)}) == [old, new]
    assert {r[3] for r in klist(kdc, kt)} == AES
    decrypt_ticket(str(kt), SERVICE, service_ticket(kdc, cc_old))
    decrypt_ticket(str(kt), SERVICE,
                   service_ticket(kdc, kdc.ticket("bob", kdc.passwords["bob"])))


def test_rc4_left_out(kdc, data, tmp_path):
    rc4 = rc4_only(kdc, tmp_path / "rc4.keytab", kvno=7)
    mixed = tmp_path / "mixed.keytab"
    kv = kdc.kvno(SERVICE)
    ktutil(kdc, "rkt %s" % kdc.keytab(str(tmp_path / "aes.keytab")), "rkt %s" % rc4,
           "wkt %s" % mixed)
    assert {r[3] for r in klist(kdc, mixed)} == AES | {"arcfour-hmac"}
    p = add_ok(data, mixed)
    assert p.stdout.startswith("left out: kvno 7 arcfour-hmac (not AES: ca-auth accepts "
                               "AES keys only)\ninstalled ")
    rows = klist(kdc, installed(data))
    assert {(r[0], r[3]) for r in rows} == {(kv, e) for e in AES}


def test_aes_sha2_accepted(kdc, data, tmp_path):
    name = "host/sha2.example.test"
    kdc.kadmin("addprinc -randkey -e aes256-cts-hmac-sha384-192:normal,"
               "aes128-cts-hmac-sha256-128:normal %s" % name)
    src = kdc.keytab(str(tmp_path / "sha2.keytab"), name)
    add_ok(data, src)
    assert {r[3] for r in klist(kdc, installed(data))} == {
        "aes256-cts-hmac-sha384-192", "aes128-cts-hmac-sha256-128"}


def test_other_service_warned(kdc, data, tmp_path):
    kdc.kadmin("addprinc -randkey HTTP/ca.example.test")
    p = add_ok(data, kdc.keytab(str(tmp_path / "http.keytab"), "HTTP/ca.example.test"))
    assert "warning: HTTP/ca.example.test@CA.TEST: the service is not host" in p.stderr
    assert {r[2] for r in klist(kdc, installed(data))} == {"HTTP/ca.example.test@CA.TEST"}


def refusals(kdc, tmp_path):
    """(name, file, what stderr says) of keytabs add must refuse."""
    d = tmp_path / "bad"
    d.mkdir()
    kdc.kadmin("addprinc -randkey host/a.example.test/extra")
    two = d / "two.keytab"
    ktutil(kdc, "rkt %s" % kdc.keytab(str(d / "h.keytab")),
           "rkt %s" % kdc.keytab(str(d / "o.keytab"), "host/other.example.test"),
           "wkt %s" % two)
    (d / "empty").write_bytes(b"")
    (d / "junk").write_bytes(b"\x05\x02" + b"not a keytab" * 4)
    (d / "text").write_text("hello\n")
    return [
        ("rc4", rc4_only(kdc, d / "rc4.keytab"), "no AES key"),
        ("two", two, "entries for more than one principal (host/ca.example.test@CA.TEST, "
                     "host/other.example.test@CA.TEST)"),
        ("user", kdc.keytab(str(d / "alice.keytab"), "alice"),
         "the principal alice@CA.TEST is not a service principal: host/NAME@REALM is expected"),
        ("three", kdc.keytab(str(d / "3.keytab"), "host/a.example.test/extra"),
         "not a service principal"),
        ("empty", d / "empty", "empty: not a keytab"),
        ("text", d / "text", "not a keytab"),
        ("junk", d / "junk", "junk"),
        ("missing", d / "missing", "No such file or directory"),
        ("directory", d, "not a regular file"),
    ]


def test_refusals_change_nothing(kdc, data, tmp_path):
    add_ok(data, kdc.keytab(str(tmp_path / "good.keytab")))
    before = installed(data).read_bytes()
    ino = os.stat(installed(data)).st_ino
    for name, path, why in refusals(kdc, tmp_path):
        p = caadm(data, "keytab", "add", str(path))
        assert p.returncode == 1, (name, p.stdout, p.stderr)
        assert p.stderr.startswith("caadm: fatal: ") and why in p.stderr, (name, p.stderr)
        assert "installed" not in p.stdout, name
        assert installed(data).read_bytes() == before, name
        assert os.stat(installed(data)).st_ino == ino, name
        assert leftovers(data) == [], name


def test_atomic_replacement(kdc, data, tmp_path):
    add_ok(data, kdc.keytab(str(tmp_path / "a.keytab")))
    kt = installed(data)
    first = kt.read_bytes()
    with open(kt, "rb") as held:
        ino = os.fstat(held.fileno()).st_ino
        kdc.rekey(SERVICE)
        add_ok(data, kdc.keytab(str(tmp_path / "b.keytab")))
        # the reader of the old file still has all of it; the name leads to a new inode
        assert held.read() == first
    assert os.stat(kt).st_ino != ino
    assert kt.read_bytes() != first
    assert stat.S_IMODE(os.stat(kt).st_mode) == 0o600
    assert leftovers(data) == []


def test_symlink_never_followed(kdc, data, tmp_path):
    target = tmp_path / "outside"
    target.write_bytes(b"precious")
    os.chmod(target, 0o644)
    kt = installed(data)
    kt.symlink_to(target)
    # show and del do not read through it; del removes the link alone
    p = caadm(data, "keytab", "show")
    assert p.returncode == 1 and "is a symbolic link" in p.stderr
    # add replaces the link itself
    add_ok(data, kdc.keytab(str(tmp_path / "s.keytab")))
    assert not kt.is_symlink() and stat.S_ISREG(os.lstat(kt).st_mode)
    assert target.read_bytes() == b"precious" and stat.S_IMODE(target.stat().st_mode) == 0o644
    os.unlink(kt)
    kt.symlink_to(target)
    p = caadm(data, "keytab", "del")
    assert p.returncode == 0, p.stderr
    assert not os.path.lexists(kt) and target.read_bytes() == b"precious"


def test_auth_dir_made(kdc, tmp_path):
    """A data directory without auth/ gets one (0700), as account add makes it."""
    d = tmp_path / "fresh"
    d.mkdir()
    add_ok(d, kdc.keytab(str(tmp_path / "f.keytab")))
    assert stat.S_IMODE(os.stat(d / "auth").st_mode) == 0o700


@pytest.mark.skipif(os.geteuid() != 0, reason="giving the file to another user needs root")
def test_owner_is_auth_dirs(kdc, data, tmp_path):
    """As root, the keytab goes to DATA/auth's owner (ca-auth's user)."""
    os.chown(data / "auth", 65534, 65534)
    add_ok(data, kdc.keytab(str(tmp_path / "o.keytab")))
    st = os.lstat(installed(data))
    assert (st.st_uid, st.st_gid) == (65534, 65534)
    assert stat.S_IMODE(st.st_mode) == 0o600
    # and replaced: the new file too
    add_ok(data, kdc.keytab(str(tmp_path / "o.keytab")))
    st = os.lstat(installed(data))
    assert (st.st_uid, st.st_gid) == (65534, 65534)
    # root's auth directory: root's file
    os.chown(data / "auth", 0, 0)
    add_ok(data, kdc.keytab(str(tmp_path / "o.keytab")))
    assert os.lstat(installed(data)).st_uid == 0


def test_refused_without_the_ca_unless_unjournaled(kdc, data, tmp_path):
    """The CA not running: its journal cannot record the change, so it is not made
    (add and del), unless --unjournaled says so."""
    src = kdc.keytab(str(tmp_path / "h.keytab"))
    p = caadm(data, "keytab", "add", str(src), journal=True)
    assert p.returncode == 1, p.stderr
    assert "the CA is not running (%s/admin.sock): its journal cannot record this change, " \
           "so it is not made" % data in p.stderr
    assert not installed(data).exists() and leftovers(data) == []
    add_ok(data, src)
    before = installed(data).read_bytes()
    p = caadm(data, "keytab", "del", journal=True)
    assert p.returncode == 1 and "the CA is not running" in p.stderr
    assert installed(data).read_bytes() == before
    # --operator with --unjournaled is a usage error
    p = caadm(data, "keytab", "del", journal=True, opts=("--unjournaled", "--operator", "x"))
    assert p.returncode == 2 and p.stderr.startswith("usage: caadm kerberos")


def test_journaled_by_the_running_ca(kdc, tmp_path, token):
    """With the CA running, add and del are journaled first, in an administrator's
    session: an operator-action event keytab-installed / keytab-removed naming the
    operator, the principal, the kvnos, enctypes, the SHA-256 of the installed file
    and the peer's uid; an officer, no session, or --unjournaled change nothing."""
    import icpr_client as ic
    from test_admin import PASS, add_operators, init_root, secret_file
    from test_admin import caadm as console

    ca = init_root(tmp_path, token)
    data = ca["data"]
    app = ic.Appliance(data, ca["token"].pin_file)
    try:
        add_operators(ca)

        def as_op(who, *args):
            return caadm(data, *args, journal=True, opts=(
                "--operator", who, "--passphrase-file",
                str(secret_file(tmp_path, who, PASS[who]))))

        def actions():
            return [l for l in console(ca, "auditor", "audit", "--type", "operator-action")
                    .stdout.splitlines() if "keytab" in l]

        src = kdc.keytab(str(tmp_path / "h.keytab"))
        kv = kdc.kvno(SERVICE)
        # an officer may not; nothing installed, the refusal journaled
        p = as_op("officer", "keytab", "add", src)
        assert p.returncode == 3, p.stderr
        assert "may not keytab" in p.stderr
        assert not installed(data).exists() and leftovers(data) == []
        # no session at all (no --operator, no caadm login session): caadm has no
        # token to send, so the CA is not asked
        env = dict(os.environ, CAADM_SESSION=str(tmp_path / "no-session"))
        p = subprocess.run([str(BIN / "caadm"), "kerberos", "keytab", "add", src, "--data",
                            str(data)], capture_output=True, text=True, env=env)
        assert p.returncode == 3 and "not logged in" in p.stderr
        assert not installed(data).exists()
        # --unjournaled while the CA runs
        p = caadm(data, "keytab", "add", src)
        assert p.returncode == 1 and "--unjournaled is refused" in p.stderr
        assert not installed(data).exists() and leftovers(data) == []

        p = as_op("admin", "keytab", "add", src)
        assert p.returncode == 0, p.stderr
        sha = hashlib.sha256(installed(data).read_bytes()).hexdigest()
        assert "journaled: keytab-installed %s@CA.TEST\n" % SERVICE in p.stdout
        assert p.stdout.endswith("sha256: %s\n" % sha)
        p = as_op("admin", "keytab", "del")
        assert p.returncode == 0, p.stderr
        assert not installed(data).exists()

        lines = actions()
        assert any(" operator-action officer action=keytab target=\"\" REFUSED " in l and
                   "may not keytab" in l for l in lines), lines
        inst = [l for l in lines if "action=keytab-installed" in l]
        rem = [l for l in lines if "action=keytab-removed" in l]
        assert len(inst) == 1 and len(rem) == 1, lines
        for l in inst + rem:
            assert " operator-action admin action=keytab-" in l, l
            assert 'target="%s@CA.TEST"' % SERVICE in l, l
            assert "kvno %d; aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96; sha256 %s; " \
                   "peer uid %d" % (kv, sha, os.geteuid()) in l, l
            assert "REFUSED" not in l
        # the journal verifies with the new events in it
        assert console(ca, "auditor", "audit", "--verify").returncode == 0
    finally:
        app.stop()
