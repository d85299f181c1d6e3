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
- What one peer may cost (issue 13): a stream connection must deliver its first message,
  and finish every message it starts, in time, and is closed after ``idle`` seconds
  without a message unless the core says the flow is busy; a source host holds at most
  ``per_source`` connections (:class:`sip.limits.StreamLimits`). Over UDP every answer
  goes to the datagram's source host; one to a datagram that could not be parsed, to
  exactly its source address.
- §18.2.1: the top Via of a request gets ``received`` when its sent-by host is not the
  source address, and a requested ``rport`` (RFC 3581) is filled in with the source port.
  §18.2.2 (unreliable transport, no ``maddr``): a response goes to the ``received`` host
  (else the sent-by host) and the ``rport`` port (else the sent-by port, else 5060). Since
  ``received`` is always stamped when the host differs, no DNS lookup is ever needed.
"""
from __future__ import annotations

from twisted.application import internet
from twisted.internet import protocol

from actors.peer_limits import ConnectionsPerSource, PeerLog
from actors.socket_write import TURN_WRITES
from actors.trace import TRACE, TraceLogger
from sip.framing import FramingError, StreamFramer, parse_datagram
from sip.limits import StreamLimits
from sip.grammar import Params, split_list
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

    def send_to_source(self, message: Request | Response) -> None:
        """Exactly where the datagram came from: the answer to one that could not be
        parsed (its Via, if any, is the sender's word, not an address we checked)."""
        self.protocol.write_message(message, self.peer)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, DatagramFlow) and other.protocol is self.protocol
                and other.peer == self.peer)

    def __hash__(self) -> int:
        return hash((id(self.protocol), self.peer))


def stamp_via(request: Request, host: str, port: int) -> None:
    """§18.2.1 + RFC 3581 §4: add ``received`` to the top Via when its sent-by host is not
    ``host``, fill an empty ``rport`` with ``port``. Only the top Via's text changes.

    The top Via is the message's parsed view (the parser keeps it), so nothing is parsed
    here; when the text changes, the stamped Via becomes the view."""
    try:
        via = request.via
    except ValueError:
        return  # the parser would have refused it; nothing to stamp
    if via is None:
        return
    received = via.host.strip("[]").lower() != host.lower() or via.has_rport
    fill_rport = via.has_rport and not via.rport
    if not received and not fill_rport:
        return
    params = Params(list(via.params))  # the view is shared: stamp a copy
    if received:
        params["received"] = host
    if fill_rport:
        params["rport"] = str(port)
    stamped = Via(via.transport, via.host, via.port, params, via.protocol)
    headers = request.headers
    lines = headers.get_all("Via")
    elements = split_list(lines[0])
    elements[0] = str(stamped)
    headers.set("Via", ", ".join(elements))
    for line in lines[1:]:
        headers.add("Via", line)
    headers.remember("via", stamped)  # what parsing the new top Via gives


def response_address(response: Response, source: tuple[str, int]) -> tuple[str, int]:
    """§18.2.2 for an unreliable transport (without maddr), where the request came from
    ``source``: the host is always the source's (what ``received`` says, as stamp_via
    always adds it when the sent-by host differs: never a name or an address the peer
    merely wrote in its Via), the port ``rport`` or the sent-by port or 5060; ``source``
    as it is when there is no usable Via or the port is out of range."""
    try:
        via = response.via
        port = via.rport or via.port or DEFAULT_PORT if via is not None else None
    except (ValueError, TypeError, AttributeError):
        port = None
    if not isinstance(port, int) or not 0 < port < 65536:
        return source
    return source[0], port


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
        getattr(flow, "send_to_source", flow.send)(response)


# -- streams -----------------------------------------------------------------------------------
class SIPStreamProtocol(protocol.Protocol):
    """One SIP stream connection: StreamFramer in, ``core.receive`` out.

    With a ``clock``, the connection keeps to its :class:`~sip.limits.StreamLimits`: a
    first complete message within ``first_message`` seconds, every started message
    complete within ``partial_message``, and no more than ``idle`` seconds without a
    complete message unless ``core.flow_busy(flow)`` (a session or transaction uses it).
    ``peer`` and ``opened_at`` (clock seconds) are for `show sip-ua connections`."""

    def __init__(self, core, transport_name: str = "TCP", *, clock=None,
                 limits: StreamLimits | None = None, peer_log: PeerLog | None = None) -> None:
        self.core = core
        self.transport_name = transport_name
        self.framer = StreamFramer()
        self.flow: StreamFlow | None = None
        self.closing = False
        self.clock = clock
        self.limits = limits if limits is not None else StreamLimits()
        self.peer_log = peer_log
        self.peer: tuple[str, int] = ("", 0)
        self.opened_at = 0.0
        self.last_message: float | None = None  # when the last complete message ended
        self.partial_since: float | None = None  # when the message now buffered started
        self.messages = 0
        self._deadline = None  # the one IDelayedCall of this connection's limits
        self.released = False  # the factory's per-source count was given back

    def connectionMade(self) -> None:
        set_no_delay = getattr(self.transport, "setTcpNoDelay", None)
        if set_no_delay is not None:
            set_no_delay(True)
        self.peer = _peer(self.transport.getPeer())
        self.flow = StreamFlow(self, self.transport_name, self.peer)
        if self.clock is not None:
            self.opened_at = self.clock.seconds()
        log.debug("SIP {transport} connection from {flow!r}", transport=self.transport_name,
                  flow=self.flow)
        self._rearm()

    def dataReceived(self, data: bytes) -> None:
        if self.closing:
            return
        now = self.clock.seconds() if self.clock is not None else 0.0  # when this read came
        if self.clock is not None and self.partial_since is None:
            self.partial_since = now
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
        # what the core answers at once to the messages of this read (a 200 to an
        # INVITE, a 481, a retransmitted response) leaves as one send when the read is
        # handled, like the actors' writes of a runtime pass (TurnWrites)
        TURN_WRITES.hold()
        try:
            self._dispatch(events)
        finally:
            TURN_WRITES.release()
        if self.clock is not None and not self.closing:
            if events:
                self.messages += len(events)
                self.last_message = now
            if not self.framer.buffered and self.framer.awaiting is None:
                self.partial_since = None  # nothing started (CRLF keepalives are not messages)
            elif events:
                self.partial_since = now  # a new message started after the complete ones
            self._rearm()

    # -- the limits ---------------------------------------------------------------------
    def _due(self) -> tuple[float, str] | None:
        """The earliest limit still running: (when, which); of two due at once, the name
        first in the alphabet (as min() of the pairs gives). Runs once per read."""
        lim = self.limits
        due = None
        if self.partial_since is not None and lim.partial_message:
            due = (self.partial_since + lim.partial_message, "partial")
        if self.last_message is None:
            other = (self.opened_at + lim.first_message, "first") if lim.first_message else None
        else:
            other = (self.last_message + lim.idle, "idle") if lim.idle else None
        if other is not None and (due is None or other < due):
            return other
        return due

    def _rearm(self) -> None:
        if self.clock is None or self.closing:
            return
        due = self._due()
        current = self._deadline
        if current is not None and current.active():
            if due is not None and current.getTime() <= due[0]:
                # Every message moves the idle deadline later: the call already set wakes
                # first, finds the new due time and re-arms (_deadline_passed), instead of a
                # cancel and a new DelayedCall per read.
                return
            current.cancel()
        self._deadline = None
        if due is not None:
            self._deadline = self.clock.callLater(max(0.0, due[0] - self.clock.seconds()),
                                                  self._deadline_passed)

    def _deadline_passed(self) -> None:
        self._deadline = None
        if self.closing:
            return
        due = self._due()
        now = self.clock.seconds()
        if due is None or due[0] > now:
            self._rearm()
            return
        which = due[1]
        if which == "idle":
            busy = getattr(self.core, "flow_busy", None)
            if busy is not None and self.flow is not None and busy(self.flow):
                self.last_message = now  # in use: look again after another idle spell
                self._rearm()
                return
        reasons = {"partial": f"message incomplete after {self.limits.partial_message:g} s",
                   "first": f"no complete message in {self.limits.first_message:g} s",
                   "idle": f"idle for {self.limits.idle:g} s"}
        self._peer_info("closing SIP {transport} connection {flow!r}: {why}",
                        transport=self.transport_name, flow=self.flow, why=reasons[which])
        self.close()

    def _peer_info(self, format: str, **kwargs) -> None:
        if self.peer_log is not None:
            self.peer_log.emit(self.peer[0], "info", format, **kwargs)
        else:
            log.info(format, **kwargs)

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
            TURN_WRITES.write(self.transport, data)

    def close(self) -> None:
        if not self.closing:
            self.closing = True
            TURN_WRITES.flush(self.transport)  # what was written before the close goes first
            self.transport.loseConnection()

    def connectionLost(self, reason=protocol.connectionDone) -> None:
        self.closing = True
        TURN_WRITES.discard(self.transport)
        if self._deadline is not None and self._deadline.active():
            self._deadline.cancel()
        self._deadline = None
        log.debug("SIP connection {flow!r} closed: {reason}", flow=self.flow,
                  reason=reason.getErrorMessage())
        factory = getattr(self, "factory", None)
        if factory is not None and hasattr(factory, "release"):
            factory.release(self)
        lost = getattr(self.core, "flow_lost", None)
        if lost is not None and self.flow is not None:
            lost(self.flow)


def _stamped(message, flow: Flow):
    if isinstance(message, Request):
        stamp_via(message, *flow.peer)
    return message


class SIPStreamFactory(protocol.ServerFactory):
    """A SIP stream listener's factory: one :class:`SIPStreamProtocol` per connection,
    at most ``limits.per_source`` live connections per source host (over it the new
    connection is closed at once, nothing allocated for it, logged once per source per
    minute). ``connections`` is the set of live protocols (each with ``peer`` and
    ``opened_at``), for `show sip-ua connections`. ``clock`` defaults to the core's."""

    noisy = False

    def __init__(self, core, transport_name: str = "TCP", *, clock=None,
                 limits: StreamLimits | None = None) -> None:
        self.core = core
        self.transport_name = transport_name
        self.clock = clock if clock is not None else getattr(core, "clock", None)
        self.limits = limits if limits is not None else StreamLimits()
        self.per_source = ConnectionsPerSource(self.limits.per_source)
        self.peer_log = PeerLog(log, self.clock) if self.clock is not None else None
        self.connections: set[SIPStreamProtocol] = set()

    def buildProtocol(self, addr):
        host = getattr(addr, "host", None)
        if host is not None and not self.per_source.admit(host):
            self._refused(host)
            return None  # Twisted closes the socket: no protocol, no state
        p = SIPStreamProtocol(self.core, self.transport_name, clock=self.clock,
                              limits=self.limits, peer_log=self.peer_log)
        p.factory = self
        p.admitted_host = host
        self.connections.add(p)
        return p

    def set_limits(self, limits: StreamLimits) -> None:
        """New limits (`configure terminal` changed `sip-ua`): the cap applies to the next
        connection, the timeouts to every live connection from now on."""
        self.limits = limits
        self.per_source.limit = limits.per_source
        for p in list(self.connections):
            p.limits = limits
            p._rearm()

    def _refused(self, host: str) -> None:
        fmt = ("SIP {transport} connection from {host} refused: {held} connections held "
               "(connection limit per-source {limit})")
        kwargs = dict(transport=self.transport_name, host=host, held=self.per_source.held(host),
                      limit=self.limits.per_source)
        if self.peer_log is not None:
            self.peer_log.emit(host, "warn", fmt, **kwargs)
        else:
            log.warn(fmt, **kwargs)

    def release(self, p: SIPStreamProtocol) -> None:
        """A connection of this factory closed: its count and entry go."""
        if p.released:
            return
        p.released = True
        self.connections.discard(p)
        host = getattr(p, "admitted_host", None)
        if host is not None:
            self.per_source.release(host)


# -- datagrams ---------------------------------------------------------------------------------
class SIPDatagramProtocol(protocol.DatagramProtocol):
    """One UDP socket: each datagram is one message (keepalive CRLFs ignored)."""

    noisy = False

    def __init__(self, core, *, clock=None) -> None:
        self.core = core
        clock = clock if clock is not None else getattr(core, "clock", None)
        self.peer_log = PeerLog(log, clock) if clock is not None else None

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
            try:
                self.transport.write(data, address)
            except Exception as e:  # a bad address, a full buffer: this datagram is lost
                fmt = "SIP UDP send to {host}:{port} failed: {error}"
                kwargs = dict(host=address[0], port=address[1], error=str(e) or type(e).__name__)
                if self.peer_log is not None:
                    self.peer_log.emit(address[0], "warn", fmt, **kwargs)
                else:
                    log.warn(fmt, **kwargs)


UDP_READ_SIZE = 65535
"""Octets Twisted reads per datagram (its default, 8,192, cut bigger ones short): the
largest UDP payload there is (65,507 over IPv4), so every datagram is read whole and
one over :data:`sip.framing.MAX_MESSAGE`, were IP to carry one, would get its 413."""


def sip_services(core, address: str = "", port: int = DEFAULT_PORT, *, clock=None,
                 limits: StreamLimits | None = None) -> list:
    """The listeners of `voice register global / source-address A port P`: a TCPServer
    named "sip-tcp" (its factory keeps ``limits``, timed by ``clock``, by default the
    core's) and a UDPServer named "sip-udp" reading datagrams whole, both handing
    messages to ``core``."""
    tcp = internet.TCPServer(port, SIPStreamFactory(core, clock=clock, limits=limits),
                             backlog=LISTEN_BACKLOG, interface=address)
    tcp.setName("sip-tcp")
    udp = internet.UDPServer(port, SIPDatagramProtocol(core), interface=address,
                             maxPacketSize=UDP_READ_SIZE)
    udp.setName("sip-udp")
    return [tcp, udp]
