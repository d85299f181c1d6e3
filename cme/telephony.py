"""The SCCP side of the server: its actors, their directory, and its listener.

Built from the configuration at start: one LineActor per ephone-dn and one PhoneActor per
ephone with a MAC address, whether or not anything registers, so CTI can watch a line
before its phone is up and `show ephone` lists phones that never came. Actors reach each
other through this object (by DN tag, by device name), never by import.
"""
from __future__ import annotations

import itertools
import uuid

from twisted.application import internet

from actors.directory import Directory
from actors.line import LineActor
from actors.phone import PhoneActor
from actors.status import LineStatus, PhoneStatus, StatusBoard
from actors.trace import TraceLogger
from sccp.server import SCCPServerFactory

log = TraceLogger(namespace="cme.sccp")

LISTEN_BACKLOG = 4096  # capped by the kernel's net.core.somaxconn


class Telephony:
    def __init__(self, config, *, clock, directory: Directory | None = None, board: StatusBoard | None = None,
                 feature_store=None) -> None:
        self.config = config
        self.clock = clock
        self.directory = directory if directory is not None else Directory()
        self.board = board if board is not None else StatusBoard()
        self.lines: dict[int, object] = {}  # ephone-dn tag -> LineActor ref
        self._numbers: dict[str, int] = {}  # dial plan: ephone-dn number -> tag
        self._prefixes: set[str] = set()  # every proper prefix of a number
        self._call_ids = itertools.count(1)
        self.em_logins: dict[int, object] = {}  # ephone tag -> logged-in voice user-profile
        self.feature_store = feature_store  # cme.features.FeatureStore, or None (tests)

    @property
    def prompt(self) -> str:
        return f"{self.config.hostname} CME"[:32]

    def start(self) -> None:
        """Create the line and phone actors (on the reactor thread, before listening)."""
        for tag, dn in sorted(self.config.ephone_dns.items()):
            status = self.board.lines.setdefault(tag, LineStatus(tag=tag, number=dn.number or "", name=dn.name or ""))
            ref = LineActor.start(dn, status, self)
            self.lines[tag] = ref
            if dn.number:
                self.directory.register(dn.number, ref)
                self._numbers.setdefault(dn.number, tag)  # a duplicate: the first DN wins
                self._prefixes.update(dn.number[:i] for i in range(1, len(dn.number)))
        for tag, ephone in sorted(self.config.ephones.items()):
            device = ephone.device_name
            if device is None:
                log.warn("ephone {tag} has no mac-address: it cannot register", tag=tag)
                continue
            if device in self.board.phones:
                continue  # a duplicate MAC: conf reports it; the first ephone keeps it
            self.board.phones[device] = PhoneStatus(tag=tag, device=device, mac=ephone.mac, model=ephone.type or "")
            self.directory.register(device, PhoneActor.start(ephone, self))

    def restart_line(self, tag: int, phones: dict[str, int]) -> None:
        """A line actor failed: a new one takes the DN over, shown on the same phones."""
        dn = self.config.ephone_dns.get(tag)
        if dn is None:
            return
        ref = LineActor.start(dn, self.board.lines[tag], self, phones)
        self.lines[tag] = ref
        if dn.number and self._numbers.get(dn.number) == tag:
            self.directory.register(dn.number, ref)
        log.warn("line {number} restarted after a failure", number=dn.number or tag)

    def restart_phone(self, ephone) -> None:
        ref = PhoneActor.start(ephone, self)
        self.directory.register(ephone.device_name, ref)
        log.warn("phone actor {device} restarted after a failure", device=ephone.device_name)

    def phone_ref(self, device: str):
        if not device.startswith("SEP"):
            return None
        return self.directory.get(device)

    def features_changed(self, dn) -> None:
        """A line's forward/DND/message-waiting changed: persist it (see cme.features)."""
        if self.feature_store is not None:
            self.feature_store.save(self.config)

    def em_profile(self, ephone_tag: int):
        """The voice user-profile logged in on that ephone (Extension Mobility), or None."""
        return self.em_logins.get(ephone_tag)

    # -- what lines ask of the system -----------------------------------------------------
    def new_call_id(self) -> int:
        """Server-wide unique call leg id (CME's callID, and the SCCP call reference)."""
        return next(self._call_ids)

    def new_gcid(self) -> str:
        """A Global Call ID shared by every leg of a call (`gcid`), as CME prints them."""
        if not self.config.voip.gcid:
            return ""
        h = uuid.uuid4().hex.upper()
        return "-".join(h[i:i + 8] for i in range(0, 32, 8))

    def route(self, digits: str) -> tuple[int | None, bool]:
        """(ephone-dn tag whose number is exactly `digits` or None, whether a longer
        number could still match)."""
        return self._numbers.get(digits), digits in self._prefixes

    def tell_phone(self, device: str, message) -> None:
        ref = self.directory.get(device)
        if ref is not None:
            ref.tell(message)

    def phone_busy(self, device: str, except_call: int = 0) -> bool:
        """The phone has a call in progress other than `except_call` (call waiting)."""
        status = self.board.phones.get(device)
        return status is not None and any(
            state not in ("alerting", "null") for ref, state in status.calls.items() if ref != except_call)

    def tell_line(self, dn_tag: int, message) -> None:
        ref = self.lines.get(dn_tag)
        if ref is not None and ref.is_alive():
            ref.tell(message)

    def listener(self) -> internet.TCPServer | None:
        """The SCCP TCP listener on `telephony-service / ip source-address A port P`.

        None without `ip source-address`: like CME, no phone registers until it is set.
        """
        t = self.config.telephony
        if not t.source_address:
            log.warn("telephony-service has no 'ip source-address': SCCP phones cannot register")
            return None
        # A power cut brings every phone back at once: a deep accept queue keeps their SYNs.
        service = internet.TCPServer(t.port, SCCPServerFactory(self), backlog=LISTEN_BACKLOG, interface=t.source_address)
        service.setName("sccp")
        return service
