"""Which service names the Kerberos acceptor takes (issue 18's open point on
RPCSS/NAME).

AD maps SPNs such as RPCSS/NAME (what a Windows DCOM client asks a ticket for
when it activates) and HTTP/NAME to the computer account whose key is in
host/NAME's keytab: the KDC issues the ticket under the SPN the client asked
for, encrypted in that account's key. MIT's acceptor (GSS_C_NO_NAME
credentials) takes any ticket a keytab key decrypts, whatever its sname; these
tests pin that down with tickets silver.py makes under each name, so the
appliance needs only host/NAME's keytab, as the README says. A ticket under
the same name in any other key is refused: whoever can make one must hold
a key of the keytab, which is the KDC's word that the ticket is for us.

The appliance is driven as test_kerberos_pac.py drives it (fixtures from
there); oracles: the issued certificate (openssl verify) and the journal."""
import pytest

import icpr_client as ic
import krb_client as kc
import ntlm_client as nc
import silver
from test_kerberos import binding, refused_events
from test_kerberos_pac import ca, logons
from test_ntlm import CA_NAME, csr, journal, openssl_verify

assert ca  # a fixture, imported for pytest
HOST = silver.SERVICE.split("/", 1)[1]


@pytest.mark.parametrize("service", [f"RPCSS/{HOST}", f"HTTP/{HOST}"])
def test_mapped_spn_in_the_hosts_key_enrolls(appliance, ca, kdc, service):
    a = appliance(policy="issue", subject_rule="request")
    dce = kc.connect(binding(a), silver.ticket(ca["keytab"], service=service,
                                               key_of=silver.SERVICE))
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"], "spn"))
    dce.disconnect()
    assert (rv, disp) == (0, ic.DISP_ISSUED), msg
    openssl_verify(ca, cert)
    assert any(f"request={rid} requester=CA.TEST\\alice" in ln for ln in journal(ca))
    assert logons(a), a.text()


def test_mapped_spn_in_another_key_refused(appliance, ca, kdc):
    """The same name as a principal of its own in the realm, with its own key
    (not in the appliance's keytab): the KDC's real ticket is refused and
    journaled, and the appliance goes on serving."""
    import kdc as kdcmod
    spn = f"RPCSS/{HOST}"
    kdc.kadmin("addprinc -randkey -e %s %s" % (kdcmod.AES, spn))
    cc = kdc.ticket("alice", kdc.passwords["alice"], service=spn)
    a = appliance(policy="issue", subject_rule="request")
    with pytest.raises(Exception):
        kc.connect(binding(a), kdc.impacket_tgs(cc, service=spn))
    assert f"Request ticket server {spn}@CA.TEST not found in keytab" in a.text()
    assert refused_events(ca)
    assert logons(a) == []
    kc.connect(binding(a), silver.ticket(ca["keytab"])).disconnect()
