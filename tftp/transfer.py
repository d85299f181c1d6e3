"""One TFTP read transfer, sans-I/O.

:class:`ReadTransfer` sends ``payload`` to ``peer`` (the client's TID: its address and
port). Its owner hands it what happens — :meth:`start`, :meth:`receive` (a datagram on the
transfer's port and where it came from), :meth:`timer_fired` — and carries out the effects
it answers with: :class:`Send` (a datagram, to the peer or to ``to``), :class:`StartTimer`
(the one retransmission timer, restarted), :class:`Done` (stop the timer, close the port).
Nothing here sleeps or imports Twisted; which event is legal when is ``fsm/tftp.py``.

Rules:
- Blocks are ``blksize`` bytes; the last is shorter, so a file that is an exact multiple
  of ``blksize`` (an empty file too) ends with an empty block.
- Block numbers wrap from 65535 to 0 (RFC 1350 is silent; tftp-hpa, IOS and the clients
  that fetch files over 32 MiB at 512 bytes roll over), so a file has no size limit here.
- Only the ACK of the block that is waiting moves the transfer on. Any other ACK (a
  duplicate, the previous block's after a re-send crossed it) is absorbed: re-sending on
  a duplicate ACK is the Sorcerer's Apprentice bug (RFC 1123 4.2.3.1). Only the timer
  re-sends, at most ``max_retries`` times for one packet; then the transfer gives up
  silently (the client is gone).
- A datagram from another address or port is not the client's (RFC 1350 §4): it gets
  ERROR 5, to that source only, and the transfer goes on. An ERROR from elsewhere is not
  answered (never an ERROR for an ERROR).
- From the client: an ERROR ends the transfer (not answered); an undecodable datagram is
  ignored (a retransmission timer covers a lost ACK); any other packet (DATA, RRQ, OACK
  on the transfer port) is ERROR 4 and the end.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from fsm.table import StateTable
from fsm.tftp import READ_TRANSFER
from tftp import packets
from tftp.options import Negotiated

DEFAULT_RETRIES = 5


@dataclass(frozen=True, slots=True)
class Send:
    """Write ``data`` to ``to``, or to the transfer's peer when ``to`` is None."""
    data: bytes
    to: Any = None


@dataclass(frozen=True, slots=True)
class StartTimer:
    """(Re)start the retransmission timer; when it expires call ``timer_fired()``."""
    seconds: float


@dataclass(frozen=True, slots=True)
class Done:
    """The transfer is over: ``ok`` when the last block was acknowledged."""
    reason: str
    ok: bool = False


Effect = Union[Send, StartTimer, Done]


class ReadTransfer:
    TABLE: StateTable = READ_TRANSFER
    __slots__ = ("state", "peer", "payload", "blksize", "timeout", "oack", "max_retries",
                 "retries", "index", "last_index", "_waiting", "sent_bytes")

    def __init__(self, peer: Any, payload: bytes, negotiated: Negotiated = Negotiated(), *,
                 max_retries: int = DEFAULT_RETRIES) -> None:
        self.TABLE.start(self)
        self.peer = peer
        self.payload = payload
        self.blksize = negotiated.blksize
        self.timeout = negotiated.timeout
        self.oack = dict(negotiated.accepted)
        self.max_retries = max_retries
        self.retries = 0
        self.index = 0  # the block waiting for its ACK, counted without wrapping (0: OACK)
        self.last_index = len(payload) // self.blksize + 1
        self._waiting = b""  # the datagram that the timer re-sends
        self.sent_bytes = 0

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def block(self) -> int:
        """The block number on the wire of the packet waiting for its ACK."""
        return self.index & 0xFFFF

    # -- events -----------------------------------------------------------------------
    def start(self) -> list[Effect]:
        if self.oack:
            self.TABLE.fire(self, "send_oack")
            return self._send(packets.OptionAck(self.oack).encode())
        return self._next_block()

    def receive(self, datagram: bytes, source: Any) -> list[Effect]:
        if self.finished:
            return []
        try:
            packet = packets.decode(datagram)
        except packets.TFTPError:
            packet = None
        if source != self.peer:
            self.TABLE.fire(self, "stray")
            if isinstance(packet, packets.Error):
                return []
            return [Send(packets.Error(packets.UNKNOWN_TID, "Unknown transfer ID").encode(),
                         to=source)]
        if packet is None:
            return []  # garbage from the client: its real ACK, or our timer, will come
        if isinstance(packet, packets.Ack):
            return self._ack(packet.block)
        if isinstance(packet, packets.Error):
            self.TABLE.fire(self, "error")
            return [Done(f"client error {packet.code}: {packet.message}")]
        self.TABLE.fire(self, "illegal")
        name = type(packet).__name__
        return [Send(packets.Error(packets.ILLEGAL_OPERATION,
                                   f"Illegal TFTP operation: {name} in a read").encode()),
                Done(f"illegal {name} from the client")]

    def timer_fired(self) -> list[Effect]:
        if self.finished:
            return []
        if self.retries >= self.max_retries:
            self.TABLE.fire(self, "give_up")
            return [Done(f"no ACK for block {self.block} after {self.retries} re-sends")]
        self.TABLE.fire(self, "timeout")
        self.retries += 1
        return [Send(self._waiting), StartTimer(self.timeout)]

    # -- rows -------------------------------------------------------------------------
    def _ack(self, block: int) -> list[Effect]:
        if block != self.block:
            self.TABLE.fire(self, "duplicate_ack")
            return []
        if self.state == "last_sent":
            self.TABLE.fire(self, "acked_last")
            return [Done(f"sent {len(self.payload)} bytes in {self.last_index} blocks", ok=True)]
        return self._next_block()

    def _next_block(self) -> list[Effect]:
        self.index += 1
        self.retries = 0
        start = (self.index - 1) * self.blksize
        chunk = self.payload[start:start + self.blksize]
        self.TABLE.fire(self, "send_last" if self.index == self.last_index else "send_data")
        self.sent_bytes += len(chunk)
        return self._send(packets.Data(self.block, chunk).encode())

    def _send(self, datagram: bytes) -> list[Effect]:
        self._waiting = datagram
        return [Send(datagram), StartTimer(self.timeout)]
