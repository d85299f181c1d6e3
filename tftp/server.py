"""The TFTP server: a thin Twisted protocol on the listening port, one UDP port per read.

:class:`TFTPServer` takes requests on port 69 (by default). Each accepted RRQ gets a port
of its own (``listenUDP(0)``: RFC 1350's server TID) with a :class:`TransferProtocol`
that feeds the datagrams and the timer to a sans-I/O :class:`tftp.transfer.ReadTransfer`
and carries out its effects; the port is closed when the transfer is over.

Answers on the listening port, exactly one per request and never more (a spoofed source
address gets no more bytes than it sent datagrams, so there is no amplification):
- WRQ: ERROR 2 "Access violation" (read-only);
- a name :func:`tftp.files.normalise` refuses: ERROR 2; one the ``files`` collaborator
  does not have: ERROR 1 "File not found";
- a malformed request: ERROR 4 (8 for bad options) with the reason;
- over ``max_transfers`` live transfers in all, or ``max_per_address`` from one host:
  ERROR 0 "too many transfers";
- an RRQ from an address:port whose transfer is still going on: nothing (the client
  re-sent its request before our first packet reached it; the transfer's own timer
  re-sends that packet). DATA, ACK, ERROR or OACK on the listening port: nothing.
"""
from __future__ import annotations

from collections import Counter

from typing import Any

from twisted.internet import protocol
from twisted.internet.error import CannotListenError

from actors.trace import TraceLogger
from tftp import packets
from tftp.files import Files, normalise
from tftp.options import DEFAULT_TIMEOUT, MAX_BLKSIZE, negotiate
from tftp.transfer import DEFAULT_RETRIES, Done, ReadTransfer, Send, StartTimer

log = TraceLogger(namespace="cme.tftp")

DEFAULT_PORT = 69
MAX_TRANSFERS = 64
MAX_PER_ADDRESS = 8


def _error(code: int, message: str) -> bytes:
    return packets.Error(code, message).encode()


class TransferProtocol(protocol.DatagramProtocol):
    """The port of one transfer: datagrams and timer in, effects carried out."""

    noisy = False  # one per transfer: "Starting/Stopping protocol" would be two log lines each

    def __init__(self, server: "TFTPServer", transfer: ReadTransfer, name: str) -> None:
        self.server = server
        self.transfer = transfer
        self.name = name
        self.port: Any = None
        self._timer: Any = None

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        self._apply(self.transfer.receive(datagram, tuple(addr)))

    def _expired(self) -> None:
        self._timer = None
        self._apply(self.transfer.timer_fired())

    def begin(self) -> None:
        self._apply(self.transfer.start())

    def _apply(self, effects: list) -> None:
        for effect in effects:
            if isinstance(effect, Send):
                if self.transport is not None:
                    self.transport.write(effect.data, effect.to or self.transfer.peer)
            elif isinstance(effect, StartTimer):
                self._cancel_timer()
                self._timer = self.server.clock.callLater(effect.seconds, self._expired)
            elif isinstance(effect, Done):
                self.close(effect.reason, effect.ok)

    def _cancel_timer(self) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None

    def close(self, reason: str, ok: bool = False) -> None:
        self._cancel_timer()
        if self.port is not None:
            port, self.port = self.port, None
            port.stopListening()
        if self.server.forget(self):
            peer = "%s:%s" % self.transfer.peer
            if ok:
                log.debug("TFTP {name} to {peer}: {reason}", name=self.name, peer=peer, reason=reason)
            else:
                log.info("TFTP {name} to {peer} failed: {reason}", name=self.name, peer=peer,
                         reason=reason)


class TFTPServer(protocol.DatagramProtocol):
    """The listening port. ``clock`` is the reactor: its ``callLater`` runs the
    retransmission timers and its ``listenUDP`` opens each transfer's port."""

    noisy = False  # the ready line names the listener

    def __init__(self, files: Files, *, clock: Any, interface: str = "",
                 max_transfers: int = MAX_TRANSFERS, max_per_address: int = MAX_PER_ADDRESS,
                 max_blksize: int = MAX_BLKSIZE, timeout: float = DEFAULT_TIMEOUT,
                 max_retries: int = DEFAULT_RETRIES) -> None:
        self.files = files
        self.clock = clock
        self.interface = interface
        self.max_transfers = max_transfers
        self.max_per_address = max_per_address
        self.max_blksize = max_blksize
        self.timeout = timeout
        self.max_retries = max_retries
        self.transfers: dict[tuple, TransferProtocol] = {}
        self.served = 0
        # read requests by how they ended, for the metrics: done, failed (timed out, the
        # phone gave up), not found, refused (a write, a name outside), busy, bad request
        self.outcomes: Counter = Counter()

    # -- the listening port -------------------------------------------------------------
    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        addr = tuple(addr)
        try:
            packet = packets.decode(datagram)
        except packets.TFTPError as e:
            log.info("bad TFTP request from {peer}: {error}", peer=_peer(addr), error=str(e))
            self.outcomes["bad request"] += 1
            self._reply(addr, _error(e.code, str(e)))
            return
        if isinstance(packet, packets.WriteRequest):
            log.info("TFTP write of {name!r} from {peer} refused", name=packet.filename,
                     peer=_peer(addr))
            self.outcomes["refused"] += 1
            self._reply(addr, _error(packets.ACCESS_VIOLATION, "Access violation"))
        elif isinstance(packet, packets.ReadRequest):
            self._read(packet, addr)
        else:
            log.debug("TFTP {kind} on the listening port from {peer} ignored",
                      kind=type(packet).__name__, peer=_peer(addr))

    def _reply(self, addr: tuple, datagram: bytes) -> None:
        if self.transport is not None:
            self.transport.write(datagram, addr)

    def _read(self, request: packets.ReadRequest, addr: tuple) -> None:
        if addr in self.transfers:
            log.debug("TFTP RRQ from {peer} again: its transfer is under way", peer=_peer(addr))
            return
        host = addr[0]
        if (len(self.transfers) >= self.max_transfers
                or sum(1 for a in self.transfers if a[0] == host) >= self.max_per_address):
            log.info("TFTP RRQ {name!r} from {peer}: too many transfers", name=request.filename,
                     peer=_peer(addr))
            self.outcomes["busy"] += 1
            self._reply(addr, _error(packets.NOT_DEFINED, "too many transfers"))
            return
        name = normalise(request.filename)
        if name is None:
            log.info("TFTP RRQ {name!r} from {peer}: name refused", name=request.filename,
                     peer=_peer(addr))
            self.outcomes["refused"] += 1
            self._reply(addr, _error(packets.ACCESS_VIOLATION, "Access violation"))
            return
        try:
            data = self.files.lookup(name)
        except Exception:
            log.failure("TFTP lookup of {name!r} failed", name=name)
            self.outcomes["failed"] += 1
            self._reply(addr, _error(packets.NOT_DEFINED, "cannot read the file"))
            return
        if data is None:
            log.debug("TFTP RRQ {name!r} from {peer}: not found", name=name, peer=_peer(addr))
            self.outcomes["not found"] += 1
            self._reply(addr, _error(packets.FILE_NOT_FOUND, "File not found"))
            return
        if request.mode == "netascii":
            data = packets.netascii(data)
        negotiated = negotiate(request.options, len(data), max_blksize=self.max_blksize,
                               default_timeout=self.timeout)
        transfer = ReadTransfer(addr, data, negotiated, max_retries=self.max_retries)
        proto = TransferProtocol(self, transfer, name)
        try:
            proto.port = self.clock.listenUDP(0, proto, interface=self.interface)
        except CannotListenError as e:
            log.warn("TFTP RRQ {name!r} from {peer}: no port for the transfer: {error}",
                     name=name, peer=_peer(addr), error=str(e))
            self.outcomes["busy"] += 1
            self._reply(addr, _error(packets.NOT_DEFINED, "no port for the transfer"))
            return
        self.transfers[addr] = proto
        log.debug("TFTP RRQ {name!r} ({mode}, {options}) from {peer}: {size} bytes",
                  name=name, mode=request.mode, options=request.options, peer=_peer(addr),
                  size=len(data))
        proto.begin()

    def forget(self, proto: TransferProtocol) -> bool:
        """Drop a finished transfer; False when it was already gone."""
        addr = proto.transfer.peer
        if self.transfers.get(addr) is not proto:
            return False
        del self.transfers[addr]
        done = proto.transfer.state == "done"
        self.served += done
        self.outcomes["done" if done else "failed"] += 1
        return True

    def stopProtocol(self) -> None:
        """The listening port closed (the service stops): every transfer ends with it."""
        for proto in list(self.transfers.values()):
            proto.close("the TFTP server stopped")


def _peer(addr: tuple) -> str:
    return "%s:%s" % addr[:2]
