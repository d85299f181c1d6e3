"""The twistd service: the application, its actors, its listeners, started and stopped in order.

Start: logging observers (show logging buffer, JSON lines), the actor runtime on the
reactor, then the listeners (exec CLI, SCCP, SIP, TFTP). Stop (SIGTERM and Ctrl-C both end
here, and twistd exits 0): first what is on the wire ends while the listeners are still
open (calls cleared with their events, CTI sessions sent BYE, phones shown idle and their
connections closed; bounded, see drain), then the listeners close, then every actor, last
started first, so each `on_stop` runs.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager

from twisted.application.service import MultiService, Service
from twisted.internet.defer import Deferred, DeferredList, succeed
from twisted.internet.error import CannotListenError
from twisted.logger import globalLogPublisher

from actors.runtime import Runtime, current_runtime, set_runtime
from actors.trace import TraceLogger
from cme.app import VERSION, Application
from cme.drain import BOUND
from cme.metrics import registry as metrics_registry
from cme.open_files import raise_open_files_limit
from cme.trace import bridge_stdlib_logging, json_observer, unbridge_stdlib_logging

log = TraceLogger(namespace="cme.service")

YOUNG_PASS = 10_000
"""Net allocations between two young-generation passes of the collector while the server
runs (CPython's default is 700); see CMEService.startService."""


class CMEService(MultiService):
    """The whole server as one twistd service; children are the listeners."""

    def __init__(self, app: Application, *, runtime: Runtime | None = None, json_log: str | None = None,
                 open_files=raise_open_files_limit) -> None:
        super().__init__()
        self.app = app
        self.open_files = open_files  # called once at start: raises the descriptor limit
        self.runtime = runtime
        self.json_log = json_log
        self._observers: list = []
        self._previous_runtime: Runtime | None = None
        self._thresholds: tuple[int, ...] | None = None  # the collector's, restored at stop
        self._lag = None  # cme.metrics.ReactorLag, while it runs

    def startService(self) -> None:
        self._observers = [self.app.log_buffer]
        if self.json_log:
            self._observers.append(json_observer(self.json_log))
        for observer in self._observers:
            globalLogPublisher.addObserver(observer)
        bridge_stdlib_logging()
        if self.runtime is None:
            self.runtime = current_runtime()
        self._previous_runtime = set_runtime(self.runtime)
        self.app.runtime = self.runtime
        config = self.app.config
        log.info(
            "cme-cti {version} starting: {config} ({ephones} ephones, {dns} ephone-dns, CTI {cti})",
            version=VERSION,
            config=self.app.config_path or "<no file>",
            ephones=len(config.ephones),
            dns=len(config.ephone_dns),
            cti="shut down" if config.voip.cti_shutdown else "enabled",
        )
        self.open_files()
        if not config.accounts:
            log.warn("no 'username NAME password PW' in the configuration: nobody can log in to the CLI")
        for finding in self.app.findings:
            emit = log.error if finding.severity == "error" else log.warn
            emit("{finding}", finding=str(finding))
        if self.app.telephony is not None:
            self._open_cdrs()  # before any call: every leg's record has somewhere to go
            self.app.telephony.start()  # actors exist before the listeners accept
        self._start_metrics()
        # The configuration and every line and phone actor live as long as the server: keep
        # them out of the collector's full passes, which paused calls for tens of ms under
        # load (benchmarks/csta_calls.py: p99 at 200 cycles/s 23-44 ms before, 12-18 after).
        gc.collect()
        gc.freeze()
        # Almost nothing the server makes per call is cyclic garbage (a CSTA run: ~3,000
        # objects freed by the collector in all), yet at CPython's default (a young pass per
        # 700 net allocations) the passes took 4-6 % of the server's CPU. A young pass per
        # YOUNG_PASS allocations gives 1.3 % (benchmarks/gc_share.py), pausing ~2 ms a pass.
        self._thresholds = gc.get_threshold()
        gc.set_threshold(YOUNG_PASS, *self._thresholds[1:])
        Service.startService(self)
        for child in self:
            with _one_line_if_a_port_is_taken(child.name):
                child.startService()

    def privilegedStartService(self) -> None:
        # twistd binds the listeners here, before startService
        Service.privilegedStartService(self)
        for child in self:
            with _one_line_if_a_port_is_taken(child.name):
                child.privilegedStartService()

    def listening(self) -> list[str]:
        """`name host:port` for every listener that is bound (port 0 resolved)."""
        out = []
        for child in self:
            port = getattr(child, "_port", None)
            if port is not None:
                host = port.getHost()
                out.append(f"{child.name or 'listener'} {host.host}:{host.port}")
        return out

    def announce_ready(self) -> None:
        """Logged once the reactor runs: from here on, signals stop the server cleanly."""
        log.info("cme-cti ready: {listeners}", listeners=", ".join(self.listening()) or "no listeners")

    def stopService(self):
        d = self.drain()  # what is on the wire ends first, while the listeners are open
        d.addBoth(lambda _: MultiService.stopService(self))  # then the listeners close

        def stop_actors(result):
            stopped = self.runtime.stop_all() if self.runtime is not None else 0
            if self._lag is not None:
                self._lag.stop()
            self._close_cdrs()  # after the drain cleared the calls and the actors stopped: every leg is in
            gc.unfreeze()  # what was frozen at start may be garbage now
            if self._thresholds is not None:
                gc.set_threshold(*self._thresholds)
            log.info("stopped {count} actors; cme-cti is down", count=stopped)
            set_runtime(self._previous_runtime)
            unbridge_stdlib_logging()
            for observer in self._observers:
                globalLogPublisher.removeObserver(observer)
                close = getattr(observer, "close", None)
                if close is not None:
                    close()
            self._observers = []
            return result

        return d.addBoth(stop_actors)


    def _open_cdrs(self) -> None:
        """The call detail records: kept (app.cdrs, a cme.cdr.CallHistory), and written to
        the `gw-accounting file` files (the state directory's cdr/ by default). A place
        that cannot be written is said in one line and retried (cme/cdr/files.py); the
        server starts all the same. Without a state directory (tests) they are kept only."""
        from cme.cdr.files import CdrFiles, CdrPlaceError
        from cme.cdr.history import CallHistory

        app, telephony = self.app, self.app.telephony
        if app.cdrs is None:
            files = None
            try:
                files = CdrFiles(app.config, app.state_dir, clock=telephony.clock)
            except CdrPlaceError as e:
                if app.state_dir is not None or app.config.accounting.configured:
                    log.warn("call detail records are not written to files: {error}", error=str(e))
            app.cdrs = CallHistory(files)
            if files is not None:
                log.info("call detail records go to {directory}", directory=files.directory)
                files.probe()  # opens nothing yet; says now if the directory cannot be written
        telephony.switch.accounting = app.cdrs.record

    def _start_metrics(self) -> None:
        """The registry /metrics serves; the reactor-lag probe runs while the HTTP listener
        may serve it (`ip http server`)."""
        self.app.metrics, lag = metrics_registry(self.app, self.runtime.reactor)
        if self.app.config.http.enabled:
            lag.start()
            self._lag = lag

    def _close_cdrs(self) -> None:
        cdrs = self.app.cdrs
        if cdrs is not None and cdrs.files is not None and not cdrs.files.closed:
            cdrs.files.close()

    def drain(self, bound: float = BOUND) -> Deferred:
        """End what the server holds on the wire, in the order the far ends should hear it:
        every call cleared (monitors get ConnectionCleared, phones are shown idle, trunk
        calls get BYE), then every CTI session sent BYE; then the SCCP connections close
        (their on-hook messages sent first). Fires once all of it is answered or `bound`
        seconds passed (a peer that never answers cannot hold the stop up)."""
        app, runtime = self.app, self.runtime
        if runtime is None:
            return succeed(None)
        lines = app.telephony.board.lines.values() if app.telephony is not None else ()
        calls = sum(len(s.calls) for s in lines)
        sessions = len(app.cti.sessions) if app.cti is not None else 0
        if calls or sessions:
            log.info("shutting down: clearing {calls} call legs, ending {sessions} CTI sessions",
                     calls=calls, sessions=sessions)
        if app.telephony is not None:
            app.telephony.clear_calls()
        runtime.run_until_idle()  # the clearing's events are out (INFOs before the BYEs)
        waits = {}
        if app.cti is not None:
            waits["CTI sessions"] = app.cti.drain(bound)
        if app.trunks is not None:
            waits["trunk calls"] = app.trunks.drain(bound)
        runtime.run_until_idle()
        if app.telephony is not None:
            waits["phone connections"] = app.telephony.close_phones(bound)

        def drained(results):
            late = [name for name, (ok, done) in zip(waits, results) if not (ok and done)]
            if late:
                log.warn("shutting down: {late} did not finish within {bound:.0f} s", late=", ".join(late), bound=bound)
            runtime.run_until_idle()

        return DeferredList(list(waits.values())).addCallback(drained)


@contextmanager
def _one_line_if_a_port_is_taken(name: str | None = None):
    """A listener that cannot bind ends the server with one line that says which address,
    which listener (sccp, sip-tcp, sip-udp, tftp, cli-ssh, cli-telnet) and why, not
    twistd's traceback."""
    try:
        yield
    except CannotListenError as e:
        why = e.socketError.strerror if isinstance(e.socketError, OSError) else str(e.socketError)
        where = f"{e.interface or '*'}:{e.port}" + (f" ({name})" if name else "")
        log.error("cannot listen on {where}: {why}", where=where, why=why)
        raise SystemExit(f"cme: cannot listen on {where}: {why} (another server running? choose other "
                         "ports in the configuration, or with --ssh-port/--telnet-port/--tftp-port)") from None
