"""Fakes for testing the CLI (and commands that later subsystems register) without a server.

`FakeApplication` has the attributes of `cme.app.Application` the CLI uses; `run(table,
line)` executes one line and returns the text it printed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cme.cli.commands import CommandTable, Context, Result


class FakeTrace:
    """`actors.trace.TraceControl`'s interface, remembering the calls."""

    def __init__(self) -> None:
        self.on: set[str] = set()
        self.calls: list[tuple[str, str | None]] = []

    def enable(self, namespace: str) -> None:
        if not namespace or any(not part for part in namespace.split(".")):
            raise ValueError(f"invalid log namespace {namespace!r}")
        self.calls.append(("enable", namespace))
        self.on.add(namespace)

    def disable(self, namespace: str) -> None:
        self.calls.append(("disable", namespace))
        self.on = {n for n in self.on if n != namespace and not n.startswith(namespace + ".")}

    def disable_all(self) -> None:
        self.calls.append(("disable_all", None))
        self.on.clear()

    def enabled(self) -> list[str]:
        return sorted(self.on)


@dataclass
class FakeLogBuffer:
    entries: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return list(self.entries)


@dataclass
class FakeConfig:
    hostname: str | None = "R1"
    usernames: dict[str, str] = field(default_factory=dict)
    ephones: dict = field(default_factory=dict)
    ephone_dns: dict = field(default_factory=dict)


class FakeApplication:
    version = "9.9.9-test"

    def __init__(self, *, hostname: str | None = "R1", usernames: dict[str, str] | None = None,
                 running_config: str = "hostname R1\n!\nend\n",
                 config_path: str | None = "/etc/cme/cme.cfg", uptime: float = 0.0) -> None:
        self.config = FakeConfig(hostname=hostname, usernames=dict(usernames or {}))
        self.config_path = config_path
        self.trace = FakeTrace()
        self.log_buffer = FakeLogBuffer()
        self.text = running_config
        self.seconds_up = uptime
        self.write_error: Exception | None = None
        self.writes = 0

    @property
    def hostname(self) -> str | None:
        return self.config.hostname

    def running_config(self) -> str:
        return self.text

    def uptime(self) -> float:
        return self.seconds_up

    def write_memory(self) -> str:
        if self.write_error is not None:
            raise self.write_error
        self.writes += 1
        return self.config_path or ""


def run(table: CommandTable, line: str, app=None, *, indent: int = 0,
        ctx: Context | None = None) -> Result:
    """Execute `line` against `app` (a fresh FakeApplication by default)."""
    if ctx is None:
        ctx = Context(app if app is not None else FakeApplication())
    return table.execute(line, ctx, indent=indent)
