"""One realistic instance of every message, with no field left at its default where the
protocol allows, so that a misplaced field shows up in tshark's decode and in byte tests."""
from ipaddress import IPv4Address

from sccp.enums import (CallState, CallType, Codec, DeviceType, HeadsetMode, LampMode,
                        MediaStatus, ResetType, RingDuration, RingMode, SoftKeyEvent,
                        SoftKeySetIndex, SpeakerMode, Stimulus, Tone, ToneDirection,
                        UnregisterReason, UnregisterStatus)
from sccp.messages import *  # noqa: F403

PHONE = IPv4Address("192.0.2.10")
OTHER = IPv4Address("192.0.2.11")
KEY = KeyInfo(1, 16, 14, bytes(range(16)), bytes(range(16, 30)), 1, 2)

SAMPLES = [
    # phone -> server
    KeepAliveMessage(),
    RegisterMessage("SEP001E4A34A35F", 0, 1, PHONE, DeviceType.CISCO_7960, 5, 1, 0x10, 0,
                    0x0002, 1, 0, bytes.fromhex("001e4a34a35f"), 0, 6, bytes(16), 0,
                    "P00308010200", ""),
    IpPortMessage(16384),
    KeypadButtonMessage(15, 1, 7),
    EnblocCallMessage("2001", 1),
    StimulusMessage(Stimulus.LINE, 1, 7, 1),
    OffHookMessage(1, 7),
    OnHookMessage(1, 7),
    ForwardStatReqMessage(1),
    SpeedDialStatReqMessage(1),
    LineStatReqMessage(1),
    ConfigStatReqMessage(),
    TimeDateReqMessage(),
    ButtonTemplateReqMessage(),
    VersionReqMessage(),
    CapabilitiesResMessage(18, [Capability(Codec.G711_ULAW, 40),
                                Capability(Codec.G711_ALAW, 40),
                                Capability(Codec.G729, 60)]
                           + [Capability(Codec.G729A, n) for n in range(1, 16)]),
    AlarmMessage(2, "Name=SEP001E4A34A35F Load=P00308010200 Last=TCP-timeout", 1, 2),
    OpenReceiveChannelAckMessage(MediaStatus.OK, PHONE, 16384, 33554433, 7),
    ConnectionStatisticsResMessage("2001", 7, 0, 1000, 160000, 999, 159840, 1, 3, 20),
    SoftKeySetReqMessage(),
    SoftKeyEventMessage(SoftKeyEvent.ANSWER, 1, 7),
    UnregisterMessage(UnregisterReason.POWER_SAVE),
    SoftKeyTemplateReqMessage(),
    HeadsetStatusMessage(HeadsetMode.OFF),
    RegisterAvailableLinesMessage(6),
    FeatureStatReqMessage(2, 1),
    # server -> phone
    RegisterAckMessage(30, "M/D/Y", 0, 30, 0x10, 0, 0),
    StartToneMessage(Tone.ALERTING, ToneDirection.USER, 1, 7),
    StopToneMessage(1, 7),
    SetRingerMessage(RingMode.INSIDE, RingDuration.NORMAL, 1, 7),
    SetLampMessage(Stimulus.LINE, 1, LampMode.BLINK),
    SetSpeakerModeMessage(SpeakerMode.ON),
    StartMediaTransmissionMessage(7, 33554433, OTHER, 16386, 20, Codec.G711_ULAW, 0, 0, 1,
                                  0, 0, 7, KEY, 1, 2, 101, 1, 0, 0),
    StopMediaTransmissionMessage(7, 33554433, 7, 0),
    CallInfoMessage("Alice", "2001", "Bob", "2002", 1, 7, CallType.OUTBOUND,
                    "Bob", "2002", "Carol", "2003", 1, 2, "2001", "2002", "2002", "2003",
                    1, 1, 0),
    ForwardStatResMessage(1, 1, 1, "2099", 1, "2098", 1, "2097"),
    SpeedDialStatResMessage(1, "2002", "Bob"),
    LineStatResMessage(1, "2001", "Alice Example", "Alice", 15),
    ConfigStatResMessage("SEP001E4A34A35F", 0, 1, "alice", "CME", 2, 1),
    DefineTimeDateMessage(2024, 5, 3, 15, 13, 45, 30, 250, 1715780730),
    ButtonTemplateResMessage(0, 42, 42, [Button(1, Stimulus.LINE), Button(2, Stimulus.LINE),
                                         Button(1, Stimulus.SPEED_DIAL)]
                             + [Button(n, Stimulus.SPEED_DIAL) for n in range(2, 41)]),
    VersionResMessage("P00308010200"),
    CapabilitiesReqMessage(),
    RegisterRejectMessage("Unknown device SEP001E4A34A35F"),
    ResetMessage(ResetType.RESTART),
    KeepAliveAckMessage(),
    OpenReceiveChannelMessage(7, 33554433, 20, Codec.G711_ULAW, 1, 0, 7, KEY, 1, 2, 101, 1),
    CloseReceiveChannelMessage(7, 33554433, 7, 0),
    ConnectionStatisticsReqMessage("2001", 7, 1),
    SoftKeyTemplateResMessage(0, 32, 32, [SoftKeyDefinition(f"\x80{code:c}", code)
                                          for code in range(1, 33)]),
    SoftKeySetResMessage(0, 16, 16, [SoftKeySet(tuple(range(1, 17)), tuple(range(101, 117)))
                                     for _ in range(16)]),
    SelectSoftKeysMessage(1, 7, SoftKeySetIndex.RING_IN, 0xFFFF),
    CallStateMessage(CallState.RING_IN, 1, 7, 0, 4, 0),
    DisplayPromptStatusMessage(10, "\x80\x14", 1, 7),
    ClearPromptStatusMessage(1, 7),
    DisplayNotifyMessage(10, "Forwarded to 2099"),
    ClearNotifyMessage(),
    ActivateCallPlaneMessage(1),
    DeactivateCallPlaneMessage(),
    UnregisterAckMessage(UnregisterStatus.OK),
    DialedNumberMessage("2002", 1, 7),
    FeatureStatResMessage(2, 0x15, "Bob", 1),
    DisplayPriNotifyMessage(10, 1, "Message waiting"),
]
