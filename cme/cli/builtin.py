"""The exec commands every session has: show, write, debug, terminal, exit.

Handlers reach the server only through `ctx.app` (see `cme.app.Application`), so tests run
them against a small fake application.
"""
from __future__ import annotations

import platform
from dataclasses import dataclass

from cme.cli import login
from cme.cli.commands import CommandError, CommandTable, Context

# Help of the top-level keywords, worded as IOS words them.
TOP_LEVEL_HELP = {
    "show": "Show running system information",
    "write": "Write running configuration to memory",
    "debug": "Debugging functions (see also 'undebug')",
    "undebug": "Disable debugging functions (see also 'debug')",
    "no": "Disable debugging functions",
    "no debug": "Disable debugging functions (see also 'undebug')",
    "terminal": "Set terminal line parameters",
    "exit": "Exit from the EXEC",
    "logout": "Exit from the EXEC",
    "quit": "Exit from the EXEC",
}


@dataclass(frozen=True)
class DebugTarget:
    """`debug KEYWORDS` switches trace on for `namespace`; `label` names it in messages."""

    keywords: str
    namespace: str
    label: str
    help: str


#: IOS-like debug keywords and the trace namespaces (DESIGN.md "Logging and traces").
DEBUG_TARGETS = (
    DebugTarget("cti", "cme.cti", "CTI", "CTI CSTA interface"),
    DebugTarget("cti callmon", "cme.cti.callmon", "CTI call monitor", "CTI call monitor events"),
    DebugTarget("cti session", "cme.cti.session", "CTI session", "CTI sessions"),
    DebugTarget("cti monitor", "cme.monitor", "CTI monitor", "CSTA monitors"),
    DebugTarget("ephone", "cme.phone", "Ephone", "SCCP phones (ephones)"),
    DebugTarget("ephone-dn", "cme.line", "Ephone-dn", "Directory numbers (ephone-dns)"),
    DebugTarget("line", "cme.line", "Line", "Directory numbers (lines)"),
    DebugTarget("ccsip", "cme.sip", "SIP", "Call Control SIP"),
    DebugTarget("ccsip messages", "cme.sip.messages", "SIP messages", "SIP messages sent and received, in full"),
    DebugTarget("sccp", "cme.sccp", "SCCP", "Skinny Client Control Protocol"),
)


def version_string(app) -> str:
    version = getattr(app, "version", None)
    if version:
        return str(version)
    try:
        from cme.app import VERSION  # late: cme.app pulls in the configuration package

        return VERSION
    except Exception:  # noqa: BLE001 - any import trouble: say so rather than fail `show`
        return "unknown"


def format_uptime(seconds: float) -> str:
    """IOS style: `1 week, 2 days, 3 hours, 4 minutes` (minutes always shown)."""
    minutes = int(max(seconds, 0)) // 60
    parts = []
    for unit, size in (("year", 525600), ("week", 10080), ("day", 1440), ("hour", 60)):
        count, minutes = divmod(minutes, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return ", ".join(parts)


def _count(config, *names: str) -> int | None:
    for name in names:
        value = getattr(config, name, None)
        if value is not None:
            try:
                return len(value)
            except TypeError:
                continue
    return None


def hostname(app) -> str:
    return getattr(app, "hostname", None) or "Router"


# ---- show


def show_running_config(ctx: Context) -> str:
    text = ctx.app.running_config()
    if text and not text.endswith("\n"):
        text += "\n"
    size = len(text.encode("utf-8"))
    return f"Building configuration...\n\nCurrent configuration : {size} bytes\n{text}"


def show_version(ctx: Context) -> str:
    app = ctx.app
    lines = [
        f"cme-cti CTI CSTA server, Version {version_string(app)}",
        f"Python {platform.python_version()}, Twisted {_twisted_version()}",
        "",
        f"{hostname(app)} uptime is {format_uptime(app.uptime())}",
    ]
    path = getattr(app, "config_path", None)
    lines.append(f'Configuration file is "{path}"' if path else "No configuration file")
    config = getattr(app, "config", None)
    phones = _count(config, "ephones")
    dns = _count(config, "ephone_dns", "ephone_dn", "dns")
    if phones is not None or dns is not None:
        lines.append("")
        if phones is not None:
            lines.append(f"{phones} ephone{'s' if phones != 1 else ''} configured")
        if dns is not None:
            lines.append(f"{dns} ephone-dn{'s' if dns != 1 else ''} configured")
    return "\n".join(lines) + "\n"


def _twisted_version() -> str:
    try:
        import twisted

        return twisted.__version__
    except ImportError:  # pragma: no cover - the server always has Twisted
        return "unknown"


def show_logging(ctx: Context) -> str:
    lines = list(ctx.app.log_buffer.lines())
    head = f"Log Buffer ({len(lines)} line{'s' if len(lines) != 1 else ''}):\n"
    return head + "".join(line.rstrip("\n") + "\n" for line in lines)


def show_debugging(ctx: Context) -> str:
    enabled = ctx.app.trace.enabled()
    if not enabled:
        return "No debugging is on\n"
    labels = {t.namespace: t.label for t in DEBUG_TARGETS}
    rows = []
    for ns in enabled:
        label = labels.get(ns) or (f"Ephone {ns.split('.')[-1]}" if ns.startswith("cme.phone.SEP")
                                   else f"Trace {ns}")
        rows.append(f"  {label} debugging is on ({ns})")
    return "Debugging on:\n" + "\n".join(rows) + "\n"


def show_history(ctx: Context) -> str:
    return "".join(f"  {line}\n" for line in ctx.history)


# ---- write


def write_memory(ctx: Context) -> str:
    ctx.writeln("Building configuration...")
    try:
        ctx.app.write_memory()
    except Exception as e:  # cme.app.WriteMemoryError, or anything the disk throws
        raise CommandError(str(e) or type(e).__name__) from e
    return "[OK]\n"


# ---- debug


def _debug_on(namespace: str, label: str):
    def handler(ctx: Context) -> str:
        ctx.app.trace.enable(namespace)
        return f"{label} debugging is on\n"

    return handler


def _debug_off(namespace: str, label: str):
    def handler(ctx: Context) -> str:
        ctx.app.trace.disable(namespace)
        return f"{label} debugging is off\n"

    return handler


def debug_trace_on(ctx: Context, namespace: str) -> str:
    try:
        ctx.app.trace.enable(namespace)
    except (ValueError, TypeError) as e:
        raise CommandError(str(e)) from e
    return f"Trace {namespace} debugging is on\n"


def debug_trace_off(ctx: Context, namespace: str) -> str:
    try:
        ctx.app.trace.disable(namespace)
    except (ValueError, TypeError) as e:
        raise CommandError(str(e)) from e
    return f"Trace {namespace} debugging is off\n"


def debug_mac_on(ctx: Context, mac: str) -> str:
    ctx.app.trace.enable(f"cme.phone.SEP{mac}")
    return f"Ephone SEP{mac} debugging is on\n"


def debug_mac_off(ctx: Context, mac: str) -> str:
    ctx.app.trace.disable(f"cme.phone.SEP{mac}")
    return f"Ephone SEP{mac} debugging is off\n"


def debug_all(ctx: Context) -> str:
    ctx.app.trace.enable("cme")
    return "All possible debugging has been turned on\n"


def undebug_all(ctx: Context) -> str:
    ctx.app.trace.disable_all()
    return "All possible debugging has been turned off\n"


def add_debug(table: CommandTable, keywords: str, namespace: str, label: str, help: str = "") -> None:
    """Register `debug KEYWORDS`, `undebug KEYWORDS` and `no debug KEYWORDS` for a namespace."""
    table.add(f"debug {keywords}", _debug_on(namespace, label), help)
    for prefix in ("undebug", "no debug"):
        table.add(f"{prefix} {keywords}", _debug_off(namespace, label), help)


# ---- terminal and session


def terminal_length(ctx: Context, n: int) -> None:
    ctx.length = n


def terminal_width(ctx: Context, n: int) -> None:
    ctx.width = n


def terminal_monitor(ctx: Context) -> str:
    if ctx.monitor is None:
        raise CommandError("This session has no terminal to monitor on")
    ctx.monitor(True)
    return ""


def terminal_no_monitor(ctx: Context) -> str:
    if ctx.monitor is not None:
        ctx.monitor(False)
    return ""


def configure_terminal(ctx: Context) -> str:
    if not ctx.interactive:
        raise CommandError("configure terminal needs an interactive session (ssh without a command, or telnet)")
    from cme.cli.configure import ConfigSession
    ctx.configuring = ConfigSession(ctx.app, ctx.run_exec)
    return "Enter configuration commands, one per line.  End with CNTL/Z.\n"


def exit_session(ctx: Context) -> None:
    ctx.close()


def register(table: CommandTable) -> CommandTable:
    for syntax, text in TOP_LEVEL_HELP.items():
        table.describe(syntax, text)

    table.add("show running-config", show_running_config, "Current operating configuration")
    table.add("show version", show_version, "System hardware and software status")
    table.add("show logging", show_logging, "Show the contents of logging buffers")
    # `show login` makes `sh log` ambiguous; IOS still takes `sh log` for `show logging`
    table.add("show log", show_logging, "Show the contents of logging buffers", hidden=True)
    login.register(table)
    table.add("show debugging", show_debugging, "State of each debugging option")
    table.add("show history", show_history, "Display the session command history")

    table.add("write", write_memory)
    table.add("write memory", write_memory, "Write to NV memory")

    for target in DEBUG_TARGETS:
        add_debug(table, target.keywords, target.namespace, target.label, target.help)
    table.add("debug ephone mac-address H.H.H", debug_mac_on, "MAC address of the ephone")
    table.describe("debug ephone mac-address", "Debug one ephone by its MAC address")
    table.add("debug trace WORD", debug_trace_on, "Log namespace, e.g. cme.cti.session.3")
    table.describe("debug trace", "Trace any log namespace")
    table.add("debug all", debug_all, "Enable all debugging")
    for prefix in ("undebug", "no debug"):
        table.add(f"{prefix} ephone mac-address H.H.H", debug_mac_off, "MAC address of the ephone")
        table.describe(f"{prefix} ephone mac-address", "Debug one ephone by its MAC address")
        table.add(f"{prefix} trace WORD", debug_trace_off, "Log namespace")
        table.describe(f"{prefix} trace", "Trace any log namespace")
        table.add(f"{prefix} all", undebug_all, "Disable all debugging")

    table.describe("terminal length", "Set number of lines on a screen")
    table.add("terminal length <0-512>", terminal_length, "Number of lines on screen (0 for no pausing)")
    table.describe("configure", "Enter configuration mode")
    table.add("configure terminal", configure_terminal, "Configure from the terminal")
    table.add("terminal monitor", terminal_monitor, "Copy debug output and log messages to this session")
    table.describe("terminal no", "Negate a command or set its defaults")
    table.add("terminal no monitor", terminal_no_monitor, "Stop copying debug output and log messages here")
    table.describe("terminal width", "Set width of the display terminal")
    table.add("terminal width <0-512>", terminal_width, "Number of characters on a screen line")

    table.add("exit", exit_session, TOP_LEVEL_HELP["exit"])
    table.add("logout", exit_session, TOP_LEVEL_HELP["logout"])
    table.add("quit", exit_session, TOP_LEVEL_HELP["quit"])
    return table


def default_table() -> CommandTable:
    """A fresh table with the built-in commands; subsystems add theirs to it."""
    from cme.cli import call_history

    return call_history.register(register(CommandTable()))
