"""The SCCP listener: frames bytes into messages and hands them to the phone's actor.

Thin on purpose (DESIGN.md): the protocol knows no registration rules. Before a Register
it owns the connection alone: an unknown device name gets RegisterReject and the
connection closes; anything else (any id, known, unknown or malformed) is logged and
dropped and counts toward `MAX_IGNORED_BEFORE_REGISTER`, and a connection that has not
registered within `REGISTER_TIMEOUT` seconds (a half header that stalls, a port scan) is
closed. After a Register it is the phone actor's link: every message goes to that actor,
which answers through `send` and ends the session with `close`.

What one peer may cost (issue 13): connections that have not registered yet are capped per
source host (`PENDING_PER_SOURCE`, `telephony-service / registration pending-per-source N`;
a registered connection no longer counts, so many phones behind one NAT are fine), and the
lines a peer's junk makes are logged through a `PeerLog`, a few per peer per minute.
"""
from __future__ import annotations

from typing import Callable

from pykka import ActorDeadError
from twisted.internet import protocol

from actors.peer_limits import ConnectionsPerSource, PeerLog
from actors.phone import LinkLost, Received, ReceivedMany
from actors.socket_write import TURN_WRITES
from actors.trace import TraceLogger
from sccp.framing import Decoder, FramingError, encode
from sccp.message import MalformedMessage, RawMessage
from sccp.registration import RegisterMessage, RegisterRejectMessage

REGISTER_TIMEOUT = 30.0  # seconds a new connection may take to send its Register
MAX_IGNORED_BEFORE_REGISTER = 20  # then the peer is clearly not a phone: close
PENDING_PER_SOURCE = 128  # connections from one host that have not registered yet (0: no cap)
LOG_BURST = 5  # lines about one connection's junk per LOG_INTERVAL
LOG_INTERVAL = 60.0  # refusals (over the cap, unknown device) are logged once per source per interval

log = TraceLogger(namespace="cme.sccp")


class SCCPServerProtocol(protocol.Protocol):
    """`directory` routes a Register's device name to its phone actor (actors/directory.py)."""

    def __init__(self, directory, clock, on_unknown=None, *, pending: ConnectionsPerSource | None = None,
                 peer_log: PeerLog | None = None, refusal_log: PeerLog | None = None) -> None:
        self.directory, self.clock = directory, clock
        self.on_unknown = on_unknown  # (device, peer): a Register for no configured ephone
        # shared by the listener's connections (the factory's); own ones when built alone
        self.pending = pending if pending is not None else ConnectionsPerSource(PENDING_PER_SOURCE)
        self.peer_log = peer_log if peer_log is not None else PeerLog(log, clock, interval=LOG_INTERVAL,
                                                                       burst=LOG_BURST)
        self.refusal_log = refusal_log if refusal_log is not None else PeerLog(log, clock, interval=LOG_INTERVAL)
        self.decoder = Decoder()
        self.peer = "?"
        self.host = "?"
        self._counted = False  # holds a place in `pending` (admitted, not registered yet)
        self.phone = None  # the phone actor's ref once a Register was accepted
        self.device = None
        self._ignored = 0
        self._timeout = None
        self._closing = False

    # -- PhoneLink, for the phone actor --------------------------------------------------
    def send(self, message) -> None:
        if not self._closing:
            TURN_WRITES.write(self.transport, encode(message))

    def send_all(self, messages) -> None:
        """Several messages in one transport write (one call step's sequence): the same
        bytes in the same order as `send` of each, at one write's cost instead of many."""
        if not self._closing:
            data = b"".join(map(encode, messages))
            if data:
                TURN_WRITES.write(self.transport, data)

    def send_frames(self, data: bytes) -> None:
        """Frames already encoded (a call step rendered by actors/phone_view.render_frames):
        `send_all` without the messages."""
        if data and not self._closing:
            TURN_WRITES.write(self.transport, data)

    def close(self, reason: str) -> None:
        if not self._closing:
            self._closing = True
            log.debug("closing {peer} ({device}): {reason}", peer=self.peer, device=self.device or "-", reason=reason)
            TURN_WRITES.flush(self.transport)  # what was written before the close goes first
            self.transport.loseConnection()

    # -- Twisted ------------------------------------------------------------------------
    def connectionMade(self) -> None:
        # Call signalling is many small writes to a phone in quick succession; Nagle's
        # algorithm would hold each behind the phone's delayed ACK (~40 ms a call step).
        set_no_delay = getattr(self.transport, "setTcpNoDelay", None)
        if set_no_delay is not None:
            set_no_delay(True)
        addr = self.transport.getPeer()
        self.host = str(getattr(addr, 'host', '?'))
        self.peer = f"{self.host}:{getattr(addr, 'port', '?')}"
        if not self.pending.admit(self.host):
            self.refusal_log.emit(("pending", self.host), "warn",
                               "closing {peer}: {limit} connections from {host} are already waiting to register",
                               peer=self.peer, limit=self.pending.limit, host=self.host)
            self.close("too many unregistered connections from this source")
            return
        self._counted = True
        self._timeout = self.clock.callLater(REGISTER_TIMEOUT, self._register_timeout)
        connections = getattr(getattr(self, "factory", None), "connections", None)
        if connections is not None:
            connections.add(self)
        log.debug("connection from {peer}", peer=self.peer)

    def dataReceived(self, data: bytes) -> None:
        try:
            messages = self.decoder.feed(data)
        except FramingError as e:
            for message in e.decoded:
                self._dispatch(message)
            log.warn("closing {peer} ({device}): framing lost: {error}", peer=self.peer, device=self.device or "not registered", error=str(e))
            self.close("framing lost")
            return
        batch: list = []  # for the phone, told as one actor message
        for message in messages:
            if self._closing:
                break
            if self.phone is not None and not isinstance(message, (RegisterMessage, RawMessage)):
                batch.append(message)  # _dispatch's last branch, deferred to the end of the run
                continue
            if batch:
                self._tell_batch(batch)
                batch = []
            self._dispatch(message)
        if batch and not self._closing:
            self._tell_batch(batch)

    def _tell_batch(self, messages: list) -> None:
        """What `_dispatch` tells the phone for each, in one actor message (ReceivedMany)
        when a read brought several: ~1.6 messages a read on the call benchmark."""
        if len(messages) == 1:
            self._tell_phone(Received(self, messages[0]))
        else:
            self._tell_phone(ReceivedMany(self, tuple(messages)))

    def connectionLost(self, reason=protocol.connectionDone) -> None:
        self._closing = True
        TURN_WRITES.discard(self.transport)
        self._cancel_timeout()
        self._uncount()
        connections = getattr(getattr(self, "factory", None), "connections", None)
        if connections is not None:
            connections.discard(self)
        if self.phone is not None and self.phone.is_alive():
            self.phone.tell(LinkLost(self, "TCP connection lost"))

    # -- routing ------------------------------------------------------------------------
    def _dispatch(self, message) -> None:
        if isinstance(message, RegisterMessage):
            self._register(message)
        elif isinstance(message, (RawMessage, MalformedMessage)):
            self.peer_log.emit(self.peer, "info", "{name} from {peer} ({device}) ignored", name=message.name,
                               peer=self.peer, device=self.device or "not registered")
            self._count_ignored()
        elif self.phone is not None:
            self._tell_phone(Received(self, message))
        else:
            self.peer_log.emit(self.peer, "info", "{name} from {peer} before Register ignored",
                               name=message.name, peer=self.peer)
            self._count_ignored()

    def _count_ignored(self) -> None:
        if self.phone is None:
            self._ignored += 1
            if self._ignored >= MAX_IGNORED_BEFORE_REGISTER:
                self.close("no Register")

    def _uncount(self) -> None:
        if self._counted:
            self._counted = False
            self.pending.release(self.host)

    def _register(self, message: RegisterMessage) -> None:
        device = (message.device_name or "").upper()
        phone = self.directory.get(device) if device.startswith("SEP") else None
        if phone is None:
            shown = device if device.isprintable() and device else repr(message.device_name)
            self.refusal_log.emit(("reject", self.host), "warn", "Register from {peer} for unknown device {device} rejected",
                               peer=self.peer, device=shown)
            if self.on_unknown is not None:
                self.on_unknown(shown, self.peer)
            self.send(RegisterRejectMessage(text=f"Unknown device {shown}"[:31]))
            self.close("unknown device")
            return
        if self.phone is not None and self.phone is not phone:
            # One connection, one device: a second name on the same socket is refused.
            log.warn("{peer} registered as {old} now claims {new}; closing", peer=self.peer, old=self.device, new=device)
            self.close("device changed")
            return
        self._cancel_timeout()
        self._uncount()  # registered: no longer waiting, so no longer capped
        self.phone, self.device = phone, device
        self._tell_phone(Received(self, message))

    def _tell_phone(self, message) -> None:
        try:
            self.phone.tell(message)
        except ActorDeadError:
            # The phone's actor failed (and was replaced): this session is over; the
            # phone registers again and meets the new actor.
            log.warn("phone actor for {device} is gone; closing {peer}", device=self.device, peer=self.peer)
            self.phone = None
            self.close("phone actor gone")

    def _register_timeout(self) -> None:
        self._timeout = None
        if self.phone is None:
            log.info("closing {peer}: no Register within {seconds:.0f} s", peer=self.peer, seconds=REGISTER_TIMEOUT)
            self.close("no Register")

    def _cancel_timeout(self) -> None:
        if self._timeout is not None and self._timeout.active():
            self._timeout.cancel()
        self._timeout = None


class SCCPServerFactory(protocol.ServerFactory):
    noisy = False

    def __init__(self, directory, clock, on_unknown=None, connections: set | None = None, *,
                 pending_per_source: int | Callable[[], int] = PENDING_PER_SOURCE) -> None:
        """`pending_per_source`: the cap, or a function giving the one configured now."""
        self.directory, self.clock = directory, clock
        self.on_unknown = on_unknown
        # the open connections (shutdown closes them once the phones were shown idle)
        self.connections: set = connections if connections is not None else set()
        self._pending_limit = pending_per_source
        self.pending = ConnectionsPerSource(self._limit_now())
        self.peer_log = PeerLog(log, clock, interval=LOG_INTERVAL, burst=LOG_BURST)
        self.refusal_log = PeerLog(log, clock, interval=LOG_INTERVAL)

    def _limit_now(self) -> int:
        return self._pending_limit() if callable(self._pending_limit) else self._pending_limit

    def buildProtocol(self, addr):
        self.pending.limit = self._limit_now()  # `configure terminal` may have changed it
        p = SCCPServerProtocol(self.directory, self.clock, self.on_unknown, pending=self.pending,
                               peer_log=self.peer_log, refusal_log=self.refusal_log)
        p.factory = self
        return p
