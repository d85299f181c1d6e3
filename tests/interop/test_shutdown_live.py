"""SIGTERM on a live server: what is on the wire ends first (issue 13 §3).

twistd on loopback with conf/cme.cfg; a CTI session over UDP and one over TCP (plain
sockets, as an application would), two SCCP phones with a call up between them. After
SIGTERM each session gets a BYE (answered here), each phone is shown on-hook and its
connection closes, and twistd exits 0. Bounded: every read has a deadline.
"""
import signal
import socket
import time

from sccp.enums import CallState, DeviceType
from sccp.framing import Decoder, encode
from sccp.station import Station
from sip.framing import StreamFramer, parse_datagram
from sip.message import Request
from tests.interop.conftest import ROOT, free_port, moved, reaped, twistd

ED3 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"
STATUS = f'<?xml version="1.0" encoding="UTF-8"?><RequestSystemStatus xmlns="{ED3}"/>'.encode()


class Phone:
    def __init__(self, port, device):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.station = Station(device, DeviceType.CISCO_7961, ip="127.0.0.1", rtp_port=free_port(socket.SOCK_DGRAM))
        self.decoder, self.received, self.closed = Decoder(), [], False
        self.send(self.station.registration_messages())

    def send(self, messages):
        for m in messages:
            self.sock.sendall(encode(m))

    def until(self, done, seconds=10.0):
        deadline = time.monotonic() + seconds
        while not done():
            assert not self.closed and time.monotonic() < deadline, "the phone did not get there"
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                self.closed = True
                return done()
            for message in self.decoder.feed(data):
                self.received.append(message)
                try:
                    self.send(self.station.receive(message))
                except OSError:
                    pass
        return True

    def do(self, action, *args):
        self.send(getattr(self.station, action)(*args))

    def connected(self):
        return any(c.state == CallState.CONNECTED for c in self.station.calls().values())

    def registered(self):
        return bool(self.station.buttons) and self.station.registration.name == "REGISTERED"


def phones_in_a_call(sccp_port, caller="SEP001E4A34A35F", callee="SEP000F8FC7B681", number="202"):
    """Two phones of conf/cme.cfg registered, the first calling the second, who answers:
    (caller, callee) once both are connected."""
    a, b = Phone(sccp_port, caller), Phone(sccp_port, callee)
    for phone in (a, b):
        phone.until(phone.registered)
    a.do("off_hook")
    a.do("dial", number)
    b.until(lambda: b.station.ringing())
    b.do("answer")
    a.until(a.connected)
    b.until(b.connected)
    return a, b


def invite(transport, port, local, call_id):
    return (f"INVITE sip:201@127.0.0.1:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} 127.0.0.1:{local};branch=z9hG4bK{call_id};rport\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:app@127.0.0.1>;tag=app-" + call_id + "\r\n"
            f"To: <sip:201@127.0.0.1>\r\nCall-ID: {call_id}@127.0.0.1\r\nCSeq: 1 INVITE\r\n"
            f"Contact: <sip:app@127.0.0.1:{local};transport={transport.lower()}>\r\n"
            f"Content-Type: application/csta+xml\r\nContent-Length: {len(STATUS)}\r\n\r\n").encode() + STATUS


def ack(ok, transport, local):
    return (f"ACK sip:201@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/{transport} 127.0.0.1:{local};branch=z9hG4bKack{ok.call_id}\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:app@127.0.0.1>;tag={ok.from_tag}\r\n"
            f"To: <sip:201@127.0.0.1>;tag={ok.to_tag}\r\nCall-ID: {ok.call_id}\r\nCSeq: 1 ACK\r\n"
            "Content-Length: 0\r\n\r\n").encode()


class UdpApp:
    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.local, self.server = self.sock.getsockname()[1], ("127.0.0.1", port)
        self.sock.sendto(invite("UDP", port, self.local, "udp-app"), self.server)
        ok = self.next(lambda m: not isinstance(m, Request) and m.status == 200)
        self.sock.sendto(ack(ok, "UDP", self.local), self.server)

    def next(self, wanted, seconds=10.0):
        deadline = time.monotonic() + seconds
        while True:
            assert time.monotonic() < deadline, "nothing wanted arrived"
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                message = parse_datagram(self.sock.recv(65536))
            except socket.timeout:
                continue
            if wanted(message):
                return message

    def answer(self, request):
        self.sock.sendto(request.response(200).encode(), self.server)


class TcpApp(UdpApp):
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.local, self.framer, self.queue = self.sock.getsockname()[1], StreamFramer(), []
        self.sock.sendall(invite("TCP", port, self.local, "tcp-app"))
        ok = self.next(lambda m: not isinstance(m, Request) and m.status == 200)
        self.sock.sendall(ack(ok, "TCP", self.local))

    def next(self, wanted, seconds=10.0):
        deadline = time.monotonic() + seconds
        while True:
            while self.queue:
                message = self.queue.pop(0)
                if wanted(message):
                    return message
            assert time.monotonic() < deadline, "nothing wanted arrived"
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            assert data, "the server closed the connection"
            self.queue.extend(self.framer.feed(data))

    def answer(self, request):
        self.sock.sendall(request.response(200).encode())


def is_bye(m):
    return isinstance(m, Request) and m.method == "BYE"


def test_sigterm_byes_the_sessions_shows_the_phones_idle_and_exits_zero(tmp_path):
    sip_port, sccp_port = free_port(), free_port()
    proc, log = twistd(moved((ROOT / "conf" / "cme.cfg").read_text(), sip_port, sccp_port), tmp_path)
    with reaped(proc):
        udp, tcp = UdpApp(sip_port), TcpApp(sip_port)
        a, b = phones_in_a_call(sccp_port)
        shown = {p: len(p.received) for p in (a, b)}
        proc.send_signal(signal.SIGTERM)
        for app in (udp, tcp):
            app.answer(app.next(is_bye))
        for phone in (a, b):
            assert phone.until(lambda p=phone: p.closed, seconds=15)  # the server closed it, after:
            told = [getattr(m, "call_state", None) for m in phone.received[shown[phone]:]]
            assert CallState.ON_HOOK in told, phone.received[shown[phone]:]
        assert proc.wait(timeout=30) == 0, log.read_text()
    text = log.read_text()
    assert "Traceback" not in text, text
    assert "did not finish" not in text, text  # every BYE answered within the bound
    assert "cme-cti is down" in text


def test_a_second_sigterm_while_stopping_changes_nothing(tmp_path):
    """A service manager or `timeout` may signal the whole process group, so SIGTERM can
    come twice: the second one, during the first one's stop, is no traceback."""
    sip_port, sccp_port = free_port(), free_port()
    proc, log = twistd(moved((ROOT / "conf" / "cme.cfg").read_text(), sip_port, sccp_port), tmp_path)
    with reaped(proc):
        a, b = phones_in_a_call(sccp_port)  # the stop has calls to clear: it takes a while
        proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while "shutting down" not in log.read_text():  # the first stop is under way
            assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text()
    text = log.read_text()
    assert "Traceback" not in text and "ReactorNotRunning" not in text, text
    assert "cme-cti is down" in text
