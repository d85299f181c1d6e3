"""SDP (RFC 4566) for a SIP trunk's audio, and RFC 3264 offer/answer over it.

A trunk to a PSTN gateway or another PBX carries one audio stream: G.711 (µ-law or
A-law) and RFC 4733 telephone-event for digits. :func:`parse` reads the first RTP/AVP
audio stream of a session description into :class:`Media` (what the call needs to know:
where to send RTP, in which codecs, with which direction) and ignores what we do not use
(other streams, bandwidth, unknown attributes and codecs); :func:`build` writes ours the
way a Cisco gateway does; :func:`answer` picks the codec of an answer. Sans-I/O, and no
RTP here: the media path is between the endpoints.

Codecs go by their IOS names (``g711ulaw``), as ``dial-peer / codec`` and ``voice class
codec`` name them; :data:`CODECS` maps them to the static payload types of RFC 3551.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

MAX_SIZE = 16_384
"""Bytes of SDP we read. A two-codec audio offer is ~300 bytes, a video phone's a few
KiB; beyond this it is not an offer for us (the framer bounds bodies too; this bounds the
work on one that got through)."""

CODECS = {"g711ulaw": (0, "PCMU"), "g711alaw": (8, "PCMA")}
"""Our codec names (IOS's) -> static payload type, rtpmap encoding name (RFC 3551)."""

DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
TELEPHONE_EVENT = "telephone-event"
TELEPHONE_EVENTS = "0-16"
"""The events we offer: DTMF 0-9, *, #, A-D and flash (RFC 4733 §3.2), as IOS does."""

_BY_NAME = {name.upper(): ours for ours, (_, name) in CODECS.items()}
_BY_PT = {pt: ours for ours, (pt, _) in CODECS.items()}
_REVERSE = {"sendrecv": "sendrecv", "sendonly": "recvonly", "recvonly": "sendonly",
            "inactive": "inactive"}
_REQUIRED = ("o", "s", "t")  # v is checked first; c is checked per stream


class SDPError(ValueError):
    """The body is not SDP we can use: it does not parse, or has no RTP/AVP audio stream
    or no connection address for it. The call answers 488 Not Acceptable Here."""


class NoCommonCodec(SDPError):
    """Offer and answer share no codec we allow (488, or 47 in an ISDN cause)."""


@dataclass(frozen=True)
class Media:
    """The audio stream of a session description, as we use it."""

    address: str
    """Connection address (the stream's c=, else the session's); ``0.0.0.0`` is hold,
    RFC 2543 style (still sent by older gateways in re-INVITEs)."""
    port: int
    """0: the stream is rejected (RFC 3264 §6)."""
    codecs: tuple[str, ...]
    """Our names, in the m-line's order (the offerer's preference), only ones we know."""
    telephone_event: int | None
    """Payload type of telephone-event/8000, if there is one."""
    direction: str = "sendrecv"
    """The stream's direction attribute, else the session's, else sendrecv."""
    ptime: int | None = None

    @property
    def on_hold(self) -> bool:
        """The far end does not want our media: c=0.0.0.0, or it will not receive."""
        return self.address == "0.0.0.0" or self.direction in ("sendonly", "inactive")


def parse(body: bytes) -> Media:
    """The first RTP/AVP audio stream of ``body``. Strict where it matters to a call
    (v=0 first; o=, s=, t= and an audio m-line present; a connection address for it;
    numbers that are numbers) and lenient elsewhere (LF line ends, attributes and
    streams we do not know). Raises SDPError saying what is wrong."""
    if len(body) > MAX_SIZE:
        raise SDPError(f"SDP of {len(body)} bytes (at most {MAX_SIZE})")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("latin-1")  # s= or i= in a legacy charset: not ours to read
    lines = [line.rstrip("\r") for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise SDPError("empty SDP")
    fields: list[tuple[str, str]] = []
    for number, line in enumerate(lines, 1):
        if len(line) < 2 or line[1] != "=" or not ("a" <= line[0] <= "z"):
            raise SDPError(f"SDP line {number} is not <type>=<value>: {line[:40]!r}")
        fields.append((line[0], line[2:]))
    if fields[0] != ("v", "0"):
        raise SDPError("SDP does not start with v=0")
    session, streams = _sections(fields)
    missing = [kind for kind in _REQUIRED if kind not in (k for k, _ in session)]
    if missing:
        raise SDPError("SDP without " + ", ".join(f"{k}=" for k in missing))
    for under, value in streams:
        media = _media_line(value)
        if media is not None:
            return _audio(media, session, under)
    raise SDPError("no RTP/AVP audio stream in the SDP")


def _sections(fields):
    """Session-level fields, and each m= line with the fields under it."""
    session: list[tuple[str, str]] = []
    streams: list[tuple[list[tuple[str, str]], str]] = []
    for kind, value in fields:
        if kind == "m":
            streams.append(([], value))
        elif streams:
            streams[-1][0].append((kind, value))
        else:
            session.append((kind, value))
    return session, streams


def _number(text: str, what: str, high: int) -> int:
    if not text.isdigit() or int(text) > high:
        raise SDPError(f"bad {what} {text!r} in the SDP")
    return int(text)


def _media_line(value: str) -> tuple[int, list[int]] | None:
    """(port, payload types) of an RTP/AVP audio m-line; None for any other stream."""
    parts = value.split()
    if len(parts) < 3:
        raise SDPError(f"bad m= line {value!r}")
    if parts[0] != "audio" or parts[2].upper() != "RTP/AVP":
        return None
    if len(parts) < 4:
        raise SDPError(f"m= line without formats: {value!r}")
    port = _number(parts[1].split("/", 1)[0], "m= port", 65535)
    return port, [_number(pt, "payload type", 127) for pt in parts[3:]]


def _connection(value: str) -> str:
    parts = value.split()
    if len(parts) != 3 or parts[0] != "IN" or parts[1] not in ("IP4", "IP6"):
        raise SDPError(f"bad c= line {value!r}")
    return parts[2].split("/", 1)[0]  # a multicast TTL / count is not the address


def _audio(media: tuple[int, list[int]], session, under) -> Media:
    port, pts = media
    address = None
    for kind, value in under:
        if kind == "c":
            address = _connection(value)
            break
    if address is None:
        address = next((_connection(v) for k, v in session if k == "c"), None)
    if address is None:
        raise SDPError("no c= connection address for the audio stream")
    direction = "sendrecv"
    for kind, value in session:
        if kind == "a" and value in DIRECTIONS:
            direction = value
    rtpmap: dict[int, str] = {}
    ptime = None
    for kind, value in under:
        if kind != "a":
            continue
        name, _, rest = value.partition(":")
        if value in DIRECTIONS:
            direction = value  # the stream's attribute wins over the session's
        elif name == "rtpmap":
            pt, _, encoding = rest.partition(" ")
            if pt.isdigit():
                rtpmap[int(pt)] = encoding.strip()
        elif name == "ptime" and rest.strip().isdigit():
            ptime = int(rest.strip())
    codecs: list[str] = []
    telephone_event = None
    for pt in pts:
        encoding = rtpmap.get(pt)
        if encoding is None:
            ours = _BY_PT.get(pt)  # a static type needs no rtpmap (RFC 3551)
        else:
            name, _, rate = encoding.partition("/")
            rate = rate.split("/", 1)[0]
            if name.lower() == TELEPHONE_EVENT and rate == "8000":
                if telephone_event is None:
                    telephone_event = pt
                continue
            ours = _BY_NAME.get(name.upper()) if rate == "8000" else None
        if ours is not None and ours not in codecs:
            codecs.append(ours)
    return Media(address=address, port=port, codecs=tuple(codecs),
                 telephone_event=telephone_event, direction=direction, ptime=ptime)


def build(*, address: str, port: int, codecs: Sequence[str],
          telephone_event: int | None = None, direction: str = "sendrecv",
          session_id: int, version: int, username: str = "CiscoSystemsSIP-GW-UserAgent",
          ptime: int | None = 20) -> bytes:
    """Our session description: one audio stream, laid out as an IOS gateway does
    (session-level c=, rtpmap for every payload type, fmtp 0-16 for telephone-event).
    ``version`` goes up by one for each new offer in the session (RFC 3264 §8)."""
    if not codecs:
        raise ValueError("an audio stream needs at least one codec")
    unknown = [c for c in codecs if c not in CODECS]
    if unknown:
        raise ValueError(f"unknown codec {unknown[0]!r} (known: {', '.join(CODECS)})")
    if direction not in DIRECTIONS:
        raise ValueError(f"bad direction {direction!r}")
    if not 0 <= port <= 65535:
        raise ValueError(f"bad port {port}")
    if telephone_event is not None and not 96 <= telephone_event <= 127:
        raise ValueError("telephone-event takes a dynamic payload type (96-127)")
    family = "IP6" if ":" in address else "IP4"
    pts = [CODECS[c][0] for c in codecs]
    if telephone_event is not None:
        pts.append(telephone_event)
    lines = [
        "v=0",
        f"o={username} {session_id} {version} IN {family} {address}",
        "s=SIP Call",
        f"c=IN {family} {address}",
        "t=0 0",
        f"m=audio {port} RTP/AVP " + " ".join(str(pt) for pt in pts),
    ]
    lines += [f"a=rtpmap:{CODECS[c][0]} {CODECS[c][1]}/8000" for c in codecs]
    if telephone_event is not None:
        lines += [f"a=rtpmap:{telephone_event} {TELEPHONE_EVENT}/8000",
                  f"a=fmtp:{telephone_event} {TELEPHONE_EVENTS}"]
    if ptime is not None:
        lines.append(f"a=ptime:{ptime}")
    lines.append(f"a={direction}")
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def answer(offer: Media, *, codecs: Sequence[str],
           want_telephone_event: bool) -> tuple[str, int | None]:
    """The codec to answer ``offer`` with, and the telephone-event payload type (the
    offer's, when it has one and we want it; RFC 4733 §7.1.1: the answer uses the
    offered type). RFC 3264 §6.1 lets the answerer choose; we take the first of the
    *offer's* order that ``codecs`` allows, so the offerer's preference wins, as IOS
    does. Raises NoCommonCodec, or SDPError for an offer whose stream is rejected."""
    if offer.port == 0:
        raise SDPError("the offer's audio stream is rejected (port 0)")
    allowed = set(codecs)
    chosen = next((c for c in offer.codecs if c in allowed), None)
    if chosen is None:
        raise NoCommonCodec(f"offer has {', '.join(offer.codecs) or 'no codec we know'}; "
                            f"we allow {', '.join(codecs) or 'none'}")
    return chosen, offer.telephone_event if want_telephone_event else None


def agreed(answer_media: Media, offered: Sequence[str]) -> str:
    """The codec an answer to our offer settled on: its first that we offered (§6.1:
    an answer lists only offered formats; one that lists none is no answer we can use).
    Raises NoCommonCodec."""
    chosen = next((c for c in answer_media.codecs if c in offered), None)
    if chosen is None:
        raise NoCommonCodec(f"answer has {', '.join(answer_media.codecs) or 'no codec we know'};"
                            f" we offered {', '.join(offered)}")
    return chosen


def reverse(direction: str) -> str:
    """The answer's direction for an offered one (RFC 3264 §6.1): sendonly <-> recvonly,
    sendrecv and inactive stay."""
    try:
        return _REVERSE[direction]
    except KeyError:
        raise SDPError(f"bad direction {direction!r}") from None
