"""Clients nobody here wrote fetch files from a real server: tftp-hpa's `tftp` (Debian's
client, what .ci/run installs), and curl for the options tftp-hpa's client never sends
(blksize, tsize). The server runs in the test process on a free loopback port; each client
is a child process (reactor.spawnProcess) and the bytes it wrote are compared.

Without a client the test skips and says so, except when CI=true: there it fails
(.ci/run installs both)."""
import os

import pytest
import pytest_twisted
from twisted.internet import defer

from tftp.files import MemoryFiles
from tftp.server import TFTPServer
from tests.tools import Child, need

TIMEOUT = 30
FIRMWARE = bytes((i * 7919) & 0xFF for i in range(200_000))  # 391 blocks of 512, not a multiple
EXACT = b"E" * 1024  # two full blocks, then an empty one
CONFIG = b"<device>\n  <line>201</line>\r\n</device>\n"  # LF, CR LF, a bare CR below
FILES = MemoryFiles({"P0030801SR02.loads": FIRMWARE, "exact.bin": EXACT,
                     "SEP001122334455.cnf.xml": CONFIG + b"odd\rcr\n"})


@pytest.fixture
def served():
    from twisted.internet import reactor
    server = TFTPServer(FILES, clock=reactor, interface="127.0.0.1")
    port = reactor.listenUDP(0, server, interface="127.0.0.1")
    yield server, port.getHost().port
    port.stopListening()


@defer.inlineCallbacks
def run(args, cwd):
    from twisted.internet import reactor
    child = Child()
    process = reactor.spawnProcess(child, args[0], args, env=dict(os.environ), path=str(cwd))
    try:
        result = yield child.done.addTimeout(TIMEOUT, reactor)
    except defer.TimeoutError:
        process.signalProcess("KILL")
        raise
    return result


@defer.inlineCallbacks
def finished(server):
    """The server has closed every transfer port (the last ACK may still be on its way)."""
    from twisted.internet import reactor, task
    for _ in range(100):
        if not server.transfers:
            return
        yield task.deferLater(reactor, 0.02, lambda: None)
    raise AssertionError(f"transfers left: {list(server.transfers)}")


def tftp_get(tftp, port, name, local, mode="binary"):
    return [tftp, "-m", mode, "127.0.0.1", str(port), "-c", "get", name, str(local)]


@pytest_twisted.inlineCallbacks
def test_tftp_hpa_fetches_a_multi_block_file_byte_for_byte(served, tmp_path):
    tftp = need("tftp", "tftp-hpa", "the TFTP interop test")
    server, port = served
    code, out = yield run(tftp_get(tftp, port, "/p0030801sr02.LOADS", "fw.loads"), tmp_path)
    assert code == 0, out
    assert (tmp_path / "fw.loads").read_bytes() == FIRMWARE
    code, out = yield run(tftp_get(tftp, port, "exact.bin", "exact.bin"), tmp_path)
    assert code == 0 and (tmp_path / "exact.bin").read_bytes() == EXACT, out
    yield finished(server)
    assert server.served == 2


@pytest_twisted.inlineCallbacks
def test_tftp_hpa_in_ascii_mode_gets_back_the_files_bytes(served, tmp_path):
    tftp = need("tftp", "tftp-hpa", "the TFTP interop test")
    server, port = served
    code, out = yield run(tftp_get(tftp, port, "SEP001122334455.cnf.xml", "sep.xml", "ascii"), tmp_path)
    assert code == 0, out
    assert (tmp_path / "sep.xml").read_bytes() == CONFIG + b"odd\rcr\n"


@pytest_twisted.inlineCallbacks
def test_tftp_hpa_reports_a_missing_file_and_a_refused_name(served, tmp_path):
    tftp = need("tftp", "tftp-hpa", "the TFTP interop test")
    server, port = served
    code, out = yield run(tftp_get(tftp, port, "CTLSEP001122334455.tlv", "ctl"), tmp_path)
    assert "Error code 1: File not found" in out
    code, out = yield run(tftp_get(tftp, port, "../etc/passwd", "pw"), tmp_path)
    assert "Error code 2: Access violation" in out
    code, out = yield run([tftp, "-m", "binary", "127.0.0.1", str(port), "-c", "put",
                           str(tmp_path / "ctl"), "upload.bin"], tmp_path)
    assert "Error code 2: Access violation" in out
    assert server.transfers == {}


@pytest.mark.parametrize("blksize", [8, 1024, 1468, 8192])
@pytest_twisted.inlineCallbacks
def test_curl_negotiates_blksize_and_tsize(served, tmp_path, blksize):
    curl = need("curl", "curl", "the TFTP interop test")
    server, port = served
    name = "P0030801SR02.loads" if blksize > 8 else "SEP001122334455.cnf.xml"
    code, out = yield run([curl, "-sS", "--max-time", "20", "--tftp-blksize", str(blksize), "-o", "got",
                           f"tftp://127.0.0.1:{port}/{name}"], tmp_path)
    assert code == 0, out
    assert (tmp_path / "got").read_bytes() == FILES.lookup(name)
    yield finished(server)
    assert server.served == 1


@pytest_twisted.inlineCallbacks
def test_curl_reports_a_missing_file(served, tmp_path):
    curl = need("curl", "curl", "the TFTP interop test")
    server, port = served
    code, out = yield run([curl, "-sS", "--max-time", "20", "-o", "got",
                           f"tftp://127.0.0.1:{port}/missing.cnf.xml"], tmp_path)
    assert code == 68, out  # CURLE_TFTP_NOTFOUND: curl read ERROR 1 (its message varies)
