"""`show call history voice brief`: the call legs the server has kept (cme/cdr/history.py),
newest last, two lines each, as IOS's brief output lays a leg out (time, GCID, call id,
direction, numbers, duration, the disconnect cause in hex, text and decimal)."""
from __future__ import annotations

from cme.cdr.history import KEEP
from cme.cdr.text import brief
from cme.cli.commands import CommandError, CommandTable, Context


def show_call_history_voice_brief(ctx: Context) -> str:
    history = getattr(ctx.app, "cdrs", None)
    if history is None:
        raise CommandError("call history is not available: call detail records are not kept")
    records = history.recent(KEEP)
    total = sum(history.tally.values())
    out = [f"Call history: {len(records)} call legs kept (newest last), {total} recorded since start"]
    if records:
        out.append("CallID: setup +connect(ms) +disconnect(ms) pid:dial-peer direction line calling -> called")
    for rec in reversed(records):
        out += brief(rec)
    return "\n".join(out)


def register(table: CommandTable) -> CommandTable:
    table.describe("show call", "Call information")
    table.describe("show call history", "Call history: the call legs that ended")
    table.describe("show call history voice", "Voice calls")
    table.add("show call history voice brief", show_call_history_voice_brief, "One block per call leg, newest last")
    return table
