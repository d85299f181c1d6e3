"""SIP transactions, sans-I/O (RFC 3261 §17; RFC 6026 for INVITE 2xx).

A transaction is driven by the messages and timer expiries its owner hands it
(:meth:`receive`, :meth:`respond`, :meth:`timer_fired`, :meth:`transport_error`) and
answers with a list of *effects*, carried out with a real clock and a real socket by
:class:`sip.executor.Executor` (the one executor, for every owner): :class:`Send`, :class:`StartTimer`, :class:`CancelTimer`, :class:`Deliver` (to
the TU), :class:`Timeout` (a client transaction got no answer: the peer is gone) and
:class:`Terminated` (forget the transaction). Nothing here sleeps or imports Twisted.

Which event is legal in which state is the table in ``fsm/sip_transaction.py``; this
module says what each row does. A message the table does not allow (an ACK to a
transaction still proceeding, a stray response) is dropped; a timer that is no longer
running (cancelled, or the transaction moved on) is ignored, so owners need not be
careful about cancellation races. A TU that responds twice is a bug: IllegalEvent.

Choices:
- INVITE 2xx follows RFC 6026: the transaction goes to Accepted (not Terminated) so INVITE
  retransmissions are absorbed instead of reaching the TU as new requests; retransmitting
  the 2xx until the ACK comes is the TU's job (§13.3.1.4), and the 2xx's ACK, which has
  a branch of its own, reaches the TU through :class:`TransactionTable` as a stray ACK.
- No automatic 100 Trying: the CTI TU answers an INVITE at once (well inside 200 ms).
- INVITE client (a SIP trunk's calls) follows RFC 6026 too: after a 2xx it stays in
  Accepted for Timer M so that 2xx retransmissions and other forks' 2xx reach the TU,
  which ACKs each one outside the transaction (§13.2.2.4). A 300-699 is ACKed by the
  transaction itself (§17.1.1.3: :func:`error_ack`) and goes up to the TU once.
- A zero-length timer (D, I, J, K over TCP) fires inline, so the effects end in Terminated.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Union

from fsm.sip_transaction import INVITE_CLIENT, INVITE_SERVER, NON_INVITE_CLIENT, NON_INVITE_SERVER
from fsm.table import StateTable
from sip.message import Headers, Request, Response
from sip.response import make_response
from sip.timers import DEFAULT, Timers, is_reliable

DEFAULT_LIMIT = 10_000
"""Live transactions a :class:`TransactionTable` holds (server and client together).
On UDP a completed transaction lingers 32 s (Timer J), so this admits a sustained ~300
requests/s; beyond it new requests get a stateless 503 with Retry-After and nothing is
stored. Each transaction keeps its request and last response: the framer's size caps
bound those, so the table's memory is bounded too."""

RETRY_AFTER = 5  # seconds, in the 503 sent when the table is full


# -- effects -------------------------------------------------------------------------------
# Values: compared and hashed by their fields, and never changed once made. Not frozen
# dataclasses, whose __init__ sets each field through object.__setattr__: about six are
# made a transaction.
@dataclass(slots=True, unsafe_hash=True)
class Send:
    """Write this message to the transaction's peer."""
    message: Request | Response


@dataclass(slots=True, unsafe_hash=True)
class StartTimer:
    """(Re)start the named timer; when it expires call ``timer_fired(name)``."""
    name: str
    seconds: float


@dataclass(slots=True, unsafe_hash=True)
class CancelTimer:
    name: str


@dataclass(slots=True, unsafe_hash=True)
class Deliver:
    """Hand this message to the transaction user (a new request, an ACK for a 2xx, a
    response to our request)."""
    message: Request | Response


@dataclass(slots=True, unsafe_hash=True)
class Timeout:
    """A client transaction got no final response: ``timer`` is ``"F"`` (non-INVITE),
    ``"B"`` (INVITE, also when ``max_sends`` ran out), or ``"transport"`` for a transport
    error. For the CTI server: the application is gone; for a trunk: try the next route."""
    timer: str


@dataclass(slots=True, unsafe_hash=True)
class Terminated:
    """The transaction is over; the owner drops it and any timers it still holds."""
    reason: str


Effect = Union[Send, StartTimer, CancelTimer, Deliver, Timeout, Terminated]


class TransactionTableFull(Exception):
    """No room for another client transaction (see DEFAULT_LIMIT)."""


# -- transactions --------------------------------------------------------------------------
class _Transaction:
    TABLE: StateTable
    __slots__ = ("state", "key", "timers", "request", "last_response", "peer", "_running",
                 "_interval")

    def __init__(self, request: Request, timers: Timers = DEFAULT, *, key=None,
                 peer: object = None) -> None:
        self.TABLE.start(self)
        self.request = request
        self.timers = timers
        self.key = key
        self.peer = peer  # the owner's note of where Send goes; unused here
        self.last_response: Response | None = None
        self._running: set[str] = set()
        self._interval: float | None = None

    @property
    def terminated(self) -> bool:
        return self.state == "terminated"

    @property
    def running_timers(self) -> frozenset[str]:
        return frozenset(self._running)

    # -- helpers -----------------------------------------------------------------------
    def _legal(self, trigger: str) -> bool:
        return self.TABLE.can(self.state, trigger)

    def _fire(self, trigger: str) -> None:
        self.TABLE.fire(self, trigger)

    def _start(self, out: list, name: str, seconds: float | None) -> None:
        if seconds is None:
            return  # a retransmission timer over a reliable transport
        self._running.add(name)
        if seconds <= 0:
            out.extend(self.timer_fired(name))
        else:
            out.append(StartTimer(name, seconds))

    def _cancel(self, out: list, name: str) -> None:
        if name in self._running:
            self._running.discard(name)
            out.append(CancelTimer(name))

    def _terminate(self, out: list, reason: str) -> None:
        running = self._running
        if running:  # usually none left (a final response cancelled them): skip the sort
            out.extend(CancelTimer(name) for name in sorted(running))
            running.clear()
        out.append(Terminated(reason))

    def timer_fired(self, name: str) -> list[Effect]:
        if name not in self._running:
            return []  # cancelled or stale
        self._running.discard(name)
        trigger = _TIMER_TRIGGERS.get(name) or _timer_trigger(name)
        if not self._legal(trigger[0]):
            return []
        return getattr(self, trigger[1])()

    def transport_error(self) -> list[Effect]:
        if not self._legal("transport_error"):
            return []
        self._fire("transport_error")
        out: list[Effect] = []
        self._terminate(out, "transport error")
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.request.method} {self.state} key={self.key!r}>"


_TIMER_TRIGGERS: dict[str, tuple[str, str]] = {}
"""A timer's name -> (its trigger in the state tables, the method that handles it):
"K" -> ("timer_k", "_on_timer_k"), made once per name (a few letters)."""


def _timer_trigger(name: str) -> tuple[str, str]:
    trigger = f"timer_{name.lower()}"
    return _TIMER_TRIGGERS.setdefault(name, (trigger, f"_on_{trigger}"))


class InviteServerTransaction(_Transaction):
    """RFC 3261 §17.2.1 + RFC 6026 §7.1 (table: fsm.sip_transaction.INVITE_SERVER)."""

    TABLE = INVITE_SERVER
    __slots__ = ()

    def start(self) -> list[Effect]:
        return [Deliver(self.request)]

    def receive(self, message: Request | Response) -> list[Effect]:
        if not isinstance(message, Request):
            return []
        if message.method == "ACK":
            return self._ack(message)
        if message.method != "INVITE" or not self._legal("invite"):
            return []
        prior = self.state
        self._fire("invite")
        if prior in ("proceeding", "completed") and self.last_response is not None:
            return [Send(self.last_response)]
        return []  # no response yet, or Accepted/Confirmed: absorbed

    def _ack(self, ack: Request) -> list[Effect]:
        if not self._legal("ack"):
            return []
        prior = self.state
        self._fire("ack")
        out: list[Effect] = []
        if prior == "accepted":
            out.append(Deliver(ack))  # RFC 6026 §7.1: an ACK matching here is the TU's
        elif prior == "completed":
            self._cancel(out, "G")
            self._cancel(out, "H")
            self._start(out, "I", self.timers.I)
        return out  # Confirmed: absorbed

    def respond(self, response: Response) -> list[Effect]:
        """The TU sends ``response`` through this transaction (nothing happens once the
        transaction has ended, e.g. after a transport error)."""
        if self.terminated:
            return []
        out: list[Effect] = []
        if response.status < 200:
            self._fire("provisional")
            self.last_response = response
            return [Send(response)]
        if response.status < 300:
            prior = self.state
            self._fire("final_2xx")
            self.last_response = response
            out.append(Send(response))
            if prior == "proceeding":
                self._start(out, "L", self.timers.L)
            return out
        self._fire("final_error")
        self.last_response = response
        out.append(Send(response))
        self._interval = self.timers.G
        self._start(out, "G", self._interval)
        self._start(out, "H", self.timers.H)
        return out

    def _on_timer_g(self) -> list[Effect]:
        self._fire("timer_g")
        out: list[Effect] = [Send(self.last_response)]
        self._interval = self.timers.backoff(self._interval)
        self._start(out, "G", self._interval)
        return out

    def _on_timer_h(self) -> list[Effect]:
        self._fire("timer_h")
        out: list[Effect] = []
        self._terminate(out, "no ACK (Timer H)")
        return out

    def _on_timer_i(self) -> list[Effect]:
        self._fire("timer_i")
        out: list[Effect] = []
        self._terminate(out, "confirmed")
        return out

    def _on_timer_l(self) -> list[Effect]:
        self._fire("timer_l")
        out: list[Effect] = []
        self._terminate(out, "accepted")
        return out


class NonInviteServerTransaction(_Transaction):
    """RFC 3261 §17.2.2 (table: fsm.sip_transaction.NON_INVITE_SERVER)."""

    TABLE = NON_INVITE_SERVER
    __slots__ = ()

    def start(self) -> list[Effect]:
        return [Deliver(self.request)]

    def receive(self, message: Request | Response) -> list[Effect]:
        if (not isinstance(message, Request) or message.method != self.request.method
                or not self._legal("request")):
            return []
        prior = self.state
        self._fire("request")
        if prior == "trying" or self.last_response is None:
            return []  # absorbed: the TU has not answered yet
        return [Send(self.last_response)]

    def respond(self, response: Response) -> list[Effect]:
        if self.terminated:
            return []
        if response.status < 200:
            self._fire("provisional")
            self.last_response = response
            return [Send(response)]
        self._fire("final")
        self.last_response = response
        out: list[Effect] = [Send(response)]
        seconds = self.timers.J
        if seconds is not None and seconds <= 0:
            # a reliable transport: Timer J is zero (§17.2.2), so Completed ends here, as
            # _start("J") firing it inline would, without the timer's name round trip
            self._fire("timer_j")
            self._terminate(out, "completed")
        else:
            self._start(out, "J", seconds)
        return out

    def _on_timer_j(self) -> list[Effect]:
        self._fire("timer_j")
        out: list[Effect] = []
        self._terminate(out, "completed")
        return out


class _ClientTransaction(_Transaction):
    __slots__ = ()

    def transport_error(self) -> list[Effect]:
        if not self._legal("transport_error"):
            return []
        self._fire("transport_error")
        out: list[Effect] = [Timeout("transport")]
        self._terminate(out, "transport error")
        return out


def error_ack(invite: Request, response: Response) -> Request:
    """The ACK an INVITE client transaction sends for a 300-699 (§17.1.1.3): the
    INVITE's Request-URI, its top Via only (so the same branch: the ACK belongs to the
    transaction), its Max-Forwards, Route, From, Call-ID and CSeq number, with the
    response's To (its tag names the far end's side) and method ACK; no body."""
    out = Headers()
    out.add("Via", invite.headers.values("Via")[0])
    max_forwards = invite.headers.get("Max-Forwards")
    if max_forwards is not None:
        out.add("Max-Forwards", max_forwards)
    for route in invite.headers.get_all("Route"):
        out.add("Route", route)
    out.add("From", invite.headers.get("From"))
    out.add("To", response.headers.get("To"))
    out.add("Call-ID", invite.headers.get("Call-ID"))
    out.add("CSeq", f"{invite.cseq.number} ACK")
    return Request("ACK", invite.uri, out)


class InviteClientTransaction(_ClientTransaction):
    """RFC 3261 §17.1.1 + RFC 6026 §7.2 (table: fsm.sip_transaction.INVITE_CLIENT): the
    INVITEs a trunk sends. Every 1xx and 2xx goes up to the TU, a 300-699 once.

    ``max_sends`` is IOS's ``sip-ua / retry invite N`` (as ``N + 1``: the first INVITE
    and N retransmissions): when Timer A comes round with the INVITE already sent that
    often, the transaction gives up as Timer B would, a gateway that does not answer
    costing a few seconds instead of 32. None: Timer B alone decides."""

    TABLE = INVITE_CLIENT
    __slots__ = ("max_sends", "_sends", "_ack")

    def __init__(self, request: Request, timers: Timers = DEFAULT, *, key=None,
                 peer: object = None, max_sends: int | None = None) -> None:
        if request.method != "INVITE":
            raise ValueError(f"an INVITE client transaction cannot send {request.method}")
        if max_sends is not None and max_sends < 1:
            raise ValueError("max_sends counts the first INVITE: at least 1")
        super().__init__(request, timers, key=key, peer=peer)
        self.max_sends = max_sends
        self._sends = 0
        self._ack: Request | None = None

    @property
    def ack(self) -> Request | None:
        """The ACK this transaction sent for a 300-699 (None before one came)."""
        return self._ack

    def start(self) -> list[Effect]:
        out: list[Effect] = [Send(self.request)]
        self._sends = 1
        self._interval = self.timers.A
        self._start(out, "A", self._interval)
        self._start(out, "B", self.timers.B)
        return out

    def receive(self, message: Request | Response) -> list[Effect]:
        if not isinstance(message, Response):
            return []
        if message.status < 200:
            trigger = "provisional"
        elif message.status < 300:
            trigger = "final_2xx"
        else:
            trigger = "final_error"
        if not self._legal(trigger):
            return []  # a 1xx after the final, a 2xx after an error: absorbed
        prior = self.state
        self._fire(trigger)
        out: list[Effect] = []
        if prior == "calling":
            self._cancel(out, "A")
            self._cancel(out, "B")  # §17.1.1.2: B runs in Calling only
        if trigger == "provisional":
            out.append(Deliver(message))
        elif trigger == "final_2xx":
            out.append(Deliver(message))  # every 2xx: the TU ACKs each (RFC 6026)
            if prior != "accepted":
                self.last_response = message
                self._cancel(out, "B")  # a CANCEL's Timer B in Proceeding
                self._start(out, "M", self.timers.M)
        elif prior == "completed":
            out.append(Send(self._ack))  # a retransmitted final: ACK it again, nothing up
        else:
            self.last_response = message
            self._ack = error_ack(self.request, message)
            self._cancel(out, "B")
            out += [Send(self._ack), Deliver(message)]
            self._start(out, "D", self.timers.D)
        return out

    def cancelled(self) -> list[Effect]:
        """The TU sent a CANCEL for this INVITE (§9.1): if no final response comes
        within 64*T1, the INVITE is given up (Timeout "B"), so a peer that never sends
        the 487 does not keep the transaction forever. Only in Proceeding: a CANCEL
        waits for a 1xx."""
        if not self._legal("cancel"):
            return []
        self._fire("cancel")
        out: list[Effect] = []
        self._start(out, "B", self.timers.B)
        return out

    def _on_timer_a(self) -> list[Effect]:
        if self.max_sends is not None and self._sends >= self.max_sends:
            return self._on_timer_b()  # retry invite N: given up early, as B would
        self._fire("timer_a")
        out: list[Effect] = [Send(self.request)]
        self._sends += 1
        self._interval = 2 * self._interval  # §17.1.1.2: doubling, no T2 cap for INVITE
        self._start(out, "A", self._interval)
        return out

    def _on_timer_b(self) -> list[Effect]:
        self._fire("timer_b")
        out: list[Effect] = [Timeout("B")]
        self._terminate(out, "timeout")
        return out

    def _on_timer_d(self) -> list[Effect]:
        self._fire("timer_d")
        out: list[Effect] = []
        self._terminate(out, "completed")
        return out

    def _on_timer_m(self) -> list[Effect]:
        self._fire("timer_m")
        out: list[Effect] = []
        self._terminate(out, "accepted")
        return out


class NonInviteClientTransaction(_ClientTransaction):
    """RFC 3261 §17.1.2 (table: fsm.sip_transaction.NON_INVITE_CLIENT): the INFO and BYE
    requests the server sends, and a trunk's CANCEL."""

    TABLE = NON_INVITE_CLIENT
    __slots__ = ()

    def start(self) -> list[Effect]:
        out: list[Effect] = [Send(self.request)]
        self._interval = self.timers.E
        self._start(out, "E", self._interval)
        self._start(out, "F", self.timers.F)
        return out

    def receive(self, message: Request | Response) -> list[Effect]:
        if not isinstance(message, Response):
            return []
        trigger = "provisional" if message.status < 200 else "final"
        if not self._legal(trigger):
            return []
        prior = self.state
        self._fire(trigger)
        if prior == "completed":
            return []  # a retransmitted response: absorbed
        out: list[Effect] = [Deliver(message)]
        if trigger == "final":
            self.last_response = message
            self._cancel(out, "E")
            self._cancel(out, "F")
            self._start(out, "K", self.timers.K)
        return out

    def _on_timer_e(self) -> list[Effect]:
        prior = self.state
        self._fire("timer_e")
        out: list[Effect] = [Send(self.request)]
        # §17.1.2.2: doubling up to T2 while trying; every T2 once a 1xx came
        self._interval = (self.timers.backoff(self._interval) if prior == "trying"
                          else self.timers.t2)
        self._start(out, "E", self._interval)
        return out

    def _on_timer_f(self) -> list[Effect]:
        self._fire("timer_f")
        out: list[Effect] = [Timeout("F")]
        self._terminate(out, "timeout")
        return out

    def _on_timer_k(self) -> list[Effect]:
        self._fire("timer_k")
        out: list[Effect] = []
        self._terminate(out, "completed")
        return out


ServerTransaction = Union[InviteServerTransaction, NonInviteServerTransaction]
ClientTransaction = Union[InviteClientTransaction, NonInviteClientTransaction]
Transaction = Union[InviteServerTransaction, NonInviteServerTransaction,
                    InviteClientTransaction, NonInviteClientTransaction]


# -- matching ------------------------------------------------------------------------------
def server_key(request: Request) -> tuple:
    """RFC 3261 §17.2.3: branch + sent-by + method, with ACK counted as INVITE (CANCEL is
    a transaction of its own). Without the z9hG4bK cookie, the RFC 2543 fields (Request-
    URI, From tag, Call-ID, CSeq number, top Via sent-by) stand in for the branch; the To
    tag is left out so the ACK of a non-2xx matches its INVITE."""
    via = request.via
    method = "INVITE" if request.method == "ACK" else request.method
    if via is not None and via.rfc3261_branch:
        return ("3261", via.branch, via.sent_by.lower(), method)
    cseq = request.cseq
    return ("2543", str(request.uri), request.from_tag, request.call_id,
            cseq.number if cseq else None, via.sent_by.lower() if via else None, method)


def client_key(message: Request | Response) -> tuple:
    """RFC 3261 §17.1.3: top Via branch + CSeq method."""
    cseq = message.cseq
    return (message.branch, cseq.method if cseq else None)


def _merge_key(request: Request) -> tuple | None:
    # §8.2.2.2: an out-of-dialog request with the From tag, Call-ID and CSeq of a live
    # transaction but another branch took a second path through a fork: a loop (482)
    if request.to_tag is not None or request.method == "ACK" or request.cseq is None:
        return None
    return (request.from_tag, request.call_id, request.cseq.number, request.cseq.method)


_CLASSES = ("0xx", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx")  # a status's class, by its first digit


def _outcome(response: Response | None) -> str:
    """How an ended transaction ended: its final response's class, or "timeout" when it
    had none (Timer F/B/H, a transport error)."""
    return _CLASSES[response.status // 100] if response is not None and response.status >= 200 else "timeout"


class TransactionTable:
    """The live transactions of one SIP endpoint, server and client, bounded by
    ``limit``. Every call returns the effects to carry out; a transaction whose effects
    end in :class:`Terminated` has already left the table."""

    def __init__(self, timers: Timers = DEFAULT, *, limit: int = DEFAULT_LIMIT) -> None:
        self.timers = timers
        self._over: list = [None, None, None]  # timers, and them over UDP, over TCP
        self.limit = limit
        self._server: dict[tuple, ServerTransaction] = {}
        self._client: dict[tuple, ClientTransaction] = {}
        self._merge: dict[tuple, ServerTransaction] = {}
        # every transaction that ended, and every request refused without one:
        # ("in" | "out", method, "2xx".."6xx" | "timeout") -> count, for the metrics
        self.ended: Counter = Counter()

    def __len__(self) -> int:
        return len(self._server) + len(self._client)

    def transactions(self) -> list[Transaction]:
        """The live transactions, server and client."""
        return [*self._server.values(), *self._client.values()]

    def _timers_for(self, message: Request, reliable: bool | None) -> Timers:
        if reliable is None:
            via = message.via
            reliable = is_reliable(via.transport) if via is not None else False
        over = self._over
        if over[0] is not self.timers:  # made once per table (and per change of timers)
            over[:] = [self.timers, self.timers.over(False), self.timers.over(True)]
        return over[2 if reliable else 1]

    # -- server side ---------------------------------------------------------------------
    def find_server(self, request: Request) -> ServerTransaction | None:
        return self._server.get(server_key(request))

    def receive_request(self, request: Request, *, reliable: bool | None = None,
                        peer: object = None) -> tuple[ServerTransaction | None, list[Effect]]:
        """A request from the network: a retransmission or ACK goes to its transaction;
        a new request starts one (its effects hold ``Deliver(request)``); an ACK matching
        nothing (the ACK of a 2xx) is delivered as it is, without a transaction.
        ``reliable`` defaults to what the top Via's transport says."""
        key = server_key(request)
        tx = self._server.get(key)
        if tx is not None:
            return tx, self._run(tx, tx.receive(request))
        if request.method == "ACK":
            return None, [Deliver(request)]
        merge = _merge_key(request)
        if merge is not None and merge in self._merge:
            self.ended["in", request.method, "4xx"] += 1
            return None, [Send(make_response(request, 482, "Loop Detected (merged request)"))]
        if len(self) >= self.limit:
            self.ended["in", request.method, "5xx"] += 1
            return None, [Send(make_response(
                request, 503, headers=[("Retry-After", str(RETRY_AFTER))]))]
        cls = InviteServerTransaction if request.method == "INVITE" else NonInviteServerTransaction
        tx = cls(request, self._timers_for(request, reliable), key=key, peer=peer)
        self._server[key] = tx
        if merge is not None:
            self._merge[merge] = tx
        return tx, self._run(tx, tx.start())

    def respond(self, tx: ServerTransaction, response: Response) -> list[Effect]:
        return self._run(tx, tx.respond(response))

    def cancel_target(self, cancel: Request) -> InviteServerTransaction | None:
        """The INVITE transaction a CANCEL names (§9.2: same key but for the method).
        The TU answers the CANCEL 200 when there is one (and the INVITE 487 if it is
        still proceeding), 481 when there is none."""
        key = server_key(cancel)
        tx = self._server.get(key[:-1] + ("INVITE",))
        return tx if isinstance(tx, InviteServerTransaction) else None

    # -- client side ---------------------------------------------------------------------
    def send_request(self, request: Request, *, reliable: bool | None = None,
                     peer: object = None, max_sends: int | None = None, timers: Timers | None = None
                     ) -> tuple[ClientTransaction, list[Effect]]:
        """Start a client transaction for a request we send: an INVITE (§17.1.1, with
        ``max_sends`` as :class:`InviteClientTransaction` says) or any other but ACK
        (§17.1.2). Its top Via must carry a fresh z9hG4bK branch, as
        :meth:`sip.dialog.Dialog.request` makes; a CANCEL carries its INVITE's branch,
        which is no clash: the key holds the method. Raises TransactionTableFull when
        the table is at its limit."""
        if request.method == "ACK":
            raise ValueError("no client transaction for ACK: it is sent as it is")
        if len(self) >= self.limit:
            raise TransactionTableFull(f"{len(self)} live transactions")
        key = client_key(request)
        if key in self._client:
            raise ValueError(f"branch {request.branch!r} already in use")
        if timers is not None:  # the caller's own T1 (IOS `sip-ua / timers trying` for INVITE)
            transport = request.via.transport if request.via is not None else "UDP"
            timers = timers.over(reliable if reliable is not None else transport)
        else:
            timers = self._timers_for(request, reliable)
        if request.method == "INVITE":
            tx: ClientTransaction = InviteClientTransaction(
                request, timers, key=key, peer=peer, max_sends=max_sends)
        else:
            tx = NonInviteClientTransaction(request, timers, key=key, peer=peer)
        self._client[key] = tx
        return tx, self._run(tx, tx.start())

    def receive_response(self, response: Response) -> tuple[
            ClientTransaction | None, list[Effect]]:
        """A response from the network; one matching no transaction is dropped."""
        tx = self._client.get(client_key(response))
        if tx is None:
            return None, []
        return tx, self._run(tx, tx.receive(response))

    def cancelled(self, tx: InviteClientTransaction) -> list[Effect]:
        """The TU sent a CANCEL for ``tx`` (see :meth:`InviteClientTransaction.cancelled`)."""
        return self._run(tx, tx.cancelled())

    def sent_invite(self, branch: str | None) -> bool:
        """Whether an INVITE client transaction of ours with this branch is live: a
        request carrying it in a Via of our own sent-by came back to us (a loop)."""
        return branch is not None and (branch, "INVITE") in self._client

    # -- either ----------------------------------------------------------------------------
    def timer_fired(self, tx: Transaction, name: str) -> list[Effect]:
        return self._run(tx, tx.timer_fired(name))

    def transport_error(self, tx: Transaction) -> list[Effect]:
        return self._run(tx, tx.transport_error())

    def _run(self, tx: Transaction, effects: list[Effect]) -> list[Effect]:
        if tx.terminated:
            self._forget(tx)
        return effects

    def _forget(self, tx: Transaction) -> None:
        response = tx.last_response
        if isinstance(tx, _ClientTransaction):  # never in the merge index (server requests)
            if self._client.get(tx.key) is tx:
                del self._client[tx.key]
                self.ended["out", tx.request.method, _outcome(response)] += 1
            return
        table = self._server
        if table.get(tx.key) is tx:
            del table[tx.key]
            self.ended["in", tx.request.method, _outcome(response)] += 1
        merge = _merge_key(tx.request)
        if merge is not None and self._merge.get(merge) is tx:
            del self._merge[merge]
