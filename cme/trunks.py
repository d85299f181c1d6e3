"""SIP trunks: the dial-peers, as the call core's way out (actors/switch.py Trunks) and as
the SIP transaction user for trunk calls.

Outbound, the switch asks `route(digits)` while a number is dialled (IOS destination
patterns, conf/destination.py) and `seize(route)` when it is placed: a trunk line and its
SIP leg start (actors/trunk_line.py, actors/trunk_leg.py), the leg hunts through the
route's dial-peers. Inbound, an INVITE that is not a CTI session's (its body is SDP, or
none) is matched to a dial-peer (`incoming called-number`, else a peer whose pattern
matches the caller); its SDP must parse and share a codec (else 488, nothing started); the
leg then rings the DN the Request-URI names. In-dialog requests, ACKs and CANCELs of
trunk dialogs reach their leg through the index kept here; the leg owns the dialog.

Every trunk leg's SIP goes through the server's one UAS/UAC core (the CTI gateway's), on
its UDP socket or on TCP connections made here and reused per peer.
"""
from __future__ import annotations

import ipaddress
import itertools
from dataclasses import dataclass, replace

from actors.events import Endpoint
from actors.status import LineStatus
from actors.switch import TrunkRoute
from actors.trace import TraceLogger
from actors.trunk_leg import Cancelled, PeerTarget, SipRequest, TrunkLegActor
from actors.trunk_line import OutsideParty, start_trunk_line
from conf.destination import inbound_peer, longer_possible, outbound_peers
from sip import sdp
from sip.csta.devices import dial_digits
from sip.dialog import DialogTable
from sip.timers import DEFAULT
from sip.transport import DatagramFlow, SIPStreamProtocol

log = TraceLogger(namespace="cme.trunk")

CSTA_XML = "application/csta+xml"


@dataclass(slots=True)
class LegView:
    """What `show sip-ua calls` and `show call active voice brief` print of one leg."""

    leg_id: int
    direction: str  # "outbound" | "inbound"
    dial_peer: int
    calling: str
    called: str
    peer: str  # host:port
    transport: str
    state: str
    sip_call_id: str
    codec: str
    media: str  # far end's RTP address
    local_media: str
    started: float
    line_call: int = 0  # the trunk line's call id (the call core's leg)


class TrunkGateway:
    def __init__(self, config, switch, core, clock, *, local_host: str, local_port: int, timers=None,
                 resolve=None) -> None:
        """`resolve(name)` -> Deferred of an IPv4 address, for `session target dns:NAME`
        (the reactor's resolver by default)."""
        self.config = config
        self.switch = switch
        self.core = core
        self.clock = clock
        self.local_host, self.local_port = local_host, local_port
        self.timers = timers
        self.udp = None  # the SIP listener's SIPDatagramProtocol (set when it exists)
        self.resolve = resolve
        self.dialogs = DialogTable()  # dialog key -> leg ref
        self.pending: dict[tuple, object] = {}  # inbound INVITE (Call-ID, From tag) -> leg ref
        self.legs: dict[int, object] = {}  # leg id -> leg actor ref (to clear them)
        self.views: dict[int, LegView] = {}  # leg id -> what the CLI prints
        self.lines: dict[int, LineStatus] = {}  # trunk line tag -> its calls, as `show cti call` prints them
        self._leg_ids = itertools.count(1)
        self._line_tags = itertools.count(-1, -1)
        self._streams: dict[tuple, object] = {}  # (host, port) -> SIPStreamProtocol, TCP to peers
        self._resolved: dict[str, str] = {}  # `dns:` target name -> the address it last resolved to
        self.calls_placed = 0
        self.calls_received = 0
        self.leg_flows: dict[int, object] = {}  # leg id -> the flow it uses (idle-close asks)

    # -- the call core's way out (actors/switch.py Trunks) ---------------------------------
    def _peers(self):
        return self.config.dial_peers.values()  # read live: configure terminal may change them

    def route(self, digits: str) -> tuple[TrunkRoute | None, bool]:
        if not self.config.dial_peers:  # no dial-peer (read live): nothing to match, asked every digit
            return None, False
        peers = self._peers()
        found = outbound_peers(peers, digits)
        more = longer_possible(peers, digits)
        if not found:
            return None, more
        return TrunkRoute(digits, tuple(p.tag for p in found)), more

    def seize(self, route: TrunkRoute) -> int | None:
        targets = [t for t in (self._target(tag) for tag in route.peers) if t is not None]
        if not targets:
            return None
        tag = next(self._line_tags)
        self._start_line(OutsideParty(tag, route.number, dial_peer=targets[0].tag))
        leg_id = next(self._leg_ids)
        ref = TrunkLegActor.start(leg_id, tag, self.switch, self, targets=targets, called=route.number,
                                  timers=self._timers())
        self.legs[leg_id] = ref
        self.calls_placed += 1
        return tag

    def attach(self, route: TrunkRoute, line_tag: int):
        """Dial-via-office: a leg to the remote phone that shows DN `line_tag`."""
        targets = [t for t in (self._target(tag) for tag in route.peers) if t is not None]
        if not targets:
            return None
        leg_id = next(self._leg_ids)
        ref = TrunkLegActor.start(leg_id, line_tag, self.switch, self, targets=targets, called=route.number,
                                  timers=self._timers(), remote=True)
        self.legs[leg_id] = ref
        self.calls_placed += 1
        return Endpoint(f"SIP-{leg_id}", ref, 1, can_prompt=True)

    def _start_line(self, party: OutsideParty) -> None:
        status = self.lines[party.tag] = LineStatus(tag=party.tag, number=party.number, name=party.name)
        start_trunk_line(self.switch, party, status)

    def _target(self, tag: int) -> PeerTarget | None:
        peer = self.config.dial_peers.get(tag)
        if peer is None or peer.session_target is None:
            return None
        t = peer.session_target
        return PeerTarget(tag, t.host, t.port or 5060, peer.session_transport,
                          tuple(peer.codecs(self.config.codec_classes)), tuple(peer.dtmf_relay) or ("sip-info",))

    def _timers(self):
        return self.timers or DEFAULT

    # -- what a leg needs of the network ------------------------------------------------------
    def via(self, flow) -> str:
        return f"SIP/2.0/{flow.transport_name} {self.local_host}:{self.local_port}"

    def contact_host(self, flow) -> str:
        suffix = ";transport=tcp" if flow.transport_name == "TCP" else ""
        return f"{self.local_host}:{self.local_port}{suffix}"

    def inbound_codecs(self) -> tuple[str, ...]:
        return ("g711ulaw", "g711alaw")

    def flow(self, target: PeerTarget, ready) -> None:
        """A flow to the peer, now (UDP, or a TCP connection already up) or once connected."""
        host = target.host
        if target.transport != "tcp":
            if self.udp is None:
                ready(None)
                return
            self._resolve(host, lambda address: ready(DatagramFlow(self.udp, (address, target.port)) if address else None))
            return
        stream = self._streams.get((host, target.port))
        if stream is not None and not stream.closing and stream.flow is not None:
            ready(stream.flow)
            return

        def connected(address):
            if address is None:
                ready(None)
                return
            from twisted.internet import reactor
            from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
            proto = SIPStreamProtocol(self.core)
            d = connectProtocol(TCP4ClientEndpoint(reactor, address, target.port, timeout=5), proto)

            def made(p):
                self._streams[(host, target.port)] = p
                ready(p.flow)

            d.addCallbacks(made, lambda failure: ready(None))

        self._resolve(host, connected)

    def _resolve(self, host: str, then) -> None:
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            resolve = self.resolve
            if resolve is None:
                from twisted.internet import reactor
                resolve = reactor.resolve

            def failed(failure):
                log.info("dial-peer target {host} does not resolve: {why}", host=host, why=failure.getErrorMessage())
                then(None)

            def resolved(address):
                if address:
                    self._resolved[host.lower()] = address
                then(address)

            resolve(host).addCallbacks(resolved, failed)
            return
        then(host)

    def flow_busy(self, flow) -> bool:
        """A trunk call's leg still uses this connection (inbound or placed on it)."""
        return any(f is flow for f in self.leg_flows.values())

    def flow_verified(self, flow) -> bool:
        return self.core.verified_flow(flow)

    def send_invite(self, request, flow, on_response):
        """IOS `sip-ua`: `retry invite N` sends it N more times at most; `timers trying MS`
        is the wait before the first retransmission (UDP), doubling after."""
        ua = self.config.sip_ua
        timers = replace(self._timers(), t1=ua.timers_trying / 1000, t2=max(self._timers().t2, ua.timers_trying / 1000))
        return self.core.send_invite(request, flow, on_response, max_sends=ua.retry_invite + 1, timers=timers)

    def cancel(self, tx) -> None:
        if tx is not None:
            self.core.cancel(tx)

    def send_ack(self, request, flow) -> None:
        self.core.send_stateless(request, flow)

    def send(self, request, flow, on_response) -> None:
        self.core.send_request(request, flow, on_response)

    def respond(self, tx, response) -> None:
        if tx is not None and not tx.terminated:
            self.core.respond(tx, response)

    def dialog_up(self, key, ref) -> None:
        try:
            self.dialogs.register(key, ref)
        except ValueError:  # a re-INVITE's 2xx for a dialog already known
            pass

    def leg_status(self, leg) -> None:
        t = leg.target
        peer = f"{t.host}:{t.port}" if t is not None else (f"{leg.flow.peer[0]}:{leg.flow.peer[1]}" if leg.flow else "-")
        far = leg.far
        old = self.views.get(leg.leg_id)
        if leg.flow is not None:
            self.leg_flows[leg.leg_id] = leg.flow
        self.views[leg.leg_id] = LegView(
            leg.leg_id, "inbound" if leg.inbound else "outbound",
            t.tag if t is not None else leg.dial_peer, leg.calling, leg.called, peer,
            leg.flow.transport_name if leg.flow is not None else (t.transport.upper() if t else "-"),
            leg.state, leg.sip_call_id if not leg.inbound else (leg.invite.call_id if leg.invite else ""),
            leg.codec or "-", f"{far.address}:{far.port}" if far is not None else "-",
            f"{leg.media[0]}:{leg.media[1]}" if leg.media else "-",
            old.started if old is not None else self.clock.seconds(), leg.call_id)

    def leg_ended(self, leg) -> None:
        self.legs.pop(leg.leg_id, None)
        self.views.pop(leg.leg_id, None)
        self.leg_flows.pop(leg.leg_id, None)
        if leg.dialog is not None:
            self.dialogs.unregister(leg.dialog.key, leg.actor_ref)
        if leg.invite is not None and leg.inbound:
            self.pending.pop((leg.invite.call_id, leg.invite.from_tag), None)

    def drain(self, timeout: float):
        """The server is going down (its lines cleared their calls, so each trunk leg sent
        BYE or CANCEL): a Deferred firing once every leg has ended, or `timeout` passed."""
        from cme.drain import wait_until

        return wait_until(self.clock, lambda: not any(ref.is_alive() for ref in self.legs.values()), timeout)

    def line_done(self, tag: int) -> None:
        self.lines.pop(tag, None)
        ref = self.switch.directory.get(tag)
        if ref is not None:
            ref.stop(block=False)

    # -- the SIP transaction user's share -------------------------------------------------------
    def takes(self, request) -> bool:
        """Is this request a trunk call's (not a CTI session's)?"""
        if request.to_tag is not None or request.method == "ACK":
            return self.dialogs.find(request) is not None
        if request.method == "CANCEL":
            return (request.call_id, request.from_tag) in self.pending
        if request.method != "INVITE":
            return False
        return not request.body or request.content_type != CSTA_XML

    def on_request(self, request, tx, flow) -> None:
        if request.method == "CANCEL":
            return self._cancel(request, tx)
        if request.to_tag is not None or request.method == "ACK":
            ref = self.dialogs.find(request)
            if ref is not None and ref.is_alive():
                ref.tell(SipRequest(request, tx))
            elif tx is not None:
                self.core.respond(tx, request.response(481))
            return
        self._invite(request, tx, flow)

    def _cancel(self, request, tx) -> None:
        ref = self.pending.pop((request.call_id, request.from_tag), None)
        target = self.core.table.cancel_target(request)
        if target is None:  # §9.2: no transaction to cancel
            self.core.respond(tx, request.response(481))
            return
        self.core.respond(tx, request.response(200))
        if target.last_response is None or target.last_response.status < 200:
            self.core.respond(target, target.request.response(487))
        if ref is not None and ref.is_alive():
            ref.tell(Cancelled())

    def _invite(self, request, tx, flow) -> None:
        def refuse(status: int, reason: str) -> None:
            log.info("trunk INVITE from {peer} refused: {status} {reason}", peer=_peer(flow), status=status, reason=reason)
            self.core.respond(tx, request.response(status, reason))

        if request.max_forwards == 0:  # §16.3: a call we would place onward may go no further
            return refuse(483, "Too Many Hops")
        called = _user(request.uri) or _user(request.to.uri)
        calling = _user(request.from_.uri) if request.from_ is not None else ""
        peer = inbound_peer(self._peers(), called, calling)
        if peer is None and not self.config.dial_peers:
            return refuse(404, "No dial-peer")
        if not request.body:
            return refuse(488, "No SDP offer (delayed offer is not supported)")
        try:
            offer = sdp.parse(request.body)
            sdp.answer(offer, codecs=self.inbound_codecs(), want_telephone_event=False)
        except sdp.NoCommonCodec:
            return refuse(488, "No common codec")
        except sdp.SDPError as e:
            return refuse(488, f"Bad SDP: {e}")
        if self.switch.route(called)[0] is None:
            return refuse(404, f"No number {called}")
        if request.contact_uri is None:
            return refuse(400, "Missing Contact")
        try:
            self.dialogs.ensure_room()
        except Exception:
            return refuse(503, "Too many calls")
        tag = next(self._line_tags)
        name = request.from_.display_name or "" if request.from_ is not None else ""
        self._start_line(OutsideParty(tag, calling or "unknown", name=name, dial_peer=peer.tag if peer is not None else 0))
        leg_id = next(self._leg_ids)
        ref = TrunkLegActor.start(leg_id, tag, self.switch, self, invite=(request, tx, flow), offer=offer,
                                  called=called, timers=self._timers(), dial_peer=peer.tag if peer is not None else 0)
        self.pending[(request.call_id, request.from_tag)] = ref
        self.legs[leg_id] = ref
        self.calls_received += 1
        log.debug("trunk call {leg} from {calling} to {called} via dial-peer {peer}", leg=leg_id,
                 calling=calling, called=called, peer=peer.tag if peer is not None else 0)

    def resolved_targets(self) -> set[str]:
        """The addresses of the `dns:` session targets that still name them (for
        cme/trusted.py: a dial-peer's target is trusted, as on IOS)."""
        names = {p.session_target.host.lower() for p in self._peers() if p.session_target is not None}
        return {address for name, address in self._resolved.items() if name in names}


def _user(uri) -> str:
    try:
        return dial_digits(str(uri))
    except ValueError:
        return getattr(uri, "user", "") or ""


def _peer(flow) -> str:
    peer = getattr(flow, "peer", ("", 0))
    return f"{peer[0]}:{peer[1]}"
