"""The twistd service: the application, its actors, its listeners, started and stopped in order.

Start: logging observers (show logging buffer, JSON lines), the actor runtime on the
reactor, then the listeners (exec CLI now; SCCP and SIP as they arrive). Stop: listeners
first so nothing new comes in, then every actor, last started first, so each `on_stop`
runs (SIGTERM and Ctrl-C both end here, and twistd exits 0).
"""
from __future__ import annotations

import gc
from contextlib import contextmanager

from twisted.application.service import MultiService
from twisted.internet.error import CannotListenError
from twisted.logger import globalLogPublisher

from actors.runtime import Runtime, current_runtime, set_runtime
from actors.trace import TraceLogger
from cme.app import VERSION, Application
from cme.open_files import raise_open_files_limit
from cme.trace import bridge_stdlib_logging, json_observer, unbridge_stdlib_logging

log = TraceLogger(namespace="cme.service")


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
            self.app.telephony.start()  # actors exist before the listeners accept
        # The configuration and every line and phone actor live as long as the server: keep
        # them out of the collector's full passes, which paused calls for tens of ms under
        # load (benchmarks/csta_calls.py: p99 at 200 cycles/s 23-44 ms before, 12-18 after).
        gc.collect()
        gc.freeze()
        with _one_line_if_a_port_is_taken():
            super().startService()

    def privilegedStartService(self) -> None:
        # twistd binds the listeners here, before startService
        with _one_line_if_a_port_is_taken():
            super().privilegedStartService()

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
        d = super().stopService()  # listeners close first

        def stop_actors(result):
            stopped = self.runtime.stop_all() if self.runtime is not None else 0
            gc.unfreeze()  # what was frozen at start may be garbage now
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


@contextmanager
def _one_line_if_a_port_is_taken():
    """A listener that cannot bind ends the server with one line that says which address
    and why, not twistd's traceback."""
    try:
        yield
    except CannotListenError as e:
        why = e.socketError.strerror if isinstance(e.socketError, OSError) else str(e.socketError)
        where = f"{e.interface or '*'}:{e.port}"
        log.error("cannot listen on {where}: {why}", where=where, why=why)
        raise SystemExit(f"cme: cannot listen on {where}: {why} (another server running? choose other "
                         "ports in the configuration, or with --ssh-port/--telnet-port/--tftp-port)") from None
