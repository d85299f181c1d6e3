"""What the call core needs of the rest of the system, as one explicit collaborator.

Lines and phones reach each other by ID through the switch: lines by ephone-dn tag (the
line-to-line call protocol, actors/calls.py), endpoints by device name. It also owns the
dial plan (which number is which line), the server-wide call ids and GCIDs, and the
clock. cme/telephony.py builds one from the configuration and hands it to every actor it
starts; nothing in actors/ reaches up into cme/.
"""
from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from typing import Callable, Protocol

from actors.calls import Reject
from actors.directory import Directory


@dataclass(frozen=True, slots=True)
class TrunkRoute:
    """A number that leaves the building: the dial-peers that may carry it, in hunting
    order (conf/destination.py). The far "line" is seized only when the call is placed."""

    number: str
    peers: tuple[int, ...]  # dial-peer tags


class Trunks(Protocol):
    """The outside world, as the call core sees it (cme/trunks.py is the SIP one)."""

    def route(self, digits: str) -> tuple[TrunkRoute | None, bool]:
        """(a route for `digits` as dialled so far or None, whether more digits could match)."""

    def seize(self, route: TrunkRoute) -> int | None:
        """Start a trunk line for one call through `route`; its line tag (None: cannot)."""

    def attach(self, route: TrunkRoute, line_tag: int):
        """Start a leg through `route` that stands in for line `line_tag`'s phone for one
        call (dial-via-office's remote phone); its actors.events.Endpoint (None: cannot)."""


class Switch:
    def __init__(self, config, *, clock, directory: Directory | None = None,
                 on_features_changed: Callable[[object], bool] | None = None,
                 on_line_failed: Callable[[int, dict], None] | None = None,
                 trunks: Trunks | None = None, accounting: Callable[[object], None] | None = None) -> None:
        self.config = config
        self.clock = clock
        self.directory = directory if directory is not None else Directory()
        self._numbers: dict[str, int] = {}  # dial plan: ephone-dn number -> tag
        self._prefixes: set[str] = set()  # every proper prefix of a number
        self._call_ids = itertools.count(1)
        self._registered: set[str] = set()  # devices holding a max-ephones slot
        self._on_features_changed = on_features_changed
        self._on_line_failed = on_line_failed
        self.trunks = trunks  # None: no dial-peers, every call stays inside
        # Handed every call leg's actors.call_record.CallRecord as the line releases it (on
        # the reactor thread; it must be cheap: cme/cdr/history.py). None: no records.
        self.accounting = accounting

    # -- the dial plan ----------------------------------------------------------------------
    def add_line(self, tag: int, number: str | None, ref) -> None:
        self.directory.register(tag, ref)
        if number:
            if self._numbers.setdefault(number, tag) == tag:  # a duplicate: the first DN wins
                self.directory.register(number, ref)
            self._prefixes.update(number[:i] for i in range(1, len(number)))

    def reindex(self) -> None:
        """The configuration's numbers changed (configure terminal): the dial plan follows."""
        for number in self._numbers:
            self.directory.unregister(number)
        self._numbers.clear()
        self._prefixes.clear()
        for tag, dn in sorted(self.config.ephone_dns.items()):
            ref = self.directory.get(tag)
            if ref is not None:
                self.add_line(tag, dn.number, ref)

    def replace_line(self, tag: int, ref) -> None:
        """A fresh actor took over a DN (its predecessor failed)."""
        self.directory.register(tag, ref)
        dn = self.config.ephone_dns.get(tag)
        if dn is not None and dn.number and self._numbers.get(dn.number) == tag:
            self.directory.register(dn.number, ref)

    def route(self, digits: str) -> tuple[int | TrunkRoute | None, bool]:
        """(where `digits` go: the ephone-dn tag whose number they are, else a trunk
        route, else None; whether a longer number could still match).

        A DN's number is all explicit digits, so it is the longest match there is: it wins
        over any dial-peer and is dialled at once, even where a variable pattern (`2T`)
        could take more digits."""
        tag = self._numbers.get(digits)
        longer = digits in self._prefixes
        if tag is not None or self.trunks is None:
            return tag, longer
        route, more = self.trunks.route(digits)
        return route, longer or more

    def offer(self, target: int | TrunkRoute, message) -> None:
        """Offer a call to where route() said: a DN's line, or a trunk line seized now."""
        if isinstance(target, TrunkRoute):
            if self.trunks is None:
                return
            route, target = target, self.trunks.seize(target)
            if target is None:  # no trunk line could be started: the caller hears it at once
                caller = message.caller
                self.tell_line(caller.tag, Reject(caller.call_id, "resourcesNotAvailable", route.number))
                return
        self.tell_line(target, message)

    def attach(self, route: TrunkRoute, line_tag: int):
        return self.trunks.attach(route, line_tag) if self.trunks is not None else None

    def dn(self, tag):
        return self.config.ephone_dns.get(tag) if isinstance(tag, int) else None

    @property
    def interdigit_timeout(self) -> float:
        return self.config.telephony.interdigit_timeout

    # -- registrations: the max-ephones slots ---------------------------------------------------
    def admit(self, device: str, limit: int | None) -> bool:
        """A phone starts to register: it takes a slot, unless `limit` phones hold one."""
        if device not in self._registered:
            if limit is not None and len(self._registered) >= limit:
                return False
            self._registered.add(device)
        return True

    def vacate(self, device: str) -> None:
        """The phone is no longer registering or registered: its slot is free."""
        self._registered.discard(device)

    # -- ids ----------------------------------------------------------------------------------
    def new_call_id(self) -> int:
        """Server-wide unique call leg id (CME's callID, and the SCCP call reference)."""
        return next(self._call_ids)

    def new_gcid(self) -> str:
        """A Global Call ID shared by every leg of a call (`gcid`), as CME prints them."""
        if not self.config.voip.gcid:
            return ""
        h = _uuid4_hex()
        return f"{h[0:8]}-{h[8:16]}-{h[16:24]}-{h[24:32]}"

    # -- delivery -------------------------------------------------------------------------------
    def tell_line(self, tag: int, message) -> None:
        ref = self.directory.get(tag)
        if ref is not None:
            ref.tell(message)

    def line(self, tag: int):
        return self.directory.get(tag)

    def lines(self) -> dict[int, object]:
        """ephone-dn tag -> line actor ref, for every live line (trunk lines, whose tags are
        negative, are not DNs)."""
        refs = {key: self.directory.get(key) for key in self.directory if isinstance(key, int) and key > 0}
        return {tag: ref for tag, ref in refs.items() if ref is not None}

    def tell_phone(self, device: str, message) -> None:
        ref = self.directory.get(device)
        if ref is not None:
            ref.tell(message)

    # -- what lines report upward ---------------------------------------------------------------
    def features_changed(self, dn) -> bool:
        """`dn`'s features were just set: save them. False: they could not be saved."""
        if self._on_features_changed is not None:
            return self._on_features_changed(dn) is not False
        return True

    def line_failed(self, tag: int, endpoints: dict) -> None:
        if self._on_line_failed is not None:
            self._on_line_failed(tag, endpoints)


def _uuid4_hex() -> str:
    """``uuid.uuid4().hex.upper()`` without the UUID object (a call makes one or two):
    16 random bytes with the version (4) and RFC 4122 variant bits set as uuid4 sets them
    (tests/actors/test_switch.py reads the result back as a version-4 UUID)."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    return b.hex().upper()
