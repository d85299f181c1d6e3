"""The call steps a phone is shown most, as frames: sccp/presenter.py's sequences without
building a message object that is only made to be encoded.

Each function here is the presenter function of the same name, encoded: it returns
``b"".join(map(encode, presenter.X(...)))``, packed field by field by
:func:`sccp.framing.fields_frame` (about 0.5 us a message against ~3 us for a message
object and its encoding; a phone-to-phone call sends about 55). Only the steps of an
ordinary call are here; every other step is rendered by the presenter and encoded
(actors/phone_view.py). The presenter stays the reference: tests/actors/test_phone_view.py
compares every step rendered both ways for any line, call reference, number, name and
flag; tests/sccp/test_step_frames.py compares fields_frame with the message encoded.
"""
from __future__ import annotations

from functools import lru_cache

from sccp import messages as m
from sccp import presenter as show
from sccp.enums import (CallState, CallType, LampMode, RingMode, SoftKeySetIndex, SpeakerMode,
                        Stimulus, Tone)
from sccp.framing import encode, fields_frame

_ringer = fields_frame(m.SetRingerMessage)
_call_state = fields_frame(m.CallStateMessage)
_soft_keys = fields_frame(m.SelectSoftKeysMessage)
_prompt = fields_frame(m.DisplayPromptStatusMessage)
_clear_prompt = fields_frame(m.ClearPromptStatusMessage)
_start_tone = fields_frame(m.StartToneMessage)
_stop_tone = fields_frame(m.StopToneMessage)
_dialed = fields_frame(m.DialedNumberMessage)
_info = fields_frame(m.CallInfoMessage)
_open_receive = fields_frame(m.OpenReceiveChannelMessage)
_start_media = fields_frame(m.StartMediaTransmissionMessage)
_close_receive = fields_frame(m.CloseReceiveChannelMessage)
_stop_media = fields_frame(m.StopMediaTransmissionMessage)

_SPEAKER_ON = encode(show._SPEAKER[SpeakerMode.ON])
_SPEAKER_OFF = encode(show._SPEAKER[SpeakerMode.OFF])


def _lamp(line: int, mode: LampMode) -> bytes:
    return encode(show._lamp(Stimulus.LINE, line, mode))  # shared messages: constant frames


def _state(state: CallState, line: int, ref: int) -> bytes:
    return _call_state(call_state=state, line_instance=line, call_reference=ref)


def _keys(index: SoftKeySetIndex, line: int, ref: int) -> bytes:
    return _soft_keys(line_instance=line, call_reference=ref, soft_key_set=index)


def _ringer_off(line: int, ref: int) -> bytes:
    return _ringer(ring_mode=RingMode.OFF, ring_duration=1, line_instance=line, call_reference=ref)


@lru_cache(maxsize=1024)  # shown at ringing and again at answer, like the presenter's
def call_info(line, ref, calling="", calling_name="", called="", called_name="", outbound=True) -> bytes:
    """The presenter's call_info, encoded; called with positional arguments (the cache's
    key is then a plain tuple of them, not one built from keywords)."""
    return _info(calling_party_name=calling_name, calling_party=calling, called_party_name=called_name,
                 called_party=called, line_instance=line, call_reference=ref,
                 call_type=CallType.OUTBOUND if outbound else CallType.INBOUND)


def off_hook(line, ref, *, speaker=False) -> bytes:
    return b"".join([
        _ringer_off(line, ref),
        _SPEAKER_ON if speaker else b"",
        _lamp(line, LampMode.ON),
        _state(CallState.OFF_HOOK, line, ref),
        _keys(SoftKeySetIndex.OFF_HOOK, line, ref),
        _prompt(timeout=0, text="Enter number", line_instance=line, call_reference=ref),
        encode(show._call_plane(line)),
        _start_tone(tone=Tone.INSIDE_DIAL, direction=0, line_instance=line, call_reference=ref),
    ])


def first_digit(line, ref) -> bytes:
    return _stop_tone(line_instance=line, call_reference=ref) + _keys(SoftKeySetIndex.DIGITS_FOLLOWING, line, ref)


def proceeding(line, ref, number, info: bytes) -> bytes:
    return b"".join([_state(CallState.PROCEED, line, ref),
                     _dialed(number=number, line_instance=line, call_reference=ref), info])


def ring_out(line, ref, *, tone=True) -> bytes:
    out = _state(CallState.RING_OUT, line, ref) + _keys(SoftKeySetIndex.RING_OUT, line, ref)
    if tone:
        return _start_tone(tone=Tone.ALERTING, direction=0, line_instance=line, call_reference=ref) + out
    return out


def ring_in(line, ref, info: bytes, *, waiting=False) -> bytes:
    return ring_in_before_info(line, ref) + info + ring_in_after_info(line, ref, waiting)


def ring_in_before_info(line, ref) -> bytes:
    return _state(CallState.RING_IN, line, ref) + _keys(SoftKeySetIndex.RING_IN, line, ref)


def ring_in_after_info(line, ref, waiting=False) -> bytes:
    if waiting:
        return b"".join([_lamp(line, LampMode.BLINK), _state(CallState.CALL_WAITING, line, ref),
                         _start_tone(tone=Tone.CALL_WAITING, direction=0, line_instance=line, call_reference=ref)])
    return _lamp(line, LampMode.BLINK) + _ringer(ring_mode=RingMode.INSIDE, ring_duration=1, line_instance=line,
                                                  call_reference=ref)


def answering(line, ref) -> bytes:
    return b"".join([_ringer_off(line, ref), _lamp(line, LampMode.ON),
                     _state(CallState.OFF_HOOK, line, ref), encode(show._call_plane(line))])


def connected(line, ref, info: bytes, *, receiving=False) -> bytes:
    return _stop_tone(line_instance=line, call_reference=ref) + info + connected_after_info(line, ref, receiving)


def connected_after_info(line, ref, receiving=False) -> bytes:
    out = _state(CallState.CONNECTED, line, ref) + _keys(SoftKeySetIndex.CONNECTED, line, ref)
    return out if receiving else out + open_receive(ref)


def stop_tone(line, ref) -> bytes:
    return _stop_tone(line_instance=line, call_reference=ref)


def open_receive(ref, codec: str = "") -> bytes:
    return _open_receive(conference_id=ref, pass_thru_party_id=ref, packet_size_ms=show.PACKET_MS,
                         compression_type=show.CODECS.get(codec, show.CODEC), call_reference=ref)


def start_media(ref, ip: str, port: int, codec: str = "", dtmf_payload: int = 0) -> bytes:
    return _start_media(conference_id=ref, pass_thru_party_id=ref, remote_ip=show._address(ip), remote_port=port,
                        packet_size_ms=show.PACKET_MS, compression_type=show.CODECS.get(codec, show.CODEC),
                        call_reference=ref, rfc2833_payload_type=dtmf_payload)


def stop_media(ref) -> bytes:
    return (_close_receive(conference_id=ref, pass_thru_party_id=ref, call_reference=ref)
            + _stop_media(conference_id=ref, pass_thru_party_id=ref, call_reference=ref))


def on_hook(line, ref, *, media=True, speaker_off=True) -> bytes:
    return b"".join([
        _stop_tone(line_instance=line, call_reference=ref),
        _ringer_off(line, ref),
        _lamp(line, LampMode.OFF),
        _clear_prompt(line_instance=line, call_reference=ref),
        stop_media(ref) if media else b"",
        _state(CallState.ON_HOOK, line, ref),
        _keys(SoftKeySetIndex.ON_HOOK, line, ref),
        _SPEAKER_OFF if speaker_off else b"",
    ])
