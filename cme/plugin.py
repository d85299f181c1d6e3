"""Options and service construction for the twistd plugin (`twistd -n cme --help`)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from twisted.python import usage

DEFAULT_CONFIG = str(Path(__file__).resolve().parent.parent / "conf" / "cme.cfg")


class Options(usage.Options):
    synopsis = "[--config FILE] [--strict] [--trace NAMESPACE ...] [--json-log PATH]"
    longdesc = (
        "Run the CME CTI server: SCCP phones register with it, CTI applications control "
        "them over uaCSTA (SIP). The configuration is CME's IOS syntax."
    )
    optFlags = [
        ["strict", None, "Refuse to start when the configuration has any error."],
    ]
    optParameters = [
        ["config", "c", DEFAULT_CONFIG, "IOS-style configuration file."],
        ["json-log", None, None, "Also write every log event as JSON lines to this file."],
        ["ssh-port", None, 2222, "Exec CLI over SSH (0: pick a free port, -1: off).", int],
        ["telnet-port", None, 2323, "Exec CLI over telnet, loopback only (-1: off).", int],
        ["cli-interface", None, "127.0.0.1", "Address the SSH CLI listens on."],
        ["state-dir", None, None, "Where the SSH host key and the features are kept "
                                  "(default: $XDG_STATE_HOME/cme-cti, i.e. ~/.local/state/cme-cti)."],
        ["sip-t1", None, 0.5, "SIP timer T1 in seconds (RFC 3261; the other timers follow it).", float],
        ["tftp-port", None, 69, "TFTP for the phones' configuration files, on telephony-service's "
                                "ip source-address (-1: off; 69 needs root or CAP_NET_BIND_SERVICE).", int],
        ["flash-dir", None, None, "Where `tftp-server flash:NAME` files are (default: the state directory)."],
        ["http-port", None, None, "The web view and /metrics of `ip http server`, on --cli-interface: this port "
                                  "instead of `ip http port` (0: pick a free port, -1: off).", int],
    ]

    def __init__(self) -> None:
        super().__init__()
        self["trace"] = []

    def opt_trace(self, namespace: str) -> None:
        """Switch trace (debug logs) on for a namespace, e.g. cme.cti or cme.line.201. Repeatable."""
        self["trace"].append(namespace)

    def postOptions(self) -> None:
        # Load here, before twistd starts logging, so a bad file is a clear one-line
        # error and a non-zero exit instead of a traceback from inside the reactor.
        import conf
        from cme.app import Application
        from actors.trace import TRACE

        try:
            self.app = Application.from_file(self["config"], strict=self["strict"])
        except conf.ConfigError as e:
            # Not a UsageError: twistd would bury the one line that matters under its
            # whole option list.
            print(f"cme: {e}", file=sys.stderr)
            for finding in getattr(e, "findings", ()):
                print(finding, file=sys.stderr)
            raise SystemExit(1) from None
        for finding in self.app.findings:
            print(finding, file=sys.stderr)
        for namespace in self["trace"]:
            try:
                TRACE.enable(namespace)
            except ValueError as e:
                raise usage.UsageError(f"--trace {namespace!r}: {e}") from None

    def state_dir(self) -> str:
        """Never inside the installed package or beside a configuration that may be read-only."""
        if self["state-dir"]:
            return self["state-dir"]
        base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
        return os.path.join(base, "cme-cti")


def usable_state_dir(path: str) -> str:
    """`path`, created if need be, once a file could be written in it (the SSH host key and
    the features live there: a server that cannot keep them must not start). Otherwise
    one line naming the directory and why, and exit status 1."""
    import tempfile

    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(prefix=".cme-probe.", dir=path) as probe:
            probe.write(b"x")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as e:
        print(f"cme: cannot use the state directory {path}: {e.strerror or e} (choose another with --state-dir)",
              file=sys.stderr)
        raise SystemExit(1) from None
    return path


def makeService(options: Options):
    from twisted.internet import reactor

    from cme import em
    from cme.cli import builtin, cnf, cti, dialpeer, ephone
    from cme.cli import trunks as trunk_cli
    from cme.cli import sip_connections
    from cme.cli import em as em_cli
    from cme.cli.login_guard import LoginGuard
    from cme.cli.server import cli_services, configured_policy
    from cme.service import CMEService
    from cme.telephony import Telephony

    from cme.features import FeatureStore

    app = options.app
    app.state_dir = usable_state_dir(options.state_dir())
    from cme.cnf_files import CnfFiles
    app.cnf_files = CnfFiles(app.config, flash_dir=options["flash-dir"] or app.state_dir)  # as CME keeps them
    store = FeatureStore(os.path.join(app.state_dir, "features.json"))
    store.load(app.config)
    app.telephony = Telephony(app.config, clock=reactor, directory=app.directory, board=app.board,
                              feature_store=store)
    service = CMEService(app, json_log=options["json-log"])
    reactor.callWhenRunning(em.EMScheduler(app.telephony).start)  # `em logout H:M`
    source = app.config.telephony.source_address
    if options["tftp-port"] >= 0 and source:  # phones learn their CallManager from these files
        from tftp import tftp_service
        tftp = tftp_service(app.cnf_files, interface=source, port=options["tftp-port"], clock=reactor)
        tftp.setServiceParent(service)
        app.tftp = tftp.args[1]  # the TFTPServer: its outcomes are the metrics' transfers
    sccp = app.telephony.listener()
    if sccp is not None:
        sccp.setServiceParent(service)
    from cme.cti import CTIGateway
    from sip.transport import sip_services

    from sip.timers import Timers

    app.cti = CTIGateway(app.config, app.telephony, reactor, timers=Timers(t1=options["sip-t1"]))
    g = app.config.register_global
    from cme.trunks import TrunkGateway
    app.trunks = TrunkGateway(app.config, app.telephony.switch, app.cti.core, reactor,
                              local_host=g.source_address or "127.0.0.1", local_port=g.port,
                              timers=app.cti.timers)
    app.telephony.switch.trunks = app.cti.trunks = app.trunks
    if g.source_address:  # like CME: the CTI (SIP) side listens once it is configured
        from sip.limits import StreamLimits
        limits = StreamLimits.from_sip_ua(app.config.sip_ua)
        for listener in sip_services(app.cti.core, g.source_address, g.port, clock=reactor, limits=limits):
            listener.setServiceParent(service)
            if listener.name == "sip-udp":
                app.trunks.udp = listener.args[1]  # trunk calls over UDP leave from this socket
            else:
                app.sip_streams["TCP"] = listener.args[1]  # `sip-ua` limits follow configure terminal
        tls = sip_tls_listener(app, reactor)
        if tls is not None:
            tls.setServiceParent(service)
    # failed CLI log-ins per source, shared by SSH and telnet; `show login` reads it
    app.login_guard = LoginGuard(reactor, configured_policy(app))
    for child in cli_services(
        options.app,
        login_guard=app.login_guard,
        ssh_port=options["ssh-port"],
        telnet_port=options["telnet-port"],
        interface=options["cli-interface"],
        telnet_interface="127.0.0.1",  # telnet is never offered beyond loopback
        host_key_path=os.path.join(app.state_dir, "ssh_host_key"),
        table=sip_connections.register(cnf.register(trunk_cli.register(dialpeer.register(cti.register(em_cli.register(ephone.register(
            builtin.default_table()))))))),
    ):
        child.setServiceParent(service)
    web = web_listener(app, options, reactor)
    if web is not None:
        web.setServiceParent(service)

    # twistd starts services before reactor.run() installs its signal handlers; take
    # over SIGTERM and say "ready" only once those are in place.
    reactor.callWhenRunning(_terminate_cleanly_on_sigterm, reactor)
    reactor.callWhenRunning(service.announce_ready)
    return service


def web_listener(app, options, clock):
    """The "http" listener of `ip http server` (the web view, /metrics) on the CLI's
    interface (a management interface, loopback by default, like the CLI), on
    `--http-port` or else `ip http port`; None when it is off."""
    http = app.config.http
    port = options["http-port"] if options["http-port"] is not None else http.port
    if not http.enabled or port < 0:
        return None
    from cme.web.site import web_service
    return web_service(app, options["cli-interface"], port, clock, guard=app.login_guard)


def sip_tls_listener(app, clock):
    """The "sip-tls" listener of `sip-ua / crypto signaling default trustpoint`, on the
    register global source address and `listen-port secure` (5061); None when no
    trustpoint is configured, or when its files cannot be used: then one line says why
    and the server runs on without TLS (TCP and UDP are not affected)."""
    from actors.trace import TraceLogger
    from sip.tls import TLSConfigError, server_options, tls_service

    ua, g = app.config.sip_ua, app.config.register_global
    if not ua.trustpoint or not g.source_address:
        return None
    log = TraceLogger(namespace="cme.sip")
    port = app.config.voip.listen_port_secure
    try:
        options = server_options(ua.trustpoint, app.state_dir, ua.client_vtp)
    except TLSConfigError as e:
        log.error("SIP over TLS not started: {error}; SIP over TCP and UDP still listen on port {port}",
                  error=str(e), port=g.port)
        return None
    from sip.limits import StreamLimits
    listener = tls_service(app.cti.core, options, g.source_address, port, clock=clock,
                           limits=StreamLimits.from_sip_ua(ua))
    app.sip_streams["TLS"] = listener.args[1]
    log.info("SIP over TLS on {address}:{port} with trustpoint {name}{mutual}", address=g.source_address,
             port=port, name=ua.trustpoint,
             mutual=f", client certificates must chain to {ua.client_vtp}" if ua.client_vtp else "")
    return listener


def _terminate_cleanly_on_sigterm(reactor) -> None:
    """SIGTERM is how service managers ask for a normal stop: exit 0 once it is done.

    Twisted's own handler records the signal and re-raises it after shutdown, so the
    process would report death by SIGTERM even after every actor stopped cleanly.
    """
    import signal

    from twisted.internet.error import ReactorNotRunning

    def stop() -> None:
        try:
            reactor.stop()
        except ReactorNotRunning:  # a second signal while the first one's stop runs (a
            pass                   # process group signalled twice, as `timeout make run` does)

    signal.signal(signal.SIGTERM, lambda signum, frame: reactor.callFromThread(stop))
