"""One actor per ephone-dn (directory number), created from configuration.

A line exists whether or not an endpoint shows it: CTI can watch a DN before any phone
registers, and a `cti notify` DN is permanently up with no phone at all (cme.md). The line
owns its side of every call: one connection per call instance (one, or two with
`dual-line`), each following fsm/connection.py. It talks to the far line by message
(actors/calls.py), tells the endpoints that show it each step of their calls and
publishes every change to its monitors (actors/events.py). It imports nothing of SCCP or
SIP: how a step is shown is the endpoint's business.

The actor only dispatches; the work is done by collaborators, one concern each, built
here with what they need: the basic call (line_calls.py), transfer, prompting, DTMF,
features and CTI services.
"""
from __future__ import annotations

from actors import calls as c
from actors.events import EndpointDown, EndpointUp, Subscribe, Unsubscribe
from actors.line_audience import Audience
from actors.line_calls import LineCalls
from actors.line_cti import CTICall, CTIServices
from actors.line_dtmf import Dtmf
from actors.line_features import Features
from actors.line_prompt import Prompting
from actors.line_transfer import Transfers
from actors.runtime import ReactorActor
from actors.status import CallViews, LineStatus
from fsm.connection import CONNECTION


class LineActor(ReactorActor):
    namespace = "cme.line"

    def __init__(self, dn, status: LineStatus, switch, *, board=None, endpoints: dict | None = None) -> None:
        super().__init__()
        self.dn = dn
        self.status = status  # written for the CLI, never read here
        self.board = board
        self.switch = switch
        self.audience = Audience(self.log, endpoints)
        self.calls = LineCalls(dn, switch, self.audience, self.log, self._mail)
        self.dtmf = Dtmf(self.calls)
        self.features = Features(self.calls, switch, self.log)
        self.prompting = Prompting(self.calls, switch)
        self.transfers = Transfers(self.calls, switch, self.log)
        self.cti = CTIServices(self.calls, switch, prompting=self.prompting, transfers=self.transfers,
                               dtmf=self.dtmf, log=self.log)
        self._indexed: set[int] = set()  # the call ids the board's call index has for this line
        status.calls = CallViews(self.calls.connections)  # read by the CLI when it asks
        self._handlers = _bind(self)
        self._update()

    @property
    def trace_id(self) -> str:
        return self.dn.number or f"tag{self.dn.tag}"

    @property
    def number(self) -> str:
        return self.dn.number or ""

    # the line's facts, for tests and the invariants that read them
    @property
    def connections(self):
        return self.calls.connections

    @property
    def phones(self):
        return self.audience.endpoints

    @property
    def subscribers(self):
        return self.audience.monitors

    def _mail(self, message) -> None:
        """A timer of ours fired: handle it as a message, in turn, if we are still here."""
        if self.actor_ref.is_alive():
            self.actor_ref.tell(message)

    # -- dispatch -----------------------------------------------------------------------
    def on_receive(self, message):
        handler = self._handlers.get(type(message))
        if handler is None:
            return super().on_receive(message)
        result = handler(message)
        self._update()
        return result  # only CTICall answers (asked by a CTI session)

    def on_failure(self, exc_type, exc_value, traceback) -> None:
        """A bug must not leave a DN dead or a far end waiting: clear what this line held,
        as far as it still can, and have a fresh actor take over the DN."""
        for conn in list(self.connections.values()):
            try:
                self.calls.release(conn, "unspecified")
            except Exception:  # the state that failed may fail again; the far end still hears
                if conn.peer is not None:
                    self.switch.tell_line(conn.peer.tag, c.Released(conn.peer.call_id, "unspecified",
                                                                    self.calls.party(conn)))
                self.switch.directory.call_ended(conn.call_id)
        self.connections.clear()
        self._update()
        self.switch.line_failed(self.dn.tag, dict(self.audience.endpoints))

    def _update(self) -> None:
        """Write the CLI's record of this line (nothing reads it to decide). It runs after
        every message the line handles (about 15 a call), so it reads each fact once and
        writes only what changed."""
        status, connections = self.status, self.calls.connections
        endpoints = self.audience.endpoints
        if not endpoints and not self.dn.cti_notify:  # LineCalls.in_service()
            state = "down"
        elif not connections:
            state = "idle"
        elif len(connections) == 1:
            for conn in connections.values():
                state = conn.state
        else:
            state = ",".join([conn.state for conn in connections.values()])
        was = status.state
        if state != was:
            # a trunk line (negative tag) lives for one call: its up/down would be two log
            # lines per trunk call saying what the leg's own "call ... through dial-peer" says
            if (state == "down") != (was == "down") and self.dn.tag > 0:
                self.log.info("line {number} is {state}", number=self.number,
                              state="down" if state == "down" else "up")
            status.state = state
        if status.phones != endpoints.keys():  # a new set only when one came or went
            status.phones = set(endpoints)
        # the calls themselves are read by the CLI when it asks (status.calls, CallViews);
        # the board's call index follows the set of call ids, which changes twice a call
        indexed = self._indexed
        if indexed != connections.keys() and self.board is not None:
            now = set(connections)
            self.board.index_calls(self.dn.tag, indexed, now)
            self._indexed = now

    # -- endpoints and monitors ---------------------------------------------------------------
    def _endpoint_up(self, m: EndpointUp) -> None:
        self.audience.endpoints[m.endpoint.device] = m.endpoint
        self.features.endpoint_up(m.endpoint.device)

    def _endpoint_down(self, m: EndpointDown) -> None:
        if self.audience.endpoints.pop(m.device, None) is None:
            return
        calls, left = self.calls, self.audience.endpoints
        for conn in list(self.connections.values()):
            if conn.device == m.device:
                calls.release(conn, "normalClearing", tell_phone=False, by="local")
            elif conn.state == "alerting" and not left and not self.dn.cti_notify:
                calls.release(conn, "destNotObtainable", by="local")
            elif conn.state == "prompting" and not left:
                calls.release(conn, "normalClearing", by="local")

    def _subscribe(self, m: Subscribe) -> None:
        self.audience.subscribe(m.subscriber)

    def _unsubscribe(self, m: Unsubscribe) -> None:
        self.audience.unsubscribe(m.subscriber)

    # -- the user on an endpoint ----------------------------------------------------------------
    def _user(self, m: c.UserAction) -> None:
        calls = self.calls
        conn = calls.connections.get(m.call_id) if m.call_id else None
        action = m.action
        if action == "offhook":
            if conn is None:
                calls.originate(m.device, speaker=m.speaker)
            return
        if action == "digits":
            conn = conn or calls.dialing_on(m.device)
            if conn is not None and conn.state == "connected":
                self.dtmf.send(conn, m.digits)  # keypad during a call: for the far end
            elif conn is not None:
                calls.digits(conn, m.digits)
            return
        if conn is None:
            self.log.debug("{action} from {device} for unknown call {call}", action=action, device=m.device, call=m.call_id)
            return
        rule = _USER_RULES.get(action)
        if rule is None or not CONNECTION.allows(conn, rule):
            self.log.debug("{action} from {device} refused: call {call} is {state}", action=action,
                           device=m.device, call=m.call_id, state=conn.state)
            return  # e.g. a ringing phone hanging up does not refuse the call
        if action == "onhook":
            calls.release(conn, "normalClearing", by="local")
        elif action == "answer":
            if conn.state == "prompting":
                self.prompting.answered(conn, m.device)
            else:
                calls.answer(conn, m.device)
        elif action == "hold":
            calls.hold(conn)
        elif action == "resume":
            calls.retrieve(conn, m.device)

    # -- the far line ---------------------------------------------------------------------------
    def _offer(self, m: c.Offer) -> None:
        if self.calls.in_service() and self.features.forwards():
            self.features.forward(m)
        else:
            self.calls.offer(m)

    def _clear_calls(self, m: c.ClearCalls) -> None:
        for conn in list(self.connections.values()):
            self.calls.release(conn, "normalClearing")

    def _retire(self, m: c.Retire) -> None:
        for conn in list(self.connections.values()):
            self.calls.release(conn, "normalClearing")
        self.log.info("line {number} {reason}", number=self.number, reason=m.reason)
        self.stop()


# What each user action must be allowed by the connection table.
_USER_RULES = {"onhook": "hang_up", "hold": "hold", "resume": "retrieve", "answer": "answer"}

# What handles each message: a method of the line, or "collaborator.method". Each line
# binds the table once (_bind), so a message costs one dict look-up and one call.
_HANDLERS = {
    EndpointUp: "_endpoint_up",
    EndpointDown: "_endpoint_down",
    Subscribe: "_subscribe",
    Unsubscribe: "_unsubscribe",
    c.UserAction: "_user",
    c.DigitTimeout: "calls.digit_timeout",
    c.PromptTimeout: "prompting.timeout",
    c.Dtmf: "dtmf.received",
    c.MediaOpened: "calls.media_opened",
    c.Offer: "_offer",
    c.Alerting: "calls.alerting",
    c.Reached: "calls.reached",
    c.FarAlerting: "calls.far_alerting",
    c.FarRefused: "calls.far_refused",
    c.Reject: "calls.reject",
    c.Answered: "calls.answered",
    c.Released: "calls.released",
    c.PeerMedia: "calls.peer_media",
    c.PeerHeld: "calls.peer_held",
    c.Diverted: "calls.diverted",
    c.SetForward: "features.set_forward",
    c.SetDnd: "features.set_dnd",
    c.SetMwi: "features.set_mwi",
    c.ConsultOn: "transfers.consult_on",
    c.Transfer: "transfers.transfer",
    c.JoinWith: "transfers.join_with",
    c.Joined: "transfers.joined",
    c.BlindTransfer: "transfers.blind_transfer",
    c.Replace: "transfers.replace",
    CTICall: "cti.serve",
    c.Retire: "_retire",
    c.ClearCalls: "_clear_calls",
}


def _bind(line: LineActor) -> dict:
    """The line's handlers, bound: message type -> callable(message)."""
    bound = {}
    for kind, path in _HANDLERS.items():
        target = line
        for name in path.split("."):
            target = getattr(target, name)
        bound[kind] = target
    return bound
