"""The SIP TLS listener as the server builds it (cme.plugin.sip_tls_listener) and
`show sip-ua connections tcp|tls` over the listeners' live connections."""
import types

import pytest
from twisted.internet import task
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from twisted.logger import formatEvent, globalLogPublisher

import conf
from cme.cli import builtin, sip_connections
from cme.cli.testing import run
from cme.plugin import sip_tls_listener
from sip.core import UASCore
from sip.limits import StreamLimits
from sip.transport import SIPStreamFactory
from tests.sip.certs import make_pki

BASE = "voice register global\n mode cme\n source-address 127.0.0.1 port 5060\n"


def app_for(text, state_dir):
    config = conf.parse_text(text, filename="t.cfg").config
    return types.SimpleNamespace(config=config, state_dir=str(state_dir), sip_streams={},
                                 cti=types.SimpleNamespace(core=UASCore(task.Clock())))


def logged(action):
    seen = []
    globalLogPublisher.addObserver(seen.append)
    try:
        result = action()
    finally:
        globalLogPublisher.removeObserver(seen.append)
    return result, [formatEvent(e) for e in seen if e.get("log_namespace") == "cme.sip"]


def test_no_trustpoint_no_listener(tmp_path):
    assert sip_tls_listener(app_for(BASE, tmp_path), task.Clock()) is None


def test_trustpoint_listener_on_the_secure_port(tmp_path):
    make_pki(tmp_path)
    app = app_for(BASE + "voice service voip\n sip\n  listen-port secure 5071\n"
                  "sip-ua\n crypto signaling default trustpoint server client-vtp ca\n", tmp_path)
    listener, lines = logged(lambda: sip_tls_listener(app, task.Clock()))
    assert listener.name == "sip-tls" and listener.args[0] == 5071
    assert listener.kwargs["interface"] == "127.0.0.1"
    assert app.sip_streams["TLS"] is listener.args[1]
    assert lines == ["SIP over TLS on 127.0.0.1:5071 with trustpoint server, client certificates must chain to ca"]


def test_missing_files_are_one_line_and_no_listener(tmp_path):
    app = app_for(BASE + "sip-ua\n crypto signaling default trustpoint absent\n", tmp_path)
    listener, lines = logged(lambda: sip_tls_listener(app, task.Clock()))
    assert listener is None and "TLS" not in app.sip_streams
    assert lines == [f"SIP over TLS not started: TLS certificate {tmp_path}/absent.pem: No such file or "
                     "directory; SIP over TCP and UDP still listen on port 5060"]


def connect(factory, host, port, local=5061):
    proto = factory.buildProtocol(None)
    proto.makeConnection(StringTransport(hostAddress=IPv4Address("TCP", "127.0.0.1", local),
                                         peerAddress=IPv4Address("TCP", host, port)))
    return proto


def test_show_sip_ua_connections():
    clock = task.Clock()
    clock.advance(1000)
    # the connections' own timeouts off: this is about what the listing shows
    factory = SIPStreamFactory(UASCore(clock), "TLS", clock=clock,
                               limits=StreamLimits(first_message=0, partial_message=0, idle=0))
    a = connect(factory, "192.0.2.7", 50898)
    clock.advance(3725)
    connect(factory, "192.0.2.7", 50900)
    connect(factory, "198.51.100.1", 6000)
    app = types.SimpleNamespace(sip_streams={"TLS": factory})
    table = sip_connections.register(builtin.default_table())
    assert a.opened_at == 1000 and len(factory.connections) == 3
    assert run(table, "show sip-ua connections tls", app).output.strip() == """\
Total active connections      : 3

Remote-Agent:192.0.2.7, Connections-Count:2
  Remote-Port Conn-State  Local-Port       Age
  =========== =========== ========== =========
        50898 Established       5061  01:02:05
        50900 Established       5061  00:00:00

Remote-Agent:198.51.100.1, Connections-Count:1
  Remote-Port Conn-State  Local-Port       Age
  =========== =========== ========== =========
         6000 Established       5061  00:00:00"""
    a.connectionLost()
    assert a not in factory.connections
    assert "Total active connections      : 2" in run(table, "show sip-ua connections tls", app).output
    assert "SIP over TCP is not running" in run(table, "show sip-ua connections tcp", app).output
