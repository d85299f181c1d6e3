"""A SIP trunk call leg: the endpoint of one trunk line, as a phone is the endpoint of a DN.

A call that leaves through a dial-peer is a call to a *trunk line* (a LineActor with an
outside number, actors/trunk_line.py) whose one endpoint is this actor. The line tells it
protocol-neutral steps (actors/events.py CallStep); it turns them into SIP and SDP and
turns what the far end says back into the messages a phone would send its line:

    line step / call message          SIP
    ringing (outbound)                INVITE with an SDP offer (the caller's media)
    FarAlerting                       <- 180 / 183 (MediaOpened first when 183 has SDP)
    UserAction answer                 <- 200 (after MediaOpened with the answer's media)
    FarRefused busy / reorder / ...   <- 486 / 404, 484 / 488 / 5xx, timeout (after hunting)
    ring_stopped, cleared             CANCEL (early) or BYE
    peer_held, media                  re-INVITE a=sendonly, then sendrecv with the new address
    dtmf                              INFO application/dtmf-relay (dtmf-relay sip-info)
    UserAction offhook, digits        <- INVITE from a trunk peer (inbound)
    ringback, connected + media       180, 200 with the SDP answer
    UserAction hold / resume          <- re-INVITE a=sendonly|inactive / sendrecv
    UserAction digits (connected)     <- INFO application/dtmf-relay (Signal=d)
    UserAction onhook                 <- BYE, CANCEL

The server carries no RTP: the SDP names the phone's address, and the phone is told the
far end's. The phases are fsm/trunk_leg.py's table. What touches the network (flows,
transactions, the dialog index) is the `network` collaborator's (cme/trunks.py); this
actor holds the dialog, so one owner keeps its CSeq, tags and route set.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from actors import calls as c
from actors.events import CallStep, Endpoint, EndpointDown, EndpointUp, FeatureEvent
from actors.runtime import ReactorActor
from fsm.trunk_leg import TRUNK_LEG
from sip import sdp
from sip.dialog import Dialog, OkRetransmission, invite_request
from sip.executor import Executor
from sip.timers import DEFAULT
from sip.transaction import Send

MEDIA_WAIT = 2.0  # s: how long an offer waits for the caller's media address (then inactive)
ANSWER_WAIT = 2.0  # s: how long a 200 waits for the answering phone's media address
NO_MEDIA = ("0.0.0.0", 9)  # an offer/answer before the phone's address is known (a=inactive)

# What a final response means to the caller (cme: 486 busy tone, 404/484 reorder).
REFUSALS = {486: "busy", 600: "busy", 404: "destNotObtainable", 484: "destNotObtainable",
            410: "destNotObtainable", 604: "destNotObtainable", 480: "destNotObtainable",
            488: "incompatibleDestination", 606: "incompatibleDestination", 403: "blocked",
            603: "callNotAnswered"}
# What makes a call hunt to the next dial-peer (IOS: 5xx and no answer; 503 above all).
HUNT = frozenset({408, 500, 502, 503, 504})


# -- messages for the leg --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SipResponse:
    response: object  # sip.message.Response, or None: no final response (Timer B, transport)
    tx: object


@dataclass(frozen=True, slots=True)
class SipRequest:
    request: object  # an in-dialog request (BYE, re-INVITE, INFO, ...) or an ACK (tx None)
    tx: object


@dataclass(frozen=True, slots=True)
class Cancelled:
    """The far end CANCELled its INVITE (the core answered CANCEL and the INVITE, 487)."""


@dataclass(frozen=True, slots=True)
class FlowReady:
    flow: object  # None: no connection to the peer could be made


@dataclass(frozen=True, slots=True)
class LegTimer:
    name: str


@dataclass(slots=True)
class PeerTarget:
    """One dial-peer to try, as the network collaborator resolved it."""

    tag: int
    host: str
    port: int
    transport: str  # "udp" | "tcp"
    codecs: tuple[str, ...]
    dtmf_relay: tuple[str, ...]


class TrunkLegActor(ReactorActor):
    namespace = "cme.trunk"

    def __init__(self, leg_id: int, line_tag: int, switch, network, *, targets=(), invite=None,
                 offer: sdp.Media | None = None, called: str = "", timers=DEFAULT, dial_peer: int = 0,
                 remote: bool = False) -> None:
        """`remote`: dial-via-office; the leg stands in for a DN's phone (it shows line
        `line_tag` and is prompted for one call) instead of being a trunk line's network."""
        super().__init__()
        self.leg_id, self.line_tag, self.switch, self.network = leg_id, line_tag, switch, network
        self.device = f"SIP-{leg_id}"  # how the line knows this endpoint
        self.targets = list(targets)  # outbound: the dial-peers still to hunt through
        self.target: PeerTarget | None = None
        self.dial_peer = dial_peer  # inbound: the peer the INVITE matched
        self.timers = timers
        TRUNK_LEG.start(self)
        self.call_id = 0  # the trunk line's connection
        self.calling = self.calling_name = ""
        self.called = called  # the number the INVITE goes to (outbound: until the line says)
        self.flow = None
        self.invite = None  # our INVITE (outbound) or theirs (inbound)
        self.invite_tx = None
        self.dialog: Dialog | None = None
        self.local_tag = secrets.token_hex(6)
        self.sip_call_id = f"{secrets.token_hex(10)}@{network.local_host}"
        self.far: sdp.Media | None = offer  # what the far end last described
        self.media: tuple[str, int] | None = None  # where our phone receives (what we offer)
        self.codec = ""  # the codec agreed with the far end
        self.telephone_event: int | None = None
        self.sdp_version = 0
        self.alerted = False
        self.held = False  # we put the far end on hold (a=sendonly)
        self.status = ""  # final SIP status that ended the call, for the CLI
        self.timer = None
        self.ok: OkRetransmission | None = None
        self.quiet = False  # end without BYE (no ACK from an unverified UDP source)
        self.executor = Executor(switch.clock, on_timer=lambda owner, name: self._mail(LegTimer(name)),
                                 on_timeout=lambda owner, timer, flow: self._mail(LegTimer("no_ack")))
        self.inbound = invite is not None
        self.remote = remote
        if invite is not None:
            self.invite, self.invite_tx, self.flow = invite
            if offer is not None:  # the gateway checked that it shares a codec with us
                self.codec, _ = sdp.answer(offer, codecs=network.inbound_codecs(), want_telephone_event=False)
        switch.tell_line(line_tag, EndpointUp(self.endpoint()))
        if self.inbound:
            TRUNK_LEG.fire(self, "invite_in")
            self.network.respond(self.invite_tx, self.invite.response(100))
            self._tell_line(c.UserAction(self.device, "offhook"))

    def endpoint(self) -> Endpoint:
        return Endpoint(self.device, self.actor_ref, 1, can_prompt=self.remote, network=not self.remote)

    @property
    def trace_id(self) -> str:
        return str(self.leg_id)

    def _mail(self, message) -> None:
        if self.actor_ref.is_alive():
            self.actor_ref.tell(message)

    def _tell_line(self, message) -> None:
        self.switch.tell_line(self.line_tag, message)

    def _arm(self, seconds: float, name: str) -> None:
        self._disarm()
        self.timer = self.switch.clock.callLater(seconds, self._mail, LegTimer(name))

    def _disarm(self) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None

    # -- dispatch ----------------------------------------------------------------------------
    def on_receive(self, message):
        if isinstance(message, CallStep):
            self._step(message)
        elif type(message) in _HANDLERS:
            _HANDLERS[type(message)](self, message)
        elif not isinstance(message, FeatureEvent):  # a trunk shows no lamps
            return super().on_receive(message)
        if self.state != "ended":
            self.network.leg_status(self)  # what the CLI prints, written, never read here

    def on_stop(self) -> None:
        self._disarm()
        if self.ok is not None:
            self.executor.cancel(self.ok)
        self.network.leg_ended(self)

    def _end(self) -> None:
        """The leg is over: the line forgets its endpoint, the trunk line ends with it."""
        if self.state != "ended":
            TRUNK_LEG.fire(self, "done")
        self._disarm()
        self._tell_line(EndpointDown(self.device, "trunk call ended"))
        if not self.remote:  # a DN's line outlives the remote leg that stood in for its phone
            self.network.line_done(self.line_tag)
        self.stop()

    # -- what the line says ---------------------------------------------------------------------
    def _step(self, s: CallStep) -> None:
        if self.call_id and s.call_id != self.call_id:
            return  # a remote leg shows a DN with other calls: only its own is its business
        if s.call_id and not self.call_id:
            self.call_id = s.call_id
            self.calling, self.calling_name = s.calling, s.calling_name
            if not self.remote:  # a remote leg calls the remote phone, not the call's destination
                self.called = s.called or self.called
        handler = _STEPS.get(s.step)
        if handler is not None:
            handler(self, s)

    def _ringing(self, s: CallStep) -> None:  # outbound: the call is offered to the network
        if self.inbound or self.state != "idle":
            return
        TRUNK_LEG.fire(self, "offered_out")
        if self.remote:  # the destination is not called yet: offer inactive, re-INVITE on its media
            self._next_target()
        elif s.media is not None:
            self.media = s.media
            self._next_target()
        else:
            self._arm(MEDIA_WAIT, "media_wait")

    def _media(self, s: CallStep) -> None:
        if s.media is None:
            return
        changed = s.media != self.media
        self.media = s.media
        if self.state == "waiting" and self.target is None:
            self._disarm()
            self._next_target()
        elif self.state == "answering":
            self._accept()
        elif self.state == "confirmed" and (changed or self.held):
            self.held = False
            self._reinvite("sendrecv")

    def _far_media(self, call_id: int, address: str, port: int, codec: str) -> None:
        """Tell the line where the far end receives, in what, and how it takes DTMF."""
        self._tell_line(c.MediaOpened(self.device, call_id, address, port, codec, self._dtmf_payload()))

    def _dtmf_payload(self) -> int:
        """The RFC 4733 payload type the phone should send keypad digits with: outbound
        calls through an `rtp-nte` dial-peer whose far end agreed to telephone-event."""
        if self.target is not None and "rtp-nte" in self.target.dtmf_relay and self.telephone_event:
            return self.telephone_event
        return 0

    def _peer_held(self, s: CallStep) -> None:
        if self.state == "confirmed" and not self.held:
            self.held = True
            self._reinvite("sendonly")

    def _peer_replaced(self, s: CallStep) -> None:
        """A transfer gave the far end a new party here: it must learn the far media again."""
        if self.far is not None and self.far.port:
            self._far_media(self.call_id, self.far.address, self.far.port, self.codec)

    def _dtmf(self, s: CallStep) -> None:
        if self.state != "confirmed" or self.dialog is None:
            return
        relay = self.target.dtmf_relay if self.target else ("sip-info",)
        if "sip-info" not in relay and self.telephone_event is not None:
            return  # rtp-nte: the phone sends RFC 4733 events in its own RTP stream
        for digit in s.digits:
            body = f"Signal={digit}\r\nDuration=160\r\n".encode()
            request = self.dialog.request("INFO", body, "application/dtmf-relay")
            self.network.send(request, self.flow, None)

    def _dialtone(self, s: CallStep) -> None:  # inbound: the trunk line is off-hook; dial the DN
        if not self.inbound:
            return
        if self.far is not None and self.far.port:
            self._far_media(s.call_id, self.far.address, self.far.port, self.codec)
        self._tell_line(c.UserAction(self.device, "digits", s.call_id, digits=self.called + "#"))

    def _ringback(self, s: CallStep) -> None:
        if self.inbound and self.state == "offered":
            TRUNK_LEG.fire(self, "ring")
            self.network.respond(self.invite_tx, self._dialog().response(self.invite, 180))

    def _connected(self, s: CallStep) -> None:
        if self.inbound and TRUNK_LEG.try_fire(self, "answer"):
            if self.media is not None:
                self._accept()
            else:
                self._arm(ANSWER_WAIT, "answer_wait")

    def _failed(self, s: CallStep) -> None:
        if self.inbound and self.state in ("offered", "ringing"):
            self._tell_line(c.UserAction(self.device, "onhook", s.call_id))
            self._refuse(486 if s.busy else 404)

    def _gone(self, s: CallStep) -> None:
        """The call is gone at the trunk line: end the SIP side as its phase allows."""
        state = self.state
        if state in ("ended", "ending"):
            return
        if state == "idle":
            self._end()
        elif state == "waiting":
            self._disarm()
            self._end()
        elif state in ("calling", "early"):
            TRUNK_LEG.fire(self, "hang_up")
            self.network.cancel(self.invite_tx)  # the core waits for a provisional (§9.1)
            self._arm(64 * self.timers.t1, "give_up")
        elif state in ("offered", "ringing", "answering"):
            self._refuse(480 if state != "answering" else 487)
        elif state == "confirmed" and self.quiet:
            self._end()  # no ACK from an unverified source: nothing more goes to it
        elif state == "confirmed":
            TRUNK_LEG.fire(self, "hang_up")
            self.network.send(self._dialog().request("BYE"), self.flow, lambda r: self._mail(LegTimer("bye_done")))
            self._arm(64 * self.timers.t1, "give_up")

    # -- outbound ------------------------------------------------------------------------------
    def _next_target(self) -> None:
        if not self.targets:
            self._refused(self.status and REFUSALS.get(int(self.status), "networkOutOfOrder") or "networkOutOfOrder")
            return
        self.target = self.targets.pop(0)
        self.network.flow(self.target, lambda flow: self._mail(FlowReady(flow)))

    def _flow_ready(self, m: FlowReady) -> None:
        if self.state != "waiting":
            return
        if m.flow is None:
            self.log.info("dial-peer {tag}: no connection to {host}:{port}", tag=self.target.tag,
                          host=self.target.host, port=self.target.port)
            self.status = "503"
            self.target = None
            self._next_target()
            return
        self.flow = m.flow
        t = self.target
        net = self.network
        body = self._sdp("sendrecv" if self.media else "inactive", offer=True)
        user = self.called
        self.invite = invite_request(
            request_uri=f"sip:{user}@{t.host}:{t.port}" + (";transport=tcp" if t.transport == "tcp" else ""),
            from_address=_address(self.calling_name, f"sip:{self.calling}@{net.local_host}"),
            to_address=f"<sip:{user}@{t.host}>", local_tag=self.local_tag, call_id=self.sip_call_id,
            via=net.via(m.flow), contact=f"<sip:{self.calling}@{net.contact_host(m.flow)}>", body=body)
        TRUNK_LEG.fire(self, "invite")
        self.invite_tx = net.send_invite(self.invite, m.flow, lambda r, tx=None: self._mail(SipResponse(r, tx)))
        self.log.debug("call {call} to {number} through dial-peer {tag} ({host}:{port})", call=self.call_id,
                      number=user, tag=t.tag, host=t.host, port=t.port)

    def _response(self, m: SipResponse) -> None:
        r = m.response
        if self.invite is not None and r is not None and r.cseq is not None and r.cseq.method != "INVITE":
            return
        if r is not None and self.dialog is not None and (r.cseq.number if r.cseq else 0) != self.invite.cseq.number:
            return self._reinvite_response(r)
        if r is None:  # Timer B or the transport: no final answer
            if self.state in ("calling", "early"):
                self.status = "408"
                self._hunt()
            elif self.state == "ending":
                self._end()
            return
        status = r.status
        if status < 200:
            if status == 100 or self.state not in ("calling", "early"):
                return
            TRUNK_LEG.fire(self, "provisional")
            self._take_sdp(r)
            if not self.alerted:
                self.alerted = True
                self._tell_line(c.FarAlerting(self.device, self.call_id))
            return
        if status < 300:
            return self._answered(r)
        self.status = str(status)
        if self.state == "ending":  # 487 to our CANCEL, or any final after it
            self._end()
        elif status in HUNT and not self.alerted:
            self._hunt()
        elif self.state in ("calling", "early"):
            self._refused(REFUSALS.get(status, "networkOutOfOrder" if status >= 500 else "destNotObtainable"))

    def _answered(self, r) -> None:
        first = self.dialog is None
        if first:
            try:
                self.dialog = Dialog.from_response(self.invite, r, via_factory=lambda: self.network.via(self.flow),
                                                   local_contact=f"sip:{self.calling}@{self.network.contact_host(self.flow)}")
            except ValueError as e:
                self.log.warn("2xx without a usable dialog ({error}): call {call} cleared", error=str(e), call=self.call_id)
                return self._refused("networkOutOfOrder")
            self.network.dialog_up(self.dialog.key, self.actor_ref)
        self.network.send_ack(self.dialog.ack(self.invite.cseq.number), self.flow)
        if not first:
            return  # a retransmitted 2xx: the ACK again
        if self.state == "ending":  # we gave up while the 2xx was on its way: ACK, then BYE
            TRUNK_LEG.fire(self, "late_answer")
            return self._gone(None)
        TRUNK_LEG.fire(self, "answered")
        self.status = str(r.status)
        if self.remote:  # the line takes our media once the answer made us the call's endpoint
            self._tell_line(c.UserAction(self.device, "answer", self.call_id))
            self._take_sdp(r)
            return
        self._take_sdp(r)
        self._tell_line(c.UserAction(self.device, "answer", self.call_id))

    def _take_sdp(self, message) -> None:
        """Learn the far end's media from a 183/200 (or an inbound re-INVITE)."""
        if not message.body or message.content_type != "application/sdp":
            return
        try:
            media = sdp.parse(message.body)
        except sdp.SDPError as e:
            self.log.info("call {call}: unusable SDP from the far end ({error})", call=self.call_id, error=str(e))
            return
        allowed = self.target.codecs if self.target else ("g711ulaw", "g711alaw")
        codec = next((x for x in media.codecs if x in allowed), "")
        if not codec:
            self.log.info("call {call}: the far end answered with no codec we offered", call=self.call_id)
            return
        self.far, self.codec = media, codec
        self.telephone_event = media.telephone_event
        if media.port and media.address != "0.0.0.0":
            self._far_media(self.call_id, media.address, media.port, codec)

    def _hunt(self) -> None:
        if self.state in ("calling", "early"):
            TRUNK_LEG.fire(self, "hunt")
        self.target = None
        self.invite_tx = None
        self.local_tag = secrets.token_hex(6)  # a new call to the next peer (new Call-ID too)
        self.sip_call_id = f"{secrets.token_hex(10)}@{self.network.local_host}"
        self._next_target()

    def _refused(self, cause: str) -> None:
        if self.state in ("waiting", "calling", "early"):
            TRUNK_LEG.fire(self, "refused")
        self._tell_line(c.FarRefused(self.device, self.call_id, cause))
        self._end()

    def _reinvite(self, direction: str) -> None:
        if self.dialog is None:
            return
        TRUNK_LEG.fire(self, "reinvite")
        request = self.dialog.request("INVITE", self._sdp(direction, offer=True), "application/sdp")
        self.network.send_invite(request, self.flow, lambda r, tx=None: self._mail(SipResponse(r, tx)))

    def _reinvite_response(self, r) -> None:
        if 200 <= r.status < 300 and self.dialog is not None:
            self.network.send_ack(self.dialog.ack(r.cseq.number), self.flow)
            self._take_sdp(r)

    # -- inbound -------------------------------------------------------------------------------
    def _dialog(self) -> Dialog:
        if self.dialog is None:
            net = self.network
            self.dialog = Dialog.from_invite(self.invite, local_tag=self.local_tag,
                                             local_contact=f"sip:{self.called}@{net.contact_host(self.flow)}",
                                             via_factory=lambda: net.via(self.flow))
            net.dialog_up(self.dialog.key, self.actor_ref)
        return self.dialog

    def _accept(self) -> None:
        """200 to the INVITE, with the answering phone's media (retransmitted until ACK)."""
        self._disarm()
        dialog = self._dialog()
        TRUNK_LEG.fire(self, "accepted")
        ok = dialog.invite_ok(self.invite, body=self._sdp("sendrecv" if self.media else "inactive", offer=False),
                              content_type="application/sdp")
        self.network.respond(self.invite_tx, ok)
        if not self.flow.reliable:
            verified = getattr(self.network, "flow_verified", None)  # no amplification
            self.ok = OkRetransmission(ok, self.timers,
                                       verified=verified(self.flow) if verified is not None else True)
            # the transaction sent it once; the retransmissions and the ACK wait are ours
            self.executor.run(self.ok, [e for e in self.ok.start() if not isinstance(e, Send)], self.flow)

    def _refuse(self, status: int) -> None:
        self._disarm()
        self.status = str(status)
        self.network.respond(self.invite_tx, self._dialog().response(self.invite, status))
        TRUNK_LEG.try_fire(self, "refused")
        self._end()

    def _request(self, m: SipRequest) -> None:
        request, tx = m.request, m.tx
        dialog = self._dialog() if self.inbound else self.dialog
        if dialog is None:
            return
        answer = dialog.accept_request(request)
        if request.method == "ACK":
            if self.ok is not None:
                self.executor.run(self.ok, self.ok.ack(), self.flow)
            return
        if answer is not None:
            self.network.respond(tx, answer)
            return
        method = request.method
        if method == "BYE":
            self.network.respond(tx, dialog.response(request, 200))
            TRUNK_LEG.try_fire(self, "far_bye")
            self._tell_line(c.UserAction(self.device, "onhook", self.call_id))
            self._end()
        elif method == "INVITE":
            self._far_reinvite(request, tx, dialog)
        elif method == "INFO":
            self.network.respond(tx, dialog.response(request, 200))
            digit = _dtmf_signal(request)
            if digit and self.state == "confirmed":  # the far keypad: for our user (line_dtmf)
                self._tell_line(c.UserAction(self.device, "digits", self.call_id, digits=digit))
        else:
            self.network.respond(tx, dialog.response(request, 501))

    def _far_reinvite(self, request, tx, dialog) -> None:
        if self.state != "confirmed":
            self.network.respond(tx, dialog.response(request, 491))
            return
        if request.body:
            try:
                offer = sdp.parse(request.body)
                sdp.answer(offer, codecs=(self.codec,) if self.codec else ("g711ulaw", "g711alaw"),
                           want_telephone_event=False)
            except sdp.SDPError:
                self.network.respond(tx, dialog.response(request, 488))
                return
            was_held = self.far is not None and self.far.direction in ("sendonly", "inactive")
            self.far = offer
            held = offer.direction in ("sendonly", "inactive") or offer.address == "0.0.0.0"
            if held and not was_held:
                self._tell_line(c.UserAction(self.device, "hold", self.call_id))
            elif not held:
                if was_held:  # retrieve first: a held peer takes no media (line_calls.start_media)
                    self._tell_line(c.UserAction(self.device, "resume", self.call_id))
                self._far_media(self.call_id, offer.address, offer.port, self.codec)
        direction = sdp.reverse(self.far.direction) if self.far is not None else "sendrecv"
        ok = dialog.invite_ok(request, body=self._sdp(direction, offer=False), content_type="application/sdp")
        self.network.respond(tx, ok)

    def _cancelled(self, m: Cancelled) -> None:
        TRUNK_LEG.try_fire(self, "refused")
        self.status = "487"
        self._tell_line(c.UserAction(self.device, "onhook", self.call_id))
        self._end()

    # -- SDP -------------------------------------------------------------------------------------
    def _sdp(self, direction: str, *, offer: bool) -> bytes:
        self.sdp_version += 1
        address, port = self.media or NO_MEDIA
        if offer:
            codecs = self.target.codecs if self.target else ("g711ulaw",)
            nte = 101 if self.target and "rtp-nte" in self.target.dtmf_relay else None
        else:
            allowed = self.network.inbound_codecs()
            codec, nte = sdp.answer(self.far, codecs=allowed, want_telephone_event=True) if self.far else ("g711ulaw", None)
            self.codec, self.telephone_event = codec, nte
            codecs = (codec,)
        if self.media is None:
            direction = "inactive"
        return sdp.build(address=address, port=port, codecs=codecs, telephone_event=nte, direction=direction,
                         session_id=self.leg_id, version=self.sdp_version)

    # -- timers -------------------------------------------------------------------------------------
    def _timer(self, m: LegTimer) -> None:
        name = m.name
        if name == "media_wait" and self.state == "waiting" and self.target is None:
            self._next_target()  # no media address came: offer inactive, re-INVITE later
        elif name == "answer_wait" and self.state == "answering":
            self._accept()
        elif name in ("bye_done", "give_up") and self.state == "ending":
            self._end()
        elif name == "no_ack" and self.state == "confirmed":
            if self.ok is not None and not self.ok.verified:
                # the source never showed it receives what we send: no BYE to it (issue 13)
                self.log.info("call {call}: no ACK for our 2xx in 64*T1 from an unverified source, "
                              "cleared without BYE", call=self.call_id)
                self.quiet = True
            else:
                self.log.info("call {call}: no ACK for our 2xx in 64*T1, cleared with BYE", call=self.call_id)
            self._tell_line(c.UserAction(self.device, "onhook", self.call_id))  # the line clears; BYE on "cleared"
        elif name in ("2xx", "ack") and self.ok is not None:
            self.executor.run(self.ok, self.ok.timer_fired(name), self.flow)


def _dtmf_signal(request) -> str:
    """The digit of an INFO `application/dtmf-relay` body (`Signal=5`), else ""."""
    if request.content_type != "application/dtmf-relay" or not request.body:
        return ""
    for line in request.body.decode("ascii", "replace").splitlines():
        name, _, value = line.partition("=")
        value = value.strip().upper()
        if name.strip().lower() == "signal" and len(value) == 1 and value in "0123456789*#ABCD":
            return value
    return ""


def _address(name: str, uri: str) -> str:
    if name:
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{uri}>'
    return f"<{uri}>"


_STEPS = {
    "ringing": TrunkLegActor._ringing,
    "media": TrunkLegActor._media,
    "peer_held": TrunkLegActor._peer_held,
    "peer_replaced": TrunkLegActor._peer_replaced,
    "dtmf": TrunkLegActor._dtmf,
    "dialtone": TrunkLegActor._dialtone,
    "ringback": TrunkLegActor._ringback,
    "connected": TrunkLegActor._connected,
    "failed": TrunkLegActor._failed,
    "cleared": TrunkLegActor._gone,
    "ring_stopped": TrunkLegActor._gone,
    "forgotten": TrunkLegActor._gone,
}

_HANDLERS = {
    SipResponse: TrunkLegActor._response,
    SipRequest: TrunkLegActor._request,
    Cancelled: TrunkLegActor._cancelled,
    FlowReady: TrunkLegActor._flow_ready,
    LegTimer: TrunkLegActor._timer,
}
