"""The CLI's listeners: password checks, telnet login, host key, services, SSH end to end."""
import os
import stat

import pytest
import pytest_twisted
from twisted.conch import telnet
from twisted.conch.client.knownhosts import KnownHostsFile
from twisted.conch.endpoints import SSHCommandClientEndpoint
from twisted.conch.ssh import keys
from twisted.cred import credentials, error as cred_error
from twisted.internet import defer, task
from twisted.internet.address import IPv4Address
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import StringTransport
from twisted.logger import globalLogPublisher
from twisted.python.filepath import FilePath

from cme.cli import hostkey
from cme.cli.server import ConfiguredUsersChecker, TelnetCLIFactory, cli_services, is_loopback
from cme.cli.testing import FakeApplication

IAC, DO, DONT, WILL, WONT = telnet.IAC, telnet.DO, telnet.DONT, telnet.WILL, telnet.WONT
ECHO = telnet.ECHO


@pytest.fixture
def logged():
    events = []
    globalLogPublisher.addObserver(events.append)
    yield events
    globalLogPublisher.removeObserver(events.append)


def messages(events, namespace="cme.cli"):
    from twisted.logger import formatEvent
    return [formatEvent(e) for e in events if e.get("log_namespace") == namespace]


# ---- password checker


def check(app, user, password):
    d = ConfiguredUsersChecker(app).requestAvatarId(credentials.UsernamePassword(user, password))
    results = []
    d.addBoth(results.append)
    return results[0]


def test_checker_accepts_the_configured_password_only():
    app = FakeApplication(usernames={"admin": "s3cret"})
    assert check(app, b"admin", b"s3cret") == "admin"
    assert check(app, b"admin", b"s3cret ").check(cred_error.UnauthorizedLogin)
    assert check(app, b"nobody", b"s3cret").check(cred_error.UnauthorizedLogin)


def test_checker_reads_the_configuration_at_each_login():
    app = FakeApplication(usernames={"admin": "old"})
    assert check(app, b"admin", b"old") == "admin"
    app.config.usernames["admin"] = "new"
    assert check(app, b"admin", b"old").check(cred_error.UnauthorizedLogin)
    assert check(app, b"admin", b"new") == "admin"


def test_no_username_configured_refuses_everyone_and_says_why(logged):
    app = FakeApplication(usernames={})
    assert check(app, b"admin", b"").check(cred_error.UnauthorizedLogin)
    assert any("no 'username' is configured" in m for m in messages(logged))


# ---- telnet login


class TelnetClient:
    def __init__(self, app, clock=None):
        self.clock = clock or task.Clock()
        factory = TelnetCLIFactory(app, clock=self.clock)
        self.proto = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 40000))
        self.transport = StringTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", 40000))
        self.proto.makeConnection(self.transport)

    def send(self, data: bytes) -> bytes:
        self.transport.clear()
        self.proto.dataReceived(data)
        return self.transport.value()

    def login(self, user: bytes, password: bytes) -> bytes:
        out = self.send(user + b"\r\n")
        assert IAC + WILL + ECHO in out  # the password is not echoed
        self.send(IAC + DO + ECHO)
        out = self.send(password + b"\r\n")
        if IAC + WONT + ECHO in out:  # after a failure the client echoes the username again
            out += self.send(IAC + DONT + ECHO)
        return out


def test_telnet_asks_username_and_password_like_ios():
    c = TelnetClient(FakeApplication(usernames={"admin": "pw"}))
    assert c.transport.value() == b"\r\nUser Access Verification\r\n\r\nUsername: "
    out = c.send(b"admin\r\n")
    assert out.endswith(b"Password: ")


def test_telnet_login_then_commands(logged):
    app = FakeApplication(usernames={"admin": "pw"})
    c = TelnetClient(app)
    out = c.login(b"admin", b"pw")
    assert out.endswith(b"R1#")
    assert b"pw" not in out  # never echoed
    out = c.send(b"show running-config\r\n")
    assert b"Current configuration : 18 bytes\r\nhostname R1\r\n!\r\nend\r\nR1#" in out
    assert any("telnet login admin from 127.0.0.1:40000" in m for m in messages(logged))
    c.send(b"exit\r\n")
    assert c.transport.disconnecting


def test_telnet_wrong_password_three_times_disconnects(logged):
    c = TelnetClient(FakeApplication(usernames={"admin": "pw"}))
    for attempt in range(3):
        assert not c.transport.disconnecting
        out = c.login(b"admin", b"wrong")
        assert b"% Authentication failed" in out
        assert out.endswith(b"Username: ") == (attempt < 2)
    assert c.transport.disconnecting
    failures = [m for m in messages(logged) if "telnet login failed" in m]
    assert len(failures) == 3 and all("127.0.0.1:40000" in m for m in failures)


def test_telnet_second_try_may_succeed():
    c = TelnetClient(FakeApplication(usernames={"admin": "pw"}))
    c.login(b"admin", b"nope")
    assert c.login(b"admin", b"pw").endswith(b"R1#")


def test_telnet_without_usernames_is_refused_at_once():
    c = TelnetClient(FakeApplication(usernames={}))
    assert b"% Login disabled" in c.transport.value()
    assert c.transport.disconnecting


def test_telnet_login_times_out():
    clock = task.Clock()
    c = TelnetClient(FakeApplication(usernames={"admin": "pw"}), clock)
    clock.advance(29)
    assert not c.transport.disconnecting
    clock.advance(1)
    assert b"timeout expired" in c.transport.value() and c.transport.disconnecting


def test_telnet_login_timer_stops_after_login():
    clock = task.Clock()
    c = TelnetClient(FakeApplication(usernames={"admin": "pw"}), clock)
    c.login(b"admin", b"pw")
    assert clock.getDelayedCalls() == []


# ---- services


def test_telnet_refused_on_a_non_loopback_interface(tmp_path):
    app = FakeApplication()
    with pytest.raises(ValueError, match="loopback"):
        cli_services(app, interface="0.0.0.0", host_key_path=tmp_path / "k")
    with pytest.raises(ValueError, match="loopback"):
        cli_services(app, telnet_interface="192.0.2.1", host_key_path=tmp_path / "k")
    # SSH alone may listen anywhere; telnet may stay on loopback beside it.
    names = [s.name for s in cli_services(app, interface="0.0.0.0", telnet_port=None,
                                          host_key_path=tmp_path / "k")]
    assert names == ["cli-ssh"]
    names = [s.name for s in cli_services(app, interface="0.0.0.0", telnet_interface="::1",
                                          host_key_path=tmp_path / "k")]
    assert names == ["cli-ssh", "cli-telnet"]
    # None or a negative port leaves a listener out (twistd's --telnet-port -1)
    assert [s.name for s in cli_services(app, ssh_port=-1, telnet_port=None)] == []
    assert [s.name for s in cli_services(app, ssh_port=None, telnet_port=-1,
                                         interface="0.0.0.0")] == []


@pytest.mark.parametrize("interface, loopback", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True),
    ("0.0.0.0", False), ("", False), ("::", False), ("10.0.0.1", False), ("bogus", False)])
def test_is_loopback(interface, loopback):
    assert is_loopback(interface) is loopback


# ---- host key


def test_host_key_is_created_private_and_then_reused(tmp_path):
    path = tmp_path / "state" / "ssh_host_key"
    first = hostkey.load_or_create(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert first.sshType() == b"ssh-ed25519" and not first.isPublic()
    assert hostkey.load_or_create(path).fingerprint() == first.fingerprint()
    assert [p.name for p in path.parent.iterdir()] == ["ssh_host_key"]  # no temp file left


def test_unreadable_host_key_is_a_clear_error(tmp_path):
    path = tmp_path / "key"
    path.write_text("not a key")
    with pytest.raises(hostkey.HostKeyError, match="cannot read SSH host key"):
        hostkey.load_or_create(path)
    with pytest.raises(hostkey.HostKeyError, match="cannot (read|create)"):
        hostkey.load_or_create(tmp_path)  # a directory


def test_default_host_key_path_uses_the_state_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert hostkey.default_host_key_path() == tmp_path / "cme-cti" / hostkey.KEY_FILE_NAME


# ---- SSH end to end over loopback TCP


class Collect(Protocol):
    def connectionMade(self):
        self.data = b""
        self.done = defer.Deferred()

    def dataReceived(self, data):
        self.data += data

    def connectionLost(self, reason):
        self.done.callback(self.data)


@pytest.fixture
def ssh_server(tmp_path):
    from twisted.internet import reactor

    app = FakeApplication(usernames={"admin": "s3cret"},
                          running_config="hostname R1\n!\nephone-dn 1\n number 201\n!\nend\n")
    key_path = tmp_path / "host_key"
    [service] = cli_services(app, ssh_port=0, telnet_port=None, host_key_path=key_path,
                             password_delay=0)
    service.startService()
    port = service._port.getHost().port
    known_hosts = KnownHostsFile(FilePath(str(tmp_path / "known_hosts")))
    known_hosts.addHostKey(b"127.0.0.1", keys.Key.fromFile(str(key_path)).public())

    def endpoint(command: bytes, password: bytes):
        return SSHCommandClientEndpoint.newConnection(
            reactor, command, b"admin", "127.0.0.1", port, password=password,
            knownHosts=known_hosts)

    yield app, endpoint
    pytest_twisted.blockon(defer.maybeDeferred(service.stopService))


@pytest_twisted.inlineCallbacks
def test_ssh_show_running_config(ssh_server, logged):
    app, endpoint = ssh_server
    proto = yield endpoint(b"show running-config", b"s3cret").connect(Factory.forProtocol(Collect))
    output = yield proto.done
    assert output.decode() == ("Building configuration...\n\nCurrent configuration : "
                               f"{len(app.text)} bytes\n" + app.text)
    assert any(m.startswith("SSH login admin from 127.0.0.1:") for m in messages(logged))


@pytest_twisted.inlineCallbacks
def test_ssh_wrong_password_is_refused(ssh_server, logged):
    app, endpoint = ssh_server
    with pytest.raises(Exception) as info:
        yield endpoint(b"show running-config", b"guess").connect(Factory.forProtocol(Collect))
    assert "auth" in repr(info.value).lower() or "password" in repr(info.value).lower()
    assert any("SSH login failed for 'admin' from 127.0.0.1:" in m for m in messages(logged))


def test_telnet_window_size_reaches_the_shell():
    c = TelnetClient(FakeApplication(usernames={"admin": "pw"}))
    out = c.login(b"admin", b"pw")
    assert IAC + DO + telnet.NAWS in out
    c.send(IAC + WILL + telnet.NAWS)
    c.send(IAC + telnet.SB + telnet.NAWS + b"\x00\x84\x00\x32" + IAC + telnet.SE)
    shell = c.proto.protocol.protocol.terminalProtocol
    assert (shell.width, shell.height, shell.context.width) == (132, 50, 132)


def test_telnet_client_that_ignores_negotiation_causes_no_error_logs(logged):
    from twisted.internet.error import ConnectionDone
    from twisted.logger import LogLevel
    from twisted.python.failure import Failure

    c = TelnetClient(FakeApplication(usernames={"admin": "pw"}))
    c.send(b"admin\r\n")  # no answer to WILL ECHO
    assert c.send(b"pw\r\n").endswith(b"R1#")
    assert c.send(b"sh ver\r\n").count(b"uptime is") == 1
    c.proto.connectionLost(Failure(ConnectionDone()))
    bad = [e for e in logged if e.get("log_level") in (LogLevel.error, LogLevel.critical)]
    assert bad == []


def test_audit_lines_name_an_ssh_peer_as_host_and_port():
    from twisted.conch.ssh.address import SSHTransportAddress
    from cme.cli.server import peer_string
    assert peer_string(SSHTransportAddress(IPv4Address("TCP", "127.0.0.1", 49704))) == "127.0.0.1:49704"
    assert peer_string(IPv4Address("TCP", "192.0.2.1", 22)) == "192.0.2.1:22"


def test_a_client_disconnecting_is_not_logged_as_a_server_error():
    from twisted.logger import LogLevel, globalLogPublisher
    from cme.cli.server import _SSHServerTransport
    seen = []
    globalLogPublisher.addObserver(seen.append)
    try:
        _SSHServerTransport().receiveError(11, b"disconnected by user")
    finally:
        globalLogPublisher.removeObserver(seen.append)
    assert [e["log_level"] for e in seen] == [LogLevel.info]
