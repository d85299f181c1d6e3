"""The application object: the running configuration and the services around it.

One `Application` per server process. The exec CLI, the twistd service and (later) the SCCP
and SIP sides all reach shared state through it, never through module globals, so tests can
build as many independent applications as they like.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import conf
from actors.directory import Directory
from actors.status import StatusBoard
from actors.trace import TRACE, TraceControl
from cme.trace import LogBuffer

VERSION = "0.1.0"


class WriteMemoryError(Exception):
    """`write memory` could not save the running configuration; nothing was changed."""


@dataclass
class Application:
    config: "conf.Config"
    config_path: str | None = None
    findings: list = field(default_factory=list)
    trace: TraceControl = TRACE  # process-wide: loggers gate on it at the source
    log_buffer: LogBuffer = field(default_factory=LogBuffer)
    started_at: float = field(default_factory=time.time)
    directory: Directory = field(default_factory=Directory)  # device ID -> actor
    board: StatusBoard = field(default_factory=StatusBoard)  # what `show ephone` reads
    runtime: object = None  # the actors.runtime.Runtime, set when the service starts
    telephony: object = None  # cme.telephony.Telephony, the SCCP side
    cti: object = None  # cme.cti.CTIGateway, the SIP/uaCSTA side
    trunks: object = None  # cme.trunks.TrunkGateway, the dial-peers' SIP calls
    state_dir: str | None = None  # where `write memory` keeps the previous copy (else beside the file)
    cnf_files: object = None  # cme.cnf_files.CnfFiles, what the TFTP server offers the phones
    sip_streams: dict = field(default_factory=dict)  # "TCP"/"TLS" -> its sip.transport.SIPStreamFactory
    login_guard: object = None  # cme.cli.login_guard.LoginGuard, failed CLI log-ins (`show login`)
    metrics: object = None  # a prometheus_client CollectorRegistry, served on /metrics (cme/web)

    @classmethod
    def from_file(cls, path: str, *, strict: bool = False, **kwargs) -> "Application":
        """Load `path` (raises conf.ConfigError when it cannot be used at all)."""
        result = conf.load_file(path, strict=strict)
        return cls(config=result.config, config_path=path, findings=list(result.findings), **kwargs)

    @property
    def hostname(self) -> str:
        return self.config.hostname

    def config_changed(self) -> None:
        """configure terminal changed the running configuration: the actors and the
        phones' configuration files follow."""
        if self.telephony is not None:
            self.telephony.reconcile()
        if self.cti is not None:
            self.cti.config_changed()
        if self.cnf_files is not None:
            self.cnf_files.rebuild()
        if self.sip_streams:
            from sip.limits import StreamLimits
            limits = StreamLimits.from_sip_ua(self.config.sip_ua)
            for factory in self.sip_streams.values():
                factory.set_limits(limits)

    def running_config(self) -> str:
        return conf.render(self.config)

    def uptime(self) -> float:
        return time.time() - self.started_at

    def write_memory(self) -> str:
        """Save the running configuration to its file atomically, keeping `FILE.bak`
        (in the state directory when there is one, else beside the file).

        The new text goes to a temporary file in the same directory, is fsynced, takes
        the original's permission bits, and then replaces the original with os.replace,
        so a crash leaves either the old or the new file, never half of one. Returns the
        path written.
        """
        if not self.config_path:
            raise WriteMemoryError("no configuration file: the server was started without one")
        target = Path(self.config_path)
        text = self.running_config()
        directory = target.parent if str(target.parent) else Path(".")
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
        except OSError as e:
            raise WriteMemoryError(f"cannot write {target}: {e.strerror}") from e
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            if target.exists():
                os.chmod(tmp, target.stat().st_mode & 0o7777)  # mkstemp made it 0600
                # Copy (not move) the old file aside so `target` always exists.
                where = Path(self.state_dir) if self.state_dir else target.parent
                where.mkdir(parents=True, exist_ok=True)
                backup = where / (target.name + ".bak")
                shutil.copyfile(target, f"{backup}.tmp")
                os.replace(f"{backup}.tmp", backup)
            os.replace(tmp, target)
        except OSError as e:
            Path(tmp).unlink(missing_ok=True)
            raise WriteMemoryError(f"cannot write {target}: {e.strerror}") from e
        return str(target)
