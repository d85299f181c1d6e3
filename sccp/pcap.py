"""A tiny pcap writer: byte streams as a synthetic TCP/IPv4 conversation.

So that tools nobody here wrote (tshark) can judge what the codec sends, without root
or a live capture. Each conversation gets a three-way handshake, correct sequence and
acknowledgement numbers and correct checksums, so Wireshark's TCP analysis and
reassembly treat it like a real capture.
"""
from __future__ import annotations

import struct
from ipaddress import IPv4Address
from typing import BinaryIO

LINKTYPE_ETHERNET = 1
SKINNY_PORT = 2000
MSS = 1460

_SYN, _ACK, _PSH = 0x02, 0x10, 0x08


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


class PcapWriter:
    """Writes a classic (microsecond) pcap file of Ethernet frames."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.time = 1_700_000_000.0
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET))

    def frame(self, data: bytes) -> None:
        self.time += 0.001  # strictly increasing, so frame order is unambiguous
        seconds = int(self.time)
        micros = int(round((self.time - seconds) * 1e6))
        self.out.write(struct.pack("<IIII", seconds, micros, len(data), len(data)) + data)

    def tcp_stream(self, client: tuple[str, int] = ("192.0.2.10", 51000),
                   server: tuple[str, int] = ("192.0.2.1", SKINNY_PORT)) -> TcpStream:
        return TcpStream(self, client, server)


class TcpStream:
    """One TCP connection; ``client_sends``/``server_sends`` append data segments."""

    def __init__(self, writer: PcapWriter, client: tuple[str, int], server: tuple[str, int]):
        self.writer = writer
        self.ends = {True: (IPv4Address(client[0]), client[1]),
                     False: (IPv4Address(server[0]), server[1])}
        self.seq = {True: 1000, False: 5000}  # next sequence number of each side
        self.ip_id = 0
        self._segment(True, _SYN, b"")
        self.seq[True] += 1
        self._segment(False, _SYN | _ACK, b"")
        self.seq[False] += 1
        self._segment(True, _ACK, b"")

    def client_sends(self, data: bytes, mss: int = MSS) -> None:
        self._send(True, data, mss)

    def server_sends(self, data: bytes, mss: int = MSS) -> None:
        self._send(False, data, mss)

    def _send(self, from_client: bool, data: bytes, mss: int) -> None:
        for offset in range(0, len(data), mss):
            chunk = data[offset:offset + mss]
            self._segment(from_client, _PSH | _ACK, chunk)
            self.seq[from_client] += len(chunk)

    def _segment(self, from_client: bool, flags: int, payload: bytes) -> None:
        (src, sport), (dst, dport) = self.ends[from_client], self.ends[not from_client]
        ack = self.seq[not from_client] if flags & _ACK else 0
        tcp = struct.pack("!HHIIBBHHH", sport, dport, self.seq[from_client], ack,
                          5 << 4, flags, 65535, 0, 0) + payload
        pseudo = src.packed + dst.packed + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", _checksum(pseudo + tcp)) + tcp[18:]
        self.ip_id += 1
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), self.ip_id, 0x4000, 64, 6,
                         0, src.packed, dst.packed)
        ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
        mac_src = b"\x02\0\0\0\0" + (b"\x01" if from_client else b"\x02")
        mac_dst = b"\x02\0\0\0\0" + (b"\x02" if from_client else b"\x01")
        self.writer.frame(mac_dst + mac_src + b"\x08\x00" + ip + tcp)
