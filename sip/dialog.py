"""Dialogs (RFC 3261 §12): the state a CTI session or a trunk call keeps about its SIP
dialog. UAS dialogs come from an INVITE we answer (:meth:`Dialog.from_invite`); UAC
dialogs, a trunk's outgoing calls, from a response to our INVITE
(:meth:`Dialog.from_response`), which :func:`invite_request` builds.

The application's INVITE creates the dialog (§12.1.1): Call-ID, our tag (the To tag we
put in the 2xx), its tag (the From tag), the remote target (its Contact URI), the route
set (Record-Route as received: a UAS keeps its order) and its CSeq. The dialog builds our
in-dialog requests (INFO with events, BYE), checks the application's in-dialog requests
(§12.2.2: CSeq order, target refresh by re-INVITE, BYE), and builds the 2xx to the
(re-)INVITE. A :class:`DialogTable` finds the dialog of an in-dialog request; none found
means 481. Sans-I/O: nothing here sends or waits.
"""
from __future__ import annotations

from typing import Callable, Iterable

from sip.address import Address, parse_address
from sip.entropy import token_hex
from sip.grammar import Params
from sip.headers import MAX_CSEQ, CSeq, Via, remember_our_via
from sip.memo import Memo
from sip.message import Headers, Request, Response
from sip.response import make_response, new_tag
from sip.session_timer import SessionTimer
from sip.timers import DEFAULT, Timers
from sip.transaction import CancelTimer, Effect, Send, StartTimer, Timeout
from sip.uri import SIPURI, URI, parse_uri

MAX_FORWARDS = 70
DEFAULT_LIMIT = 10_000
"""Dialogs a :class:`DialogTable` holds; one per CTI session, so far above what any CME
allows, but a bound all the same (a flood of INVITEs gets 503, not memory)."""

TARGET_REFRESH = frozenset({"INVITE", "UPDATE", "SUBSCRIBE", "NOTIFY", "REFER"})
"""Methods whose Contact replaces the remote target (RFC 3261 §12.2, RFC 6665)."""

ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO"
"""What a trunk call does in a dialog: no UPDATE, PRACK or REFER (so a peer does not
try them), INFO for DTMF relay."""
SUPPORTED = "timer"


def new_branch() -> str:
    """A §8.1.1.7 branch: the magic cookie and 64 random bits."""
    return "z9hG4bK" + token_hex(8)


def _tagged(address: Address, tag: str | None) -> str:
    params = Params(list(address.params))
    del params["tag"]
    if tag is not None:
        params["tag"] = tag
    return str(Address(address.uri, address.display_name, params))


def _warm(request: Request) -> None:
    """Parse a template request's From and To once: its headers keep the views
    (sip.message.Headers.view), and every request copied from the template carries them,
    so the transaction layer's reads of the tags (when it forgets the transaction) cost
    nothing. A From/To that does not parse is not ours to refuse here: each request's
    reader will parse it, and refuse it, as ever."""
    try:
        request.from_, request.to
    except ValueError:
        pass


def _remember_cseq(request: Request, cseq: int, method: str) -> None:
    """Hand a request we built its CSeq parse (kept until the header changes)."""
    if 0 <= cseq <= MAX_CSEQ:  # what CSeq.parse accepts (a larger one is parsed, and refused, as ever)
        request.headers.remember("cseq", CSeq(cseq, method))


_VIAS = Memo(64)  # our sent-by text -> its Via, or None when it does not parse


def _our_via(sent_by: str) -> Via | None:
    """Our Via without its branch (``SIP/2.0/TCP 192.0.2.1:5060``) parsed, remembered: a
    server has a few; None if it does not parse (then the requests' Via is parsed when read)."""
    via = _VIAS.get(sent_by, False)
    if via is False:
        try:
            via = Via.parse(sent_by)
        except ValueError:
            via = None
        _VIAS.keep(sent_by, via)
    return via


def _remember_via(request: Request, via: Via, branch: str, text: str) -> None:
    """As :func:`_remember_cseq`, for the top Via: `via` (our sent-by) with the branch
    added last, which is what Via.parse makes of the header's text; kept for the
    responses too, which copy the text (sip.headers.remember_our_via)."""
    top = Via(via.transport, via.host, via.port, Params([*via.params, ("branch", branch)]), via.protocol)
    request.headers.remember("via", top)
    remember_our_via(text, top)


class DialogTableFull(Exception):
    pass


class Dialog:
    """A confirmed-or-early dialog, UAS (:meth:`from_invite`) or UAC
    (:meth:`from_response`): either way ``local_tag`` is ours and ``remote_tag`` the far
    end's. ``via_factory()`` returns our Via without a branch
    (``"SIP/2.0/TCP 192.0.2.1:5060"``); ``local_contact`` is our Contact URI."""

    __slots__ = ("call_id", "local_tag", "remote_tag", "local_address", "remote_address",
                 "remote_target", "route_set", "remote_cseq", "local_cseq", "secure",
                 "local_contact", "via_factory", "confirmed", "terminated",
                 "invite_cseq", "session_timer", "_templates", "_template_stamp")

    def __init__(self, *, call_id: str, local_tag: str, remote_tag: str | None,
                 local_address: Address, remote_address: Address, remote_target: URI,
                 route_set: list[Address], remote_cseq: int | None, local_cseq: int = 0,
                 local_contact: URI | str | None = None,
                 via_factory: Callable[[], str] | None = None, secure: bool = False) -> None:
        self.call_id = call_id
        self.local_tag = local_tag
        self.remote_tag = remote_tag
        self.local_address = local_address
        self.remote_address = remote_address
        self.remote_target = remote_target
        self.route_set = list(route_set)
        self.remote_cseq = remote_cseq
        self.local_cseq = local_cseq
        self.local_contact = local_contact
        self.via_factory = via_factory
        self.secure = secure
        self.confirmed = False      # the ACK of our 2xx arrived
        self.terminated = False     # BYE received (or sent and answered: the owner says)
        self.invite_cseq = remote_cseq  # the INVITE whose ACK confirms / refreshes
        self.session_timer: SessionTimer | None = None
        # (method, Content-Type) -> (Request-URI, header fields, From/To parses): _from_template
        self._templates: dict[tuple, tuple[URI, Headers, dict]] = {}
        self._template_stamp: tuple | None = None

    @classmethod
    def from_invite(cls, invite: Request, *, local_tag: str | None = None,
                    local_contact: URI | str | None = None,
                    via_factory: Callable[[], str] | None = None,
                    local_cseq: int = 0) -> "Dialog":
        """The dialog a 2xx to ``invite`` creates (§12.1.1). The request-URI's scheme
        decides ``secure`` (sips). ``local_cseq`` is the last CSeq we used: our first
        request carries the next one."""
        if invite.method != "INVITE":
            raise ValueError("a UAS dialog is created by an INVITE")
        contact = invite.contact_uri
        if contact is None:
            raise ValueError("INVITE without Contact cannot create a dialog")
        cseq = invite.cseq
        return cls(call_id=invite.call_id, local_tag=local_tag or new_tag(),
                   remote_tag=invite.from_tag, local_address=invite.to,
                   remote_address=invite.from_, remote_target=contact,
                   route_set=invite.record_route,
                   remote_cseq=cseq.number if cseq else None, local_cseq=local_cseq,
                   local_contact=local_contact, via_factory=via_factory,
                   secure=invite.uri.scheme == "sips")

    @classmethod
    def from_response(cls, invite: Request, response: Response, *,
                      via_factory: Callable[[], str] | None = None,
                      local_contact: URI | str | None = None) -> "Dialog":
        """The dialog a 2xx (or a 1xx with a To tag: an early dialog) to our ``invite``
        creates (§12.1.2): their tag from the To, the remote target from the response's
        Contact, the route set the response's Record-Route *reversed* (a UAC reads it
        from its end), our CSeq the INVITE's (the next request takes the one after), no
        remote CSeq yet. Each fork's 2xx makes a dialog of its own. ``secure`` when the
        Request-URI is sips. ``confirmed`` for a 2xx: for us the dialog stands once we
        have it (our ACK is not answered)."""
        if invite.method != "INVITE":
            raise ValueError("a UAC dialog is created by an INVITE")
        if response.to_tag is None:
            raise ValueError("a response without a To tag creates no dialog")
        contact = response.contact_uri
        if contact is None:
            raise ValueError(f"{response.status} without Contact cannot create a dialog")
        cseq = invite.cseq
        dialog = cls(call_id=invite.call_id, local_tag=invite.from_tag,
                     remote_tag=response.to_tag, local_address=invite.from_,
                     remote_address=invite.to, remote_target=contact,
                     route_set=list(reversed(response.record_route)), remote_cseq=None,
                     local_cseq=cseq.number if cseq else 0, local_contact=local_contact,
                     via_factory=via_factory, secure=invite.uri.scheme == "sips")
        dialog.confirmed = 200 <= response.status < 300
        dialog.invite_cseq = None  # the far end has sent no INVITE in this dialog yet
        return dialog

    @property
    def key(self) -> tuple:
        return (self.call_id, self.local_tag, self.remote_tag)

    def update_from_response(self, response: Response) -> None:
        """An early dialog's 2xx (§12.1.2 / §13.2.2.4): the remote target from its
        Contact (the route set stays as the first response set it), and it stands."""
        contact = response.contact_uri
        if contact is not None:
            self.remote_target = contact
        if 200 <= response.status < 300:
            self.confirmed = True

    # -- responses to the (re-)INVITE ------------------------------------------------------
    def invite_ok(self, invite: Request, *, body: bytes = b"",
                  content_type: str | None = None, session_timer: SessionTimer | None = None,
                  headers: Iterable[tuple[str, str]] = ()) -> Response:
        """The 200 OK to the dialog-creating INVITE or a re-INVITE: our To tag, the
        Record-Route copied (§12.1.1), our Contact, ``Supported: timer`` and, when the
        application asked for the timer, Session-Expires with ``Require: timer``."""
        extra: list[tuple[str, str]] = [("Record-Route", v)
                                        for v in invite.headers.get_all("Record-Route")]
        if self.local_contact is not None:
            extra.append(("Contact", f"<{self.local_contact}>"))
        extra.append(("Supported", "timer"))
        if session_timer is not None:
            self.session_timer = session_timer
            extra += session_timer.response_headers()
        extra += list(headers)
        return make_response(invite, 200, to_tag=self.local_tag, headers=extra, body=body,
                             content_type=content_type)

    def response(self, request: Request, status: int, reason: str | None = None,
                 **kwargs) -> Response:
        """Any response to an in-dialog request (the To tag is already ours)."""
        return make_response(request, status, reason, to_tag=self.local_tag, **kwargs)

    # -- requests from the application ----------------------------------------------------
    def matches(self, request: Request) -> bool:
        return (request.call_id, request.to_tag, request.from_tag) == self.key

    def accept_request(self, request: Request) -> Response | None:
        """Check an in-dialog request (§12.2.2) and update the dialog. None: go on and
        let the TU answer it; else the error response to send (481 not ours or ended,
        500 CSeq out of order). An ACK gets no response: it confirms the dialog."""
        if not self.matches(request):
            return None if request.method == "ACK" else self.response(request, 481)
        cseq = request.cseq
        if request.method == "ACK":
            if cseq is not None and cseq.number == self.invite_cseq:
                self.confirmed = True
            return None
        if self.terminated:
            return self.response(request, 481)
        if cseq is None:
            return self.response(request, 400, "Missing CSeq")
        if request.method != "CANCEL":
            # §12.2.2 refuses lower numbers; an equal one with a new branch (a retransmission
            # would have stayed in its transaction) is out of order as well
            if self.remote_cseq is not None and cseq.number <= self.remote_cseq:
                return self.response(request, 500, "CSeq Out of Order")
            self.remote_cseq = cseq.number
        if request.method in TARGET_REFRESH:
            contact = request.contact_uri
            if contact is not None:
                self.remote_target = contact
        if request.method == "INVITE":
            self.invite_cseq = cseq.number
        elif request.method == "BYE":
            self.terminated = True
        return None

    # -- our requests -----------------------------------------------------------------------
    def request(self, method: str, body: bytes = b"", content_type: str | None = None,
                headers: Iterable[tuple[str, str]] = (), *,
                via_factory: Callable[[], str] | None = None) -> Request:
        """An in-dialog request (INFO, BYE, a re-INVITE, ...) from us (§12.2.1.1):
        Request-URI and Route from the route set and remote target (loose or strict
        routing), From with our tag, To with theirs, the next local CSeq, a Via with a
        fresh branch, our Contact for a target refresh (a re-INVITE)."""
        if method in ("ACK", "CANCEL"):
            raise ValueError(f"{method} takes the CSeq of its INVITE; not built here")
        factory = self._factory(via_factory)
        self.local_cseq += 1
        return self._build(method, self.local_cseq, factory, body, content_type, headers)

    def ack(self, invite_cseq: int, body: bytes = b"", content_type: str | None = None,
            *, via_factory: Callable[[], str] | None = None) -> Request:
        """The ACK of a 2xx to our (re-)INVITE (§13.2.2.4): an in-dialog request of its
        own, so a new branch and the route set, but the INVITE's CSeq number (the local
        CSeq does not move). Sent once per 2xx that arrives (retransmissions included),
        outside any transaction. ``body``: the answer, when the INVITE had no offer."""
        return self._build("ACK", invite_cseq, self._factory(via_factory), body,
                           content_type, ())

    def _factory(self, via_factory: Callable[[], str] | None) -> Callable[[], str]:
        factory = via_factory or self.via_factory
        if factory is None:
            raise ValueError("no via_factory: cannot build a Via")
        return factory

    def _build(self, method: str, cseq: int, factory: Callable[[], str], body: bytes,
               content_type: str | None, headers: Iterable[tuple[str, str]]) -> Request:
        if headers == () or headers == []:  # INFO with events, BYE: the CTI session's many
            return self._from_template(method, cseq, factory, body, content_type)
        return self._build_fields(method, cseq, factory, body, content_type, headers)

    def _from_template(self, method: str, cseq: int, factory: Callable[[], str], body: bytes,
                       content_type: str | None) -> Request:
        """:meth:`_build_fields`'s request, from the dialog's template for this method and
        Content-Type: Request-URI, Route, From, To, Call-ID, Contact rendered once per
        dialog, and only Via (a fresh branch), CSeq and Content-Length set per request, in
        their places.
        A template is dropped when any field it was rendered from is replaced (a target
        refresh, a new route set, ...); those objects are read as values, never changed in
        place (see sip.message.Headers.view)."""
        stamp = (self.remote_target, tuple(self.route_set), self.local_address, self.local_tag,
                 self.remote_address, self.remote_tag, self.call_id, self.local_contact)
        if stamp != self._template_stamp:
            self._templates = {}
            self._template_stamp = stamp
        key = (method, content_type)
        template = self._templates.get(key)
        if template is None:
            if len(self._templates) >= 16:  # a few methods and types per dialog; bounded all the same
                self._templates.clear()
            placeholder = self._build_fields(method, 0, lambda: "", b"", content_type, ())
            # last, where encode() would add it: set in place below and by encode(), so
            # a request shares the template's header index to the wire (Headers.copy)
            placeholder.headers.set("Content-Length", "0")
            _warm(placeholder)
            template = self._templates[key] = (placeholder.uri, placeholder.headers)
        uri, fields = template
        out = fields.copy()
        sent_by, branch = factory(), new_branch()
        via_text = f"{sent_by};branch={branch}"
        out.set("Via", via_text)
        cseq_text = f"{cseq} {method}"
        out.set("CSeq", cseq_text)
        out.set("Content-Length", str(len(body)))
        request = Request(method, uri, out, body)
        _remember_cseq(request, cseq, method)
        via = _our_via(sent_by)
        if via is not None:  # the transaction layer reads the branch back at once
            _remember_via(request, via, branch, via_text)
        return request

    def _build_fields(self, method: str, cseq: int, factory: Callable[[], str], body: bytes,
                      content_type: str | None, headers: Iterable[tuple[str, str]]) -> Request:
        """The request field by field (§12.2.1.1); the general path and the templates' source."""
        uri, routes = self._target()
        out = Headers()
        out.add("Via", f"{factory()};branch={new_branch()}")
        out.add("Max-Forwards", str(MAX_FORWARDS))
        for route in routes:
            out.add("Route", route)
        out.add("From", _tagged(self.local_address, self.local_tag))
        out.add("To", _tagged(self.remote_address, self.remote_tag))
        out.add("Call-ID", self.call_id)
        out.add("CSeq", f"{cseq} {method}")
        if method in TARGET_REFRESH and self.local_contact is not None:
            out.add("Contact", f"<{self.local_contact}>")
        for name, value in headers:
            out.add(name, value)
        if content_type is not None:
            out.set("Content-Type", content_type)
        return Request(method, uri, out, body)

    def _target(self) -> tuple[URI, list[str]]:
        if not self.route_set:
            return self.remote_target, []
        first = self.route_set[0].uri
        if isinstance(first, SIPURI) and first.has_param("lr"):
            return self.remote_target, [str(r) for r in self.route_set]
        # strict router (§12.2.1.1): it becomes the Request-URI, the target the last Route
        if isinstance(first, SIPURI):
            first = first.replace(headers=(), params=tuple(
                (k, v) for k, v in first.params if k.lower() not in ("method", "maddr", "ttl",
                                                                    "transport", "lr")))
        routes = [str(r) for r in self.route_set[1:]] + [f"<{self.remote_target}>"]
        return first, routes

    def __repr__(self) -> str:
        return f"<Dialog call-id={self.call_id!r} local={self.local_tag} remote={self.remote_tag}>"


class DialogTable:
    """Dialogs by (Call-ID, local tag, remote tag), bounded by ``limit``.

    It holds either :class:`Dialog` objects (:meth:`add`, :meth:`create`) or, for a
    transaction user whose dialogs each have one owner (the CTI gateway: the session
    actor owns its dialog), that owner under the dialog's key (:meth:`register`), so the
    router never holds the dialog it must not change. :meth:`find` returns what is
    stored."""

    def __init__(self, *, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._dialogs: dict[tuple, object] = {}

    def __len__(self) -> int:
        return len(self._dialogs)

    def __iter__(self):
        return iter(list(self._dialogs.values()))

    def ensure_room(self) -> None:
        """Raise DialogTableFull when another dialog would exceed the limit (answer 503)."""
        if len(self._dialogs) >= self.limit:
            raise DialogTableFull(f"{len(self._dialogs)} dialogs")

    def add(self, dialog: Dialog) -> Dialog:
        self.register(dialog.key, dialog)
        return dialog

    def register(self, key: tuple, entry) -> None:
        """Store ``entry`` (a Dialog, or the dialog's owner) under a dialog key."""
        if key in self._dialogs:
            raise ValueError(f"dialog {key!r} exists")
        self.ensure_room()
        self._dialogs[key] = entry

    def create(self, invite: Request, **kwargs) -> Dialog:
        """Dialog.from_invite, added to the table (DialogTableFull: answer 503)."""
        self.ensure_room()
        return self.add(Dialog.from_invite(invite, **kwargs))

    def remove(self, dialog: Dialog) -> None:
        self.unregister(dialog.key, dialog)

    def unregister(self, key: tuple, entry) -> None:
        """Forget ``key`` if ``entry`` is still what it holds."""
        if self._dialogs.get(key) is entry:
            del self._dialogs[key]

    def find(self, request: Request):
        """What is stored for the dialog of an in-dialog request from the far end (the
        application, or the gateway of a trunk call we placed): its To tag is ours, its
        From tag theirs, whichever side created the dialog. None for out-of-dialog
        requests too (no To tag)."""
        to_tag = request.to_tag  # read once: every in-dialog request comes this way (twice)
        if to_tag is None:
            return None
        return self._dialogs.get((request.call_id, to_tag, request.from_tag))

    def find_response(self, response: Response):
        """What is stored for the dialog a response to our request belongs to: its From
        tag is ours, its To tag theirs (a second fork's 2xx finds none: a new dialog)."""
        to_tag = response.to_tag
        if to_tag is None:
            return None
        return self._dialogs.get((response.call_id, response.from_tag, to_tag))


class OkRetransmission:
    """RFC 3261 §13.3.1.4 (which RFC 6026 leaves with the TU): the UAS core re-sends its
    2xx to an INVITE until the ACK comes — over UDP every T1, doubling to T2 — and gives
    up after 64*T1: :class:`Timeout` ``"ack"`` (the CTI session's ``ack_timeout``; the
    dialog should then be ended with BYE). Timers: ``"2xx"`` and ``"ack"``.

    ``verified=False`` (a UDP source that has not shown it receives what we send, see
    :class:`sip.limits.VerifiedSources`): the 2xx goes once and is never re-sent on a timer
    (the core re-sends it only when the INVITE comes again, one for one), and on the ACK
    timeout the owner ends the dialog without BYE: a spoofed INVITE must not make us send
    a third party more than it sent (issue 13: 13.8 times its size before)."""

    __slots__ = ("response", "timers", "_interval", "done", "verified")

    def __init__(self, response: Response, timers: Timers = DEFAULT, *,
                 verified: bool = True) -> None:
        self.response = response
        self.timers = timers
        self._interval = timers.t1
        self.done = False
        self.verified = verified

    @property
    def _retransmits(self) -> bool:
        return not self.timers.reliable and self.verified

    def start(self) -> list[Effect]:
        out: list[Effect] = [Send(self.response)]
        if self._retransmits:
            out.append(StartTimer("2xx", self._interval))
        out.append(StartTimer("ack", 64 * self.timers.t1))
        return out

    def ack(self) -> list[Effect]:
        if self.done:
            return []
        self.done = True
        names = ["2xx", "ack"] if self._retransmits else ["ack"]
        return [CancelTimer(name) for name in names]

    def timer_fired(self, name: str) -> list[Effect]:
        if self.done:
            return []
        if name == "2xx" and self._retransmits:
            self._interval = self.timers.backoff(self._interval)
            return [Send(self.response), StartTimer("2xx", self._interval)]
        if name == "ack":
            self.done = True
            return ([CancelTimer("2xx")] if self._retransmits else []) + [Timeout("ack")]
        return []


def invite_request(*, request_uri: URI | str, from_address: str, to_address: str,
                   local_tag: str, call_id: str, via: str, contact: str, body: bytes,
                   content_type: str | None = "application/sdp", max_forwards: int = MAX_FORWARDS,
                   headers: Iterable[tuple[str, str]] = ()) -> Request:
    """A new out-of-dialog INVITE (§8.1.1), the start of a trunk call: From with
    ``local_tag``, To without a tag, CSeq 1, ``via`` (``"SIP/2.0/UDP 192.0.2.1:5060"``)
    with a fresh branch, ``contact`` (a URI, bracketed if it is not yet), Allow and
    Supported, then ``headers`` (P-Asserted-Identity, Diversion, Route to an outbound
    proxy, ...). An empty ``body`` is a delayed offer: no Content-Type. ``max_forwards``
    is the incoming leg's less one when a B2BUA relays a call."""
    if not 0 <= max_forwards <= 255:
        raise ValueError(f"bad Max-Forwards {max_forwards}")
    uri = parse_uri(request_uri) if isinstance(request_uri, str) else request_uri
    out = Headers()
    out.add("Via", f"{via};branch={new_branch()}")
    out.add("Max-Forwards", str(max_forwards))
    out.add("From", _tagged(parse_address(from_address), local_tag))
    out.add("To", _tagged(parse_address(to_address), None))
    out.add("Call-ID", call_id)
    out.add("CSeq", "1 INVITE")
    out.add("Contact", contact if "<" in contact else f"<{contact}>")
    out.add("Allow", ALLOW)
    out.add("Supported", SUPPORTED)
    for name, value in headers:
        out.add(name, value)
    if body and content_type is not None:
        out.set("Content-Type", content_type)
    return Request("INVITE", uri, out, body)


def no_dialog(request: Request) -> Response | None:
    """The answer to an in-dialog request matching no dialog: 481 (§12.2.2), or nothing
    for an ACK."""
    if request.method == "ACK":
        return None
    return make_response(request, 481)
