"""Settings as CA properties (issue 14): the policy, validity, csr_extensions and
the interface flags are set with `caadm setprop` by an administrator, applied at
once without a restart, journaled with the old and the new value and the
operator; ca.conf's value is imported once and the journal's wins; a ca.conf
edited by hand is noticed at start and journaled; SAN and EKU may be listed in
csr_extensions only with policy = pend. The appliance runs as cad runs it;
impacket is the ICPR client, caadm's audit and ca-ledger show the journal."""
import hashlib
import re

import pytest

import icpr_client as ic
from conftest import BIN, run
from test_admin import CA_NAME, add_operators, caadm, csr, init_root

DISP_ISSUED, DISP_PENDING = 3, 5
E_ACCESSDENIED = 0x80070005


@pytest.fixture
def ca(tmp_path, token):
    return init_root(tmp_path, token)


@pytest.fixture
def appliance(ca):
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    yield a
    a.stop()


def submit(a, tmp, name):
    """(return value, disposition) of an anonymous request over MS-ICPR."""
    dce = ic.connect(ic.lookup(a.epm_port))
    try:
        rv, _, disp, _, _, msg = ic.cert_server_request(dce, CA_NAME, csr(tmp, name))
        return rv, disp, msg
    finally:
        dce.disconnect()


def audit(ca):
    return caadm(ca, "auditor", "audit").stdout


def journal(ca):
    return run(BIN / "ca-ledger", "show", "--data", ca["data"]).stdout


def test_setprop_policy_applies_live_and_is_journaled(ca, appliance):
    add_operators(ca)
    assert submit(appliance, ca["tmp"], "one")[1] == DISP_PENDING
    p = caadm(ca, "admin", "setprop", "policy", "issue")
    assert "policy = issue" in p.stdout + p.stderr
    # subject_rule = account (the default): an anonymous requester has no
    # account, so its subject is refused (CERTSRV_E_BAD_REQUESTSUBJECT).
    assert submit(appliance, ca["tmp"], "two")[1] == 0x80094001
    p = caadm(ca, "admin", "setprop", "subject_rule", "request")
    assert "subject_rule = request" in p.stdout + p.stderr
    # The next request, on the same running CA, is issued: no restart.
    assert submit(appliance, ca["tmp"], "two")[1] == DISP_ISSUED
    assert caadm(ca, "officer", "getprop", "policy").stdout.strip() == "issue"
    caadm(ca, "admin", "setprop", "validity_days", "30")
    caadm(ca, "admin", "setprop", "policy", "pend")
    assert submit(appliance, ca["tmp"], "three")[1] == DISP_PENDING
    log = audit(ca)
    assert re.search(r"setprop.*policy.*old 'pend', new 'issue'", log), log
    assert re.search(r"setprop.*subject_rule.*old 'account', new 'request'", log), log
    assert re.search(r"setprop.*validity_days.*old '365', new '30'", log), log
    assert re.search(r"setprop.*policy.*old 'issue', new 'pend'", log), log
    assert re.search(r"admin.*setprop", log), log
    text = journal(ca)
    assert re.search(r"property-changed admin name=policy", text), text
    # ca.conf's value was imported once, at the first start, from "ca.conf".
    assert re.search(r"property-changed ca\.conf name=policy", text), text
    run(BIN / "caadm", "verify", "--data", ca["data"])


def test_setprop_is_the_administrators(ca, appliance):
    add_operators(ca)
    for who in ("officer", "auditor"):
        p = caadm(ca, who, "setprop", "policy", "issue", check=False)
        assert p.returncode == 3, p
        assert f"operator {who} ({who}) may not setprop" in p.stderr, p.stderr
    assert caadm(ca, "admin", "getprop", "policy").stdout.strip() == "pend"
    assert submit(appliance, ca["tmp"], "one")[1] == DISP_PENDING
    log = audit(ca)
    assert "may not setprop" in log, log


@pytest.mark.parametrize("name,value,message", [
    ("policy", "always", "policy must be 'pend' or 'issue', not 'always'"),
    ("validity_days", "0", "validity_days must be 1..3650"),
    ("validity_days", "+5", "validity_days must be 1..3650"),
    ("csr_extensions", "2.5.29.19", "csr_extensions: 2.5.29.19 is not an OID a request may set"),
    ("icpr_allow_anonymous", "yes", "icpr_allow_anonymous must be 0 or 1, not 'yes'"),
    ("CRLDeltaPeriod", "1s", "CRLDeltaPeriod: 0 (none) or at least 60s"),
    ("CRLOverlap", "8d", "CRLOverlap (8d) must be shorter than CRLPeriod (7d)"),
    ("CDPURL", "C:\\crl", "CDPURL: not a URI (http://, https://, ldap://, ldaps:// or file://"),
])
def test_bad_values_are_refused(ca, appliance, name, value, message):
    before = caadm(ca, "admin", "getprop", name).stdout
    p = caadm(ca, "admin", "setprop", name, value, check=False)
    assert p.returncode == 2 and message in p.stderr, (p.returncode, p.stderr)
    assert caadm(ca, "admin", "getprop", name).stdout == before
    assert f"property-changed admin name={name}" not in journal(ca)


def test_csr_extensions_guard(ca, appliance):
    caadm(ca, "admin", "setprop", "csr_extensions", "2.5.29.17")  # pend: an officer reads
    p = caadm(ca, "admin", "setprop", "policy", "issue", check=False)
    assert p.returncode == 2 and ("csr_extensions lists 2.5.29.17 (subjectAltName), which only "
                                  "policy = pend allows") in p.stderr, p.stderr
    caadm(ca, "admin", "setprop", "csr_extensions", "")
    caadm(ca, "admin", "setprop", "policy", "issue")
    p = caadm(ca, "admin", "setprop", "csr_extensions", "1.2.3.4,2.5.29.37", check=False)
    assert p.returncode == 2 and ("csr_extensions lists 2.5.29.37 (extendedKeyUsage), which "
                                  "only policy = pend allows") in p.stderr, p.stderr
    assert caadm(ca, "admin", "getprop", "csr_extensions").stdout.strip() == ""


def test_interface_flag_applies_live(ca, appliance):
    """icpr_no_rpc: the custodian ends the worker's channel, cad starts a worker
    that asks for the flags again; requests are refused, then served again."""
    assert submit(appliance, ca["tmp"], "one")[1] == DISP_PENDING
    caadm(ca, "admin", "setprop", "icpr_no_rpc", "1")
    appliance.wait_for("serving CA", count=2)
    assert "MS-ICPR OFF" in appliance.text().split("serving CA")[-1].splitlines()[0]
    rv, disp, msg = submit(appliance, ca["tmp"], "two")
    assert E_ACCESSDENIED in (rv, disp), (rv, disp, msg)
    caadm(ca, "admin", "setprop", "icpr_no_rpc", "0")
    appliance.wait_for("serving CA", count=3)
    assert submit(appliance, ca["tmp"], "three")[1] == DISP_PENDING
    assert "icpr_no_rpc changed: the worker's channel is ended" in appliance.text()


def test_hand_edit_of_ca_conf_is_noticed(ca):
    conf = ca["data"] / "ca.conf"
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    a.stop()
    old = hashlib.sha256(conf.read_bytes()).hexdigest()
    # By hand: policy to issue, a key added, one removed.
    conf.write_text(conf.read_text().replace("policy = pend", "policy = issue")
                    .replace("crl_auto = 0\n", "") + "cdp_url = http://pki.example/ca.crl\n")
    new = hashlib.sha256(conf.read_bytes()).hexdigest()
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    try:
        # The journal's policy wins over the edit, and the log says so.
        assert submit(a, ca["tmp"], "one")[1] == DISP_PENDING
        log = a.text()
        assert f"ca.conf edited outside the CA: sha256 {old} -> {new}" in log, log
        assert "ca.conf: policy = issue is not used: the journal's policy = pend is" in log, log
        got = caadm(ca, "admin", "getprop", "ca.conf").stdout
        assert got.startswith(f"sha256={new}\n") and "policy = issue\n" in got, got
    finally:
        a.stop()
    text = journal(ca)
    assert re.search(rf"ca\.conf-changed.*sha256 {old} -> {new}; changed: policy; "
                     r"added: cdp_url; removed: crl_auto", text), text
    # A start without an edit journals nothing more of ca.conf.
    n = text.count("ca.conf-changed")
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    a.stop()
    assert journal(ca).count("ca.conf-changed") == n == 1
