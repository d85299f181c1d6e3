"""The exec CLI's listeners: SSH (twisted.conch) and, on loopback only, telnet.

Both check passwords against the `username NAME password PW` lines of the *current*
configuration (read at each login, so a `username` added at run time works at once) and
hand the connection to the same `CLIShell`. With no `username` configured, every login is
refused, as on a router with `login local` and no users.

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
from twisted.conch.ssh import transport as ssh_transport
from twisted.cred import credentials, error as cred_error
from twisted.cred.checkers import ICredentialsChecker
from twisted.cred.portal import IRealm, Portal
from twisted.internet import defer, error as net_error
from twisted.internet.protocol import ServerFactory
from twisted.logger import Logger
from twisted.python import components, failure
from zope.interface import implementer

from cme.cli.builtin import default_table
from cme.cli.commands import CommandTable, Context
from cme.cli.hostkey import default_host_key_path, load_or_create
from cme.cli.shell import CLIShell

log = Logger(namespace="cme.cli")


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
        peer = peer_string(self.transport.transport.getPeer())

        def accepted(result):
            log.info("SSH login {user} from {peer}", user=user, peer=peer)
            return result

        def refused(reason):
            log.warn("SSH login failed for {user!r} from {peer}: {why}", user=user, peer=peer,
                     why=reason.getErrorMessage())
            return reason

        return super().auth_password(packet).addCallbacks(accepted, refused)


class _SSHServerTransport(ssh_transport.SSHServerTransport):
    """Conch logs every client's DISCONNECT as an error ("Got remote error, code 11");
    a one-shot `ssh host show cti call` ends exactly so. A client's own reasons are not
    the server's errors: logged at info."""

    def receiveError(self, reasonCode, description):
        log.info("SSH client {peer} disconnected: {reason} (code {code})",
                 peer=peer_string(self.transport.getPeer()) if self.transport else "-",
                 reason=description.decode("utf-8", "replace") if isinstance(description, bytes) else description,
                 code=reasonCode)


class CLISSHFactory(factory.SSHFactory):
    noisy = False  # "Starting factory" says nothing the ready line does not
    protocol = _SSHServerTransport
    services = {b"ssh-userauth": CLIUserAuth, b"ssh-connection": connection.SSHConnection}

    def __init__(self, portal: Portal, host_key: keys.Key, *, password_delay: float = 1.0) -> None:
        self.portal = portal
        self.publicKeys = {host_key.sshType(): host_key.public()}
        self.privateKeys = {host_key.sshType(): host_key}
        self.password_delay = password_delay


def ssh_factory(app, host_key: keys.Key, table: CommandTable | None = None, *, clock=None,
                password_delay: float = 1.0) -> CLISSHFactory:
    clock = clock or _reactor()
    realm = CLIRealm(app, table if table is not None else default_table(), clock)
    portal = Portal(realm, [ConfiguredUsersChecker(app)])
    return CLISSHFactory(portal, host_key, password_delay=password_delay)


# --------------------------------------------------------------------------
# Telnet (loopback only)


class TelnetLogin(telnet.StatefulTelnetProtocol):
    """IOS `login local`: `Username:` / `Password:`, three tries, then the shell."""

    MAX_LENGTH = 256
    max_attempts = 3
    login_timeout = 30.0

    def __init__(self, app, table: CommandTable, checker: ConfiguredUsersChecker, clock) -> None:
        self.app, self.table, self.checker, self.clock = app, table, checker, clock
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
        creds = credentials.UsernamePassword(self.username.encode("utf-8"), line.rstrip(b"\r"))
        d = defer.maybeDeferred(self.checker.requestAvatarId, creds)
        d.addCallbacks(self._accepted, self._refused)
        return "Discard"

    def _refused(self, reason) -> None:
        self.attempts += 1
        log.warn("telnet login failed for {user!r} from {peer} (attempt {n})",
                 user=self.username, peer=self.peer, n=self.attempts)
        self.transport.wont(telnet.ECHO).addErrback(lambda f: None)
        self._write("\n% Authentication failed\n")
        if self.attempts >= self.max_attempts:
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


class TelnetCLIFactory(ServerFactory):
    noisy = False

    def __init__(self, app, table: CommandTable | None = None, *, clock=None) -> None:
        self.app = app
        self.table = table if table is not None else default_table()
        self.checker = ConfiguredUsersChecker(app)
        self.clock = clock or _reactor()

    def buildProtocol(self, addr):
        proto = telnet.TelnetTransport(TelnetLogin, self.app, self.table, self.checker, self.clock)
        proto.factory = self
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
                 clock=None) -> list[IService]:
    """TCP services for the CLI, to add to the server's MultiService.

    `ssh_port`/`telnet_port` None (or negative) leaves that listener out; 0 picks a free
    port (tests).
    Telnet sends passwords in clear text, so it listens on loopback only:
    `telnet_interface` (default: `interface`) must be a loopback address. The SSH host key
    is read from `host_key_path`, generated there on first use (default: the user's state
    directory, see `cme.cli.hostkey`). One `table` is shared by both listeners, so commands
    registered on it later appear in both.
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
    services: list[IService] = []
    if ssh_port is not None:
        key_path = host_key_path or default_host_key_path(getattr(app, "config_path", None))
        host_key = load_or_create(key_path)
        ssh = internet.TCPServer(
            ssh_port, ssh_factory(app, host_key, table, clock=clock, password_delay=password_delay),
            interface=interface)
        ssh.setName("cli-ssh")
        services.append(ssh)
    if telnet_port is not None:
        tel = internet.TCPServer(telnet_port, TelnetCLIFactory(app, table, clock=clock),
                                 interface=telnet_interface)
        tel.setName("cli-telnet")
        services.append(tel)
    return services


def _reactor():
    from twisted.internet import reactor

    return reactor
