"""First boot with FIRST_BOOT=wait (kernel argument ca.first_boot=wait): the
appliance formats its data disk, then waits on the console for the operator's
ceremony instead of running the demo's; nothing answers MS-ICPR until the CA
exists. The operator (this test, over the scripting channel, with the console's
own tools) provisions the token, runs `caadm init` and adds an enrollee account;
cad then starts by itself, the CA certificate reaches the export disk, and the
CA answers an NTLM client with the operator's policy (pend, the default)."""
import re
import subprocess
import time

import pytest

from conftest import BIN, CA_NAME, DEMO_DOMAIN, DEMO_PASSWORD, DEMO_USER, new_data_disk, run


def wait_console(g, needle, timeout):
    deadline = time.monotonic() + timeout
    while needle not in g.console_text():
        assert g.alive(), "QEMU ended:\n" + g.console_text()
        assert time.monotonic() < deadline, f"no {needle!r}:\n" + g.console_text()
        time.sleep(0.5)


@pytest.mark.time_limit(400)
def test_first_boot_waits_for_the_operators_ceremony(tmp_path, guests):
    data = new_data_disk(tmp_path / "data.img")
    g = guests(tmp_path, data, "wait", kernel_args="ca.first_boot=wait")
    wait_console(g, "no CA yet", 120)
    # Waiting: no CA, no cad, nothing listening behind the forwarded ports.
    assert g.sh("test -e /data/ca/ca.conf")[0] != 0
    rc, _ = g.sh("pidof cad")
    assert rc != 0
    p = subprocess.run([str(BIN / "careq"), "retrieve", "-config", g.config, *g.auth,
                        "4294967295", "/dev/null"], capture_output=True, timeout=60)
    assert p.returncode not in (0, 2, 3), "something answered MS-ICPR before the ceremony"

    # The operator's ceremony on the console (a P-256 root: quick under TCG).
    g.check("/usr/lib/ca/provision-softhsm.sh /data/token operator-token /usr/bin", timeout=120)
    g.check(f"caadm init --root --data /data/ca --token operator-token --key ec:p256 "
            f"--subject 'CN={CA_NAME},O=Operator' --softhsm-conf /data/token/softhsm2.conf "
            f"--pin-file /data/token/user.pin", timeout=240)
    g.check(f"(umask 077 && echo '{DEMO_PASSWORD}' > /tmp/pw) && caadm account add "
            f"--data /data/ca --password-fd 3 '{DEMO_DOMAIN}\\{DEMO_USER}' 3< /tmp/pw && "
            f"rm /tmp/pw")

    # cad starts by itself once the ceremony is complete.
    g.wait_ready(timeout=120)
    console = g.console_text()
    assert "first boot: root CA ceremony" not in console  # not the demo's
    assert "starting cad" in console
    ca_pem = tmp_path / "ca.crt"
    ca_pem.write_bytes(g.ca_cert())
    assert "O = Operator" in run("openssl", "x509", "-in", ca_pem, "-noout", "-subject").stdout

    # The operator's policy: pend (the default), for an NTLM-authenticated enrollee.
    run(BIN / "careq", "new", "-subject", "CN=wait.example", tmp_path / "w.key",
        tmp_path / "w.req")
    p = run(BIN / "careq", "submit", "-config", g.config, *g.auth, tmp_path / "w.req",
            tmp_path / "w.crt", check=False)
    assert p.returncode == 3 and re.search(r"pending: request id \d+", p.stdout + p.stderr), \
        p.stdout + p.stderr
    assert "ledger verified" in g.check("caadm verify")
    assert g.poweroff() == 0
