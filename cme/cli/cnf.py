"""`show telephony-service tftp-bindings` and `create cnf-files`: the phones' TFTP files.

Both reach the provider through `ctx.app.cnf_files` (cme.cnf_files.CnfFiles).
"""
from __future__ import annotations

from cme.cli.commands import CommandError, CommandTable, Context


def _files(ctx: Context):
    files = getattr(ctx.app, "cnf_files", None)
    if files is None:
        raise CommandError("TFTP configuration files are not available: the server was started without them")
    return files


def show_tftp_bindings(ctx: Context) -> str:
    """As IOS: one `tftp-server` line per file offered, the generated ones (in system:/its/)
    first, then the configuration's `tftp-server` lines."""
    files = _files(ctx)
    lines = [f"tftp-server {b.source}" + (f" alias {b.alias}" if b.alias else "") for b in files.bindings()]
    for f in files.config.tftp_files:
        lines.append(f"tftp-server {f.source}" + (f" alias {f.alias}" if f.alias else ""))
    return "\n".join(lines)


def create_cnf_files(ctx: Context) -> str:
    ctx.writeln("Creating CNF files")
    bindings = _files(ctx).rebuild()
    count = len(bindings)
    return f"CNF files creating ... done ({count} file{'s' if count != 1 else ''})"


def register(table: CommandTable) -> CommandTable:
    table.describe("show telephony-service", "Telephony-service (CME) information")
    table.add("show telephony-service tftp-bindings", show_tftp_bindings,
              "The files the TFTP server offers the phones")
    table.describe("create", "Create configuration files")
    table.add("create cnf-files", create_cnf_files, "Build the phones' XML configuration files")
    return table
