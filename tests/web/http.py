"""The web view's site on a fake clock and fake transports: raw HTTP bytes in, bytes out."""
from __future__ import annotations

import base64
import types

from twisted.internet import task
from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionDone
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

import conf
from actors.status import StatusBoard
from cme.cli.login_guard import LoginGuard
from conf.model import LoginBlock
from cme.web.site import web_site

CONFIG = """hostname lab
username admin password 0 cisco
username hashed secret 5 $1$abcd$0123456789abcdefghij
ip http server
"""

POLICY = LoginBlock(block_for=60, attempts=3, within=60)


def app_for(text: str = CONFIG, **extra):
    config = conf.parse_text(text).config
    fields = dict(config=config, board=StatusBoard(), hostname=config.hostname, cti=None, trunks=None, cdrs=None,
                  metrics=None, login_guard=None)
    return types.SimpleNamespace(**{**fields, **extra})


class Harness:
    """A ViewSite for `app` on a task.Clock; `connect()` gives a channel and its transport."""

    def __init__(self, app=None, *, policy=POLICY) -> None:
        self.clock = task.Clock()
        self.clock.advance(1_700_000_000)
        self.app = app if app is not None else app_for()
        self.guard = LoginGuard(self.clock, policy)
        self.site = web_site(self.app, self.clock, guard=self.guard)
        self.site.startFactory()

    def connect(self, host: str = "192.0.2.7", port: int = 40000):
        peer = IPv4Address("TCP", host, port)
        channel = self.site.buildProtocol(peer)
        if channel is None:
            return None, None
        # as a real TCP transport: loseConnection only marks it disconnecting (drop() ends it)
        transport = StringTransport(peerAddress=peer, hostAddress=IPv4Address("TCP", "127.0.0.1", 8080))
        channel.makeConnection(transport)
        return channel, transport

    def exchange(self, raw: bytes, host: str = "192.0.2.7"):
        """Send `raw` on a new connection; (status, headers, body, transport)."""
        channel, transport = self.connect(host)
        channel.dataReceived(raw)
        return parse(transport.value()) + (transport,)

    def get(self, path: str, *headers: str, host: str = "192.0.2.7", method: str = "GET", body: bytes = b""):
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        return self.exchange(raw, host)


def drop(channel) -> None:
    """The connection is gone (what the reactor reports after loseConnection or a reset)."""
    channel.connectionLost(Failure(ConnectionDone("gone")))


def parse(data: bytes):
    """(status, headers as a list of (lower-case name, value), body) of the first response."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines[0] else 0
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip().lower(), value.strip()))
    if ("transfer-encoding", "chunked") in headers:
        body = _dechunk(body)
    return status, headers, body


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size, _, rest = data.partition(b"\r\n")
        n = int(size, 16)
        if n == 0:
            break
        out += rest[:n]
        data = rest[n + 2:]
    return out


def header(headers, name: str):
    values = [v for k, v in headers if k == name]
    return values[0] if values else None


def basic(user: str = "admin", password: str = "cisco") -> str:
    return "Authorization: Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
