"""SIP over TLS against the real server: a trustpoint in the state directory, mutual TLS
with client-vtp; openssl s_client and Python's ssl module (clients nobody here wrote)
send an OPTIONS and a CTI INVITE; a bad trustpoint is one line and TCP still works."""
import socket
import ssl
import subprocess

import pytest

from sip.framing import StreamFramer
from tests.interop.conftest import ROOT, free_port, moved, stop, twistd
from tests.sip.certs import make_pki
from tests.tools import need

STATUS = b'<?xml version="1.0" encoding="UTF-8"?><RequestSystemStatus xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"/>'


def config(sip_port, sccp_port, tls_port, trustpoint="server client-vtp ca"):
    return moved((ROOT / "conf" / "cme.cfg").read_text(), sip_port, sccp_port) + (
        f"voice service voip\n sip\n  listen-port secure {tls_port}\n"
        f"sip-ua\n crypto signaling default trustpoint {trustpoint}\n")


@pytest.fixture
def tls_server(tmp_path):
    pki = make_pki(tmp_path)
    sip_port, sccp_port, tls_port = free_port(), free_port(), free_port()
    proc, log = twistd(config(sip_port, sccp_port, tls_port), tmp_path)
    yield tls_port, pki, log
    stop(proc)


def options(branch):
    return (f"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;branch={branch}\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:app@127.0.0.1>;tag=t1\r\nTo: <sip:127.0.0.1>\r\n"
            f"Call-ID: {branch}@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()


def invite(port):
    return (f"INVITE sip:201@127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bKtlsinv\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:201@127.0.0.1>\r\n"
            "Call-ID: tls-inv@127.0.0.1\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5999;transport=tls>\r\n"
            f"Content-Type: application/csta+xml\r\nContent-Length: {len(STATUS)}\r\n\r\n").encode() + STATUS


def client_context(pki, with_certificate=True):
    context = ssl.create_default_context(cafile=str(pki["ca.pem"]))
    if with_certificate:
        context.load_cert_chain(str(pki["client.pem"]), str(pki["client.key"]))
    return context


def ask(context, port, data):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(data)
            framer = StreamFramer()
            while True:
                chunk = tls.recv(65536)
                if not chunk:
                    return None
                for message in framer.feed(chunk):
                    if message.status >= 200:
                        return message


def test_python_ssl_client_opens_a_cti_session_over_mutual_tls(tls_server):
    port, pki, log = tls_server
    text = log.read_text()
    assert f"SIP over TLS on 127.0.0.1:{port} with trustpoint server, client certificates must chain to ca" in text
    assert f"sip-tls 127.0.0.1:{port}" in text  # named among the listeners when ready
    assert ask(client_context(pki), port, options("z9hG4bKpy")).status == 200
    answer = ask(client_context(pki), port, invite(port))
    assert answer.status == 200 and b"<systemStatus>normal</systemStatus>" in answer.body
    assert "CTI session 1: alice on line 201" in log.read_text()


def test_a_client_without_certificate_is_refused(tls_server):
    port, pki, log = tls_server
    try:
        answer = ask(client_context(pki, with_certificate=False), port, options("z9hG4bKnocert"))
    except (ssl.SSLError, ConnectionError):  # TLS 1.3: the refusal comes as the first read's alert
        answer = None
    assert answer is None
    assert ask(client_context(pki), port, options("z9hG4bKcert")).status == 200  # the server is fine


def test_openssl_s_client(tls_server):
    openssl = need("openssl", "openssl", "the SIP over TLS interop test")
    port, pki, _ = tls_server
    proc = subprocess.Popen(
        [openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", str(pki["ca.pem"]),
         "-cert", str(pki["client.pem"]), "-key", str(pki["client.key"]), "-verify_return_error",
         "-verify_hostname", "localhost", "-quiet"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        proc.stdin.write(options("z9hG4bKsclient"))
        proc.stdin.flush()
        output = b""
        while b"Content-Length: 0\r\n\r\n" not in output.partition(b"SIP/2.0 ")[2]:
            chunk = proc.stdout.read1(65536)
            assert chunk, output
            output += chunk
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert b"SIP/2.0 200 OK" in output and b"Via: SIP/2.0/TLS 127.0.0.1:5999" in output


def test_unusable_trustpoint_is_one_line_and_tcp_still_serves(tmp_path):
    sip_port, sccp_port, tls_port = free_port(), free_port(), free_port()
    proc, log = twistd(config(sip_port, sccp_port, tls_port, trustpoint="absent"), tmp_path)
    try:
        with socket.create_connection(("127.0.0.1", sip_port), timeout=10) as sock:
            sock.sendall(options("z9hG4bKtcp").replace(b"SIP/2.0/TLS", b"SIP/2.0/TCP"))
            assert sock.recv(65536).startswith(b"SIP/2.0 200 OK")
    finally:
        stop(proc)
    text = log.read_text()
    assert (f"SIP over TLS not started: TLS certificate {tmp_path}/absent.pem: No such file or directory; "
            f"SIP over TCP and UDP still listen on port {sip_port}") in text
    assert "Traceback" not in text
