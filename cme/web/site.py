"""The HTTP listener of `ip http server`: the resource, the channel's limits, the service.

Paths (every one but the log-in page and its CSS needs a log-in, auth.py):
    /                 the live view (a complete snapshot; view.js keeps it live)
    /events           server-sent events: the sections that changed (events.py)
    /history          recent call detail records
    /metrics          Prometheus text exposition of app.metrics
    /login, /logout   the log-in form (POST form-encoded) and the end of a session
    /static/...       view.css (public), view.js

What one client may cost (none of it touches calls: the view only reads):
- `CONNECTIONS_PER_SOURCE` connections per address (more are closed at once);
- a request (request line, headers and body) complete within `HEAD_TIMEOUT` seconds of
  its first byte (else 408 and close), its head at most `MAX_HEADER_BYTES` long with at
  most `MAX_HEADERS` headers (else 400 and close);
- a body only for POST /login, at most `MAX_BODY` bytes (else 413 and close);
- an idle keep-alive connection is closed after `IDLE_TIMEOUT` seconds.

    service = web_service(app, "127.0.0.1", 8080, reactor)
    service.setServiceParent(parent)     # named "http"; a port in use: one line, no exit
"""
from __future__ import annotations

from importlib import resources

from twisted.application import internet
from twisted.application.service import Service
from twisted.internet.error import CannotListenError
from twisted.web import http, server
from twisted.web.resource import Resource

from actors.peer_limits import ConnectionsPerSource, PeerLog
from actors.trace import TraceLogger
from cme.web.auth import BLOCKED, COOKIE, OK, Authenticator, client_host
from cme.web.events import EventHub
from cme.web.view import View, login_page

log = TraceLogger(namespace="cme.web")

HEAD_TIMEOUT = 10.0
IDLE_TIMEOUT = 30.0
MAX_HEADER_BYTES = 8192
MAX_HEADERS = 50
MAX_BODY = 4096
CONNECTIONS_PER_SOURCE = 16

STATIC = {"view.css": "text/css; charset=utf-8", "view.js": "text/javascript; charset=utf-8"}
PUBLIC = {b"/login", b"/static/view.css"}

SECURITY_HEADERS = {
    b"content-security-policy": b"default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    b"x-frame-options": b"DENY",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"cache-control": b"no-store",
}


class ViewChannel(http.HTTPChannel):
    """HTTPChannel with the limits above. Twisted's own idle timeout (timeOut) restarts
    on every byte, so a client sending a head one byte at a time would never be cut
    off: the request deadline runs from the first byte of a request to the end of its
    head and body."""

    totalHeadersSize = MAX_HEADER_BYTES
    maxHeaders = MAX_HEADERS
    head_timeout = HEAD_TIMEOUT
    _head_call = None
    _between = True  # waiting for a request head (none of it received yet)
    _refused = False
    host = ""

    def dataReceived(self, data: bytes) -> None:
        if self._refused:
            return
        if self._between and not self._handlingRequest and data:
            self._between = False
            self._head_call = self.callLater(self.head_timeout, self._head_late)
        super().dataReceived(data)

    def allHeadersReceived(self) -> None:
        if self.length is None or self.length > MAX_BODY:  # chunked, or more than a log-in form
            self._cancel_head()
            self._refuse(b"413 Content Too Large")
            return
        super().allHeadersReceived()

    def allContentReceived(self) -> None:
        self._cancel_head()  # the whole request (head and body) is in
        super().allContentReceived()

    def requestDone(self, request) -> None:
        self._between = True
        super().requestDone(request)

    def _head_late(self) -> None:
        self._head_call = None
        self.factory.refusals.emit(("slow", self.host), "info",
                                   "web client {host} cut off: no complete request within {seconds:.0f} s",
                                   host=self.host, seconds=self.head_timeout)
        self._refuse(b"408 Request Timeout")

    def _refuse(self, status: bytes) -> None:
        self._refused = True
        self.transport.write(b"HTTP/1.1 " + status + b"\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
        self.transport.loseConnection()

    def _cancel_head(self) -> None:
        call, self._head_call = self._head_call, None
        if call is not None and call.active():
            call.cancel()

    def connectionLost(self, reason) -> None:
        self._cancel_head()
        factory = getattr(self, "factory", None)
        if factory is not None and self.host:
            factory.connections.release(self.host)
            self.host = ""
        super().connectionLost(reason)


class ViewSite(server.Site):
    """The Site: per-source connection cap, no access log (the server's log is for calls)."""

    protocol = ViewChannel

    def __init__(self, resource, clock, *, per_source: int = CONNECTIONS_PER_SOURCE) -> None:
        super().__init__(resource, timeout=IDLE_TIMEOUT, reactor=clock)
        self.connections = ConnectionsPerSource(per_source)
        self.refusals = PeerLog(log, clock, interval=60.0)
        self.noisy = False

    def buildProtocol(self, addr):
        host = str(getattr(addr, "host", addr))
        if not self.connections.admit(host):
            self.refusals.emit(("busy", host), "warn",
                               "web connection from {host} refused: it holds {limit} connections already",
                               host=host, limit=self.connections.limit)
            return None
        channel = super().buildProtocol(addr)
        channel.host = host
        return channel

    def log(self, request) -> None:
        pass

    def _updateLogDateTime(self) -> None:
        """Twisted keeps a date for its access log fresh with a timer a second; there is
        no access log here, and no timer may run while nobody uses the view."""


class ViewResource(Resource):
    """Every path, one dispatcher: the log-in check comes first and is the same for all."""

    isLeaf = True

    def __init__(self, app, auth: Authenticator, view: View, hub: EventHub) -> None:
        super().__init__()
        self.app, self.auth, self.view, self.hub = app, auth, view, hub

    def render(self, request):
        request.setHeader(b"server", b"cme-cti")  # not Twisted's name and version
        for name, value in SECURITY_HEADERS.items():
            request.setHeader(name, value)
        path, method = request.path, request.method
        if path == b"/static/view.css" and method in (b"GET", b"HEAD"):
            return _static(request, "view.css")
        if path == b"/login":
            return self._login(request)
        user = self.auth.user(request)
        if isinstance(user, tuple):
            return _blocked(request, self.app)
        if user is None:
            return _unauthorized(request, self.app)
        if path == b"/logout":
            self.auth.sessions.close(_cookie(request))
            request.addCookie(COOKIE, b"", path=b"/", httpOnly=True, sameSite="strict", max_age=b"0")
            return _redirect(request, b"/login")
        if method not in (b"GET", b"HEAD"):
            request.setResponseCode(405)
            request.setHeader(b"allow", b"GET, HEAD")
            return b""
        if path == b"/":
            return _html(request, self.view.page(user))
        if path == b"/history":
            return _html(request, self.view.history_page(user))
        if path == b"/events":
            if method == b"HEAD":  # a stream's head only: nothing to keep open
                request.setHeader(b"content-type", b"text/event-stream; charset=utf-8")
                return b""
            refused = self.hub.subscribe(request, client_host(request), self.auth.still(request))
            if refused is not None:
                request.setResponseCode(refused[0])
                request.setHeader(b"content-type", b"text/plain; charset=utf-8")
                return refused[1].encode() + b"\n"
            return server.NOT_DONE_YET
        if path == b"/metrics":
            return self._metrics(request)
        if path == b"/static/view.js":
            return _static(request, "view.js")
        request.setResponseCode(404)
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        return b"not found\n"

    def _login(self, request):
        if request.method != b"POST":
            return _html(request, login_page(self.app.hostname))
        name = _arg(request, b"username")
        password = _arg(request, b"password")
        verdict = self.auth.check(client_host(request), name, password, port=getattr(request.getHost(), "port", None))
        if verdict == BLOCKED:
            return _blocked(request, self.app)
        if verdict != OK:
            request.setResponseCode(401)
            return _html(request, login_page(self.app.hostname, "Bad username or password."))
        token = self.auth.sessions.open(name)
        request.addCookie(COOKIE, token.encode("ascii"), path=b"/", httpOnly=True, sameSite="strict")
        return _redirect(request, b"/")

    def _metrics(self, request):
        registry = getattr(self.app, "metrics", None)
        if registry is None:
            request.setResponseCode(503)
            request.setHeader(b"content-type", b"text/plain; charset=utf-8")
            return b"no metrics: this server keeps no metrics registry\n"
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        request.setHeader(b"content-type", CONTENT_TYPE_LATEST.encode())
        return generate_latest(registry)


def _arg(request, name: bytes) -> str:
    values = (request.args or {}).get(name) or [b""]
    return values[0].decode("utf-8", "replace")


def _cookie(request) -> str | None:
    token = request.getCookie(COOKIE)
    return token.decode("ascii", "replace") if token else None


def _html(request, text: str) -> bytes:
    request.setHeader(b"content-type", b"text/html; charset=utf-8")
    return text.encode("utf-8")


def _redirect(request, where: bytes) -> bytes:
    request.setResponseCode(303)
    request.setHeader(b"location", where)
    return b""


def _unauthorized(request, app) -> bytes:
    """401 and no data. A browser (it asks for HTML) gets the log-in form; a script
    (no Sec-Fetch-Mode header: curl, Prometheus, urllib) the Basic challenge as well, so it
    knows how to log in. A browser's EventSource or script after its session ended gets
    neither (a challenge would pop up the browser's own password dialog)."""
    request.setResponseCode(401)
    accept = request.getHeader(b"accept") or b""
    if b"text/html" in accept:
        return _html(request, login_page(app.hostname))
    if request.getHeader(b"sec-fetch-mode") is None:  # not a browser's script or stream: no dialog
        request.setHeader(b"www-authenticate", b'Basic realm="cme", charset="UTF-8"')
    request.setHeader(b"content-type", b"text/plain; charset=utf-8")
    return b"log-in required\n"


def _blocked(request, app) -> bytes:
    guard = getattr(app, "login_guard", None)
    request.setResponseCode(429)
    request.setHeader(b"retry-after", str(int(guard.policy().block_for) if guard else 60).encode())
    return _html(request, login_page(app.hostname, "Too many failed log-ins from this address; try again later."))


def _static(request, name: str) -> bytes:
    request.setHeader(b"content-type", STATIC[name].encode())
    return resources.files("cme.web").joinpath("static", name).read_bytes()


class WebListener(internet.TCPServer):
    """TCPServer named "http" that logs where the view is and, when the port cannot be
    bound, says so in one line and lets the rest of the server run (the view is not
    what phones and CTI applications need)."""

    failed = False

    def __init__(self, port, site, interface, clock, hub) -> None:
        super().__init__(port, site, interface=interface, reactor=clock)
        self.hub = hub
        self.setName("http")

    def privilegedStartService(self) -> None:
        try:
            super().privilegedStartService()
        except CannotListenError as e:
            self._cannot(e)

    def startService(self) -> None:
        if self.failed:
            Service.startService(self)
            return
        try:
            super().startService()
        except CannotListenError as e:
            self._cannot(e)
            return
        host = self._port.getHost()
        shown = f"[{host.host}]" if ":" in host.host else host.host
        log.info("web view on http://{host}:{port}/", host=shown, port=host.port)

    def _cannot(self, e: CannotListenError) -> None:
        self.failed = True
        self._port = None
        why = e.socketError.strerror if isinstance(e.socketError, OSError) else str(e.socketError)
        log.error("cannot listen on {where} (http): {why}; the web view is off, everything else runs "
                  "(choose another port with --http-port or `ip http port`)",
                  where=f"{e.interface or '*'}:{e.port}", why=why)

    def stopService(self):
        self.hub.close_all()
        return super().stopService()


def web_site(app, clock, *, guard=None) -> ViewSite:
    """The Site for `app` (guard: the LoginGuard failed log-ins count in; the app's, else
    a new one with the configuration's `login block-for`)."""
    if guard is None:
        guard = getattr(app, "login_guard", None)
    if guard is None:
        from cme.cli.login_guard import LoginGuard
        from cme.cli.server import configured_policy
        guard = LoginGuard(clock, configured_policy(app))
    view = View(app, clock)
    hub = EventHub(view.sections, clock)
    site = ViewSite(ViewResource(app, Authenticator(app, guard, clock), view, hub), clock)
    site.hub = hub
    return site


def web_service(app, interface: str, port: int, clock, *, guard=None) -> WebListener:
    """The "http" listener serving `app`'s view on interface:port (0: a free port)."""
    users = getattr(app.config, "usernames", None) or {}
    accounts = getattr(app.config, "accounts", None) or {}
    if not users:
        log.warn("no 'username NAME password 0 PW' in the configuration{also}: nobody can log in to the web view",
                 also=" (secret and type-7 passwords cannot be checked)" if accounts else "")
    site = web_site(app, clock, guard=guard)
    return WebListener(port, site, interface, clock, site.hub)
