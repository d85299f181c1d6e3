"""Byte-exact frames, assembled by hand from sccp.md, for the messages every
registration and call depends on."""
from sccp.enums import CallState, Codec, DeviceType, MediaStatus
from sccp.framing import Decoder, encode
from sccp.messages import (CallStateMessage, KeepAliveMessage, OpenReceiveChannelAckMessage,
                           RegisterAckMessage, RegisterMessage, StartMediaTransmissionMessage)


def frame(hexdump: str) -> bytes:
    return bytes.fromhex(hexdump)


def check(msg, wire: bytes) -> None:
    assert encode(msg) == wire
    assert Decoder().feed(wire) == [msg]


def test_keepalive():
    check(KeepAliveMessage(), frame("04000000 00000000 00000000"))


def test_register_basic_form():
    check(RegisterMessage("SEP001E4A34A35F", 0, 1, "192.0.2.10", DeviceType.CISCO_7960, 5),
          frame("28000000 00000000 01000000"           # length 40, version 0, Register
                + b"SEP001E4A34A35F\0".hex()           # deviceName c16
                + "00000000 01000000"                  # userId, instance
                + "c000020a"                           # stationIp, network order
                + "07000000 05000000"))                # deviceType 7960, maxStreams


def test_register_ack():
    check(RegisterAckMessage(30, "D/M/Y", 0, 30, 0x10, 0, 0),
          frame("18000000 00000000 81000000"
                "1e000000" + b"D/M/Y\0".hex() + "0000"  # keepAlive 30, dateTemplate c6, pad
                + "1e000000 10 00 0000"))               # secondary, maxProtocolVer, -, features


def test_call_state():
    check(CallStateMessage(CallState.RING_IN, 1, 7, 0, 4, 0),
          frame("1c000000 00000000 11010000"
                "04000000 01000000 07000000 00000000 04000000 00000000"))


def test_open_receive_channel_ack():
    check(OpenReceiveChannelAckMessage(MediaStatus.OK, "192.0.2.10", 16384, 0x02000001, 7),
          frame("18000000 00000000 22000000"
                "00000000 c000020a 00400000 01000002 07000000"))


def test_start_media_transmission():
    check(StartMediaTransmissionMessage(7, 0x02000001, "192.0.2.11", 16386, 20,
                                        Codec.G711_ULAW, 0, 0, 1, 0, 0, 7),
          frame("74000000 00000000 8a000000"
                "07000000 01000002 c000020b 02400000"  # conference, passThru, ip, port
                "14000000 04000000 00000000 00000000"  # 20 ms, G.711 u-law, prec., ss
                "0100 0000 00000000 07000000"          # maxFrames, pad, g723, callRef
                + "00" * 48                            # KeyInfo: no SRTP
                + "00000000" * 5))                     # stream, assoc, 2833, dtmf, mixing
