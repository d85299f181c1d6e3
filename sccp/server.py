"""The SCCP listener: frames bytes into messages and hands them to the phone's actor.

Thin on purpose (DESIGN.md): the protocol knows no registration rules. Before a Register
it owns the connection alone: an unknown device name gets RegisterReject and the
connection closes; anything else is logged and dropped, and a connection that has not
registered within `REGISTER_TIMEOUT` seconds (a half header that stalls, a port scan) is
closed. After a Register it is the phone actor's link: every message goes to that actor,
which answers through `send` and ends the session with `close`.
"""
from __future__ import annotations

from pykka import ActorDeadError
from twisted.internet import protocol

from actors.phone import LinkLost, Received
from actors.trace import TraceLogger
from sccp.framing import Decoder, FramingError, encode
from sccp.message import MalformedMessage, RawMessage
from sccp.registration import RegisterMessage, RegisterRejectMessage

REGISTER_TIMEOUT = 30.0  # seconds a new connection may take to send its Register
MAX_IGNORED_BEFORE_REGISTER = 20  # then the peer is clearly not a phone: close

log = TraceLogger(namespace="cme.sccp")


class SCCPServerProtocol(protocol.Protocol):
    """`directory` routes a Register's device name to its phone actor (actors/directory.py)."""

    def __init__(self, directory, clock, on_unknown=None) -> None:
        self.directory, self.clock = directory, clock
        self.on_unknown = on_unknown  # (device, peer): a Register for no configured ephone
        self.decoder = Decoder()
        self.peer = "?"
        self.phone = None  # the phone actor's ref once a Register was accepted
        self.device = None
        self._ignored = 0
        self._timeout = None
        self._closing = False

    # -- PhoneLink, for the phone actor --------------------------------------------------
    def send(self, message) -> None:
        if not self._closing:
            self.transport.write(encode(message))

    def close(self, reason: str) -> None:
        if not self._closing:
            self._closing = True
            log.debug("closing {peer} ({device}): {reason}", peer=self.peer, device=self.device or "-", reason=reason)
            self.transport.loseConnection()

    # -- Twisted ------------------------------------------------------------------------
    def connectionMade(self) -> None:
        # Call signalling is many small writes to a phone in quick succession; Nagle's
        # algorithm would hold each behind the phone's delayed ACK (~40 ms a call step).
        set_no_delay = getattr(self.transport, "setTcpNoDelay", None)
        if set_no_delay is not None:
            set_no_delay(True)
        addr = self.transport.getPeer()
        self.peer = f"{getattr(addr, 'host', '?')}:{getattr(addr, 'port', '?')}"
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
        for message in messages:
            if self._closing:
                return
            self._dispatch(message)

    def connectionLost(self, reason=protocol.connectionDone) -> None:
        self._closing = True
        self._cancel_timeout()
        connections = getattr(getattr(self, "factory", None), "connections", None)
        if connections is not None:
            connections.discard(self)
        if self.phone is not None and self.phone.is_alive():
            self.phone.tell(LinkLost(self, "TCP connection lost"))

    # -- routing ------------------------------------------------------------------------
    def _dispatch(self, message) -> None:
        if isinstance(message, (RawMessage, MalformedMessage)):
            log.info("{name} from {peer} ({device}) ignored", name=message.name, peer=self.peer, device=self.device or "not registered")
            return
        if isinstance(message, RegisterMessage):
            self._register(message)
        elif self.phone is not None:
            self._tell_phone(Received(self, message))
        else:
            self._ignored += 1
            log.info("{name} from {peer} before Register ignored", name=message.name, peer=self.peer)
            if self._ignored >= MAX_IGNORED_BEFORE_REGISTER:
                self.close("no Register")

    def _register(self, message: RegisterMessage) -> None:
        device = (message.device_name or "").upper()
        phone = self.directory.get(device) if device.startswith("SEP") else None
        if phone is None:
            shown = device if device.isprintable() and device else repr(message.device_name)
            log.warn("Register from {peer} for unknown device {device} rejected", peer=self.peer, device=shown)
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

    def __init__(self, directory, clock, on_unknown=None, connections: set | None = None) -> None:
        self.directory, self.clock = directory, clock
        self.on_unknown = on_unknown
        # the open connections (shutdown closes them once the phones were shown idle)
        self.connections: set = connections if connections is not None else set()

    def buildProtocol(self, addr):
        p = SCCPServerProtocol(self.directory, self.clock, self.on_unknown)
        p.factory = self
        return p
