"""Who may speak SIP to the server: IOS's toll-fraud list, `voice service voip / ip
address trusted list`, applied to every request (trunk calls and CTI sessions alike).

Without the list every source is admitted (IOS's behaviour before the list is entered).
With it, a request is admitted only from
- a listed host or network (`ipv4 A [MASK]`),
- a dial-peer's session target: an `ipv4:` host, or the addresses a `dns:` target last
  resolved to (the trunk gateway remembers them),
- the source host of a session manager while it is registered (IOS trusts its
  registered endpoints the same way).
A REGISTER for a configured session-server `register-id` is admitted from anywhere: it is
how a session manager becomes trusted (its digest check is the registrar's business).

Anything else is refused before the core allocates anything (no transaction, no dialog,
no actor): a stateless 403, and an ACK is dropped. One line per source per minute says so.
"""
from __future__ import annotations

import ipaddress

from actors.peer_limits import PeerLog
from actors.trace import TraceLogger

log = TraceLogger(namespace="cme.sip.trusted")


class TrustedSources:
    """The one owner of "is this source trusted". ``managers`` is a
    cme.session_managers.SessionManagers (its ``sources()`` and ``server_for``),
    ``trunks`` a cme.trunks.TrunkGateway or None (its ``resolved_targets()``); both may be
    assigned later, as the application wires them."""

    def __init__(self, config, managers, trunks=None, *, clock=None) -> None:
        self.config = config
        self.managers = managers
        self.trunks = trunks
        self.refused = 0
        self._log = PeerLog(log, clock) if clock is not None else None

    @property
    def enforced(self) -> bool:
        return bool(self.config.voip.trusted_list)

    def allows(self, host: str) -> bool:
        if not self.enforced:
            return True
        try:
            address = ipaddress.IPv4Address(host)
        except ValueError:
            return False
        if any(address in network for network in self.config.voip.trusted):
            return True
        if host in self._targets():
            return True
        return self.managers is not None and host in self.managers.sources()

    def vouches_for(self, host: str) -> bool:
        """For the UDP amplification guard (sip.core.UASCore's ``trusted``): a host we
        answer in full before it has shown it receives our packets -- one the configuration
        names (an explicit `ip address trusted list` entry, a dial-peer target) or a
        registered session manager; never "everyone", as :meth:`allows` says without a list."""
        if host in self._targets() or (self.managers is not None and host in self.managers.sources()):
            return True
        return self.enforced and self.allows(host)

    def _targets(self) -> set[str]:
        hosts = {p.session_target.host for p in self.config.dial_peers.values()
                 if p.session_target is not None}
        if self.trunks is not None:
            hosts |= self.trunks.resolved_targets()
        return hosts

    def admit(self, request, flow):
        """For sip.core.UASCore's ``admit``: None to admit, else the response to send
        statelessly (the core drops an ACK instead: it has no response)."""
        if not self.enforced:
            return None
        host = flow_host(flow)
        if self.allows(host):
            return None
        if request.method == "REGISTER" and self._register_id(request):
            return None
        self.refused += 1
        if self._log is not None:
            self._log.emit(host, "info", "SIP {method} from {host} refused: not in the trusted list",
                           method=request.method, host=host)
        return request.response(403, "Not in the trusted list")

    def _register_id(self, request) -> bool:
        managers = self.managers
        if managers is None:
            return False
        register_id = managers.register_id_of(request)
        return bool(register_id) and managers.server_for(register_id) is not None


def flow_host(flow) -> str:
    """The host a request came from (its flow's peer), "" when it has none."""
    peer = getattr(flow, "peer", None)
    return str(peer[0]) if isinstance(peer, tuple) and peer else ""
