"""What the CLI shows: small status records that the owning actors keep up to date.

`show ephone` must not block the reactor on an ask() to thousands of phones, so each
phone and line actor writes its own record here as its state changes (all on the reactor
thread) and the CLI only reads. Nothing else may write a record.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(slots=True)
class PhoneStatus:
    tag: int
    device: str
    mac: str
    model: str
    state: str = "unregistered"
    ip: str = ""
    port: int = 0
    protocol_version: int = 0
    keepalives: int = 0
    registrations: int = 0
    since: float = 0.0  # when the state last changed (clock seconds)
    reason: str = ""  # why it last left the registered state
    lines: list = field(default_factory=list)  # sccp.buttons.LineButton
    calls: dict = field(default_factory=dict)  # call reference -> connection state on this phone


@dataclass(slots=True)
class CallView:
    """One connection of a line, as `show cti call` and `show ephone-dn` print it."""

    call_id: int
    instance: int
    state: str  # fsm/connection.py state
    gcid: str = ""
    calling: str = ""
    called: str = ""
    device: str | None = None  # the phone the call is on
    peer_call_id: int | None = None
    setup: float = 0.0  # when the leg began (clock seconds; 0.0: not known)


class CallViews(Mapping):
    """A line's calls as the CLI shows them (call id -> CallView), read from the line's own
    connections (actors/connection.py) when the CLI asks, not rebuilt after every message
    the line handles (about 18 a call). The line's actor and the CLI both run on the
    reactor thread, so what is read is the line as it stands between two messages: the
    same views a copy written after each message would hold."""

    __slots__ = ("_connections",)

    def __init__(self, connections: dict) -> None:
        self._connections = connections  # call id -> Connection, the line's own (live) dict

    def __getitem__(self, call_id: int) -> CallView:
        return _view(self._connections[call_id])

    def __iter__(self):
        return iter(list(self._connections))

    def __len__(self) -> int:
        return len(self._connections)

    def __repr__(self) -> str:
        return f"CallViews({dict(self)!r})"

    def peers(self):
        """(call id, the far leg's call id or None) of each call, without building views
        (the metrics count calls this way at every scrape)."""
        for call_id, conn in self._connections.items():
            yield call_id, conn.peer.call_id if conn.peer else None


def call_peers(calls: Mapping):
    """(call id, peer call id or None) of a line's calls, whether its actor keeps them as
    CallViews or a plain mapping of CallView."""
    if isinstance(calls, CallViews):
        return calls.peers()
    return ((v.call_id, v.peer_call_id) for v in calls.values())


def _view(conn) -> CallView:
    return CallView(conn.call_id, conn.instance, conn.state, conn.gcid, conn.calling, conn.called,
                    conn.device, conn.peer.call_id if conn.peer else None, conn.setup or 0.0)


@dataclass(slots=True)
class LineStatus:
    tag: int
    number: str
    name: str = ""
    state: str = "down"  # down (no registered phone, not cti notify), idle, ...
    phones: set[str] = field(default_factory=set)  # registered devices showing this DN
    calls: Mapping[int, CallView] = field(default_factory=dict)  # call id -> view (a line actor's: CallViews)


@dataclass
class StatusBoard:
    phones: dict[str, PhoneStatus] = field(default_factory=dict)  # by device name
    lines: dict[int, LineStatus] = field(default_factory=dict)  # by ephone-dn tag

    live: int = 0  # phones holding a registration slot (registering or registered)
    # devices no ephone has that tried to register: name -> [peer, first, last, attempts]
    attempted: dict[str, list] = field(default_factory=dict)
    call_lines: dict[int, int] = field(default_factory=dict)  # live call id -> the DN tag holding it
    # registrations by outcome, for the metrics: "registered", "rejected" (max-ephones),
    # "unknown device" (no ephone has that MAC)
    registrations: Counter = field(default_factory=Counter)

    def index_calls(self, tag: int, before, after) -> None:
        """A line's calls changed from `before` to `after` (call ids): keep `call_lines`."""
        for call_id in before - after:
            self.call_lines.pop(call_id, None)
        for call_id in after - before:
            self.call_lines[call_id] = tag

    def attempted_registration(self, device: str, peer: str, now: float) -> None:
        """`show ephone attempted-registrations` (bounded: the oldest forgotten first)."""
        self.registrations["unknown device"] += 1
        seen = self.attempted.get(device)
        if seen is None:
            if len(self.attempted) >= MAX_ATTEMPTED:
                del self.attempted[next(iter(self.attempted))]
            self.attempted[device] = [peer, now, now, 1]
        else:
            seen[0], seen[2], seen[3] = peer, now, seen[3] + 1

    def registered(self) -> list[PhoneStatus]:
        return [p for p in self.phones.values() if p.state == "registered"]

    def set_phone_state(self, status: PhoneStatus, state: str, now: float) -> None:
        """The one way a phone's state changes here, so `live` stays exact (max-ephones)."""
        was_live = status.state in LIVE
        status.state, status.since = state, now
        if state in COUNTED:  # each registration ends here once (a rejected phone may try again)
            self.registrations[state] += 1
        self.live += (state in LIVE) - was_live


LIVE = ("registering", "registered")
COUNTED = ("registered", "rejected")  # the states a registration ends in
MAX_ATTEMPTED = 1000  # unknown devices remembered for the CLI
