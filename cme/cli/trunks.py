"""`show sip-ua calls`, `show call active voice brief`, `clear call voice` for trunk calls.

They read the trunk gateway's views, which each leg writes as it changes (cme/trunks.py);
nothing here asks an actor."""
from __future__ import annotations

from cme.cli.commands import CommandError, CommandTable, Context
from cme.trunks import LegView


def _views(ctx: Context) -> list[LegView]:
    trunks = getattr(ctx.app, "trunks", None)
    if trunks is None:
        raise CommandError("SIP trunks are not available: the SIP side is not running")
    return [trunks.views[k] for k in sorted(trunks.views)]


def show_sip_ua_calls(ctx: Context) -> str:
    views = _views(ctx)
    if not views:
        return "Total SIP call legs:0, User Agent Client:0, User Agent Server:0"
    out = [f"Total SIP call legs:{len(views)}, User Agent Client:{sum(v.direction == 'outbound' for v in views)}, "
           f"User Agent Server:{sum(v.direction == 'inbound' for v in views)}"]
    for v in views:
        out += ["", f"SIP {'UAC' if v.direction == 'outbound' else 'UAS'} CALL INFO",
                f"Call {v.leg_id}",
                f"SIP Call ID                : {v.sip_call_id}",
                f"   State of the call       : {v.state.upper()}",
                f"   Calling Number          : {v.calling}",
                f"   Called Number           : {v.called}",
                f"   Dial-peer               : {v.dial_peer}",
                f"   Remote signalling       : {v.peer} ({v.transport})",
                f"   Negotiated codec        : {v.codec}",
                f"   Local media (phone)     : {v.local_media}",
                f"   Remote media            : {v.media}"]
    return "\n".join(out)


def show_call_active_voice_brief(ctx: Context) -> str:
    views = _views(ctx)
    now = ctx.app.trunks.clock.seconds()
    lines = [f"Total call-legs: {len(views)}"]
    for v in views:
        seconds = int(now - v.started)
        lines.append(f"{v.leg_id:<5} : {v.line_call} {seconds}s {'ORG' if v.direction == 'outbound' else 'ANS'} "
                     f"pid:{v.dial_peer} {v.calling} -> {v.called} {v.state.upper()}")
        lines.append(f"       VOIP {v.transport} {v.peer} rtp {v.media} codec {v.codec}")
    return "\n".join(lines)


def register(table: CommandTable) -> CommandTable:
    table.describe("show sip-ua", "SIP user agent information")
    table.add("show sip-ua calls", show_sip_ua_calls, "SIP call legs through the dial-peers")
    table.describe("show call", "Call information")
    table.describe("show call active", "Active calls")
    table.describe("show call active voice", "Voice calls")
    table.add("show call active voice brief", show_call_active_voice_brief, "Trunk call legs, one or two lines each")
    return table
