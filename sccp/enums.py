"""SCCP enumerations (values as real CallManagers and phones use them; see the sccp.md reading notes).

Decoders map a wire value to one of these when it is known and keep the plain int when
it is not: phones send values newer than any table, and an unknown lamp mode is no
reason to drop a message.
"""
from enum import IntEnum


class CallState(IntEnum):
    IDLE = 0
    OFF_HOOK = 1
    ON_HOOK = 2
    RING_OUT = 3
    RING_IN = 4
    CONNECTED = 5
    BUSY = 6
    CONGESTION = 7
    HOLD = 8
    CALL_WAITING = 9
    CALL_TRANSFER = 10
    CALL_PARK = 11
    PROCEED = 12
    CALL_REMOTE_MULTILINE = 13
    INVALID_NUMBER = 14
    HOLD_REVERT = 15
    WHISPER = 16
    REMOTE_HOLD = 17


class Stimulus(IntEnum):
    """Stimulus of a button press, and the definition of a button in ButtonTemplateRes."""

    LAST_NUMBER_REDIAL = 0x01
    SPEED_DIAL = 0x02
    HOLD = 0x03
    TRANSFER = 0x04
    FORWARD_ALL = 0x05
    FORWARD_BUSY = 0x06
    FORWARD_NO_ANSWER = 0x07
    DISPLAY = 0x08
    LINE = 0x09
    VOICEMAIL = 0x0F
    AUTO_ANSWER = 0x11
    SERVICE_URL = 0x14
    BLF_SPEED_DIAL = 0x15
    MEET_ME = 0x7B
    CONFERENCE = 0x7D
    CALL_PARK = 0x7E
    CALL_PICKUP = 0x7F
    GROUP_PICKUP = 0x80
    DO_NOT_DISTURB = 0x82
    NEW_CALL = 0x89
    END_CALL = 0x8A
    UNDEFINED = 0xFF


class SoftKeyEvent(IntEnum):
    REDIAL = 1
    NEW_CALL = 2
    HOLD = 3
    TRANSFER = 4
    CFWD_ALL = 5
    CFWD_BUSY = 6
    CFWD_NO_ANSWER = 7
    BACKSPACE = 8
    END_CALL = 9
    RESUME = 10
    ANSWER = 11
    INFO = 12
    CONFRN = 13
    PARK = 14
    JOIN = 15
    MEET_ME = 16
    PICKUP = 17
    GROUP_PICKUP = 18


class SoftKeySetIndex(IntEnum):
    """Index into the server's own SoftKeySetRes; the names are CME's call situations."""

    ON_HOOK = 0
    CONNECTED = 1
    ON_HOLD = 2
    RING_IN = 3
    OFF_HOOK = 4
    CONNECTED_TRANSFER = 5
    DIGITS_FOLLOWING = 6
    CONNECTED_CONFERENCE = 7
    RING_OUT = 8
    OFF_HOOK_FEATURE = 9
    IN_USE_HINT = 10
    ON_HOOK_STEALABLE = 11


class LampMode(IntEnum):
    OFF = 1
    ON = 2
    WINK = 3
    FLASH = 4
    BLINK = 5


class RingMode(IntEnum):
    OFF = 1
    INSIDE = 2
    OUTSIDE = 3
    FEATURE = 4
    FLASH_ONLY = 5
    PRECEDENCE = 6


class RingDuration(IntEnum):
    NORMAL = 1
    SINGLE = 2


class SpeakerMode(IntEnum):
    ON = 1
    OFF = 2


class HeadsetMode(IntEnum):
    ON = 1
    OFF = 2


class Tone(IntEnum):
    """DeviceTone (Wireshark's values; sccp.md lists only the call-progress tones)."""

    DTMF_1 = 0x01  # 0x01-0x09: DTMF 1-9
    DTMF_0 = 0x0A
    DTMF_STAR = 0x0E
    DTMF_POUND = 0x0F
    DTMF_A = 0x10  # 0x10-0x13: DTMF A-D
    INSIDE_DIAL = 0x21
    OUTSIDE_DIAL = 0x22
    BUSY = 0x23
    ALERTING = 0x24  # ringback
    REORDER = 0x25
    CALL_WAITING = 0x2D
    ZIP_ZIP = 0x31
    ZIP = 0x32
    NO_TONE = 0x7F


class ToneDirection(IntEnum):
    USER = 0
    NETWORK = 1
    ALL = 2


class CallType(IntEnum):
    INBOUND = 1
    OUTBOUND = 2
    FORWARD = 3


class DeviceType(IntEnum):
    CISCO_7960 = 7
    CISCO_7940 = 8
    CISCO_7941 = 115
    CISCO_7971 = 119
    CISCO_7961_GE = 308
    CISCO_7941_GE = 309
    CISCO_7970 = 30006
    IP_COMMUNICATOR = 30016
    CISCO_7961 = 30018


class Codec(IntEnum):
    """RTP payload capability / compression type."""

    G711_ALAW = 2
    G711_ULAW = 4
    G722 = 6
    G729 = 11
    G729A = 12
    G729B = 15
    G729AB = 16
    RFC2833 = 257


class ResetType(IntEnum):
    RESET = 1
    RESTART = 2
    APPLY_CONFIG = 3


class UnregisterReason(IntEnum):
    UNKNOWN = 0
    POWER_SAVE = 1


class UnregisterStatus(IntEnum):
    OK = 0
    ERROR = 1
    NAK = 2


class MediaStatus(IntEnum):
    """OpenReceiveChannelAck status."""

    OK = 0
    ERROR = 1


# KeypadButton values 0-16 index this string: 10-13 are A-D, then '*', '#', '+'.
KEYPAD = "0123456789ABCD*#+"


def keypad_digit(button: int) -> str:
    """The dialled character for a KeypadButton value ('?' for an unknown button)."""
    return KEYPAD[button] if 0 <= button < len(KEYPAD) else "?"


_DTMF_TONES = {**{str(d): d for d in range(1, 10)}, "0": 0x0A, "*": 0x0E, "#": 0x0F,
               "A": 0x10, "B": 0x11, "C": 0x12, "D": 0x13}
_TONE_DTMF = {tone: char for char, tone in _DTMF_TONES.items()}


def dtmf_tone(char: str) -> int:
    """The DeviceTone that plays DTMF `char` (0-9 * # A-D); KeyError for anything else."""
    return _DTMF_TONES[char.upper()]


def tone_dtmf(tone: int) -> str | None:
    """The DTMF character a DeviceTone plays, None for a call-progress tone."""
    return _TONE_DTMF.get(int(tone))


def keypad_button(digit: str) -> int:
    """The KeypadButton value for a dialled character; ValueError when there is none."""
    index = KEYPAD.find(digit.upper()) if len(digit) == 1 else -1
    if index < 0:
        raise ValueError(f"no keypad button for {digit!r}")
    return index
