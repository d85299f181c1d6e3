"""The exec CLI's listeners: SSH (twisted.conch) and, on loopback only, telnet.

Both check passwords against the `username NAME password PW` lines of the *current*
configuration (read at each login, so a `username` added at run time works at once) and
hand the connection to the same `CLIShell`. With no `username` configured, every login is
refused, as on a router with `login local` and no users.

What one peer may cost (issue 13): both listeners share a `CLIAdmission`: at most
`CONNECTIONS_PER_SOURCE` CLI connections per source address (SSH and telnet together;
more are closed at once, logged once per source per minute), and the `LoginGuard`
(login_guard.py) that counts failed log-ins per source and keeps a source that failed too
often quiet (`login block-for`): its connections are refused (SSH) or told
"% Login blocked" (telnet), and its passwords are not checked. A connection that has not
logged in in time is dropped: telnet after `TelnetLogin.login_timeout`, SSH after
`ip ssh time-out` (default 120 s), counted from the TCP connection, so a client stalling
the key exchange is dropped as well as one stalling the password.

    services = cli_services(app, ssh_port=2222, telnet_port=2323)
    for s in services:
        s.setServiceParent(multi_service)
"""
from __future__ import annotations

import hmac
import ipaddress
import os
from typing import Any

from twisted.application import internet
from twisted.application.service import IService
from twisted.conch import avatar, telnet
from twisted.conch.insults import insults
from twisted.conch.interfaces import IConchUser, ISession
from twisted.conch.ssh import connection, factory, keys, session, userauth
from twisted.conch import error as conch_error
from twisted.conch.ssh import transport as ssh_transport
from twisted.cred import credentials, error as cred_error
from twisted.cred.checkers import ICredentialsChecker
from twisted.cred.portal import IRealm, Portal
from twisted.internet import defer, error as net_error
from twisted.internet.protocol import Protocol, ServerFactory
from twisted.logger import Logger
from twisted.python import components, failure
from zope.interface import implementer

from actors.peer_limits import ConnectionsPerSource, PeerLog
from cme.cli.builtin import default_table
from cme.cli.commands import CommandTable, Context
from cme.cli.hostkey import default_host_key_path, load_or_create
from cme.cli.login_guard import DEFAULT_POLICY, LoginGuard
from cme.cli.shell import CLIShell

log = Logger(namespace="cme.cli")

CONNECTIONS_PER_SOURCE = 8  # CLI connections (SSH and telnet together) one source address may hold
SSH_LOGIN_TIMEOUT = 120  # IOS's `ip ssh time-out` default, seconds
BLOCKED_TEXT = "% Login blocked: too many failed log-ins from this address; try again later"


def peer_string(address: Any) -> str:
    inner = getattr(address, "address", None)  # an SSH channel's SSHTransportAddress wraps the TCP one
    if inner is not None and getattr(address, "host", None) is None:
        address = inner
    host, port = getattr(address, "host", None), getattr(address, "port", None)
    if host is None:
        return str(address)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def configured_users(app) -> dict[str, str]:
    """name -> password from the configuration as it is now."""
    users = getattr(getattr(app, "config", None), "usernames", None) or {}
    # Tolerate a model that keeps an object per user rather than the bare password.
    return {name: getattr(pw, "password", pw) for name, pw in users.items()}


def _host(address: Any) -> str:
    inner = getattr(address, "address", None)
    if inner is not None and getattr(address, "host", None) is None:
        address = inner
    return str(getattr(address, "host", address))


def configured_policy(app):
    """The `login block-for` in force: the configuration's as it is now, else the default."""
    return lambda: getattr(getattr(app, "config", None), "login_block", None) or DEFAULT_POLICY


# --------------------------------------------------------------------------
# Who may connect


class CLIAdmission:
    """Shared by the SSH and telnet listeners: the per-source connection cap and the
    log-in guard's quiet periods, asked once per new connection in `buildProtocol`."""

    BUSY, BLOCKED = "busy", "blocked"

    def __init__(self, guard: LoginGuard, clock, *, per_source: int = CONNECTIONS_PER_SOURCE) -> None:
        self.guard = guard
        self.connections = ConnectionsPerSource(per_source)
        self.refusals = PeerLog(log, clock, interval=60.0)

    def admit(self, addr, listener: str) -> str | None:
        """None when the connection may stay (give it back with `release`), else why not."""
        host = _host(addr)
        if self.guard.blocked(host):
            return self.BLOCKED
        if not self.connections.admit(host):
            self.refusals.emit(("busy", host), "warn",
                               "{listener} connection from {host} refused: it holds {limit} CLI connections already",
                               listener=listener, host=host, limit=self.connections.limit)
            return self.BUSY
        return None

    def release(self, host: str) -> None:
        self.connections.release(host)


class _Refusal(Protocol):
    """Says one line and closes (telnet from a source in its quiet period)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def connectionMade(self) -> None:
        self.transport.write(("\r\n" + self.text + "\r\n").encode())
        self.transport.loseConnection()


# --------------------------------------------------------------------------
# Passwords


@implementer(ICredentialsChecker)
class ConfiguredUsersChecker:
    """Checks a username/password against the configuration's `username` lines."""

    credentialInterfaces = (credentials.IUsernamePassword,)

    def __init__(self, app) -> None:
        self.app = app

    def requestAvatarId(self, creds) -> defer.Deferred:
        name = _text(creds.username)
        users = configured_users(self.app)
        if not users:
            log.warn("login refused for {user!r}: no 'username' is configured", user=name)
            return defer.fail(cred_error.UnauthorizedLogin("no username is configured"))
        expected = users.get(name)
        given = creds.password if isinstance(creds.password, bytes) else str(creds.password).encode()
        # compare_digest even for unknown users, so timing does not reveal which names exist.
        ok = hmac.compare_digest(str(expected or "").encode("utf-8"), given)
        if expected is None or not ok:
            return defer.fail(cred_error.UnauthorizedLogin("bad username or password"))
        return defer.succeed(name)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


# --------------------------------------------------------------------------
# SSH


class CLIAvatar(avatar.ConchUser):
    """A logged-in SSH user: may open session channels (shell or one exec command)."""

    def __init__(self, username: str, realm: "CLIRealm") -> None:
        super().__init__()
        self.username = username
        self.realm = realm
        self.channelLookup[b"session"] = session.SSHSession


@implementer(ISession)
class CLISession:
    """One SSH session channel: an interactive shell, or `ssh host show version`."""

    def __init__(self, avatar: CLIAvatar) -> None:
        self.avatar = avatar
        self.width, self.height = 80, 24
        self.pty = False
        self.shell: CLIShell | None = None
        self.process = None

    def getPty(self, term, windowSize, modes) -> None:
        self.height, self.width = windowSize[:2]
        self.pty = True

    def openShell(self, process) -> None:
        realm = self.avatar.realm
        server = insults.ServerProtocol(
            CLIShell, realm.app, realm.table, username=self.avatar.username,
            peer=peer_string(process.getPeer()), transport="ssh")
        server.makeConnection(process)
        process.makeConnection(session.wrapProtocol(server))
        self.process = process
        self.shell = server.terminalProtocol
        self.shell.terminalSize(self.width or 80, self.height or 24)

    def execCommand(self, process, command: bytes) -> None:
        # Run on the next turn: the channel is not fully set up until this call returns,
        # and the command closes it.
        realm = self.avatar.realm
        realm.clock.callLater(0, self._exec, process, _text(command))

    def _exec(self, process, text: str) -> None:
        realm = self.avatar.realm
        newline = "\r\n" if self.pty else "\n"
        peer = peer_string(process.getPeer())
        ctx = Context(realm.app, lambda t: process.write(t.replace("\n", newline).encode("utf-8", "replace")),
                      width=self.width or 80, username=self.avatar.username, peer=peer)
        log.debug("{user}@{peer} (exec): {command}", user=self.avatar.username, peer=peer, command=text)
        try:
            result = realm.table.execute(text, ctx)
            ok = result.ok
        except Exception:  # noqa: BLE001 - report, never kill the connection
            log.failure("exec command {command!r} failed", command=text)
            process.write(b"% Internal error; see the server log" + newline.encode())
            ok = False
        reason = net_error.ProcessDone(0) if ok else net_error.ProcessTerminated(exitCode=1)
        process.processEnded(failure.Failure(reason))

    def windowChanged(self, newWindowSize) -> None:
        self.height, self.width = newWindowSize[:2]
        if self.shell is not None:
            self.shell.terminalSize(self.width, self.height)

    def eofReceived(self) -> None:
        # Input piped into `ssh host` has ended: what it asked for has run; close.
        if self.process is not None:
            self.process.loseConnection()

    def closed(self) -> None:
        pass


components.registerAdapter(CLISession, CLIAvatar, ISession)


@implementer(IRealm)
class CLIRealm:
    def __init__(self, app, table: CommandTable, clock) -> None:
        self.app, self.table, self.clock = app, table, clock

    def requestAvatar(self, avatarId, mind, *interfaces):
        if IConchUser not in interfaces:
            raise NotImplementedError("the CLI serves SSH users only")
        return IConchUser, CLIAvatar(_text(avatarId), self), lambda: None


class CLIUserAuth(userauth.SSHUserAuthServer):
    """Password authentication that logs who tried from where; 3 tries, as IOS."""

    attemptsBeforeDisconnect = 2  # Twisted disconnects once attempts exceed this: 3 tries

    def serviceStarted(self) -> None:
        self.passwordDelay = getattr(self.transport.factory, "password_delay", self.passwordDelay)
        super().serviceStarted()

    def auth_password(self, packet):
        user = _text(self.user)
        tcp = self.transport.transport
        peer, host = peer_string(tcp.getPeer()), _host(tcp.getPeer())
        guard = self.transport.factory.guard
        if guard.blocked(host):
            # quiet period: the password is not even checked
            self.transport.sendDisconnect(ssh_transport.DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
                                          b"Login blocked")
            return defer.fail(conch_error.IgnoreAuthentication())

        def accepted(result):
            log.info("SSH login {user} from {peer}", user=user, peer=peer)
            return result

        def refused(reason):
            log.warn("SSH login failed for {user!r} from {peer}: {why}", user=user, peer=peer,
                     why=reason.getErrorMessage())
            guard.failed(host, user, getattr(tcp.getHost(), "port", None))
            return reason

        return super().auth_password(packet).addCallbacks(accepted, refused)


class _SSHServerTransport(ssh_transport.SSHServerTransport):
    """Conch logs every client's DISCONNECT as an error ("Got remote error, code 11");
    a one-shot `ssh host show cti call` ends exactly so. A client's own reasons are not
    the server's errors: logged at info.

    A client has the factory's `login_timeout()` seconds from the TCP connection to log in
    (key exchange and password both); then it is disconnected."""

    admitted_host: str | None = None  # holds a place in the factory's admission count
    _login_timer = None

    def connectionMade(self) -> None:
        super().connectionMade()
        seconds = self.factory.login_timeout()
        self._login_timer = self.factory.clock.callLater(seconds, self._login_timed_out, seconds)

    def setService(self, service) -> None:
        if getattr(service, "name", None) == b"ssh-connection":  # authenticated
            self._cancel_login_timer()
        super().setService(service)

    def connectionLost(self, reason) -> None:
        self._cancel_login_timer()
        host, self.admitted_host = self.admitted_host, None
        if host is not None:
            self.factory.admission.release(host)
        super().connectionLost(reason)

    def _login_timed_out(self, seconds) -> None:
        self._login_timer = None
        log.info("SSH client {peer} did not log in within {seconds} seconds; disconnecting",
                 peer=peer_string(self.transport.getPeer()), seconds=seconds)
        self.sendDisconnect(ssh_transport.DISCONNECT_PROTOCOL_ERROR, b"login timed out")

    def _cancel_login_timer(self) -> None:
        timer, self._login_timer = self._login_timer, None
        if timer is not None and timer.active():
            timer.cancel()

    def receiveError(self, reasonCode, description):
        log.info("SSH client {peer} disconnected: {reason} (code {code})",
                 peer=peer_string(self.transport.getPeer()) if self.transport else "-",
                 reason=description.decode("utf-8", "replace") if isinstance(description, bytes) else description,
                 code=reasonCode)


class CLISSHFactory(factory.SSHFactory):
    noisy = False  # "Starting factory" says nothing the ready line does not
    protocol = _SSHServerTransport
    services = {b"ssh-userauth": CLIUserAuth, b"ssh-connection": connection.SSHConnection}

    def __init__(self, portal: Portal, host_key: keys.Key, *, password_delay: float = 1.0, app=None,
                 clock=None, admission: CLIAdmission | None = None) -> None:
        self.portal = portal
        self.publicKeys = {host_key.sshType(): host_key.public()}
        self.privateKeys = {host_key.sshType(): host_key}
        self.password_delay = password_delay
        self.app = app
        self.clock = clock or _reactor()
        self.admission = admission or CLIAdmission(LoginGuard(self.clock, configured_policy(app)), self.clock)
        self.guard = self.admission.guard

    def login_timeout(self) -> int:
        """`ip ssh time-out` as configured now."""
        return getattr(getattr(self.app, "config", None), "ssh_timeout", SSH_LOGIN_TIMEOUT) or SSH_LOGIN_TIMEOUT

    def buildProtocol(self, addr):
        if self.admission.admit(addr, "SSH") is not None:
            return None  # refused: Twisted closes the socket at once, nothing is allocated
        proto = super().buildProtocol(addr)
        proto.admitted_host = _host(addr)
        return proto


def ssh_factory(app, host_key: keys.Key, table: CommandTable | None = None, *, clock=None,
                password_delay: float = 1.0, admission: CLIAdmission | None = None) -> CLISSHFactory:
    clock = clock or _reactor()
    realm = CLIRealm(app, table if table is not None else default_table(), clock)
    portal = Portal(realm, [ConfiguredUsersChecker(app)])
    return CLISSHFactory(portal, host_key, password_delay=password_delay, app=app, clock=clock,
                         admission=admission)


# --------------------------------------------------------------------------
# Telnet (loopback only)


class TelnetLogin(telnet.StatefulTelnetProtocol):
    """IOS `login local`: `Username:` / `Password:`, three tries, then the shell."""

    MAX_LENGTH = 256
    max_attempts = 3
    login_timeout = 30.0

    def __init__(self, app, table: CommandTable, checker: ConfiguredUsersChecker, clock,
                 guard: LoginGuard | None = None) -> None:
        self.app, self.table, self.checker, self.clock = app, table, checker, clock
        self.guard = guard if guard is not None else LoginGuard(clock, configured_policy(app))
        self.attempts = 0
        self.username = ""
        self.peer = "?"
        self._timer = None

    def _write(self, text: str) -> None:
        # TelnetTransport turns LF into CR LF.
        self.transport.write(text.encode("utf-8", "replace"))

    def connectionMade(self) -> None:
        self.peer = peer_string(self.transport.getPeer())
        if not configured_users(self.app):
            log.warn("telnet login from {peer} refused: no 'username' is configured", peer=self.peer)
            self._write("\n% Login disabled: no 'username' is configured\n")
            self.transport.loseConnection()
            return
        self._write("\nUser Access Verification\n\nUsername: ")
        self.state = "User"
        self._timer = self.clock.callLater(self.login_timeout, self._timed_out)

    def connectionLost(self, reason) -> None:
        self._cancel_timer()
        super().connectionLost(reason)

    def _cancel_timer(self) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None

    def _timed_out(self) -> None:
        self._timer = None
        log.info("telnet login from {peer} timed out", peer=self.peer)
        self._write("\n% Username:  timeout expired!\n")
        self.transport.loseConnection()

    def dataReceived(self, data: bytes) -> None:
        # The telnet layer turns CR LF into LF; a lone CR (CR NUL) also ends a line.
        super().dataReceived(data.replace(b"\r", b"\n"))

    def lineLengthExceeded(self, line) -> None:
        log.warn("telnet login from {peer}: line too long, disconnecting", peer=self.peer)
        self.transport.loseConnection()

    def telnet_User(self, line: bytes):
        self.username = _text(line).strip()
        if not self.username:
            self._write("Username: ")
            return "User"
        # WILL ECHO: the client stops echoing, and we do not echo the password.
        self.transport.will(telnet.ECHO).addErrback(lambda f: None)
        self._write("Password: ")
        return "Password"

    def telnet_Password(self, line: bytes):
        host = _host(self.transport.getPeer())
        if self.guard.blocked(host):  # quiet period began during this connection: not checked
            self._cancel_timer()
            self.transport.wont(telnet.ECHO).addErrback(lambda f: None)
            self._write("\n" + BLOCKED_TEXT + "\n")
            self.transport.loseConnection()
            return "Discard"
        creds = credentials.UsernamePassword(self.username.encode("utf-8"), line.rstrip(b"\r"))
        d = defer.maybeDeferred(self.checker.requestAvatarId, creds)
        d.addCallbacks(self._accepted, self._refused)
        return "Discard"

    def _refused(self, reason) -> None:
        self.attempts += 1
        log.warn("telnet login failed for {user!r} from {peer} (attempt {n})",
                 user=self.username, peer=self.peer, n=self.attempts)
        host = _host(self.transport.getPeer())
        quiet = self.guard.failed(host, self.username, getattr(self.transport.getHost(), "port", None))
        self.transport.wont(telnet.ECHO).addErrback(lambda f: None)
        self._write("\n% Authentication failed\n")
        if quiet:
            self._write(BLOCKED_TEXT + "\n")
        if self.attempts >= self.max_attempts or quiet:
            self._cancel_timer()
            self.transport.loseConnection()
            return
        self._write("\nUsername: ")
        self.state = "User"

    def _accepted(self, avatar_id) -> None:
        self._cancel_timer()
        log.info("telnet login {user} from {peer}", user=self.username, peer=self.peer)
        self._write("\n")

        def start_shell(_):
            shell = _ShellBootstrap(
                insults.ServerProtocol, CLIShell, self.app, self.table,
                username=self.username, peer=self.peer, transport="telnet")
            self.transport.protocol = shell
            shell.makeConnection(self.transport)

        # ECHO stays on (WILL ECHO from the password prompt): the shell echoes from now on.
        start_shell(None)


class _ShellBootstrap(telnet.TelnetBootstrapProtocol):
    """Negotiates character mode and window size, then runs the insults shell."""

    def connectionMade(self) -> None:
        # The base class does the same but logs every option a client does not answer as
        # critical (and names the wrong one); a client without LINEMODE or NAWS is normal.
        t = self.transport
        t.negotiationMap[telnet.NAWS] = self.telnet_NAWS
        t.negotiationMap[telnet.LINEMODE] = self.telnet_LINEMODE
        for opt in (telnet.LINEMODE, telnet.NAWS, telnet.SGA):
            t.do(opt).addErrback(self._not_negotiated, opt)
        t.will(telnet.ECHO).addErrback(self._not_negotiated, telnet.ECHO)
        self.protocol = self.protocolFactory(*self.protocolArgs, **self.protocolKwArgs)
        self.protocol.makeConnection(self)

    @staticmethod
    def _not_negotiated(reason, opt) -> None:
        log.debug("telnet option {opt!r} not negotiated: {why}", opt=opt, why=reason.getErrorMessage())

    def write(self, data: bytes) -> None:
        # insults already ends lines with CR LF and TelnetTransport turns every LF into
        # CR LF again; undo the first so the terminal gets one CR.
        self.transport.write(data.replace(b"\r\n", b"\n"))


class _TelnetTransport(telnet.TelnetTransport):
    admitted_host: str | None = None

    def connectionLost(self, reason) -> None:
        host, self.admitted_host = self.admitted_host, None
        if host is not None:
            self.factory.admission.release(host)
        super().connectionLost(reason)


class TelnetCLIFactory(ServerFactory):
    noisy = False

    def __init__(self, app, table: CommandTable | None = None, *, clock=None,
                 admission: CLIAdmission | None = None) -> None:
        self.app = app
        self.table = table if table is not None else default_table()
        self.checker = ConfiguredUsersChecker(app)
        self.clock = clock or _reactor()
        self.admission = admission or CLIAdmission(LoginGuard(self.clock, configured_policy(app)), self.clock)

    def buildProtocol(self, addr):
        verdict = self.admission.admit(addr, "telnet")
        if verdict == CLIAdmission.BUSY:
            return None  # Twisted closes the socket at once
        if verdict == CLIAdmission.BLOCKED:
            return _Refusal(BLOCKED_TEXT)
        proto = _TelnetTransport(TelnetLogin, self.app, self.table, self.checker, self.clock,
                                 self.admission.guard)
        proto.factory = self
        proto.admitted_host = _host(addr)
        return proto


# --------------------------------------------------------------------------
# Services


def is_loopback(interface: str) -> bool:
    if interface == "localhost":
        return True
    try:
        return ipaddress.ip_address(interface).is_loopback
    except ValueError:
        return False


def cli_services(app, *, ssh_port: int | None = 2222, telnet_port: int | None = 2323,
                 interface: str = "127.0.0.1", telnet_interface: str | None = None,
                 host_key_path: str | os.PathLike[str] | None = None,
                 table: CommandTable | None = None, password_delay: float = 1.0,
                 clock=None, login_guard: LoginGuard | None = None,
                 connections_per_source: int = CONNECTIONS_PER_SOURCE) -> list[IService]:
    """TCP services for the CLI, to add to the server's MultiService.

    `ssh_port`/`telnet_port` None (or negative) leaves that listener out; 0 picks a free
    port (tests).
    Telnet sends passwords in clear text, so it listens on loopback only:
    `telnet_interface` (default: `interface`) must be a loopback address. The SSH host key
    is read from `host_key_path`, generated there on first use (default: the user's state
    directory, see `cme.cli.hostkey`). One `table` is shared by both listeners, so commands
    registered on it later appear in both. Both share one `CLIAdmission`: `login_guard`
    (default: a new `LoginGuard` on the configuration's `login block-for`) and a cap of
    `connections_per_source` connections per source address.
    """
    ssh_port = None if ssh_port is None or ssh_port < 0 else ssh_port
    telnet_port = None if telnet_port is None or telnet_port < 0 else telnet_port
    telnet_interface = telnet_interface or interface
    if telnet_port is not None and not is_loopback(telnet_interface):
        raise ValueError(
            f"telnet CLI refused on {telnet_interface!r}: telnet sends passwords in clear text "
            "and is only served on a loopback address (127.0.0.1 or ::1); use SSH for remote "
            "access, or pass telnet_port=None")
    table = table if table is not None else default_table()
    clock = clock or _reactor()
    guard = login_guard if login_guard is not None else LoginGuard(clock, configured_policy(app))
    admission = CLIAdmission(guard, clock, per_source=connections_per_source)
    services: list[IService] = []
    if ssh_port is not None:
        key_path = host_key_path or default_host_key_path(getattr(app, "config_path", None))
        host_key = load_or_create(key_path)
        ssh = internet.TCPServer(
            ssh_port, ssh_factory(app, host_key, table, clock=clock, password_delay=password_delay,
                                  admission=admission),
            interface=interface)
        ssh.setName("cli-ssh")
        services.append(ssh)
    if telnet_port is not None:
        tel = internet.TCPServer(telnet_port, TelnetCLIFactory(app, table, clock=clock, admission=admission),
                                 interface=telnet_interface)
        tel.setName("cli-telnet")
        services.append(tel)
    return services


def _reactor():
    from twisted.internet import reactor

    return reactor
