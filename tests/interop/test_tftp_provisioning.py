"""A real phone's first step, with Debian's TFTP client: fetch its configuration file
from the running server (`twistd cme` on conf/cme.cfg, TFTP on a free port) and find
there the CallManager it must register with: the server's own SCCP address and port.

Also what a phone asks first and must be told is not there (its CTL/ITL files), and that
a write is refused.
"""
import subprocess

import pytest
from lxml import etree

import conf
from tests.interop.conftest import ROOT, free_port, moved, stop, twistd
from tests.tools import need

import socket


@pytest.fixture
def provisioning(tmp_path):
    tftp = need("tftp", "tftp-hpa", "the provisioning interop test")
    sip_port, sccp_port, tftp_port = free_port(), free_port(), free_port(socket.SOCK_DGRAM)
    text = moved((ROOT / "conf" / "cme.cfg").read_text(), sip_port, sccp_port)
    proc, log = twistd(text, tmp_path, "--tftp-port", str(tftp_port))
    yield tftp, tftp_port, sccp_port, conf.parse_text(text).config, tmp_path, log
    stop(proc)


def fetch(tftp, port, name, where):
    local = where / ("got-" + name.replace("/", "_"))
    done = subprocess.run([tftp, "-m", "binary", "127.0.0.1", str(port), "-c", "get", name, str(local)],
                          capture_output=True, text=True, timeout=30, cwd=where)
    return local, done.stdout + done.stderr


def test_every_phone_of_the_default_configuration_fetches_its_file_and_finds_the_callmanager(provisioning):
    tftp, port, sccp_port, config, where, log = provisioning
    names = ["XMLDefault.cnf.xml"] + [f"{e.device_name}.cnf.xml" for e in config.ephones.values() if e.device_name]
    assert len(names) == 1 + 3  # conf/cme.cfg's three ephones
    for name in names:
        local, output = fetch(tftp, port, name, where)
        assert local.exists() and local.stat().st_size > 0, (name, output)
        root = etree.fromstring(local.read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True))
        nodes = root.findall(".//callManager")
        assert nodes, (name, local.read_text())
        for node in nodes:
            assert node.findtext("processNodeName") == "127.0.0.1", name
            assert node.findtext("ports/ethernetPhonePort") == str(sccp_port), name
    assert "Traceback" not in log.read_text()


def test_what_is_not_served_is_file_not_found_and_writes_are_refused(provisioning):
    tftp, port, sccp_port, config, where, log = provisioning
    local, output = fetch(tftp, port, "CTLSEP001E4A34A35F.tlv", where)  # a phone asks for it first
    assert "Error code 1" in output and not (local.exists() and local.stat().st_size)
    local, output = fetch(tftp, port, "../../etc/passwd", where)
    assert "Error code" in output and not (local.exists() and local.stat().st_size)
    upload = where / "upload.txt"
    upload.write_text("nope")
    done = subprocess.run([tftp, "-m", "binary", "127.0.0.1", str(port), "-c", "put", str(upload), "x.txt"],
                          capture_output=True, text=True, timeout=30, cwd=where)
    assert "Error code 2" in done.stdout + done.stderr
