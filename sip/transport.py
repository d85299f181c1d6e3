"""SIP over TCP and UDP (RFC 3261 §18): Twisted protocols that frame, decode and hand
every message to a *core* (:class:`sip.core.UASCore`), and write what the core sends.

Thin, as DESIGN.md asks: no business rules here. What a message means is the core's and
its transaction user's job; what happens on the wire is this module's:

- A message arrives with the :class:`Flow` it came on: ``core.receive(message, flow)``.
  ``flow.send(message)`` writes back on the same connection (a stream) or to the sender's
  address (a datagram). A TLS listener later is :class:`SIPStreamProtocol` over a TLS
  transport with ``transport_name="TLS"``: the flow does not care what the stream is.
- A request that failed to parse but can be answered gets its error response (400, 413,
  505, ...) on the flow; a broken response is dropped (§16.3 / RFC 4475 scalarlg).
- Over a stream, a framing error (bad or missing Content-Length, a header section or body
  over the limits of :mod:`sip.framing`) is answered when possible and then *that*
  connection is closed: the next octet can no longer be found.
- §18.2.1: the top Via of a request gets ``received`` when its sent-by host is not the
  source address, and a requested ``rport`` (RFC 3581) is filled in with the source port.
  §18.2.2 (unreliable transport, no ``maddr``): a response goes to the ``received`` host
  (else the sent-by host) and the ``rport`` port (else the sent-by port, else 5060). Since
  ``received`` is always stamped when the host differs, no DNS lookup is ever needed.
"""
from __future__ import annotations

from twisted.application import internet
from twisted.internet import protocol

from actors.trace import TRACE, TraceLogger
from sip.framing import FramingError, StreamFramer, parse_datagram
from sip.grammar import split_list
from sip.headers import Via
from sip.message import Request, Response
from sip.parser import SIPParseError
from sip.response import error_response

log = TraceLogger(namespace="cme.sip")
MESSAGES = "cme.sip.messages"  # `debug ccsip messages`: every message in and out, in full
messages_log = TraceLogger(namespace=MESSAGES)

DEFAULT_PORT = 5060
LISTEN_BACKLOG = 128


# -- flows -----------------------------------------------------------------------------------
class Flow:
    """Where a message came from and how to answer it: ``send(message)`` writes it back.

    ``transport_name`` is the Via transport ("TCP", "UDP", later "TLS"), ``peer`` the
    remote ``(host, port)``, ``reliable`` whether retransmission timers are off (§17).
    Flows compare equal when they lead to the same place, so a TU may key on them.
    """

    transport_name: str = ""
    reliable: bool = False
    peer: tuple[str, int] = ("", 0)

    def send(self, message: Request | Response) -> None:
        raise NotImplementedError

    @property
    def closed(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.transport_name} {self.peer[0]}:{self.peer[1]}>"


class StreamFlow(Flow):
    """One stream connection (TCP now, TLS later): everything goes back on it."""

    reliable = True

    def __init__(self, proto: "SIPStreamProtocol", transport_name: str,
                 peer: tuple[str, int]) -> None:
        self.protocol = proto
        self.transport_name = transport_name
        self.peer = peer

    @property
    def closed(self) -> bool:
        return self.protocol.closing

    def send(self, message: Request | Response) -> None:
        self.protocol.write_message(message)


class DatagramFlow(Flow):
    """A remote address on one datagram socket: requests go to ``peer``, responses to the
    address their top Via names (§18.2.2)."""

    transport_name = "UDP"
    reliable = False

    def __init__(self, proto: "SIPDatagramProtocol", peer: tuple[str, int]) -> None:
        self.protocol = proto
        self.peer = peer

    def send(self, message: Request | Response) -> None:
        address = response_address(message, self.peer) if isinstance(message, Response) \
            else self.peer
        self.protocol.write_message(message, address)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, DatagramFlow) and other.protocol is self.protocol
                and other.peer == self.peer)

    def __hash__(self) -> int:
        return hash((id(self.protocol), self.peer))


def stamp_via(request: Request, host: str, port: int) -> None:
    """§18.2.1 + RFC 3581 §4: add ``received`` to the top Via when its sent-by host is not
    ``host``, fill an empty ``rport`` with ``port``. Only the top Via's text changes."""
    lines = request.headers.get_all("Via")
    if not lines:
        return
    elements = split_list(lines[0])
    if not elements:
        return
    try:
        via = Via.parse(elements[0])
    except ValueError:
        return  # the parser would have refused it; nothing to stamp
    changed = False
    if via.host.strip("[]").lower() != host.lower() or via.has_rport:
        via.params["received"] = host
        changed = True
    if via.has_rport and not via.rport:
        via.params["rport"] = str(port)
        changed = True
    if not changed:
        return
    elements[0] = str(via)
    request.headers.set("Via", ", ".join(elements))
    for line in lines[1:]:
        request.headers.add("Via", line)


def response_address(response: Response, fallback: tuple[str, int]) -> tuple[str, int]:
    """§18.2.2 for an unreliable transport (without maddr): ``received`` or the sent-by
    host, ``rport`` or the sent-by port or 5060; ``fallback`` when there is no Via."""
    try:
        via = response.via
    except ValueError:
        via = None
    if via is None:
        return fallback
    host = via.received or via.host.strip("[]")
    port = via.rport or via.port or DEFAULT_PORT
    return host, port


def _peer(address) -> tuple[str, int]:
    return getattr(address, "host", "?"), getattr(address, "port", 0)


def _trace(direction: str, data, peer: tuple[str, int], transport: str) -> None:
    """Log one message at debug in MESSAGES; callers check TRACE first, so a message is
    neither encoded nor decoded for it while the trace is off."""
    text = (data if isinstance(data, bytes) else data.encode()).decode("utf-8", "replace")
    messages_log.debug("{direction} {peer} ({transport}):\n{text}", direction=direction,
                       peer=f"{peer[0]}:{peer[1]}", transport=transport, text=text)


def _hand_over(core, message: Request | Response, flow: Flow) -> None:
    try:
        core.receive(message, flow)
    except Exception:
        log.failure("SIP core failed on {message!r} from {flow!r}", message=message, flow=flow)


def _answer_error(error: SIPParseError, flow: Flow) -> None:
    if error.is_response:
        log.debug("malformed response from {flow!r} dropped: {error}", flow=flow, error=str(error))
        return
    response = error_response(error)
    log.info("bad SIP message from {flow!r}: {error}{answer}", flow=flow, error=str(error),
             answer="" if response is not None else " (not answerable)")
    if response is not None:
        flow.send(response)


# -- streams -----------------------------------------------------------------------------------
class SIPStreamProtocol(protocol.Protocol):
    """One SIP stream connection: StreamFramer in, ``core.receive`` out."""

    opened_at: float = 0.0  # the factory's clock when the connection was made

    def __init__(self, core, transport_name: str = "TCP") -> None:
        self.core = core
        self.transport_name = transport_name
        self.framer = StreamFramer()
        self.flow: StreamFlow | None = None
        self.closing = False

    def connectionMade(self) -> None:
        factory = getattr(self, "factory", None)
        if factory is not None:
            self.opened_at = factory.clock.seconds()
            factory.connections.add(self)
        set_no_delay = getattr(self.transport, "setTcpNoDelay", None)
        if set_no_delay is not None:
            set_no_delay(True)
        self.flow = StreamFlow(self, self.transport_name, _peer(self.transport.getPeer()))
        log.debug("SIP {transport} connection from {flow!r}", transport=self.transport_name,
                  flow=self.flow)

    def dataReceived(self, data: bytes) -> None:
        if self.closing:
            return
        try:
            events = self.framer.feed(data)
        except FramingError as failure:
            self._dispatch(failure.messages)
            log.warn("closing {flow!r}: framing lost: {error}", flow=self.flow, error=str(failure))
            response = None if failure.is_response else error_response(failure)
            if response is not None:
                self.write_message(response)
            self.close()
            return
        self._dispatch(events)

    def _dispatch(self, events) -> None:
        for event in events:
            if self.closing:
                return
            if isinstance(event, SIPParseError):
                _answer_error(event, self.flow)
            else:
                if TRACE.is_enabled(MESSAGES):
                    _trace("Received from", event, self.flow.peer, self.transport_name)
                _hand_over(self.core, _stamped(event, self.flow), self.flow)

    def write_message(self, message: Request | Response) -> None:
        if not self.closing:
            data = message.encode()
            if TRACE.is_enabled(MESSAGES) and self.flow is not None:
                _trace("Sent to", data, self.flow.peer, self.transport_name)
            self.transport.write(data)

    def close(self) -> None:
        if not self.closing:
            self.closing = True
            self.transport.loseConnection()

    def connectionLost(self, reason=protocol.connectionDone) -> None:
        self.closing = True
        factory = getattr(self, "factory", None)
        if factory is not None:
            factory.connections.discard(self)
        log.debug("SIP connection {flow!r} closed: {reason}", flow=self.flow,
                  reason=reason.getErrorMessage())
        lost = getattr(self.core, "flow_lost", None)
        if lost is not None and self.flow is not None:
            lost(self.flow)


def _stamped(message, flow: Flow):
    if isinstance(message, Request):
        stamp_via(message, *flow.peer)
    return message


class SIPStreamFactory(protocol.ServerFactory):
    """``connections``: the live :class:`SIPStreamProtocol` objects (what `show sip-ua
    connections` lists), each with its ``flow.peer`` and ``opened_at`` (from ``clock``)."""

    noisy = False

    def __init__(self, core, transport_name: str = "TCP", *, clock=None) -> None:
        self.core = core
        self.transport_name = transport_name
        if clock is None:
            from twisted.internet import reactor as clock
        self.clock = clock
        self.connections: set[SIPStreamProtocol] = set()

    def buildProtocol(self, addr):
        p = SIPStreamProtocol(self.core, self.transport_name)
        p.factory = self
        return p


# -- datagrams ---------------------------------------------------------------------------------
class SIPDatagramProtocol(protocol.DatagramProtocol):
    """One UDP socket: each datagram is one message (keepalive CRLFs ignored)."""

    noisy = False

    def __init__(self, core) -> None:
        self.core = core

    def datagramReceived(self, data: bytes, addr) -> None:
        flow = DatagramFlow(self, (addr[0], addr[1]))
        if TRACE.is_enabled(MESSAGES) and data.strip():
            _trace("Received from", data, flow.peer, "UDP")
        try:
            message = parse_datagram(data)
        except SIPParseError as error:
            _answer_error(error, flow)
            return
        if message is not None:
            _hand_over(self.core, _stamped(message, flow), flow)

    def write_message(self, message: Request | Response, address: tuple[str, int]) -> None:
        if self.transport is not None:
            data = message.encode()
            if TRACE.is_enabled(MESSAGES):
                _trace("Sent to", data, address, "UDP")
            self.transport.write(data, address)


def sip_services(core, address: str = "", port: int = DEFAULT_PORT) -> list:
    """The listeners of `voice register global / source-address A port P`: a TCPServer
    named "sip-tcp" and a UDPServer named "sip-udp", both handing messages to ``core``."""
    tcp = internet.TCPServer(port, SIPStreamFactory(core), backlog=LISTEN_BACKLOG,
                             interface=address)
    tcp.setName("sip-tcp")
    udp = internet.UDPServer(port, SIPDatagramProtocol(core), interface=address)
    udp.setName("sip-udp")
    return [tcp, udp]
