"""A read-only TFTP server (RFC 1350, with RFC 2347/2348/2349 options): what phones
fetch their configuration and firmware from.

Sans-I/O codecs and rules (:mod:`tftp.packets`, :mod:`tftp.options`,
:mod:`tftp.transfer`, the state table ``fsm/tftp.py``), a thin Twisted server
(:mod:`tftp.server`), and the providers of what may be served (:mod:`tftp.files`).
"""
from __future__ import annotations

from typing import Any

from twisted.application import internet

from tftp.files import Chain, DirectoryFiles, Files, MemoryFiles
from tftp.server import DEFAULT_PORT, TFTPServer

__all__ = ["tftp_service", "TFTPServer", "Files", "DirectoryFiles", "MemoryFiles", "Chain",
           "DEFAULT_PORT"]


def tftp_service(files: Files, interface: str = "", port: int = DEFAULT_PORT,
                 clock: Any = None, **limits: Any) -> internet.UDPServer:
    """A service named "tftp" serving ``files`` on ``interface``:``port`` (UDP).

    ``clock`` is the reactor (the global one when None): it listens, opens each
    transfer's port and runs the timers. ``limits`` go to :class:`TFTPServer`
    (``max_transfers``, ``max_per_address``, ``max_blksize``, ``timeout``, ``max_retries``).
    """
    if clock is None:
        from twisted.internet import reactor as clock
    server = TFTPServer(files, clock=clock, interface=interface, **limits)
    service = internet.UDPServer(port, server, interface=interface, reactor=clock)
    service.setName("tftp")
    return service
