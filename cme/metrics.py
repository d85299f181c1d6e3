"""Prometheus metrics: what the server's owners already count, read at scrape time.

Every fact has one owner, and the owner counts it as plain integers on the reactor thread:
the status board (phones, lines, calls, registrations by outcome), the SIP transaction
table (transactions by side, method and how they ended), the CTI gateway (CSTA requests by
service and outcome, events sent), the call history (call legs ended by cause, trunk
calls by dial-peer), the TFTP server (transfers by outcome) and the actor runtime
(mailboxes). This collector turns them into metric families when Prometheus asks, so a
call pays for a dictionary increment, never for a metric library's lock; the scrape runs
on the reactor thread (twisted.web), between two actor turns, so what it reads is
consistent.

Names follow Prometheus' conventions: `cme_` prefix, `_total` on counters (the library
appends it), units in the name (`_seconds`).
"""
from __future__ import annotations

from prometheus_client import CollectorRegistry, GCCollector, Histogram, PlatformCollector, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from twisted.internet.task import LoopingCall

from actors.status import call_peers

LAG_INTERVAL = 1.0  # seconds between two reactor-lag probes
LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServerCollector:
    """The server's own metric families, from `app` (cme.app.Application)."""

    def __init__(self, app) -> None:
        self.app = app

    def collect(self):
        yield from self._phones_and_lines()
        yield from self._calls()
        yield from self._cti()
        yield from self._sip()
        yield from self._tftp()
        yield from self._actors()

    def describe(self):
        return []  # families are only known when collected (labels come from the data)

    # -- the SCCP side -------------------------------------------------------------------
    def _phones_and_lines(self):
        board = self.app.board
        phones = board.phones.values()
        yield _gauge("cme_phones_configured", "Phones (ephones) in the configuration.", len(board.phones))
        yield _gauge("cme_phones_registered", "Phones registered now.",
                     sum(1 for p in phones if p.state == "registered"))
        yield _counter("cme_phone_registrations", "Registrations by how they ended: registered, rejected "
                       "(max-ephones), unknown device.", ["outcome"], board.registrations)
        lines = board.lines.values()
        yield _gauge("cme_lines_configured", "Lines (ephone-dns) in the configuration.", len(board.lines))
        yield _gauge("cme_lines_in_use", "Lines with at least one call.", sum(1 for s in lines if s.calls))

    def _calls(self):
        legs = {}  # call id -> the far leg's call id (None: no far leg yet, or none any more)
        for status in self.app.board.lines.values():
            if status.calls:
                legs.update(call_peers(status.calls))
        calls = sum(1 for leg, peer in legs.items() if peer is None or peer not in legs or leg < peer)
        yield _gauge("cme_call_legs_active", "Call legs (a line's connections) now.", len(legs))
        yield _gauge("cme_calls_active", "Calls now (two legs joined are one call).", calls)
        directory = self.app.directory
        yield CounterMetricFamily("cme_call_legs_started", "Call legs started (each line's side of a call).",
                                  value=directory.calls_started)
        history = self.app.cdrs
        if history is not None:
            yield _counter("cme_call_legs_ended", "Call legs ended, by direction, whether answered, and cause "
                           "(the call detail records).", ["direction", "answered", "cause"],
                           {(d, _yes(a), c): n for (d, a, c), n in history.tally.items()})
            yield _counter("cme_trunk_calls", "Trunk call legs ended, by dial-peer, direction, whether "
                           "answered, and cause.", ["dial_peer", "direction", "answered", "cause"],
                           {(str(p), d, _yes(a), c): n for (p, d, a, c), n in history.trunk_tally.items()})

    # -- the SIP side --------------------------------------------------------------------
    def _cti(self):
        cti = self.app.cti
        if cti is None:
            return
        yield _gauge("cme_cti_sessions", "CTI sessions open now.", len(cti.sessions))
        yield _gauge("cme_cti_monitors", "CSTA monitors running now.", cti.monitors_total)
        yield _counter("cme_csta_requests", "CSTA requests answered, by service and outcome (ok, the "
                       "CSTAErrorCode value, or rejected in SIP).", ["service", "outcome"], cti.counts.requests)
        yield CounterMetricFamily("cme_csta_events_sent", "CSTA events sent to CTI applications (INFO).",
                                  value=cti.counts.events_sent)

    def _sip(self):
        cti = self.app.cti
        if cti is None:
            return
        yield _counter("cme_sip_transactions", "SIP transactions ended, by direction (in: requests we "
                       "answered, out: requests we sent), method and final response class or timeout.",
                       ["direction", "method", "response_class"], cti.core.table.ended)

    # -- the rest --------------------------------------------------------------------------
    def _tftp(self):
        server = self.app.tftp
        if server is None:
            return
        yield _counter("cme_tftp_transfers", "TFTP read requests by how they ended.", ["outcome"],
                       {(k,): n for k, n in server.outcomes.items()})

    def _actors(self):
        runtime = self.app.runtime
        if runtime is None:
            return
        actors = runtime.actors()
        yield _gauge("cme_actors", "Actors running (phones, lines, CTI sessions, monitors, trunk legs).",
                     len(actors))
        depths = [len(a._inbox_queue) for a in actors]
        yield _gauge("cme_actor_mailbox_messages", "Messages waiting in all actors' mailboxes.", sum(depths))
        yield _gauge("cme_actor_mailbox_max_messages", "Messages waiting in the fullest mailbox.",
                     max(depths, default=0))


def _yes(flag: bool) -> str:
    return "true" if flag else "false"


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _counter(name: str, documentation: str, labels: list[str], counts) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation, labels=labels)
    for key, value in sorted(counts.items()):
        family.add_metric(list(key) if isinstance(key, tuple) else [key], value)
    return family


class ReactorLag:
    """How late the reactor runs a timer: probes every LAG_INTERVAL seconds and observes
    the delay past when it was due (a busy reactor answers everything that late)."""

    def __init__(self, clock, histogram: Histogram, interval: float = LAG_INTERVAL) -> None:
        self.clock = clock
        self.histogram = histogram
        self.interval = interval
        self._due: float | None = None
        self._loop = LoopingCall(self._probe)
        self._loop.clock = clock

    def start(self) -> None:
        self._due = self.clock.seconds() + self.interval
        self._loop.start(self.interval, now=False)

    def stop(self) -> None:
        if self._loop.running:
            self._loop.stop()

    def _probe(self) -> None:
        now = self.clock.seconds()
        if self._due is not None:
            self.histogram.observe(max(0.0, now - self._due))
        self._due = now + self.interval


def registry(app, clock) -> tuple[CollectorRegistry, ReactorLag]:
    """The server's registry (its own families, the process', the platform's and the
    garbage collector's) and the reactor-lag probe that feeds it (start it with the
    server, stop it at stop)."""
    reg = CollectorRegistry(auto_describe=False)
    reg.register(ServerCollector(app))
    ProcessCollector(registry=reg)
    PlatformCollector(registry=reg)
    GCCollector(registry=reg)
    lag = Histogram("cme_reactor_lag_seconds", "How late the reactor ran a timer due every second.",
                    buckets=LAG_BUCKETS, registry=reg)
    return reg, ReactorLag(clock, lag)
