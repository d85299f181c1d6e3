"""Digest authentication of session managers (issue 13): who must prove who they are.

A `voice register session-server` whose `register-id` is also the NAME of a
`telephony-service / xml user NAME password PW N` *has credentials*: its REGISTERs and
the INVITEs it opens CTI sessions with (From user = register-id) must carry an
``Authorization`` that :mod:`sip.digest` verifies with PW, else they are answered 401 with
a SHA-256 and an MD5 challenge. Session servers without credentials, and applications that
are not session managers, are not asked (as before).

Nonces are bound to the realm and the request's source host and live
:data:`sip.digest.NONCE_LIFETIME` seconds; an old one earns a ``stale=true`` challenge.
`digest algorithm md5|sha-256` under the session server offers (and takes) that one only:
for clients such as sipp 3.6 that answer the first challenge and know MD5 alone.
A failure is answered exactly like a missing ``Authorization`` (nothing tells the peer
whether the user or the password was wrong) and logged, at most once a minute per source.
"""
from __future__ import annotations

import os

from actors.peer_limits import PeerLog
from actors.trace import TraceLogger
from cme.trusted import flow_host
from sip import digest

log = TraceLogger(namespace="cme.cti.auth")


class DigestGuard:
    def __init__(self, config, clock, *, secret: bytes | None = None) -> None:
        self.config = config
        self.nonces = digest.Nonces(clock, secret=secret if secret is not None else os.urandom(32))
        self.opaque = os.urandom(8).hex()
        self.failures = PeerLog(log, clock)

    @property
    def realm(self) -> str:
        return self.config.hostname or "cme"

    def password_for(self, register_id: str) -> str | None:
        """The xml user password of a register-id (None: it has no credentials)."""
        for name, user in self.config.telephony.xml_users.items():
            if name.lower() == register_id.lower():
                return user.password
        return None

    def check(self, request, flow, register_id: str, algorithms=digest.OFFERED):
        """None when ``request`` may proceed; else the 401 to answer it with, offering
        ``algorithms`` (and taking only those, or their -sess variants)."""
        password = self.password_for(register_id) if register_id else None
        if password is None:
            return None
        host = flow_host(flow)
        binding = f"{self.realm}:{host}"
        stale = False
        values = request.headers.get_all("Authorization")
        for value in values:
            try:
                creds = digest.parse_credentials(value)
            except ValueError as e:
                self._failed(host, register_id, request, f"unreadable credentials ({e})")
                continue
            if creds.realm != self.realm:
                continue  # meant for someone else: look at the next one, else challenge
            if creds.algorithm.removesuffix("-SESS") not in algorithms:
                self._failed(host, register_id, request, f"algorithm {creds.algorithm} not offered")
                continue
            state = self.nonces.check(creds.nonce, binding)
            if state == digest.Nonces.BAD:
                continue  # not our nonce (or one from before a restart): challenge afresh
            if creds.uri != str(request.uri):
                self._failed(host, register_id, request, f"digest uri {creds.uri!r} is not the request's")
                continue
            if creds.username.lower() != register_id.lower():
                self._failed(host, register_id, request, f"user {creds.username!r} is not the register-id")
                continue
            if not digest.verify(creds, password, request.method):
                self._failed(host, register_id, request, "wrong password")
                continue
            if state == digest.Nonces.STALE:
                stale = True  # the right password on an old nonce: ask again, quietly
                continue
            return None
        if not values:
            log.debug("{method} for {id} from {host} challenged", method=request.method,
                      id=register_id, host=host)
        challenges = digest.challenges(self.realm, self.nonces.make(binding), self.opaque, stale=stale,
                                       algorithms=algorithms)
        return request.response(401, headers=[("WWW-Authenticate", c) for c in challenges])

    def _failed(self, host: str, register_id: str, request, why: str) -> None:
        self.failures.emit(host, "warn", "digest authentication of {method} for {id} from {host} failed: {why}",
                           method=request.method, id=register_id, host=host, why=why)
