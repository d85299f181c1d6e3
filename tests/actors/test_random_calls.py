"""Nothing lost, nothing leaked: random user actions over a handful of virtual phones.

A hypothesis state machine drives four in-memory virtual phones (cme.testing.Exchange:
the real line and phone actors and SCCP protocol, a fake clock) through random sequences
of what a user can do — off-hook, dial (known numbers, prefixes, unknown numbers, '#'),
enbloc, redial, answer, hold, resume, end call, the clock moving past the inter-digit
timeout, a TCP connection lost, keepalives stopping, a phone registering again — mixed
with what a CTI application asks of the lines meanwhile (every call-control service of
Table 1, on live or stale connections, racing with the users) — and
checks after every step that the server's views agree, and at the end, once every phone
has hung up, that every line is idle, no connection is left anywhere, and every phone
shows on-hook with no ringer, tone or media.

The plan: ephone-dn 1 (201) is dual-line; 205 is shared by ephones 3 and 4; 206 is a
`cti notify` line with no phone (a call to it rings until the caller gives up).

Regression tests for what the machine found are at the end of the file.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from twisted.logger import LogLevel, formatEvent, globalLogPublisher

import conf
from actors import calls as c
from actors.events import CallEvent
from actors.line_cti import CTICall
from actors.line_prompt import PROMPT_RING_SECONDS
from fsm.connection import CSTA_STATE
from cme.testing import Exchange
from sccp.enums import CallState, LampMode, RingMode, SoftKeyEvent, SpeakerMode, Stimulus
from sccp.station import Registration

CONFIG = """
hostname lab
voice service voip
 gcid
telephony-service
 ip source-address 127.0.0.1 port 2000
 timeouts interdigit 5
 transfer-system full-consult
ephone-dn 1 dual-line
 number 201
 name Alice
ephone-dn 2
 number 202
 name Bob
ephone-dn 3
 number 2030
 name Carol
ephone-dn 4
 number 205
 name Shared
ephone-dn 5
 number 206
 cti notify
ephone 1
 mac-address 0000.0000.0001
 button 1:1
ephone 2
 mac-address 0000.0000.0002
 button 1:2
ephone 3
 mac-address 0000.0000.0003
 button 1:3 2:4
ephone 4
 mac-address 0000.0000.0004
 button 1:4
"""
A, B, C, D = DEVICES = ("SEP000000000001", "SEP000000000002", "SEP000000000003", "SEP000000000004")
INTERDIGIT = 5
KEEPALIVE = 30  # the default; a phone silent for 2 x 30 s is unregistered
ENDED = (CallState.ON_HOOK, CallState.IDLE)
# Known numbers, a prefix of 2030 (waits for the timeout), unknown numbers, '#' endings.
NUMBERS = ["201", "202", "2030", "205", "206", "203", "20", "2", "9", "2099", "203#", "#", "202#"]
INSTANCES = {1: 2, 2: 1, 3: 1, 4: 1, 5: 1}  # dn tag -> call instances (dual-line: 2)
SHARED_TAG, SHARING = 4, (C, D)  # 205, on ephone 3 (button 2) and ephone 4 (button 1)

# Bugs this machine found have regression tests at the end of the file.


def test_the_configuration_loads_cleanly():
    result = conf.parse_text(CONFIG, filename="random.cfg")
    assert not result.errors and not result.warnings and not result.findings
    assert result.config.ephone_dns[1].dual_line and result.config.ephone_dns[5].cti_notify


# -- helpers shared by the machine and the regression tests ---------------------------------

class ErrorLog:
    """Twisted log events at error/critical level or carrying a failure."""

    def __init__(self) -> None:
        self.events: list = []
        globalLogPublisher.addObserver(self)

    def __call__(self, event) -> None:
        level = event.get("log_level")
        if "log_failure" in event or level in (LogLevel.error, LogLevel.critical):
            self.events.append(event)

    def close(self) -> None:
        globalLogPublisher.removeObserver(self)

    def describe(self) -> list[str]:
        out = []
        for event in self.events:
            text = formatEvent(event)
            if "log_failure" in event:
                text += "\n" + event["log_failure"].getTraceback()
            out.append(text)
        return out


def actor(ref):
    return ref._actor_weakref()


def live_calls(phone) -> dict:
    """The calls a virtual phone shows, ended ones left out."""
    return {k: call for k, call in phone.calls().items() if call.state not in ENDED}


def connected(phone) -> bool:
    return phone.transport.connected


def notice_lost_connections(ex: Exchange) -> None:
    """A real phone notices its TCP connection closed by the server (keepalive timeout,
    registration replaced) and shows no call any more."""
    for phone in ex.phones.values():
        if not phone.transport.connected and phone.station.registration not in (
                Registration.DISCONNECTED, Registration.REJECTED):
            phone.station.disconnected()


def keepalives(ex: Exchange, *, but: str | None = None) -> None:
    for device, phone in ex.phones.items():
        if device != but and connected(phone):
            phone.do("keepalive")


def advance(ex: Exchange, seconds: float, *, keepalive: bool = True, but: str | None = None) -> None:
    """Move the clock in steps short enough for keepalives to keep phones registered."""
    while seconds > 0:
        step = min(seconds, KEEPALIVE / 2)
        if keepalive:
            keepalives(ex, but=but)
        ex.advance(step)
        notice_lost_connections(ex)
        seconds -= step


def hang_up_everything(ex: Exchange) -> None:
    """Every user hangs up: the active call on-hook, held calls resumed and hung up.
    Ringing calls are the callers' to clear; timers run out on the way. A phone that lost
    its connection registers again first, as a real one does (a station left
    disconnected keeps its last lamps and ringer: nothing the server could change)."""
    for device, phone in list(ex.phones.items()):
        if not connected(phone):
            assert ex.phone(device).registered, device
    advance(ex, INTERDIGIT + 1)
    if any(conn.state == "prompting" for ref in ex.telephony.lines.values() for conn in actor(ref).connections.values()):
        advance(ex, PROMPT_RING_SECONDS)  # a prompted MakeCall nobody answers gives up
    for device, phone in list(ex.phones.items()):
        if connected(phone) and actor(ex.telephony.directory.get(device))._forwarding is not None:
            phone.do("on_hook")  # a forward or transfer number half typed: given up
    for _ in range(12):
        busy = False
        for phone in list(ex.phones.values()):
            if not connected(phone):
                continue
            if phone.active_call() is not None:
                phone.do("on_hook")
                busy = True
            elif any(c.state == CallState.HOLD for c in phone.calls().values()):
                phone.do("resume")
                phone.do("on_hook")
                busy = True
        advance(ex, 1)
        if not busy:
            break
    advance(ex, INTERDIGIT + 1)


def check_consistent(ex: Exchange) -> None:
    """What must hold whenever the exchange has settled (see the machine's invariants)."""
    lines = {tag: actor(ref) for tag, ref in ex.telephony.lines.items()}
    phones = {d: actor(ex.telephony.directory.get(d)) for d in DEVICES}
    board = ex.telephony.board
    for tag, line in lines.items():
        conns = line.connections
        # 1. A line never holds more calls than it has call instances, each on its own.
        instances = [conn.instance for conn in conns.values()]
        assert len(conns) <= INSTANCES[tag], (tag, conns)
        assert len(set(instances)) == len(instances) and all(1 <= i <= INSTANCES[tag] for i in instances)
        # 2. The status record the CLI reads is the line's own state.
        status = board.lines[tag]
        assert set(status.calls) == set(conns), (tag, status.calls, conns)
        assert {cid for cid, t in board.call_lines.items() if t == tag} == set(conns), (tag, board.call_lines)
        assert all(status.calls[cid].state == conn.state for cid, conn in conns.items())
        # 3. The phones a line shows itself on are the registered phones with its button.
        expected = {d for d, p in phones.items() if p.state == "registered" and any(b.dn_tag == tag for b in p.lines)}
        assert set(line.phones) == expected, (tag, line.phones, expected)
        for cid, conn in conns.items():
            assert conn.state != "null", (tag, cid)
            peer = conn.peer
            # 4. Two halves of a call: once settled, every connection's peer exists and
            # points back, in a matching state. Between lines only messages travel, and
            # Offer/Alerting/Answered/Released each get a reply or a release, so nothing
            # is half-torn-down once the mailboxes are empty.
            if conn.state in ("prompting", "initiated", "dialing", "fail"):
                assert peer is None, (tag, cid, conn.state, peer)
                continue
            if peer is None:
                # Only the far end of a blind transfer waits without a peer, until the
                # transfer target's line answers the offer.
                assert conn.transferred, (tag, cid, conn.state)
                continue
            far = lines[peer.tag].connections.get(peer.call_id)
            assert far is not None, f"{tag}/{cid} ({conn.state}) names a peer {peer} that is gone"
            assert far.peer is not None and (far.peer.tag, far.peer.call_id) == (tag, cid)
            assert far.gcid == conn.gcid, (tag, cid, conn.gcid, far.gcid)
            pair = {conn.state, far.state}
            # A transferred call may still ring at its new far end while this side talks
            # (or holds): the transfer completed during ringback.
            ringing_transfer = "alerting" in pair and (conn.transferred or far.transferred)
            assert ringing_transfer or pair in ({"originated", "alerting"}, {"connected"}, {"connected", "hold"},
                                                {"hold"}), (tag, cid, conn.state, far.state)
    # 4b. What the CLI shows agrees: a call's peer named in a line's status is a call
    # some line's status shows.
    shown_calls = {cid for status in board.lines.values() for cid in status.calls}
    for tag, status in board.lines.items():
        for cid, view in status.calls.items():
            assert view.peer_call_id is None or view.peer_call_id in shown_calls, (tag, view)
    for device, phone in phones.items():
        # 5. The phone actor's calls are the lines' calls on that phone, in the same state,
        # and so is its status record.
        # 5b. The digits a phone remembers for a call (what Redial dials) are the ones
        # the user dialed on that call: the number the line routed, perhaps followed by
        # digits typed before the phone heard it was routed; none for a call offered (a
        # call CTI dialled is not checked: the user dialled nothing).
        for cid, (tag, _) in phone.calls.items():
            conn = lines[tag].connections.get(cid)
            if conn is not None and not conn.outbound:
                assert cid not in phone.dialed, (device, cid, phone.dialed[cid])
            elif conn is not None and conn.called and conn.cause not in ("makeCall", "consultation"):
                assert phone.dialed.get(cid, "").startswith(conn.called), (
                    device, cid, phone.dialed.get(cid), conn.called)
        assert board.phones[device].calls == {cid: state for cid, (_, state) in phone.calls.items()}
        for cid, (tag, state) in phone.calls.items():
            conn = lines[tag].connections.get(cid)
            assert conn is not None, f"{device} keeps call {cid} on dn {tag} that the line no longer has"
            assert conn.state == state or (conn.state, state) == ("prompting", "alerting"), (device, cid, conn.state, state)
            assert conn.device == device or (conn.state in ("alerting", "prompting") and device in lines[tag].phones), (
                f"{device} shows call {cid} ({state}) that is on {conn.device}")
        if phone.state == "registered":
            for tag, line in lines.items():
                for cid, conn in line.connections.items():
                    if conn.device == device:
                        assert cid in phone.calls, (device, tag, cid, conn.state)
        # 6. The virtual phone shows exactly the calls its actor has (by call reference).
        vp = ex.phones.get(device)
        if vp is not None and connected(vp) and vp.station.registered and phone.link is not None:
            shown = {ref for (_, ref) in live_calls(vp)}
            assert shown == set(phone.calls), f"{device} shows calls {shown}, its actor has {phone.calls}"
            check_media(ex, vp, lines)


def check_media(ex: Exchange, vp, lines) -> None:
    """7. Media, tones, ringer on a phone follow its calls: channels and transmissions only
    for calls it shows connected, tones only for calls it shows; a connected call whose far
    side is connected too (not held) transmits to the far phone's RTP port."""
    states = {ref: call.state for (_, ref), call in live_calls(vp).items()}
    for (ref, _), channel in list(vp.receive_channels.items()) + list(vp.transmissions.items()):
        assert states.get(ref) == CallState.CONNECTED, (vp.device_name, ref, states.get(ref), channel)
    collecting = actor(ex.telephony.directory.get(vp.device_name))._forwarding is not None
    for key in vp.tones:
        if key[1] == 0 and collecting:
            continue  # the dial tone of a forward/transfer number being typed: no call
        assert key in live_calls(vp), (vp.device_name, key, vp.tones[key])
    if vp.ringer != RingMode.OFF:
        assert CallState.RING_IN in states.values(), (vp.device_name, vp.ringer, states)
    for tag, line in lines.items():
        for cid, conn in line.connections.items():
            if conn.device != vp.device_name or conn.state != "connected":
                continue
            far = lines[conn.peer.tag].connections[conn.peer.call_id]
            other = ex.phones.get(far.device) if far.device else None
            if far.state != "connected" or other is None or not connected(other):
                assert not any(ref == cid for ref, _ in vp.transmissions), (vp.device_name, cid, far.state)
                continue
            ports = [ch.remote_port for (ref, _), ch in vp.transmissions.items() if ref == cid]
            assert ports == [other.rtp_port], (vp.device_name, cid, ports, other.rtp_port)


def check_all_idle(ex: Exchange) -> None:
    """The end state: nothing left anywhere."""
    assert all(not conns for conns in ex.line_connections().values()), ex.line_connections()
    for tag, status in ex.telephony.board.lines.items():
        assert status.calls == {}, (tag, status.calls)
        assert status.state in ("idle", "down"), (tag, status.state)
    for device, status in ex.telephony.board.phones.items():
        assert status.calls == {}, (device, status.calls)
        ref = ex.telephony.directory.get(device)
        assert ref is not None and not actor(ref).calls, device
    for device, phone in ex.phones.items():
        assert not live_calls(phone), (device, live_calls(phone))
        assert not phone.ringing() and phone.ringer == RingMode.OFF, (device, phone.ringer)
        assert not phone.tones, (device, phone.tones)
        assert not phone.receive_channels and not phone.transmissions, (
            device, phone.receive_channels, phone.transmissions)
        assert phone.speaker == SpeakerMode.OFF, (device, phone.speaker)
        lamps = {k: v for k, v in phone.lamps.items() if k[0] == Stimulus.LINE and v != LampMode.OFF}
        assert not lamps, (device, lamps)


NUMBERS_BY_TAG = {1: "201", 2: "202", 3: "2030", 4: "205", 5: "206"}


def check_events(ex: Exchange, events: list, *, final: bool = False) -> None:
    """8. Every connection a line creates is announced once (service initiated for a call
    it makes, delivered in state alerting for one it is offered) and cleared once (the
    connection cleared event about its own connection whose local state is null; the one
    about the far side comes too); those not cleared yet are the line's live connections.
    Nothing is published about a connection after its clear."""
    for tag, number in NUMBERS_BY_TAG.items():
        created, cleared = [], []
        for e in events:
            if e.device != number or not isinstance(e, CallEvent) or e.kind == "diverted":
                continue  # feature events; a forwarding line's Diverted is about no connection of its own
            if e.kind == "service_initiated" or (e.kind == "delivered" and e.local_state == "alerting"):
                assert e.connection.device == number
                assert e.connection.call_id not in created, e
                created.append(e.connection.call_id)
            elif e.kind == "connection_cleared" and e.connection.device != number:
                continue  # the far side's clear (before ours when it hung up, after when we did)
            elif e.kind == "transferred" and e.local_state == "null":
                continue  # the transferring device leaves: its own clear follows
            elif e.local_state == "null":
                assert e.kind == "connection_cleared" and e.connection.device == number, e
                assert e.connection.call_id in created and e.connection.call_id not in cleared, e
                cleared.append(e.connection.call_id)
        line = actor(ex.telephony.lines[tag])
        live = set(line.connections)
        assert set(created) - set(cleared) == live, (number, created, cleared, live)
        # 9. What a snapshot would say of each live connection is what the last event about
        # it told the monitor (a failed call's event names the failing party instead; in a
        # call between two instances of one DN, each side's events name the other too).
        last = {e.connection.call_id: e.local_state for e in events
                if isinstance(e, CallEvent) and e.device == number and e.connection.device == number}
        for call_id, conn in line.connections.items():
            if conn.state != "fail" and (conn.peer is None or conn.peer.tag != tag):
                assert last.get(call_id) == CSTA_STATE[conn.state], (number, call_id, conn.state, last.get(call_id))
        if final:
            assert sorted(created) == sorted(cleared), (number, created, cleared)


def actor_refs(ex: Exchange) -> dict:
    """Every line and phone actor of the exchange now, by dn tag and device name."""
    refs = dict(ex.telephony.lines)
    refs.update({d: ex.telephony.directory.get(d) for d in DEVICES})
    return refs


def check_no_actor_died(ex: Exchange, refs: dict) -> None:
    """The actors started with the exchange are the ones still serving (a failing actor
    is replaced by a new one: that counts as a death too)."""
    now = actor_refs(ex)
    dead = [key for key, ref in refs.items() if not ref.is_alive() or now[key] is not ref]
    assert not dead, f"actors died: {dead}"


def test_the_checks_see_a_dead_actor_and_its_logged_failure():
    """The machine's 'nothing died, nothing logged' checks are not vacuous."""
    errors, ex = ErrorLog(), Exchange(CONFIG)
    try:
        refs = actor_refs(ex)
        check_no_actor_died(ex, refs)
        ex.telephony.switch.tell_line(5, c.Offer(None, "206"))  # a malformed offer kills line 206
        ex.settle()
        with pytest.raises(AssertionError, match="actors died"):
            check_no_actor_died(ex, refs)
        assert any("unhandled exception" in text for text in errors.describe())
    finally:
        errors.close()
        ex.close()


# -- the machine ---------------------------------------------------------------------------

devices = st.sampled_from(DEVICES)
CTI_SERVICES = ["make_call", "make_call_prompt", "answer", "clear", "hold", "retrieve", "alternate", "reconnect",
                "deflect", "single_step", "consult", "transfer", "digits"]


class RandomCalls(RuleBasedStateMachine):
    """Invariants after every step (each true by design once the exchange has settled:
    every message between actors and phones has been handled, so no call is half set up
    or half torn down):

    - no exception escaped a step and `Exchange.settle` found a quiet exchange;
    - no actor died and nothing was logged at error/critical level (or with a failure);
    - check_consistent: (1) a line holds at most its instances, each once; (2) its status
      record is its state; (3) it shows itself on exactly the registered phones with its
      button; (4) both halves of every call exist, name each other, share the GCID and
      are in matching states, (4b) also as the CLI's records say; (5) a phone actor's calls
      are the lines' calls on that phone, in the same state, in its status record too,
      (5b) with the digits the user dialed on them; (6) the virtual phone shows exactly
      those calls; (7) media, tones and ringer only for calls shown, and a talking pair
      transmits to each other's RTP port;
    - check_events: (8) each connection announced once and cleared once, and the ones
      not cleared are exactly the line's live connections; (9) the last event about each
      live connection gave the state a snapshot reports.

    Teardown: phones that lost their connection register again, every user hangs up
    (held calls resumed first), timers run out; then all of the above, every line idle,
    no call on any phone actor or status record, and every phone on-hook: no call, ringer
    off, no tone, no media, speaker off, line lamps off.
    """

    def __init__(self) -> None:
        super().__init__()
        self.errors = ErrorLog()
        self.ex = Exchange(CONFIG)
        self.refs = actor_refs(self.ex)
        self.events = self.ex.watch(*NUMBERS_BY_TAG.values())
        for device in DEVICES:
            assert self.ex.phone(device).registered

    def phone(self, device):
        return self.ex.phones[device]

    def after(self) -> None:
        notice_lost_connections(self.ex)

    # -- what users do --
    def pick(self, data, *states) -> str:
        """A phone showing a call in one of `states` if there is one (so that answer, hold
        and resume mostly act on something), else any phone."""
        fitting = [d for d, p in self.ex.phones.items() if any(c.state in states for c in p.calls().values())]
        return data.draw(st.sampled_from(fitting or list(DEVICES)), label="device")

    # -- what users do --
    @rule(device=devices, line=st.sampled_from([1, 1, 2]))
    def off_hook(self, device, line):
        self.phone(device).do("off_hook", line)
        self.after()

    @rule(device=devices)
    def on_hook(self, device):
        self.phone(device).do("on_hook")
        self.after()

    @rule(device=devices, number=st.sampled_from(NUMBERS))
    def dial(self, device, number):
        self.phone(device).do("dial", number)
        self.after()

    @rule(device=devices, number=st.sampled_from(NUMBERS), how=st.sampled_from(["off_hook", "enbloc", "dial"]))
    def call(self, device, number, how):
        """A whole call attempt in one step: handset and digits, enbloc, or digits alone."""
        phone = self.phone(device)
        if how == "off_hook":
            phone.do("off_hook").do("dial", number)
        else:
            phone.do(how, number)
        self.after()

    @rule(device=devices, number=st.sampled_from(["201", "202", "2030", "205"]), data=st.data())
    def call_and_answer(self, device, number, data):
        """A call that gets answered (if the number rings somewhere): off-hook, dial, and
        one of the phones it rings answers. Gets the machine to talk and hold often."""
        self.phone(device).do("off_hook").do("dial", number)
        ringing = [d for d, p in self.ex.phones.items() if d != device and p.ringing()]
        if ringing:
            callee = data.draw(st.sampled_from(ringing), label="callee")
            self.phone(callee).do("answer")
        self.after()

    @rule(device=devices, actions=st.lists(st.sampled_from([
        ("off_hook",), ("on_hook",), ("dial", "202"), ("dial", "2"), ("dial", "#"), ("answer",), ("hold",),
        ("resume",), ("end_call",), ("softkey", SoftKeyEvent.NEW_CALL), ("softkey", SoftKeyEvent.TRANSFER),
        ("softkey", SoftKeyEvent.CFWD_ALL)]), min_size=2, max_size=5))
    def burst(self, device, actions):
        """Several things a user does, in one TCP segment: the phone actor handles them all
        before any line has answered the first (the race a hostile probe found)."""
        self.phone(device).burst(*actions)
        self.after()

    @rule(data=st.data())
    def answer(self, data):
        device = self.pick(data, CallState.RING_IN, CallState.CALL_WAITING)
        self.phone(device).do("answer")
        self.after()

    @rule(data=st.data())
    def hold(self, data):
        self.phone(self.pick(data, CallState.CONNECTED)).do("hold")
        self.after()

    @rule(data=st.data())
    def resume(self, data):
        self.phone(self.pick(data, CallState.HOLD)).do("resume")
        self.after()

    @rule(device=devices)
    def end_call(self, device):
        self.phone(device).do("end_call")
        self.after()

    @rule(device=devices, key=st.sampled_from(["redial", "new_call", "end_held_call"]))
    def softkey(self, device, key):
        phone = self.phone(device)
        if key == "redial":
            phone.do("softkey", SoftKeyEvent.REDIAL)
        elif key == "new_call":
            phone.do("softkey", SoftKeyEvent.NEW_CALL)
        else:  # EndCall, offered in the on-hold soft key set, pressed on a held call
            held = [c for c in phone.calls().values() if c.state == CallState.HOLD]
            if held:
                phone.do("softkey", SoftKeyEvent.END_CALL, held[-1].line, held[-1].callref)
        self.after()

    @rule(data=st.data(), number=st.sampled_from(["", "202", "2030", "201", "9"]))
    def transfer(self, data, number):
        """Trnsfer on a connected call, maybe a number, maybe Trnsfer again to complete."""
        device = self.pick(data, CallState.CONNECTED)
        phone = self.phone(device)
        phone.do("softkey", SoftKeyEvent.TRANSFER)
        if number:
            phone.do("dial", number)
        if data.draw(st.booleans(), label="complete"):
            phone.do("softkey", SoftKeyEvent.TRANSFER)
        self.after()

    @rule(device=devices, key=st.sampled_from(["cfwd", "dnd"]), number=st.sampled_from(["", "202", "2030#", "201"]))
    def feature(self, device, key, number):
        phone = self.phone(device)
        if key == "dnd":
            phone.do("softkey", 19)
        else:
            phone.do("softkey", SoftKeyEvent.CFWD_ALL)
            if number:
                phone.do("dial", number)
        self.after()

    # -- a CTI application --
    @rule(data=st.data(), service=st.sampled_from(CTI_SERVICES), tag=st.sampled_from(sorted(NUMBERS_BY_TAG)),
          number=st.sampled_from(["201", "202", "2030", "205", "206", "9"]))
    def cti(self, data, service, tag, number):
        """One call-control request, as the session would ask it of the line (the session's
        own checks are tested elsewhere): on a live connection of the line, or a stale one."""
        ref = self.ex.telephony.lines[tag]
        calls = sorted(actor(ref).connections)
        call_id = data.draw(st.sampled_from(calls + [987654]), label="call")
        other = data.draw(st.sampled_from(calls or [0]), label="other call")
        prompt = service == "make_call_prompt"
        message = CTICall("make_call" if prompt else service, call_id=call_id, other_call=other, prompt=prompt,
                          called="12*#" if service == "digits" else number)
        answers = []
        ref.ask(message, block=False).add_done_callback(lambda f: answers.append(f.get()))
        self.ex.settle()
        (answer,) = answers
        assert answer[0] == "ok" or (answer[0] == "error" and len(answer) == 3), answer
        self.after()

    # -- time, keepalives, the network --
    @rule(seconds=st.sampled_from([0.5, 2, INTERDIGIT + 1]), keepalive=st.booleans())
    def clock(self, seconds, keepalive):
        if keepalive:
            keepalives(self.ex)
        self.ex.advance(seconds)
        self.after()

    @rule(device=devices, what=st.sampled_from(["keepalive", "drop", "register", "keepalives_stop"]))
    def network(self, device, what):
        """keepalive: one KeepAlive; drop: the TCP connection breaks; register: the phone
        (re)connects, after a loss or as a reboot over a session the server still holds
        (the new registration replaces it); keepalives_stop: this phone falls silent past
        the watchdog while the others keep theirs."""
        phone = self.phone(device)
        if what == "keepalive":
            phone.do("keepalive")
        elif what == "drop":
            if connected(phone):
                phone.drop()
        elif what == "register":
            assert self.ex.phone(device).registered, device
        else:
            advance(self.ex, 2 * KEEPALIVE + 1, but=device)
            assert not connected(self.phone(device))
        self.after()

    # -- invariants --
    @invariant()
    def nothing_died_or_logged(self):
        check_no_actor_died(self.ex, self.refs)
        assert not self.errors.events, "\n".join(self.errors.describe())

    @invariant()
    def views_agree(self):
        check_consistent(self.ex)
        check_events(self.ex, self.events)

    def teardown(self):
        try:
            hang_up_everything(self.ex)
            for ref in self.ex.telephony.lines.values():  # calls no phone can end (cti notify)
                for call_id in list(actor(ref).connections):
                    ref.tell(CTICall("clear", call_id=call_id))
            self.ex.settle()
            hang_up_everything(self.ex)
            check_no_actor_died(self.ex, self.refs)
            assert not self.errors.events, "\n".join(self.errors.describe())
            check_consistent(self.ex)
            check_all_idle(self.ex)
            check_events(self.ex, self.events, final=True)
        finally:
            self.errors.close()
            self.ex.close()


RandomCalls.TestCase.settings = settings(
    max_examples=200, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_random_calls = RandomCalls.TestCase


# -- regressions: failures the machine found, shrunk to deterministic scenarios --------------

@pytest.fixture
def ex():
    ex = Exchange(CONFIG)
    yield ex
    ex.close()


def phones(ex):
    return [ex.phone(device) for device in DEVICES]


# Found by RandomCalls (shrunk from: call(A, "205"); answer(C); teardown): answering on a
# shared DN left the other phone's actor a "connected" ghost of the call.
def test_answering_on_a_shared_dn_leaves_nothing_on_the_other_phone(ex):
    a, b, c, d = phones(ex)
    a.do("off_hook").do("dial", "205")
    assert c.ringing() and d.ringing()
    c.do("answer")
    assert not live_calls(d) and not d.ringing()
    assert ex.telephony.board.phones[D].calls == {}  # show ephone: D has no call
    d.do("on_hook")  # D's user puts down a handset it never lifted...
    assert c.in_call() and a.in_call()  # ...and C's call goes on
    c.do("on_hook")
    d.do("off_hook")  # and D can make a call once 205 is free
    assert [x.state for x in live_calls(d).values()] == [CallState.OFF_HOOK]
    d.do("on_hook")
    check_all_idle(ex)


# Found by RandomCalls (shrunk from: call(A, "202"); dial(B, "201"); invariant
# "no digits left pending"): digits typed while the phone's line has no free instance.
def test_digits_refused_for_want_of_an_instance_do_not_stick_to_the_next_call(ex):
    a, b, c, d = phones(ex)
    a.do("off_hook").do("dial", "202")
    assert b.ringing()
    b.do("dial", "2030")  # 202's only instance is ringing: no new call, nothing happens
    assert [x.state for x in live_calls(b).values()] == [CallState.RING_IN]
    a.do("on_hook")
    b.do("off_hook").do("dial", "201")
    assert a.ringing()
    b.do("on_hook")
    b.do("softkey", SoftKeyEvent.REDIAL)
    assert a.ringing(), [x.state for x in live_calls(b).values()]  # not "0201": invalid number


# Found by RandomCalls (shrunk from: dial(A, "201"); invariant 5b): digits typed on-hook
# (no OffHook first) that reach the phone actor before the line has answered its first
# off-hook each start a new call: on a dual-line DN a second call instance opens.
def test_digits_dialed_on_hook_in_one_burst_make_one_call(ex):
    a, b, c, d = phones(ex)
    a.do("dial", "202")  # three KeypadButtons, no OffHook, in one burst
    assert b.ringing()
    assert [x.state for x in live_calls(a).values()] == [CallState.RING_OUT]
    assert ex.line_connections()[1] == ["originated"]  # not a second instance off-hook
    b.do("answer")
    a.do("on_hook")
    assert not live_calls(a) and not live_calls(b)
    a.do("softkey", SoftKeyEvent.REDIAL)  # redials 202, not "2"
    assert b.ringing()


# Found with the end_held_call soft key of RandomCalls: EndCall is in the on-hold soft key
# set (sccp/softkeys.py) but does nothing on a held call.
def test_end_call_on_a_held_call_clears_it(ex):
    a, b, c, d = phones(ex)
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    a.do("hold")
    (held,) = live_calls(a).values()
    a.do("softkey", SoftKeyEvent.END_CALL, held.line, held.callref)
    assert not live_calls(a) and not live_calls(b)
    check_all_idle(ex)


# Seen while checking the machine's end state (not an invariant of the machine): clearing
# one call switches off the ringer and the line lamp of the whole phone, even when another
# call still rings or is held on that line.
def test_a_caller_giving_up_does_not_silence_another_call_ringing_on_the_phone(ex):
    a, b, c, d = phones(ex)
    b.do("off_hook").do("dial", "201")
    c.do("off_hook").do("dial", "201")  # the dual-line DN's second instance rings too
    assert len([x for x in live_calls(a).values() if x.state == CallState.RING_IN]) == 2
    b.do("on_hook")
    assert a.ringing() and a.ringer == RingMode.INSIDE
    assert a.lamps[(Stimulus.LINE, 1)] == LampMode.BLINK


def test_hanging_up_one_call_keeps_the_lamp_of_a_call_held_on_the_same_line(ex):
    a, b, c, d = phones(ex)
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    a.do("hold")
    a.do("off_hook").do("dial", "2030")  # the dual-line DN's second instance
    c.do("answer")
    a.do("on_hook")
    assert [x.state for x in live_calls(a).values()] == [CallState.HOLD]
    assert a.lamps[(Stimulus.LINE, 1)] == LampMode.WINK


def test_a_phone_lost_while_ringing_and_back_shows_nothing_of_the_call(ex):
    """Not a bug: the machine's first teardown tripped on a disconnected virtual phone's
    last ringer and lamps; a phone that comes back registers afresh and shows on-hook."""
    a, b, c, d = phones(ex)
    a.do("off_hook").do("dial", "202")
    b.drop()
    assert not live_calls(a)  # 202 has no phone left: the caller is cleared
    ex.phone(B)
    hang_up_everything(ex)
    check_all_idle(ex)
