"""`cme` — the command-line tools beside the server.

    cme check-config FILE [--strict]     findings, one per line, exit 1 on any error
    cme trace FILE --device 201          one device's trace from a --json-log file
    cme phones [--config F] [--count N]  virtual SCCP phones, registered and kept alive
    cme cdr FILE [--since S] [--number N] call detail records from the server's CDR files
    cme load [--local | --server H:P] …   a load test (Locust), see cme/load.py
    cme run [twistd plugin options]      the server in the foreground (= twistd -n cme …)

Each subcommand lives in the module that owns its domain; this file only dispatches.
"""
from __future__ import annotations

import sys


def _check_config(argv: list[str]) -> int:
    from conf.check import main

    return main(argv)


def _trace(argv: list[str]) -> int:
    from cme.trace import trace_main

    return trace_main(argv)


def _phones(argv: list[str]) -> int:
    from cme.phones import main

    return main(argv)


def _csta(argv: list[str]) -> int:
    from cme.csta import main

    return main(argv)


def _cdr(argv: list[str]) -> int:
    from cme.cdr.command import main

    return main(argv)


def _load(argv: list[str]) -> int:
    from cme.load import main

    return main(argv)


def _run(argv: list[str]) -> int:
    from twisted.scripts.twistd import run

    sys.argv = ["twistd", "--nodaemon", "--pidfile=", "cme", *argv]
    run()
    return 0


COMMANDS = {
    "check-config": (_check_config, "check an IOS-style configuration file"),
    "trace": (_trace, "print one device's trace from a JSON-lines log"),
    "phones": (_phones, "register virtual SCCP phones against a server"),
    "csta": (_csta, "a uaCSTA client: open a session on a line and print its events"),
    "cdr": (_cdr, "print call detail records from CDR files (--since, --number, --csv, --json)"),
    "load": (_load, "a load test of virtual phones and CTI applications, run by Locust"),
    "run": (_run, "run the server in the foreground (twistd -n cme …)"),
}


def usage() -> str:
    lines = ["usage: cme COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:<14} {text}" for name, (_, text) in COMMANDS.items()]
    lines += ["", "`cme COMMAND --help` for a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"cme: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    try:
        return COMMANDS[name][0](rest)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
