"""`show cti call`, `show cti gcid`, `show cti line-node`: the calls the lines hold.

Read from the status board like `show ephone-dn` (the line actors keep `app.board.lines`
current), so a `show` never waits on an actor. The shapes and column widths are those of
Cisco's command reference (as the cme.md reading notes quote it):

    Router# show cti call
    DN    CallID   GCID                                  Calling  Called  State
    201   59291    1E2E3483-5ACB11DE-BA9EF925-DF2AFB55   201      204     ACT

    Router# show cti gcid
    GCID                                   callIDs
    1E2E3483-5ACB11DE-BA9EF925-DF2AFB55    59291, 59292,

    Router# show cti line-node
    line dn   number of call instance
    201       1
       callID 59291(C7C ), *cg = 201, cd = 204

With no calls each command prints its header line only, as IOS tables do.

Choices where the documentation shows nothing:
- DN is the line's number (its ephone-dn tag when it has none); one `show cti call` row per
  connection, lines in tag order, then by call id. An empty field (no GCID because `gcid`
  is not configured, digits not dialed yet) prints as `-`.
- State, from the connection states of fsm/connection.py:
      prompting          -> PROMPT    (a prompted MakeCall rings the calling phone)
      initiated, dialing -> DIAL      (off hook, collecting digits)
      originated         -> RINGBACK  (number routed, the far end is being offered the call)
      alerting           -> ALERT     (ringing here)
      connected          -> ACT       (as CME prints an active call)
      hold               -> HOLD
      fail               -> FAIL      (busy or invalid number: reorder/busy tone)
      null               -> IDLE      (only in the instant a connection clears)
- `show cti call` also lists the calls of trunk lines (a call through a dial-peer: DN is
  the outside number), after the ephone-dns, from the trunk gateway's own record.
- `show cti gcid` lists only calls that have a GCID, each GCID once (in order of its lowest
  call id) with all its call ids ascending, each followed by a comma as in the sample.
- `show cti line-node` lists the lines that have calls. In `59291(C7C )` the parenthesised
  part is an opaque internal handle on CME; here it is the call id in upper-case hex, padded
  to four characters. The `*` marks this line's own side of the call: `*cg` when the line
  is the calling party (its number is the calling number), `*cd` otherwise.
"""
from __future__ import annotations

from cme.cli.commands import CommandError, CommandTable, Context

STATE_WORDS = {
    "null": "IDLE",
    "prompting": "PROMPT",
    "initiated": "DIAL",
    "dialing": "DIAL",
    "originated": "RINGBACK",
    "alerting": "ALERT",
    "connected": "ACT",
    "hold": "HOLD",
    "fail": "FAIL",
}

CALL_HEADER = "DN    CallID   GCID                                  Calling  Called  State"
CALL_WIDTHS = (6, 9, 38, 9, 8)  # DN, CallID, GCID, Calling, Called; State is last
GCID_HEADER = "GCID                                   callIDs"
GCID_WIDTH = 39
LINE_NODE_HEADER = "line dn   number of call instance"
LINE_NODE_WIDTH = 10


def _cell(text: str, width: int) -> str:
    """`text` left-aligned in `width` columns, always followed by at least one space."""
    return text.ljust(width - 1) + " "


def _or_dash(text: str | None) -> str:
    return text or "-"


def _lines_with_calls(app, *, trunks: bool = False):
    """(line number as shown, line status, its calls by call id) for lines that have calls;
    with `trunks`, then the trunk lines (the outside numbers of calls through dial-peers,
    cme/trunks.py), newest last."""
    lines = sorted(app.board.lines.items())
    gateway = getattr(app, "trunks", None) if trunks else None
    if gateway is not None:
        lines += sorted(gateway.lines.items(), reverse=True)  # tags -1, -2, ...
    for tag, line in lines:
        if line.calls:
            yield line.number or str(tag), line, [line.calls[k] for k in sorted(line.calls)]


def state_word(state: str) -> str:
    return STATE_WORDS.get(state, state.upper())


def show_cti_call(ctx: Context) -> str:
    rows = [CALL_HEADER]
    for number, _, calls in _lines_with_calls(ctx.app, trunks=True):
        for call in calls:
            cells = (number, str(call.call_id), _or_dash(call.gcid), _or_dash(call.calling),
                     _or_dash(call.called))
            rows.append("".join(_cell(c, w) for c, w in zip(cells, CALL_WIDTHS)) + state_word(call.state))
    return "\n".join(rows)


def show_cti_gcid(ctx: Context) -> str:
    by_gcid: dict[str, list[int]] = {}
    for _, _, calls in _lines_with_calls(ctx.app):
        for call in calls:
            if call.gcid:
                by_gcid.setdefault(call.gcid, []).append(call.call_id)
    rows = [GCID_HEADER]
    for gcid, ids in sorted(by_gcid.items(), key=lambda item: min(item[1])):
        rows.append(_cell(gcid, GCID_WIDTH) + " ".join(f"{i}," for i in sorted(ids)))
    return "\n".join(rows)


def show_cti_line_node(ctx: Context) -> str:
    rows = [LINE_NODE_HEADER]
    for number, line, calls in _lines_with_calls(ctx.app):
        rows.append(_cell(number, LINE_NODE_WIDTH) + str(len(calls)))
        for call in calls:
            mine = call.calling == line.number if line.number else False
            cg, cd = ("*cg", "cd") if mine else ("cg", "*cd")
            rows.append(f"   callID {call.call_id}({call.call_id:<4X}), "
                        f"{cg} = {_or_dash(call.calling)}, {cd} = {_or_dash(call.called)}")
    return "\n".join(rows)


def show_cti_session(ctx: Context) -> str:
    """Every CTI session: id, peer and transport, From user, To line, state, monitors,
    seconds until the session timer ends it, events sent."""
    gateway = getattr(ctx.app, "cti", None)
    rows = [("ID", "Peer", "Transport", "User", "Line", "State", "Monitors", "Expires", "Events")]
    now = gateway.clock.seconds() if gateway is not None else 0
    for sid, s in sorted((gateway.status if gateway is not None else {}).items()):
        rows.append((str(sid), s.peer, s.transport, s.user, s.line, s.state.upper(), str(s.monitors),
                     f"{max(0, s.expires_at - now):.0f}s", str(s.events_sent)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def show_cti(ctx: Context) -> str:
    """`show cti` alone (the document names it as a command): the CTI interface at a glance."""
    app, config = ctx.app, ctx.app.config
    gateway = getattr(app, "cti", None)
    sessions = list(gateway.status.values()) if gateway is not None else []
    calls = sum(len(c) for _, _, c in _lines_with_calls(app, trunks=True))
    watched = [dn.number for _, dn in sorted(config.ephone_dns.items()) if dn.cti_watch and dn.number]
    managers = gateway.managers.registrations if gateway is not None else {}
    lines = [f"CTI interface: {'shut down' if config.voip.cti_shutdown else 'enabled'}"
             f" (cti csta mode {'basic' if config.voip.csta_mode_basic else 'default'})",
             f"cti watch lines: {', '.join(watched) or 'none'}",
             f"Sessions: {len(sessions)}, monitors: {sum(s.monitors for s in sessions)}, "
             f"events sent: {sum(s.events_sent for s in sessions)}",
             f"Session managers registered: {len(managers)} of {len(config.session_servers)} configured",
             f"Calls: {calls}"]
    return "\n".join(lines)


def clear_cti_session(ctx: Context, session_id: int) -> str:
    gateway = getattr(ctx.app, "cti", None)
    if gateway is None or not gateway.clear(session_id):
        raise CommandError(f"No CTI session {session_id}")
    return f"CTI session {session_id} cleared"


def show_session_servers(ctx: Context) -> str:
    """`show voice register session-server`: each configured session manager and whether
    it is registered (contact, seconds left)."""
    config = ctx.app.config
    gateway = getattr(ctx.app, "cti", None)
    registrations = gateway.managers.registrations if gateway is not None else {}
    now = gateway.clock.seconds() if gateway is not None else 0
    if not config.session_servers:
        return "No session servers configured."
    blocks = []
    for tag, server in sorted(config.session_servers.items()):
        reg = registrations.get(server.register_id or "")
        state = (f"REGISTERED  contact {reg.contact}  expires in {max(0, reg.expires_at - now):.0f}s"
                 if reg is not None else "UNREGISTERED")
        blocks.append(f"Session Server {tag}\n  register-id {server.register_id or '-'}  keepalive {server.keepalive}"
                      f"  cti-aware {'yes' if server.cti_aware else 'no'}\n  {state}")
    return "\n".join(blocks)


def register(table: CommandTable) -> CommandTable:
    table.describe("show voice", "Voice information")
    table.describe("show voice register", "SIP registrar information")
    table.add("show voice register session-server", show_session_servers, "Session managers and their registration")
    table.add("show cti", show_cti, "CTI information")
    table.add("show cti session", show_cti_session, "CTI sessions: peer, user, line, state, monitors")
    table.describe("clear", "Reset functions")
    table.describe("clear cti", "CTI information")
    table.describe("clear cti session", "A CTI session")
    table.describe("clear cti session id", "A CTI session by its id")
    table.add("clear cti session id <1-65535>", clear_cti_session, "Session id (show cti session)")
    # the document's feature table calls it `clear csta session`
    table.describe("clear csta", "CSTA (CTI) information")
    table.describe("clear csta session", "A CTI session")
    table.describe("clear csta session id", "A CTI session by its id")
    table.add("clear csta session id <1-65535>", clear_cti_session, "Session id (show cti session)")
    table.add("show cti call", show_cti_call, "Calls on each line, with GCID and state")
    table.add("show cti gcid", show_cti_gcid, "Call ids sharing each global call id")
    table.add("show cti line-node", show_cti_line_node, "Call instances of each line")
    return table
