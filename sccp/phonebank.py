"""Many virtual phones in one process, each on its own TCP connection to the server.

Connections start ``stagger`` seconds apart (default 1 ms: 10,000 phones within 10 s), so
the server sees a steady stream of registrations rather than one burst. A start tick
catches up on every phone that is due, so a busy reactor delays the stream but never
stretches it. Each phone builds a fresh :class:`Station` per connection, as a rebooted
phone would; with ``reconnect`` a lost connection is retried with exponential backoff
(Twisted's ReconnectingClientFactory), a rejected phone is not.
"""
from __future__ import annotations

import resource
from dataclasses import asdict, dataclass
from typing import Callable

from twisted.internet import defer
from twisted.internet.protocol import ReconnectingClientFactory
from twisted.logger import Logger

from sccp.client import RegistrationRejected, StationProtocol
from sccp.enums import DeviceType
from sccp.station import Registration, Station

log = Logger(namespace="cme.phonebank")

STAGGER = 0.001
UNREGISTER_TIMEOUT = 2.0  # seconds to wait for UnregisterAck before closing anyway


@dataclass
class Summary:
    total: int = 0
    waiting: int = 0  # not started yet
    connecting: int = 0  # connecting or registering
    registered: int = 0
    rejected: int = 0
    disconnected: int = 0
    ringing: int = 0
    in_call: int = 0

    def line(self) -> str:
        return (f"registered {self.registered}  ringing {self.ringing}  in call {self.in_call}  "
                f"disconnected {self.disconnected}"
                + (f"  rejected {self.rejected}" if self.rejected else ""))

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Progress:
    """First outcome of every phone's first attempt, for start()'s progress callback."""

    total: int
    started: int = 0
    registered: int = 0
    rejected: int = 0
    failed: int = 0

    @property
    def settled(self) -> int:
        return self.registered + self.rejected + self.failed

    @property
    def connecting(self) -> int:
        return self.started - self.settled


class VirtualPhone(ReconnectingClientFactory):
    """One phone of the bank: its device, its current connection and station."""

    noisy = False
    maxDelay = 60

    def __init__(self, bank: PhoneBank, index: int, device_name: str,
                 device_type: DeviceType | int):
        self.bank, self.index = bank, index
        self.device_name, self.device_type = device_name, device_type
        self.clock = bank.reactor
        self.continueTrying = bank.reconnect
        self.station: Station | None = None
        self.protocol: StationProtocol | None = None
        self.outcome: str | None = None  # first outcome: registered, rejected, failed
        self.reject_text = ""

    def buildProtocol(self, addr):
        self.station = Station(self.device_name, self.device_type,
                               rtp_port=self.bank.rtp_port(self.index),
                               auto_answer=self.bank.auto_answer)
        self.protocol = StationProtocol(self.station, clock=self.bank.reactor, tap=self.bank.tap)
        self.protocol.factory = self
        self.protocol.when_registered().addCallbacks(self._registered, self._not_registered)
        return self.protocol

    def _registered(self, station):
        self.resetDelay()  # also sets continueTrying: put back the bank's choice
        self.continueTrying = self.bank.reconnect and not self.bank.stopping
        self.bank._settle(self, "registered")

    def _not_registered(self, failure):
        if failure.check(RegistrationRejected):
            self.reject_text = self.station.reject_text
            self.stopTrying()  # the server said no: asking again changes nothing
            self.bank._settle(self, "rejected")
        else:
            self.bank._settle(self, "failed")

    def clientConnectionFailed(self, connector, reason):
        if self.outcome is None:
            log.info("{device}: cannot connect: {why}", device=self.device_name,
                     why=reason.getErrorMessage())
        self.bank._settle(self, "failed")
        super().clientConnectionFailed(connector, reason)


class PhoneBank:
    def __init__(self, server_host: str, server_port: int,
                 devices: list[tuple[str, DeviceType | int]], *, reactor=None,
                 stagger: float = STAGGER, auto_answer: float | None = None,
                 rtp_base_port: int = 20000, reconnect: bool = False,
                 progress: Callable[[Progress], None] | None = None, tap=None):
        if reactor is None:
            from twisted.internet import reactor
        self.host, self.port = server_host, server_port
        self.reactor = reactor
        self.stagger = stagger
        self.auto_answer = auto_answer
        self.rtp_base_port = rtp_base_port
        self.reconnect = reconnect
        self.on_progress = progress
        self.tap = tap
        self.phones = [VirtualPhone(self, i, name, kind) for i, (name, kind) in enumerate(devices)]
        self.progress = Progress(total=len(self.phones))
        self._started_at: float | None = None
        self._tick = None
        self._done = defer.Deferred()
        self.stopping = False

    def rtp_port(self, index: int) -> int:
        """An even RTP port per phone (RTCP takes the odd one above), wrapping below 65535."""
        span = max(1, (65534 - self.rtp_base_port) // 2)
        return self.rtp_base_port + 2 * (index % span)

    # -- start -----------------------------------------------------------------------------

    def start(self) -> defer.Deferred:
        """Start connecting; fires with the :class:`Progress` once every phone has
        registered, been rejected, or failed its first attempt."""
        raise_open_files_limit(len(self.phones) + 64)
        self._started_at = self.reactor.seconds()
        self._start_due()
        self._check_done()
        return self._done

    def _start_due(self) -> None:
        self._tick = None
        if self.stopping:
            return
        elapsed = self.reactor.seconds() - self._started_at
        due = len(self.phones) if self.stagger <= 0 else min(
            len(self.phones), int(elapsed / self.stagger + 1e-9) + 1)
        for phone in self.phones[self.progress.started:due]:
            # kept so that stop() can abandon a connection attempt still in progress
            phone.connector = self.reactor.connectTCP(self.host, self.port, phone, timeout=30)
        self.progress.started = max(self.progress.started, due)
        if self.progress.started < len(self.phones):
            self._tick = self.reactor.callLater(self.stagger, self._start_due)
        self._report()

    def _settle(self, phone: VirtualPhone, outcome: str) -> None:
        if phone.outcome is not None:
            return
        phone.outcome = outcome
        setattr(self.progress, outcome, getattr(self.progress, outcome) + 1)
        self._report()
        self._check_done()

    def _report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.progress)

    def _check_done(self) -> None:
        if not self._done.called and self.progress.settled == len(self.phones):
            self._done.callback(self.progress)

    # -- state -----------------------------------------------------------------------------

    def summary(self) -> Summary:
        summary = Summary(total=len(self.phones))
        for phone in self.phones:
            station = phone.station
            state = station.registration if station else None
            if state is None:
                summary.waiting += 1
            elif state is Registration.REGISTERED:
                summary.registered += 1
                summary.ringing += station.ringing()
                summary.in_call += station.in_call()
            elif state is Registration.REJECTED:
                summary.rejected += 1
            elif state in (Registration.NEW, Registration.REGISTERING):
                summary.connecting += 1
            else:
                summary.disconnected += 1
        return summary

    def rejections(self) -> dict[str, str]:
        """device name → the server's RegisterReject text."""
        return {p.device_name: p.reject_text for p in self.phones if p.outcome == "rejected"}

    # -- stop ------------------------------------------------------------------------------

    def stop(self) -> defer.Deferred:
        """Stop starting and reconnecting; unregister every registered phone and close
        every connection. Fires once all are closed."""
        self.stopping = True
        if self._tick is not None and self._tick.active():
            self._tick.cancel()
        closing = []
        for phone in self.phones:
            phone.stopTrying()
            protocol = phone.protocol
            if protocol is None or not protocol.connected:
                continue
            closing.append(protocol.when_closed())
            if protocol.station.registered:
                protocol.unregister()  # the UnregisterAck closes the connection
                timer = self.reactor.callLater(UNREGISTER_TIMEOUT, protocol.transport.loseConnection)
                closing[-1].addBoth(_cancel, timer)
            else:
                protocol.transport.loseConnection()
        if not self._done.called:
            self._done.callback(self.progress)
        return defer.DeferredList(closing, consumeErrors=True).addCallback(lambda _: self.summary())


def _cancel(result, timer):
    if timer.active():
        timer.cancel()
    return result


def raise_open_files_limit(wanted: int = 0) -> int:
    """Raise the soft open-files limit to the hard limit, so thousands of sockets fit;
    returns the soft limit in force (logs when it is below ``wanted``)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            log.warn("cannot raise the open-files limit to {target}: {error}", target=target,
                     error=str(exc))
    if soft != resource.RLIM_INFINITY and soft < wanted:
        log.warn("open-files limit {soft} is below the {wanted} sockets wanted", soft=soft,
                 wanted=wanted)
    return soft
