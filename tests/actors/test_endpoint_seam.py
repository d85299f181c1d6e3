"""The seam: an endpoint that is not an SCCP phone takes part in calls.

A line speaks only the line-to-line protocol (actors/calls.py) and tells its endpoints
protocol-neutral steps (actors/events.py). This endpoint is a plain recorder with no
SCCP in it: it subscribes to a line as a phone does (EndpointUp), acts by the same
UserAction and MediaOpened messages, and must be able to call and be called by a real
(virtual) SCCP phone, with media set up both ways and the same CSTA events published.
It is what a SIP trunk leg will be, minus SIP.
"""
import pytest

from actors import calls as c
from actors.events import CallStep, Endpoint, EndpointDown, EndpointUp, FeatureEvent
from cme.testing import Exchange
from sccp.enums import CallState

CONFIG = """
hostname lab
telephony-service
 ip source-address 127.0.0.1 port 2000
ephone-dn 1
 number 201
ephone-dn 2
 number 202
 name Bob
ephone 2
 mac-address 0000.0000.0002
 button 1:2
"""
B = "SEP000000000002"
DEVICE = "TRUNK-1"  # any device name: the line does not care what it is


class RecordingEndpoint:
    """Shows line 1 (201); records what the line tells it and acts on it by message."""

    def __init__(self, ex: Exchange, *, media=("192.0.2.7", 30000)) -> None:
        self.ex, self.media = ex, media
        self.steps: list[CallStep] = []
        self.features: list[FeatureEvent] = []
        self.other: list = []
        ex.telephony.switch.tell_line(1, EndpointUp(Endpoint(DEVICE, self, 1, can_prompt=False)))
        ex.settle()

    def __call__(self, message) -> None:
        if isinstance(message, CallStep):
            self.steps.append(message)
            if message.step in ("answered", "connected"):  # our media is ready at once
                self.tell(c.MediaOpened(DEVICE, message.call_id, *self.media))
        elif isinstance(message, FeatureEvent):
            self.features.append(message)
        else:
            self.other.append(message)

    def tell(self, message) -> None:
        self.ex.telephony.switch.tell_line(1, message)

    def do(self, action: str, call_id: int = 0, digits: str = "") -> None:
        self.tell(c.UserAction(DEVICE, action, call_id, digits=digits))
        self.ex.settle()

    def names(self) -> list[str]:
        return [s.step for s in self.steps]

    def last_call(self) -> int:
        return self.steps[-1].call_id


@pytest.fixture
def ex():
    ex = Exchange(CONFIG)
    yield ex
    ex.close()


def test_a_phone_calls_the_endpoint_which_answers_and_media_flows_both_ways(ex):
    t, b = RecordingEndpoint(ex), ex.phone(B)
    events = ex.watch("201", "202")
    b.do("off_hook").do("dial", "201")
    assert t.names() == ["ringing"]
    ring = t.steps[0]
    assert (ring.calling, ring.called, ring.outbound, ring.device) == ("202", "201", False, DEVICE)
    t.do("answer", ring.call_id)
    assert t.names() == ["ringing", "answered", "media"]
    assert t.steps[-1].media == (b.ip, b.rtp_port)  # where the phone receives RTP
    (call,) = [x for x in b.calls().values() if x.state == CallState.CONNECTED]
    assert [ch.remote_port for ch in b.transmissions.values()] == [30000]  # the phone sends to us
    t.do("onhook", ring.call_id)
    assert t.names()[-1] == "cleared" and t.steps[-1].state == "null"
    assert not [x for x in b.calls().values() if x.state not in (CallState.ON_HOOK, CallState.IDLE)]
    kinds = [(e.device, e.kind) for e in events]
    assert kinds[:4] == [("202", "service_initiated"), ("202", "originated"), ("201", "delivered"),
                         ("202", "delivered")]
    assert ("201", "established") in kinds and ("202", "connection_cleared") in kinds


def test_the_endpoint_calls_a_phone_and_hears_it_ring_answer_and_hang_up(ex):
    t, b = RecordingEndpoint(ex), ex.phone(B)
    t.do("offhook")
    call_id = t.last_call()
    t.do("digits", call_id, "202")
    assert t.names() == ["dialtone", "digits", "proceeding", "ringback"]
    assert t.steps[2].called == "202" and t.steps[2].called_name == "Bob"
    assert b.ringing()
    b.do("answer")
    assert t.names()[4:6] == ["connected", "media"] and t.steps[5].media == (b.ip, b.rtp_port)
    b.do("on_hook")
    assert t.names()[-1] == "cleared"
    assert ex.line_connections() == {1: [], 2: []}


def test_a_busy_number_fails_with_busy_and_an_unknown_one_with_reorder(ex):
    t, b = RecordingEndpoint(ex), ex.phone(B)
    b.do("off_hook")  # 202 has one instance, now in use
    t.do("offhook")
    t.do("digits", t.last_call(), "202")
    assert t.steps[-1].step == "failed" and t.steps[-1].busy
    t.do("onhook", t.last_call())
    t.do("offhook")
    t.do("digits", t.last_call(), "999#")
    assert t.steps[-1].step == "failed" and not t.steps[-1].busy


def test_features_reach_the_endpoint_and_it_leaves_cleanly(ex):
    t, b = RecordingEndpoint(ex), ex.phone(B)
    t.tell(c.SetDnd(True))
    ex.settle()
    assert [(f.kind, f.on, f.line) for f in t.features] == [("do_not_disturb", True, 1)]
    t.tell(c.SetDnd(False))
    b.do("off_hook").do("dial", "201")
    assert t.names() == ["ringing"]
    seen = len(t.steps)
    t.tell(EndpointDown(DEVICE, "trunk down"))  # the only endpoint goes: the caller hears it
    ex.settle()
    assert ex.line_connections() == {1: [], 2: []}
    assert len(t.steps) == seen  # nothing more is told to an endpoint that left
    assert not [x for x in b.calls().values() if x.state not in (CallState.ON_HOOK, CallState.IDLE)]
