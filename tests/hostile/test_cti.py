"""The probe's CTI attacks: one session driving other lines, one session piling up monitors."""
from __future__ import annotations

import pytest_twisted

from tests.hostile.conftest import ED3, a_call, healthy

DEVICE = "<deviceObject>{}</deviceObject>"


def _csta(xml: str) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>' + xml.encode()


@pytest_twisted.inlineCallbacks
def test_the_server_is_healthy_before_any_attack(live):
    yield healthy(live)


@pytest_twisted.inlineCallbacks
def test_a_session_opened_on_201_cannot_drive_202(live):
    """Shown: a session opened on 201 made 202 go off-hook and call out, and set 202's DND
    and forwarding."""
    from twisted.internet import reactor

    from sip.client import connect

    client = yield connect(reactor, "127.0.0.1", live.sip)
    yield client.open("201")
    attacks = {
        "MakeCall": f'<MakeCall xmlns="{ED3}"><callingDevice>202</callingDevice>'
                    '<calledDirectoryNumber>203</calledDirectoryNumber></MakeCall>',
        "SetDoNotDisturb": f'<SetDoNotDisturb xmlns="{ED3}"><device>202</device>'
                           '<doNotDisturbOn>true</doNotDisturbOn></SetDoNotDisturb>',
        "SetForwarding": f'<SetForwarding xmlns="{ED3}"><device>202</device><forwardingType>forwardImmediate'
                         '</forwardingType><forwardDN>203</forwardDN><activateForward>true</activateForward>'
                         '</SetForwarding>',
        "MonitorStart": f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>202</deviceObject>'
                        '</monitorObject></MonitorStart>',
        "SnapshotDevice": f'<SnapshotDevice xmlns="{ED3}"><snapshotObject>202</snapshotObject></SnapshotDevice>',
    }
    for name, xml in attacks.items():
        answer = yield client.request(_csta(xml))
        assert b"privilegeViolationSpecifiedDevice" in answer, (name, answer)
    yield client.close()
    # 202 is as it was: a session on 202 itself reads its features
    own = yield connect(reactor, "127.0.0.1", live.sip)
    yield own.open("202")
    dnd = yield own.request(_csta(f'<GetDoNotDisturb xmlns="{ED3}"><device>202</device></GetDoNotDisturb>'))
    assert b"<doNotDisturbOn>false</doNotDisturbOn>" in dnd
    forwarding = yield own.request(_csta(f'<GetForwarding xmlns="{ED3}"><device>202</device></GetForwarding>'))
    assert b"<forwardStatus>true</forwardStatus>" not in forwarding
    yield own.close()
    yield healthy(live)


@pytest_twisted.inlineCallbacks
def test_a_thousand_monitor_starts_are_one_monitor(live):
    """Shown: 1,000 MonitorStarts in one session turned one call into 6,000 INFOs."""
    from twisted.internet import reactor, task

    from sip.client import connect

    events = []
    client = yield connect(reactor, "127.0.0.1", live.sip, on_event=events.append)
    yield client.open("201")
    start = _csta(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>201</deviceObject>'
                  '</monitorObject></MonitorStart>')
    ids = set()
    for _ in range(1000):
        answer = yield client.request(start)
        assert b"monitorCrossRefID" in answer, answer
        ids.add(answer.split(b"<monitorCrossRefID>")[1].split(b"<")[0])
    assert len(ids) == 1, f"{len(ids)} monitors on one device in one session"
    yield a_call(live)
    for _ in range(50):  # the last events cross two processes
        yield task.deferLater(reactor, 0.02, lambda: None)
    # one monitor sees a handful of events for a call (originated, delivered, established,
    # cleared ...), not a thousand times that
    assert 3 <= len(events) <= 20, len(events)
    yield client.close()
    yield healthy(live)
