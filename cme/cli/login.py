"""`show login` and `show login failures`: the log-in protection of the CLI (login_guard.py)."""
from __future__ import annotations

import time

from cme.cli.commands import CommandError, CommandTable, Context

MAX_FAILURES_SHOWN = 50  # as IOS: the last 50


def _guard(ctx: Context):
    guard = getattr(ctx.app, "login_guard", None)
    if guard is None:
        raise CommandError("Log-in protection is not running: the CLI listeners are off")
    return guard


def _stamp(seconds: float) -> str:
    return time.strftime("%H:%M:%S UTC %a %b %d %Y", time.gmtime(seconds))


def show_login(ctx: Context) -> str:
    guard = _guard(ctx)
    policy = guard.policy()
    configured = getattr(ctx.app.config, "login_block", None) is not None
    out = ["     A login delay of 1 seconds is applied to SSH password failures.",
           "     No Quiet-Mode access list has been configured.",
           "",
           "     Router enabled to watch for login Attacks"
           + ("." if configured else " (default policy: no 'login block-for' is configured)."),
           f"     If {policy.attempts} login failures from one source occur in {policy.within} seconds or less,",
           f"       logins from that source will be disabled for {policy.block_for} seconds.",
           ""]
    quiet = guard.quiet()
    if quiet:
        out.append("     Router presently in Quiet-Mode for these sources:")
        out.extend(f"         {host}: {left:.0f} seconds remaining." for host, left in sorted(quiet))
    else:
        out.append("     Router presently in Normal-Mode.")
    watched = guard.watched()
    if watched:
        out.append("     Current Watch Window")
        out.extend(f"         Login failures from {host} in the current window: {n}." for host, n in sorted(watched))
    out.append(f"     Total login failures: {guard.total_failures}.")
    return "\n".join(out)


def show_login_failures(ctx: Context) -> str:
    guard = _guard(ctx)
    records = guard.failures()
    out = [f"Total failed logins: {guard.total_failures}"]
    if not records:
        return "\n".join(out + ["No logged failed login attempts with the device."])
    out.append(f"Detailed information about last {MAX_FAILURES_SHOWN} failures")
    out.append("")
    rows = [("Username", "SourceIPAddr", "lPort", "Count", "TimeStamp")]
    for r in records[:MAX_FAILURES_SHOWN]:
        rows.append((r.last_user or "-", r.host, str(r.last_port or "-"), str(r.count), _stamp(r.last_time)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    out.extend("  ".join(c.ljust(w) for c, w in zip(row[:4], widths)) + "  " + row[4] for row in rows)
    return "\n".join(out)


def register(table: CommandTable) -> CommandTable:
    table.add("show login", show_login, "Show login parameters")
    table.add("show login failures", show_login_failures, "Show login failures")
    return table
