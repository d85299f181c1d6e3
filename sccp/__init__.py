"""SCCP (Skinny) for CME phones: a sans-I/O codec, and the thin Twisted protocols on it.

The codec modules below import no Twisted and keep no sockets; `sccp.server` (the phones'
listener, which hands each decoded message to the phone's actor) and `sccp.client` /
`sccp.phonebank` (virtual phones over TCP) are the only ones that do I/O.

- :mod:`sccp.framing`: ``Decoder().feed(bytes) -> [Message]``, ``encode(Message) -> bytes``,
  ``FramingError`` (close the connection), ``MAX_LENGTH``.
- :mod:`sccp.messages`: every message class (``RegisterMessage``, ``CallStateMessage``...),
  ``RawMessage``/``MalformedMessage`` and the ``MESSAGES`` registry.
- :mod:`sccp.enums`: call states, stimuli, softkeys, lamps, tones, device types, codecs.
- :mod:`sccp.pcap`: writes byte streams as a pcap for tshark.
"""
