"""Calls that leave the switch: a trunk line whose endpoint is a network (no SIP here).

The switch routes a number that no DN has to its Trunks collaborator, which starts a
trunk line (actors/trunk_line.py) for each call. Its endpoint subscribes with
`network=True`, so the line answers the Offer with Reached (CSTA NetworkReached), the
caller's phone opens its receive channel at once (its address goes into the network's
offer), and ringing, early media, answer and refusal are the network's to say
(FarAlerting, MediaOpened, UserAction answer, FarRefused). The endpoint here records what
it is told, as a SIP leg would, and acts by message.
"""
import pytest

from actors import calls as c
from actors.events import CallStep, Endpoint, EndpointDown, EndpointUp
from actors.switch import TrunkRoute
from actors.trunk_line import OutsideParty, start_trunk_line
from cme.testing import Exchange
from sccp.enums import CallState, Codec, Tone

CONFIG = """
hostname lab
telephony-service
 ip source-address 127.0.0.1 port 2000
ephone-dn 1
 number 201
ephone 1
 mac-address 0000.0000.0001
 button 1:1
"""
A = "SEP000000000001"
FAR = ("198.51.100.9", 40000)


class Network:
    """The Trunks collaborator: numbers starting with 9 leave; each call gets a line."""

    def __init__(self, ex: Exchange) -> None:
        self.ex, self.legs = ex, []
        self._tags = iter(range(-1, -100, -1))

    def route(self, digits):
        if digits.startswith("9"):
            return (TrunkRoute(digits, (100,)) if len(digits) > 1 else None), True
        return None, False

    def seize(self, route):
        tag = next(self._tags)
        start_trunk_line(self.ex.telephony.switch, OutsideParty(tag, route.number, dial_peer=100))
        self.legs.append(Leg(self.ex, tag))
        return tag


class Leg:
    def __init__(self, ex: Exchange, tag: int) -> None:
        self.ex, self.tag, self.steps = ex, tag, []
        self.device = f"NET{-tag}"
        ex.telephony.switch.tell_line(tag, EndpointUp(Endpoint(self.device, self, network=True, can_prompt=False)))

    def __call__(self, message) -> None:
        if isinstance(message, CallStep):
            self.steps.append(message)

    def names(self):
        return [s.step for s in self.steps]

    @property
    def call_id(self):
        return self.steps[0].call_id

    def tell(self, message) -> None:
        self.ex.telephony.switch.tell_line(self.tag, message)
        self.ex.settle()


@pytest.fixture
def ex():
    ex = Exchange(CONFIG)
    yield ex
    ex.close()


def call_out(ex, number="95551234"):
    net = Network(ex)
    ex.telephony.switch.trunks = net
    a = ex.phone(A)
    events = ex.watch("201")
    a.do("off_hook").do("dial", number)
    ex.advance(ex.config.telephony.interdigit_timeout)  # 9T: the number ends on the timeout
    return net, a, events


def test_a_call_to_a_trunk_reaches_the_network_and_offers_the_phones_media(ex):
    net, a, events = call_out(ex)
    (leg,) = net.legs
    assert [e.kind for e in events] == ["service_initiated", "originated", "network_reached"]
    reached = events[-1]
    assert reached.network == "95551234" and reached.called == "95551234"
    assert Tone.ALERTING not in a.tones.values()  # no ringback until the network says so
    # the phone opened its receive channel before the network's INVITE; the leg learns where
    assert leg.names() == ["ringing", "media"]
    assert leg.steps[0].called == "95551234" and leg.steps[0].calling == "201"
    assert leg.steps[1].media == (a.ip, a.rtp_port)


def test_alerting_then_answer_connects_with_media_both_ways(ex):
    net, a, events = call_out(ex)
    (leg,) = net.legs
    leg.tell(c.FarAlerting(leg.device, leg.call_id))
    assert [e.kind for e in events][-1] == "delivered"
    leg.tell(c.MediaOpened(leg.device, leg.call_id, *FAR, "g711alaw"))
    leg.tell(c.UserAction(leg.device, "answer", leg.call_id))
    assert [e.kind for e in events][-1] == "established"
    (ch,) = a.transmissions.values()
    assert (str(ch.remote_ip), ch.remote_port) == FAR
    assert ch.codec == Codec.G711_ALAW
    a.do("on_hook")
    assert leg.names()[-1] == "cleared"
    assert ex.line_connections() == {1: []}


def test_early_media_reaches_the_phone_before_the_answer_and_goes_on(ex):
    net, a, events = call_out(ex)
    (leg,) = net.legs
    leg.tell(c.MediaOpened(leg.device, leg.call_id, *FAR))
    leg.tell(c.FarAlerting(leg.device, leg.call_id))
    (ch,) = a.transmissions.values()  # the phone hears the far end's announcement
    assert (str(ch.remote_ip), ch.remote_port) == FAR
    assert Tone.ALERTING not in a.tones.values()  # instead of its own ringback
    sent = len(a.received)
    leg.tell(c.UserAction(leg.device, "answer", leg.call_id))
    later = [type(x).__name__ for x in a.received[sent:]]
    assert "StartMediaTransmissionMessage" not in later  # the early stream simply goes on
    assert "OpenReceiveChannelMessage" not in later


@pytest.mark.parametrize("cause,busy", [("busy", True), ("destNotObtainable", False),
                                        ("networkOutOfOrder", False)])
def test_a_refusal_from_the_network_is_busy_or_reorder_and_leaks_nothing(ex, cause, busy):
    net, a, events = call_out(ex)
    (leg,) = net.legs
    leg.tell(c.FarRefused(leg.device, leg.call_id, cause))
    assert events[-1].kind == "failed" and events[-1].cause == cause
    (call,) = a.calls().values()
    assert call.state == (CallState.BUSY if busy else CallState.INVALID_NUMBER)
    a.do("on_hook")
    ex.settle()
    assert ex.line_connections() == {1: []}
    assert ex.telephony.switch.directory.get(leg.tag) is not None  # the line waits for its leg to end it


def test_the_caller_hanging_up_first_tells_the_network_and_the_leg_can_leave(ex):
    net, a, events = call_out(ex)
    (leg,) = net.legs
    leg.tell(c.FarAlerting(leg.device, leg.call_id))
    a.do("on_hook")
    ex.settle()
    assert leg.names()[-1] == "ring_stopped"  # a SIP leg sends CANCEL here
    leg.tell(EndpointDown(leg.device))
    assert ex.line_connections() == {1: []}


def test_a_call_from_the_network_rings_the_dn_and_the_answer_gives_the_network_the_media(ex):
    a = ex.phone(A)
    events = ex.watch("201")
    tag = -50
    start_trunk_line(ex.telephony.switch, OutsideParty(tag, "5551234", name="Outside"))
    leg = Leg(ex, tag)
    leg.tell(c.UserAction(leg.device, "offhook"))
    call_id = leg.steps[0].call_id
    leg.tell(c.MediaOpened(leg.device, call_id, *FAR))
    leg.tell(c.UserAction(leg.device, "digits", call_id, digits="201#"))
    assert a.ringing()
    assert leg.names()[-1] == "ringback"
    assert events[0].kind == "delivered" and events[0].calling == "5551234"
    a.do("answer")
    ex.settle()
    assert "connected" in leg.names() and leg.steps[-1].step == "media"
    assert leg.steps[-1].media == (a.ip, a.rtp_port)
    (ch,) = a.transmissions.values()
    assert (str(ch.remote_ip), ch.remote_port) == FAR
    leg.tell(c.UserAction(leg.device, "onhook", call_id))
    assert ex.line_connections() == {1: []}
