"""CTI requests per second: the server against sipp answering the same exchange itself.

    .venv/bin/python benchmarks/cti_requests.py [--calls 1000] [--sipp-calls 10000]
                                                [--in-flight 20] [--rounds 1] [--profile FILE]
                                                [--tree CHECKOUT]

The exchange (issue 15): a uaCSTA session that does INVITE (RequestSystemStatus), ten
in-dialog INFO SnapshotDevice requests and BYE -- 12 transactions -- with --in-flight
sessions at a time over one TCP connection (sipp `-t t1 -l N`). sipp plays the application
(UAC) against, in turn:
  - `twistd cme` on conf/cme.cfg (ports moved), the session on line 201;
  - a sipp UAS scenario that answers the same requests with bodies of the same size.
Each round runs both, alternated. Printed: transactions per second of each (12 x calls
completed / sipp's wall time), the server's CPU (100 % = one core), failed calls, and the
ratio server / sipp (issue 15's goal: >= 0.2).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ED3 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"
INFOS = 10
TRANSACTIONS = INFOS + 2  # INVITE, the INFOs, BYE
TICK = os.sysconf("SC_CLK_TCK")

HEAD = """      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:alice@[local_ip]>;tag=[pid]SIPpTag[call_number]
      {to}
      Call-ID: [call_id]
      CSeq: {cseq} {method}
      Max-Forwards: 70
"""


def uac_scenario() -> str:
    """sipp as the CTI application: INVITE, ACK, ten INFO SnapshotDevice, BYE."""
    status = f'<?xml version="1.0" encoding="UTF-8"?><RequestSystemStatus xmlns="{ED3}"/>'
    snapshot = (f'<?xml version="1.0" encoding="UTF-8"?><SnapshotDevice xmlns="{ED3}">'
                '<snapshotObject>201</snapshotObject></SnapshotDevice>')
    parts = ['<?xml version="1.0" encoding="ISO-8859-1" ?>', '<scenario name="cti-requests">',
             f"""  <send><![CDATA[
      INVITE sip:201@[remote_ip]:[remote_port] SIP/2.0
{HEAD.format(to="To: <sip:201@[remote_ip]>", cseq=1, method="INVITE")}      Contact: <sip:alice@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/csta+xml
      Content-Length: [len]

      {status}
    ]]></send>""",
             '  <recv response="200" rtd="true"/>',
             f"""  <send><![CDATA[
      ACK sip:201@[remote_ip]:[remote_port] SIP/2.0
{HEAD.format(to="[last_To:]", cseq=1, method="ACK")}      Content-Length: 0

    ]]></send>"""]
    for n in range(INFOS):
        parts += [f"""  <send><![CDATA[
      INFO sip:201@[remote_ip]:[remote_port] SIP/2.0
{HEAD.format(to="[last_To:]", cseq=n + 2, method="INFO")}      Content-Type: application/csta+xml
      Content-Length: [len]

      {snapshot}
    ]]></send>""", '  <recv response="200"/>']
    parts += [f"""  <send><![CDATA[
      BYE sip:201@[remote_ip]:[remote_port] SIP/2.0
{HEAD.format(to="[last_To:]", cseq=INFOS + 2, method="BYE")}      Content-Length: 0

    ]]></send>""", '  <recv response="200"/>', "</scenario>", ""]
    return "\n".join(parts)


def uas_scenario() -> str:
    """sipp answering the exchange itself, with bodies the size of the server's."""
    status = (f'<?xml version="1.0" encoding="UTF-8"?><RequestSystemStatusResponse xmlns="{ED3}">'
              '<systemStatus>normal</systemStatus></RequestSystemStatusResponse>')
    snapshot = f'<?xml version="1.0" encoding="UTF-8"?><SnapshotDeviceResponse xmlns="{ED3}"><snapshotData/></SnapshotDeviceResponse>'

    def answer(body: str, tag: bool = False) -> str:
        to = "[last_To:];tag=[pid]SIPpTag01[call_number]" if tag else "[last_To:]"
        extra = "      Contact: <sip:201@[local_ip]:[local_port];transport=[transport]>\n" if tag else ""
        content = (f"      Content-Type: application/csta+xml\n      Content-Length: [len]\n\n      {body}"
                   if body else "      Content-Length: 0\n")
        return f"""  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      {to}
      [last_Call-ID:]
      [last_CSeq:]
{extra}{content}
    ]]></send>"""

    parts = ['<?xml version="1.0" encoding="ISO-8859-1" ?>', '<scenario name="cti-requests-uas">',
             '  <recv request="INVITE"/>', answer(status, tag=True), '  <recv request="ACK"/>']
    for _ in range(INFOS):
        parts += ['  <recv request="INFO"/>', answer(snapshot)]
    parts += ['  <recv request="BYE"/>', answer(""), "</scenario>", ""]
    return "\n".join(parts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def start_server(work: Path, profile: str | None = None, tree: Path = ROOT) -> tuple[subprocess.Popen, int]:
    sip, sccp = free_port(), free_port()
    text = (ROOT / "conf" / "cme.cfg").read_text().replace("port 5060", f"port {sip}").replace("port 2000", f"port {sccp}")
    (work / "cme.cfg").write_text(text)
    log = work / "server.log"
    profiling = [f"--profile={profile}", "--profiler=cprofile", "--savestats"] if profile else []
    # the web view of conf/cme.cfg's `ip http server` stays off (a checkout before it has no such option)
    http = ["--http-port", "-1"] if "http-port" in (tree / "cme" / "plugin.py").read_text() else []
    proc = subprocess.Popen([str(Path(sys.executable).with_name("twistd")), "--nodaemon", "--pidfile=", *profiling, "cme",
                             "--config", str(work / "cme.cfg"), "--ssh-port", "-1", "--telnet-port", "-1",
                             "--tftp-port", "-1", *http, "--state-dir", str(work)],
                            cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while "cme-cti ready:" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"server did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.05)
    return proc, sip


def drive(sipp: str, scenario: Path, port: int, calls: int, in_flight: int, work: Path) -> tuple[int, int, float]:
    """(successful calls, failed calls, wall seconds) of sipp's UAC run against port."""
    started = time.monotonic()
    out = subprocess.run([sipp, "-sf", str(scenario), "-t", "t1", "-m", str(calls), "-l", str(in_flight),
                          "-r", "100000", "-nostdin", "-timeout", "300s", "-i", "127.0.0.1",
                          "-p", str(free_port()), f"127.0.0.1:{port}"],
                         cwd=work, capture_output=True, text=True)
    wall = time.monotonic() - started

    def count(label: str) -> int:
        found = [line for line in out.stdout.splitlines() if line.strip().startswith(label)]
        return int(found[-1].split("|")[-1].strip()) if found else 0

    return count("Successful call"), count("Failed call"), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000, help="sessions against the server")
    parser.add_argument("--sipp-calls", type=int, default=10000, help="sessions against the sipp UAS")
    parser.add_argument("--in-flight", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile", metavar="FILE", help="run the server under cProfile, stats to FILE "
                        "(written when it stops; cProfile roughly triples its CPU)")
    parser.add_argument("--tree", type=Path, default=ROOT, help="run the server of this checkout (e.g. a "
                        "worktree of the commit before a change) instead of this one's")
    args = parser.parse_args()
    sipp = shutil.which("sipp")
    if sipp is None:
        raise SystemExit("sipp is not installed (apt install sip-tester)")
    work = Path(tempfile.mkdtemp(prefix="cme-cti-requests-"))
    uac, uas = work / "uac.xml", work / "uas.xml"
    uac.write_text(uac_scenario())
    uas.write_text(uas_scenario())
    print(f"{TRANSACTIONS} transactions a session, {args.in_flight} in flight over one TCP connection; "
          f"work directory {work}")
    ratios = []
    for n in range(args.rounds):
        proc, port = start_server(work, args.profile and os.path.abspath(args.profile), args.tree.resolve())
        try:
            before = cpu_seconds(proc.pid)
            ok, failed, wall = drive(sipp, uac, port, args.calls, args.in_flight, work)
            cpu = cpu_seconds(proc.pid) - before
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        server_rate = ok * TRANSACTIONS / wall
        print(f"round {n + 1}: server {server_rate:8.0f} transactions/s ({ok} sessions, {failed} failed, "
              f"{wall:.1f} s, server CPU {100 * cpu / wall:.0f}%, "
              f"{1e3 * cpu / max(ok * TRANSACTIONS, 1):.3f} ms a transaction)")
        uas_port = free_port()
        answering = subprocess.Popen([sipp, "-sf", str(uas), "-t", "t1", "-i", "127.0.0.1", "-p", str(uas_port),
                                      "-nostdin"], cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # listening
        try:
            ok2, failed2, wall2 = drive(sipp, uac, uas_port, args.sipp_calls, args.in_flight, work)
        finally:
            answering.terminate()
            answering.wait(timeout=30)
        sipp_rate = ok2 * TRANSACTIONS / wall2
        print(f"         sipp   {sipp_rate:8.0f} transactions/s ({ok2} sessions, {failed2} failed, {wall2:.1f} s)")
        if sipp_rate:
            ratios.append(server_rate / sipp_rate)
            print(f"         ratio server / sipp: {ratios[-1]:.3f}")
    if ratios:
        print(f"ratio over {len(ratios)} round(s): {sum(ratios) / len(ratios):.3f} (goal >= 0.2)")


if __name__ == "__main__":
    main()
