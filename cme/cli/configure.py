"""`configure terminal`: IOS configuration mode on the vty, the file's grammar line by line.

Each line goes through the same mode-driven parser as the configuration file
(conf/parser.py), bound to the running configuration, so the commands, the sub-modes,
the `no` forms and the error messages are the file's. An accepted line changes the model
at once and `Application.config_changed()` makes the actors follow (new or removed
ephones and ephone-dns, changed buttons; everything the actors read from the model, such
as `cti watch`, `call-forward all` or the dial-peers, is live already). A refused line
changes nothing and prints IOS's error with its caret. `exit` leaves one sub-mode (or
configuration mode), `end` and Ctrl-Z leave configuration mode, `do CMD` runs an exec
command.
"""
from __future__ import annotations

from conf.parser import Parser

PROMPTS = {  # mode -> IOS's prompt suffix
    "global": "config", "ephone": "config-ephone", "ephone-dn": "config-ephone-dn",
    "ephone-dn-template": "config-ephone-dn-template", "telephony": "config-telephony",
    "voip": "config-voi-serv", "sip": "conf-serv-sip", "trusted-list": "cfg-iptrust-list",
    "register-global": "config-register-global", "session-server": "config-register-fs",
    "logout-profile": "config-logout-profile", "user-profile": "config-user-profile",
    "dial-peer": "config-dial-peer", "codec-class": "config-class", "sip-ua": "config-sip-ua",
}


class ConfigSession:
    """One vty's configuration mode. `run_exec(line, ctx)` runs `do` commands."""

    def __init__(self, app, run_exec) -> None:
        self.app = app
        self.run_exec = run_exec
        self.parser = Parser(filename="terminal", config=app.config)
        self.count = 0

    def prompt(self, hostname: str) -> str:
        mode = self.parser.stack[-1].mode.name
        return f"{hostname}({PROMPTS.get(mode, 'config-' + mode)})#"

    def line(self, text: str, ctx, *, indent: int = 0) -> bool:
        """Handle one line; False when configuration mode is left."""
        words = text.split()
        if not words:
            return True
        first = words[0].lower()
        if len(words) == 1 and first == "end":
            return False
        if len(words) == 1 and first == "exit":
            if len(self.parser.stack) > 1:
                self.parser.stack.pop()
                return True
            return False
        if first == "do" and len(words) > 1:
            self.run_exec(text.split(None, 1)[1], ctx)
            return True
        self.count += 1
        before = len(self.parser.findings)
        self.parser.feed(text, self.count)
        self.parser.rejected = None  # typed, a refused header leaves you where you were (IOS)
        found = self.parser.findings[before:]
        for finding in found:
            column = getattr(finding, "column", None)
            if column is not None and column >= 0:
                ctx.write(" " * (indent + column) + "^\n")
            ctx.write(f"{finding.message}\n")
        if not found:
            changed = getattr(self.app, "config_changed", None)
            if changed is not None:
                changed()
        return True
