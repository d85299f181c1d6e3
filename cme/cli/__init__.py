"""The IOS-style exec CLI: command table (`commands`), built-in commands (`builtin`), the
line-editing shell (`shell`) and its SSH and telnet servers (`server`).

`cme.cli.commands` and `cme.cli.builtin` are pure Python; only `shell` and `server` need
Twisted, so they are imported on demand.
"""


def __getattr__(name):
    if name == "cli_services":
        from cme.cli.server import cli_services

        return cli_services
    raise AttributeError(name)
