"""A private MIT Kerberos realm for the tests: krb5kdc on 127.0.0.1 at a free port.

    from kdc import KDC
    with KDC() as k:                      # or the `kdc` fixture (conftest.py)
        k.realm                           # "CA.TEST"
        k.keytab("/tmp/x.keytab")         # host/ca.example.test's keys, AES only
        k.rekey("host/ca.example.test")   # new random key, kvno + 1; returns the kvno
        cc = k.ticket("alice", k.passwords["alice"])  # ccache with the service ticket
        tgs = k.impacket_tgs(cc, "host/ca.example.test")
        transport.set_credentials("alice", "", k.realm, "", "", None, None, tgs)
        k.stop()

The realm (CA.TEST) lives in a temporary directory with its own krb5.conf
(KRB5_CONFIG) and kdc.conf (KRB5_KDC_PROFILE); nothing of the machine's
/etc/krb5.conf or /var/lib/krb5kdc is read or written, so it runs as root and as
an unprivileged user alike. The master password and the users' passwords are
random (`passwords`). Principals: host/ca.example.test and host/other.example.test
(random keys, AES-256 and AES-128), alice and bob (passwords).

API (every command's failure raises KDCError with its output):
- KDC(clockskew=300): starts the realm; waits at most 10 s for krb5kdc to answer
  on its TCP port. clockskew goes to krb5.conf's libdefaults (an acceptor given
  `env` uses it: with the default 300 s, a ticket is "expired" for an acceptor
  only 300 s after its end time).
- realm, port, dir, krb5_conf, kdc_conf, env (a copy of os.environ with
  KRB5_CONFIG and KRB5_KDC_PROFILE set), passwords ({"alice": ..., "bob": ...}).
- keytab(path, principal='host/ca.example.test', randkey=False) -> path: kadmin.local
  ktadd -norandkey (the current key, kvno unchanged: tickets already issued stay
  valid); the principals hold AES-256 and AES-128 keys only (addprinc -e), so
  those are the entries. randkey=True: ktadd -e AES-256,AES-128, a new random key
  (kvno + 1; ktadd refuses -e with -norandkey). Appends to an existing keytab,
  as ktadd does.
- rekey(principal) -> int: cpw -randkey (kvno + 1); returns the new kvno.
- kvno(principal) -> int: the principal's current key version.
- ticket(user, password, service='host/ca.example.test', lifetime=None) -> path of
  a new FILE ccache holding the user's TGT and the service ticket (kinit with the
  password on stdin, then kvno). lifetime is kinit's -l (e.g. "2s", "10m").
- impacket_tgs(ccache, service) -> the dict impacket's
  transport.set_credentials(..., TGS=...) takes (KDC_REP, cipher, sessionKey).
- stop(): kills krb5kdc and removes the directory; idempotent, also run by
  __exit__ and at interpreter exit.
"""
import atexit
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

REALM = "CA.TEST"
SERVICE = "host/ca.example.test"
OTHER_SERVICE = "host/other.example.test"
AES = "aes256-cts-hmac-sha1-96:normal,aes128-cts-hmac-sha1-96:normal"
START_TIMEOUT = 10.0
CMD_TIMEOUT = 30


class KDCError(RuntimeError):
    pass


def _sbin(name):
    """MIT's admin tools are in /usr/sbin, which an unprivileged PATH may lack."""
    for d in os.environ.get("PATH", "").split(os.pathsep) + ["/usr/sbin", "/sbin"]:
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    raise KDCError("%s not found: install krb5-kdc, krb5-admin-server and krb5-user "
                   "(platform/install-deps.sh)" % name)


def _free_port():
    """A port free for both TCP and UDP on 127.0.0.1 (krb5kdc listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise KDCError("no free port on 127.0.0.1")


class KDC:
    def __init__(self, clockskew=300):
        self.realm = REALM
        self.proc = None
        self.dir = tempfile.mkdtemp(prefix="kdc-")
        self._n = 0
        atexit.register(self.stop)
        try:
            self._start(clockskew)
        except BaseException:
            self.stop()
            raise

    # ---- set-up ----

    def _start(self, clockskew):
        d = self.dir
        self.port = _free_port()
        self.krb5_conf = os.path.join(d, "krb5.conf")
        self.kdc_conf = os.path.join(d, "kdc.conf")
        # One stanza per line: MIT does not read a one-line realm stanza.
        with open(self.krb5_conf, "w") as f:
            f.write(
                "[libdefaults]\n"
                "    default_realm = %(r)s\n"
                "    dns_lookup_kdc = false\n"
                "    dns_lookup_realm = false\n"
                "    dns_canonicalize_hostname = false\n"
                "    rdns = false\n"
                "    udp_preference_limit = 1\n"
                "    clockskew = %(skew)d\n"
                "    permitted_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96\n"
                "[realms]\n"
                "    %(r)s = {\n"
                "        kdc = 127.0.0.1:%(p)d\n"
                "        admin_server = 127.0.0.1:%(p)d\n"
                "    }\n"
                "[domain_realm]\n"
                "    .example.test = %(r)s\n"
                "    example.test = %(r)s\n"
                % {"r": REALM, "p": self.port, "skew": clockskew})
        with open(self.kdc_conf, "w") as f:
            f.write(
                "[kdcdefaults]\n"
                "    kdc_listen = 127.0.0.1:%(p)d\n"
                "    kdc_tcp_listen = 127.0.0.1:%(p)d\n"
                "[realms]\n"
                "    %(r)s = {\n"
                "        database_name = %(d)s/principal\n"
                "        key_stash_file = %(d)s/stash\n"
                "        acl_file = %(d)s/kadm5.acl\n"
                "        max_life = 10h 0m 0s\n"
                "        max_renewable_life = 1d 0h 0m 0s\n"
                "        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal\n"
                "    }\n"
                "[logging]\n"
                "    kdc = FILE:%(d)s/kdc.log\n"
                "    admin_server = FILE:%(d)s/kadmin.log\n"
                "    default = FILE:%(d)s/krb5.log\n"
                % {"r": REALM, "p": self.port, "d": d})
        open(os.path.join(d, "kadm5.acl"), "w").close()
        self.env = dict(os.environ, KRB5_CONFIG=self.krb5_conf, KRB5_KDC_PROFILE=self.kdc_conf,
                        KRB5CCNAME="FILE:" + os.path.join(d, "cc-default"))
        self.env.pop("KRB5_KTNAME", None)
        self._run([_sbin("kdb5_util"), "create", "-s", "-r", REALM, "-P", secrets.token_hex(16)])
        self.passwords = {u: secrets.token_urlsafe(12) for u in ("alice", "bob")}
        for u, pw in self.passwords.items():
            self.kadmin("addprinc -pw %s %s" % (pw, u))
        for s in (SERVICE, OTHER_SERVICE):
            self.kadmin("addprinc -randkey -e %s %s" % (AES, s))
        log = open(os.path.join(d, "krb5kdc.out"), "wb")
        try:
            # -n: in the foreground, so that this process is krb5kdc and stop() kills it.
            self.proc = subprocess.Popen([_sbin("krb5kdc"), "-n", "-r", REALM], env=self.env,
                                         stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()
        self._wait_listening()

    def _wait_listening(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise KDCError("krb5kdc exited with %d: %s" % (self.proc.returncode, self._logs()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise KDCError("krb5kdc did not listen on 127.0.0.1:%d within %.0f s: %s"
                       % (self.port, START_TIMEOUT, self._logs()))

    def _logs(self):
        out = []
        for n in ("krb5kdc.out", "kdc.log"):
            try:
                with open(os.path.join(self.dir, n), errors="replace") as f:
                    out.append(f.read()[-2000:])
            except OSError:
                pass
        return "\n".join(out)

    def _run(self, argv, stdin=None, env=None):
        r = subprocess.run(argv, input=stdin, env=env or self.env, capture_output=True,
                           text=True, timeout=CMD_TIMEOUT)
        if r.returncode != 0:
            raise KDCError("%s: exit %d: %s%s" % (" ".join(argv[:2]), r.returncode, r.stdout,
                                                  r.stderr))
        return r.stdout

    # ---- the API ----

    def kadmin(self, query):
        """kadmin.local -q QUERY; kadmin.local exits 0 even when the query fails,
        so its stderr is read too."""
        r = subprocess.run([_sbin("kadmin.local"), "-r", REALM, "-q", query], env=self.env,
                           capture_output=True, text=True, timeout=CMD_TIMEOUT)
        bad = [l for l in r.stderr.splitlines()
               if l.strip() and not l.startswith("Authenticating as")
               and "No policy specified" not in l]
        if r.returncode != 0 or bad:
            raise KDCError("kadmin.local -q %r: %s%s" % (query, r.stdout, r.stderr))
        return r.stdout

    def kvno(self, principal):
        out = self.kadmin("getprinc " + principal)
        m = re.search(r"Key: vno (\d+)", out)
        if m is None:
            raise KDCError("no key in getprinc %s: %s" % (principal, out))
        return int(m.group(1))

    def keytab(self, path, principal=SERVICE, randkey=False):
        # ktadd refuses -e with -norandkey; the principals were made with AES keys
        # only (addprinc -e), so the current key's entries are AES-256 and AES-128.
        if randkey:
            self.kadmin("ktadd -k %s -e %s %s" % (path, AES, principal))
        else:
            self.kadmin("ktadd -k %s -norandkey %s" % (path, principal))
        return path

    def rekey(self, principal):
        self.kadmin("cpw -randkey -e %s %s" % (AES, principal))
        return self.kvno(principal)

    def ticket(self, user, password, service=SERVICE, lifetime=None):
        self._n += 1
        cc = os.path.join(self.dir, "cc-%s-%d" % (re.sub(r"[^A-Za-z0-9]", "_", user), self._n))
        env = dict(self.env, KRB5CCNAME="FILE:" + cc)
        argv = ["kinit"] + (["-l", str(lifetime)] if lifetime is not None else [])
        self._run(argv + ["%s@%s" % (user, REALM)], stdin=password + "\n", env=env)
        self._run(["kvno", "%s@%s" % (service, REALM)], env=env)
        return cc

    def impacket_tgs(self, ccache, service=SERVICE):
        from impacket.krb5.ccache import CCache
        spn = service if "@" in service else "%s@%s" % (service, REALM)
        cred = CCache.loadFile(ccache).getCredential(spn, anySPN=False)
        if cred is None:
            raise KDCError("no ticket for %s in %s" % (spn, ccache))
        return cred.toTGS()

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait(timeout=10)
            self.proc = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        atexit.unregister(self.stop)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
