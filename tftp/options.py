"""Option negotiation for a read request: RFC 2347 (OACK), 2348 (blksize), 2349 (timeout,
tsize). Sans-I/O: the options a client asked for in, what the transfer uses out.

- ``blksize`` (8..65464): a smaller size is honoured; a larger one is cut to
  :data:`MAX_BLKSIZE`, 1468 bytes, what fits an Ethernet frame without IP fragmentation
  (1500 - 20 IP - 8 UDP - 4 TFTP), the cap tftp-hpa and IOS use on Ethernet too.
- ``tsize``: in a read request the client sends 0; the answer is the size of what will be
  sent (after netascii conversion). Any non-negative integer is accepted as the question.
- ``timeout`` (1..255 s): the retransmission interval; RFC 2349 has the server answer the
  very value asked.
- Unknown options (``windowsize``, ``multicast``, vendor ones) are ignored, as RFC 2347
  lets a server do.

Out-of-range or non-numeric values: the option is *ignored* (left out of the OACK, the
default used), not refused with ERROR 8. RFC 2347 lets a server omit any option it does
not accept, and a client that asked for an impossible ``blksize`` still gets its file in
512-byte blocks instead of nothing; refusing would only help a client that would rather
fail, and none does.

When nothing is accepted there is no OACK and the transfer starts with DATA 1, as
RFC 1350 (RFC 2347: "if the server does not support option negotiation").
"""
from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_BLKSIZE = 512
MIN_BLKSIZE, MAX_BLKSIZE_RFC = 8, 65464
MAX_BLKSIZE = 1468
MIN_TIMEOUT, MAX_TIMEOUT = 1, 255
DEFAULT_TIMEOUT = 1.0
"""Seconds before an unacknowledged packet is sent again when the client asked for no
``timeout`` (tftp-hpa's server default, ``-T 1000000``)."""


@dataclass(frozen=True, slots=True)
class Negotiated:
    """What a transfer uses, and ``accepted``, the options to put in the OACK (in the
    client's order; empty: no OACK)."""
    blksize: int = DEFAULT_BLKSIZE
    timeout: float = DEFAULT_TIMEOUT
    accepted: dict[str, str] = field(default_factory=dict)


def _integer(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() else None


def negotiate(requested: dict[str, str], size: int, *, max_blksize: int = MAX_BLKSIZE,
              default_timeout: float = DEFAULT_TIMEOUT) -> Negotiated:
    """The answer to a read request's ``requested`` options (names lower-case, as
    :func:`tftp.packets.decode` gives them) for a file of ``size`` bytes."""
    blksize, timeout = DEFAULT_BLKSIZE, default_timeout
    accepted: dict[str, str] = {}
    for name, value in requested.items():
        number = _integer(value)
        if number is None:
            continue
        if name == "blksize" and MIN_BLKSIZE <= number <= MAX_BLKSIZE_RFC:
            blksize = min(number, max_blksize)
            accepted[name] = str(blksize)
        elif name == "timeout" and MIN_TIMEOUT <= number <= MAX_TIMEOUT:
            timeout = float(number)
            accepted[name] = str(number)
        elif name == "tsize":
            accepted[name] = str(size)
    return Negotiated(blksize, timeout, accepted)
