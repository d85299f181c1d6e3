"""The CDR files: every call leg's record as a JSON line and as a CSV row, the same records
in both, in a pair of files named as IOS names its accounting files.

Where (`gw-accounting file` / `primary ifs URL`, conf.model.GwAccountingFile): the URL's
last part is the file prefix and the rest its directory; `flash:NAME` and a relative NAME
are in the state directory, an absolute path is itself, a URL ending in `/` is a
directory (prefix `cdr`). Not configured: `<state_dir>/cdr/`, prefix `cdr`. A pair is
`<prefix>.<hostname>.<YYYY_MM_DDTHH_MM_SS>.jsonl` and `.csv` (UTC), opened when the first
record after the last pair closed comes; closed (fsync, close) after `maximum
fileclose-timer` minutes (IOS default 1440), once either file passes `maximum file-size`
KB (if set), and at the server's stop.

How: the records of one reactor turn are written with one os.write per file (O_APPEND)
of whole lines, so only an OS dying in mid-write can leave a torn (newline-less) last line;
the reader skips it and says so. No fsync per record. A directory that cannot be written
(vanished, full, read-only) is reported once with its error; the records wait in memory
(at most MEMORY per file, the oldest dropped beyond it and counted), every RETRY seconds
the files are tried again (the directory recreated), and a line says when writing
resumes. Calls never wait for any of it.
"""
from __future__ import annotations

import errno
import os
import re
import time
from collections import deque
from json.encoder import encode_basestring
from typing import Callable

from actors.call_record import FIELDS
from actors.trace import TraceLogger

log = TraceLogger(namespace="cme.cdr")

MEMORY = 10_000  # records kept per file while it cannot be written
RETRY = 5.0  # seconds between attempts while the directory cannot be written
PREFIX = "cdr"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


class CdrPlaceError(ValueError):
    """`primary ifs URL` names a place the server cannot write files to (ftp:, tftp:...)."""


def place(primary: str | None, state_dir: str | None) -> tuple[str, str]:
    """(directory, prefix) of the files for `primary ifs URL` (None: not configured)."""
    if not primary:
        if state_dir is None:
            raise CdrPlaceError("no state directory for the default cdr/")
        return os.path.join(state_dir, "cdr"), PREFIX
    path = primary
    scheme = _SCHEME.match(primary)
    if scheme:
        if scheme.group(1).lower() != "flash":
            raise CdrPlaceError(f"'primary ifs {primary}': only flash: or a path is written here")
        path = primary[scheme.end():].lstrip("/")
    if not os.path.isabs(path):
        if state_dir is None:
            raise CdrPlaceError(f"'primary ifs {primary}' is in the state directory, and there is none")
        path = os.path.join(state_dir, path)
    if path.endswith("/"):
        return path.rstrip("/") or "/", PREFIX
    directory, prefix = os.path.split(path)
    return directory or ".", prefix or PREFIX


# -- the two formats (cme/cdr/reader.py reads them back) ---------------------------------
# Formatted by hand: a leg's JSON line costs ~3 us this way against ~10 with json.dumps
# and its CSV row ~2 against ~5 with csv.writer (the reactor thread does it for every leg).
# tests/cme/test_cdr_files.py holds them to json.dumps's and csv.writer's output.
_s = encode_basestring


def json_line(rec) -> str:
    dial_peer = "null" if rec.dial_peer is None else int(rec.dial_peer)
    connect = "null" if rec.connect is None else repr(float(rec.connect))
    return (f'{{"gcid":{_s(rec.gcid)},"call_id":{int(rec.call_id)},"line":{_s(rec.line)},'
            f'"calling":{_s(rec.calling)},"called":{_s(rec.called)},"direction":{_s(rec.direction)},'
            f'"peer":{_s(rec.peer)},"dial_peer":{dial_peer},"setup":{float(rec.setup)!r},"connect":{connect},'
            f'"disconnect":{float(rec.disconnect)!r},"duration":{float(rec.duration)!r},"cause":{_s(rec.cause)},'
            f'"q850":{int(rec.q850)},"cleared_by":{_s(rec.cleared_by)},'
            f'"features":[{",".join(map(_s, rec.features))}]}}\n')


def _c(text: str) -> str:
    """A CSV field as csv.writer's QUOTE_MINIMAL writes it."""
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(rec) -> str:
    return (f"{_c(rec.gcid)},{int(rec.call_id)},{_c(rec.line)},{_c(rec.calling)},{_c(rec.called)},"
            f"{_c(rec.direction)},{_c(rec.peer)},{'' if rec.dial_peer is None else int(rec.dial_peer)},"
            f"{float(rec.setup)!r},{'' if rec.connect is None else repr(float(rec.connect))},"
            f"{float(rec.disconnect)!r},{float(rec.duration)!r},{_c(rec.cause)},{int(rec.q850)},"
            f"{_c(rec.cleared_by)},{_c(';'.join(rec.features))}\n")


def csv_row(rec) -> list:
    """The CSV row's values (what csv.writer would be given; the tests compare)."""
    row = []
    for name in FIELDS:
        value = getattr(rec, name)
        row.append("" if value is None else ";".join(value) if name == "features" else value)
    return row


def csv_text(records) -> str:
    return "".join(map(csv_line, records))


CSV_HEADER = ",".join(FIELDS) + "\n"


class _File:
    """One of the pair: what waits to be written to it and where it is."""

    def __init__(self, suffix: str, encode: Callable[[list], bytes], header: bytes = b"") -> None:
        self.suffix, self.encode, self.header = suffix, encode, header
        self.pending: deque = deque()  # records not yet encoded
        self.rest = b""  # the unwritten tail of a short write (its records are `rest_records`)
        self.rest_records: list = []
        self.fd: int | None = None
        self.path: str | None = None
        self.size = 0
        self.dropped = 0  # records dropped while the memory was full (since the last report)


class CdrFiles:
    """The pair of CDR files. `add(rec)` is called once per call leg (through
    cme.cdr.history.CallHistory.record); the writing happens a reactor turn later.

    `config` is read when a pair opens (hostname, `gw-accounting file`) and whenever a
    limit is checked, so configure terminal applies from the next pair on. `write`,
    `open`, `fsync` are os's, or what a test puts in (a full disk)."""

    def __init__(self, config, state_dir: str | None, *, clock, write=os.write, open=os.open, fsync=os.fsync,
                 memory: int = MEMORY, retry: float = RETRY) -> None:
        self.config = config
        self.state_dir = state_dir
        self.clock = clock
        self._write, self._open, self._fsync = write, open, fsync
        self.memory, self.retry = memory, retry
        self._files = (_File(".jsonl", lambda recs: "".join(map(json_line, recs)).encode()),
                       _File(".csv", lambda recs: csv_text(recs).encode(), CSV_HEADER.encode()))
        self._flush_call = None  # the callLater(0) of this turn's records
        self._retry_call = None
        self._close_call = None  # the fileclose-timer of the open pair
        self.failing: str | None = None  # the error while the files cannot be written
        self.written = 0  # records written to both files, since start
        self.closed = False
        self._close_due = False  # the fileclose-timer expired while the pair could not be written
        self._place = self._where()

    # -- where -----------------------------------------------------------------------------
    def _where(self) -> tuple[str, str]:
        acct = self.config.accounting
        try:
            return place(acct.primary if acct.configured else None, self.state_dir)
        except CdrPlaceError as e:
            if acct.configured and acct.primary and self.state_dir is not None:
                default = place(None, self.state_dir)
                log.warn("CDR files: {error}; they go to {directory} instead", error=str(e), directory=default[0])
                return default
            raise

    @property
    def directory(self) -> str:
        return self._place[0]

    @property
    def paths(self) -> tuple[str | None, str | None]:
        """The open pair's paths (None: no pair open)."""
        return self._files[0].path, self._files[1].path

    def pending(self) -> int:
        """Records not yet in both files."""
        return max(len(f.pending) + len(f.rest_records) for f in self._files)

    # -- records in ---------------------------------------------------------------------------
    def add(self, rec) -> None:
        memory = self.memory
        for f in self._files:
            if len(f.pending) >= memory:
                f.pending.popleft()
                f.dropped += 1
                if f.dropped == 1 and f is self._files[0]:
                    log.warn("CDR files in {directory}: {memory} records wait in memory; the oldest are dropped "
                             "until writing resumes", directory=self.directory, memory=memory)
            f.pending.append(rec)
        if self._flush_call is None and self._retry_call is None and not self.closed:
            self._flush_call = self.clock.callLater(0, self._turn)

    def _turn(self) -> None:
        self._flush_call = None
        self.flush()

    # -- writing --------------------------------------------------------------------------------
    def flush(self) -> bool:
        """Write what waits; True when nothing waits any more. On an error: one warning,
        a retry later, the records kept."""
        try:
            if self.failing is not None and not self.pending():
                self._probe()  # nothing to write: is the directory usable again?
            for f in self._files:
                self._drain(f)
        except OSError as e:
            self._failed(e)
            return False
        if self.failing is not None:
            dropped = sum(f.dropped for f in self._files) and max(f.dropped for f in self._files)
            log.info("CDR files in {directory}: writing again{lost}", directory=self.directory,
                     lost=f" ({dropped} records were dropped while it failed)" if dropped else "")
            self.failing = None
        for f in self._files:
            f.dropped = 0
        limit = self.config.accounting.file_size
        if self._close_due or limit is not None and any(f.fd is not None and f.size >= limit * 1024
                                                        for f in self._files):
            self.close_pair()
        return True

    def _drain(self, f: _File) -> None:
        """One os.write of whole lines (the header first in a new file). Nothing written:
        the records stay waiting; part of it written (a disk filling up): the rest of those
        bytes goes first on the retry, so the file gets every line whole."""
        if not f.pending and not f.rest:
            return
        self._ensure_open(f)
        records = list(f.pending)
        data = (f.header if f.size == 0 and not f.rest else b"") + f.rest + (f.encode(records) if records else b"")
        done = 0
        try:
            while done < len(data):
                done += self._write(f.fd, data[done:] if done else data)
        except OSError:
            if done:
                f.rest, f.size = data[done:], f.size + done
                f.rest_records += records
                f.pending.clear()
            raise
        f.size += done
        f.pending.clear()
        if f is self._files[0]:
            self.written += len(f.rest_records) + len(records)
        f.rest, f.rest_records = b"", []

    def probe(self) -> bool:
        """At start: can the directory be written? If not, one warning now and retries
        from now on (the first record would say the same, later)."""
        try:
            self._probe()
        except OSError as e:
            self._failed(e)
            return False
        return True

    def _probe(self) -> None:
        directory = self._where()[0]
        os.makedirs(directory, exist_ok=True)
        if not os.access(directory, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), directory)

    def _ensure_open(self, f: _File) -> None:
        """The pair is open, in a directory that still exists (a file removed under us would
        take every later record with it): else (re)open it, the directory recreated."""
        if f.fd is not None:
            try:
                gone = os.fstat(f.fd).st_nlink == 0
            except OSError:
                gone = True
            if not gone:
                return
            log.warn("CDR file {path} was removed: a new one is started", path=f.path)
            self._forget(f)
        if all(x.fd is None for x in self._files):
            self._open_pair()
        elif f.fd is None:
            self._open_one(f, self._base)

    def _forget(self, f: _File) -> None:
        """The file is gone: close it; what was half written to it goes again as whole lines."""
        try:
            os.close(f.fd)
        except OSError:
            pass
        f.fd, f.path, f.size = None, None, 0
        if f.rest_records:
            f.pending.extendleft(reversed(f.rest_records))
        f.rest, f.rest_records = b"", []

    def _open_pair(self) -> None:
        self._place = self._where()
        directory, prefix = self._place
        os.makedirs(directory, exist_ok=True)
        stamp = time.strftime("%Y_%m_%dT%H_%M_%S", time.gmtime(self.clock.seconds()))
        host = re.sub(r"[^A-Za-z0-9_.-]", "_", self.config.hostname or "Router")
        base = os.path.join(directory, f"{prefix}.{host}.{stamp}")
        n = 0
        while any(os.path.exists(base + (f".{n}" if n else "") + f.suffix) for f in self._files):
            n += 1  # two pairs in one second (a small file-size)
        self._base = base + (f".{n}" if n else "")
        for f in self._files:
            if f.fd is None:
                self._open_one(f, self._base)
        minutes = self.config.accounting.fileclose_timer
        if self._close_call is not None and self._close_call.active():
            self._close_call.cancel()
        self._close_call = self.clock.callLater(minutes * 60, self._timer_close)

    def _open_one(self, f: _File, base: str) -> None:
        os.makedirs(os.path.dirname(base) or ".", exist_ok=True)
        path = base + f.suffix
        fd = self._open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        f.fd, f.path, f.size = fd, path, os.fstat(fd).st_size
        log.info("CDR file {path} opened", path=path)

    def _failed(self, e: OSError) -> None:
        why = e.strerror or str(e)
        if self.failing is None:
            log.warn("CDR files in {directory} cannot be written: {error}; records are kept in memory "
                     "(up to {memory}) and written again every {retry:.0f} s; calls go on",
                     directory=self.directory, error=why, memory=self.memory, retry=self.retry)
        self.failing = why
        for f in self._files:
            if f.fd is not None and e.errno in (errno.ENOENT, errno.ESTALE, errno.EBADF):
                self._forget(f)
        if not self.closed and (self._retry_call is None or not self._retry_call.active()):
            self._retry_call = self.clock.callLater(self.retry, self._retry)

    def _retry(self) -> None:
        self._retry_call = None
        self.flush()

    # -- closing ----------------------------------------------------------------------------------
    def _timer_close(self) -> None:
        self._close_call = None
        self._close_due = True  # now, or once the pair can be written again
        self.flush()

    def close_pair(self) -> None:
        """fsync and close the pair; the next record opens a new one."""
        if self._close_call is not None and self._close_call.active():
            self._close_call.cancel()
        self._close_call = None
        self._close_due = False
        for f in self._files:
            if f.fd is None:
                continue
            try:
                self._fsync(f.fd)
            except OSError as e:
                log.warn("CDR file {path}: fsync failed: {error}", path=f.path, error=e.strerror or str(e))
            try:
                os.close(f.fd)
            except OSError:
                pass
            f.fd, f.path, f.size = None, None, 0

    def close(self) -> None:
        """At the server's stop: everything written, fsynced and closed; what cannot be
        written is said, with how many records it is."""
        self.closed = True
        for call in (self._flush_call, self._retry_call):
            if call is not None and call.active():
                call.cancel()
        self._flush_call = self._retry_call = None
        if not self.flush():
            log.error("CDR files in {directory}: {count} records could not be written ({error}) and are lost",
                      directory=self.directory, count=self.pending(), error=self.failing)
            if self._retry_call is not None and self._retry_call.active():
                self._retry_call.cancel()
            self._retry_call = None
        self.close_pair()
