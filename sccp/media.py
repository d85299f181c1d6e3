"""Media channels: the server tells each phone where to receive and where to send RTP;
the media itself flows phone to phone (sccp.md tables).

Real CallManager 4.1 sent shorter forms of OpenReceiveChannel, Start/StopMediaTransmission
and CloseReceiveChannel (no callReference and later), which decode with defaults here; we
always send the full forms because tshark flags the short ones as malformed.
"""
from ipaddress import IPv4Address
from typing import Annotated

from sccp.enums import Codec, MediaStatus
from sccp.fields import C24, U16, U32, IPv4Addr, Octets, u32
from sccp.message import Message, Record, message, record


@record
class KeyInfo(Record):
    """SRTP key material (48 bytes); all zero when media is not encrypted."""

    algorithm_id: U32 = 0
    key_length: U16 = 0
    salt_length: U16 = 0
    key: Annotated[bytes, Octets(16)] = bytes(16)
    salt: Annotated[bytes, Octets(16)] = bytes(16)
    is_mki_present: U32 = 0
    key_derivation_rate: U32 = 0


@message(0x0002)
class IpPortMessage(Message):
    rtp_media_port: U32 = 0


@message(0x0022, optional=("call_reference",))
class OpenReceiveChannelAckMessage(Message):
    status: Annotated[MediaStatus, u32(MediaStatus)] = MediaStatus.OK
    ip_address: IPv4Addr = IPv4Address(0)  # where this phone receives RTP
    port: U32 = 0
    pass_thru_party_id: U32 = 0
    call_reference: U32 = 0


@message(0x0023)
class ConnectionStatisticsResMessage(Message):
    directory_number: C24 = ""
    call_reference: U32 = 0
    stats_processing_mode: U32 = 0
    packets_sent: U32 = 0
    octets_sent: U32 = 0
    packets_received: U32 = 0
    octets_received: U32 = 0
    packets_lost: U32 = 0
    jitter: U32 = 0
    latency: U32 = 0


@message(0x008A, optional=("call_reference",), extensions=("party_direction",))
class StartMediaTransmissionMessage(Message):
    conference_id: U32 = 0
    pass_thru_party_id: U32 = 0
    remote_ip: IPv4Addr = IPv4Address(0)  # the other phone's OpenReceiveChannelAck address
    remote_port: U32 = 0
    packet_size_ms: U32 = 20
    compression_type: Annotated[Codec, u32(Codec)] = Codec.G711_ULAW
    precedence: U32 = 0
    silence_suppression: U32 = 0
    max_frames_per_packet: U16 = 0
    reserved: U16 = 0
    g723_bit_rate: U32 = 0
    call_reference: U32 = 0
    key_info: KeyInfo = KeyInfo()
    stream_pass_through_id: U32 = 0
    assoc_stream_id: U32 = 0
    rfc2833_payload_type: U32 = 0
    dtmf_type: U32 = 0
    mixing_mode: U32 = 0
    # Wireshark reads partyDirection only from header version 0x0F: sent when set.
    party_direction: U32 = 0


@message(0x008B, optional=("call_reference",))
class StopMediaTransmissionMessage(Message):
    conference_id: U32 = 0
    pass_thru_party_id: U32 = 0
    call_reference: U32 = 0
    port_handling_flag: U32 = 0


@message(0x0105, optional=("call_reference",))
class OpenReceiveChannelMessage(Message):
    conference_id: U32 = 0
    pass_thru_party_id: U32 = 0
    packet_size_ms: U32 = 20
    compression_type: Annotated[Codec, u32(Codec)] = Codec.G711_ULAW
    echo_cancellation: U32 = 0
    g723_bit_rate: U32 = 0
    call_reference: U32 = 0
    key_info: KeyInfo = KeyInfo()
    stream_pass_through_id: U32 = 0
    assoc_stream_id: U32 = 0
    rfc2833_payload_type: U32 = 0
    dtmf_type: U32 = 0


@message(0x0106, optional=("call_reference",))
class CloseReceiveChannelMessage(Message):
    conference_id: U32 = 0
    pass_thru_party_id: U32 = 0
    call_reference: U32 = 0
    port_handling_flag: U32 = 0


@message(0x0107)
class ConnectionStatisticsReqMessage(Message):
    directory_number: C24 = ""
    call_reference: U32 = 0
    stats_processing_mode: U32 = 0
