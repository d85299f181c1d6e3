"""A virtual phone on the wire: a thin Twisted protocol around a :class:`sccp.station.Station`.

It frames bytes with the codec, hands each message to the station and writes the replies;
it adds what needs time — keepalives at the RegisterAck interval, auto-answer after the
station's delay — on an injectable clock (the reactor, or ``task.Clock`` in tests), and
lets code wait for a state::

    phone = yield connect(reactor, "127.0.0.1", 2000, Station("SEP001E4A34A35F"))
    yield phone.when_registered()
    yield phone.when_ringing(line=1)
    phone.answer()
"""
from __future__ import annotations

from typing import Callable

from twisted.internet import defer
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.protocol import Protocol
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from sccp import messages as m
from sccp.enums import CallState, ResetType
from sccp.framing import Decoder, FramingError, encode
from sccp.station import Registration, Station

Tap = Callable[[str, bytes], None]
"""Sees every byte: ``tap("out", data)`` for what the phone sends, ``tap("in", data)``."""


class StationDisconnected(ConnectionError):
    """The phone's TCP connection closed while code was waiting for a state."""


class RegistrationRejected(Exception):
    """The server sent RegisterReject; the text is the server's reason."""


class StationProtocol(Protocol):
    def __init__(self, station: Station, clock=None, tap: Tap | None = None):
        if clock is None:
            from twisted.internet import reactor as clock
        self.station = station
        self.clock = clock
        self.tap = tap
        self.decoder = Decoder()
        self.connected = False
        self.lost = False  # the connection came and went: no state can change any more
        self._keepalive: LoopingCall | None = None
        self._answers: list = []  # pending auto-answer DelayedCalls
        self._waits: list[tuple[Callable[[Station], bool], defer.Deferred]] = []
        self._closed: list[defer.Deferred] = []
        self.log = Logger(namespace=f"cme.vphone.{station.device_name}")

    # -- connection ------------------------------------------------------------------------

    def connectionMade(self) -> None:
        self.connected = True
        host = getattr(self.transport.getHost(), "host", None)
        if host and host != "0.0.0.0" and ":" not in host:
            self.station.ip = host  # Register and OpenReceiveChannelAck carry our real address
        self._send(self.station.registration_messages())

    def dataReceived(self, data: bytes) -> None:
        if self.tap:
            self.tap("in", data)
        try:
            messages, error = self.decoder.feed(data), None
        except FramingError as exc:
            messages, error = exc.decoded, exc
        for message in messages:
            self._apply(message)
        if error is not None:
            self.log.error("{device}: framing lost from server {peer}: {error}",
                           device=self.station.device_name, peer=self.transport.getPeer(),
                           error=str(error))
            self.transport.loseConnection()

    def connectionLost(self, reason=None) -> None:
        self.connected, self.lost = False, True
        self.station.disconnected()
        self._stop_timers()
        self._check_waits()  # a wait for DISCONNECTED itself is satisfied, not failed
        why = reason.getErrorMessage() if reason is not None else "closed"
        waits, self._waits = self._waits, []
        for _, d in waits:
            d.errback(StationDisconnected(
                f"{self.station.device_name}: connection lost ({why}) before the awaited state"))
        closed, self._closed = self._closed, []
        for d in closed:
            d.callback(self.station)

    def _apply(self, message: m.Message) -> None:
        self._send(self.station.receive(message))
        if isinstance(message, m.RegisterAckMessage):
            self._start_keepalive(self.station.keepalive_interval)
        elif isinstance(message, m.UnregisterAckMessage):
            self.transport.loseConnection()  # as a real phone does once the server agrees
        elif isinstance(message, m.ResetMessage) and message.reset_type in (
                ResetType.RESET, ResetType.RESTART):
            self.transport.loseConnection()  # a phone reboots; a bank reconnects it
        elif (isinstance(message, m.CallStateMessage) and message.call_state == CallState.RING_IN
              and self.station.auto_answer is not None):
            self._answers.append(self.clock.callLater(
                self.station.auto_answer, self._auto_answer, message.line_instance,
                message.call_reference))
        self._check_waits()

    def _send(self, messages: list[m.Message]) -> list[m.Message]:
        if messages and self.connected:
            data = b"".join(encode(message) for message in messages)
            if self.tap:
                self.tap("out", data)
            self.transport.write(data)
        self._check_waits()
        return messages

    # -- timers ----------------------------------------------------------------------------

    def _start_keepalive(self, interval: int) -> None:
        if self._keepalive is not None and self._keepalive.running:
            self._keepalive.stop()
        self._keepalive = LoopingCall(self.keepalive)
        self._keepalive.clock = self.clock
        self._keepalive.start(interval, now=False)

    def _auto_answer(self, line: int, callref: int) -> None:
        self._answers = [call for call in self._answers if call.active()]
        if self.connected and self.station.call_state(line, callref) == CallState.RING_IN:
            self.answer(line)

    def _stop_timers(self) -> None:
        if self._keepalive is not None and self._keepalive.running:
            self._keepalive.stop()
        for call in self._answers:
            if call.active():
                call.cancel()
        self._answers = []

    # -- waiting for a state ---------------------------------------------------------------

    def when(self, predicate: Callable[[Station], bool]) -> defer.Deferred:
        """Fires with the station as soon as ``predicate(station)`` holds (checked after
        every message); fails with :class:`StationDisconnected` if the connection goes first."""
        try:
            if predicate(self.station):
                return defer.succeed(self.station)
        except Exception:
            return defer.fail()
        if self.lost:
            return defer.fail(StationDisconnected(
                f"{self.station.device_name}: not connected, the awaited state cannot come"))
        d = defer.Deferred(lambda d: self._waits.remove((predicate, d)))
        self._waits.append((predicate, d))
        return d

    def _check_waits(self) -> None:
        if not self._waits:
            return
        for wait in list(self._waits):
            predicate, d = wait
            try:
                ready = predicate(self.station)
            except Exception:  # a broken predicate fails its own wait, not the connection
                self._waits.remove(wait)
                d.errback()
                continue
            if ready:
                self._waits.remove(wait)
                d.callback(self.station)

    def when_registered(self) -> defer.Deferred:
        """Fires when registered (see :mod:`sccp.station` for the rule); fails with
        :class:`RegistrationRejected` on RegisterReject."""
        def settled(station: Station) -> Station:
            if station.registration is Registration.REJECTED:
                raise RegistrationRejected(f"{station.device_name}: {station.reject_text}")
            return station

        return self.when(lambda s: s.registration in (Registration.REGISTERED,
                                                      Registration.REJECTED)).addCallback(settled)

    def when_ringing(self, line: int | None = 1) -> defer.Deferred:
        return self.when(lambda s: s.ringing(line))

    def when_state(self, line: int, callref: int, state: CallState) -> defer.Deferred:
        return self.when(lambda s: s.call_state(line, callref) == state)

    def when_closed(self) -> defer.Deferred:
        """Fires with the station once the TCP connection is closed."""
        if self.lost:
            return defer.succeed(self.station)
        d = defer.Deferred()
        self._closed.append(d)
        return d

    # -- actions (the station's, sent) -----------------------------------------------------

    def off_hook(self, line: int = 1):
        return self._send(self.station.off_hook(line))

    def on_hook(self):
        return self._send(self.station.on_hook())

    def dial(self, digits: str):
        return self._send(self.station.dial(digits))

    def enbloc(self, number: str):
        return self._send(self.station.enbloc(number))

    def softkey(self, event, line=None, callref=None):
        return self._send(self.station.softkey(event, line, callref))

    def stimulus(self, stimulus, instance: int = 1, callref: int = 0):
        return self._send(self.station.stimulus(stimulus, instance, callref))

    def answer(self, line: int | None = None):
        return self._send(self.station.answer(line))

    def hold(self):
        return self._send(self.station.hold())

    def resume(self, line=None, callref=None):
        return self._send(self.station.resume(line, callref))

    def end_call(self):
        return self._send(self.station.end_call())

    def keepalive(self):
        return self._send(self.station.keepalive())

    def unregister(self):
        return self._send(self.station.unregister())


def connect(reactor, host: str, port: int, station: Station, *, tap: Tap | None = None,
            timeout: float = 30) -> defer.Deferred:
    """Connects a station over TCP; fires with its :class:`StationProtocol` once the
    connection is up (Register already sent)."""
    protocol = StationProtocol(station, clock=reactor, tap=tap)
    return connectProtocol(TCP4ClientEndpoint(reactor, host, port, timeout), protocol)
