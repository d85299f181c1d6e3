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

from conf.grammar import usage
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

    def help(self, typed: str) -> str:
        """`?`: the commands of the current mode (and the global ones) that start with
        what is typed, as the grammar writes them."""
        mode = self.parser.stack[-1].mode.name
        words = typed.split()
        prefix = " ".join(words).lower()
        names = usage(mode) + (usage("global") if mode != "global" else []) + ["exit", "end", "do <exec command>"]
        shown = [p for p in dict.fromkeys(names) if p.lower().startswith(prefix)] if prefix else list(dict.fromkeys(names))
        return "\n".join(f"  {p}" for p in shown) + "\n" if shown else "% Unrecognized command\n"

    def _act(self, words: list[str], ctx) -> bool:
        """The exec-like sub-commands of CME's modes: `reset`/`restart` (one ephone, or
        `all` under telephony-service) make phones restart and register again."""
        frame = self.parser.stack[-1]
        w = [x.lower() for x in words]
        if w and w[0] in ("reset", "restart"):
            telephony = getattr(self.app, "telephony", None)
            if frame.mode.name == "ephone" and len(w) == 1:
                devices = [frame.obj.device_name] if frame.obj.device_name else []
            elif frame.mode.name == "telephony" and w[1:] == ["all"]:
                devices = [e.device_name for e in self.app.config.ephones.values() if e.device_name]
            else:
                return False
            if telephony is not None:
                from actors.phone import Restart
                for device in devices:
                    telephony.tell_phone(device, Restart(f"{w[0]} from the CLI"))
            doing = {"reset": "Resetting", "restart": "Restarting"}[w[0]]
            ctx.write(f"{doing} {len(devices)} phone{'s' if len(devices) != 1 else ''}\n")
            return True
        return False

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
        if self._act(words, ctx):
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
