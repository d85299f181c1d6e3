"""`show ephone`, `show ephone registered`, `show ephone-dn`: read from the status board.

The phone and line actors keep their records in `app.board` current; these handlers only
read them, so a `show` never waits on an actor.
"""
from __future__ import annotations

import time

from cme.cli.commands import CommandTable, Context
from sccp.buttons import line_buttons


def _ephone_block(app, status) -> list[str]:
    config = app.config
    ephone = config.ephones.get(status.tag)
    state = status.state.upper()
    if status.state == "registered":
        socket = f"TCP socket:[{status.ip}:{status.port}]"
        since = time.strftime("%H:%M:%S", time.localtime(status.since))
        head = f"{state} in SCCP ver {status.protocol_version} since {since}"
    else:
        socket = "TCP socket:[-1]"
        head = state + (f" ({status.reason})" if status.reason else "")
    out = [
        f"ephone-{status.tag} Mac:{status.mac} {socket} {head}",
        f"IP:{status.ip or '0.0.0.0'} {status.model or '?'}  keepalive {status.keepalives}  registrations {status.registrations}",
    ]
    buttons = status.lines or (line_buttons(ephone, config) if ephone is not None else [])
    for b in buttons:
        dn = config.ephone_dns.get(b.dn_tag)
        line = app.board.lines.get(b.dn_tag)
        number = dn.number if dn is not None and dn.number else "-"
        out.append(f"button {b.position}: dn {b.dn_tag}  number {number} {(line.state if line else 'down').upper()}")
    return out


def show_ephone(ctx: Context, registered_only: bool = False) -> str:
    board = ctx.app.board
    blocks = []
    for status in sorted(board.phones.values(), key=lambda s: s.tag):
        if registered_only and status.state != "registered":
            continue
        blocks.append("\n".join(_ephone_block(ctx.app, status)))
    if not blocks:
        return "No ephones registered." if registered_only else "No ephones configured."
    return "\n\n".join(blocks)


def show_ephone_registered(ctx: Context) -> str:
    return show_ephone(ctx, registered_only=True)


def channels(line) -> str:
    """Each call instance in use, IOS-like: `CH1 CONNECTED CH2 ALERTING` (`-` when none).

    The words are the connection states of fsm/connection.py, upper-cased, as the State
    column shows them for the whole line.
    """
    calls = sorted(line.calls.values(), key=lambda c: (c.instance, c.call_id))
    return " ".join(f"CH{c.instance} {c.state.upper()}" for c in calls) or "-"


def show_ephone_dn(ctx: Context) -> str:
    app = ctx.app
    by_device = {s.device: s for s in app.board.phones.values()}
    rows = [("Tag", "Number", "Name", "State", "Calls", "Phones")]
    for tag, line in sorted(app.board.lines.items()):
        dn = app.config.ephone_dns.get(tag)
        shown = [f"ephone-{by_device[d].tag}({d})" for d in sorted(line.phones) if d in by_device]
        if not shown and dn is not None and dn.cti_notify:
            shown = ["(cti notify)"]
        rows.append((str(tag), line.number or "-", line.name, line.state.upper(), channels(line),
                     " ".join(shown) or "-"))
    if len(rows) == 1:
        return "No ephone-dns configured."
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r[:5])) + "  " + r[5] for r in rows
    )


def show_attempted_registrations(ctx: Context) -> str:
    """Devices no ephone has that tried to register (IOS: to find a new phone's MAC)."""
    rows = [("Device", "Peer", "First", "Last", "Attempts")]
    for device, (peer, first, last, count) in ctx.app.board.attempted.items():
        rows.append((device, peer, time.strftime("%H:%M:%S", time.localtime(first)),
                     time.strftime("%H:%M:%S", time.localtime(last)), str(count)))
    if len(rows) == 1:
        return "No attempted registrations."
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def clear_attempted_registrations(ctx: Context) -> str:
    count = len(ctx.app.board.attempted)
    ctx.app.board.attempted.clear()
    return f"Cleared {count} attempted registration{'s' if count != 1 else ''}"


def register(table: CommandTable) -> CommandTable:
    table.add("show ephone", show_ephone, "IP phone status")
    table.add("show ephone attempted-registrations", show_attempted_registrations,
              "Phones that tried to register but are not configured")
    table.describe("clear", "Reset functions")
    table.describe("clear telephony-service", "Telephony service information")
    table.add("clear telephony-service ephone-attempted-registrations", clear_attempted_registrations,
              "Forget the phones that tried to register")
    table.add("show ephone registered", show_ephone_registered, "Registered ephones only")
    table.add("show ephone-dn", show_ephone_dn, "Directory numbers: state, calls and the phones showing them")
    return table
