"""Separation of duties through caadm and cad (issue 14): roles are exclusive
(admin with officer refused, a legacy admin,officer operator migrated by
`operator roles`), a passphrase reset by an administrator must be changed before
anything else and is journaled with both names, and operators are ordinary users
in the console's group: a member uses the console with a session file of its own,
a non-member is refused by the socket and by the custodian's own check, and the
PIN file stays root's. Run as root (cad as root, users made with useradd, caadm
run as them with setpriv). The passphrase hash of the legacy database is made
here with Python's hashlib, independently of firmware/operator."""
import hashlib
import os
import re
import secrets
import stat
import subprocess

import pytest

import icpr_client as ic
from conftest import BIN, run
from test_admin import PASS, add_operators, caadm, init_root, secret_file, submit

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (cad, useradd)")


@pytest.fixture
def ca(tmp_path, token):
    group = "catest-" + secrets.token_hex(4)
    yield {**init_root(tmp_path, token, f"operators_group = {group}\n"), "group": group}
    subprocess.run(["groupdel", group], capture_output=True)


@pytest.fixture
def appliance(ca):
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    yield a
    a.stop()


def audit(ca):
    return caadm(ca, "auditor", "audit", "--type", "operator-action").stdout


# ---- roles ----------------------------------------------------------------------

def test_admin_with_officer_refused(ca, appliance):
    add_operators(ca)
    p = caadm(ca, "admin", "operator", "add", "both", "--role", "admin,officer",
              "--new-passphrase-file", secret_file(ca["tmp"], "both", "both-passphrase-5"),
              check=False)
    assert p.returncode == 2 and "admin and officer roles cannot be held together" in p.stderr
    p = caadm(ca, "admin", "operator", "roles", "officer", "--role", "admin,officer",
              check=False)
    assert p.returncode == 2 and "cannot be held together" in p.stderr
    # An administrator cannot make itself an officer (it made the operators).
    p = caadm(ca, "admin", "operator", "roles", "admin", "--role", "officer", check=False)
    assert p.returncode == 3 and "cannot change its own roles" in p.stderr
    assert caadm(ca, "admin", "operator", "list").stdout.splitlines() == [
        "admin admin", "officer officer", "auditor auditor"]
    text = audit(ca)
    assert 'action=operator-add target="both" REFUSED' in text
    assert 'action=operator-roles target="officer" REFUSED' in text
    assert 'action=operator-roles target="admin" REFUSED' in text
    lines = (ca["data"] / "operators" / "db").read_text().splitlines()
    assert not [l for l in lines if l.startswith("both ")]


def pbkdf2_line(name, roles, passphrase):
    """An operator line as operator.h describes it, hashed here (hashlib)."""
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt, 200000, 32)
    return f"{name} {roles} 200000 {salt.hex()} {digest.hex()}\n"


def test_legacy_admin_officer_migrates(ca):
    """A database from before the roles were exclusive: carol and dan hold
    admin,officer. The CA starts and names them; they log in only to manage
    operators; carol splits herself, the administrator splits dan."""
    db = ca["data"] / "operators" / "db"
    PASS.update(carol="carol-passphrase-6", dan="dan-passphrase-7")
    db.write_text(db.read_text() + pbkdf2_line("carol", "admin,officer", PASS["carol"])
                  + pbkdf2_line("dan", "admin,officer", PASS["dan"]))
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    try:
        assert "operator carol holds admin,officer" in a.text()
        add_operators(ca)
        rv, rid, disp, _, _, _ = submit(a, ca["tmp"], "legacy.example")
        assert (rv, disp) == (0, 5)
        # Neither half of the pair works before the split.
        for verb in (["resubmit", str(rid)], ["setprop", "CRLPeriod", "2d"], ["view"]):
            p = caadm(ca, "carol", *verb, check=False)
            assert p.returncode == 3 and "may no longer be held together" in p.stderr, verb
        assert "carol admin,officer (roles must be split)" in \
            caadm(ca, "carol", "operator", "list").stdout
        # A split keeps one of the two roles; another pair or a new role is refused.
        p = caadm(ca, "carol", "operator", "roles", "carol", "--role", "auditor", check=False)
        assert p.returncode == 3
        caadm(ca, "carol", "operator", "roles", "carol", "--role", "officer")
        caadm(ca, "admin", "operator", "roles", "dan", "--role", "admin")
        assert "request" in caadm(ca, "carol", "resubmit", str(rid)).stdout
        p = caadm(ca, "carol", "setprop", "CRLPeriod", "2d", check=False)
        assert p.returncode == 3 and "may not setprop" in p.stderr
        p = caadm(ca, "dan", "resubmit", str(rid), check=False)
        assert p.returncode == 3 and "may not resubmit" in p.stderr
        caadm(ca, "dan", "setprop", "CRLPeriod", "2d")
        lines = db.read_text().splitlines()
        assert [l.split()[1] for l in lines if l.startswith(("carol ", "dan "))] == \
            ["officer", "admin"]
        text = audit(ca)
        assert re.search(r'carol action=view target="" REFUSED detail="operator carol '
                         r'holds admin,officer', text), text
        assert re.search(r'carol action=operator-roles target="carol" allowed', text)
        assert re.search(r'admin action=operator-roles target="dan" allowed', text)
    finally:
        a.stop()
    # After the split the CA starts without naming anyone.
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    try:
        assert "holds admin,officer" not in a.text()
    finally:
        a.stop()


# ---- passphrase reset ------------------------------------------------------------

@pytest.fixture
def officer_pass():
    """The officer's passphrase as the test changes it, restored after."""
    yield
    PASS["officer"] = "officer-passphrase-2"


def test_reset_passphrase_must_be_changed(ca, appliance, officer_pass):
    add_operators(ca)
    rv, rid, disp, _, _, _ = submit(appliance, ca["tmp"], "reset.example")
    assert (rv, disp) == (0, 5)
    out = caadm(ca, "admin", "operator", "passwd", "officer", "--new-passphrase-file",
                secret_file(ca["tmp"], "reset", "admin-knows-this")).stdout
    assert "passphrase reset by admin: officer must change it" in out
    assert "officer officer (passphrase reset)" in \
        caadm(ca, "admin", "operator", "list").stdout
    PASS["officer"] = "admin-knows-this"
    # Nothing but its own passphrase change works with the reset passphrase.
    for verb in (["resubmit", str(rid)], ["view", "--pending"], ["deny", str(rid)]):
        p = caadm(ca, "officer", *verb, check=False)
        assert p.returncode == 3 and "was reset by an administrator: change it first" in \
            p.stderr, verb
    p = caadm(ca, "officer", "operator", "passwd", "admin", "--new-passphrase-file",
              secret_file(ca["tmp"], "x", "officer-sets-admin"), check=False)
    assert p.returncode == 3
    caadm(ca, "officer", "operator", "passwd", "officer", "--new-passphrase-file",
          secret_file(ca["tmp"], "own", "officer-own-passphrase"))
    p = caadm(ca, "officer", "resubmit", str(rid), check=False)  # the reset one: gone
    assert p.returncode == 3 and "login refused" in p.stderr
    PASS["officer"] = "officer-own-passphrase"
    assert "issued" in caadm(ca, "officer", "resubmit", str(rid)).stdout
    text = audit(ca)
    assert re.search(r'admin action=operator-passwd target="officer" allowed '
                     r'detail="operator officer passphrase reset by admin: officer must '
                     r'change it at the next login"', text), text
    assert re.search(r'officer action=login target="officer" allowed detail="peer uid 0; '
                     r'passphrase reset: must be changed"', text), text
    assert re.search(r'officer action=resubmit target="" REFUSED detail="the passphrase of '
                     r'officer was reset', text), text
    assert re.search(r'officer action=operator-passwd target="officer" allowed '
                     r'detail="operator officer passphrase changed"', text), text


def test_failed_verb_logs_out(ca, appliance):
    """A session --operator opened ends with the verb, also when the verb fails."""
    add_operators(ca)
    p = caadm(ca, "officer", "resubmit", "999", check=False)
    assert p.returncode != 0
    text = audit(ca)
    assert re.search(r'officer action=resubmit target="request 999" REFUSED', text), text
    # the logout after the failure is journaled, and nothing after it is refused
    after = text[text.index('target="request 999" REFUSED'):]
    assert re.search(r'officer action=logout target="" allowed', after), text


# ---- operators who are not root ------------------------------------------------------

def let_through(path):
    """Lets other users pass through the test's directories to DATA (cad does
    DATA itself)."""
    for p in [path, *path.parents]:
        if str(p) in ("/", "/tmp"):
            break
        os.chmod(p, os.stat(p).st_mode | 0o011)


@pytest.fixture
def users(ca):
    """Two members of the console's group and one user outside it, each with a
    home of its own; removed afterwards."""
    made = {}
    tag = secrets.token_hex(3)
    for who, member in (("alice", True), ("bob", True), ("mallory", False)):
        name = f"ct{who[:3]}{tag}"
        home = ca["tmp"] / f"home-{who}"
        run("useradd", "--no-user-group", "--gid", "nogroup", "--home-dir", home,
            "--create-home", "--shell", "/bin/sh", name)
        uid = int(run("id", "-u", name).stdout)
        made[who] = {"name": name, "uid": uid, "home": home, "member": member}
    let_through(ca["tmp"])
    yield made
    for u in made.values():
        subprocess.run(["userdel", "--remove", u["name"]], capture_output=True)


def as_user(u, ca, *args, passphrase=None, env_extra=None):
    """caadm as user u (setpriv: its uid, nogroup, and the console's group if a
    member; HOME left as root's, which caadm must not use)."""
    gid = int(run("getent", "group", "nogroup").stdout.split(":")[2])
    groups = [gid]
    if u["member"]:
        groups.append(int(run("getent", "group", ca["group"]).stdout.split(":")[2]))
    fds = []
    cmd = ["setpriv", f"--reuid={u['uid']}", f"--regid={gid}",
           "--groups=" + ",".join(map(str, groups)), "--", str(BIN / "caadm"), "--data",
           str(ca["data"])]
    r = None
    if passphrase is not None:
        r, w = os.pipe()
        os.write(w, (passphrase + "\n").encode())
        os.close(w)
        fds.append(r)
        cmd += ["--passphrase-fd", str(r)]
    env = dict(os.environ, HOME="/root")
    env.pop("CAADM_SESSION", None)
    env.update(env_extra or {})
    try:
        return subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True,
                              pass_fds=fds, env=env)
    finally:
        if r is not None:
            os.close(r)


def as_shell(u, ca, command):
    """A shell command as user u, with the console's group (a member's rights)."""
    ops = int(run("getent", "group", ca["group"]).stdout.split(":")[2])
    return subprocess.run(["setpriv", f"--reuid={u['uid']}", "--regid=65534",
                           f"--groups=65534,{ops}", "sh", "-c", command],
                          capture_output=True)


def test_nonroot_operators_use_console(ca, appliance, users):
    add_operators(ca)
    sock = ca["data"] / "admin.sock"
    st = os.stat(sock)
    assert stat.S_IMODE(st.st_mode) == 0o660 and st.st_uid == 0
    assert st.st_gid == int(run("getent", "group", ca["group"]).stdout.split(":")[2])
    alice, bob = users["alice"], users["bob"]

    # Two members log in as two operators: each session in its own home, 0600.
    p = as_user(alice, ca, "login", "admin", passphrase=PASS["admin"])
    assert p.returncode == 0, p.stderr
    p = as_user(bob, ca, "login", "officer", passphrase=PASS["officer"])
    assert p.returncode == 0, p.stderr
    sessions = {}
    for u in (alice, bob):
        f = u["home"] / ".caadm-session"
        st = os.stat(f)
        assert st.st_uid == u["uid"] and stat.S_IMODE(st.st_mode) == 0o600
        sessions[u["name"]] = f.read_text()
    assert sessions[alice["name"]] != sessions[bob["name"]]
    assert not os.path.exists("/root/.caadm-session") or \
        open("/root/.caadm-session").read() not in sessions.values()
    # Each acts with its own session and roles.
    p = as_user(alice, ca, "setprop", "CRLPeriod", "3d")
    assert p.returncode == 0, p.stderr
    p = as_user(bob, ca, "setprop", "CRLPeriod", "4d")
    assert p.returncode == 3 and "operator officer (officer) may not setprop" in p.stderr
    p = as_user(bob, ca, "view", "--pending")
    assert p.returncode == 0, p.stderr
    # Their logons are journaled with their uids.
    text = audit(ca)
    assert re.search(rf'admin action=login target="admin" allowed detail="peer uid '
                     rf'{alice["uid"]}"', text), text
    assert re.search(rf'officer action=login target="officer" allowed detail="peer uid '
                     rf'{bob["uid"]}"', text), text
    # Root reading alice's session file is refused: it is hers.
    p = run(BIN / "caadm", "--data", ca["data"], "view",
            env=dict(os.environ, CAADM_SESSION=str(alice["home"] / ".caadm-session")),
            check=False)
    assert p.returncode == 1 and f"owned by uid {alice['uid']}, not by this user" in p.stderr
    # Her token copied into a file of root's own is still hers: the custodian
    # takes it only from her uid, and journals the attempt.
    stolen = ca["tmp"] / "stolen-session"
    stolen.write_text(sessions[alice["name"]])
    os.chmod(stolen, 0o600)
    p = run(BIN / "caadm", "--data", ca["data"], "setprop", "CRLPeriod", "5d",
            env=dict(os.environ, CAADM_SESSION=str(stolen)), check=False)
    assert p.returncode == 3 and \
        f"the session of admin was opened by uid {alice['uid']}, not by uid 0" in p.stderr
    assert re.search(rf'admin action=setprop target="" REFUSED detail="the session of admin '
                     rf'was opened by uid {alice["uid"]}, not by uid 0"', audit(ca))
    assert caadm(ca, "admin", "getprop", "CRLPeriod").stdout.strip() == "3d"
    # A session file others may read is refused, even the user's own.
    os.chmod(bob["home"] / ".caadm-session", 0o644)
    p = as_user(bob, ca, "view")
    assert p.returncode == 1 and "others may read or write it" in p.stderr
    # A symbolic link is not a session file.
    os.unlink(bob["home"] / ".caadm-session")
    os.symlink(alice["home"] / ".caadm-session", bob["home"] / ".caadm-session")
    p = as_user(bob, ca, "view")
    assert p.returncode == 1 and "a symbolic link" in p.stderr
    p = as_user(alice, ca, "logout")
    assert p.returncode == 0, p.stderr
    assert not (alice["home"] / ".caadm-session").exists()

    # The PIN file is root's alone: no operator reads it.
    pin = ca["token"].pin_file
    assert stat.S_IMODE(os.stat(pin).st_mode) & 0o077 == 0 and os.stat(pin).st_uid == 0
    for u in (alice, bob):
        r = subprocess.run(["setpriv", f"--reuid={u['uid']}", "--regid=65534",
                            "--clear-groups", "cat", str(pin)], capture_output=True)
        assert r.returncode != 0 and r.stdout == b""
    # Nor the operators' database, the ledger or the accounts; nor may they edit
    # ca.conf (their changes go through the custodian, journaled).
    conf_before = (ca["data"] / "ca.conf").read_bytes()
    for command in ("cat operators/db", "ls ledger", "ls auth"):
        r = as_shell(alice, ca, f"cd {ca['data']} && {command}")
        assert r.returncode != 0 and r.stdout == b"" and b"Permission denied" in r.stderr, \
            (command, r.stderr)
    r = as_shell(alice, ca, f"echo 'policy = issue' >> {ca['data'] / 'ca.conf'}")
    assert r.returncode != 0 and b"Permission denied" in r.stderr
    assert (ca["data"] / "ca.conf").read_bytes() == conf_before


def test_nonmember_refused(ca, appliance, users):
    add_operators(ca)
    mallory = users["mallory"]
    # The socket refuses him ...
    p = as_user(mallory, ca, "--operator", "admin", "view", passphrase=PASS["admin"])
    assert p.returncode == 1 and "Permission denied" in p.stderr, p.stderr
    # ... and so does the custodian, with the socket opened to everyone.
    os.chmod(ca["data"] / "admin.sock", 0o666)
    p = as_user(mallory, ca, "--operator", "admin", "view", passphrase=PASS["admin"])
    assert p.returncode != 0, p.stderr  # the custodian hangs up before the login
    # ... and caadm says so in words (it once printed an unwritten buffer here). The
    # hang-up may come before caadm's send or after it.
    assert ("no answer from the CA: custodian closed the channel" in p.stderr
            or "cannot send to the CA" in p.stderr), p.stderr
    appliance.wait_for(f"console: connection refused (peer not allowed: uid {mallory['uid']})")
    # A member still gets in: the refusal was his, not the console's.
    p = as_user(users["alice"], ca, "--operator", "admin", "view", passphrase=PASS["admin"])
    assert p.returncode == 0, p.stderr
    # Nothing of his reached the journal as a login; hers did.
    text = audit(ca)
    assert f"peer uid {mallory['uid']}" not in text
    assert f"peer uid {users['alice']['uid']}" in text
