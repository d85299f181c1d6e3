"""What a phone is told when one of its calls changes: sccp.md's real CallManager sequences.

Pure functions from a call situation to the SCCP messages, in the order a CallManager
sends them. The line actor decides *that* a phone must show something; this module says
*how* a 7960 is told. `line` is the phone's line instance, `ref` the call reference (the
server-wide call id of that line's connection).
"""
from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Address

from sccp import messages as m
from sccp.framing import constant
from sccp.enums import (CallState, CallType, Codec, LampMode, RingMode, SoftKeySetIndex,
                        SpeakerMode, Stimulus, Tone, ToneDirection, dtmf_tone)

PACKET_MS = 20
CODEC = Codec.G711_ULAW  # every SCCP phone speaks it; no transcoding needed phone to phone
CODECS = {"": CODEC, "g711ulaw": Codec.G711_ULAW, "g711alaw": Codec.G711_ALAW}  # IOS's codec names


# Messages that do not depend on the call (lamps, call plane, speaker) are the same few
# objects for every call, their frames encoded once (sccp.framing.constant); messages are
# frozen, so sharing them is safe. Button instances are small numbers from configuration;
# anything else is built afresh, so these stay a few hundred at most.
_SHARED: dict = {}
SHARED_INSTANCES = 256


def _lamp(stimulus, instance, mode):
    key = ("lamp", stimulus, instance, mode)
    message = _SHARED.get(key)
    if message is None:
        message = m.SetLampMessage(stimulus=stimulus, stimulus_instance=instance, lamp_mode=mode)
        if 0 <= instance < SHARED_INSTANCES:
            _SHARED[key] = message = constant(message)
    return message


def _call_plane(line):
    key = ("plane", line)
    message = _SHARED.get(key)
    if message is None:
        message = m.ActivateCallPlaneMessage(line_instance=line)
        if 0 <= line < SHARED_INSTANCES:
            _SHARED[key] = message = constant(message)
    return message


_SPEAKER = {mode: constant(m.SetSpeakerModeMessage(mode=mode)) for mode in (SpeakerMode.ON, SpeakerMode.OFF)}


def _state(state, line, ref):
    return m.CallStateMessage(call_state=state, line_instance=line, call_reference=ref)


def _keys(index, line, ref):
    return m.SelectSoftKeysMessage(line_instance=line, call_reference=ref, soft_key_set=index)


@lru_cache(maxsize=1024)  # a call's phone is shown the same caller info at ringing and answer
def call_info(line, ref, *, calling="", calling_name="", called="", called_name="", outbound=True):
    return m.CallInfoMessage(
        calling_party_name=calling_name, calling_party=calling, called_party_name=called_name,
        called_party=called, line_instance=line, call_reference=ref,
        call_type=CallType.OUTBOUND if outbound else CallType.INBOUND,
    )


def off_hook(line, ref, *, speaker=False):
    out = [m.SetRingerMessage(ring_mode=RingMode.OFF, ring_duration=1, line_instance=line, call_reference=ref)]
    if speaker:
        out.append(_SPEAKER[SpeakerMode.ON])
    return out + [
        _lamp(Stimulus.LINE, line, LampMode.ON),
        _state(CallState.OFF_HOOK, line, ref),
        _keys(SoftKeySetIndex.OFF_HOOK, line, ref),
        m.DisplayPromptStatusMessage(timeout=0, text="Enter number", line_instance=line, call_reference=ref),
        _call_plane(line),
        m.StartToneMessage(tone=Tone.INSIDE_DIAL, direction=0, line_instance=line, call_reference=ref),
    ]


def first_digit(line, ref):
    return [m.StopToneMessage(line_instance=line, call_reference=ref), _keys(SoftKeySetIndex.DIGITS_FOLLOWING, line, ref)]


def proceeding(line, ref, number, info):
    return [_state(CallState.PROCEED, line, ref),
            m.DialedNumberMessage(number=number, line_instance=line, call_reference=ref), info]


def ring_out(line, ref, *, tone=True):
    """`tone`: the phone plays ringback itself (not when early media brings the far end's)."""
    out = [_state(CallState.RING_OUT, line, ref), _keys(SoftKeySetIndex.RING_OUT, line, ref)]
    if tone:
        out.insert(0, m.StartToneMessage(tone=Tone.ALERTING, direction=0, line_instance=line, call_reference=ref))
    return out


def ring_in(line, ref, info, *, waiting=False):
    out = [_state(CallState.RING_IN, line, ref), _keys(SoftKeySetIndex.RING_IN, line, ref), info,
           _lamp(Stimulus.LINE, line, LampMode.BLINK)]
    if waiting:  # the phone is busy on another call: a beep, not the ringer
        out += [_state(CallState.CALL_WAITING, line, ref),
                m.StartToneMessage(tone=Tone.CALL_WAITING, direction=0, line_instance=line, call_reference=ref)]
    else:
        out.append(m.SetRingerMessage(ring_mode=RingMode.INSIDE, ring_duration=1, line_instance=line, call_reference=ref))
    return out


def answering(line, ref):
    return [m.SetRingerMessage(ring_mode=RingMode.OFF, ring_duration=1, line_instance=line, call_reference=ref),
            _lamp(Stimulus.LINE, line, LampMode.ON),
            _state(CallState.OFF_HOOK, line, ref), _call_plane(line)]


def connected(line, ref, info, *, receiving=False):
    """`receiving`: the receive channel was opened before the answer (a call to a trunk)."""
    out = [m.StopToneMessage(line_instance=line, call_reference=ref), info,
           _state(CallState.CONNECTED, line, ref), _keys(SoftKeySetIndex.CONNECTED, line, ref)]
    return out if receiving else out + [open_receive(ref)]


def stop_tone(line, ref):
    return m.StopToneMessage(line_instance=line, call_reference=ref)


def open_receive(ref, codec: str = ""):
    return m.OpenReceiveChannelMessage(
        conference_id=ref, pass_thru_party_id=ref, packet_size_ms=PACKET_MS,
        compression_type=CODECS.get(codec, CODEC), call_reference=ref,
    )


@lru_cache(maxsize=4096)
def _address(ip: str) -> IPv4Address:
    """The media address of a phone or trunk: the same few, parsed once each, not per call."""
    return IPv4Address(ip)


def start_media(ref, ip: str, port: int, codec: str = "", dtmf_payload: int = 0):
    """`dtmf_payload`: the far end takes keypad digits as RFC 4733 events (dtmf-relay rtp-nte)."""
    return [m.StartMediaTransmissionMessage(
        conference_id=ref, pass_thru_party_id=ref, remote_ip=_address(ip), remote_port=port,
        packet_size_ms=PACKET_MS, compression_type=CODECS.get(codec, CODEC), call_reference=ref,
        rfc2833_payload_type=dtmf_payload,
    )]


def stop_media(ref):
    return [m.CloseReceiveChannelMessage(conference_id=ref, pass_thru_party_id=ref, call_reference=ref),
            m.StopMediaTransmissionMessage(conference_id=ref, pass_thru_party_id=ref, call_reference=ref)]


def hold(line, ref):
    return stop_media(ref) + [_state(CallState.HOLD, line, ref),
                              _lamp(Stimulus.LINE, line, LampMode.WINK),
                              _keys(SoftKeySetIndex.ON_HOLD, line, ref)]


def resume(line, ref, info):
    return [_lamp(Stimulus.LINE, line, LampMode.ON),
            _call_plane(line)] + connected(line, ref, info)


def failed(line, ref, *, busy: bool):
    """Busy tone for a busy far end; reorder and "invalid number" for a number that is not."""
    if busy:
        return [_state(CallState.BUSY, line, ref),
                m.StartToneMessage(tone=Tone.BUSY, direction=0, line_instance=line, call_reference=ref)]
    return [_state(CallState.INVALID_NUMBER, line, ref),
            m.StartToneMessage(tone=Tone.REORDER, direction=0, line_instance=line, call_reference=ref)]


def on_hook(line, ref, *, media=True, speaker_off=True):
    out = [m.StopToneMessage(line_instance=line, call_reference=ref),
           m.SetRingerMessage(ring_mode=RingMode.OFF, ring_duration=1, line_instance=line, call_reference=ref),
           _lamp(Stimulus.LINE, line, LampMode.OFF),
           m.ClearPromptStatusMessage(line_instance=line, call_reference=ref)]
    if media:
        out += stop_media(ref)
    out += [_state(CallState.ON_HOOK, line, ref), _keys(SoftKeySetIndex.ON_HOOK, line, ref)]
    if speaker_off:
        out.append(_SPEAKER[SpeakerMode.OFF])
    return out


def forward_status(line, number):
    """ForwardStatRes, unasked: the phone shows "Forwarded to N" (or stops)."""
    on = 1 if number else 0
    return [m.ForwardStatResMessage(active_forward=on, line_number=line, forward_all_active=on,
                                    forward_all_number=number or "")]


def dnd(on: bool):
    if on:
        return [m.DisplayNotifyMessage(timeout=0, text="Do Not Disturb")]
    return [m.ClearNotifyMessage()]


def not_saved(line):
    """A feature key's change could not be kept: a prompt for a few seconds, nothing else changes."""
    return [m.DisplayPromptStatusMessage(timeout=5, text="Cannot save", line_instance=line, call_reference=0)]


def message_lamp(on: bool):
    """The message-waiting lamp: the whole device (instance 0), as CallManager does."""
    return [m.SetLampMessage(stimulus=Stimulus.VOICEMAIL, stimulus_instance=0,
                             lamp_mode=LampMode.ON if on else LampMode.OFF)]


def forward_prompt(line):
    return [m.DisplayPromptStatusMessage(timeout=0, text="Forward all: enter number", line_instance=line,
                                         call_reference=0),
            m.StartToneMessage(tone=Tone.INSIDE_DIAL, direction=0, line_instance=line, call_reference=0),
            _keys(SoftKeySetIndex.OFF_HOOK_FEATURE, line, 0)]


def forward_prompt_done(line):
    return [m.StopToneMessage(line_instance=line, call_reference=0),
            m.ClearPromptStatusMessage(line_instance=line, call_reference=0),
            _keys(SoftKeySetIndex.ON_HOOK, line, 0)]


def transfer_prompt(line):
    return [m.DisplayPromptStatusMessage(timeout=0, text="Transfer to: enter number", line_instance=line,
                                         call_reference=0),
            m.StartToneMessage(tone=Tone.INSIDE_DIAL, direction=0, line_instance=line, call_reference=0),
            _keys(SoftKeySetIndex.OFF_HOOK_FEATURE, line, 0)]


def dtmf(line, ref, digits: str):
    """Play the far end's DTMF digits to the user, one tone each (out-of-band relay)."""
    out = []
    for char in digits:
        out += [m.StartToneMessage(tone=dtmf_tone(char), direction=ToneDirection.USER, line_instance=line, call_reference=ref),
                m.StopToneMessage(line_instance=line, call_reference=ref)]
    return out


def ring_again(line, ref):
    """A call that was waiting (or ringing beside another) rings as the phone's only call."""
    return [_state(CallState.RING_IN, line, ref), _keys(SoftKeySetIndex.RING_IN, line, ref),
            m.SetRingerMessage(ring_mode=RingMode.INSIDE, ring_duration=1, line_instance=line, call_reference=ref)]
