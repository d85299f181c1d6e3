"""Session managers: `voice register session-server 1-8` and their REGISTER heartbeat.

An application identifies itself by its `register-id` (the user part of the REGISTER's To
address). Its registration lasts `keepalive` seconds (Expires asked for, clamped to the
session server's keepalive and to `voice service voip / sip / registrar server expires
max`; below `expires min` it gets 423 with Min-Expires), is refreshed by re-REGISTER and
lapses when not. While it is registered and `cti-aware`, the CTI sessions it opens (INVITE
From user = register-id) belong to it; when the registration lapses or is removed
(Expires: 0) those sessions end. Unknown register-ids get 404, a session manager that is
not `cti-aware` may register but not open CTI sessions (403 on its INVITE).

A session server whose register-id is an `xml user` NAME has credentials
(cme.authentication): its REGISTERs and INVITEs are challenged (401) until they carry
valid digest credentials.
"""
from __future__ import annotations

from dataclasses import dataclass

from actors.peer_limits import PeerLog
from actors.trace import TraceLogger
from cme.authentication import DigestGuard
from sip.digest import OFFERED
from sip.csta.devices import dial_digits

log = TraceLogger(namespace="cme.cti.session-manager")


@dataclass(slots=True)
class Registration:
    register_id: str
    contact: str
    expires_at: float
    timer: object = None
    source: str = ""  # the host it registered from: trusted while it stays registered


class SessionManagers:
    def __init__(self, config, clock, on_expired) -> None:
        self.config = config
        self.clock = clock
        self.on_expired = on_expired  # called with the register-id whose sessions must end
        self.registrations: dict[str, Registration] = {}
        self.guard = DigestGuard(config, clock)
        self.refusals = PeerLog(log, clock)  # one line a minute per source, however many it sends

    def server_for(self, register_id: str):
        for server in self.config.session_servers.values():
            if server.register_id and server.register_id.lower() == register_id.lower():
                return server
        return None

    @staticmethod
    def register_id_of(request) -> str:
        uri = request.to.uri
        user = getattr(uri, "user", None)
        if user:
            return user
        try:
            return dial_digits(str(uri))
        except ValueError:
            return ""

    def authenticate(self, request, flow, user: str):
        """None when the request of ``user`` (a register-id) may proceed; else its 401."""
        server = self.server_for(user) if user else None
        return self._check(request, flow, server) if server is not None else None

    def _check(self, request, flow, server):
        algorithms = (server.digest_algorithm.upper(),) if server.digest_algorithm else OFFERED
        return self.guard.check(request, flow, server.register_id, algorithms)

    def register(self, request, flow=None):
        """The response to a REGISTER (a sip.message.Response) that came on ``flow``; the
        flow's host is where the manager speaks from (see sources())."""
        register_id = self.register_id_of(request)
        server = self.server_for(register_id) if register_id else None
        if server is None:
            peer = getattr(flow, "peer", None) or ("?", 0)
            self.refusals.emit(peer[0], "info", "REGISTER for unknown register-id {id!r} from {host} refused",
                               id=register_id, host=peer[0])
            return request.response(404, "Unknown register-id")
        challenge = self._check(request, flow, server)
        if challenge is not None:
            return challenge
        voip = self.config.voip
        asked = request.expires
        contact = request.contact
        if contact is not None and contact.params.get("expires") is not None:
            try:
                asked = int(contact.params.get("expires"))
            except ValueError:
                return request.response(400, "Bad expires parameter")
        if asked is None:
            asked = server.keepalive
        if asked == 0 or request.is_star_contact:
            self._drop(server.register_id, "unregistered")
            return request.response(200)
        if asked < voip.registrar_expires_min:
            return request.response(423, headers=[("Min-Expires", str(voip.registrar_expires_min))])
        granted = min(asked, server.keepalive, voip.registrar_expires_max)
        existing = self.registrations.get(server.register_id)
        if existing is not None and existing.timer is not None and existing.timer.active():
            existing.timer.cancel()
        reg = Registration(server.register_id, str(contact.uri) if contact else "", self.clock.seconds() + granted,
                           source=(getattr(flow, "peer", None) or ("", 0))[0])
        reg.timer = self.clock.callLater(granted, self._lapse, server.register_id, reg)
        self.registrations[server.register_id] = reg
        if existing is None:
            log.info("session manager {id} registered for {seconds} s", id=server.register_id, seconds=granted)
        headers = [("Expires", str(granted))]
        if contact is not None:
            headers.append(("Contact", f"<{contact.uri}>;expires={granted}"))
        return request.response(200, headers=headers)

    def sources(self) -> frozenset:
        """The hosts registered session managers speak from (`ip address trusted list`
        trusts them, as IOS trusts its registered endpoints)."""
        return frozenset(r.source for r in self.registrations.values() if r.source)

    def may_open_session(self, user: str) -> bool | None:
        """None: not a session manager (anyone may open a session, as MOC does); True:
        a registered cti-aware session manager; False: one that may not."""
        server = self.server_for(user) if user else None
        if server is None:
            return None
        return bool(server.cti_aware) and server.register_id in self.registrations

    def _lapse(self, register_id: str, reg: Registration) -> None:
        if self.registrations.get(register_id) is reg:
            reg.timer = None
            self._drop(register_id, "registration expired")

    def _drop(self, register_id: str, why: str) -> None:
        reg = self.registrations.pop(register_id, None)
        if reg is None:
            return
        if reg.timer is not None and reg.timer.active():
            reg.timer.cancel()
        log.info("session manager {id}: {why}; its CTI sessions end", id=register_id, why=why)
        self.on_expired(register_id)
