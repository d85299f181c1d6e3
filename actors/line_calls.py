"""The basic call on one line: its connections, and every step of them.

The line's half of the line-to-line call protocol (actors/calls.py): the user's side
(off-hook, digits, routing, answer, hold, retrieve, release) and the far line's messages
(Offer, Alerting, Reject, Answered, Released, media, hold). Each step changes a
connection by its table (fsm/connection.py), tells the endpoints the step
(actors/events.py CallStep), publishes the CSTA-level event to the monitors, and tells
the far line. Nothing here knows what protocol an endpoint speaks.

Transfer, prompting, DTMF, features and CTI services are collaborators of the line
(actors/line_*.py) that call the public steps here.
"""
from __future__ import annotations

from actors import calls as c
from actors.call_record import FORWARD, HOLD, TRANSFER, record_of
from actors.connection import Connection
from actors.events import CallEvent, CallStep, ConnectionID, deliver
from fsm.connection import CONNECTION, CSTA_STATE

class LineCalls:
    def __init__(self, dn, switch, audience, log, mailbox) -> None:
        self.dn = dn
        self.switch = switch
        self.audience = audience
        self.log = log
        self.mailbox = mailbox  # tells this line's own actor (its timers fire through it)
        self.connections: dict[int, Connection] = {}  # call id -> connection
        self.dial_peer = getattr(dn, "dial_peer", None)  # a trunk line's dial-peer (its CDRs say it)

    @property
    def number(self) -> str:
        return self.dn.number or ""

    @property
    def instances(self) -> int:
        return 8 if self.dn.octo_line else 2 if self.dn.dual_line else 1

    def in_service(self) -> bool:
        return bool(self.audience.endpoints) or self.dn.cti_notify

    def party(self, conn: Connection) -> c.Party:
        return c.Party(self.dn.tag, conn.call_id, self.number, self.dn.name or "")

    def own(self, conn: Connection) -> ConnectionID:
        return ConnectionID(conn.call_id, self.number)

    def far(self, conn: Connection) -> ConnectionID:
        p = conn.peer
        return ConnectionID(p.call_id, p.number) if p else ConnectionID(conn.call_id, conn.called or conn.digits)

    # -- what the line says ---------------------------------------------------------------
    def publish(self, kind: str, conn: Connection, about: ConnectionID, cause: str, *,
                local_state: str | None = None, **devices) -> None:
        """One event about `conn`'s call; `local_state` when this device is leaving it."""
        audience = self.audience
        if not audience.monitors and not audience.tracing():
            return  # no monitor, no trace: the event would go nowhere (most calls)
        audience.publish(CallEvent(kind, self.dn.number or "", about, local_state or CSTA_STATE[conn.state],
                                   cause, conn.gcid, **devices))

    def show(self, conn: Connection, step: str, device: str | None = None, state: str | None = None, **fields) -> None:
        """Tell the endpoint the call is on (or `device`) a step of the call."""
        device = device or conn.device
        endpoint = self.audience.endpoints.get(device) if device is not None else None
        if endpoint is None:
            return
        deliver(endpoint.ref, CallStep(step, self.dn.tag, conn.call_id, state or conn.state, device, conn.instance,
                                       conn.calling, conn.calling_name, conn.called, conn.called_name,
                                       conn.outbound, **fields))  # Audience.show, its endpoint found

    def tell_far(self, conn: Connection, message) -> None:
        if conn.peer is not None:
            self.switch.tell_line(conn.peer.tag, message)

    # -- connections ----------------------------------------------------------------------------
    def free_instance(self) -> int | None:
        """The lowest call instance no connection holds (None: all held)."""
        connections = self.connections
        if not connections:
            return 1  # the usual case: an idle line (every line has at least one instance)
        used = {conn.instance for conn in connections.values()}
        for i in range(1, self.instances + 1):
            if i not in used:
                return i
        return None

    def new_connection(self, instance: int, gcid: str) -> Connection:
        conn = Connection(self.switch.new_call_id(), instance, gcid)
        conn.setup = self.switch.clock.seconds()
        self.connections[conn.call_id] = conn
        self.switch.directory.call_started(conn.call_id, self.dn.tag)
        return conn

    def connection(self, m) -> Connection | None:
        """The connection a message names; a message for one that is gone (a late reply,
        a stale timer) changes nothing and is traced."""
        conn = self.connections.get(m.call_id)
        if conn is None:
            self.log.debug("{message} for call {call}: not a call here (any more)",
                           message=type(m).__name__, call=m.call_id)
        return conn

    def dialing_on(self, device: str) -> Connection | None:
        return next((x for x in self.connections.values()
                     if x.device == device and CONNECTION.can(x.state, "digit")), None)

    def arm_timer(self, conn: Connection, seconds: float, message) -> None:
        """`message` to this line in `seconds`, instead of what the connection's timer was
        to send. A timer still pending is moved and given the new message rather than
        cancelled and made again: the interdigit timer is re-armed at every digit, and a
        reset costs a few attribute writes where a cancel and a new callLater cost two
        objects and the reactor's heap work (every timer here tells our mailbox)."""
        timer = conn.timer
        if timer is not None and timer.active():
            timer.args = (message,)
            timer.reset(seconds)
            return
        conn.timer = self.switch.clock.callLater(seconds, self.mailbox, message)

    # -- the user's side -------------------------------------------------------------------------
    def originate(self, device: str | None, *, speaker: bool = False, cause: str = "newCall",
                  number_follows: bool = False) -> Connection | None:
        """A new call on `device`, dialling. `number_follows`: the caller dials the whole
        number, ended, at once (CTI's MakeCall, ConsultationCall): no interdigit timer is
        armed, as the number's end settles the call before any timer could fire."""
        instance = self.free_instance()
        if instance is None:
            self.log.info("off-hook on {number} from {device}: no free call instance", number=self.number, device=device)
            if device in self.audience.endpoints:  # the endpoint stops waiting for the call it asked for
                self.audience.show(CallStep("refused", self.dn.tag, 0, "null", device))
            return None
        conn = self.new_connection(instance, self.switch.new_gcid())
        CONNECTION.fire(conn, "offhook")
        conn.device, conn.cause = device, cause
        conn.calling, conn.calling_name = self.number, self.dn.name or ""
        self.show(conn, "dialtone", speaker=speaker)
        self.publish("service_initiated", conn, self.own(conn), cause, initiating=self.number)
        if not number_follows:
            self.arm_timer(conn, self.switch.interdigit_timeout, c.DigitTimeout(conn.call_id, conn.digits))
        return conn

    def digits(self, conn: Connection, digits: str) -> None:
        """Digits dialled, in one go (one or a burst). Each is routed as it comes; the
        interdigit timer is armed once, after the last, for what they dialled: arming it at
        each digit of the burst would only be moved by the next one."""
        last = len(digits) - 1
        for i, digit in enumerate(digits):
            if not CONNECTION.can(conn.state, "digit"):
                return
            if digit == "#":
                self.route(conn, final=True)
                return
            first = conn.state == "initiated"
            conn.digits += digit
            CONNECTION.fire(conn, "digit")
            if first:
                self.show(conn, "digits")
            self.route(conn, final=False, wait=i == last)

    def digit_timeout(self, m: c.DigitTimeout) -> None:
        conn = self.connection(m)
        if conn is not None and CONNECTION.can(conn.state, "dial") and conn.digits == m.digits:
            self.route(conn, final=True)

    def route(self, conn: Connection, *, final: bool, wait: bool = True) -> None:
        """Exact match of an ephone-dn number; wait while a longer number could still match
        (`wait` False: more digits follow at once, so no timer for now)."""
        target, longer = self.switch.route(conn.digits)
        if target is not None and (final or not longer):
            self.dial(conn, target)
        elif final or not longer:
            self.fail(conn, "destNotObtainable", busy=False)
        elif wait:
            self.arm_timer(conn, self.switch.interdigit_timeout, c.DigitTimeout(conn.call_id, conn.digits))

    def dial(self, conn: Connection, target_tag: int) -> None:
        conn.cancel_timer()
        conn.called = conn.digits
        target = self.switch.dn(target_tag)
        conn.called_name = (target.name or "") if target else ""
        CONNECTION.fire(conn, "dial")
        self.show(conn, "proceeding")
        self.publish("originated", conn, self.own(conn), conn.cause, calling=self.number, called=conn.called)
        cause = "newCall" if conn.cause in ("makeCall", "consultation") else conn.cause  # Delivered says newCall
        self.switch.offer(target_tag, c.Offer(self.party(conn), conn.called, conn.gcid, cause))

    def fail(self, conn: Connection, cause: str, *, busy: bool, failing: str | None = None) -> None:
        conn.cancel_timer()
        CONNECTION.fire(conn, "fail")
        conn.failed = cause  # the leg's record says why, not the hang-up that follows
        conn.peer = None  # nobody at the far end any more (a diverted call may have had one)
        self.show(conn, "failed", busy=busy)
        about = ConnectionID(conn.call_id, failing or conn.called or conn.digits)
        self.publish("failed", conn, about, cause, calling=self.number, called=conn.called or conn.digits,
                     initiating=failing or conn.called or conn.digits)

    def answer(self, conn: Connection, device: str | None) -> None:
        CONNECTION.fire(conn, "answer")
        conn.device = device
        if conn.connect is None:
            conn.connect = self.switch.clock.seconds()
        self.stop_ringing_elsewhere(conn, device)
        self.show(conn, "answered")
        self.publish("established", conn, self.own(conn), "newCall", answering=self.number,
                     calling=conn.calling, called=conn.dialled or self.number,
                     last_redirection=conn.last_redirection or None)
        if conn.peer is not None:
            self.tell_far(conn, c.Answered(conn.peer.call_id, self.party(conn)))
        self.start_media(conn)  # a network caller's media is known before the answer

    def stop_ringing_elsewhere(self, conn: Connection, device: str | None) -> None:
        for other in list(self.audience.endpoints):
            if other != device:  # a shared line stops ringing everywhere else
                self.show(conn, "ring_stopped", other, state="null")  # the call is gone from there

    def hold(self, conn: Connection, cause: str = "normal") -> None:
        CONNECTION.fire(conn, "hold")
        conn.used |= HOLD
        conn.media = None
        self.show(conn, "held")
        self.publish("held", conn, self.own(conn), cause, holding=self.number)
        if conn.peer is not None:
            self.tell_far(conn, c.PeerHeld(conn.peer.call_id, self.number, True, cause))

    def retrieve(self, conn: Connection, device: str | None, cause: str = "normal") -> None:
        CONNECTION.fire(conn, "retrieve")
        conn.device = device
        self.show(conn, "resumed")
        self.publish("retrieved", conn, self.own(conn), cause, retrieving=self.number)
        if conn.peer is not None:
            self.tell_far(conn, c.PeerHeld(conn.peer.call_id, self.number, False, cause))
        self.start_media(conn)

    def prompted_endpoints(self) -> list[str]:
        """The endpoints showing this line that a prompted MakeCall may ring."""
        return [d for d, e in self.audience.endpoints.items() if e.can_prompt]

    def release(self, conn: Connection, cause: str, *, tell_peer: bool = True, tell_phone: bool = True,
                by: str = "system") -> None:
        """Clear this side: the endpoint(s) hear it, subscribers too, the far side too.
        `by`: who cleared it, for the leg's call detail record (actors/call_record.py)."""
        conn.cancel_timer()
        was = conn.state
        CONNECTION.fire(conn, "clear")
        accounting = self.switch.accounting
        if accounting is not None:  # (after the table allowed it: one record a leg, even if a step below fails)
            accounting(record_of(conn, self.number, self.dial_peer, self.switch.clock.seconds(), cause, by))
        if tell_phone:
            if was in ("alerting", "prompting"):
                for device in list(self.audience.endpoints) if was == "alerting" else self.prompted_endpoints():
                    self.show(conn, "ring_stopped", device)
            else:
                self.show(conn, "cleared")
        else:
            self.show(conn, "forgotten")  # the endpoint forgets the call without being told more
        del self.connections[conn.call_id]
        self.switch.directory.call_ended(conn.call_id)
        self.publish("connection_cleared", conn, self.own(conn), cause, releasing=self.number)
        if tell_peer and conn.peer is not None:
            if conn.peer.tag != self.dn.tag:  # the far side of the call clears too (said once)
                self.publish("connection_cleared", conn, ConnectionID(conn.peer.call_id, conn.peer.number), cause,
                             releasing=conn.peer.number)
            self.tell_far(conn, c.Released(conn.peer.call_id, cause, self.party(conn)))

    # -- the far line -------------------------------------------------------------------------
    def offer(self, m: c.Offer) -> Connection | None:
        """A call for this line: ring every endpoint, or refuse it (and say why)."""
        caller = m.caller
        why = None
        if not self.in_service():
            why = "destNotObtainable"
        elif self.dn.do_not_disturb:
            why = "doNotDisturb"
        instance = self.free_instance() if why is None else None
        if why is None and instance is None:
            why = "busy"
        if why is not None:
            self.switch.tell_line(caller.tag, c.Reject(caller.call_id, why, self.number))
            return None
        conn = self.new_connection(instance, m.gcid)
        conn.outbound, conn.peer, conn.far_answered = False, caller, True
        conn.calling, conn.calling_name = caller.number, caller.name
        conn.called, conn.called_name = self.number, self.dn.name or ""
        conn.last_redirection = m.last_redirection
        if m.last_redirection:  # forwarded or deflected here, or the target of a blind transfer
            conn.used |= FORWARD if m.cause == "redirected" else TRANSFER
        conn.dialled = m.called_number
        CONNECTION.fire(conn, "offer")
        for device in list(self.audience.endpoints):
            self.show(conn, "ringing", device)
        if self.network_endpoints():  # the call leaves here; the far network says when it rings
            self.switch.tell_line(caller.tag, c.Reached(caller.call_id, self.party(conn)))
            return conn
        self.publish("delivered", conn, self.own(conn), m.cause, alerting=self.number,
                     calling=caller.number, called=m.called_number, last_redirection=m.last_redirection or None)
        self.switch.tell_line(caller.tag, c.Alerting(caller.call_id, self.party(conn)))
        return conn

    def network_endpoints(self) -> list[str]:
        return [d for d, e in self.audience.endpoints.items() if e.network]

    def far_alerting(self, m: c.FarAlerting) -> None:
        """The network a call left through says the far end rings."""
        conn = self.connection(m)
        if conn is not None and conn.state == "alerting" and conn.peer is not None:
            self.publish("delivered", conn, self.own(conn), "newCall", alerting=self.number,
                         calling=conn.calling, called=conn.dialled or self.number)
            self.tell_far(conn, c.Alerting(conn.peer.call_id, self.party(conn)))

    def far_refused(self, m: c.FarRefused) -> None:
        """The network refused a call offered through it: the caller hears why (busy,
        reorder), as if this line had refused the offer."""
        conn = self.connection(m)
        if conn is not None and conn.state == "prompting":  # dial-via-office: the remote phone refused
            self.release(conn, m.cause, by="local")  # (the network is this leg's own endpoint)
            return
        if conn is None or conn.state != "alerting":
            return
        caller = conn.peer
        self.release(conn, m.cause, tell_peer=False, by="local")
        if caller is not None:
            self.switch.tell_line(caller.tag, c.Reject(caller.call_id, m.cause, self.number))

    def reached(self, m: c.Reached) -> None:
        """Our call left the switch through a network interface (a trunk)."""
        conn = self.connection(m)
        if conn is not None and conn.transferred and conn.peer is None:
            conn.peer, conn.reached = m.callee, True  # a blind transfer's target is outside
            self.publish("network_reached", conn, self.far(conn), conn.transferred, calling=self.number,
                         called=m.callee.number, network=m.callee.number,
                         last_redirection=conn.last_redirection or None)
            self.send_media(conn)  # our endpoint receives already: that goes into the offer
            return
        if conn is None or not CONNECTION.allows(conn, "far_alerting"):
            self.switch.tell_line(m.callee.tag, c.Released(m.callee.call_id, "normalClearing",
                                                           c.Party(self.dn.tag, m.call_id, self.number)))
            return
        conn.peer, conn.reached = m.callee, True
        self.publish("network_reached", conn, self.far(conn), conn.cause if conn.cause != "makeCall" else "newCall",
                     calling=self.number, called=conn.called, network=m.callee.number,
                     last_redirection=conn.last_redirection or None)
        if conn.media is not None:
            self.send_media(conn)
        else:  # the network wants our media address in its offer: open a channel now
            self.show(conn, "open_media")

    def publish_diverted(self, caller: c.Party, target: str, cause: str, connection: int = 0) -> None:
        about = ConnectionID(connection or caller.call_id, self.number)  # forward all: no connection here
        self.audience.publish(CallEvent(kind="diverted", device=self.number, connection=about,
                                        local_state="null", cause=cause, calling=caller.number,
                                        called=self.number, diverting=self.number, new_destination=target,
                                        last_redirection=self.number))

    def diverted(self, m: c.Diverted) -> None:
        conn = self.connection(m)
        if conn is None:
            return
        conn.last_redirection = m.diverting
        conn.used |= FORWARD
        conn.peer = None  # the line that rang is out of the call; the next one will say Alerting
        self.publish("diverted", conn, ConnectionID(m.connection or conn.call_id, m.diverting), m.cause,
                     calling=self.number, called=conn.called, diverting=m.diverting,
                     new_destination=m.new_destination, last_redirection=m.diverting)

    def alerting(self, m: c.Alerting) -> None:
        conn = self.connection(m)
        if conn is not None and conn.transferred and (conn.peer is None or conn.reached and _same(conn.peer, m.callee)):
            if conn.peer is None:  # (an outside target was reached first and has our media)
                self.send_media(conn)
            conn.peer = m.callee  # a blind transfer's target rings
            self.publish("delivered", conn, self.far(conn), conn.transferred, alerting=m.callee.number,
                         calling=self.number, called=m.callee.number, last_redirection=conn.last_redirection or None)
            return
        if conn is None or not CONNECTION.allows(conn, "far_alerting"):
            self.switch.tell_line(m.callee.tag, c.Released(m.callee.call_id, "normalClearing",
                                                           c.Party(self.dn.tag, m.call_id, self.number)))
            return
        conn.peer = m.callee
        self.send_media(conn)  # a network caller knows its media already; a phone not yet
        # early media already playing: the far end's own ringback, no local tone over it
        self.show(conn, "ringback", media=conn.early[0] if conn.early else None)
        cause = "redirected" if conn.last_redirection else "newCall"  # as the called side says
        self.publish("delivered", conn, self.far(conn), cause, alerting=m.callee.number,
                     calling=self.number, called=conn.called, last_redirection=conn.last_redirection or None)

    def reject(self, m: c.Reject) -> None:
        conn = self.connection(m)
        if conn is not None and conn.transferred and (conn.peer is None or conn.reached and not conn.far_answered):
            self.release(conn, m.cause, tell_peer=False, by="remote")  # a blind transfer found nobody (or was refused outside)
            return
        if conn is not None and CONNECTION.allows(conn, "far_rejected"):
            self.fail(conn, m.cause, busy=m.cause in ("busy", "doNotDisturb"), failing=m.callee_number)

    def answered(self, m: c.Answered) -> None:
        conn = self.connection(m)
        if conn is not None and conn.transferred and conn.state in ("connected", "hold"):
            conn.peer, conn.far_answered = m.callee, True  # the target of a transfer answered
            self.send_media(conn)
            self.publish("established", conn, self.far(conn), "newCall", answering=m.callee.number,
                         calling=self.number, called=m.callee.number, last_redirection=conn.last_redirection or None)
            self.start_media(conn)
            return
        if conn is None or not CONNECTION.allows(conn, "answered"):
            if conn is not None:
                self.log.debug("Answered for call {call} in {state}: ignored", call=m.call_id, state=conn.state)
            return
        CONNECTION.fire(conn, "answered")
        conn.peer, conn.far_answered = m.callee, True
        if conn.connect is None:
            conn.connect = self.switch.clock.seconds()
        self.show(conn, "connected", receiving=conn.media is not None)
        self.publish("established", conn, self.far(conn), "newCall", answering=m.callee.number,
                     calling=self.number, called=conn.called, last_redirection=conn.last_redirection or None)
        early, conn.early = conn.early, None
        if early != (conn.peer_media, conn.peer_codec):  # early media goes on as it was
            self.start_media(conn)

    def released(self, m: c.Released) -> None:
        conn = self.connection(m)
        if conn is None:
            return
        if m.releasing.tag != self.dn.tag:  # a call within this DN: its own clear said it
            self.publish("connection_cleared", conn, ConnectionID(m.releasing.call_id, m.releasing.number), m.cause,
                         releasing=m.releasing.number)
        self.release(conn, m.cause, tell_peer=False, by="remote")

    def peer_held(self, m: c.PeerHeld) -> None:
        conn = self.connection(m)
        if conn is None:
            return
        conn.peer_held = m.held
        if m.held:
            conn.peer_media = None
            if conn.state == "connected":
                self.show(conn, "peer_held")
            self.publish("held", conn, self.far(conn), m.cause, holding=m.holding)
        else:
            if conn.state == "connected":
                self.show(conn, "peer_retrieved")
            self.publish("retrieved", conn, self.far(conn), m.cause, retrieving=m.holding)

    # -- media ------------------------------------------------------------------------------
    def media_opened(self, m: c.MediaOpened) -> None:
        conn = self.connection(m)
        if conn is None:
            return
        if conn.device != m.device and not (conn.device is None and m.device in self.network_endpoints()):
            return  # a network's media comes before its answer (183, or the offer in an INVITE)
        conn.media, conn.codec, conn.dtmf_payload = (m.ip, m.port), m.codec, m.dtmf_payload
        if conn.peer is not None:
            self.tell_far(conn, c.PeerMedia(conn.peer.call_id, conn.media, conn.codec, conn.dtmf_payload))

    def send_media(self, conn: Connection) -> None:
        """Tell a new far end where our endpoint already receives (a transfer's new peer)."""
        if conn.media is not None and conn.peer is not None:
            self.tell_far(conn, c.PeerMedia(conn.peer.call_id, conn.media, conn.codec, conn.dtmf_payload))

    def peer_media(self, m: c.PeerMedia) -> None:
        conn = self.connection(m)
        if conn is None:
            return
        conn.peer_media, conn.peer_codec, conn.peer_dtmf_payload = m.address, m.codec, m.dtmf_payload
        if conn.state == "alerting" and m.address is not None:
            for device in self.network_endpoints():  # a trunk leg offers the caller's media
                self.show(conn, "media", device, media=m.address, codec=m.codec)
        self.start_media(conn)

    def start_media(self, conn: Connection) -> None:
        if conn.peer_media is None or conn.peer_held:
            return
        if conn.state == "connected":
            self.show(conn, "media", media=conn.peer_media, codec=conn.peer_codec,
                      dtmf_payload=conn.peer_dtmf_payload)
        elif conn.state == "originated" and conn.reached and conn.media is not None:
            conn.early = (conn.peer_media, conn.peer_codec)  # the network's early media (183)
            self.show(conn, "media", media=conn.peer_media, codec=conn.peer_codec,
                      dtmf_payload=conn.peer_dtmf_payload)


def _same(a: c.Party, b: c.Party) -> bool:
    return a.tag == b.tag and a.call_id == b.call_id
