"""An in-memory exchange for tests: the real server side, virtual phones, a fake clock.

`Exchange(config_text)` builds the telephony side (line and phone actors) on a
`task.Clock`; `exchange.phone("SEP…")` connects a virtual phone (`sccp.station.Station`)
to the real SCCP server protocol through a fake transport. `settle()` moves bytes both
ways and drains the actors until nothing more happens, so a test reads like a user's
story: `a.do("off_hook"); a.do("dial", "202"); assert b.ringing()`. Nothing is mocked
but the sockets and the clock.
"""
from __future__ import annotations

import itertools

from twisted.internet import task
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransportWithDisconnection

import conf
from actors.events import Subscribe
from actors.runtime import Runtime, set_runtime
from cme.telephony import Telephony
from sccp.framing import Decoder, encode
from sccp.station import Station

EPOCH = 1_700_000_000  # the fake clock starts at a real date (TimeDate answers make sense)


class VirtualPhone:
    """A Station wired to the server protocol in memory."""

    def __init__(self, exchange: "Exchange", device: str, device_type: int, port: int) -> None:
        self.exchange = exchange
        self.received: list = []  # every message the phone got, in order
        self._connect(Station(device, device_type, ip="127.0.0.1", rtp_port=port), port)

    def _connect(self, station: Station, port: int) -> None:
        self.station = station
        self.protocol = self.exchange.telephony.server_factory().buildProtocol(None)
        self.transport = StringTransportWithDisconnection(peerAddress=IPv4Address("TCP", "127.0.0.1", port))
        self.transport.protocol = self.protocol
        self.protocol.makeConnection(self.transport)
        self.decoder = Decoder()
        self.send(self.station.registration_messages())

    def send(self, messages) -> None:
        for message in messages:
            if self.transport.connected:
                self.protocol.dataReceived(encode(message))

    def pump(self) -> bool:
        data = self.transport.value()
        if not data:
            return False
        self.transport.clear()
        for message in self.decoder.feed(data):
            self.received.append(message)
            self.send(self.station.receive(message))
        return True

    def burst(self, *actions) -> "VirtualPhone":
        """Several Station actions written in one TCP segment, before the server answers
        any of them (a fast user, or a hostile client): each is (name, *args)."""
        messages = [m for name, *args in actions for m in getattr(self.station, name)(*args)]
        if self.transport.connected:
            self.protocol.dataReceived(b"".join(encode(m) for m in messages))
        self.exchange.settle()
        return self

    def do(self, action: str, *args, **kwargs):
        """Perform a Station action (off_hook, dial, answer, …) and settle the exchange."""
        self.send(getattr(self.station, action)(*args, **kwargs))
        self.exchange.settle()
        return self

    def drop(self) -> None:
        """The phone's TCP connection breaks."""
        self.transport.loseConnection()
        self.station.disconnected()
        self.exchange.settle()

    def reconnect(self) -> "VirtualPhone":
        """What a phone does after Reset (RESTART): close, boot as a fresh phone, register
        again on a new connection from a new port. `received` keeps the whole history."""
        if self.transport.connected:
            self.transport.loseConnection()
        self.station.disconnected()
        self.exchange.settle()
        old = self.station
        self._connect(Station(old.device_name, old.device_type, ip=old.ip, rtp_port=old.rtp_port),
                      next(self.exchange._ports))
        self.exchange.settle()
        return self

    def __getattr__(self, name):
        return getattr(self.station, name)


class Exchange:
    def __init__(self, config_text: str, *, filename: str = "test.cfg", feature_store=None) -> None:
        self.clock = task.Clock()
        self.clock.advance(EPOCH)
        self.runtime = Runtime(self.clock)
        self._previous = set_runtime(self.runtime)
        self.config = conf.parse_text(config_text, filename=filename).config
        if feature_store is not None:
            feature_store.load(self.config)
        self.telephony = Telephony(self.config, clock=self.clock, feature_store=feature_store)
        self.telephony.start()
        self.phones: dict[str, VirtualPhone] = {}
        self._ports = itertools.count(20000, 2)
        self.events: list = []

    def phone(self, device: str, device_type: int = 30018) -> VirtualPhone:
        phone = VirtualPhone(self, device, device_type, next(self._ports))
        self.phones[device] = phone
        self.settle()
        return phone

    def settle(self, limit: int = 10_000) -> None:
        for _ in range(limit):
            self.runtime.run_until_idle()
            if not any(p.pump() for p in list(self.phones.values())):
                self.runtime.run_until_idle()
                if not any(p.transport.value() for p in self.phones.values()):
                    return
        raise AssertionError("the exchange did not settle")

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.settle()

    def watch(self, *numbers: str) -> list:
        """Subscribe to lines by number; returns the list their events are appended to."""
        for number in numbers:
            self.telephony.directory[number].tell(Subscribe(self.events.append))
        self.settle()
        return self.events

    def line_connections(self) -> dict[int, list]:
        """dn tag -> connection states, read from the line actors (for leak checks)."""
        out = {}
        for tag, ref in self.telephony.lines.items():
            actor = ref._actor_weakref()
            out[tag] = [conn.state for conn in actor.connections.values()] if actor else []
        return out

    def close(self) -> None:
        self.runtime.stop_all()
        set_runtime(self._previous)
