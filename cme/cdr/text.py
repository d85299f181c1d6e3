"""CDRs as text: the CLI's `show call history voice brief` block and `cme cdr`'s one line."""
from __future__ import annotations

from actors.call_record import Q850_TEXT
from cme.cdr.reader import iso


def hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def disconnect_text(rec) -> str:
    """The cause as IOS prints it: the Q.850 code in hex, its text and decimal, then ours."""
    return f"{rec.q850:X} ({Q850_TEXT.get(rec.q850, 'unknown')} ({rec.q850})) {rec.cause}"


def _ms(rec, t) -> str:
    return "+0" if t is None else f"+{int(round((t - rec.setup) * 1000))}"


def brief(rec) -> list[str]:
    """One leg as `show call history voice brief` shows it (two lines, as IOS's brief)."""
    pid = "-" if rec.dial_peer is None else rec.dial_peer
    return [f"{rec.call_id:<6}: {iso(rec.setup)} {_ms(rec, rec.connect)} {_ms(rec, rec.disconnect)} pid:{pid} "
            f"{rec.direction} {rec.line} {rec.calling} -> {rec.called} peer {rec.peer or '-'}",
            f"        GCID {rec.gcid or '-'} dur {hms(rec.duration)} disc {disconnect_text(rec)} "
            f"cleared:{rec.cleared_by}" + (f" features:{','.join(rec.features)}" if rec.features else "")]


def one_line(rec) -> str:
    """One leg on one line (`cme cdr`)."""
    features = ",".join(rec.features) or "-"
    return (f"{iso(rec.setup)} {rec.call_id} {rec.line} {rec.direction} {rec.calling}->{rec.called} "
            f"peer={rec.peer or '-'} dial-peer={'-' if rec.dial_peer is None else rec.dial_peer} "
            f"connect={iso(rec.connect)} disconnect={iso(rec.disconnect)} dur={hms(rec.duration)} "
            f"cause={rec.cause}({rec.q850}) cleared={rec.cleared_by} features={features} gcid={rec.gcid or '-'}")
