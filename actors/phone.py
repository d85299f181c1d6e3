"""One actor per configured SCCP phone (ephone), keyed by its device name `SEP…`.

It owns the phone's registration (fsm/registration.py) and its current connection. The
SCCP protocol only frames and decodes; every decoded message arrives here as `Received`,
and everything the phone is told leaves through `link.send`. The registration sequence is
sccp.md's "Sequences seen from a real CallManager": RegisterAck and CapabilitiesReq, then
an answer to every request the phone makes, so that a real 7960 never sits at "Waiting
for Requesting Feature Key Status".

Keepalive rule: a phone is unregistered when nothing at all has been heard from it for
more than two keepalive intervals (60 s at the default 30 s); any message counts as a sign
of life, not only KeepAlive.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterable, Protocol

from actors import calls as c
from actors.events import CallStep, Endpoint, EndpointDown, EndpointUp, FeatureEvent
from actors.phone_user import PhoneUser
from actors.phone_view import can_prompt
from actors.runtime import ReactorActor
from fsm.registration import REGISTRATION
from sccp import softkeys
from sccp.buttons import line_buttons, template_message
from sccp.callcontrol import DisplayPromptStatusMessage, SelectSoftKeysMessage
from sccp.device import (
    ButtonTemplateReqMessage,
    ConfigStatReqMessage,
    ConfigStatResMessage,
    DefineTimeDateMessage,
    FeatureStatReqMessage,
    FeatureStatResMessage,
    ForwardStatReqMessage,
    ForwardStatResMessage,
    LineStatReqMessage,
    LineStatResMessage,
    SoftKeySetReqMessage,
    SoftKeyTemplateReqMessage,
    SpeedDialStatReqMessage,
    SpeedDialStatResMessage,
    TimeDateReqMessage,
    VersionReqMessage,
    VersionResMessage,
)
from sccp.callcontrol import (EnblocCallMessage, KeypadButtonMessage, OffHookMessage,
                              OnHookMessage, SoftKeyEventMessage, StimulusMessage)
from sccp.enums import ResetType, SoftKeySetIndex
from sccp.media import OpenReceiveChannelAckMessage
from sccp.registration import (
    AlarmMessage,
    CapabilitiesReqMessage,
    CapabilitiesResMessage,
    KeepAliveAckMessage,
    KeepAliveMessage,
    RegisterAckMessage,
    RegisterAvailableLinesMessage,
    RegisterMessage,
    RegisterRejectMessage,
    ResetMessage,
    UnregisterAckMessage,
    UnregisterMessage,
)

MAX_PROTOCOL_VERSION = 0x10  # the codec speaks the basic layouts only (sccp.md)
KEEPALIVE_ACKS_PER_SECOND = 1  # a KeepAlive flood gets one answer a second, not one each


class PhoneLink(Protocol):
    """What a phone actor needs of its connection (sccp.server provides it)."""

    peer: str

    def send(self, message: Any) -> None: ...

    def send_all(self, messages: Iterable[Any]) -> None:
        """The messages in order, as `send` of each would (one write)."""

    def send_frames(self, data: bytes) -> None:
        """Frames already encoded (sccp.framing), in one write: `send_all` of the
        messages they encode would send the same bytes."""


    def close(self, reason: str) -> None: ...


@c.message
class Received:
    link: PhoneLink
    message: Any


@c.message
class ReceivedMany:
    """Several messages that arrived in one read, for the phone in their order: one actor
    message instead of one each (a phone's messages often come two or three to a
    segment). Handled as a Received of each would be, back to back."""

    link: PhoneLink
    messages: tuple


@c.message
class LinkLost:
    link: PhoneLink
    reason: str


@dataclass(frozen=True, slots=True)
class Restart:
    """Make the phone restart and register again (its buttons changed: EM log-in/out)."""

    reason: str


@dataclass(frozen=True, slots=True)
class CheckAlive:
    """The keepalive watchdog's tick, sent by the actor's own timer."""


class PhoneActor(ReactorActor):
    namespace = "cme.phone"

    def __init__(self, ephone, switch, board, *, em_profile=lambda ephone_tag: None, on_failed=None) -> None:
        """`board` is the CLI's status board (this phone writes its record there, never
        reads it to decide); `em_profile(tag)` the Extension Mobility profile logged in on
        the ephone; `on_failed(ephone)` starts a fresh actor after a bug."""
        super().__init__()
        self.ephone = ephone
        self.switch = switch
        self.board = board
        self.em_profile = em_profile
        self.on_failed = on_failed
        self.device = ephone.device_name
        self.status = board.phones[self.device]
        REGISTRATION.start(self)
        self.link: PhoneLink | None = None
        self.lines = []
        self.last_heard = 0.0
        self.load_name = ""
        self._watchdog = None
        self._ack_second = -1.0
        self._acks_this_second = 0
        self._flood_logged = False
        self.user = PhoneUser(self.device, switch, switch.config, self.status, self.log,
                              link=lambda: self.link, buttons=lambda: self.lines)

    @property
    def trace_id(self) -> str:
        return self.device

    # what the phone shows and its user started: the user collaborator's (tests read them here)
    @property
    def calls(self):
        return self.user.calls

    @property
    def dialed(self):
        return self.user.dialed

    @property
    def mode(self):
        return self.user.mode

    @property
    def _forwarding(self):
        return self.user._forwarding

    def on_failure(self, exc_type, exc_value, traceback) -> None:
        """A bug must not leave a phone unable to register: drop its session (the phone
        registers again) and let a fresh actor own the device."""
        link, self.link = self.link, None
        if link is not None:
            link.close("phone actor failed")
        for button in self.lines:
            self.switch.tell_line(button.dn_tag, EndpointDown(self.device, "phone actor failed"))
        self.switch.vacate(self.device)
        self.board.set_phone_state(self.status, "unregistered", self.switch.clock.seconds())
        self.status.calls.clear()
        if self.on_failed is not None:
            self.on_failed(self.ephone)

    # -- dispatch ------------------------------------------------------------------------
    def on_receive(self, message):
        if type(message) is CallStep:  # the most frequent (a dozen a call), first
            self.user.show(message)
        elif isinstance(message, Received):
            self._received(message.link, message.message)
        elif isinstance(message, ReceivedMany):
            ref, user = self.actor_ref, self.user
            user.collect_digits()  # a run of keypad digits for one call: one UserAction
            try:
                for one in message.messages:
                    if type(one) is not KeypadButtonMessage:
                        user.flush_digits()  # what was dialled reaches the line first
                    self._received(message.link, one)
                    if not ref.is_alive():  # stopped by one: the rest would not have reached it
                        break
            finally:
                user.end_digits()
        elif isinstance(message, LinkLost):
            if message.link is self.link:
                self._leave("connection_lost", message.reason, close=False)
        elif isinstance(message, CallStep):
            self.user.show(message)
        elif isinstance(message, FeatureEvent):
            self.user.feature(message)
        elif isinstance(message, c.Consulting):
            self.user.consulting(message)
        elif isinstance(message, c.NoConsultLine):
            self.user.no_consult_line(message)
        elif isinstance(message, CheckAlive):
            self._check_alive()
        elif isinstance(message, Restart):
            self._restart(message.reason)
        else:
            return super().on_receive(message)
        return None

    def _received(self, link: PhoneLink, message) -> None:
        if isinstance(message, RegisterMessage):
            self._register(link, message)
            return
        if link is not self.link:
            # A connection this phone no longer owns (replaced, timed out) still talking.
            self.log.info("message {name} from {peer} after its session ended; closing it", name=message.name, peer=link.peer)
            link.close("session replaced or ended")
            return
        self.last_heard = self.switch.clock.seconds()
        handler = _HANDLERS.get(type(message))
        if handler is None:
            self.log.debug("{name} from {device} not handled yet", name=message.name, device=self.device)
            return
        handler(self, message)

    # -- registration ---------------------------------------------------------------------
    def _register(self, link: PhoneLink, message: RegisterMessage) -> None:
        if self.link is not None:
            why = f"registered again from {link.peer}" if link is not self.link else "registered again"
            self._leave("replaced", why, close=link is not self.link)
        limit = self.switch.config.telephony.max_ephones
        if not self.switch.admit(self.device, limit):
            REGISTRATION.fire(self, "reject")
            self.board.set_phone_state(self.status, "rejected", self.switch.clock.seconds())
            self.status.reason = f"max-ephones {limit} reached"
            self.log.warn("{device} from {peer} rejected: max-ephones {limit} reached", device=self.device, peer=link.peer, limit=limit)
            link.send(RegisterRejectMessage(text=f"max-ephones {limit} reached"[:31]))
            link.close("registration rejected")
            return
        now = self.switch.clock.seconds()
        self.link = link
        REGISTRATION.fire(self, "register")
        self.board.set_phone_state(self.status, "registering", now)
        self.last_heard = now
        self.load_name = message.load_name
        self.lines = line_buttons(self.ephone, self.switch.config, self.em_profile(self.ephone.tag))
        st = self.status
        st.ip, _, port = link.peer.rpartition(":")
        st.port = int(port) if port.isdigit() else 0
        st.protocol_version = message.protocol_version
        st.keepalives = 0
        st.registrations += 1
        st.lines = self.lines
        interval = self.keepalive_interval
        link.send(
            RegisterAckMessage(
                keep_alive_interval=interval,
                date_template="M/D/YA",
                secondary_keep_alive_interval=interval,
                max_protocol_version=min(message.protocol_version or MAX_PROTOCOL_VERSION, MAX_PROTOCOL_VERSION),
            )
        )
        link.send(CapabilitiesReqMessage())
        self._arm_watchdog(2 * interval)
        self.log.debug("register from {peer}, type {type}, protocol {version}", peer=link.peer, type=int(message.device_type), version=message.protocol_version)

    def _capabilities(self, message: CapabilitiesResMessage) -> None:
        if not REGISTRATION.allows(self, "capabilities"):
            return  # a phone may answer CapabilitiesReq again later; nothing changes
        REGISTRATION.fire(self, "capabilities")
        self.board.set_phone_state(self.status, "registered", self.switch.clock.seconds())
        self.status.reason = ""
        self.user.instances = {button.dn_tag: button.instance for button in self.lines}
        config = self.switch.config
        shows = frozenset(dn.number for dn in (config.ephone_dns.get(b.dn_tag) for b in self.lines)
                          if dn is not None and dn.number)
        prompt = can_prompt(self.ephone.type or "")
        for button in self.lines:
            self.switch.tell_line(button.dn_tag, EndpointUp(Endpoint(
                self.device, self.actor_ref, button.instance, prompt, shows)))
        self.log.info(
            "ephone-{tag}:{device} IP:{ip} type {model} has registered",
            tag=self.ephone.tag, device=self.device, ip=self.status.ip, model=self.ephone.type or "?",
        )

    def _leave(self, trigger: str, reason: str, *, close: bool = True) -> None:
        """Back to unregistered: lines told, watchdog stopped, connection closed."""
        was = self.state
        if was not in ("registering", "registered"):
            return
        REGISTRATION.fire(self, trigger)
        self.switch.vacate(self.device)
        self.board.set_phone_state(self.status, "unregistered", self.switch.clock.seconds())
        self.status.reason = reason
        if was == "registered":
            for button in self.lines:
                self.switch.tell_line(button.dn_tag, EndpointDown(self.device, reason))
        self.user.calls.clear()
        self.user.reset()
        self.status.calls.clear()
        if self._watchdog is not None and self._watchdog.active():
            self._watchdog.cancel()
        self._watchdog = None
        link, self.link = self.link, None
        if close and link is not None:
            link.close(reason)
        self.log.info("ephone-{tag}:{device} unregistered: {reason}", tag=self.ephone.tag, device=self.device, reason=reason)

    def _restart(self, reason: str) -> None:
        """As CME does after an EM log-in: the phone restarts and fetches its new buttons."""
        if self.link is None:
            return
        self.log.info("restarting ephone-{tag}:{device}: {reason}", tag=self.ephone.tag, device=self.device, reason=reason)
        self.link.send(ResetMessage(reset_type=ResetType.RESTART))

    # -- keepalive ----------------------------------------------------------------------
    @property
    def keepalive_interval(self) -> int:
        return self.switch.config.telephony.keepalive

    def _arm_watchdog(self, delay: float) -> None:
        if self._watchdog is not None and self._watchdog.active():
            self._watchdog.cancel()
        self._watchdog = self.switch.clock.callLater(delay, self._tick)

    def _tick(self) -> None:
        self._watchdog = None
        if self.actor_ref.is_alive():
            self.actor_ref.tell(CheckAlive())

    def _check_alive(self) -> None:
        if self.link is None:
            return
        limit = 2 * self.keepalive_interval
        silent = self.switch.clock.seconds() - self.last_heard
        if silent >= limit:
            self._leave("keepalive_timeout", f"no keepalive for {silent:.0f} s (limit {limit} s)")
        else:
            self._arm_watchdog(limit - silent)

    def _keepalive(self, message: KeepAliveMessage) -> None:
        REGISTRATION.fire(self, "keepalive")
        self.status.keepalives += 1
        now = self.switch.clock.seconds()
        second = int(now)
        if second != self._ack_second:
            self._ack_second, self._acks_this_second = second, 0
        self._acks_this_second += 1
        if self._acks_this_second > KEEPALIVE_ACKS_PER_SECOND:
            if not self._flood_logged:
                self._flood_logged = True
                self.log.warn("KeepAlive flood from {device} at {peer}: answering one a second", device=self.device, peer=self.link.peer)
            return
        self.link.send(KeepAliveAckMessage())

    def _unregister(self, message: UnregisterMessage) -> None:
        link = self.link
        link.send(UnregisterAckMessage())
        self._leave("unregister", "unregistered by the phone")

    # -- the phone's requests, each answered ---------------------------------------------
    def _button_template(self, message) -> None:
        self.link.send(template_message(self.ephone.type, self.lines))

    def _softkey_template(self, message) -> None:
        self.link.send(softkeys.template_message())

    def _softkey_sets(self, message) -> None:
        self.link.send_all([
            softkeys.sets_message(),
            SelectSoftKeysMessage(line_instance=0, call_reference=0, soft_key_set=SoftKeySetIndex.ON_HOOK),
            DisplayPromptStatusMessage(timeout=0, text=f"{self.switch.config.hostname} CME"[:32], line_instance=0,
                                       call_reference=0)])

    def _line_for(self, instance: int):
        for button in self.lines:
            if button.instance == instance:
                return self.switch.config.ephone_dns.get(button.dn_tag)
        return None

    def _line_stat(self, message: LineStatReqMessage) -> None:
        dn = self._line_for(message.line_number)
        if dn is None:
            self.link.send(LineStatResMessage(line_number=message.line_number))
            return
        number = dn.number or ""
        self.link.send(
            LineStatResMessage(
                line_number=message.line_number,
                directory_number=number,
                fully_qualified_name=dn.name or "",
                text_label=dn.label or number,
                display_options=0x0F,  # show name, number, label, and the line's state
            )
        )

    def _forward_stat(self, message: ForwardStatReqMessage) -> None:
        dn = self._line_for(message.line_number)
        target = (dn.call_forward_all or "") if dn is not None else ""
        self.link.send(
            ForwardStatResMessage(
                active_forward=1 if target else 0,
                line_number=message.line_number,
                forward_all_active=1 if target else 0,
                forward_all_number=target,
            )
        )

    def _speed_dial_stat(self, message: SpeedDialStatReqMessage) -> None:
        # No speed dials are configured in this server yet: an empty answer, never none.
        self.link.send(SpeedDialStatResMessage(speed_dial_number=message.speed_dial_number))

    def _feature_stat(self, message: FeatureStatReqMessage) -> None:
        self.link.send(FeatureStatResMessage(feature_index=message.feature_index))

    def _config_stat(self, message) -> None:
        self.link.send(
            ConfigStatResMessage(
                device_name=self.device,
                instance=1,
                server_name=self.switch.config.hostname,
                number_of_lines=len(self.lines),
                number_of_speed_dials=0,
            )
        )

    def _time_date(self, message) -> None:
        now = self.switch.clock.seconds()
        t = time.localtime(now)
        self.link.send(
            DefineTimeDateMessage(
                year=t.tm_year, month=t.tm_mon, day_of_week=(t.tm_wday + 1) % 7, day=t.tm_mday,
                hour=t.tm_hour, minute=t.tm_min, second=t.tm_sec,
                milliseconds=int((now % 1) * 1000), system_time=int(now),
            )
        )

    def _version(self, message) -> None:
        # The firmware load the phone should run: its own, so no upgrade is triggered.
        self.link.send(VersionResMessage(version=self.load_name))

    def _alarm(self, message: AlarmMessage) -> None:
        self.log.info("alarm from {device} (severity {severity}): {text}", device=self.device, severity=message.severity, text=message.text)

    def _ignore(self, message) -> None:
        """Informational messages that need no answer (RegisterAvailableLines, …)."""


_HANDLERS = {
    KeepAliveMessage: PhoneActor._keepalive,
    CapabilitiesResMessage: PhoneActor._capabilities,
    UnregisterMessage: PhoneActor._unregister,
    ButtonTemplateReqMessage: PhoneActor._button_template,
    SoftKeyTemplateReqMessage: PhoneActor._softkey_template,
    SoftKeySetReqMessage: PhoneActor._softkey_sets,
    LineStatReqMessage: PhoneActor._line_stat,
    ForwardStatReqMessage: PhoneActor._forward_stat,
    SpeedDialStatReqMessage: PhoneActor._speed_dial_stat,
    FeatureStatReqMessage: PhoneActor._feature_stat,
    ConfigStatReqMessage: PhoneActor._config_stat,
    TimeDateReqMessage: PhoneActor._time_date,
    VersionReqMessage: PhoneActor._version,
    AlarmMessage: PhoneActor._alarm,
    RegisterAvailableLinesMessage: PhoneActor._ignore,
    OffHookMessage: lambda self, m: self.user.off_hook(m),
    OnHookMessage: lambda self, m: self.user.on_hook(m),
    KeypadButtonMessage: lambda self, m: self.user.keypad(m),
    EnblocCallMessage: lambda self, m: self.user.enbloc(m),
    SoftKeyEventMessage: lambda self, m: self.user.softkey(m),
    StimulusMessage: lambda self, m: self.user.stimulus(m),
    OpenReceiveChannelAckMessage: lambda self, m: self.user.media_ack(m),
}
