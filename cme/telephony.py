"""The SCCP side of the server: its actors, their directory, and its listener.

Built from the configuration at start: one LineActor per ephone-dn and one PhoneActor per
ephone with a MAC address, whether or not anything registers, so CTI can watch a line
before its phone is up and `show ephone` lists phones that never came. Actors reach each
other through the switch it builds (actors/switch.py: by DN tag, device name, call id),
never by import and never through this object.
"""
from __future__ import annotations

from twisted.application import internet

from actors.directory import Directory
from actors.line import LineActor
from actors.calls import ClearCalls, Retire
from actors.phone import PhoneActor, Restart
from actors.switch import Switch
from actors.status import LineStatus, PhoneStatus, StatusBoard
from actors.trace import TraceLogger
from sccp.server import SCCPServerFactory

log = TraceLogger(namespace="cme.sccp")

LISTEN_BACKLOG = 4096  # capped by the kernel's net.core.somaxconn


class Telephony:
    def __init__(self, config, *, clock, directory: Directory | None = None, board: StatusBoard | None = None,
                 feature_store=None, accounting=None) -> None:
        self.config = config
        self.clock = clock
        self.board = board if board is not None else StatusBoard()
        self.switch = Switch(config, clock=clock, directory=directory, on_features_changed=self.features_changed,
                             on_line_failed=self.restart_line, accounting=accounting)
        self.directory = self.switch.directory
        self.em_logins: dict[int, object] = {}  # ephone tag -> logged-in voice user-profile
        self.feature_store = feature_store  # cme.features.FeatureStore, or None (tests)
        self._buttons: dict[str, tuple] = {}  # device -> its buttons when its actor was told last
        self.connections: set = set()  # the open SCCP connections, of every factory made here

    @property
    def lines(self) -> dict[int, object]:
        """ephone-dn tag -> line actor ref (from the directory)."""
        return self.switch.lines()

    def start(self) -> None:
        """Create the line and phone actors (on the reactor thread, before listening)."""
        for tag, dn in sorted(self.config.ephone_dns.items()):
            status = self.board.lines.setdefault(tag, LineStatus(tag=tag, number=dn.number or "", name=dn.name or ""))
            self.switch.add_line(tag, dn.number, LineActor.start(dn, status, self.switch, board=self.board))
        for tag, ephone in sorted(self.config.ephones.items()):
            device = ephone.device_name
            if device is None:
                log.warn("ephone {tag} has no mac-address: it cannot register", tag=tag)
                continue
            if device in self.board.phones:
                continue  # a duplicate MAC: conf reports it; the first ephone keeps it
            self.board.phones[device] = PhoneStatus(tag=tag, device=device, mac=ephone.mac, model=ephone.type or "")
            self.directory.register(device, self._start_phone(ephone))
            self._buttons[device] = _buttons(ephone)

    def reconcile(self) -> None:
        """Make the actors match the configuration after it changed (configure terminal):
        new DNs get a line and new ephones a phone; removed ones are retired (their calls
        cleared, the phone told to restart, so it finds itself unknown); a phone whose
        buttons changed restarts and registers with its new lines. Everything else is
        read from the shared model by its owner and takes effect as it is."""
        config, directory = self.config, self.directory
        for tag, dn in sorted(config.ephone_dns.items()):
            if self.switch.line(tag) is None:
                status = self.board.lines.setdefault(tag, LineStatus(tag=tag, number=dn.number or "", name=dn.name or ""))
                self.switch.directory.register(tag, LineActor.start(dn, status, self.switch, board=self.board))
                log.info("ephone-dn {tag} ({number}) added", tag=tag, number=dn.number or "-")
        for tag, ref in list(self.switch.lines().items()):
            if tag not in config.ephone_dns:
                ref.tell(Retire())
                self.board.lines.pop(tag, None)
        self.switch.reindex()
        wanted = {}
        for tag, ephone in sorted(config.ephones.items()):
            if ephone.device_name and ephone.device_name not in wanted:
                wanted[ephone.device_name] = ephone
        for device, ephone in wanted.items():
            ref = directory.get(device)
            if ref is None:
                self.board.phones[device] = PhoneStatus(tag=ephone.tag, device=device, mac=ephone.mac,
                                                        model=ephone.type or "")
                directory.register(device, self._start_phone(ephone))
                log.info("ephone {tag} ({device}) added: it may register", tag=ephone.tag, device=device)
            elif self._buttons.get(device) != _buttons(ephone):
                ref.tell(Restart("its buttons changed"))
            self._buttons[device] = _buttons(ephone)
        for device in [d for d in list(self.board.phones) if d not in wanted]:
            ref = directory.get(device)
            if ref is not None:
                ref.tell(Restart("removed from the configuration"))
                ref.stop(block=False)
            directory.unregister(device)
            self.board.phones.pop(device, None)
            self._buttons.pop(device, None)
            log.info("ephone {device} removed", device=device)

    def restart_line(self, tag: int, endpoints: dict) -> None:
        """A line actor failed: a new one takes the DN over, shown on the same endpoints."""
        dn = self.config.ephone_dns.get(tag)
        if dn is None:
            return
        ref = LineActor.start(dn, self.board.lines[tag], self.switch, board=self.board, endpoints=endpoints)
        self.switch.replace_line(tag, ref)
        log.warn("line {number} restarted after a failure", number=dn.number or tag)

    def restart_phone(self, ephone) -> None:
        self.directory.register(ephone.device_name, self._start_phone(ephone))
        log.warn("phone actor {device} restarted after a failure", device=ephone.device_name)

    def _start_phone(self, ephone):
        return PhoneActor.start(ephone, self.switch, self.board, em_profile=self.em_profile,
                                on_failed=self.restart_phone)

    def tell_phone(self, device: str, message) -> None:
        self.switch.tell_phone(device, message)

    def features_changed(self, dn) -> bool:
        """A line's forward/DND/message-waiting is about to change (already written into
        `dn`): persist it (see cme.features). False when it could not be saved: the line
        then undoes it and acknowledges nothing."""
        if self.feature_store is None:
            return True
        from cme.features import FeatureSaveError

        try:
            self.feature_store.save(self.config)
        except FeatureSaveError:
            return False  # FeatureStore.save logged why
        return True

    def em_profile(self, ephone_tag: int):
        """The voice user-profile logged in on that ephone (Extension Mobility), or None."""
        return self.em_logins.get(ephone_tag)

    def server_factory(self) -> SCCPServerFactory:
        """The SCCP protocol's factory: Registers route to the phones; an unknown device's
        attempt is noted for `show ephone attempted-registrations`."""
        def unknown(device: str, peer: str) -> None:
            self.board.attempted_registration(device, peer, self.clock.seconds())

        return SCCPServerFactory(self.directory, self.clock, unknown, self.connections,
                                 pending_per_source=lambda: self.config.telephony.pending_per_source)

    # -- shutdown ---------------------------------------------------------------------------
    def clear_calls(self) -> None:
        """The server is going down: every line clears its calls, as a hang-up would, so the
        far ends (trunk calls get BYE), the monitors (ConnectionCleared) and the phones
        (on-hook, idle) hear it while the connections are still open. The trunk lines
        (negative tags) are told too, so every leg of a call through a dial-peer is cleared
        by the server (its CDR says cleared_by "system"), not by the DN's release."""
        for ref in self.switch.lines().values():
            ref.tell(ClearCalls())
        directory = self.switch.directory
        for tag in directory:
            if isinstance(tag, int) and tag < 0:
                ref = directory.get(tag)
                if ref is not None:
                    ref.tell(ClearCalls())

    def close_phones(self, timeout: float):
        """Close every SCCP connection once what was written to it is sent (the phones see
        the server go: they register elsewhere, or again later); a Deferred firing when all
        are closed, or `timeout` seconds passed."""
        from cme.drain import wait_until

        for p in list(self.connections):
            p.close("the server is shutting down")
        return wait_until(self.clock, lambda: not self.connections, timeout)

    def listener(self) -> internet.TCPServer | None:
        """The SCCP TCP listener on `telephony-service / ip source-address A port P`.

        None without `ip source-address`: like CME, no phone registers until it is set.
        """
        t = self.config.telephony
        if not t.source_address:
            log.warn("telephony-service has no 'ip source-address': SCCP phones cannot register")
            return None
        # A power cut brings every phone back at once: a deep accept queue keeps their SYNs.
        service = internet.TCPServer(t.port, self.server_factory(), backlog=LISTEN_BACKLOG, interface=t.source_address)
        service.setName("sccp")
        return service


def _buttons(ephone) -> tuple:
    return tuple(sorted((n, b.dn_tag, b.kind, b.overlay) for n, b in ephone.buttons.items()))
