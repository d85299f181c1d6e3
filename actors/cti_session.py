"""One actor per uaCSTA (ECMA TR/87) CTI session: one SIP dialog, its monitors, its timer.

The gateway (cme/cti.py) accepts the INVITE and starts this actor with the dialog; from
then on every in-dialog request of the application arrives here, and every event of its
monitors leaves from here as an INFO in the dialog. Phases follow fsm/cti_session.py. The
session ends on BYE, on session-timer expiry (we send BYE), when the application stops
answering our INFOs (Timer F or a lost connection), or on `clear cti session`.

What it may touch is its scope (actors/cti_scope.py, given by the gateway). It holds one
monitor per device (a repeated MonitorStart answers the existing monitorCrossRefID), at most
`cti max-monitors per-session`, and asks the gateway for each (the server-wide total).

Call-control services are asked of the line actor and answered when it has acted
(actors/cti_services.py); the feature and snapshot services are answered at once.

`cti csta mode basic` (required for MOC): this server never sends CSTA private extensions
or vendor data in either mode; in basic mode a prompted MakeCall on a phone associated
with a CTI session is refused, as cme.md says for MOC.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Protocol

from actors.cti_scope import SessionScope
from actors.cti_services import (CALL_CONTROL, FEATURES, call_control_answer, call_control_target,
                                 feature_answer, published_snapshot, serve_feature)
from actors.monitor import EventXML, MonitorActor
from actors.runtime import ReactorActor
from sip.csta.xml import Builder
from fsm.cti_session import CTI_SESSION, OPEN, refusal_status
from sip.csta import requests as rq
from sip.csta.errors import CSTAParseError, error_xml
from sip.csta.events import DeviceForms
from sip.csta.features import get_csta_features_response
from sip.csta.requests import parse_request
from sip.csta.responses import (empty_response, monitor_start_response, request_system_status_response,
                                system_register_response, system_status_response)
from sip.dialog import OkRetransmission
from sip.session_timer import TooSmall, negotiate
from sip.timers import DEFAULT
from sip.executor import Executor
from sip.transaction import Send, TransactionTableFull

CSTA_XML = "application/csta+xml"
_monitor_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class InDialog:
    """An application request in this session's dialog, for its checks (§12.2.2)."""

    request: object
    transaction: object


@dataclass(frozen=True, slots=True)
class Ack:
    request: object


@dataclass(frozen=True, slots=True)
class InfoAnswered:
    response: object  # None: no final response (Timer F, connection lost)


@dataclass(frozen=True, slots=True)
class ByeAnswered:
    response: object  # None: no final response (Timer F, connection lost)


@dataclass(frozen=True, slots=True)
class ServiceDone:
    csta: object
    ns: str
    request: object
    tx: object
    future: object


@dataclass(frozen=True, slots=True)
class OkTimer:
    name: str


@dataclass(frozen=True, slots=True)
class Expire:
    deadline_token: int


@dataclass(frozen=True, slots=True)
class Clear:
    reason: str


@dataclass(frozen=True, slots=True)
class Unwatched:
    """These DNs lost `cti watch` (configure terminal): their monitors end, and the
    application is told so by the switch's own MonitorStop."""

    numbers: frozenset


@dataclass(frozen=True, slots=True)
class TransportLost:
    """The connection the session's dialog runs on closed."""


class SessionHost(Protocol):
    """What a CTI session needs of the CTI interface that accepted it (cme/cti.py's
    gateway): the SIP core to answer and send through, the configuration, the directory
    that routes its requests to lines, and where it reports its state."""

    config: Any
    clock: Any
    directory: Any  # actors.directory.Directory
    counts: Any  # actors.cti_counts.CtiCounts: what the sessions answered and sent

    def respond(self, tx, response) -> None: ...

    def send(self, request, flow, on_response) -> None: ...

    def session_status(self, session) -> None: ...

    def session_closing(self, session) -> None: ...

    def session_ended(self, session) -> None: ...

    def session_lines(self) -> frozenset: ...

    def monitor_started(self, session) -> bool: ...

    def monitor_stopped(self, session) -> None: ...


class CTISessionActor(ReactorActor):
    namespace = "cme.cti.session"

    def __init__(self, session_id: int, dialog, flow, gateway: SessionHost, *, line_number: str, user: str,
                 xml_namespace: str, invite=None, scope: SessionScope | None = None) -> None:
        """``dialog`` is this session's from now on: only this actor changes it.
        ``scope`` is what it may control and monitor (default: its own line only).
        ``invite`` is (request, server transaction, System Status response body, session
        timer), answered here with the dialog's 200 OK."""
        super().__init__()
        self.session_id = session_id
        self.dialog = dialog
        self.dialog_key = dialog.key  # what the gateway routes by
        self.flow = flow
        self.gateway = gateway
        self.line_number = line_number
        self.user = user
        self.xml_namespace = xml_namespace
        self.scope = scope if scope is not None else SessionScope.line([line_number])
        self.monitors: dict[str, object] = {}  # monitorCrossRefID -> MonitorActor ref
        self.monitor_devices: dict[str, str] = {}  # monitorCrossRefID -> the DN it watches
        self._monitor_of: dict[int, str] = {}  # ephone-dn tag -> its one monitor in this session
        # `cti message device-id suppress-conversion`: device IDs go back to the
        # application exactly as it wrote them (tel:201 stays tel:201); without it they are
        # the plain directory numbers (there is no E.164 plan here to promote them to).
        self.device_forms = DeviceForms() if gateway.config.voip.suppress_conversion else None
        self.events_sent = 0
        self._asked = 0  # asks of a line not yet answered (ServiceDone not yet handled)
        self._expiry = None
        self._expiry_token = 0
        self._ok = None
        me = self.actor_ref
        self._ok_executor = Executor(
            gateway.clock, on_timer=lambda ok, name: me.is_alive() and me.tell(OkTimer(name)),
            on_timeout=self._no_ack)
        CTI_SESSION.start(self)
        CTI_SESSION.fire(self, "accept")
        if invite is not None:
            self._accept(*invite)

    def _accept(self, request, tx, body: bytes, timer) -> None:
        """The 200 OK to the dialog-creating INVITE goes through its server transaction
        at once; §13.3.1.4's retransmission until the ACK (UDP) starts with the actor."""
        ok = self.dialog.invite_ok(request, body=body, content_type=CSTA_XML, session_timer=timer)
        self.gateway.counts.answered("RequestSystemStatus", body)
        self.gateway.respond(tx, ok)
        timers = getattr(self.gateway, "timers", DEFAULT)
        verified = getattr(self.gateway, "flow_verified", None)  # UDP: no amplification
        self._ok = OkRetransmission(ok, timers.over(self.flow.reliable),
                                    verified=verified(self.flow) if verified is not None else True)

    @property
    def trace_id(self) -> str:
        return str(self.session_id)

    def on_start(self) -> None:
        self._arm_expiry()
        if self._ok is not None:
            # the 200 OK was sent once already; only its timers start here
            self._ok_executor.run(self._ok, [e for e in self._ok.start() if not isinstance(e, Send)],
                                  self.flow)
        self.gateway.session_status(self)

    def on_stop(self) -> None:
        self._end_monitors()
        self._stop_timers()

    def _stop_timers(self) -> None:
        """No more 2xx retransmission (an OkTimer already queued finds none) or expiry."""
        if self._ok is not None:
            self._ok_executor.cancel(self._ok)
            self._ok = None
        if self._expiry is not None and self._expiry.active():
            self._expiry.cancel()

    def _fire(self, trigger: str) -> bool:
        """The table decides; a trigger this state does not take changes nothing."""
        if CTI_SESSION.try_fire(self, trigger):
            return True
        self.log.debug("session {id}: {trigger} refused in {state}", id=self.session_id,
                       trigger=trigger, state=self.state)
        return False

    # -- dispatch -----------------------------------------------------------------------
    def on_receive(self, message):
        if type(message) is EventXML:  # the many: ~14 events a click-to-dial cycle
            self._send_event(message)
        elif isinstance(message, InDialog):
            self._request(message.request, message.transaction)
        elif isinstance(message, OkTimer):
            if self._ok is not None:
                self._ok_executor.run(self._ok, self._ok.timer_fired(message.name), self.flow)
        elif isinstance(message, Ack):
            self.dialog.accept_request(message.request)
            if self._ok is not None:
                self._ok_executor.run(self._ok, self._ok.ack(), self.flow)
            was = self.state
            if self._fire("ack") and was != self.state:
                # a trace line, not an info one: the gateway logged the session when it
                # accepted the INVITE, and its end is logged with the reason
                self.log.debug("session {id} from {user} on {line} is active", id=self.session_id,
                               user=self.user, line=self.line_number)
        elif isinstance(message, ServiceDone) and isinstance(message.csta, FEATURES):
            self._asked -= 1
            try:
                in_effect = message.future.get()
            except Exception as e:  # the line failed on it (and was replaced)
                in_effect = None
                self.log.warn("CTI request {request} failed: {error}", request=type(message.csta).__name__, error=str(e))
            self._answer(message.request, message.tx, feature_answer(message.csta, in_effect, message.ns),
                         type(message.csta).__name__)
        elif isinstance(message, ServiceDone):
            self._asked -= 1
            try:
                result = message.future.get()
            except Exception as e:  # the line failed on it (and was replaced)
                result = ("error", "unspecified", "unspecified")
                self.log.warn("CTI request {request} failed: {error}", request=type(message.csta).__name__, error=str(e))
            self._answer(message.request, message.tx, call_control_answer(message.csta, result, message.ns),
                         type(message.csta).__name__)
        elif isinstance(message, EventXML):
            self._send_event(message)
        elif isinstance(message, InfoAnswered):
            if message.response is None:
                self._end("application_gone", "the application stopped answering INFO", send_bye=False)
        elif isinstance(message, ByeAnswered):
            answered = message.response is not None
            if self._fire("bye_answered" if answered else "bye_timeout"):
                self._finish(f"BYE answered {message.response.status}" if answered
                             else "BYE got no answer")
        elif isinstance(message, Expire):
            if message.deadline_token == self._expiry_token:  # else a timer re-armed since
                self._end("expire", "session timer expired", send_bye=True)
        elif isinstance(message, TransportLost):
            self._end("transport_lost", "the application's connection closed", send_bye=False)
        elif isinstance(message, Clear):
            self._end("clear", message.reason, send_bye=True)
        elif isinstance(message, Unwatched):
            self._unwatched(message.numbers)
        else:
            return super().on_receive(message)
        if self.state in OPEN:
            self.gateway.session_status(self)
        return None

    # -- requests of the application --------------------------------------------------------
    def _request(self, request, tx) -> None:
        method = request.method
        if self.log.tracing:
            self.log.debug("<- {method} CSeq {cseq}: {body}", method=method,
                           cseq=request.cseq.number if request.cseq else "?", body=_text(request.body))
        if not self._fire("in_dialog"):
            self._refuse(request, tx, "in_dialog")
            return
        error = self.dialog.accept_request(request)
        if error is not None:
            self.gateway.respond(tx, error)
        elif method == "BYE":
            self.gateway.respond(tx, self.dialog.response(request, 200))
            self._end("bye_received", "BYE from the application", send_bye=False)
        elif method == "INVITE":
            self._refresh(request, tx)
        elif method == "INFO":
            if self._fire("request"):
                self._info(request, tx)
            else:
                self._refuse(request, tx, "request")
        else:
            self.gateway.respond(tx, self.dialog.response(request, 405))

    def _refuse(self, request, tx, trigger: str) -> None:
        self.gateway.respond(tx, self.dialog.response(request, refusal_status(trigger, self.state)))

    def _refresh(self, request, tx) -> None:
        timer = negotiate(request)
        if isinstance(timer, TooSmall):
            self.gateway.respond(tx, timer.response(request))
            return
        self._fire("refresh")
        self.gateway.respond(tx, self.dialog.invite_ok(request, session_timer=timer))
        self._arm_expiry()

    def _info(self, request, tx) -> None:
        if not _is_csta(request):
            self.gateway.counts.rejected("unknown")
            self.gateway.respond(tx, self.dialog.response(request, 415, headers=[("Accept", CSTA_XML)]))
            return
        try:
            parsed = parse_request(request.body)
        except CSTAParseError as e:
            if e.reason == "size":
                self.gateway.counts.rejected("unknown")
                self.gateway.respond(tx, self.dialog.response(request, 413))
            elif e.reason in ("xml", "dtd"):
                self.gateway.counts.rejected("unknown")
                self.gateway.respond(tx, self.dialog.response(request, 400, "Malformed CSTA body"))
            else:
                self._answer(request, tx, e.error_xml(), "unknown")
            return
        ns = parsed.answer_namespace
        if type(parsed.request) in CALL_CONTROL:
            self._call_control(parsed.request, ns, request, tx)
            return
        if isinstance(parsed.request, FEATURES):
            refused = self._out_of_scope(parsed.request.device.digits, ns)
            self._ask_line(parsed.request, ns, request, tx,
                           refused or serve_feature(self.gateway, parsed.request, ns))
            return
        body = self._serve(parsed.request, ns)
        self._answer(request, tx, body, type(parsed.request).__name__)

    def _call_control(self, csta_request, ns: str, request, tx) -> None:
        """Asked of the line (an actor): answered when it has acted, in a later turn."""
        target = call_control_target(self.gateway, csta_request, ns, session_line=self.line_number,
                                     scope=self.scope)
        if type(csta_request) is rq.SnapshotDevice and not self._asked and not isinstance(target, bytes):
            # Nothing this session asked of a line is still on its way, so the line's
            # published calls already show everything the session caused: read them
            # instead of asking (an ask waits behind the same messages, no others).
            body = published_snapshot(self.gateway, csta_request, ns)
            if body is not None:
                self._answer(request, tx, body, "SnapshotDevice")
                return
        self._ask_line(csta_request, ns, request, tx, target)

    def _ask_line(self, csta_request, ns: str, request, tx, target) -> None:
        """`target` is the answer (bytes), or (line ref, message) to ask the line first."""
        if isinstance(target, bytes):
            self._answer(request, tx, target, type(csta_request).__name__)
            return
        line, message = target
        me = self.actor_ref
        self._asked += 1  # until its ServiceDone is handled
        future = line.ask(message, block=False)
        future.add_done_callback(
            lambda f: me.is_alive() and me.tell(ServiceDone(csta_request, ns, request, tx, f)))

    def _answer(self, request, tx, body: bytes, service: str) -> None:
        self.gateway.counts.answered(service, body)
        if self.log.tracing:
            self.log.debug("-> 200 to {method}: {body}", method=request.method, body=_text(body))
        self.gateway.respond(tx, self.dialog.response(request, 200, body=body, content_type=CSTA_XML))

    def _serve(self, request, ns: str) -> bytes:
        if isinstance(request, rq.GetCSTAFeatures):
            return get_csta_features_response(ns)
        if isinstance(request, rq.RequestSystemStatus):
            return request_system_status_response("normal", ns)
        if isinstance(request, rq.SystemStatus):
            return system_status_response(ns)
        if isinstance(request, rq.SystemRegister):
            return system_register_response(str(self.session_id), ns)
        if isinstance(request, rq.MonitorStart):
            return self._monitor_start(request, ns)
        if isinstance(request, rq.MonitorStop):
            if not self._stop_monitor(request.monitor_cross_ref_id):
                return error_xml("operation", "invalidMonitorCrossRefID", ns)
            return empty_response("MonitorStopResponse", ns)
        return error_xml("operation", "serviceNotSupported", ns)

    def _out_of_scope(self, digits: str, ns: str) -> bytes | None:
        """The error for a device this session may not use (None: it may, as far as its
        scope goes); a number that is no DN stays invalidDeviceID, as for any session."""
        if self.scope.allows(digits):
            return None
        if self.gateway.config.dn_by_number(digits) is None:
            return error_xml("operation", "invalidDeviceID", ns)
        self.log.info("session {id} ({scope}) refused device {device}", id=self.session_id,
                      scope=str(self.scope), device=digits)
        return error_xml("operation", "privilegeViolationSpecifiedDevice", ns)

    def _monitor_start(self, request, ns: str) -> bytes:
        digits = request.device.digits
        refused = self._out_of_scope(digits, ns)
        if refused is not None:
            return refused
        line = self.gateway.directory.get(digits)
        dn = self.gateway.config.dn_by_number(digits)
        if line is None or dn is None:
            return error_xml("operation", "invalidDeviceID", ns)
        if not dn.cti_watch:
            return error_xml("operation", "privilegeViolationSpecifiedDevice", ns)
        if self.device_forms is not None:
            self.device_forms.remember(request.device)
        existing = self._monitor_of.get(dn.tag)
        if existing is not None:  # one monitor per device per session: the same events once
            return monitor_start_response(existing, ns)
        if len(self.monitors) >= self.gateway.config.voip.cti_max_monitors_session or \
                not self.gateway.monitor_started(self):
            self.log.info("session {id}: no monitor on {line}, the monitor limit is reached",
                          id=self.session_id, line=digits)
            return error_xml("systemResourceAvailibility", "overallMonitorLimitExceeded", ns)
        monitor_id = f"{next(_monitor_ids):08x}"
        self.monitors[monitor_id] = MonitorActor.start(monitor_id, line, self.actor_ref, ns, self.device_forms)
        self.monitor_devices[monitor_id] = digits
        self._monitor_of[dn.tag] = monitor_id
        self.log.info("monitor {id} on {line}", id=monitor_id, line=digits)
        return monitor_start_response(monitor_id, ns)

    def _unwatched(self, numbers: frozenset) -> None:
        for monitor_id, number in list(self.monitor_devices.items()):
            if number not in numbers:
                continue
            if not self._stop_monitor(monitor_id):
                continue
            self.log.info("monitor {id} on {line} ended: no longer cti watch", id=monitor_id, line=number)
            if self.state == "active":  # ECMA-323: the switch stops the monitor and says so
                b = Builder("MonitorStop", self.xml_namespace)
                b.add(b.root, "monitorCrossRefID", monitor_id)
                body = b.bytes()
                self.gateway.send(self.dialog.request("INFO", body, CSTA_XML), self.flow, None)

    # -- what we send -------------------------------------------------------------------------
    def _send_event(self, message: EventXML) -> None:
        if self.state != "active" or message.monitor_id not in self.monitors:
            return
        info = self.dialog.request("INFO", message.body, CSTA_XML)
        self.events_sent += 1
        self.gateway.counts.events_sent += 1
        if self.log.tracing:
            self.log.debug("-> INFO CSeq {cseq}: {body}", cseq=self.dialog.local_cseq, body=_text(message.body))
        self.gateway.send(info, self.flow, self._info_answered)

    def _info_answered(self, response) -> None:
        """The core's answer to one of our INFOs (on the reactor thread, outside this actor's
        turn). Only no answer at all (Timer F, connection lost) means something to the
        session, so only that becomes a message: a 200 per event costs no mailbox turn."""
        if response is None and self.actor_ref.is_alive():
            self.actor_ref.tell(InfoAnswered(None))

    def _no_ack(self, ok, timer: str, flow) -> None:
        """§13.3.1.4: no ACK for our 2xx in 64*T1: the dialog ends with BYE, or silently
        when the source never showed it receives what we send (a spoofed INVITE)."""
        self._end("ack_timeout", "no ACK for the 200 OK", send_bye=ok.verified)

    def _arm_expiry(self) -> None:
        if self._expiry is not None and self._expiry.active():
            self._expiry.cancel()
        timer = self.dialog.session_timer
        seconds = timer.expire_after if timer is not None else 1800
        self._expiry_token += 1
        token, me = self._expiry_token, self.actor_ref
        self._expiry = self.gateway.clock.callLater(seconds, lambda: me.is_alive() and me.tell(Expire(token)))
        self.expires_at = self.gateway.clock.seconds() + seconds

    def _end(self, trigger: str, reason: str, *, send_bye: bool) -> None:
        """End the session by `trigger` if its state takes it; with ``send_bye``, BYE the
        application and (in terminating) wait for the answer before finishing."""
        if not self._fire(trigger):
            return
        if send_bye:
            self._send_bye()
        elif self.state == "terminating":  # the application already stopped answering
            self._fire("abandon")
        if self.state != "terminating":
            self._finish(reason)
            return
        self.log.info("session {id} ending: {reason}; BYE sent", id=self.session_id, reason=reason)
        self._stop_timers()  # the BYE is out
        self.gateway.session_closing(self)

    def _send_bye(self) -> None:
        self.dialog.terminated = True
        me = self.actor_ref

        def answered(response):
            if me.is_alive():
                me.tell(ByeAnswered(response))

        try:
            self.gateway.send(self.dialog.request("BYE"), self.flow, answered)
        except TransactionTableFull:  # no room to send it: nothing to wait for
            self.log.warn("session {id}: no room for the BYE transaction", id=self.session_id)
            self._fire("bye_timeout")

    def _finish(self, reason: str) -> None:
        self.log.info("session {id} ended: {reason}", id=self.session_id, reason=reason)
        self._end_monitors()
        self.gateway.session_ended(self)
        self.stop()

    def _stop_monitor(self, monitor_id: str) -> bool:
        """Stop one of this session's monitors and give its slot back; False if none."""
        ref = self.monitors.pop(monitor_id, None)
        self.monitor_devices.pop(monitor_id, None)
        if ref is None:
            return False
        self._monitor_of = {tag: m for tag, m in self._monitor_of.items() if m != monitor_id}
        if ref.is_alive():
            ref.tell(_stop_message())
        self.gateway.monitor_stopped(self)
        return True

    def _end_monitors(self) -> None:
        for monitor_id in list(self.monitors):
            self._stop_monitor(monitor_id)


def _is_csta(request) -> bool:
    """Whether the body is CSTA XML: the header exactly as every application writes it is
    known without parsing (Message.content_type parses the header on each read); any other
    spelling (case, parameters, spaces) is parsed."""
    return request.headers.get("Content-Type") == CSTA_XML or request.content_type == CSTA_XML


def _text(body: bytes) -> str:
    """A body for the trace: text, one line, bounded."""
    text = body.decode("utf-8", "replace").replace("\r", " ").replace("\n", " ")
    return text if len(text) <= 2000 else text[:2000] + "…"


def _stop_message():
    from pykka import messages

    return messages._ActorStop()
