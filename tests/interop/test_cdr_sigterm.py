"""SIGTERM mid-call on a live server leaves complete CDRs of both legs in both files.

twistd on loopback with conf/cme.cfg and --state-dir a tmp directory (the CDRs go to its
cdr/), two SCCP phones in a call; SIGTERM; after the exit both files hold both legs,
cleared_by "system", answered, each line whole."""
import signal

from cme.cdr.reader import read_file
from tests.interop.conftest import ROOT, free_port, moved, reaped, twistd
from tests.interop.test_shutdown_live import phones_in_a_call


def test_sigterm_mid_call_leaves_both_legs_in_both_files(tmp_path):
    sip_port, sccp_port = free_port(), free_port()
    proc, log = twistd(moved((ROOT / "conf" / "cme.cfg").read_text(), sip_port, sccp_port), tmp_path)
    with reaped(proc):
        a, b = phones_in_a_call(sccp_port)
        assert not list((tmp_path / "cdr").glob("*.jsonl")) or not read_file(
            str(next((tmp_path / "cdr").glob("*.jsonl")))).records  # nothing ended yet
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text()
    text = log.read_text()
    assert "Traceback" not in text, text
    (jsonl,) = (tmp_path / "cdr").glob("cdr.*.jsonl")
    (csv,) = (tmp_path / "cdr").glob("cdr.*.csv")
    legs = read_file(str(jsonl))
    assert legs.notes == [] and read_file(str(csv)).records == legs.records
    by_line = {r.line: r for r in legs.records}
    assert sorted(by_line) == ["201", "202"]
    caller, callee = by_line["201"], by_line["202"]
    assert (caller.direction, caller.called, callee.direction, callee.calling) == ("outgoing", "202", "incoming", "201")
    assert caller.gcid == callee.gcid
    for rec in (caller, callee):
        assert rec.cleared_by == "system" and rec.connect is not None and rec.disconnect >= rec.connect
        assert rec.cause == "normalClearing" and rec.q850 == 16
    assert "call detail records go to" in text
