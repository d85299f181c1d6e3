"""Registration and keepalive: how a phone joins, stays and leaves (sccp.md tables)."""
from ipaddress import IPv4Address
from typing import Annotated

from sccp.enums import (Codec, DeviceType, ResetType, UnregisterReason,
                        UnregisterStatus)
from sccp.fields import (C6, C16, C32, C48, C80, U8, U16, U32, Array, IPv4Addr,
                         Octets, u32)
from sccp.message import Message, Record, message, record


@message(0x0000)
class KeepAliveMessage(Message):
    pass


@message(0x0001, extensions=("active_streams", "active_conferences", "config_version_stamp"))
class RegisterMessage(Message):
    """Body 36 bytes; later firmware appends groups (48, 124, 172 bytes in all).

    Sent in the shortest of these forms that carries its values. Wireshark decodes the
    groups only when the length field exceeds 52, 100 and 191, so it never shows a
    configVersionStamp in a 172-byte body (length 176).
    """

    device_name: C16 = ""  # "SEP" + MAC
    user_id: U32 = 0
    instance: U32 = 0
    station_ip: IPv4Addr = IPv4Address(0)
    device_type: Annotated[DeviceType, u32(DeviceType)] = DeviceType.CISCO_7960
    max_streams: U32 = 0
    # length > 52
    active_streams: U32 = 0
    protocol_version: U8 = 0
    unknown: U8 = 0
    phone_features: U16 = 0
    max_conferences: U32 = 0
    # length > 100
    active_conferences: U32 = 0
    mac_address: Annotated[bytes, Octets(12)] = bytes(12)  # 6 bytes used
    ipv4_scope: U32 = 0
    max_lines: U32 = 0
    station_ipv6: Annotated[bytes, Octets(16)] = bytes(16)
    ipv6_scope: U32 = 0
    load_name: C32 = ""
    # length > 191
    config_version_stamp: C48 = ""


@record
class Capability(Record):
    payload_capability: Annotated[Codec, u32(Codec)] = 0
    max_frames_per_packet: U32 = 0
    parameters: Annotated[bytes, Octets(8)] = bytes(8)  # codec-specific union


@message(0x0010)
class CapabilitiesResMessage(Message):
    cap_count: U32 = 0
    capabilities: Annotated[tuple[Capability, ...], Array(Capability, 18)] = ()


@message(0x0020)
class AlarmMessage(Message):
    severity: U32 = 0
    text: C80 = ""
    parm1: U32 = 0
    parm2: U32 = 0


@message(0x0027, extensions=("reason",))
class UnregisterMessage(Message):
    """Sent empty unless there is a reason (Wireshark reads one only when length > 12)."""

    reason: Annotated[UnregisterReason, u32(UnregisterReason)] = UnregisterReason.UNKNOWN


@message(0x002D)
class RegisterAvailableLinesMessage(Message):
    max_num_of_avail_lines: U32 = 0


@message(0x0081)
class RegisterAckMessage(Message):
    keep_alive_interval: U32 = 30
    date_template: C6 = "D/M/Y"
    reserved: U16 = 0
    secondary_keep_alive_interval: U32 = 30
    max_protocol_version: U8 = 0
    unknown: U8 = 0
    features: U16 = 0


@message(0x009B)
class CapabilitiesReqMessage(Message):
    pass


@message(0x009D)
class RegisterRejectMessage(Message):
    text: C32 = ""


@message(0x009F)
class ResetMessage(Message):
    reset_type: Annotated[ResetType, u32(ResetType)] = ResetType.RESET


@message(0x0100)
class KeepAliveAckMessage(Message):
    pass


@message(0x0118)
class UnregisterAckMessage(Message):
    status: Annotated[UnregisterStatus, u32(UnregisterStatus)] = UnregisterStatus.OK
