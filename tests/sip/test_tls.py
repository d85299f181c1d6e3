"""SIP over TLS: the trustpoint's files (one-line errors), a loopback OPTIONS over TLS,
mutual TLS with client-vtp, and openssl s_client as a client nobody here wrote."""
from __future__ import annotations

import shutil

import pytest
import pytest_twisted
from twisted.internet import defer, protocol, reactor, ssl

from sip.core import UASCore
from sip.framing import StreamFramer
from sip.tls import TLSConfigError, server_options, tls_service, trustpoint_files
from tests.sip.certs import make_pki
from tests.tools import need


def options(branch="z9hG4bKtls1") -> bytes:
    return (f"OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
            f"Via: SIP/2.0/TLS 127.0.0.1:5999;branch={branch}\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:app@127.0.0.1>;tag=t1\r\n"
            "To: <sip:127.0.0.1>\r\n"
            "Call-ID: tls-1@127.0.0.1\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n").encode()


@pytest.fixture
def pki(tmp_path):
    return make_pki(tmp_path)


def test_trustpoint_files_in_the_state_directory_or_at_an_absolute_prefix():
    assert trustpoint_files("cme", "/var/lib/cme") == ("/var/lib/cme/cme.pem", "/var/lib/cme/cme.key")
    assert trustpoint_files("/etc/cme/tls", "/var/lib/cme") == ("/etc/cme/tls.pem", "/etc/cme/tls.key")


def test_good_files_load(pki, tmp_path):
    assert server_options("server", str(tmp_path)) is not None
    assert server_options(str(tmp_path / "server"), "/nonexistent", client_vtp=str(tmp_path / "ca")) is not None


@pytest.mark.parametrize("setup, expected", [
    (lambda d: None, "TLS certificate {d}/missing.pem: No such file or directory"),
    (lambda d: (d / "missing.pem").write_text("hello"), "no PEM certificate in it"),
    (lambda d: (d / "missing.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"),
     "not a readable certificate"),
    (lambda d: (d / "missing.pem").write_bytes((d / "server.pem").read_bytes()),
     "TLS private key {d}/missing.key: No such file or directory"),
    (lambda d: [(d / "missing.pem").write_bytes((d / "server.pem").read_bytes()),
                (d / "missing.key").write_text("junk")], "not a readable PEM key"),
    (lambda d: [(d / "missing.pem").write_bytes((d / "server.pem").read_bytes()),
                (d / "missing.key").write_bytes((d / "other.key").read_bytes())], "do not go together"),
])
def test_bad_files_are_one_line_errors(pki, tmp_path, setup, expected):
    setup(tmp_path)
    with pytest.raises(TLSConfigError) as info:
        server_options("missing", str(tmp_path))
    message = str(info.value)
    assert expected.format(d=tmp_path) in message and "\n" not in message


def test_missing_client_ca_is_a_one_line_error(pki, tmp_path):
    with pytest.raises(TLSConfigError, match=r"TLS client CA .*nope.pem: No such file"):
        server_options("server", str(tmp_path), client_vtp="nope")


class Client(protocol.Protocol):
    def __init__(self):
        self.framer = StreamFramer()
        self.answer = defer.Deferred()
        self.lost = defer.Deferred()

    def connectionMade(self):
        self.transport.write(options())

    def dataReceived(self, data):
        for message in self.framer.feed(data):
            if not self.answer.called:
                self.answer.callback(message)

    def connectionLost(self, reason):
        if not self.answer.called:
            self.answer.errback(reason)
        self.lost.callback(None)


def _listen(pki, tmp_path, client_vtp=None):
    service = tls_service(UASCore(reactor), server_options("server", str(tmp_path), client_vtp),
                          "127.0.0.1", 0)
    factory, context = service.args[1], service.args[2]
    port = reactor.listenSSL(0, factory, context, interface="127.0.0.1")
    return port, factory


def _client_options(pki, with_certificate):
    ca = ssl.Certificate.loadPEM(pki["ca.pem"].read_bytes())
    kwargs = {}
    if with_certificate:
        kwargs["clientCertificate"] = ssl.PrivateCertificate.loadPEM(
            pki["client.key"].read_bytes() + pki["client.pem"].read_bytes())
    return ssl.optionsForClientTLS("localhost", trustRoot=ca, **kwargs)


@defer.inlineCallbacks
def _ask(port, client_options):
    client = Client()
    yield protocol.ClientCreator(reactor, lambda: client).connectSSL(
        "127.0.0.1", port.getHost().port, client_options, timeout=5)
    try:
        answer = yield client.answer.addTimeout(5, reactor)
    finally:
        client.transport.loseConnection()
        yield client.lost
    return answer


def test_service_is_named_sip_tls_and_speaks_tls(pki, tmp_path):
    service = tls_service(UASCore(reactor), server_options("server", str(tmp_path)), "127.0.0.1", 5999)
    assert service.name == "sip-tls" and service.args[1].transport_name == "TLS"


@pytest_twisted.inlineCallbacks
def test_options_over_tls_loopback(pki, tmp_path):
    port, factory = _listen(pki, tmp_path)
    try:
        answer = yield _ask(port, _client_options(pki, with_certificate=False))
        assert answer.status == 200 and answer.headers.get("CSeq") == "1 OPTIONS"
        assert answer.headers.get("Via").startswith("SIP/2.0/TLS 127.0.0.1:5999")
    finally:
        yield port.stopListening()
    assert not factory.connections


@pytest_twisted.inlineCallbacks
def test_client_vtp_refuses_a_client_without_certificate_and_takes_a_good_one(pki, tmp_path):
    port, factory = _listen(pki, tmp_path, client_vtp="ca")
    try:
        with pytest.raises(Exception) as refused:
            yield _ask(port, _client_options(pki, with_certificate=False))
        assert "certificate required" in repr(refused.value)  # the handshake fails: no SIP at all
        answer = yield _ask(port, _client_options(pki, with_certificate=True))
        assert answer.status == 200
    finally:
        yield port.stopListening()


class SClient(protocol.ProcessProtocol):
    """openssl s_client: writes the OPTIONS once connected, ends when the 200 has come."""

    def __init__(self):
        self.output = b""
        self.done = defer.Deferred()

    def connectionMade(self):
        self.transport.write(options(branch="z9hG4bKsclient"))

    def outReceived(self, data):
        self.output += data
        if b"SIP/2.0 200" in self.output and b"\r\n\r\n" in self.output.split(b"SIP/2.0 200", 1)[1]:
            self.transport.closeStdin()
            self.transport.signalProcess("TERM")

    errReceived = outReceived

    def processEnded(self, reason):
        self.done.callback(self.output.decode(errors="replace"))


@pytest_twisted.inlineCallbacks
def test_openssl_s_client_gets_an_answer(pki, tmp_path):
    openssl = need("openssl", "openssl", "the SIP over TLS interop test")
    port, _ = _listen(pki, tmp_path, client_vtp="ca")
    client = SClient()
    try:
        process = reactor.spawnProcess(client, openssl, [
            openssl, "s_client", "-connect", f"127.0.0.1:{port.getHost().port}", "-CAfile", str(pki["ca.pem"]),
            "-cert", str(pki["client.pem"]), "-key", str(pki["client.key"]), "-verify_return_error",
            "-quiet", "-verify_hostname", "localhost"], env=None)
        timeout = reactor.callLater(15, process.signalProcess, "KILL")
        output = yield client.done
        if timeout.active():
            timeout.cancel()
    finally:
        yield port.stopListening()
    assert "SIP/2.0 200 OK" in output and "CSeq: 1 OPTIONS" in output, output
