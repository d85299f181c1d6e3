"""One actor per ephone-dn (directory number), created from configuration.

A line exists whether or not a phone shows it: CTI can watch a DN before any phone
registers, and a `cti notify` DN is permanently up with no phone at all (cme.md). The line
owns its side of every call: one connection per call instance (one, or two with
`dual-line`), each following fsm/connection.py. It tells the phones showing it what to
display (sccp.presenter builds the messages), talks to the far line by message
(actors/calls.py), and publishes every change to its subscribers (actors/events.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from actors import calls as c
from actors.events import CallEvent, ConnectionID, Subscribe, Unsubscribe
from actors.line_cti import CTICall, LineCTIMixin
from actors.line_dtmf import LineDtmfMixin
from actors.line_features import LineFeaturesMixin
from actors.line_prompt import LinePromptMixin
from actors.line_transfer import LineTransferMixin
from actors.runtime import ReactorActor
from actors.status import CallView, LineStatus
from fsm.connection import CONNECTION, CSTA_STATE
from sccp import presenter as show


@dataclass(frozen=True, slots=True)
class PhoneUp:
    """A registered phone now shows this line."""

    device: str
    instance: int


@dataclass(frozen=True, slots=True)
class PhoneDown:
    """That phone no longer shows this line (unregistered, lost, replaced)."""

    device: str
    reason: str = ""


class Connection:
    """This line's side of one call (a CSTA connection), with what the phone needs."""

    __slots__ = ("call_id", "instance", "gcid", "state", "device", "outbound", "digits",
                 "calling", "calling_name", "called", "called_name", "peer", "media",
                 "peer_media", "peer_held", "timer", "cause", "last_redirection", "transferred", "far_answered",
                 "prompt_for", "dialled")

    def __init__(self, call_id: int, instance: int, gcid: str) -> None:
        self.call_id, self.instance, self.gcid = call_id, instance, gcid
        CONNECTION.start(self)
        self.device: str | None = None  # the phone the call is on (None while ringing)
        self.outbound = True
        self.digits = ""
        self.calling = self.calling_name = self.called = self.called_name = ""
        self.peer: c.Party | None = None
        self.media: tuple[str, int] | None = None  # where our phone receives RTP
        self.peer_media: tuple[str, int] | None = None  # where the far phone receives
        self.peer_held = False
        self.timer = None
        self.cause = "newCall"
        self.last_redirection = ""
        self.transferred = ""  # the far end was replaced by a transfer (it may still ring): its cause
        self.far_answered = False  # the far end is in the call (not ringing, not pending)
        self.prompt_for = ""  # a prompted MakeCall: the number to dial once the user answers
        self.dialled = ""  # offered here: the number the caller dialled (calledDevice)

    @property
    def csta_state(self) -> str:
        return CSTA_STATE[self.state]


class LineActor(LineCTIMixin, LinePromptMixin, LineDtmfMixin, LineFeaturesMixin, LineTransferMixin,
                ReactorActor):
    namespace = "cme.line"

    def __init__(self, dn, status: LineStatus, telephony=None, phones: dict[str, int] | None = None) -> None:
        super().__init__()
        self.dn = dn
        self.status = status
        self.telephony = telephony
        self.phones: dict[str, int] = dict(phones or {})  # device -> line instance on that phone
        self.connections: dict[int, Connection] = {}  # call id -> connection
        self.subscribers: list = []
        self._update()

    @property
    def trace_id(self) -> str:
        return self.dn.number or f"tag{self.dn.tag}"

    @property
    def number(self) -> str:
        return self.dn.number or ""

    @property
    def instances(self) -> int:
        return 8 if self.dn.octo_line else 2 if self.dn.dual_line else 1

    def party(self, conn: Connection) -> c.Party:
        return c.Party(self.dn.tag, conn.call_id, self.number, self.dn.name or "")

    # -- dispatch -----------------------------------------------------------------------
    def on_receive(self, message):
        handler = _HANDLERS.get(type(message))
        if handler is None:
            return super().on_receive(message)
        result = handler(self, message)
        self._update()
        return result  # only CTICall answers (asked by a CTI session)

    def on_failure(self, exc_type, exc_value, traceback) -> None:
        """A bug must not leave a DN dead or a far end waiting: clear what this line held,
        as far as it still can, and have a fresh actor take over the DN."""
        for conn in list(self.connections.values()):
            try:
                self._release(conn, "unspecified")
            except Exception:  # the state that failed may fail again; the far end still hears
                if conn.peer is not None:
                    self.telephony.tell_line(conn.peer.tag, c.Released(conn.peer.call_id, "unspecified", self.party(conn)))
        self.connections.clear()
        self._update()
        if self.telephony is not None:
            self.telephony.restart_line(self.dn.tag, self.phones)

    def in_service(self) -> bool:
        return bool(self.phones) or self.dn.cti_notify

    def _update(self) -> None:
        if not self.in_service():
            state = "down"
        elif not self.connections:
            state = "idle"
        else:
            state = ",".join(conn.state for conn in self.connections.values())
        if (state == "down") != (self.status.state == "down"):
            self.log.info("line {number} is {state}", number=self.number, state="down" if state == "down" else "up")
        self.status.state = state
        self.status.phones = set(self.phones)
        before = self.status.calls
        self.status.calls = {
            conn.call_id: CallView(conn.call_id, conn.instance, conn.state, conn.gcid, conn.calling,
                                   conn.called, conn.device, conn.peer.call_id if conn.peer else None)
            for conn in self.connections.values()
        }
        if self.telephony is not None and before.keys() != self.status.calls.keys():
            self.telephony.board.index_calls(self.dn.tag, before.keys(), self.status.calls.keys())

    # -- phones -------------------------------------------------------------------------
    def _phone_up(self, m: PhoneUp) -> None:
        self.phones[m.device] = m.instance
        shown = []
        if self.dn.message_waiting:
            shown += show.message_lamp(True)
        if self.dn.do_not_disturb:
            shown += show.dnd(True)
        if shown:
            self._display(m.device, shown)

    def _phone_down(self, m: PhoneDown) -> None:
        if self.phones.pop(m.device, None) is None:
            return
        for conn in list(self.connections.values()):
            if conn.device == m.device:
                self._release(conn, "normalClearing", tell_phone=False)
            elif conn.state == "alerting" and not self.phones and not self.dn.cti_notify:
                self._release(conn, "destNotObtainable")
            elif conn.state == "prompting" and not self.phones:
                self._release(conn, "normalClearing")

    def _present(self, conn: Connection, messages, device: str | None = None, state: str | None = None) -> None:
        device = device or conn.device
        if device is None or device not in self.phones:
            return
        self.telephony.tell_phone(device, c.Present(self.dn.tag, conn.call_id, state or conn.state, messages))

    def _line_instance(self, device: str) -> int:
        return self.phones.get(device, 1)

    # -- events ---------------------------------------------------------------------------
    def _subscribe(self, m: Subscribe) -> None:
        if m.subscriber not in self.subscribers:
            self.subscribers.append(m.subscriber)

    def _unsubscribe(self, m: Unsubscribe) -> None:
        if m.subscriber in self.subscribers:
            self.subscribers.remove(m.subscriber)

    def publish(self, kind: str, conn: Connection, about: ConnectionID, cause: str, *,
                local_state: str | None = None, **devices) -> None:
        """One event about `conn`'s call; `local_state` when this device is leaving it."""
        event = CallEvent(kind=kind, device=self.number, connection=about, local_state=local_state or conn.csta_state,
                          cause=cause, gcid=conn.gcid, **devices)
        self._emit(event)

    def _emit(self, event) -> None:
        self.log.debug("publish {event}", event=event)
        for subscriber in list(self.subscribers):
            if callable(subscriber):
                subscriber(event)
            elif subscriber.is_alive():
                subscriber.tell(event)
            else:
                self.subscribers.remove(subscriber)

    def _own(self, conn: Connection) -> ConnectionID:
        return ConnectionID(conn.call_id, self.number)

    def _far(self, conn: Connection) -> ConnectionID:
        p = conn.peer
        return ConnectionID(p.call_id, p.number) if p else ConnectionID(conn.call_id, conn.called or conn.digits)

    # -- the user on a phone --------------------------------------------------------------
    def _user(self, m: c.UserAction) -> None:
        conn = self.connections.get(m.call_id) if m.call_id else None
        action = m.action
        if action == "offhook":
            if conn is None:
                self._originate(m.device, speaker=m.speaker)
        elif action == "digits":
            conn = conn or self._dialing_on(m.device)
            if conn is not None and conn.state == "connected":
                self._send_dtmf(conn, m.digits)  # keypad during a call: for the far end
            elif conn is not None:
                self._digits(conn, m.digits)
        elif conn is None:
            self.log.debug("{action} from {device} for unknown call {call}", action=action, device=m.device, call=m.call_id)
        elif action == "onhook":
            if conn.state in ("alerting", "prompting"):
                return  # a ringing phone hanging up does not refuse the call
            self._release(conn, "normalClearing")
        elif action == "answer":
            if conn.state == "alerting":
                self._answer(conn, m.device)
            elif conn.state == "prompting":
                self._prompt_answered(conn, m.device)
        elif action == "hold":
            if conn.state == "connected":
                self._hold(conn)
        elif action == "resume":
            if conn.state == "hold":
                self._retrieve(conn, m.device)

    def _free_instance(self) -> int | None:
        used = {conn.instance for conn in self.connections.values()}
        return next((i for i in range(1, self.instances + 1) if i not in used), None)

    def _dialing_on(self, device: str) -> Connection | None:
        return next((x for x in self.connections.values() if x.device == device and x.state in ("initiated", "dialing")), None)

    def _originate(self, device: str, *, speaker: bool = False, cause: str = "newCall") -> Connection | None:
        instance = self._free_instance()
        if instance is None:
            self.log.info("off-hook on {number} from {device}: no free call instance", number=self.number, device=device)
            if device in self.phones:  # the phone stops waiting for the call it asked for
                self.telephony.tell_phone(device, c.Present(self.dn.tag, 0, "null", []))
            return None
        conn = Connection(self.telephony.new_call_id(), instance, self.telephony.new_gcid())
        self.connections[conn.call_id] = conn
        CONNECTION.fire(conn, "offhook")
        conn.device, conn.cause = device, cause
        conn.calling, conn.calling_name = self.number, self.dn.name or ""
        self._present(conn, show.off_hook(self._line_instance(device), conn.call_id, speaker=speaker))
        self.publish("service_initiated", conn, self._own(conn), cause, initiating=self.number)
        self._arm_digit_timer(conn)
        return conn

    def _digits(self, conn: Connection, digits: str) -> None:
        for digit in digits:
            if conn.state not in ("initiated", "dialing"):
                return
            if digit == "#":
                self._route(conn, final=True)
                return
            first = conn.state == "initiated"
            conn.digits += digit
            CONNECTION.fire(conn, "digit")
            if first:
                self._present(conn, show.first_digit(self._line_instance(conn.device), conn.call_id))
            self._route(conn, final=False)

    def _arm_digit_timer(self, conn: Connection) -> None:
        if conn.timer is not None and conn.timer.active():
            conn.timer.cancel()
        seconds = self.telephony.config.telephony.interdigit_timeout
        message = c.DigitTimeout(conn.call_id, conn.digits)
        conn.timer = self.telephony.clock.callLater(seconds, self._timer_fired, message)

    def _timer_fired(self, message) -> None:
        if self.actor_ref.is_alive():
            self.actor_ref.tell(message)

    def _digit_timeout(self, m: c.DigitTimeout) -> None:
        conn = self.connections.get(m.call_id)
        if conn is not None and conn.state in ("initiated", "dialing") and conn.digits == m.digits:
            self._route(conn, final=True)

    def _route(self, conn: Connection, *, final: bool) -> None:
        """Exact match of an ephone-dn number; wait while a longer number could still match."""
        target, longer = self.telephony.route(conn.digits)
        if target is not None and (final or not longer):
            self._dial(conn, target)
        elif final or not longer:
            self._fail(conn, "destNotObtainable", busy=False)
        else:
            self._arm_digit_timer(conn)

    def _dial(self, conn: Connection, target_tag: int) -> None:
        if conn.timer is not None and conn.timer.active():
            conn.timer.cancel()
        conn.called = conn.digits
        target = self.telephony.config.ephone_dns.get(target_tag)
        conn.called_name = (target.name or "") if target else ""
        CONNECTION.fire(conn, "dial")
        line = self._line_instance(conn.device)
        info = show.call_info(line, conn.call_id, calling=conn.calling, calling_name=conn.calling_name,
                              called=conn.called, called_name=conn.called_name)
        self._present(conn, show.proceeding(line, conn.call_id, conn.called, info))
        self.publish("originated", conn, self._own(conn), conn.cause, calling=self.number, called=conn.called)
        cause = "newCall" if conn.cause in ("makeCall", "consultation") else conn.cause  # Delivered says newCall
        self.telephony.tell_line(target_tag, c.Offer(self.party(conn), conn.called, conn.gcid, cause))

    def _fail(self, conn: Connection, cause: str, *, busy: bool, failing: str | None = None) -> None:
        if conn.timer is not None and conn.timer.active():
            conn.timer.cancel()
        CONNECTION.fire(conn, "fail")
        conn.peer = None  # nobody at the far end any more (a diverted call may have had one)
        self._present(conn, show.failed(self._line_instance(conn.device), conn.call_id, busy=busy))
        about = ConnectionID(conn.call_id, failing or conn.called or conn.digits)
        self.publish("failed", conn, about, cause, calling=self.number, called=conn.called or conn.digits,
                     initiating=failing or conn.called or conn.digits)

    def _answer(self, conn: Connection, device: str) -> None:
        CONNECTION.fire(conn, "answer")
        conn.device = device
        self._stop_ringing_elsewhere(conn, device)
        line = self._line_instance(device)
        info = self._info(conn, line)
        self._present(conn, show.answering(line, conn.call_id) + show.connected(line, conn.call_id, info))
        self.publish("established", conn, self._own(conn), "newCall", answering=self.number,
                     calling=conn.calling, called=conn.dialled or self.number, last_redirection=conn.last_redirection or None)
        if conn.peer is not None:
            self.telephony.tell_line(conn.peer.tag, c.Answered(conn.peer.call_id, self.party(conn)))

    def _stop_ringing_elsewhere(self, conn: Connection, device: str) -> None:
        for other in self.phones:
            if other != device:  # a shared line stops ringing everywhere else
                self._present(conn, show.on_hook(self._line_instance(other), conn.call_id, media=False, speaker_off=False),
                              other, state="null")  # the call is gone from that phone

    def _info(self, conn: Connection, line: int):
        return show.call_info(line, conn.call_id, calling=conn.calling, calling_name=conn.calling_name,
                              called=conn.called, called_name=conn.called_name, outbound=conn.outbound)

    def _hold(self, conn: Connection, cause: str = "normal") -> None:
        CONNECTION.fire(conn, "hold")
        conn.media = None
        self._present(conn, show.hold(self._line_instance(conn.device), conn.call_id))
        self.publish("held", conn, self._own(conn), cause, holding=self.number)
        if conn.peer is not None:
            self.telephony.tell_line(conn.peer.tag, c.PeerHeld(conn.peer.call_id, self.number, True, cause))

    def _retrieve(self, conn: Connection, device: str, cause: str = "normal") -> None:
        CONNECTION.fire(conn, "retrieve")
        conn.device = device
        line = self._line_instance(device)
        self._present(conn, show.resume(line, conn.call_id, self._info(conn, line)))
        self.publish("retrieved", conn, self._own(conn), cause, retrieving=self.number)
        if conn.peer is not None:
            self.telephony.tell_line(conn.peer.tag, c.PeerHeld(conn.peer.call_id, self.number, False, cause))
        self._start_media(conn)

    def _release(self, conn: Connection, cause: str, *, tell_peer: bool = True, tell_phone: bool = True) -> None:
        """Clear this side: the phone(s) go on-hook, subscribers hear it, the far side too."""
        if conn.timer is not None and conn.timer.active():
            conn.timer.cancel()
        was = conn.state
        CONNECTION.fire(conn, "clear")
        if tell_phone:
            if was in ("alerting", "prompting"):
                for device in self.phones if was == "alerting" else self._prompted_phones():
                    self._present(conn, show.on_hook(self._line_instance(device), conn.call_id, media=False, speaker_off=False), device)
            else:
                self._present(conn, show.on_hook(self._line_instance(conn.device), conn.call_id))
        elif conn.device in self.phones:
            self._present(conn, [])  # the phone forgets the call without being told more
        del self.connections[conn.call_id]
        self.publish("connection_cleared", conn, self._own(conn), cause, releasing=self.number)
        if tell_peer and conn.peer is not None:
            if conn.peer.tag != self.dn.tag:  # the far side of the call clears too (said once)
                self.publish("connection_cleared", conn, ConnectionID(conn.peer.call_id, conn.peer.number), cause,
                             releasing=conn.peer.number)
            self.telephony.tell_line(conn.peer.tag, c.Released(conn.peer.call_id, cause, self.party(conn)))

    # -- the far line -----------------------------------------------------------------------
    def _offer(self, m: c.Offer) -> None:
        caller = m.caller
        if not self.in_service():
            self.telephony.tell_line(caller.tag, c.Reject(caller.call_id, "destNotObtainable", self.number))
            return
        if self.dn.call_forward_all:
            self._forward(m)
            return
        if self.dn.do_not_disturb:
            self.telephony.tell_line(caller.tag, c.Reject(caller.call_id, "doNotDisturb", self.number))
            return
        instance = self._free_instance()
        if instance is None:
            self.telephony.tell_line(caller.tag, c.Reject(caller.call_id, "busy", self.number))
            return
        conn = Connection(self.telephony.new_call_id(), instance, m.gcid)
        self.connections[conn.call_id] = conn
        conn.outbound, conn.peer, conn.far_answered = False, caller, True
        conn.calling, conn.calling_name = caller.number, caller.name
        conn.called, conn.called_name = self.number, self.dn.name or ""
        conn.last_redirection = m.last_redirection
        conn.dialled = m.called_number
        CONNECTION.fire(conn, "offer")
        for device in self.phones:
            line = self._line_instance(device)
            busy = self.telephony.phone_busy(device, conn.call_id)
            self._present(conn, show.ring_in(line, conn.call_id, self._info(conn, line), waiting=busy), device)
        self.publish("delivered", conn, self._own(conn), m.cause, alerting=self.number,
                     calling=caller.number, called=m.called_number, last_redirection=m.last_redirection or None)
        self.telephony.tell_line(caller.tag, c.Alerting(caller.call_id, self.party(conn)))

    def _forward(self, m: c.Offer) -> None:
        """Call forward all: the call goes on to the forward number, caller told."""
        target = self.dn.call_forward_all
        tag, _ = self.telephony.route(target)
        caller = m.caller
        if tag is None or tag == self.dn.tag or m.hops >= c.MAX_FORWARDS:
            self.log.info("forward of {caller} to {target} failed: {why}", caller=caller.number, target=target,
                          why="not a number here" if tag is None else "forwarding loop")
            self.telephony.tell_line(caller.tag, c.Reject(caller.call_id, "destNotObtainable", self.number))
            return
        cause = "callForwardImmediate"
        self.publish_diverted(caller, target, cause)
        self.telephony.tell_line(caller.tag, c.Diverted(caller.call_id, self.number, target, cause))
        self.telephony.tell_line(tag, c.Offer(caller, m.called_number, m.gcid, "redirected",
                                              last_redirection=self.number, hops=m.hops + 1))

    def publish_diverted(self, caller: c.Party, target: str, cause: str, connection: int = 0) -> None:
        about = ConnectionID(connection or caller.call_id, self.number)  # forward all: no connection here
        event = CallEvent(kind="diverted", device=self.number, connection=about,
                          local_state="null", cause=cause, calling=caller.number, called=self.number,
                          diverting=self.number, new_destination=target, last_redirection=self.number)
        self._emit(event)

    def _diverted(self, m: c.Diverted) -> None:
        conn = self.connections.get(m.call_id)
        if conn is None:
            return
        conn.last_redirection = m.diverting
        conn.peer = None  # the line that rang is out of the call; the next one will say Alerting
        self.publish("diverted", conn, ConnectionID(m.connection or conn.call_id, m.diverting), m.cause,
                     calling=self.number,
                     called=conn.called, diverting=m.diverting, new_destination=m.new_destination,
                     last_redirection=m.diverting)

    def _alerting(self, m: c.Alerting) -> None:
        conn = self.connections.get(m.call_id)
        if conn is not None and conn.transferred and conn.peer is None:
            conn.peer = m.callee  # a blind transfer's target rings
            self._send_media(conn)
            self.publish("delivered", conn, self._far(conn), conn.transferred, alerting=m.callee.number,
                         calling=self.number, called=m.callee.number, last_redirection=conn.last_redirection or None)
            return
        if conn is None or conn.state != "originated":
            self.telephony.tell_line(m.callee.tag, c.Released(m.callee.call_id, "normalClearing", c.Party(self.dn.tag, m.call_id, self.number)))
            return
        conn.peer = m.callee
        self._present(conn, show.ring_out(self._line_instance(conn.device), conn.call_id))
        cause = "redirected" if conn.last_redirection else "newCall"  # as the called side says
        self.publish("delivered", conn, self._far(conn), cause, alerting=m.callee.number,
                     calling=self.number, called=conn.called, last_redirection=conn.last_redirection or None)

    def _reject(self, m: c.Reject) -> None:
        conn = self.connections.get(m.call_id)
        if conn is not None and conn.transferred and conn.peer is None:
            self._release(conn, m.cause, tell_peer=False)  # a blind transfer found nobody
            return
        if conn is not None and conn.state == "originated":
            self._fail(conn, m.cause, busy=m.cause in ("busy", "doNotDisturb"), failing=m.callee_number)

    def _answered(self, m: c.Answered) -> None:
        conn = self.connections.get(m.call_id)
        if conn is not None and conn.transferred and conn.state in ("connected", "hold"):
            conn.peer, conn.far_answered = m.callee, True  # the target of a transfer answered
            self._send_media(conn)
            self.publish("established", conn, self._far(conn), "newCall", answering=m.callee.number,
                         calling=self.number, called=m.callee.number, last_redirection=conn.last_redirection or None)
            self._start_media(conn)
            return
        if conn is None or conn.state != "originated":
            return
        CONNECTION.fire(conn, "answered")
        conn.peer, conn.far_answered = m.callee, True
        line = self._line_instance(conn.device)
        self._present(conn, show.connected(line, conn.call_id, self._info(conn, line)))
        self.publish("established", conn, self._far(conn), "newCall", answering=m.callee.number,
                     calling=self.number, called=conn.called, last_redirection=conn.last_redirection or None)
        self._start_media(conn)

    def _released(self, m: c.Released) -> None:
        conn = self.connections.get(m.call_id)
        if conn is None:
            return
        if m.releasing.tag != self.dn.tag:  # a call within this DN: its own clear said it
            self.publish("connection_cleared", conn, ConnectionID(m.releasing.call_id, m.releasing.number), m.cause,
                         releasing=m.releasing.number)
        self._release(conn, m.cause, tell_peer=False)

    def _peer_held(self, m: c.PeerHeld) -> None:
        conn = self.connections.get(m.call_id)
        if conn is None:
            return
        conn.peer_held = m.held
        if m.held:
            conn.peer_media = None
            if conn.state == "connected":
                self._present(conn, show.stop_media(conn.call_id))
            self.publish("held", conn, self._far(conn), m.cause, holding=m.holding)
        else:
            if conn.state == "connected":
                self._present(conn, [show.open_receive(conn.call_id)])
            self.publish("retrieved", conn, self._far(conn), m.cause, retrieving=m.holding)

    # -- media ------------------------------------------------------------------------------
    def _media_opened(self, m: c.MediaOpened) -> None:
        conn = self.connections.get(m.call_id)
        if conn is None or conn.device != m.device:
            return
        conn.media = (m.ip, m.port)
        if conn.peer is not None:
            self.telephony.tell_line(conn.peer.tag, c.PeerMedia(conn.peer.call_id, conn.media))

    def _send_media(self, conn: Connection) -> None:
        """Tell a new far end where our phone already receives (a transfer's new peer)."""
        if conn.media is not None and conn.peer is not None:
            self.telephony.tell_line(conn.peer.tag, c.PeerMedia(conn.peer.call_id, conn.media))

    def _peer_media(self, m: c.PeerMedia) -> None:
        conn = self.connections.get(m.call_id)
        if conn is None:
            return
        conn.peer_media = m.address
        self._start_media(conn)

    def _start_media(self, conn: Connection) -> None:
        if conn.state == "connected" and conn.peer_media is not None and not conn.peer_held:
            ip, port = conn.peer_media
            self._present(conn, show.start_media(conn.call_id, ip, port))


_HANDLERS = {
    PhoneUp: LineActor._phone_up,
    PhoneDown: LineActor._phone_down,
    Subscribe: LineActor._subscribe,
    Unsubscribe: LineActor._unsubscribe,
    c.UserAction: LineActor._user,
    c.DigitTimeout: LineActor._digit_timeout,
    c.PromptTimeout: LineActor._prompt_timeout,
    c.Dtmf: LineActor._dtmf,
    c.MediaOpened: LineActor._media_opened,
    c.Offer: LineActor._offer,
    c.Alerting: LineActor._alerting,
    c.Reject: LineActor._reject,
    c.Answered: LineActor._answered,
    c.Released: LineActor._released,
    c.PeerMedia: LineActor._peer_media,
    c.PeerHeld: LineActor._peer_held,
    c.Diverted: LineActor._diverted,
    c.SetForward: LineActor._set_forward,
    c.SetDnd: LineActor._set_dnd,
    c.SetMwi: LineActor._set_mwi,
    c.Transfer: LineActor._transfer,
    c.JoinWith: LineActor._join_with,
    c.Joined: LineActor._joined,
    c.BlindTransfer: LineActor._blind_transfer,
    c.Replace: LineActor._replace,
    CTICall: LineActor._cti,
}
