"""SCCP (Skinny) for CME phones: a sans-I/O codec (no Twisted, no sockets here).

- :mod:`sccp.framing`: ``Decoder().feed(bytes) -> [Message]``, ``encode(Message) -> bytes``,
  ``FramingError`` (close the connection), ``MAX_LENGTH``.
- :mod:`sccp.messages`: every message class (``RegisterMessage``, ``CallStateMessage``...),
  ``RawMessage``/``MalformedMessage`` and the ``MESSAGES`` registry.
- :mod:`sccp.enums`: call states, stimuli, softkeys, lamps, tones, device types, codecs.
- :mod:`sccp.pcap`: writes byte streams as a pcap for tshark.
"""
