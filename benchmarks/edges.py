"""What one peer may cost the server: the figures of README's security section.

    .venv/bin/python benchmarks/edges.py [--tree PATH] [--connections 1050]

Starts `twistd cme` twice in child processes on the default configuration (ports moved,
telnet CLI on, SIP T1 50 ms so 64*T1 is 3.2 s, `ulimit -n 1024` as in the issue 13 probe):
once as it is, once with `ip address trusted list / ipv4 127.0.0.1 255.255.255.255`.
`--tree` runs another checkout's server (e.g. a worktree of an older commit) for a before
and after. The attacker speaks from 127.0.0.2; the health probe from 127.0.0.1.

Printed:
- connections held: of --connections opened from one source to SIP TCP, SCCP (before
  Register) and the telnet CLI, how many the server still holds 1 s later, and whether
  another source is still served meanwhile (a SIP OPTIONS over TCP, a phone's Register,
  a telnet log-in prompt), with the time it took;
- log-in guessing: telnet passwords checked for one source in 10 s of trying, and whether
  a right password from that source then logs in;
- reflection: octets sent back per octet received, over 64*T1 + 1 s, for a CTI INVITE over
  UDP that is never ACKed, an OPTIONS, an unparsable datagram, and (trusted-list server)
  an INVITE from a source outside the list;
- log lines written for 50,000 unknown-id SCCP frames, before Register.
"""
from __future__ import annotations

import argparse
import os
import resource
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ATTACKER, FRIEND = "127.0.0.2", "127.0.0.1"
T1 = 0.05
ED3 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"


def free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, tree: Path, workdir: Path, trusted: bool) -> None:
        self.sip, self.sccp, self.telnet = free_port(), free_port(), free_port()
        text = (ROOT / "conf" / "cme.cfg").read_text()
        text = text.replace("port 5060", f"port {self.sip}").replace("port 2000", f"port {self.sccp}")
        if trusted:
            text = text.replace("voice service voip\n", "voice service voip\n ip address trusted list\n"
                                "  ipv4 127.0.0.1 255.255.255.255\n", 1)
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "cme.cfg").write_text(text)
        self.log = workdir / "server.log"
        env = {**os.environ, "PYTHONPATH": str(tree)}
        # the web view of `ip http server` stays off (a checkout before it has no such option)
        http = ["--http-port", "-1"] if "http-port" in (tree / "cme" / "plugin.py").read_text() else []
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("twistd")), "--nodaemon", "--pidfile=", "cme", "--config",
             str(workdir / "cme.cfg"), "--ssh-port", "-1", "--telnet-port", str(self.telnet), "--tftp-port", "-1", *http,
             "--state-dir", str(workdir), "--sip-t1", str(T1)],
            cwd=tree, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024)))
        deadline = time.monotonic() + 60
        while "cme-cti ready:" not in self.log.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.05)

    def lines(self) -> int:
        return len(self.log.read_text(errors="replace").splitlines())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# -- connections -------------------------------------------------------------------------------
def hold(port: int, count: int) -> list[socket.socket]:
    out = []
    for _ in range(count):
        s = socket.socket()
        s.settimeout(0.5)
        try:
            s.bind((ATTACKER, 0))
            s.connect(("127.0.0.1", port))
        except OSError:
            s.close()
            continue
        out.append(s)
    return out


def still_open(sockets: list[socket.socket]) -> int:
    alive = 0
    for s in sockets:
        s.setblocking(False)
        try:
            alive += s.recv(4096, socket.MSG_PEEK) != b""  # data (a banner): open
        except BlockingIOError:
            alive += 1  # nothing to read, not closed
        except OSError:
            pass  # reset
    return alive


def options_rtt(port: int) -> float | None:
    """Seconds for an OPTIONS over a new TCP connection from FRIEND to be answered."""
    t0 = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(FRIEND, 0)) as s:
            host, lport = s.getsockname()
            s.sendall(options(host, lport, "TCP"))
            return time.monotonic() - t0 if s.recv(4096).startswith(b"SIP/2.0 200") else None
    except OSError:
        return None


def telnet_prompt(port: int, source: str = FRIEND) -> float | None:
    t0 = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0)) as s:
            return time.monotonic() - t0 if b"Username:" in read_until(s, b"Username:", 5) else None
    except OSError:
        return None


def read_until(s: socket.socket, marker: bytes, timeout: float) -> bytes:
    return read_any(s, (marker,), timeout)


def read_any(s: socket.socket, markers: tuple[bytes, ...], timeout: float) -> bytes:
    data, deadline = b"", time.monotonic() + timeout
    while not any(m in data for m in markers) and time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = s.recv(4096)
        except (socket.timeout, OSError):
            break
        if not chunk:
            break
        data += chunk
    return data


def telnet_login(port: int, source: str, password: str) -> tuple[int, bool]:
    """(passwords the server checked on one connection, logged in)."""
    checked = 0
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3, source_address=(source, 0)) as s:
            if b"Username:" not in read_until(s, b"Username:", 3):
                return checked, False
            for _ in range(3):
                s.sendall(b"admin\r\n")
                if b"Password:" not in read_until(s, b"Password:", 3):
                    return checked, False
                s.sendall(password.encode() + b"\r\n")
                answer = read_any(s, (b"Username:", b"cme>", b"cme#"), 3)
                if b"cme>" in answer or b"cme#" in answer:
                    return checked + 1, True
                if b"Authentication failed" not in answer:
                    return checked, False  # blocked or closed
                checked += 1
                if b"Username:" not in answer:
                    return checked, False
    except OSError:
        pass
    return checked, False


def register_rtt(port: int) -> float | None:
    """Seconds for a phone's Register (conf/cme.cfg's 201) from FRIEND to be answered."""
    from ipaddress import IPv4Address

    from sccp.framing import encode
    from sccp.registration import RegisterMessage

    t0 = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(FRIEND, 0)) as s:
            s.sendall(encode(RegisterMessage(device_name="SEP001E4A34A35F", station_ip=IPv4Address(FRIEND))))
            return time.monotonic() - t0 if s.recv(4096) else None
    except OSError:
        return None


# -- SIP messages ------------------------------------------------------------------------------
def options(host: str, port: int, transport: str) -> bytes:
    n = uuid.uuid4().hex[:10]
    return (f"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/{transport} {host}:{port};branch=z9hG4bK{n}\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:probe@{host}>;tag={n}\r\nTo: <sip:127.0.0.1>\r\n"
            f"Call-ID: {n}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()


def cti_invite(host: str, port: int) -> bytes:
    body = f'<?xml version="1.0" encoding="UTF-8"?><RequestSystemStatus xmlns="{ED3}"/>'.encode()
    n = uuid.uuid4().hex[:10]
    return (f"INVITE sip:201@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {host}:{port};branch=z9hG4bK{n};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:probe@{host}>;tag={n}\r\nTo: <sip:201@127.0.0.1>\r\n"
            f"Call-ID: {n}\r\nCSeq: 1 INVITE\r\nContact: <sip:probe@{host}:{port}>\r\n"
            "Content-Type: application/csta+xml\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def reflection(port: int, build) -> tuple[float, int]:
    """(octets back / octets sent, datagrams back) for one datagram, over 64*T1 + 1 s."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((ATTACKER, 0))
        data = build(*s.getsockname())
        s.sendto(data, ("127.0.0.1", port))
        back, count, deadline = 0, 0, time.monotonic() + 64 * T1 + 1.0
        while (left := deadline - time.monotonic()) > 0:
            s.settimeout(left)
            try:
                back += len(s.recv(65536))
                count += 1
            except socket.timeout:
                break
    return back / len(data), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose server runs")
    parser.add_argument("--connections", type=int, default=1050)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this process holds the attack's sockets
    work = Path(tempfile.mkdtemp(prefix="cme-edges-"))
    print(f"server tree: {args.tree}  (work directory {work})")

    server = Server(args.tree, work / "open", trusted=False)
    try:
        print(f"\nconnections held from one source ({args.connections} opened each; server ulimit -n 1024):")
        for name, port, probe in (("SIP TCP", server.sip, lambda: options_rtt(server.sip)),
                                  ("SCCP before Register", server.sccp, lambda: register_rtt(server.sccp)),
                                  ("CLI telnet", server.telnet, lambda: telnet_prompt(server.telnet))):
            held = hold(port, args.connections)
            time.sleep(1.0)
            alive = still_open(held)
            rtt = probe()
            answered = f"answered in {rtt * 1000:.0f} ms" if rtt is not None else "NOT answered"
            what = {"SIP TCP": "SIP OPTIONS", "CLI telnet": "telnet prompt"}.get(name, "a phone's Register")
            print(f"  {name:22s} connected {len(held):5d}, held {alive:5d}; {what} from another source {answered}")
            for s in held:
                s.close()
            time.sleep(0.5)

        print("\nlog-in guessing from one source (telnet, 10 s of wrong passwords):")
        checked, connections, deadline = 0, 0, time.monotonic() + 10
        while time.monotonic() < deadline:
            n, _ = telnet_login(server.telnet, ATTACKER, "guess")
            checked, connections = checked + n, connections + 1
        _, in_anyway = telnet_login(server.telnet, ATTACKER, "cisco")
        print(f"  {connections} connections, {checked} passwords checked; the right password then "
              f"{'LOGS IN' if in_anyway else 'is refused (quiet period)'}; "
              f"another source {'gets' if telnet_prompt(server.telnet) else 'does NOT get'} a prompt")

        print(f"\nreflection over UDP (octets back per octet in, over 64*T1 + 1 s = {64 * T1 + 1:.1f} s):")
        for name, build in (("CTI INVITE, never ACKed", cti_invite),
                            ("OPTIONS", lambda h, p: options(h, p, "UDP")),
                            ("unparsable datagram", lambda h, p: b"INVITE sip:201@127.0.0.1 SIP/2.0\r\nVia: x\r\n\r\n")):
            factor, count = reflection(server.sip, build)
            print(f"  {name:28s} {factor:5.2f}x in {count} datagrams")

        before = server.lines()
        with socket.socket() as s:
            s.bind((ATTACKER, 0))
            s.connect(("127.0.0.1", server.sccp))
            try:
                s.sendall(struct.pack("<III", 4, 0, 0xDEAD) * 50_000)
            except OSError:
                pass
            read_until(s, b"\xff", 5)
        time.sleep(0.5)
        print(f"\nlog lines for 50,000 unknown-id SCCP frames before Register: {server.lines() - before}")
    finally:
        server.stop()

    guarded = Server(args.tree, work / "trusted", trusted=True)
    try:
        factor, count = reflection(guarded.sip, cti_invite)
        print(f"\ntrusted list (127.0.0.1 only): a CTI INVITE from {ATTACKER}: {factor:.2f}x in {count} datagrams")
    finally:
        guarded.stop()


if __name__ == "__main__":
    main()
