"""What the soak campaigns share: a CA with an NTLM enrollee, run by cad on
kernel-chosen loopback ports as the integration tests run it, and the checks of
the ledger against what clients received."""
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TOP / "tests" / "integration"))

CA_NAME = "Soak CA"
DAEMONS = ("ca-worker", "ca-auth", "ca-custodian", "ca-ledger")


def modules(build):
    """The integration tests' modules, with BIN following build."""
    os.environ["CA_BUILD"] = str(Path(build).resolve())
    import conftest  # noqa: E402
    import icpr_client  # noqa: E402
    import ntlm_client  # noqa: E402
    return conftest, icpr_client, ntlm_client


def make_ca(build, extra_conf="", accounts=()):
    """A fresh CA (P-256, policy issue) with the enrollee of ntlm_client and the
    (DOMAIN\\user, password) accounts given; returns (tmp, data, token, csr DER)."""
    conftest, _, nc = modules(build)
    tmp = Path(tempfile.mkdtemp(prefix="ca-soak-"))
    tmp.chmod(0o755)
    token = conftest.Token(tmp / "token", "soak")
    data = tmp / "ca"
    conftest.caadm("init", "--root", "--data", data, "--key", "ec:p256", "--subject",
                   f"CN={CA_NAME}", *token.opts())
    conf = data / "ca.conf"
    conf.write_text(conf.read_text() + "policy = issue\nsubject_rule = request\n" + extra_conf)
    for name, password in ((f"{nc.DOMAIN}\\{nc.USER}", nc.PASSWORD), *accounts):
        subprocess.run([str(conftest.BIN / "caadm"), "account", "add", "--data", str(data),
                        "--password-fd", "0", name], input=password + "\n", text=True,
                       check=True, capture_output=True)
    key = tmp / "k.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-out", str(key)], check=True)
    csr = subprocess.run(["openssl", "req", "-new", "-key", str(key), "-subj", "/CN=soak",
                          "-outform", "DER"], check=True, capture_output=True).stdout
    return tmp, data, token, csr


def check_ledger(build, data, received):
    """The guarantees on the ledger after a campaign: every (request id, serial
    hex) received is there as issued, no serial or request id used twice, and
    `caadm verify` passes. Prints one figure per line; returns True when all hold."""
    conftest, _, _ = modules(build)
    verify = subprocess.run([str(conftest.BIN / "caadm"), "verify", "--data", str(data)],
                            capture_output=True, text=True)
    show = subprocess.run([str(conftest.BIN / "ca-ledger"), "show", "--data", str(data)],
                          capture_output=True, text=True, check=True).stdout
    issued, ids = {}, []
    for ln in show.splitlines():
        m = re.search(r"cert-issued \S+ request=(\d+) serial=([0-9a-f]+)", ln)
        if m:
            issued.setdefault(m.group(2).lstrip("0"), []).append(int(m.group(1)))
        m = re.search(r"request-received \S+ request=(\d+)", ln)
        if m:
            ids.append(int(m.group(1)))
    missing = [(r, s) for r, s in received if issued.get(s.lstrip("0")) != [r]]
    reused = [s for s, rs in issued.items() if len(rs) > 1]
    print(f"received but not in ledger {len(missing)}")
    print(f"serials issued twice       {len(reused)}")
    print(f"request ids reused         {len(ids) - len(set(ids))}")
    print(f"caadm verify               {'ok' if verify.returncode == 0 else 'FAILED'}: "
          f"{(verify.stdout + verify.stderr).strip().splitlines()[-1:]}")
    return not (missing or reused or len(ids) != len(set(ids)) or verify.returncode != 0)


def finish(build, tmp, data, received, cad_status, failed=False):
    """The end of a campaign: the ledger checks, then the files removed when
    everything held (kept, and said, otherwise). Returns the exit status."""
    if not check_ledger(build, data, received) or failed or cad_status != 0:
        print(f"FAIL (cad exit {cad_status}); data kept in {tmp}", file=sys.stderr)
        return 1
    clean(tmp, data)
    return 0


def clean(tmp, data):
    """Removes a passed campaign's files, the ledger's shared memory included (a
    killed ledger leaves its regions for the next start)."""
    rid = data / "ledger" / "region-id"
    if rid.exists() and re.fullmatch(r"[0-9a-f]+", rid.read_text().strip()):
        subprocess.run(["rm", "-rf", f"/dev/shm/ca-ledger-{rid.read_text().strip()}"])
    subprocess.run(["rm", "-rf", str(tmp)])
