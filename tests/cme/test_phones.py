"""`cme phones`: generated configurations, options, the display, and virtual phones
registering end to end with the real SCCP server over loopback TCP."""
import io
import os
import shutil
import subprocess
import sys

import pytest
import pytest_twisted
from twisted.internet import defer, task
from twisted.internet.protocol import ProcessProtocol

import conf
from actors.runtime import Runtime, set_runtime
from cme import phones
from cme.telephony import Telephony
from sccp import messages as m
from sccp.enums import DeviceType, Stimulus
from sccp.framing import Decoder
from sccp.pcap import PcapWriter
from sccp.phonebank import PhoneBank, Progress
from sccp.server import SCCPServerFactory
from sccp.client import connect
from sccp.station import Registration, Station


# -- generated configuration ------------------------------------------------------------

def test_generated_configuration_accepts_the_generated_phones():
    result = conf.parse_text(phones.generate_config(3, base_number=5000), filename="gen.cfg")
    assert result.errors == []
    config = result.config
    assert [e.device_name for _, e in sorted(config.ephones.items())] == [
        name for name, _ in phones.generated_devices(3)] == [
        "SEP0000000A0000", "SEP0000000A0001", "SEP0000000A0002"]
    assert {e.type for e in config.ephones.values()} == {"7961"}
    assert [config.ephone_dns[t].number for t in (1, 2, 3)] == ["5000", "5001", "5002"]
    assert all(dn.cti_watch for dn in config.ephone_dns.values())
    assert [config.ephones[t].buttons[1].dn_tag for t in (1, 2, 3)] == [1, 2, 3]
    t = config.telephony
    assert (t.source_address, t.port, t.max_ephones, t.max_dn) == ("127.0.0.1", 2000, 3, 3)
    assert not config.voip.cti_shutdown
    assert config.sip_ua.connection_limit == 0  # a load test's CTI sessions all come from one host
    assert (config.register_global.source_address, config.register_global.port) == ("127.0.0.1", 5060)


def test_generated_configuration_for_ten_thousand_phones_loads_cleanly():
    result = conf.parse_text(phones.generate_config(10_000))
    assert result.errors == [] and len(result.config.ephones) == 10_000
    assert result.config.ephones[10_000].device_name == "SEP0000000A270F"


def test_write_config_writes_and_exits(tmp_path, capsys):
    path = tmp_path / "big.cfg"
    assert phones.main(["--count", "4", "--write-config", str(path)]) == 0
    assert len(conf.load_file(path).config.ephones) == 4
    assert "cme run --config" in capsys.readouterr().out


@pytest.mark.parametrize("argv, code, text", [
    (["--write-config", "x.cfg"], 2, "needs --count"),
    (["--count", "0"], 2, "1..10000"),
    (["--config", "/nonexistent/cme.cfg"], 1, "no such file"),
])
def test_bad_options_exit_with_a_reason(argv, code, text, capsys):
    assert phones.main(argv) == code
    assert text in capsys.readouterr().err


def test_bad_server_option():
    with pytest.raises(SystemExit):
        phones.parser().parse_args(["--server", "host:99999"])


# -- what to register, where ------------------------------------------------------------

def plan(*argv):
    return phones.plan(phones.parser().parse_args(list(argv)))


def test_default_configuration_phones_and_address():
    host, port, devices = plan()
    assert (host, port) == ("127.0.0.1", 2000)
    assert devices == [("SEP001E4A34A35F", DeviceType.CISCO_7961),
                       ("SEP000F8FC7B681", DeviceType.CISCO_7960),
                       ("SEP0019E7FF1E30", DeviceType.CISCO_7961)]


def test_config_address_and_server_override(tmp_path):
    path = tmp_path / "lab.cfg"
    path.write_text("telephony-service\n ip source-address 10.1.1.1 port 2001\n"
                    "ephone 1\n mac-address 0001.0002.0003\n type 7941\n")
    assert plan("--config", str(path)) == ("10.1.1.1", 2001, [("SEP000100020003", DeviceType.CISCO_7941)])
    assert plan("--config", str(path), "--server", "192.0.2.5:2999")[:2] == ("192.0.2.5", 2999)
    assert plan("--config", str(path), "--server", "192.0.2.5")[:2] == ("192.0.2.5", 2000)


def test_count_generates_phones_against_the_default_address():
    host, port, devices = plan("--count", "5", "--server", "127.0.0.1:2100")
    assert (host, port, len(devices)) == ("127.0.0.1", 2100, 5)
    assert devices[4] == ("SEP0000000A0004", DeviceType.CISCO_7961)


def test_auto_answer_option_with_and_without_seconds():
    parse = phones.parser().parse_args
    assert parse([]).auto_answer is None
    assert parse(["--auto-answer"]).auto_answer == phones.DEFAULT_AUTO_ANSWER
    assert parse(["--auto-answer", "3"]).auto_answer == 3.0


# -- display ----------------------------------------------------------------------------

def test_progress_bar():
    progress = Progress(total=1000, started=1000, registered=512)
    assert phones.progress_bar(progress, width=10) == "registering [#####.....] 512/1000  rejected 0"
    done = Progress(total=4, started=4, registered=2, rejected=1, failed=1)
    assert phones.progress_bar(done, width=4) == "registering [####] 2/4  rejected 1  failed 1"


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_display_redraws_in_place_on_a_terminal():
    out, clock = Terminal(), task.Clock()
    display = phones.Display(out, clock)
    display.show("a")
    display.show("b")  # too soon: skipped
    clock.advance(1)
    display.show("c")
    display.done("d")
    assert out.getvalue() == "\ra\x1b[K\rc\x1b[K\rd\x1b[K\n"


def test_display_prints_lines_every_few_seconds_elsewhere():
    out, clock = io.StringIO(), task.Clock()
    display = phones.Display(out, clock)
    display.show("a")
    clock.advance(phones.LINE_INTERVAL - 1)
    display.show("b")
    clock.advance(1)
    display.show("c")
    display.done("d")
    assert out.getvalue() == "a\nc\nd\n"


# -- end to end: the real SCCP server in this process, over loopback TCP -----------------

@pytest.fixture
def server():
    """Starts the server's telephony side from a configuration text on a free port."""
    from twisted.internet import reactor

    started = []

    def start(text):
        runtime = Runtime(reactor)
        previous = set_runtime(runtime)
        telephony = Telephony(conf.parse_text(text).config, clock=reactor)
        telephony.start()
        port = reactor.listenTCP(0, SCCPServerFactory(telephony.directory, telephony.clock), interface="127.0.0.1")
        started.append((port, runtime, previous))
        return telephony, port.getHost().port

    yield start
    for port, runtime, previous in started:
        port.stopListening()
        runtime.stop_all()
        set_runtime(previous)


@pytest_twisted.inlineCallbacks
def test_default_configuration_phones_register_with_the_server(server):
    from twisted.internet import reactor

    _, _, devices = plan()
    telephony, port = server(phones.DEFAULT_CONFIG.read_text())
    bank = PhoneBank("127.0.0.1", port, devices, reactor=reactor)
    progress = yield bank.start()
    assert (progress.registered, progress.rejected, progress.failed) == (3, 0, 0)
    alice = bank.phones[0].protocol
    assert alice.station.lines[1].number == "201"
    assert alice.station.buttons[0].definition == Stimulus.LINE
    assert alice.station.softkey_template and alice.station.time is not None
    alice.keepalive()
    yield alice.when(lambda s: s.keepalive_acks == 1)
    summary = yield bank.stop()
    assert (summary.registered, summary.disconnected) == (0, 3)


@pytest_twisted.inlineCallbacks
def test_cme_phones_run_against_a_generated_configuration(server):
    """What a tester sees: the progress bar, the rejection, the summary, the stop."""
    from twisted.internet import reactor

    _, port = server(phones.generate_config(40))
    devices = phones.generated_devices(41)  # one more than configured
    out = io.StringIO()
    run = phones.PhonesRun(lambda progress: PhoneBank("127.0.0.1", port, devices, reactor=reactor,
                                                      stagger=0.0002, progress=progress),
                           reactor, out)
    progress = yield run.start()
    assert (progress.registered, progress.rejected) == (40, 1)
    assert run.bank.summary().line() == "registered 40  ringing 0  in call 0  disconnected 0  rejected 1"
    yield run.stop()
    lines = out.getvalue().splitlines()
    assert "registering [####################] 40/41  rejected 1" in lines
    assert any(line.startswith("SEP0000000A0028 rejected: Unknown device") for line in lines)
    assert "registered 40  ringing 0  in call 0  disconnected 0  rejected 1" in lines
    assert lines[-1] == "registered 0  ringing 0  in call 0  disconnected 40  rejected 1"


@pytest_twisted.inlineCallbacks
def test_wireshark_decodes_virtual_phones_registering_with_the_server(server, tmp_path):
    """Wireshark decides what is well-formed: both directions of three real phones
    registering, keeping alive and unregistering are written as a pcap, one TCP stream a
    phone; tshark must decode every message as skinny, in our order, with nothing
    malformed and no expert errors."""
    from twisted.internet import reactor

    tshark = shutil.which("tshark")
    if tshark is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tshark is required when CI=true")
        pytest.skip("tshark not installed: the Wireshark check of registrations did not run")
    _, port = server(phones.DEFAULT_CONFIG.read_text())
    devices = [("SEP001E4A34A35F", DeviceType.CISCO_7961), ("SEP000F8FC7B681", DeviceType.CISCO_7960),
               ("SEP0019E7FF1E30", DeviceType.CISCO_7961)]
    streams = []
    for device, kind in devices:
        tapped = {"in": bytearray(), "out": bytearray()}
        protocol = yield connect(reactor, "127.0.0.1", port, Station(device, kind),
                                 tap=lambda direction, data, t=tapped: t[direction].extend(data))
        streams.append((protocol, tapped))
    for protocol, _ in streams:
        yield protocol.when_registered()
        protocol.keepalive()
        yield protocol.when(lambda s: s.keepalive_acks == 1)
        protocol.unregister()
        yield protocol.when_closed()
    path = tmp_path / "registration.pcap"
    expected = []
    with path.open("wb") as f:
        writer = PcapWriter(f)
        for i, (_, tapped) in enumerate(streams):
            stream = writer.tcp_stream(client=("192.0.2.10", 51000 + i))
            stream.client_sends(bytes(tapped["out"]))
            stream.server_sends(bytes(tapped["in"]))
            expected += [msg.message_id for msg in Decoder().feed(bytes(tapped["out"]))]
            expected += [msg.message_id for msg in Decoder().feed(bytes(tapped["in"]))]

    def run(*args):
        result = subprocess.run([tshark, "-r", str(path), *args], capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert run("-Y", "_ws.malformed") == ""
    expert = run("-q", "-z", "expert,error")
    assert "Errors (" not in expert and "Warnings (" not in expert, expert
    ids = run("-Y", "skinny", "-T", "fields", "-e", "skinny.messageId").split()
    decoded = [int(i, 0) for line in ids for i in line.split(",")]
    assert decoded == expected  # every message, in order, under its own id
    names = run("-Y", "skinny", "-T", "fields", "-e", "_ws.col.Info")
    for name in ("RegisterAck", "CapabilitiesReq", "ButtonTemplate", "SoftKeySet", "LineStat",
                 "KeepAliveAck", "UnregisterAck"):
        assert name in names, f"tshark did not name a {name} message"


class ChildPhones(ProcessProtocol):
    """`cme phones` in a child process: `ready` fires when stderr shows `ready_text`."""

    def __init__(self, ready_text):
        self.ready_text, self.err = ready_text, ""
        self.ready, self.ended = defer.Deferred(), defer.Deferred()

    def errReceived(self, data):
        self.err += data.decode()
        if self.ready_text in self.err and not self.ready.called:
            self.ready.callback(None)

    def processEnded(self, reason):
        if not self.ready.called:
            self.ready.errback(RuntimeError(f"cme phones ended early:\n{self.err}"))
        self.ended.callback(reason.value.exitCode)


@pytest_twisted.inlineCallbacks
def test_cme_phones_command_registers_then_ctrl_c_unregisters_and_exits_0(server, tmp_path):
    """The command itself, in a child process, against the server in this one; the server
    address comes from the configuration file."""
    from twisted.internet import reactor

    text = phones.DEFAULT_CONFIG.read_text()
    _, port = server(text)
    path = tmp_path / "lab.cfg"
    path.write_text(text.replace("ip source-address 127.0.0.1 port 2000",
                                 f"ip source-address 127.0.0.1 port {port}"))
    child = ChildPhones("registered 3  ringing 0")
    code = "import sys; from cme.phones import main; sys.exit(main(sys.argv[1:]))"
    transport = reactor.spawnProcess(child, sys.executable, [sys.executable, "-c", code, "--config", str(path)],
                                     env=dict(os.environ), path=os.getcwd())
    try:
        yield child.ready
    finally:
        transport.signalProcess("INT")
    exit_code = yield child.ended
    assert exit_code == 0, child.err
    lines = child.err.splitlines()
    assert lines[0] == f"3 phones → 127.0.0.1:{port}  (Ctrl-C unregisters them and exits)"
    assert "registering [####################] 3/3  rejected 0" in lines
    assert lines[-1] == "registered 0  ringing 0  in call 0  disconnected 3"
