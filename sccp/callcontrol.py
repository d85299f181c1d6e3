"""Call control: hook, keys and softkeys from the phone; call state, tones, ringer,
lamps, softkey sets, prompts and caller information to it (sccp.md tables)."""
from typing import Annotated

from sccp.enums import (CallState, CallType, HeadsetMode, LampMode, RingDuration,
                        RingMode, SoftKeyEvent, SoftKeySetIndex, SpeakerMode, Stimulus,
                        Tone, ToneDirection)
from sccp.fields import C24, C32, C40, U32, u32
from sccp.message import Message, message


@message(0x0003, optional=("line_instance",))
class KeypadButtonMessage(Message):
    button: U32 = 0  # index into enums.KEYPAD
    line_instance: U32 = 0  # old phones send the button only
    call_reference: U32 = 0


@message(0x0004, optional=("line_instance",))
class EnblocCallMessage(Message):
    called_party: C24 = ""
    line_instance: U32 = 0


@message(0x0005, optional=("stimulus_status",))
class StimulusMessage(Message):
    stimulus: Annotated[Stimulus, u32(Stimulus)] = Stimulus.LINE
    stimulus_instance: U32 = 0
    call_reference: U32 = 0
    stimulus_status: U32 = 0  # some phones send 12 bytes


@message(0x0006, optional=("line_instance",))
class OffHookMessage(Message):
    line_instance: U32 = 0  # old phones send an empty body
    call_reference: U32 = 0


@message(0x0007, optional=("line_instance",))
class OnHookMessage(Message):
    line_instance: U32 = 0
    call_reference: U32 = 0


@message(0x0026)
class SoftKeyEventMessage(Message):
    soft_key_event: Annotated[SoftKeyEvent, u32(SoftKeyEvent)] = 0
    line_instance: U32 = 0
    call_reference: U32 = 0


@message(0x002B)
class HeadsetStatusMessage(Message):
    mode: Annotated[HeadsetMode, u32(HeadsetMode)] = HeadsetMode.ON


@message(0x0082)
class StartToneMessage(Message):
    tone: Annotated[Tone, u32(Tone)] = Tone.INSIDE_DIAL
    direction: Annotated[ToneDirection, u32(ToneDirection)] = ToneDirection.USER
    line_instance: U32 = 0
    call_reference: U32 = 0


@message(0x0083, optional=("call_reference",))
class StopToneMessage(Message):
    line_instance: U32 = 0
    call_reference: U32 = 0


@message(0x0085)
class SetRingerMessage(Message):
    ring_mode: Annotated[RingMode, u32(RingMode)] = RingMode.OFF
    ring_duration: Annotated[RingDuration, u32(RingDuration)] = RingDuration.NORMAL
    line_instance: U32 = 0
    call_reference: U32 = 0


@message(0x0086)
class SetLampMessage(Message):
    stimulus: Annotated[Stimulus, u32(Stimulus)] = Stimulus.LINE
    stimulus_instance: U32 = 0
    lamp_mode: Annotated[LampMode, u32(LampMode)] = LampMode.OFF


@message(0x0088)
class SetSpeakerModeMessage(Message):
    mode: Annotated[SpeakerMode, u32(SpeakerMode)] = SpeakerMode.OFF


@message(0x008F)
class CallInfoMessage(Message):
    calling_party_name: C40 = ""
    calling_party: C24 = ""
    called_party_name: C40 = ""
    called_party: C24 = ""
    line_instance: U32 = 0
    call_reference: U32 = 0
    call_type: Annotated[CallType, u32(CallType)] = CallType.INBOUND
    original_called_party_name: C40 = ""
    original_called_party: C24 = ""
    last_redirecting_party_name: C40 = ""
    last_redirecting_party: C24 = ""
    original_cdpn_redirect_reason: U32 = 0
    last_redirecting_reason: U32 = 0
    calling_party_voice_mailbox: C24 = ""
    called_party_voice_mailbox: C24 = ""
    original_called_party_voice_mailbox: C24 = ""
    last_redirecting_voice_mailbox: C24 = ""
    call_instance: U32 = 0
    call_security_status: U32 = 0
    party_pi_restriction_bits: U32 = 0


@message(0x0110)
class SelectSoftKeysMessage(Message):
    line_instance: U32 = 0
    call_reference: U32 = 0
    soft_key_set: Annotated[SoftKeySetIndex, u32(SoftKeySetIndex)] = SoftKeySetIndex.ON_HOOK
    valid_key_mask: U32 = 0xFFFFFFFF


@message(0x0111)
class CallStateMessage(Message):
    call_state: Annotated[CallState, u32(CallState)] = CallState.IDLE
    line_instance: U32 = 0
    call_reference: U32 = 0
    privacy: U32 = 0
    precedence_level: U32 = 4  # MLPP "routine"
    precedence_domain: U32 = 0


@message(0x0112)
class DisplayPromptStatusMessage(Message):
    timeout: U32 = 0
    text: C32 = ""
    line_instance: U32 = 0
    call_reference: U32 = 0


@message(0x0113)
class ClearPromptStatusMessage(Message):
    line_instance: U32 = 0
    call_reference: U32 = 0


@message(0x0114)
class DisplayNotifyMessage(Message):
    timeout: U32 = 0
    text: C32 = ""


@message(0x0115)
class ClearNotifyMessage(Message):
    pass


@message(0x0116)
class ActivateCallPlaneMessage(Message):
    line_instance: U32 = 0


@message(0x0117)
class DeactivateCallPlaneMessage(Message):
    pass


@message(0x011D)
class DialedNumberMessage(Message):
    number: C24 = ""
    line_instance: U32 = 0
    call_reference: U32 = 0


@message(0x0120)
class DisplayPriNotifyMessage(Message):
    timeout: U32 = 0
    priority: U32 = 0
    text: C32 = ""
