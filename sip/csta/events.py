"""ECMA-323 event XML for the protocol-neutral events lines publish (actors/events.py).

Every event starts with monitorCrossRefID, then csta.md's fields in the ed3 schema's order.
Device fields are wrapped (`<callingDevice><deviceIdentifier>201</deviceIdentifier>`), or
`<notKnown/>` when the line did not know the device; lastRedirectionDevice uses
`numberDialed`. Optional fields the line left empty (cause, secondaryOldCall, forwardTo)
are omitted rather than invented.

Device IDs are plain directory numbers by default. `device_id_form` may map a number to
the text to send instead: a DeviceForms remembers how the application wrote each device
(`tel:201`, `sip:201@host`) and echoes that, which is what `cti message device-id
suppress-conversion` asks for.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache

from sip.csta.devices import DeviceID
from sip.csta.xml import (
    XML_DECLARATION,
    Builder,
    NotPlain,
    TextBuilder,
    boolean,
    is_plain,
    namespace_for,
)

CALL_EVENTS = {
    # kind: (element, connection field, [(field, event attribute, how)])
    "service_initiated": ("ServiceInitiatedEvent", "initiatedConnection",
                          [("initiatingDevice", "initiating", "subject")]),
    "originated": ("OriginatedEvent", "originatedConnection",
                   [("callingDevice", "calling", "subject"), ("calledDevice", "called", "subject")]),
    "network_reached": ("NetworkReachedEvent", "outboundConnection",
                        [("networkInterfaceUsed", "network", "subject"), ("callingDevice", "calling", "subject"),
                         ("calledDevice", "called", "subject"),
                         ("lastRedirectionDevice", "last_redirection", "redirection")]),
    "delivered": ("DeliveredEvent", "connection",
                  [("alertingDevice", "alerting", "subject"), ("callingDevice", "calling", "subject"),
                   ("calledDevice", "called", "subject"),
                   ("lastRedirectionDevice", "last_redirection", "redirection")]),
    "established": ("EstablishedEvent", "establishedConnection",
                    [("answeringDevice", "answering", "subject"), ("callingDevice", "calling", "subject"),
                     ("calledDevice", "called", "subject"),
                     ("lastRedirectionDevice", "last_redirection", "redirection")]),
    "connection_cleared": ("ConnectionClearedEvent", "droppedConnection",
                           [("releasingDevice", "releasing", "subject")]),
    "held": ("HeldEvent", "heldConnection", [("holdingDevice", "holding", "subject")]),
    "retrieved": ("RetrievedEvent", "retrievedConnection",
                  [("retrievingDevice", "retrieving", "subject")]),
    "diverted": ("DivertedEvent", "connection",
                 [("divertingDevice", "diverting", "subject"),
                  ("newDestination", "new_destination", "subject"),
                  ("callingDevice", "calling", "subject"), ("calledDevice", "called", "subject"),
                  ("lastRedirectionDevice", "last_redirection", "redirection")]),
    # The line puts the failing device in `initiating` (the party that could not be reached).
    "failed": ("FailedEvent", "failedConnection",
               [("failingDevice", "initiating", "subject"), ("callingDevice", "calling", "subject"),
                ("calledDevice", "called", "subject"),
                ("lastRedirectionDevice", "last_redirection", "redirection")]),
}
FEATURE_EVENTS = {"do_not_disturb": "DoNotDisturbEvent", "forwarding": "ForwardingEvent",
                  "message_waiting": "MessageWaitingEvent"}
EVENT_ELEMENTS = {kind: spec[0] for kind, spec in CALL_EVENTS.items()} | FEATURE_EVENTS | {
    "transferred": "TransferedEvent"}


class DeviceForms:
    """Remembers the text an application used for each number, to echo it back
    (`cti message device-id suppress-conversion`); numbers never seen stay plain."""

    def __init__(self):
        self._forms: dict[str, str] = {}

    def remember(self, device: DeviceID) -> None:
        self._forms[device.digits] = device.text

    def __call__(self, number: str) -> str:
        return self._forms.get(number, number)


class _Render:
    """One event being written, by a TextBuilder (the fast path) or a Builder (lxml)."""

    __slots__ = ("b", "form")

    def __init__(self, root: str, namespace: str | None, form: Callable[[str], str] | None,
                 builder=Builder):
        self.b = builder(root, namespace)
        self.form = form or str

    def add(self, name: str, value: str | None = None, parent=None):
        return self.b.add(self.b.root if parent is None else parent, name, value)

    def device(self, number) -> str:
        return self.form(str(number))

    def connection(self, name: str, connection, parent=None) -> None:
        el = self.add(name, parent=parent)
        self.b.add(el, "callID", str(connection.call_id))
        self.b.add(el, "deviceID", self.device(connection.device))

    def subject(self, name: str, number: str | None, known: str = "deviceIdentifier") -> None:
        el = self.add(name)
        if number:
            self.b.add(el, known, self.device(number))
        else:
            self.b.add(el, "notKnown")

    def tail(self, event) -> None:
        self.add("localConnectionInfo", event.local_state)
        if event.cause:
            self.add("cause", event.cause)


def render_event(event, monitor_cross_ref_id: str, namespace: str | None = None,
                 device_id_form: Callable[[str], str] | None = None) -> bytes:
    """The ECMA-323 XML of a CallEvent or FeatureEvent, for the monitor `monitor_cross_ref_id`."""
    if event.kind not in EVENT_ELEMENTS:
        raise ValueError(f"no CSTA event for {event.kind!r}")
    try:  # every value plain text (numbers, states, causes, tel:/sip: device forms)
        if event.kind in CALL_EVENTS:
            return _call_event_text(event, monitor_cross_ref_id, namespace, device_id_form or str)
        return _render(event, monitor_cross_ref_id, namespace, device_id_form, TextBuilder)
    except NotPlain:  # something lxml must escape or refuse: its own serialiser decides
        return _render(event, monitor_cross_ref_id, namespace, device_id_form, Builder)


@cache  # bounded: the call event kinds × the five CSTA editions
def _call_pieces(kind: str, namespace: str):
    """The fixed text of a call event in `namespace`, between the values it carries:
    (start up to the monitorCrossRefID, the connection's start, its end, per device field
    (attribute, start, end, text when not known), the end tag)."""
    element, connection_field, fields = CALL_EVENTS[kind]
    start = (XML_DECLARATION.decode("ascii") + f'<{element} xmlns="{namespace}"><monitorCrossRefID>')
    devices = tuple(
        (attribute, f"<{name}><{known}>", f"</{known}></{name}>", f"<{name}><notKnown/></{name}>")
        for name, attribute, how in fields
        for known in ["numberDialed" if how == "redirection" else "deviceIdentifier"])
    return (start, f"</monitorCrossRefID><{connection_field}><callID>", f"</deviceID></{connection_field}>",
            devices, f"</{element}>")


def _call_event_text(event, monitor_cross_ref_id: str, namespace: str | None,
                     form: Callable[[str], str]) -> bytes:
    """A call event written from its precompiled pieces (the hot path: every monitor gets
    several per call); the same bytes as _render's, which the tests compare. NotPlain when
    a value needs lxml's escaping."""
    start, connection_start, connection_end, devices, end = _call_pieces(event.kind, namespace_for(namespace))
    connection = event.connection
    call_id, device = str(connection.call_id), form(str(connection.device))
    values = [monitor_cross_ref_id, call_id, device]  # what must be plain text
    out = [start, monitor_cross_ref_id, connection_start, call_id, "</callID><deviceID>", device,
           connection_end]
    for attribute, known_start, known_end, not_known in devices:
        number = getattr(event, attribute)
        if number:
            value = form(str(number))
            values.append(value)
            out += (known_start, value, known_end)
        else:
            out.append(not_known)
    state, cause = event.local_state, event.cause
    if state is None:
        out.append("<localConnectionInfo/>")
    else:
        values.append(state)
        out += ("<localConnectionInfo>", state, "</localConnectionInfo>")
    if cause:
        values.append(cause)
        out += ("<cause>", cause, "</cause>")
    out.append(end)
    if not is_plain("".join(values)):  # one look at them all: the class is per character
        raise NotPlain(values)
    return "".join(out).encode("ascii")


def _render(event, monitor_cross_ref_id: str, namespace: str | None,
            device_id_form: Callable[[str], str] | None, builder) -> bytes:
    kind = event.kind
    r = _Render(EVENT_ELEMENTS[kind], namespace, device_id_form, builder)
    r.add("monitorCrossRefID", monitor_cross_ref_id)
    if kind in CALL_EVENTS:
        _, connection_field, fields = CALL_EVENTS[kind]
        r.connection(connection_field, event.connection)
        for name, attribute, how in fields:
            value = getattr(event, attribute)
            r.subject(name, value, "numberDialed" if how == "redirection" else "deviceIdentifier")
        r.tail(event)
    elif kind == "transferred":
        _transfered(r, event)
    elif kind == "do_not_disturb":
        r.subject("device", event.device)
        r.add("doNotDisturbOn", boolean(event.on))
    elif kind == "forwarding":
        r.subject("device", event.device)
        r.add("forwardingType", "forwardImmediate")  # CME's CTI forwarding is call forward all
        r.add("forwardStatus", boolean(event.on))
        if event.forward_to:
            r.add("forwardTo", r.device(event.forward_to))
    elif kind == "message_waiting":
        r.subject("targetDevice", event.device)
        r.add("deviceForMessage", r.device(event.device))
        r.add("messageWaitingOn", boolean(event.on))
    return r.b.bytes()


def _transfered(r: _Render, event) -> None:
    """TransferedEvent (one r, as the schema spells it).

    extra: primary_old (default: the event's connection), secondary_old (omitted when None),
    transferring, transferred_to, and optionally connections = [(new, old, endpoint)].
    Without explicit connections: a party still in the call (local_state not null) lists
    its own connection; the transferring device lists the two parties now joined.
    """
    extra = event.extra or {}
    r.connection("primaryOldCall", extra.get("primary_old") or event.connection)
    if extra.get("secondary_old") is not None:
        r.connection("secondaryOldCall", extra["secondary_old"])
    r.subject("transferringDevice", extra.get("transferring"))
    r.subject("transferredToDevice", extra.get("transferred_to"))
    listing = r.add("transferredConnections")
    items = extra.get("connections")
    if items is None:
        if event.local_state != "null":
            items = [(event.connection, None, event.connection.device)]
        else:
            items = [(None, None, number) for number in (event.calling, event.called) if number]
    for new, old, endpoint in items:
        item = r.add("connectionListItem", parent=listing)
        if new is not None:
            r.connection("newConnection", new, parent=item)
        if old is not None:
            r.connection("oldConnection", old, parent=item)
        end = r.add("endpoint", parent=item)
        if endpoint:
            r.b.add(end, "deviceID", r.device(endpoint))
        else:
            r.b.add(end, "notKnown")
    r.tail(event)
