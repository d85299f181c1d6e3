"""The CTI interface: SIP requests from CSTA applications, to the session actors.

The gateway is the SIP transaction user (sip.core.UASCore's `on_request`). It decides
whether an INVITE opens a CTI session (cme.md "CTI session lifecycle"): refused with a
clear SIP status when CTI is shut down (503), the To line is not a configured DN (404) or
not `cti watch` (403), the body is missing or not a System Status request (400), or not
CSTA XML (415). An accepted INVITE creates the dialog and a CTISessionActor and is answered
with the System Status response, `normal`, in the request's namespace.

Before any of this, the core asks cme/trusted.py whether the source may speak SIP at all
(`ip address trusted list`). The gateway decides each session's scope (actors/cti_scope.py:
its To line, or every `cti watch` line for a registered cti-aware session manager) and owns
the server-wide count of monitors (`cti max-monitors total`).

The gateway routes; it does not keep dialog state. Each dialog has one owner, its session
actor (CSeq, remote target, route set, session timer, the §12.2.2 checks and their error
answers); the gateway holds only an index from dialog key to session. In-dialog requests
and ACKs go to their session; unknown dialogs get 481.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from actors.cti_counts import CtiCounts
from actors.directory import Directory
from actors.peer_limits import PeerLog
from actors.cti_scope import SessionScope
from actors.cti_session import CSTA_XML, Ack, Clear, CTISessionActor, InDialog, TransportLost, Unwatched
from actors.trace import TraceLogger
from cme.session_managers import SessionManagers
from cme.trusted import TrustedSources, flow_host
from sip.core import UASCore
from sip.inspection import UASPolicy
from sip.csta import requests as rq
from sip.csta.devices import dial_digits
from sip.csta.errors import CSTAParseError
from sip.csta.requests import parse_request
from sip.csta.responses import request_system_status_response, system_status_response
from sip.dialog import Dialog, DialogTable, DialogTableFull
from sip.session_timer import TooSmall, negotiate
from sip.timers import DEFAULT, Timers

log = TraceLogger(namespace="cme.cti")

# Sessions opened over UDP by a source that has not yet shown it receives what we send (its
# ACK proves it): each holds a dialog for up to 64*T1, so a flood of forged INVITEs could
# fill the dialog table. Capped per source host and in all; over the cap, 503.
UNCONFIRMED_PER_SOURCE = 8
UNCONFIRMED_TOTAL = 512


@dataclass(slots=True)
class SessionStatus:
    """What `show cti session` prints, kept by the gateway as sessions report."""

    session_id: int
    peer: str
    transport: str
    user: str
    line: str
    state: str
    monitors: int
    expires_at: float
    events_sent: int = 0


class CTIGateway:
    def __init__(self, config, telephony, clock, *, timers: Timers = DEFAULT) -> None:
        self.config = config
        self.telephony = telephony
        # device ID -> actor: the lines the sessions' requests are for (none without telephony)
        self.directory = telephony.directory if telephony is not None else Directory()
        # what the lines publish (LineStatus.calls): SnapshotDevice is read from it
        self.board = telephony.board if telephony is not None else None
        self.clock = clock
        self.timers = timers
        g = config.register_global
        # one core for both transaction users: CTI sessions (CSTA XML) and trunk calls (SDP, DTMF relay)
        policy = UASPolicy(body_types=frozenset({CSTA_XML, "application/sdp", "application/dtmf-relay"}),
                           response_types=frozenset({CSTA_XML, "application/sdp"}),
                           sent_by=frozenset({f"{g.source_address or '127.0.0.1'}:{g.port}".lower()}))
        self.managers = SessionManagers(config, clock, self._manager_gone)
        # `ip address trusted list`, for every SIP request (trunk calls and CTI alike)
        self.trusted = TrustedSources(config, self.managers, clock=clock)
        self.core = UASCore(clock, policy=policy, on_request=self.on_request, on_flow_lost=self.flow_lost,
                            on_flow_busy=self.flow_busy, timers=timers, admit=self.trusted.admit,
                            trusted=self.trusted.vouches_for)
        self.dialogs = DialogTable()  # dialog key -> CTISessionActor ref, until the session ends
        # the open sessions (not yet terminating): what the CLI, session managers and a
        # lost connection act on
        self.sessions: dict[int, object] = {}  # session id -> CTISessionActor ref
        self.opened: dict[int, tuple[str, object]] = {}  # session id -> (From user, flow)
        self.status: dict[int, SessionStatus] = {}
        self._lines: dict[int, str] = {}  # session id -> the line it was opened on
        # the server's monitors (one owner: `cti max-monitors total`): per session, and all
        self._monitors: dict[int, int] = {}  # session id -> its live monitors
        self.monitors_total = 0
        self.counts = CtiCounts()  # requests answered and events sent, for the metrics
        self._ids = itertools.count(1)
        self.draining = False  # the server is going down (drain): no new sessions
        self._unconfirmed: dict[int, str] = {}  # session id -> host: UDP, unproven, not yet ACKed
        self._refusals = PeerLog(log, clock, burst=5)
        self._trunks = None
        self._watched = self._watched_numbers()  # as the last configuration change left them

    @property
    def trunks(self):
        """cme.trunks.TrunkGateway: it takes the trunk calls' requests (None: no trunks)."""
        return self._trunks

    @trunks.setter
    def trunks(self, trunks) -> None:
        self._trunks = self.trusted.trunks = trunks  # its dial-peers' resolved targets are trusted

    # -- for the session actors ---------------------------------------------------------
    def respond(self, tx, response) -> None:
        self.core.respond(tx, response)

    def send(self, request, flow, on_response) -> None:
        self.core.send_request(request, flow, on_response)

    def session_status(self, session) -> None:
        """A session reports after each message it handled (every event it sent): its
        row is made once, then only what changes is written (no peer text per event)."""
        sid = session.session_id
        status = self.status.get(sid)
        if status is None:
            self.status[sid] = SessionStatus(
                sid, _peer(session.flow), session.flow.transport_name, session.user,
                session.line_number, session.state, len(session.monitors), session.expires_at,
                session.events_sent)
        else:
            status.state = session.state
            status.monitors = len(session.monitors)
            status.expires_at = session.expires_at
            status.events_sent = session.events_sent
        if session.state == "active":
            self._unconfirmed.pop(sid, None)

    def session_closing(self, session) -> None:
        """The session sent BYE and waits for its answer: no longer shown, cleared or
        tied to a manager; its dialog key still routes to it (it refuses requests)."""
        self.sessions.pop(session.session_id, None)
        self._unconfirmed.pop(session.session_id, None)
        self.opened.pop(session.session_id, None)
        self.status.pop(session.session_id, None)
        self._lines.pop(session.session_id, None)
        self.monitors_total -= self._monitors.pop(session.session_id, 0)  # its monitors end with it

    def monitor_started(self, session) -> bool:
        """A session wants one more monitor: False when the server holds `cti
        max-monitors total` already."""
        if session.session_id not in self.sessions or \
                self.monitors_total >= self.config.voip.cti_max_monitors_total:
            return False
        self._monitors[session.session_id] = self._monitors.get(session.session_id, 0) + 1
        self.monitors_total += 1
        return True

    def monitor_stopped(self, session) -> None:
        held = self._monitors.get(session.session_id, 0)
        if held:  # else already given back when the session closed
            self._monitors[session.session_id] = held - 1
            self.monitors_total -= 1

    def session_lines(self) -> frozenset:
        """The lines CTI sessions are open on (cme.md: such a phone is MOC-associated)."""
        return frozenset(self._lines.values())

    def session_ended(self, session) -> None:
        self.session_closing(session)
        self.dialogs.unregister(session.dialog_key, session.actor_ref)

    def clear(self, session_id: int, reason: str = "cleared from the CLI") -> bool:
        ref = self.sessions.get(session_id)
        if ref is None or not ref.is_alive():
            return False
        ref.tell(Clear(reason))
        return True

    def _sessions_where(self, matches) -> list:
        """Refs of the live sessions whose (user, flow), as opened, satisfy `matches`."""
        return [ref for sid, ref in list(self.sessions.items())
                if ref.is_alive() and matches(*self.opened[sid])]

    def _manager_gone(self, register_id: str) -> None:
        for ref in self._sessions_where(lambda user, flow: user.lower() == register_id.lower()):
            ref.tell(Clear(f"session manager {register_id} no longer registered"))

    def flow_lost(self, flow) -> None:
        """The application's TCP connection closed: its sessions end (no BYE to send)."""
        for ref in self._sessions_where(lambda user, session_flow: session_flow is flow):
            ref.tell(TransportLost())

    def flow_busy(self, flow) -> bool:
        """A session (or a trunk call) still lives on this connection: it is not idle."""
        if any(session_flow is flow for _user, session_flow in self.opened.values()):
            return True
        return self.trunks is not None and self.trunks.flow_busy(flow)

    def flow_verified(self, flow) -> bool:
        """Whether the far end of ``flow`` has shown it receives what we send (sip.core)."""
        return self.core.verified_flow(flow)

    # -- configure terminal --------------------------------------------------------------
    def _watched_numbers(self) -> frozenset:
        return frozenset(n for dn in self.config.ephone_dns.values() if dn.cti_watch for n in dn.numbers)

    def config_changed(self) -> None:
        """`cti shutdown` ends every session with BYE (new ones already get 503); a DN that
        lost `cti watch` ends its monitors (new ones are refused by the same check)."""
        if self.config.voip.cti_shutdown:
            for sid in list(self.sessions):
                self.clear(sid, "cti shutdown")
        watched = self._watched_numbers()
        lost, self._watched = self._watched - watched, watched
        if lost:
            for ref in list(self.sessions.values()):
                if ref.is_alive():
                    ref.tell(Unwatched(lost))

    # -- the transaction user -------------------------------------------------------------
    def on_request(self, request, tx, flow) -> None:
        trunks = self.trunks
        if trunks is not None and trunks.takes(request):
            trunks.on_request(request, tx, flow)  # a trunk call's, not a CTI session's
            return
        if request.method == "ACK":
            ref = self.dialogs.find(request)
            if ref is not None and ref.is_alive():
                ref.tell(Ack(request))
            return
        if request.to_tag is None:
            if request.method == "INVITE":
                self._invite(request, tx, flow)
            elif request.method == "REGISTER":
                self.respond(tx, self.managers.register(request, flow))
            else:
                self.respond(tx, request.response(501))
            return
        ref = self.dialogs.find(request)
        if ref is None or not ref.is_alive():
            self.respond(tx, request.response(481))
            return
        ref.tell(InDialog(request, tx))  # the session checks it against its dialog

    def _refuse(self, tx, request, status: int, reason: str) -> None:
        # a few lines a minute per source, however many INVITEs it sends
        self._refusals.emit(flow_host(tx.peer), "info",
                            "CTI session refused ({status} {reason}): {user} to {to}", status=status,
                            reason=reason, user=str(request.from_), to=str(request.to))
        self.respond(tx, request.response(status, reason))

    def _unconfirmed_full(self, flow) -> bool:
        """Would one more session from this unproven UDP source pass the caps?"""
        host = flow.peer[0]
        return (len(self._unconfirmed) >= UNCONFIRMED_TOTAL or
                sum(1 for h in self._unconfirmed.values() if h == host) >= UNCONFIRMED_PER_SOURCE)

    def _invite(self, request, tx, flow) -> None:
        if self.config.voip.cti_shutdown:
            return self._refuse(tx, request, 503, "CTI interface shut down")
        if self.draining:
            return self._refuse(tx, request, 503, "Server shutting down")
        user = request.from_.uri.user if hasattr(request.from_.uri, "user") else str(request.from_.uri)
        challenge = self.managers.authenticate(request, flow, user or "")
        if challenge is not None:
            return self.respond(tx, challenge)  # a session manager with credentials proves it first
        manager = self.managers.may_open_session(user or "")
        if manager is False:
            return self._refuse(tx, request, 403, f"Session manager {user} is not registered and cti-aware")
        try:
            line = dial_digits(str(request.to.uri))
        except ValueError:
            line = ""
        dn = self.config.dn_by_number(line) if line else None
        if dn is None:
            return self._refuse(tx, request, 404, f"No line {line or str(request.to.uri)}")
        if not dn.cti_watch:
            return self._refuse(tx, request, 403, f"Line {line} is not cti watch")
        if not request.body:
            return self._refuse(tx, request, 400, "Missing System Status body")
        if request.content_type != CSTA_XML:
            return self._refuse(tx, request, 415, "Not application/csta+xml")
        try:
            parsed = parse_request(request.body)
        except CSTAParseError as e:
            return self._refuse(tx, request, 400, f"Malformed CSTA body: {e}")
        ns = parsed.answer_namespace
        if isinstance(parsed.request, rq.RequestSystemStatus):
            body = request_system_status_response("normal", ns)
        elif isinstance(parsed.request, rq.SystemStatus):
            body = system_status_response(ns)
        else:
            return self._refuse(tx, request, 400, "INVITE body must be a System Status request")
        timer = negotiate(request)
        if isinstance(timer, TooSmall):
            self.respond(tx, timer.response(request))
            return
        g = self.config.register_global
        host, port = g.source_address or "127.0.0.1", g.port
        try:
            dialog = Dialog.from_invite(
                request, local_contact=f"sip:{line}@{host}:{port}",
                via_factory=lambda: f"SIP/2.0/{flow.transport_name} {host}:{port}")
            self.dialogs.ensure_room()
        except (ValueError, DialogTableFull) as e:
            return self._refuse(tx, request, 400 if isinstance(e, ValueError) else 503, str(e))
        unproven = not self.core.verified_flow(flow)
        if unproven and self._unconfirmed_full(flow):
            return self._refuse(tx, request, 503, "Too many unconfirmed sessions")
        session_id = next(self._ids)
        if unproven:
            self._unconfirmed[session_id] = flow.peer[0]  # until its ACK (session_status: active)
        # a session manager may use every cti watch line; anyone else the To line only
        scope = SessionScope.session_manager(user) if manager else SessionScope.line(dn.numbers)
        # from here the dialog is the session's: it answers the INVITE with it
        ref = CTISessionActor.start(session_id, dialog, flow, self, line_number=line, user=user or "",
                                    xml_namespace=ns, invite=(request, tx, body, timer), scope=scope)
        self.sessions[session_id] = ref
        self.opened[session_id] = (user or "", flow)
        self._lines[session_id] = line
        self.dialogs.register(dialog.key, ref)
        log.info("CTI session {id}: {user} on line {line} from {peer}", id=session_id, user=user,
                 line=line, peer=_peer(flow))


    # -- shutdown -------------------------------------------------------------------------
    def drain(self, timeout: float):
        """The server is going down: every open session is sent BYE (so a UDP application
        learns it too); a Deferred firing once every session has ended (its BYE answered,
        or the application gone), or `timeout` seconds passed."""
        from cme.drain import wait_until

        self.draining = True  # new sessions are refused from now on
        for sid in list(self.sessions):
            self.clear(sid, "the server is shutting down")
        return wait_until(self.clock, lambda: not any(ref.is_alive() for ref in self.dialogs), timeout)


def _peer(flow) -> str:
    peer = getattr(flow, "peer", None)
    if isinstance(peer, tuple):
        return f"{peer[0]}:{peer[1]}"
    return str(peer)
