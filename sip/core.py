"""A minimal SIP UAS core (RFC 3261 §8.2, §17.2): a :class:`TransactionTable` whose
effects its :class:`~sip.executor.Executor` carries out with a real (injected) clock and
the :class:`~sip.transport.Flow` a request came on; the hooks here say what a delivery, a
timeout or an ended transaction means to the core.

What it does itself: absorbs retransmissions (the transactions do), rejects what
:func:`sip.inspection.inspect_request` rejects, answers OPTIONS (§11.2). Everything else
goes to the transaction user, ``on_request(request, server_transaction, flow)``, which
answers with :meth:`UASCore.respond`. An ACK (no response possible) reaches it with
``server_transaction=None``.

It also sends: non-INVITE requests (:meth:`UASCore.send_request`: INFO, BYE), a trunk's
INVITEs (:meth:`UASCore.send_invite`, every response to the TU), their CANCEL
(:meth:`UASCore.cancel`, held until a provisional has come, §9.1) and the ACK of a 2xx,
which belongs to no transaction (:meth:`UASCore.send_stateless`). With
``UASPolicy.sent_by`` set, an INVITE that carries a Via of ours with the branch of an
INVITE we are still sending came back to us: 482 (a loop through the trunk).

Before any of that, ``admit(request, flow)`` (when given) says whether the source may speak
to us at all: a Response it returns is sent statelessly and the request goes no further
(no transaction, no TU; an ACK is dropped), counted as ``refused``.

The TU owns the dialogs, so an in-dialog request for an unknown dialog is the TU's to
refuse (481). The default TU, :meth:`UASCore.refuse`, is what a listener runs before a CTI
session layer exists: 481 to in-dialog requests and CANCEL, 501 to anything else.
"""
from __future__ import annotations

from typing import Callable

from actors.trace import TraceLogger
from sip.cancel import cancel_request
from sip.inspection import UASPolicy, inspect_request, loop_detected
from sip.limits import IssuedTags, VerifiedSources
from sip.message import Request, Response
from sip.executor import Executor
from sip.timers import DEFAULT, Timers
from sip.transaction import DEFAULT_LIMIT, InviteClientTransaction, Send, TransactionTable

log = TraceLogger(namespace="cme.sip")

OnRequest = Callable[[Request, object, object], None]
# (request, flow) -> None to admit it, or the Response to send statelessly instead
Admit = Callable[[Request, object], "Response | None"]


class UASCore:
    """``clock`` provides ``callLater`` (the reactor, or ``task.Clock`` in tests)."""

    def __init__(self, clock, *, policy: UASPolicy = UASPolicy(),
                 on_request: OnRequest | None = None, timers: Timers = DEFAULT,
                 limit: int = DEFAULT_LIMIT, on_flow_lost: Callable | None = None,
                 admit: Admit | None = None, on_flow_busy: Callable | None = None,
                 trusted: Callable[[str], bool] | None = None) -> None:
        self.clock = clock
        # who may speak to us at all: asked before a request allocates anything
        self.admit = admit
        self.policy = policy
        self.on_request = on_request if on_request is not None else self.refuse
        self.on_flow_lost = on_flow_lost  # the TU hears of lost streams (sessions end)
        self.on_flow_busy = on_flow_busy  # the TU says whether it still uses a stream
        # UDP sources answered in full (2xx retransmitted, BYE on no ACK): those that have
        # shown they receive what we send, and those the caller trusts (`ip address
        # trusted list`, dial-peer targets). Others are answered 1:1 (no amplification).
        self.trusted = trusted if trusted is not None else (lambda host: False)
        self.verified = VerifiedSources()
        self._issued = IssuedTags()
        self.table = TransactionTable(timers, limit=limit)
        self.executor = Executor(clock, on_timer=self._timer_fired, on_deliver=self._deliver,
                                 on_timeout=self._timed_out, on_terminated=self._terminated)
        self._waiting: dict[object, Callable] = {}  # client transaction -> on_response
        self._invites: dict[InviteClientTransaction, Callable] = {}  # -> on_response
        self._cancels: dict[InviteClientTransaction, object] = {}  # -> CANCEL tx, or None
        self._counts = dict.fromkeys(                              # until a 1xx comes
            ("requests", "retransmissions", "responses", "stray_responses", "rejected",
             "options", "delivered", "tu_errors", "invites", "cancels", "loops", "refused"), 0)

    # -- from the transport ------------------------------------------------------------
    def receive(self, message: Request | Response, flow) -> None:
        if isinstance(message, Response):
            self._counts["responses"] += 1
            tx, effects = self.table.receive_response(message)
            if tx is not None:
                self._verify(tx.peer)  # it answered the branch we sent there
            if tx is None:
                self._counts["stray_responses"] += 1
                log.debug("stray {status} from {flow!r} dropped", status=message.status, flow=flow)
            # an error final's ACK goes where the INVITE went (§17.1.1.3), not to wherever
            # the response came from
            self._execute(tx, effects, tx.peer if tx is not None and tx.peer is not None
                          else flow)
            return
        self._counts["requests"] += 1
        if self.admit is not None:
            refusal = self.admit(message, flow)
            if refusal is not None:
                # no transaction, no TU: a stateless answer (an ACK has none) costs nothing
                self._counts["refused"] += 1
                if message.method != "ACK":
                    self.executor.run(None, [Send(refusal)], flow)
                return
        if not flow.reliable and self._issued.proves(message.to_tag, flow.peer):
            self._verify(flow)  # it carries the To tag we sent to that address
        tx, effects = self.table.receive_request(message, reliable=flow.reliable, peer=flow)
        # a transaction that holds another request than this one already existed: this
        # is a retransmission (the transaction key is computed once, in the table)
        known = tx if tx is not None and tx.request is not message and message.method != "ACK" else None
        if known is not None:
            self._counts["retransmissions"] += 1
        self._execute(tx, effects, flow)
        if (known is not None and message.method == "INVITE" and known.state == "accepted"
                and not self.verified_flow(flow) and known.last_response is not None):
            # RFC 6026 leaves the 2xx to the TU, which re-sends it to an unverified source
            # only when the INVITE comes again: one answer per request, never more
            self.executor.run(None, [Send(known.last_response)], flow)

    # -- who gets answered in full -------------------------------------------------------------
    def verified_flow(self, flow) -> bool:
        """A reliable flow (a connection: the handshake proved the address), a trusted
        host, or a UDP source that has shown it receives what we send."""
        if getattr(flow, "reliable", True):
            return True
        peer = getattr(flow, "peer", None)
        if peer is None:
            return True
        return peer in self.verified or bool(self.trusted(peer[0]))

    def _verify(self, flow) -> None:
        if flow is not None and not getattr(flow, "reliable", True) and getattr(flow, "peer", None):
            self.verified.add(flow.peer)

    def flow_busy(self, flow) -> bool:
        """Whether ``flow`` is still in use: a transaction is open on it, or the TU says it
        uses it (``on_flow_busy``: a CTI session or trunk call lives on it). A stream
        listener does not idle-close a busy connection."""
        if any(tx.peer is flow or tx.peer == flow for tx in self.table.transactions()):
            return True
        return bool(self.on_flow_busy is not None and self.on_flow_busy(flow))

    def flow_lost(self, flow) -> None:
        """A stream closed: the requests we sent on it will get no answer (their
        `on_response` hears None at once, not after Timer F). Server transactions answer
        on whatever flow their peer is."""
        for tx in [tx for tx in [*self._waiting, *self._invites] if tx.peer is flow]:
            self._execute(tx, self.table.transport_error(tx), flow)
        if self.on_flow_lost is not None:
            self.on_flow_lost(flow)

    # -- requests we send (INFO with events, BYE) ------------------------------------------
    def send_request(self, request: Request, flow, on_response: Callable | None = None):
        """Send a non-INVITE request on `flow` in a client transaction (RFC 3261 §17.1.2).

        `on_response` is called exactly once: with the final response, or with None when
        no final response came (Timer F, or the flow failed) — for the CTI session that
        means the application is gone. Raises sip.transaction.TransactionTableFull when
        the table is at its limit."""
        tx, effects = self.table.send_request(request, reliable=flow.reliable, peer=flow)
        if on_response is not None:
            self._waiting[tx] = on_response
        self._execute(tx, effects, flow)
        return tx

    # -- a trunk's calls ---------------------------------------------------------------------
    def send_invite(self, request: Request, flow, on_response: Callable, *,
                    max_sends: int | None = None, timers: Timers | None = None) -> InviteClientTransaction:
        """Send an INVITE on `flow` in an INVITE client transaction (§17.1.1).

        `on_response(response)` hears every response the transaction passes up: each
        1xx, the 2xx and every 2xx after it (retransmissions, other forks: the TU ACKs
        each with :meth:`send_stateless`), or the one error final (already ACKed).
        `on_response(None)` once if it gives up with no final response (Timer B, the
        `max_sends` limit, a lost flow). `timers` replaces the core's for this INVITE
        (its T1 is the first retransmission interval). Raises TransactionTableFull."""
        tx, effects = self.table.send_request(request, reliable=flow.reliable, peer=flow,
                                              max_sends=max_sends, timers=timers)
        self._counts["invites"] += 1
        self._invites[tx] = on_response
        self._execute(tx, effects, flow)
        return tx

    def send_stateless(self, request: Request, flow) -> None:
        """Send `request` on `flow` outside any transaction: the ACK of a 2xx
        (§13.2.2.4), which the TU re-sends itself for each retransmitted 2xx."""
        self.executor.run(None, [Send(request)], flow)

    def cancel(self, tx: InviteClientTransaction):
        """CANCEL the INVITE of `tx` (§9.1), in a non-INVITE client transaction of its
        own, returned. Before any provisional the CANCEL is held (None is returned) and
        sent when the first 1xx arrives: a CANCEL that overtakes its INVITE would find
        nothing to cancel, and the INVITE would then ring. Once a final response has
        come, or a CANCEL was already sent or is held, nothing happens (None). The
        INVITE's own answer (487, or a 2xx that crossed the CANCEL: the TU ACKs and BYEs
        it) still reaches `on_response`."""
        if tx not in self._invites or tx in self._cancels or tx.state not in (
                "calling", "proceeding"):
            return None
        if tx.state == "calling":
            self._cancels[tx] = None
            return None
        return self._send_cancel(tx)

    def _send_cancel(self, tx: InviteClientTransaction):
        self._counts["cancels"] += 1
        cancel = self.send_request(cancel_request(tx.request), tx.peer)
        self._cancels[tx] = cancel
        self._execute(tx, self.table.cancelled(tx), tx.peer)
        return cancel

    def _invite_response(self, tx: InviteClientTransaction, response: Response) -> None:
        if tx in self._cancels and self._cancels[tx] is None:
            if response.status < 200:
                self._send_cancel(tx)  # the held CANCEL: there is something to cancel now
            else:
                del self._cancels[tx]
        callback = self._invites.get(tx)
        if callback is None:
            return
        try:
            callback(response)
        except Exception:
            self._counts["tu_errors"] += 1
            log.failure("SIP TU failed on {response!r} to {tx!r}", response=response, tx=tx)

    def _invite_ended(self, tx, response: Response | None) -> None:
        self._cancels.pop(tx, None)
        callback = self._invites.pop(tx, None)
        if callback is not None and response is None and tx.last_response is None:
            try:
                callback(None)
            except Exception:
                self._counts["tu_errors"] += 1
                log.failure("SIP TU failed on the timeout of {tx!r}", tx=tx)

    def _answer_waiting(self, tx, response: Response | None) -> None:
        callback = self._waiting.pop(tx, None)
        if callback is not None:
            try:
                callback(response)
            except Exception:
                self._counts["tu_errors"] += 1
                log.failure("SIP TU failed on the answer to {tx!r}", tx=tx)

    # -- from the TU -------------------------------------------------------------------
    def respond(self, server_transaction, response: Response) -> None:
        """Send ``response`` through ``server_transaction`` (retransmitted as its timers
        say, on the flow the request came on)."""
        effects = self.table.respond(server_transaction, response)
        flow = server_transaction.peer
        # the To tag (a parse) is read last: only an unproven UDP source needs it
        if flow is not None and not self.verified_flow(flow) and response.to_tag is not None:
            self._issued.add(response.to_tag, flow.peer)
        self._execute(server_transaction, effects, flow)

    def refuse(self, request: Request, server_transaction, flow) -> None:
        """The default TU: nothing exists, so 481 in a dialog (and to CANCEL: no
        transaction, §9.2), 501 otherwise."""
        if server_transaction is None:  # an ACK
            return
        if request.to_tag is not None or request.method == "CANCEL":
            self.respond(server_transaction, request.response(481))
        else:
            self.respond(server_transaction, request.response(501))

    def options_response(self, request: Request) -> Response:
        """§11.2: 200 with what this UAS would do with an INVITE."""
        p = self.policy
        return request.response(200, headers=[
            ("Allow", ", ".join(sorted(p.methods))),
            ("Accept", ", ".join(sorted(p.body_types))),
            ("Supported", ", ".join(sorted(p.extensions))),
        ])

    def stats(self) -> dict[str, int]:
        """Counters and live sizes, for `show` commands."""
        return {**self._counts, "sent": self.executor.sent, "transactions": len(self.table),
                "timers": self.executor.timer_count()}

    # -- effects (carried out by self.executor; what they mean to the core) ---------------
    def _execute(self, tx, effects, flow) -> None:
        self.executor.run(tx, effects, flow)

    def _terminated(self, tx) -> None:
        if tx in self._invites:
            self._invite_ended(tx, None)  # None to the TU only if no final ever came
            return
        self._answer_waiting(tx, None)  # ended with no final response

    def _timed_out(self, tx, timer: str, flow) -> None:
        log.info("transaction {tx!r} to {flow!r} timed out ({timer})", tx=tx, flow=flow, timer=timer)
        if tx in self._invites:
            self._invite_ended(tx, None)
            return
        self._answer_waiting(tx, None)

    def _timer_fired(self, tx, name: str) -> None:
        self._execute(tx, self.table.timer_fired(tx, name), tx.peer)

    def _deliver(self, tx, message: Request | Response, flow) -> None:
        if not isinstance(message, Request):
            if isinstance(tx, InviteClientTransaction):
                self._invite_response(tx, message)
            elif message.status >= 200:
                self._answer_waiting(tx, message)
            return
        if message.method == "ACK":
            self._call_tu(message, None, flow)
            return
        rejection = inspect_request(message, self.policy)
        if rejection is not None:
            self._counts["rejected"] += 1
            self.respond(tx, rejection)
            return
        if loop_detected(message, self.policy, self.table.sent_invite):
            self._counts["loops"] += 1
            self.respond(tx, message.response(482))
            return
        if message.method == "OPTIONS":
            self._counts["options"] += 1
            self.respond(tx, self.options_response(message))
            return
        self._call_tu(message, tx, flow)

    def _call_tu(self, request: Request, tx, flow) -> None:
        self._counts["delivered"] += 1
        try:
            self.on_request(request, tx, flow)
        except Exception:
            self._counts["tu_errors"] += 1
            log.failure("SIP TU failed on {request!r} from {flow!r}", request=request, flow=flow)
            if tx is not None and tx.last_response is None and not tx.terminated:
                self.respond(tx, request.response(500))
