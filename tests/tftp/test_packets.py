"""TFTP packets at the byte level: RFC 1350 layouts, RFC 2347 options, every refusal."""
import pytest

from tftp import packets as p
from tftp.packets import TFTPError, decode


@pytest.mark.parametrize("packet, wire", [
    (p.ReadRequest("SEP001122334455.cnf.xml", "octet"),
     b"\x00\x01SEP001122334455.cnf.xml\x00octet\x00"),
    (p.ReadRequest("a", "netascii", {"blksize": "1428", "tsize": "0"}),
     b"\x00\x01a\x00netascii\x00blksize\x001428\x00tsize\x000\x00"),
    (p.WriteRequest("up.bin", "octet"), b"\x00\x02up.bin\x00octet\x00"),
    (p.Data(1, b"hello"), b"\x00\x03\x00\x01hello"),
    (p.Data(65535, b""), b"\x00\x03\xff\xff"),
    (p.Ack(0), b"\x00\x04\x00\x00"),
    (p.Ack(513), b"\x00\x04\x02\x01"),
    (p.Error(1, "File not found"), b"\x00\x05\x00\x01File not found\x00"),
    (p.Error(5, ""), b"\x00\x05\x00\x05\x00"),
    (p.OptionAck({"blksize": "1468", "tsize": "9"}), b"\x00\x06blksize\x001468\x00tsize\x009\x00"),
])
def test_each_packet_encodes_to_its_bytes_and_back(packet, wire):
    assert packet.encode() == wire
    assert decode(wire) == packet


def test_mode_and_option_names_are_case_insensitive_values_kept():
    packet = decode(b"\x00\x01File.TXT\x00OcTeT\x00BLKSIZE\x00512\x00TSize\x000\x00")
    assert packet == p.ReadRequest("File.TXT", "octet", {"blksize": "512", "tsize": "0"})


def test_error_message_decoded_up_to_its_nul_even_with_junk_before():
    assert decode(b"\x00\x05\x00\x08bad option\x00") == p.Error(8, "bad option")


@pytest.mark.parametrize("wire, reason, code", [
    (b"", "short packet", 4),
    (b"\x00", "short packet", 4),
    (b"\x00\x03\x00", "short packet", 4),
    (b"\x00\x04\x00", "short packet", 4),
    (b"\x00\x05\x00", "short packet", 4),
    (b"\x00\x07\x00\x01", "unknown opcode 7", 4),
    (b"\x00\x00\x00\x01", "unknown opcode 0", 4),
    (b"\x00\x04\x00\x01\x00", "ACK of 5 bytes", 4),
    (b"\x00\x05\x00\x01no terminator", "not NUL-terminated", 4),
    (b"\x00\x01name\x00octet", "not NUL-terminated", 4),
    (b"\x00\x01name", "not NUL-terminated", 4),
    (b"\x00\x01name\x00", "without a mode", 4),
    (b"\x00\x01\x00octet\x00", "empty file name", 4),
    (b"\x00\x01n\x00mail\x00", "mode 'mail'", 4),
    (b"\x00\x01n\x00binary\x00", "mode 'binary'", 4),
    (b"\x00\x01" + b"x" * 256 + b"\x00octet\x00", "256 bytes: at most 255", 4),
    (b"\x00\x01\xff\xfe\x00octet\x00", "not UTF-8", 4),
    (b"\x00\x01n\x00octet\x00blksize\x00", "without a value", 8),
    (b"\x00\x01n\x00octet\x00blksize\x00512\x00BLKSIZE\x00512\x00", "given twice", 8),
    (b"\x00\x01n\x00octet\x00\x00512\x00", "empty option name", 8),
    (b"\x00\x01n\x00octet\x00" + b"".join(b"o%d\x001\x00" % i for i in range(17)), "17 options", 8),
    (b"\x00\x01" + b"x" * 250 + b"\x00octet\x00" + b"a" * 251 + b"\x001\x00", "513 bytes: at most 512", 4),
    (b"\x00\x06\x00", "OACK without options", 4),
    (b"\x00\x06blksize\x00512", "not NUL-terminated", 4),
])
def test_malformed_input_is_a_tftp_error_with_the_code_to_answer(wire, reason, code):
    with pytest.raises(TFTPError, match=reason) as caught:
        decode(wire)
    assert caught.value.code == code


def test_a_255_byte_name_and_16_options_are_accepted():
    name = "n" * 255
    assert decode(p.ReadRequest(name).encode()).filename == name
    options = {f"o{i}": "1" for i in range(16)}
    assert decode(p.ReadRequest("f", options=options).encode()).options == options


def test_encoding_refuses_what_cannot_be_sent():
    with pytest.raises(ValueError):
        p.Data(65536, b"").encode()
    with pytest.raises(ValueError):
        p.Ack(-1).encode()
    with pytest.raises(ValueError):
        p.OptionAck({}).encode()
    with pytest.raises(ValueError):
        p.ReadRequest("a\0b").encode()
    assert p.Error(0, "a\0b").encode() == b"\x00\x05\x00\x00a b\x00"


@pytest.mark.parametrize("plain, wire", [
    (b"a\nb\n", b"a\r\nb\r\n"),
    (b"a\r\nb", b"a\r\0\r\nb"),
    (b"cr\ronly", b"cr\r\0only"),
    (b"\x00\xff binary", b"\x00\xff binary"),
])
def test_netascii_is_lf_to_cr_lf_and_bare_cr_to_cr_nul(plain, wire):
    assert p.netascii(plain) == wire
