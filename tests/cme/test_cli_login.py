"""CLI log-in limits (issue 13): failed log-ins per source and the quiet period
(`login block-for`), shared by telnet and SSH; connections per source; the SSH log-in
timeout (`ip ssh time-out`); `show login` and `show login failures`."""
import pytest
import pytest_twisted
from twisted.conch.client.knownhosts import KnownHostsFile
from twisted.conch.endpoints import AuthenticationFailed, SSHCommandClientEndpoint
from twisted.conch.ssh import keys
from twisted.internet import defer, task
from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionClosed
from twisted.internet.protocol import Factory
from twisted.internet.testing import StringTransport, StringTransportWithDisconnection
from twisted.logger import globalLogPublisher
from twisted.python.filepath import FilePath

from cme.cli import hostkey
from cme.cli.builtin import default_table
from cme.cli.login_guard import DEFAULT_POLICY, LoginGuard
from cme.cli.server import (
    BLOCKED_TEXT,
    CONNECTIONS_PER_SOURCE,
    CLIAdmission,
    TelnetCLIFactory,
    cli_services,
    configured_policy,
    ssh_factory,
)
from cme.cli.testing import FakeApplication, run
from conf.model import LoginBlock
from tests.cme.test_cli_server import (
    DO,
    DONT,
    ECHO,
    IAC,
    WONT,
    Collect,
    TelnetClient,
    messages,
)

LOCAL = IPv4Address("TCP", "127.0.0.1", 2323)


@pytest.fixture
def logged():
    events = []
    globalLogPublisher.addObserver(events.append)
    yield events
    globalLogPublisher.removeObserver(events.append)


def app_with(policy=None, **kw):
    app = FakeApplication(usernames={"admin": "pw"}, **kw)
    app.config.login_block = policy
    return app


# ---- the guard, alone


def test_n_failures_within_w_make_the_source_quiet_for_s_seconds(logged):
    clock = task.Clock()
    guard = LoginGuard(clock, LoginBlock(block_for=100, attempts=3, within=30))
    assert [guard.failed("192.0.2.1", "admin", 22) for _ in range(3)] == [False, False, True]
    assert guard.blocked("192.0.2.1") and not guard.blocked("192.0.2.2")
    clock.advance(99)
    assert guard.blocked("192.0.2.1")
    clock.advance(1)
    assert not guard.blocked("192.0.2.1")
    lines = messages(logged)
    on = [m for m in lines if "QUIET_MODE_ON" in m]
    off = [m for m in lines if "QUIET_MODE_OFF" in m]
    assert len(on) == 1 and "192.0.2.1" in on[0] and "[user: admin]" in on[0] and "100 seconds" in on[0]
    assert len(off) == 1 and "192.0.2.1" in off[0] and "2 attempts refused" in off[0]


def test_failures_further_apart_than_the_window_do_not_block():
    clock = task.Clock()
    guard = LoginGuard(clock, LoginBlock(block_for=100, attempts=3, within=30))
    for _ in range(10):
        assert not guard.failed("192.0.2.1")
        clock.advance(15)  # never three inside 30 s
    assert not guard.blocked("192.0.2.1") and guard.total_failures == 10


def test_the_default_policy_applies_without_login_block_for_and_the_configuration_is_read_each_time():
    clock = task.Clock()
    app = app_with(None)
    guard = LoginGuard(clock, configured_policy(app))
    assert guard.policy() == DEFAULT_POLICY == LoginBlock(60, 5, 60)
    assert not any(guard.failed("192.0.2.1") for _ in range(4))
    assert guard.failed("192.0.2.1")
    app.config.login_block = LoginBlock(10, 1, 10)
    assert guard.policy() == LoginBlock(10, 1, 10) and guard.failed("192.0.2.9")


def test_the_guard_remembers_a_bounded_number_of_sources():
    guard = LoginGuard(task.Clock(), DEFAULT_POLICY, max_sources=100)
    for i in range(1000):
        guard.failed(f"10.0.{i // 256}.{i % 256}")
    assert len(guard.sources) == 100


# ---- telnet


def test_telnet_failures_make_the_source_quiet_and_its_new_connections_are_told_so(logged):
    clock = task.Clock()
    app = app_with(LoginBlock(block_for=60, attempts=3, within=60))
    factory = TelnetCLIFactory(app, clock=clock)

    def connect(port):
        c = TelnetClient.__new__(TelnetClient)
        c.clock = clock
        c.proto = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", port))
        c.transport = StringTransportWithDisconnection(peerAddress=IPv4Address("TCP", "127.0.0.1", port),
                                                       hostAddress=LOCAL)
        c.transport.protocol = c.proto
        c.proto.makeConnection(c.transport)
        return c

    def login(c, password):
        out = c.send(b"admin\r\n")
        c.send(IAC + DO + ECHO)
        out = c.send(password + b"\r\n")
        if c.transport.connected and IAC + WONT + ECHO in out:
            out += c.send(IAC + DONT + ECHO)
        return out

    first = connect(40000)
    first.login(b"admin", b"bad1")
    first.login(b"admin", b"bad2")
    assert not first.transport.disconnecting
    second = connect(40001)
    out = login(second, b"bad3")  # the third failure from the address, on another connection
    assert BLOCKED_TEXT.encode() in out and not second.transport.connected
    # the first connection's next password is not checked
    calls = []
    factory.checker.requestAvatarId = lambda creds: calls.append(creds)
    out = login(first, b"pw")
    assert calls == [] and BLOCKED_TEXT.encode() in out and not first.transport.connected
    # a new connection is told at once and closed
    third = connect(40002)
    assert third.transport.value() == b"\r\n" + BLOCKED_TEXT.encode() + b"\r\n"
    assert not third.transport.connected
    clock.advance(60)
    del factory.checker.requestAvatarId
    assert connect(40003).login(b"admin", b"pw").endswith(b"R1#")
    assert len([m for m in messages(logged) if "QUIET_MODE_ON" in m]) == 1


def test_cli_connections_per_source_are_capped_across_ssh_and_telnet(tmp_path, logged):
    clock = task.Clock()
    app = app_with(None)
    admission = CLIAdmission(LoginGuard(clock, configured_policy(app)), clock)
    tel = TelnetCLIFactory(app, clock=clock, admission=admission)
    key = hostkey.load_or_create(tmp_path / "key")
    ssh = ssh_factory(app, key, clock=clock, admission=admission)
    ssh.doStart()

    def addr(host, port):
        return IPv4Address("TCP", host, port)

    held = []
    for i in range(CONNECTIONS_PER_SOURCE):
        factory = tel if i % 2 else ssh
        proto = factory.buildProtocol(addr("192.0.2.5", 40000 + i))
        assert proto is not None
        t = StringTransportWithDisconnection(peerAddress=addr("192.0.2.5", 40000 + i), hostAddress=LOCAL)
        t.protocol = proto
        proto.makeConnection(t)
        held.append(t)
    assert tel.buildProtocol(addr("192.0.2.5", 41000)) is None  # refused: the socket is closed at once
    assert ssh.buildProtocol(addr("192.0.2.5", 41001)) is None
    assert tel.buildProtocol(addr("192.0.2.6", 41002)) is not None  # another source is not affected
    held[1].loseConnection()  # a telnet one goes: its place is free again
    assert ssh.buildProtocol(addr("192.0.2.5", 41003)) is not None
    held[0].loseConnection()  # an SSH one goes
    assert tel.buildProtocol(addr("192.0.2.5", 41004)) is not None
    assert tel.buildProtocol(addr("192.0.2.5", 41005)) is None
    refusals = [m for m in messages(logged) if "refused: it holds" in m]
    assert len(refusals) == 1 and "192.0.2.5" in refusals[0]  # once per source per minute


# ---- SSH log-in timeout


class FakeService:
    def __init__(self, name):
        self.name = name

    def serviceStarted(self):
        pass

    def serviceStopped(self):
        pass


@pytest.fixture
def ssh_connection(tmp_path):
    key = hostkey.load_or_create(tmp_path / "key")

    def connect(app, clock):
        factory = ssh_factory(app, key, clock=clock)
        factory.doStart()
        proto = factory.buildProtocol(IPv4Address("TCP", "192.0.2.5", 40000))
        transport = StringTransport(peerAddress=IPv4Address("TCP", "192.0.2.5", 40000), hostAddress=LOCAL)
        proto.makeConnection(transport)
        return proto, transport
    return connect


def test_ssh_drops_a_client_that_has_not_logged_in_within_the_default_120_seconds(ssh_connection, logged):
    clock = task.Clock()
    _, transport = ssh_connection(app_with(None), clock)
    clock.advance(119)
    assert not transport.disconnecting  # still in key exchange: the client sent nothing
    clock.advance(1)
    assert transport.disconnecting
    assert any("did not log in within 120 seconds" in m for m in messages(logged))


def test_ssh_time_out_is_the_configured_one_and_covers_userauth_too(ssh_connection):
    clock = task.Clock()
    app = app_with(None)
    app.config.ssh_timeout = 30
    proto, transport = ssh_connection(app, clock)
    proto.setService(FakeService(b"ssh-userauth"))  # key exchange done, password not yet given
    clock.advance(30)
    assert transport.disconnecting


def test_ssh_time_out_stops_once_logged_in(ssh_connection):
    clock = task.Clock()
    proto, transport = ssh_connection(app_with(None), clock)
    proto.setService(FakeService(b"ssh-userauth"))
    proto.setService(FakeService(b"ssh-connection"))
    assert clock.getDelayedCalls() == []
    clock.advance(1000)
    assert not transport.disconnecting


# ---- SSH end to end: failures counted, a quiet source refused without a password check


@pytest.fixture
def ssh_server(tmp_path):
    from twisted.internet import reactor

    app = app_with(LoginBlock(block_for=600, attempts=2, within=600), running_config="hostname R1\n!\nend\n")
    app.config.usernames["admin"] = "s3cret"
    key_path = tmp_path / "host_key"
    guard = LoginGuard(reactor, configured_policy(app))
    [service] = cli_services(app, ssh_port=0, telnet_port=None, host_key_path=key_path,
                             password_delay=0, login_guard=guard)
    service.startService()
    port = service._port.getHost().port
    known_hosts = KnownHostsFile(FilePath(str(tmp_path / "known_hosts")))
    known_hosts.addHostKey(b"127.0.0.1", keys.Key.fromFile(str(key_path)).public())

    def endpoint(password: bytes):
        return SSHCommandClientEndpoint.newConnection(
            reactor, b"show version", b"admin", "127.0.0.1", port, password=password,
            knownHosts=known_hosts)

    yield app, guard, endpoint
    guard.clear()
    pytest_twisted.blockon(defer.maybeDeferred(service.stopService))


@pytest_twisted.inlineCallbacks
def test_ssh_failures_count_and_a_quiet_source_is_refused_before_any_password_check(ssh_server):
    _, guard, endpoint = ssh_server
    # Conch's client tries its password twice on one connection: two failures, quiet now
    with pytest.raises(AuthenticationFailed):
        yield endpoint(b"guess").connect(Factory.forProtocol(Collect))
    assert guard.blocked("127.0.0.1")
    [record] = guard.failures()
    assert (record.count, record.last_user) == (2, "admin")
    with pytest.raises(ConnectionClosed):  # even the right password: the connection is refused
        yield endpoint(b"s3cret").connect(Factory.forProtocol(Collect))
    assert guard.failures()[0].count == 2  # and no password was checked


# ---- show login, show login failures, services wiring


def test_show_login_shows_the_policy_and_the_quiet_sources():
    clock = task.Clock()
    app = app_with(LoginBlock(block_for=100, attempts=2, within=30))
    app.login_guard = LoginGuard(clock, configured_policy(app))
    table = default_table()
    out = run(table, "show login", app).output
    assert "If 2 login failures from one source occur in 30 seconds or less" in out
    assert "disabled for 100 seconds" in out and "Normal-Mode" in out
    app.login_guard.failed("192.0.2.1", "admin", 22)
    out = run(table, "show login", app).output
    assert "Login failures from 192.0.2.1 in the current window: 1." in out
    app.login_guard.failed("192.0.2.1", "admin", 22)
    clock.advance(10)
    out = run(table, "show login", app).output
    assert "Quiet-Mode" in out and "192.0.2.1: 90 seconds remaining." in out
    assert "Total login failures: 2." in out
    app.config.login_block = None
    assert "default policy" in run(table, "show login", app).output


def test_show_login_failures_lists_source_count_and_time():
    clock = task.Clock()
    clock.advance(1_700_000_000)
    app = app_with(None)
    app.login_guard = LoginGuard(clock, configured_policy(app))
    table = default_table()
    assert "No logged failed login attempts" in run(table, "show login failures", app).output
    app.login_guard.failed("192.0.2.1", "try1", 23)
    app.login_guard.failed("192.0.2.1", "admin", 22)
    out = run(table, "show login failures", app).output.splitlines()
    assert out[0] == "Total failed logins: 2"
    assert out[3].split()[:5] == ["Username", "SourceIPAddr", "lPort", "Count", "TimeStamp"]
    assert out[4].split()[:4] == ["admin", "192.0.2.1", "22", "2"] and "UTC" in out[4] and "2023" in out[4]


def test_sh_log_is_still_show_logging():
    app = FakeApplication()
    app.log_buffer.entries.append("a line")
    assert "a line" in run(default_table(), "sh log", app).output


def test_cli_services_share_the_guard_given(tmp_path):
    guard = LoginGuard(task.Clock())
    services = cli_services(app_with(None), ssh_port=0, telnet_port=0, host_key_path=tmp_path / "k",
                            login_guard=guard, clock=task.Clock())
    admissions = {id(s.args[1].admission) for s in services}
    assert len(admissions) == 1 and services[0].args[1].admission.guard is guard


def test_configure_terminal_changes_the_policy_and_the_ssh_time_out_at_once():
    from cme.testing import Exchange
    from tests.cme.test_configure_terminal import CONFIG, Vty

    ex = Exchange(CONFIG)
    try:
        vty = Vty(ex)
        guard = LoginGuard(task.Clock(), configured_policy(vty.app))
        vty.app.login_guard = guard
        vty.line("configure terminal")
        vty.line("login block-for 30 attempts 2 within 10")
        vty.line("ip ssh time-out 45")
        vty.line("end")
        assert guard.policy() == LoginBlock(30, 2, 10) and ex.config.ssh_timeout == 45
        out = vty.line("show running-config")
        assert "login block-for 30 attempts 2 within 10" in out and "ip ssh time-out 45" in out
        assert "If 2 login failures from one source occur in 10 seconds" in vty.line("show login")
        vty.line("configure terminal")
        vty.line("no login block-for")
        vty.line("end")
        assert guard.policy() == DEFAULT_POLICY
    finally:
        ex.close()


def test_ssh_password_from_a_source_that_became_quiet_is_not_checked():
    from twisted.conch import error as conch_error
    from twisted.conch.ssh.common import NS

    from cme.cli.server import CLIUserAuth

    clock = task.Clock()
    guard = LoginGuard(clock, LoginBlock(60, 1, 60))
    guard.failed("192.0.2.5")  # quiet now, while this connection is at its password prompt
    checked, disconnects = [], []

    class Transport:  # what CLIUserAuth reads of the SSH transport
        factory = type("F", (), {"guard": guard})()
        transport = StringTransport(peerAddress=IPv4Address("TCP", "192.0.2.5", 40000), hostAddress=LOCAL)

        def sendDisconnect(self, code, text):
            disconnects.append(text)

    auth = CLIUserAuth()
    auth.transport, auth.user = Transport(), b"admin"
    auth.portal = type("P", (), {"login": lambda self, *a: checked.append(a)})()
    d = auth.auth_password(b"\x00" + NS(b"s3cret"))
    failures = []
    d.addErrback(failures.append)
    assert checked == [] and disconnects == [b"Login blocked"]
    assert failures[0].check(conch_error.IgnoreAuthentication)
