"""Who may see the web view: the configuration's `username` lines (IOS `ip http
authentication local`), checked per request.

Two ways in, both on every path:
- browsers post the log-in form (`POST /login`) and get a session cookie: a random token
  (HttpOnly, SameSite=Strict, Path=/) that ends after `SESSION_IDLE` seconds without a
  request, or at `/logout`;
- scripts and Prometheus send HTTP Basic with each request.

Only type-0 (plain) passwords can be checked (`Config.usernames`): a `secret` (a hash)
or a type-7 password never matches. Passwords are compared in constant time, for unknown
names too. Wrong passwords count in the CLI's LoginGuard (`login block-for`, per source
address): a source in its quiet period is refused before its password is looked at.

    auth = Authenticator(app, guard, clock)
    auth.user(request)                      # the logged-in name, or None
    auth.check(host, name, password)        # OK, BAD or BLOCKED
    token = auth.sessions.open(name)
"""
from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections import OrderedDict

from actors.trace import TraceLogger

log = TraceLogger(namespace="cme.web")

COOKIE = b"cme_session"
SESSION_IDLE = 8 * 3600  # seconds without a request after which a session ends
MAX_SESSIONS = 1024  # live sessions kept (the least recently used forgotten first)

OK, BAD, BLOCKED = "ok", "bad", "blocked"


class Sessions:
    """Session tokens -> user name, each ending `idle` seconds after its last use.

    Expiry is checked when a token is used (no timer); at most `limit` sessions are kept,
    so a script logging in in a loop costs bounded memory."""

    def __init__(self, clock, *, idle: float = SESSION_IDLE, limit: int = MAX_SESSIONS) -> None:
        self.clock, self.idle, self.limit = clock, idle, limit
        self._live: OrderedDict[str, list] = OrderedDict()  # token -> [user, last used]

    def open(self, user: str) -> str:
        token = secrets.token_urlsafe(32)
        self._live[token] = [user, self.clock.seconds()]
        while len(self._live) > self.limit:
            self._live.popitem(last=False)
        return token

    def user(self, token: str | None) -> str | None:
        """The session's user (its idle time starts again), or None: unknown or expired."""
        entry = self._live.get(token) if token else None
        if entry is None:
            return None
        now = self.clock.seconds()
        if now - entry[1] >= self.idle:
            del self._live[token]
            return None
        entry[1] = now
        self._live.move_to_end(token)
        return entry[0]

    def close(self, token: str | None) -> None:
        self._live.pop(token, None)

    def __len__(self) -> int:
        return len(self._live)


def client_host(request) -> str:
    address = request.getClientAddress()
    return str(getattr(address, "host", address))


class Authenticator:
    def __init__(self, app, guard, clock, *, sessions: Sessions | None = None) -> None:
        self.app, self.guard = app, guard
        self.sessions = sessions if sessions is not None else Sessions(clock)

    def users(self) -> dict[str, str]:
        """name -> type-0 password, from the configuration as it is now."""
        return dict(getattr(self.app.config, "usernames", None) or {})

    def check(self, host: str, name: str, password: str, *, port: int | None = None) -> str:
        """OK, BAD (counted as a failure from `host`) or BLOCKED (`host` is in a quiet
        period: the password was not looked at)."""
        if self.guard.blocked(host):
            return BLOCKED
        expected = self.users().get(name)
        # compare_digest for unknown names too, so timing does not tell which names exist
        ok = hmac.compare_digest((expected if expected is not None else "\0" + password).encode("utf-8"),
                                 password.encode("utf-8"))
        if ok and expected is not None:
            return OK
        self.guard.failed(host, user=name, port=port)
        return BAD

    def user(self, request) -> str | None | tuple:
        """The name the request is logged in as (session cookie, else HTTP Basic), None
        when it is not, or (BLOCKED,) when its Basic credentials come from a source in
        its quiet period."""
        token = request.getCookie(COOKIE)
        if token:
            token = token.decode("ascii", "replace")
            name = self.sessions.user(token)
            if name is not None and name in self.users():
                return name
            self.sessions.close(token)  # expired, forged, or its `username` line is gone
        header = request.getHeader(b"authorization")
        if not header:
            return None
        name, password = _basic(request)
        if not name and password == "\0":
            return None
        verdict = self.check(client_host(request), name, password, port=_local_port(request))
        if verdict == OK:
            return name
        return (BLOCKED,) if verdict == BLOCKED else None


    def still(self, request):
        """A callable saying whether the log-in `request` came with is still good (its
        session open, its user and password still configured): what an open event
        stream asks each round, so a log-out or `no username` ends it. Asking keeps
        the session in use, so a page left open (a wall display) stays logged in."""
        token = request.getCookie(COOKIE)
        if token:
            token = token.decode("ascii", "replace")
            name = self.sessions.user(token)
            if name is not None:
                return lambda: self.sessions.user(token) == name and name in self.users()
        name, password = _basic(request)
        return lambda: hmac.compare_digest(str(self.users().get(name) or "\0").encode("utf-8"),
                                           password.encode("utf-8"))


def _basic(request) -> tuple[str, str]:
    """(name, password) of the request's HTTP Basic credentials, ("", "\0") when it has none."""
    header = request.getHeader(b"authorization")
    if not header or not header[:6].lower() == b"basic ":
        return "", "\0"
    try:
        name, _, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, ValueError):
        return "", "\0"
    return name, password


def _local_port(request) -> int | None:
    host = request.getHost()
    return getattr(host, "port", None)
