"""`show dial-peer voice summary` and `show dial-peer voice N`: the SIP trunks as configured.

Read from the running configuration, like IOS's own: a peer is administratively down
when shut down, and operationally down too when it cannot carry a call (a voip peer
without a session target).
"""
from __future__ import annotations

from cme.cli.commands import CommandError, CommandTable, Context

# IOS prints the header on two lines: ADMIN, PREFER, PASSTHRU and OUTSTAT are split.
_COLUMNS = [("", "TAG", 7), ("", "TYPE", 6), ("AD", "MIN", 5), ("", "OPER", 5), ("", "PREFIX", 10),
            ("", "DEST-PATTERN", 18), ("PRE", "FER", 4), ("PASS", "THRU", 5), ("", "SESS-TARGET", 15),
            ("OUT", "STAT", 5), ("", "PORT", 8), ("", "KEEPALIVE", 0)]


def _admin(peer) -> str:
    return "down" if peer.shutdown else "up"


def _oper(peer) -> str:
    if peer.shutdown or (peer.kind == "voip" and peer.session_target is None):
        return "down"
    return "up"


def _port(peer) -> str:
    """A pots peer's `port`, kept verbatim among its unused lines."""
    return next((line.split(None, 1)[1] for line in peer.extra
                 if line.split()[0].lower() == "port" and len(line.split()) > 1), "")


def _row(cells: list[str]) -> str:
    out = ""
    for (_, _, width), cell in zip(_COLUMNS, cells):
        # a long value pushes the rest along, as on IOS, but never runs into them
        out += cell.ljust(width) if len(cell) < width or not width else cell + " "
    return out.rstrip()


def show_summary(ctx: Context) -> str:
    peers = ctx.app.config.dial_peers
    lines = ["dial-peer hunt 0", _row([top for top, _, _ in _COLUMNS]), _row([name for _, name, _ in _COLUMNS])]
    for tag, peer in sorted(peers.items()):
        voip = peer.kind == "voip"
        lines.append(_row([
            str(tag), peer.kind, _admin(peer), _oper(peer), "", peer.destination_pattern or "",
            f" {peer.preference}", "syst" if voip else "", str(peer.session_target or "") if voip else "",
            "" if voip else _oper(peer), "" if voip else _port(peer), ""]))
    return "\n".join(lines)


def show_peer(ctx: Context, tag: int) -> str:
    config = ctx.app.config
    peer = config.dial_peers.get(tag)
    if peer is None:
        raise CommandError(f"Can not find dial-peer {tag}")
    voip = peer.kind == "voip"
    facts = [
        "peer type = voice, information type = voice",
        f"description = `{peer.description or ''}'",
        f"tag = {tag}, destination-pattern = `{peer.destination_pattern or ''}'",
        f"incoming called-number = `{peer.incoming_called_number or ''}'",
        f"preference = {peer.preference}, huntstop = {'enabled' if peer.huntstop else 'disabled'}",
        f"Admin state is {_admin(peer)}, Operation state is {_oper(peer)}",
    ]
    if voip:
        facts += [
            f"session-target = `{peer.session_target or ''}', session-protocol = {peer.session_protocol or 'cisco'}",
            f"session-transport = {peer.session_transport}, "
            f"dtmf-relay = {' '.join(peer.dtmf_relay) or 'disabled'}",
            (f"voice class codec = {peer.voice_class_codec}, " if peer.voice_class_codec is not None else "")
            + f"codec = {' '.join(peer.codecs(config.codec_classes))}",
        ]
    else:
        facts.append(f"port = `{_port(peer)}'")
    head = f"VoiceOverIpPeer{tag}" if voip else f"VoiceEncapPeer{tag}"
    return "\n".join([head] + [f"        {fact}," for fact in facts])


def register(table: CommandTable) -> CommandTable:
    table.describe("show dial-peer", "Dial Plan Mapping Table for, e.g. VoIP Peers")
    table.describe("show dial-peer voice", "Show Voice dial peer table")
    table.add("show dial-peer voice summary", show_summary, "Dial-peer summary info")
    table.add("show dial-peer voice <1-2147483647>", show_peer, "Voice dial peer tag")
    return table
