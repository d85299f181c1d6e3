"""`emadmin login NAME TAG`, `emadmin logout NAME`, `show ephone login` (Extension Mobility)."""
from __future__ import annotations

from cme import em
from cme.cli.commands import CommandError, CommandTable, Context


def _telephony(ctx: Context):
    telephony = getattr(ctx.app, "telephony", None)
    if telephony is None:
        raise CommandError("Extension Mobility is not available: the SCCP side is not running")
    return telephony


def emadmin_login(ctx: Context, user: str, tag: int) -> str:
    try:
        return em.login(_telephony(ctx), user, tag)
    except em.EMError as e:
        raise CommandError(str(e)) from None


def emadmin_logout(ctx: Context, user: str) -> str:
    try:
        return em.logout(_telephony(ctx), user)
    except em.EMError as e:
        raise CommandError(str(e)) from None


def show_ephone_login(ctx: Context) -> str:
    """Every EM ephone (it has a logout-profile) and who is logged in on it."""
    telephony = _telephony(ctx)
    config, board = telephony.config, telephony.board
    tags = sorted({t for t, e in config.ephones.items() if e.logout_profile is not None} | set(telephony.em_logins))
    if not tags:
        return "No Extension Mobility ephones configured."
    rows = [("ephone", "Device", "User", "Profile", "Numbers", "State")]
    for tag in tags:
        ephone = config.ephones.get(tag)
        device = ephone.device_name if ephone is not None else None
        status = board.phones.get(device) if device else None
        profile = telephony.em_logins.get(tag)
        if profile is not None:
            who, which, numbers = profile.user, f"user {profile.tag}", profile.numbers
        else:
            logout = config.logout_profiles.get(ephone.logout_profile) if ephone is not None else None
            who, which = "(logged out)", f"logout {ephone.logout_profile}"
            numbers = logout.numbers if logout is not None else []
        rows.append((str(tag), device or "-", who, which, ",".join(n.number for n in numbers) or "-",
                     (status.state if status else "unregistered").upper()))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def register(table: CommandTable) -> CommandTable:
    table.describe("emadmin", "Extension Mobility administration")
    table.describe("emadmin login", "Log a user in on an ephone")
    table.describe("emadmin login WORD", "User name (voice user-profile user)")
    table.add("emadmin login WORD <1-10000>", emadmin_login, "Ephone tag")
    table.describe("emadmin logout", "Log a user out")
    table.add("emadmin logout WORD", emadmin_logout, "User name (voice user-profile user)")
    table.add("show ephone login", show_ephone_login, "Extension Mobility: users logged in on ephones")
    return table
