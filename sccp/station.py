"""A virtual SCCP station (7960/7961), sans-I/O: server messages in, the phone's replies out.

:class:`Station` keeps what a real phone shows — registration, lines, lamps, ringer,
prompt and notify text, call states per (line instance, call reference), softkey sets,
tones, media channels — and turns user actions (off-hook, digits, softkeys) into the
messages a real phone sends. No sockets, no timers: :mod:`sccp.client` adds those.

Registration runs as in sccp.md's "Sequences seen from a real CallManager", from the
phone's side: Register; CapabilitiesReq → CapabilitiesRes + ButtonTemplateReq; once the
whole ButtonTemplateRes is in → SoftKeyTemplateReq, SoftKeySetReq, LineStatReq and
ForwardStatReq per line button, SpeedDialStatReq per speed dial, FeatureStatReq per feature
button, ConfigStatReq, RegisterAvailableLines, TimeDateReq.

The registered rule: a station is REGISTERED once it holds a RegisterAck, the complete
button template and a LineStatRes for every line it asked about. Those are what a phone
needs before it leaves "Registering" and shows its lines; the other answers only decorate
the display, so a server that is slow with them does not hold registration back.
"""
from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass
from ipaddress import IPv4Address

from sccp import messages as m
from sccp.enums import (CallState, CallType, Codec, DeviceType, LampMode, RingMode,
                        SoftKeyEvent, SpeakerMode, Stimulus, Tone, ToneDirection, keypad_button, tone_dtmf)

PROTOCOL_VERSION = 11  # what a 7961 on SCCP 8.x firmware announces; servers cap it
CODECS = (Codec.G711_ULAW, Codec.G711_ALAW, Codec.G729)
_NOT_FEATURES = {Stimulus.LINE, Stimulus.SPEED_DIAL, Stimulus.UNDEFINED, 0}
_ENDED = {CallState.ON_HOOK, CallState.IDLE}
_BUSY = {CallState.RING_IN, CallState.HOLD, CallState.CALL_WAITING} | _ENDED


class Registration(enum.Enum):
    NEW = "new"
    REGISTERING = "registering"
    REGISTERED = "registered"
    REJECTED = "rejected"
    UNREGISTERING = "unregistering"
    UNREGISTERED = "unregistered"
    DISCONNECTED = "disconnected"


@dataclass
class Line:
    """One line button: LineStatRes's number, name and label, ForwardStatRes's forwards."""

    instance: int
    number: str = ""
    name: str = ""
    label: str = ""
    forward_all: str = ""
    forward_busy: str = ""
    forward_no_answer: str = ""


@dataclass
class Call:
    """One call appearance as the phone shows it."""

    line: int
    callref: int
    state: CallState = CallState.IDLE
    calling: str = ""
    calling_name: str = ""
    called: str = ""
    called_name: str = ""
    call_type: CallType | int = 0
    softkey_set: int | None = None
    dialed: str = ""


@dataclass(frozen=True)
class Channel:
    """A receive channel (OpenReceiveChannel) or a transmission (StartMediaTransmission)."""

    callref: int
    pass_thru_party_id: int
    codec: Codec | int
    remote_ip: IPv4Address | None = None  # transmissions only
    remote_port: int = 0


class Station:
    """The state of one phone and the messages it sends; see the module docstring."""

    def __init__(self, device_name: str, device_type: DeviceType | int = DeviceType.CISCO_7961,
                 ip: str = "127.0.0.1", rtp_port: int = 16384, auto_answer: float | None = None):
        self.device_name = device_name
        self.device_type = device_type
        self.ip = ip
        self.rtp_port = rtp_port
        self.auto_answer = auto_answer  # seconds; the client schedules it
        self.registration = Registration.NEW
        self.reject_text = ""
        self.keepalive_interval: int | None = None
        self.keepalives_sent = 0
        self.keepalive_acks = 0
        self.buttons: list[m.Button] = []
        self._template_requested = self._template_done = False
        self.lines: dict[int, Line] = {}
        self._lines_pending: set[int] = set()
        self.speed_dials: dict[int, tuple[str, str]] = {}  # index → (number, name)
        self.features: dict[int, tuple[str, int]] = {}  # index → (label, status)
        self.lamps: dict[tuple[int, int], LampMode | int] = {}
        self.ringer: RingMode | int = RingMode.OFF
        self.speaker: SpeakerMode | int = SpeakerMode.OFF
        self.hook_off = False
        self.prompt = ""
        self.notify = ""
        self.tones: dict[tuple[int, int], Tone | int] = {}
        self.heard_digits: dict[int, str] = {}  # call reference -> DTMF played to the user
        self.call_plane: int | None = None
        self.selected_softkeys: dict[tuple[int, int], int] = {}
        self.softkey_template: tuple[m.SoftKeyDefinition, ...] = ()
        self.softkey_sets: tuple[m.SoftKeySet, ...] = ()
        self.receive_channels: dict[tuple[int, int], Channel] = {}
        self.transmissions: dict[tuple[int, int], Channel] = {}
        self.dialed = ""  # the last DialedNumber
        self.config: m.ConfigStatResMessage | None = None
        self.time: m.DefineTimeDateMessage | None = None
        self.version = ""
        self.reset: int | None = None  # the ResetType the server asked for
        self._calls: dict[tuple[int, int], Call] = {}
        self.ended: deque[Call] = deque(maxlen=16)  # recent finished calls, newest last
        self.unhandled: list[m.Message] = []  # messages with no effect on a phone (logged)

    # -- registration ---------------------------------------------------------------------

    def registration_messages(self) -> list[m.Message]:
        """What the phone sends when its TCP connection is up: Register (the rest follows
        from :meth:`receive`)."""
        self.registration = Registration.REGISTERING
        return [m.RegisterMessage(device_name=self.device_name, station_ip=IPv4Address(self.ip),
                                  device_type=self.device_type, max_streams=5,
                                  protocol_version=PROTOCOL_VERSION, max_conferences=1)]

    @property
    def registered(self) -> bool:
        return self.registration is Registration.REGISTERED

    def _check_registered(self) -> None:
        if (self.registration is Registration.REGISTERING and self.keepalive_interval
                and self._template_done and not self._lines_pending):
            self.registration = Registration.REGISTERED

    def disconnected(self) -> None:
        """The TCP connection is gone: a phone shows nothing of its calls any more.
        A rejected phone keeps showing why."""
        if self.registration is not Registration.REJECTED:
            self.registration = Registration.DISCONNECTED
        for key in list(self._calls):
            self._end(key)
        self.receive_channels.clear()
        self.transmissions.clear()

    # -- server messages ------------------------------------------------------------------

    def receive(self, message: m.Message) -> list[m.Message]:
        """Apply one server message; return what the phone sends back."""
        handler = _HANDLERS.get(type(message))
        if handler is None:
            self.unhandled.append(message)
            del self.unhandled[:-16]
            return []
        return handler(self, message) or []

    def _register_ack(self, msg: m.RegisterAckMessage):
        self.keepalive_interval = msg.keep_alive_interval or 30
        self._check_registered()

    def _register_reject(self, msg: m.RegisterRejectMessage):
        self.registration = Registration.REJECTED
        self.reject_text = msg.text

    def _unregister_ack(self, msg: m.UnregisterAckMessage):
        self.registration = Registration.UNREGISTERED

    def _keepalive_ack(self, msg):
        self.keepalive_acks += 1

    def _capabilities_req(self, msg):
        caps = tuple(m.Capability(codec, 40 if codec != Codec.G729 else 60) for codec in CODECS)
        replies: list[m.Message] = [m.CapabilitiesResMessage(len(caps), caps)]
        if not self._template_requested:  # the phone asks once, after its first answer
            self._template_requested = True
            replies.append(m.ButtonTemplateReqMessage())
        return replies

    def _button_template(self, msg: m.ButtonTemplateResMessage):
        if self._template_done:  # a template sent again (re-configuration): start over
            self.buttons, self._template_done = [], False
        count = msg.button_count or len(msg.buttons)
        piece = list(msg.buttons[:count])  # decoding dropped trailing unused slots
        self.buttons[msg.button_offset:] = piece + [m.Button()] * (count - len(piece))
        if msg.button_offset + count < msg.total_button_count:
            return []  # more pieces follow
        self._template_done = True
        return self._after_template()

    def _after_template(self) -> list[m.Message]:
        requests: list[m.Message] = [m.SoftKeyTemplateReqMessage(), m.SoftKeySetReqMessage()]
        for index, button in enumerate(self.buttons, start=1):
            if button.definition == Stimulus.LINE:
                self.lines.setdefault(button.instance, Line(button.instance))
                self._lines_pending.add(button.instance)
                requests += [m.LineStatReqMessage(button.instance),
                             m.ForwardStatReqMessage(button.instance)]
            elif button.definition == Stimulus.SPEED_DIAL:
                requests.append(m.SpeedDialStatReqMessage(button.instance))
            elif button.definition not in _NOT_FEATURES:
                requests.append(m.FeatureStatReqMessage(index))
        requests += [m.ConfigStatReqMessage(), m.RegisterAvailableLinesMessage(len(self.lines)),
                     m.TimeDateReqMessage()]
        self._check_registered()
        return requests

    def _line_stat(self, msg: m.LineStatResMessage):
        line = self.lines.setdefault(msg.line_number, Line(msg.line_number))
        line.number, line.name, line.label = (msg.directory_number, msg.fully_qualified_name,
                                              msg.text_label)
        self._lines_pending.discard(msg.line_number)
        self._check_registered()

    def _forward_stat(self, msg: m.ForwardStatResMessage):
        line = self.lines.setdefault(msg.line_number, Line(msg.line_number))
        line.forward_all = msg.forward_all_number if msg.forward_all_active else ""
        line.forward_busy = msg.forward_busy_number if msg.forward_busy_active else ""
        line.forward_no_answer = (msg.forward_no_answer_number
                                  if msg.forward_no_answer_active else "")

    def _speed_dial_stat(self, msg: m.SpeedDialStatResMessage):
        self.speed_dials[msg.speed_dial_number] = (msg.directory_number, msg.display_name)

    def _feature_stat(self, msg: m.FeatureStatResMessage):
        self.features[msg.feature_index] = (msg.text_label, msg.feature_status)

    def _softkey_template(self, msg: m.SoftKeyTemplateResMessage):
        self.softkey_template = msg.definitions

    def _softkey_sets(self, msg: m.SoftKeySetResMessage):
        self.softkey_sets = msg.sets

    def _config_stat(self, msg):
        self.config = msg

    def _time_date(self, msg):
        self.time = msg

    def _version(self, msg):
        self.version = msg.version

    def _reset(self, msg: m.ResetMessage):
        self.reset = msg.reset_type

    # -- display, lamps, ringer --------------------------------------------------------------

    def _set_lamp(self, msg: m.SetLampMessage):
        self.lamps[(msg.stimulus, msg.stimulus_instance)] = msg.lamp_mode

    def _set_ringer(self, msg: m.SetRingerMessage):
        self.ringer = msg.ring_mode

    def _set_speaker(self, msg: m.SetSpeakerModeMessage):
        self.speaker = msg.mode

    def _prompt(self, msg: m.DisplayPromptStatusMessage):
        self.prompt = msg.text

    def _clear_prompt(self, msg):
        self.prompt = ""

    def _notify(self, msg):
        self.notify = msg.text

    def _clear_notify(self, msg):
        self.notify = ""

    def _start_tone(self, msg: m.StartToneMessage):
        self.tones[(msg.line_instance, msg.call_reference)] = msg.tone
        digit = tone_dtmf(msg.tone)
        if digit is not None and msg.direction == ToneDirection.USER:  # the far end's digits
            self.heard_digits[msg.call_reference] = self.heard_digits.get(msg.call_reference, "") + digit

    def _stop_tone(self, msg: m.StopToneMessage):
        self.tones.pop((msg.line_instance, msg.call_reference), None)

    def _activate_plane(self, msg: m.ActivateCallPlaneMessage):
        self.call_plane = msg.line_instance

    def _deactivate_plane(self, msg):
        self.call_plane = None

    def _select_softkeys(self, msg: m.SelectSoftKeysMessage):
        key = (msg.line_instance, msg.call_reference)
        self.selected_softkeys[key] = msg.soft_key_set
        if key in self._calls:
            self._calls[key].softkey_set = msg.soft_key_set

    # -- calls -----------------------------------------------------------------------------

    def _call(self, line: int, callref: int) -> Call:
        key = (line, callref)
        if key not in self._calls:
            self._calls[key] = Call(line, callref)
        return self._calls[key]

    def _end(self, key: tuple[int, int]) -> None:
        call = self._calls.pop(key)
        if call.state not in _ENDED:
            call.state = CallState.ON_HOOK
        self.ended.append(call)
        self.selected_softkeys.pop(key, None)
        self.tones.pop(key, None)

    def _call_state(self, msg: m.CallStateMessage):
        key = (msg.line_instance, msg.call_reference)
        self._call(*key).state = msg.call_state
        if msg.call_state in _ENDED:
            self._end(key)

    def _call_info(self, msg: m.CallInfoMessage):
        call = self._call(msg.line_instance, msg.call_reference)
        call.calling, call.calling_name = msg.calling_party, msg.calling_party_name
        call.called, call.called_name = msg.called_party, msg.called_party_name
        call.call_type = msg.call_type

    def _dialed_number(self, msg: m.DialedNumberMessage):
        self.dialed = msg.number
        self._call(msg.line_instance, msg.call_reference).dialed = msg.number

    # -- media -----------------------------------------------------------------------------

    def _open_receive(self, msg: m.OpenReceiveChannelMessage):
        key = (msg.call_reference, msg.pass_thru_party_id)
        self.receive_channels[key] = Channel(*key, msg.compression_type)
        return [m.OpenReceiveChannelAckMessage(ip_address=IPv4Address(self.ip),
                                               port=self.rtp_port,
                                               pass_thru_party_id=msg.pass_thru_party_id,
                                               call_reference=msg.call_reference)]

    def _close_receive(self, msg: m.CloseReceiveChannelMessage):
        self._close(self.receive_channels, msg.call_reference, msg.pass_thru_party_id)

    def _start_media(self, msg: m.StartMediaTransmissionMessage):
        key = (msg.call_reference, msg.pass_thru_party_id)
        self.transmissions[key] = Channel(*key, msg.compression_type, msg.remote_ip,
                                          msg.remote_port)

    def _stop_media(self, msg: m.StopMediaTransmissionMessage):
        self._close(self.transmissions, msg.call_reference, msg.pass_thru_party_id)

    @staticmethod
    def _close(channels: dict, callref: int, party: int) -> None:
        # Servers that send the short forms leave callReference 0: match on the party id.
        if channels.pop((callref, party), None) is None:
            for key in [k for k in channels if k[1] == party or (party == 0 and k[0] == callref)]:
                del channels[key]

    def _statistics(self, msg: m.ConnectionStatisticsReqMessage):
        return [m.ConnectionStatisticsResMessage(msg.directory_number, msg.call_reference,
                                                 msg.stats_processing_mode)]

    # -- queries ---------------------------------------------------------------------------

    def calls(self) -> dict[tuple[int, int], Call]:
        """Calls the phone shows now, by (line instance, call reference)."""
        return dict(self._calls)

    def call_state(self, line: int, callref: int) -> CallState | None:
        """The call's state; ON_HOOK once it ended (recently), None if never seen."""
        call = self._calls.get((line, callref))
        if call is not None:
            return call.state
        for call in reversed(self.ended):
            if (call.line, call.callref) == (line, callref):
                return call.state
        return None

    def ringing(self, line: int | None = None) -> bool:
        return self._ringing_call(line) is not None

    def in_call(self) -> bool:
        return any(call.state == CallState.CONNECTED for call in self._calls.values())

    def _ringing_call(self, line: int | None = None) -> Call | None:
        for call in self._calls.values():
            if call.state == CallState.RING_IN and line in (None, call.line):
                return call
        return None

    def active_call(self) -> Call | None:
        """The call keys and softkeys act on: the newest one that is not ringing, held
        or over (a real phone's highlighted call)."""
        for call in reversed(self._calls.values()):
            if call.state not in _BUSY:
                return call
        return None

    def _current(self) -> tuple[int, int]:
        call = self.active_call()
        return (call.line, call.callref) if call else (self.call_plane or 1, 0)

    # -- user actions (each returns the messages to send) -----------------------------------

    def off_hook(self, line: int = 1) -> list[m.Message]:
        """Lift the handset. A ringing call is answered; on another line than the first the
        phone selects that line's button first (Stimulus Line n), as a user would."""
        self.hook_off = True
        ringing = self._ringing_call()
        if ringing:
            return [m.OffHookMessage(ringing.line, ringing.callref)]
        if line != 1:
            return [m.StimulusMessage(Stimulus.LINE, line, 0), m.OffHookMessage(line, 0)]
        return [m.OffHookMessage(line, 0)]

    def on_hook(self) -> list[m.Message]:
        self.hook_off = False
        return [m.OnHookMessage(*self._current())]

    def dial(self, digits: str) -> list[m.Message]:
        line, callref = self._current()
        return [m.KeypadButtonMessage(keypad_button(d), line, callref) for d in digits]

    def enbloc(self, number: str) -> list[m.Message]:
        return [m.EnblocCallMessage(number, self._current()[0])]

    def softkey(self, event: SoftKeyEvent | int, line: int | None = None,
                callref: int | None = None) -> list[m.Message]:
        current = self._current()
        return [m.SoftKeyEventMessage(event, current[0] if line is None else line,
                                      current[1] if callref is None else callref)]

    def stimulus(self, stimulus: Stimulus | int, instance: int = 1,
                 callref: int = 0) -> list[m.Message]:
        return [m.StimulusMessage(stimulus, instance, callref)]

    def answer(self, line: int | None = None) -> list[m.Message]:
        """The Answer softkey on the ringing call; with nothing ringing, the speaker
        button (OffHook), which is how an idle phone takes a call it was told about."""
        call = self._ringing_call(line)
        if call is None:
            return self.off_hook(line or 1)
        return [m.SoftKeyEventMessage(SoftKeyEvent.ANSWER, call.line, call.callref)]

    def hold(self) -> list[m.Message]:
        return self.softkey(SoftKeyEvent.HOLD)

    def resume(self, line: int | None = None, callref: int | None = None) -> list[m.Message]:
        """Resume the given held call, or the newest held one."""
        if callref is None:
            held = [c for c in self._calls.values()
                    if c.state == CallState.HOLD and line in (None, c.line)]
            if not held:
                return []
            line, callref = held[-1].line, held[-1].callref
        return [m.SoftKeyEventMessage(SoftKeyEvent.RESUME, line or 1, callref)]

    def end_call(self) -> list[m.Message]:
        return self.softkey(SoftKeyEvent.END_CALL)

    def keepalive(self) -> list[m.Message]:
        self.keepalives_sent += 1
        return [m.KeepAliveMessage()]

    def unregister(self) -> list[m.Message]:
        self.registration = Registration.UNREGISTERING
        return [m.UnregisterMessage()]


_HANDLERS = {
    m.RegisterAckMessage: Station._register_ack,
    m.RegisterRejectMessage: Station._register_reject,
    m.UnregisterAckMessage: Station._unregister_ack,
    m.KeepAliveAckMessage: Station._keepalive_ack,
    m.CapabilitiesReqMessage: Station._capabilities_req,
    m.ButtonTemplateResMessage: Station._button_template,
    m.LineStatResMessage: Station._line_stat,
    m.ForwardStatResMessage: Station._forward_stat,
    m.SpeedDialStatResMessage: Station._speed_dial_stat,
    m.FeatureStatResMessage: Station._feature_stat,
    m.SoftKeyTemplateResMessage: Station._softkey_template,
    m.SoftKeySetResMessage: Station._softkey_sets,
    m.ConfigStatResMessage: Station._config_stat,
    m.DefineTimeDateMessage: Station._time_date,
    m.VersionResMessage: Station._version,
    m.ResetMessage: Station._reset,
    m.SetLampMessage: Station._set_lamp,
    m.SetRingerMessage: Station._set_ringer,
    m.SetSpeakerModeMessage: Station._set_speaker,
    m.DisplayPromptStatusMessage: Station._prompt,
    m.ClearPromptStatusMessage: Station._clear_prompt,
    m.DisplayNotifyMessage: Station._notify,
    m.DisplayPriNotifyMessage: Station._notify,
    m.ClearNotifyMessage: Station._clear_notify,
    m.StartToneMessage: Station._start_tone,
    m.StopToneMessage: Station._stop_tone,
    m.ActivateCallPlaneMessage: Station._activate_plane,
    m.DeactivateCallPlaneMessage: Station._deactivate_plane,
    m.SelectSoftKeysMessage: Station._select_softkeys,
    m.CallStateMessage: Station._call_state,
    m.CallInfoMessage: Station._call_info,
    m.DialedNumberMessage: Station._dialed_number,
    m.OpenReceiveChannelMessage: Station._open_receive,
    m.CloseReceiveChannelMessage: Station._close_receive,
    m.StartMediaTransmissionMessage: Station._start_media,
    m.StopMediaTransmissionMessage: Station._stop_media,
    m.ConnectionStatisticsReqMessage: Station._statistics,
}
