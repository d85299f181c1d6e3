"""One virtual phone's SCCP connection: a :class:`sccp.station.Station` over a plain socket.

Written with ``socket`` and ``threading`` only: under Locust (gevent's monkey patching)
the reader and the keepalive become greenlets and every wait is cooperative; in a test
process they are ordinary threads, so the link is tested against a fake server without
gevent. The station stays sans-I/O: the link feeds it what the server sends and writes
what it answers.

Every wait ends in a result or a :class:`StepFailed` whose message is the cause Locust
counts: ``timeout``, ``lost registration`` (the server closed or reset the connection),
``garbage`` (the server's bytes could not be framed: we close), ``rejected``
(RegisterReject), ``refused`` (no server at the address).
"""
from __future__ import annotations

import socket
import threading
import time
from typing import Callable

from sccp import messages as m
from sccp.framing import Decoder, FramingError, encode
from sccp.station import Registration, Station

READ_SIZE = 65536


class StepFailed(Exception):
    """A timed step did not complete; ``str(exc)`` is the cause (one word or two).

    Its repr is the cause too: Locust's failure tables show an error by its repr, and
    the cause is what a reader of them wants ("busy", not "StepFailed('busy')")."""

    def __repr__(self) -> str:
        return str(self)


class _Wait:
    __slots__ = ("predicate", "done", "value", "at")

    def __init__(self, predicate):
        self.predicate = predicate
        self.done = threading.Event()
        self.value = None
        self.at = 0.0


class Link:
    """Connects, registers and keeps one station alive; lets a user wait for a state.

    ``on_message(link, message)``, if given, sees every server message after the station
    applied it (the reader's thread; keep it short).
    """

    def __init__(self, station: Station, host: str, port: int, *, timeout: float = 10.0,
                 on_message: Callable[["Link", m.Message], None] | None = None):
        self.station = station
        self.host, self.port = host, port
        self.timeout = timeout
        self.on_message = on_message
        self.decoder = Decoder()
        self.sock: socket.socket | None = None
        self.lost = False
        self.cause = ""  # why the connection ended: "lost registration" or "garbage"
        self._lock = threading.Lock()  # the station and the waits: reader vs. user
        self._send_lock = threading.Lock()
        self._waits: list[_Wait] = []
        self._closing = threading.Event()
        self._keepalive: threading.Thread | None = None

    # -- connection ------------------------------------------------------------------------

    def connect(self) -> None:
        """Open the TCP connection and send Register; the answers come on the reader."""
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except ConnectionRefusedError:
            raise StepFailed("refused") from None
        except socket.timeout:
            raise StepFailed("timeout") from None
        except OSError:
            raise StepFailed("refused") from None
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        host = sock.getsockname()[0]
        if host and host != "0.0.0.0":
            self.station.ip = host  # Register and OpenReceiveChannelAck carry our address
        with self._lock:
            messages = self.station.registration_messages()
        self.send(messages)
        threading.Thread(target=self._read, name=f"sccp-{self.station.device_name}",
                         daemon=True).start()

    def register(self) -> float:
        """Connect and wait until registered; the monotonic time it happened."""
        self.connect()

        def settled(s: Station):
            if s.registration is Registration.REJECTED:
                return "rejected"
            return "registered" if s.registered else None

        outcome, at = self.wait(settled)
        if outcome == "rejected":
            self.close()
            raise StepFailed("rejected")
        self._keepalive = threading.Thread(target=self._keep_alive, daemon=True,
                                           name=f"keepalive-{self.station.device_name}")
        self._keepalive.start()
        return at

    def close(self, unregister: bool = False) -> None:
        self._closing.set()
        sock = self.sock
        if sock is None:
            return
        if unregister and not self.lost:
            with self._lock:
                messages = self.station.unregister()
            self.send(messages)
            try:
                self.wait(lambda s: s.registration is Registration.UNREGISTERED,
                          timeout=min(self.timeout, 1.0))
            except StepFailed:
                pass  # we are leaving anyway
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def send(self, messages: list[m.Message]) -> None:
        if not messages or self.sock is None or self.lost:
            return
        data = b"".join(encode(message) for message in messages)
        try:
            with self._send_lock:
                self.sock.sendall(data)
        except OSError:
            self._lose("lost registration")

    def act(self, action: Callable[[Station], list[m.Message]]) -> float:
        """Run a station action (``lambda s: s.off_hook()``) and send what it says;
        the monotonic time just before it was sent (the answer may come before send
        returns: steps are timed from here)."""
        with self._lock:
            messages = action(self.station)
        sent = time.monotonic()
        self.send(messages)
        return sent

    # -- the reader ------------------------------------------------------------------------

    def _read(self) -> None:
        sock = self.sock
        while True:
            try:
                data = sock.recv(READ_SIZE)
            except OSError:
                data = b""
            if not data:
                self._lose("lost registration")
                return
            try:
                messages, error = self.decoder.feed(data), None
            except FramingError as exc:
                messages, error = exc.decoded, exc
            for message in messages:
                self._apply(message)
            if error is not None:
                self._lose("garbage")
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return

    def _apply(self, message: m.Message) -> None:
        with self._lock:
            replies = self.station.receive(message)
        self.send(replies)
        if isinstance(message, m.ResetMessage):
            self._lose("lost registration")  # a phone told to reset reboots
        if self.on_message is not None:
            self.on_message(self, message)
        self._check()

    def _check(self) -> None:
        now = time.monotonic()
        with self._lock:
            for wait in list(self._waits):
                try:
                    value = wait.predicate(self.station)
                except Exception as exc:  # a broken predicate ends its own wait
                    value = StepFailed(f"error {exc.__class__.__name__}")
                if value:
                    self._waits.remove(wait)
                    wait.value, wait.at = value, now
                    wait.done.set()

    def _lose(self, cause: str) -> None:
        with self._lock:
            if self.lost:
                return
            self.lost = True
            self.cause = cause if not self._closing.is_set() else "closed"
            self.station.disconnected()
        self._closing.set()
        self._check()  # a wait for the disconnected state itself is satisfied
        with self._lock:
            waits, self._waits = self._waits, []
        for wait in waits:
            wait.done.set()

    def _keep_alive(self) -> None:
        while not self._closing.wait(self.station.keepalive_interval or 30):
            self.act(lambda s: s.keepalive())

    # -- waiting ---------------------------------------------------------------------------

    def wait(self, predicate: Callable[[Station], object], timeout: float | None = None):
        """(value, monotonic time) as soon as ``predicate(station)`` is truthy (checked
        after every server message); StepFailed("timeout") after ``timeout`` (the link's
        by default), StepFailed(cause) if the connection ends first."""
        wait = _Wait(predicate)
        with self._lock:
            value = predicate(self.station)
            if value:
                return value, time.monotonic()
            if self.lost:
                raise StepFailed(self.cause or "lost registration")
            self._waits.append(wait)
        if not wait.done.wait(self.timeout if timeout is None else timeout):
            with self._lock:
                if wait in self._waits:
                    self._waits.remove(wait)
            if not wait.done.is_set():
                raise StepFailed("timeout")
        if wait.value is None:
            raise StepFailed(self.cause or "lost registration")
        if isinstance(wait.value, StepFailed):
            raise wait.value
        return wait.value, wait.at
