"""The certificate templates (issue 15) as the real processes keep them: ca-ledger
and ca-custodian (under its seccomp filter) started as cad starts them. A new CA's
first start journals the default templates as the CA ("ceremony"), each an added
event whose text the independent Python codec reads back; a second start journals
none; the ledger verifies."""
import ledger_client as lc
from conftest import BIN, run
from test_custodian_enroll import appliance  # noqa: F401

DEFAULTS = {"User", "Machine", "WebServer", "EnrollmentAgent", "SubCA"}


def template_records(data):
    with lc.Ledger(data) as led:
        latest = led.templates()
        head = led.head()[0]
        recs = [lc.decode_record(r) for r in led.get_events(range(1, head + 1)).values()]
    return latest, [r for r in recs if r.type == lc.EV_TEMPLATE_CHANGED]


def test_defaults_journaled_once_at_the_first_start(appliance, root_ca):  # noqa: F811
    a = appliance()
    assert a.stop() == 0
    latest, events = template_records(root_ca["data"])
    assert {r.fields["name"] for r in events} == DEFAULTS
    assert len(events) == len(DEFAULTS)
    for r in events:
        assert (r.actor_kind, r.actor, r.fields["action"]) == \
            (lc.ACTOR_CA, "ceremony", lc.TEMPLATE_ADDED)
        text = r.fields["text"].decode()
        assert text.startswith(f"name = {r.fields['name']}\n"), text
        assert f"\nmajor_version = {r.fields['major']}\n" in text, text
    # the ledger's list: the latest of each, in lower-case name order
    assert [r.fields["name"] for r in latest] == sorted(DEFAULTS, key=str.lower)
    assert [r.raw for r in latest] == [r.raw for r in sorted(events,
                                                             key=lambda r: r.fields["name"].lower())]
    # a second start loads them and journals nothing more
    a = appliance()
    assert a.stop() == 0
    latest2, events2 = template_records(root_ca["data"])
    assert [r.raw for r in events2] == [r.raw for r in events]
    assert [r.raw for r in latest2] == [r.raw for r in latest]
    run(BIN / "caadm", "verify", "--data", root_ca["data"])
