"""`show sip-ua connections tcp|tls`: the SIP stream connections the server holds, by
remote agent, as IOS lists them (remote port, state, local port, and here their age).

It reads the listeners' own sets (``SIPStreamFactory.connections``, kept by
sip.transport as connections open and close); nothing here asks an actor."""
from __future__ import annotations

from cme.cli.commands import CommandTable, Context

NOT_RUNNING = {
    "TCP": "SIP over TCP is not running (no 'voice register global / source-address')",
    "TLS": "SIP over TLS is not running (no usable 'sip-ua / crypto signaling default trustpoint')",
}


def _report(ctx: Context, transport: str) -> str:
    factory = getattr(ctx.app, "sip_streams", {}).get(transport)
    if factory is None:
        return NOT_RUNNING[transport]
    now = factory.clock.seconds()
    live = [c for c in factory.connections if c.flow is not None]
    lines = [f"Total active connections      : {len(live)}"]
    agents: dict[str, list] = {}
    for conn in live:
        agents.setdefault(conn.flow.peer[0], []).append(conn)
    for host in sorted(agents):
        conns = sorted(agents[host], key=lambda c: (c.flow.peer[1], c.opened_at))
        lines += ["", f"Remote-Agent:{host}, Connections-Count:{len(conns)}",
                  "  Remote-Port Conn-State  Local-Port       Age",
                  "  =========== =========== ========== ========="]
        for c in conns:
            host_address = c.transport.getHost() if c.transport is not None else None
            local = getattr(host_address, "port", 0)
            state = "Closing" if c.closing else "Established"
            lines.append(f"  {c.flow.peer[1]:>11} {state:<11} {local:>10} {_age(now - c.opened_at):>9}")
    return "\n".join(lines)


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def register(table: CommandTable) -> CommandTable:
    table.describe("show sip-ua connections", "SIP transport connections")
    table.add("show sip-ua connections tcp", lambda ctx: _report(ctx, "TCP"), "SIP over TCP connections")
    table.add("show sip-ua connections tls", lambda ctx: _report(ctx, "TLS"), "SIP over TLS connections")
    return table
