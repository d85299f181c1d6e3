"""The live view as HTML, rendered on the server from what the CLI reads.

Everything comes from the status records the actors keep (`app.board`: phones and lines
with their calls), the configuration (a DN's forward, DND, message waiting), the CTI
gateway's session rows (`show cti session`) and the CDR store (`app.cdrs.recent(n)`),
read on the reactor thread between two messages: never an ask(). Each part of the page
is one `<section id=...>`: the page is all of them, and the event stream (events.py)
sends a section again only when its text changed, so one renderer serves both.

Every text that came from the network or the configuration (device names, numbers,
names, peers) goes through html.escape.
"""
from __future__ import annotations

import re

import time
from html import escape

from cme.cli.cti import state_word
from sccp.buttons import line_buttons

SECTIONS = ("summary", "phones", "lines", "calls", "cti", "history")
HISTORY_ON_PAGE = 20  # the newest CDRs on the main page; /history shows HISTORY_PAGE
HISTORY_PAGE = 200
FIRST_SEEN_LIMIT = 100_000


_SPECIAL = re.compile(r"[&<>\"']")  # all that html.escape(quote=True) changes


def _e(value) -> str:
    """`value` as HTML text. Most cells (numbers, states, device names) hold nothing to
    escape: one search answers that, where escape() makes five passes (a render escapes
    about 50 cells a phone)."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    return escape(text, quote=True) if _SPECIAL.search(text) else text


def _table(caption: str, head: tuple, rows: list[tuple], empty: str) -> str:
    heading = f"<h2>{_e(caption)}</h2>"
    if not rows:
        return f"{heading}<p class=\"empty\">{_e(empty)}</p>"
    out = [f"{heading}<table><thead><tr>"]
    out.extend(f"<th>{_e(h)}</th>" for h in head)
    out.append("</tr></thead><tbody>")
    for row in rows:
        css = ""
        if row and isinstance(row[0], _Css):
            css, row = f" class=\"{_e(row[0])}\"", row[1:]
        out.append(f"<tr{css}>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


class _Css(str):
    """A row's CSS class (first item of a row tuple)."""


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class View:
    """Renders the sections of one application. A call's duration counts from its leg's
    `setup` (the line's clock time, on the reactor's clock like this view's); a view
    without one (0.0) counts from the first render that showed it."""

    def __init__(self, app, clock) -> None:
        self.app, self.clock = app, clock
        self._first_seen: dict[int, float] = {}  # call id -> clock seconds

    # -- the whole page, or the parts ---------------------------------------------------
    def sections(self) -> dict[str, str]:
        """Section id -> its HTML (a `<section id=...>` element)."""
        now = self.clock.seconds()
        return {name: f"<section id=\"{name}\">{getattr(self, '_' + name)(now)}</section>" for name in SECTIONS}

    def page(self, user: str) -> str:
        parts = self.sections()
        note = "<noscript><p class=\"empty\">JavaScript is off: this page is a snapshot; reload it to see the " \
               "server as it is now.</p></noscript>"
        return _document(f"{self.app.hostname} — live view", user,
                         note + "".join(parts[name] for name in SECTIONS), script=True)

    def history_page(self, user: str) -> str:
        body = f"<section id=\"history\">{self._history(self.clock.seconds(), HISTORY_PAGE)}</section>"
        return _document(f"{self.app.hostname} — call history", user, body, script=False)

    # -- sections ------------------------------------------------------------------------
    def _summary(self, now: float) -> str:
        board = self.app.board
        registered = sum(1 for p in board.phones.values() if p.state == "registered")
        legs = sum(len(line.calls) for line in board.lines.values())
        gateway = getattr(self.app, "cti", None)
        sessions = len(gateway.status) if gateway is not None else 0
        stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(now))
        return (f"<p>{registered} of {len(board.phones)} phones registered · {legs} call legs · "
                f"{sessions} CTI sessions · as of <time>{_e(stamp)}</time></p>")

    def _phones(self, now: float) -> str:
        board, config = self.app.board, self.app.config
        rows = []
        for p in sorted(board.phones.values(), key=lambda s: s.tag):
            ephone = config.ephones.get(p.tag)
            shown = p.lines or (line_buttons(ephone, config) if ephone is not None else [])
            buttons = []
            for b in shown:
                dn = config.ephone_dns.get(b.dn_tag)
                buttons.append(f"{b.position}:{dn.number if dn is not None and dn.number else '-'}")
            address = f"{p.ip}:{p.port}" if p.ip else "-"
            state = p.state + (f" ({p.reason})" if p.reason and p.state != "registered" else "")
            rows.append((_Css(p.state), f"ephone-{p.tag}", p.device, p.model or "?", state, address,
                         " ".join(buttons) or "-"))
        return _table("Phones", ("Ephone", "Device", "Model", "State", "Address", "Buttons"), rows,
                      "No ephones configured.")

    def _lines(self, now: float) -> str:
        board, config = self.app.board, self.app.config
        by_device = {s.device: s.tag for s in board.phones.values()}
        rows = []
        for tag, line in sorted(board.lines.items()):
            dn = config.ephone_dns.get(tag)
            calls = sorted(line.calls.values(), key=lambda c: (c.instance, c.call_id))
            channels = " ".join(f"CH{c.instance} {c.state.upper()}" for c in calls) or "-"
            phones = " ".join(f"ephone-{by_device[d]}" for d in sorted(line.phones) if d in by_device) or "-"
            forward = getattr(dn, "call_forward_all", None) or "-"
            dnd = "on" if getattr(dn, "do_not_disturb", False) else "-"
            mwi = "on" if getattr(dn, "message_waiting", False) else "-"
            rows.append((_Css("busy" if calls else line.state), tag, line.number or "-", line.name or "",
                         line.state.upper(), channels, forward, dnd, mwi, phones))
        return _table("Lines", ("Tag", "Number", "Name", "State", "Call instances", "Forward all", "DND",
                                "MWI", "Phones"), rows, "No ephone-dns configured.")

    def _calls(self, now: float) -> str:
        legs = []  # (group key, line number, view)
        lines = sorted(self.app.board.lines.items())
        trunks = getattr(self.app, "trunks", None)
        if trunks is not None and getattr(trunks, "lines", None):
            lines += sorted(trunks.lines.items(), reverse=True)
        seen = self._first_seen
        live = set()
        for tag, line in lines:
            for call_id in sorted(line.calls):
                view = line.calls[call_id]
                live.add(call_id)
                if call_id not in seen and len(seen) < FIRST_SEEN_LIMIT:
                    seen[call_id] = now
                legs.append((view.gcid or f"call {min(call_id, view.peer_call_id or call_id)}",
                             line.number or str(tag), view))
        for gone in [k for k in seen if k not in live]:
            del seen[gone]
        if not legs:
            return "<h2>Calls in progress</h2><p class=\"empty\">No calls in progress.</p>"
        groups: dict[str, list] = {}
        for key, number, view in legs:
            groups.setdefault(key, []).append((number, view))
        out = ["<h2>Calls in progress</h2><table><thead><tr><th>GCID</th><th>Line</th>"
               "<th>Call id</th><th>Calling</th><th>Called</th><th>State</th><th>Phone</th>"
               "<th>Duration</th></tr></thead>"]
        for key, members in groups.items():
            out.append(f"<tbody class=\"call\" data-gcid=\"{_e(key)}\">")
            for i, (number, v) in enumerate(members):
                start = getattr(v, "setup", None)
                if not isinstance(start, (int, float)) or start <= 0:  # 0.0: not known
                    start = seen.get(v.call_id, now)
                first = f"<th rowspan=\"{len(members)}\">{_e(key)}</th>" if i == 0 else ""
                out.append(f"<tr class=\"{_e(v.state)}\">{first}<td>{_e(number)}</td><td>{_e(v.call_id)}</td>"
                           f"<td>{_e(v.calling or '-')}</td><td>{_e(v.called or '-')}</td>"
                           f"<td>{_e(state_word(v.state))}</td><td>{_e(v.device or '-')}</td>"
                           f"<td>{_e(_duration(now - start))}</td></tr>")
            out.append("</tbody>")
        out.append("</table>")
        return "".join(out)

    def _cti(self, now: float) -> str:
        gateway = getattr(self.app, "cti", None)
        status = getattr(gateway, "status", None) or {}
        rows = [(sid, s.peer, s.transport, s.user, s.line, s.state.upper(), s.monitors,
                 f"{max(0, s.expires_at - now):.0f}s", s.events_sent) for sid, s in sorted(status.items())]
        return _table("CTI sessions", ("ID", "Peer", "Transport", "User", "Line", "State", "Monitors",
                                       "Expires", "Events sent"), rows, "No CTI sessions.")

    def _history(self, now: float, limit: int = HISTORY_ON_PAGE) -> str:
        cdrs = getattr(self.app, "cdrs", None)
        if cdrs is None:
            return "<h2>Recent calls</h2><p class=\"empty\">No call history: call detail records are not kept.</p>"
        rows = []
        for r in cdrs.recent(limit):
            features = getattr(r, "features", None) or ()
            if isinstance(features, str):
                features = (features,)
            rows.append((_stamp(r.setup), r.gcid or "-", r.call_id, r.line, r.calling or "-", r.called or "-",
                         r.direction, r.peer or "-", r.dial_peer or "-",
                         "-" if r.duration is None else f"{r.duration:.1f}s", r.cause or "-",
                         "-" if r.q850 is None else r.q850, r.cleared_by or "-", ", ".join(map(str, features)) or "-"))
        caption = "Recent calls" + (" (newest first; all on /history)" if limit == HISTORY_ON_PAGE else "")
        return _table(caption, ("Setup", "GCID", "Call id", "Line", "Calling", "Called", "Direction", "Peer",
                                "Dial-peer", "Duration", "Cause", "Q.850", "Cleared by", "Features"), rows,
                      "No call history yet.")


def _stamp(value) -> str:
    if isinstance(value, (int, float)):
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(value))
    return "-" if value is None else str(value)


def _document(title: str, user: str | None, body: str, *, script: bool) -> str:
    nav = ""
    if user is not None:
        nav = (f"<nav><a href=\"/\">Live view</a> <a href=\"/history\">Call history</a> "
               f"<a href=\"/metrics\">Metrics</a> <span id=\"live\"></span>"
               f"<form method=\"post\" action=\"/logout\"><span class=\"user\">{_e(user)}</span> "
               f"<button type=\"submit\">Log out</button></form></nav>")
    js = "<script src=\"/static/view.js\" defer></script>" if script else ""
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_e(title)}</title>"
            f"<meta name=\"viewport\" content=\"width=device-width\">"
            f"<link rel=\"stylesheet\" href=\"/static/view.css\">{js}</head>"
            f"<body><header><h1>{_e(title)}</h1>{nav}</header><main>{body}</main></body></html>")


def login_page(hostname: str, message: str = "") -> str:
    note = f"<p class=\"error\" role=\"alert\">{_e(message)}</p>" if message else ""
    form = (f"{note}<form method=\"post\" action=\"/login\" class=\"login\">"
            "<label>Username <input name=\"username\" autocomplete=\"username\" required autofocus></label>"
            "<label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" "
            "required></label><button type=\"submit\">Log in</button></form>")
    return _document(f"{hostname} — log in", None, form, script=False)
