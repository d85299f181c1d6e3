"""Wireshark decides what is well formed: tshark must decode one of every message we
encode as `skinny`, under its own name for our message id, with no malformed packet, no
expert error or warning, and with its fields ending exactly where our bodies end."""
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from sccp.framing import encode
from sccp.messages import PHONE_TO_SERVER
from sccp.pcap import PcapWriter
from tests.sccp.samples import SAMPLES

pytestmark = pytest.mark.interop

TSHARK = shutil.which("tshark")

# Bodies whose last bytes tshark 4.0 does not dissect although sccp.md (and newer
# Wireshark) put a field there; tshark reads past no end, so nothing is malformed.
UNDISSECTED_TAIL = {
    "Unregister": 4,      # reads the reason only when the length field exceeds 12
    "FeatureStatReq": 4,  # 4.0 has no featureCapabilities; later versions do
}


def run(*args: str) -> str:
    result = subprocess.run([TSHARK, *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    if TSHARK is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tshark is required when CI=true (apt-get install tshark)")
        pytest.skip("tshark not installed: the Wireshark interop check did not run")
    path = tmp_path_factory.mktemp("wireshark") / "sccp.pcap"
    with path.open("wb") as out:
        writer = PcapWriter(out)
        # Stream 0: one message per segment, each in its direction.
        stream = writer.tcp_stream(client=("192.0.2.10", 51000))
        for msg in SAMPLES:
            send = stream.client_sends if type(msg) in PHONE_TO_SERVER else stream.server_sends
            send(encode(msg))
        # Stream 1: the same messages coalesced and cut at the MSS, as a TCP stack would.
        stream = writer.tcp_stream(client=("192.0.2.11", 51001))
        stream.server_sends(b"".join(encode(m) for m in SAMPLES))
    return str(path)


@pytest.fixture(scope="module")
def tshark_names():
    """tshark's own name for each message id (they differ between Wireshark versions)."""
    names = {}
    for line in run("-G", "values").splitlines():
        parts = line.split("\t")
        if parts[:2] == ["V", "skinny.messageId"]:
            names[int(parts[2])] = parts[3]
    return names


def decoded(capture):
    """(tcp stream, message ids, Info column) of each frame that holds skinny."""
    rows = run("-r", capture, "-d", "tcp.port==2000,skinny", "-Y", "skinny", "-T", "fields",
               "-E", "occurrence=a", "-E", "aggregator=,",
               "-e", "tcp.stream", "-e", "skinny.messageId", "-e", "_ws.col.Info")
    for row in rows.splitlines():
        stream, ids, info = row.split("\t")
        yield int(stream), [int(i) for i in ids.split(",")], info


def test_every_message_decodes_under_its_id_and_name(capture, tshark_names):
    per_segment = [(ids, info) for stream, ids, info in decoded(capture) if stream == 0]
    assert [ids for ids, _ in per_segment] == [[m.message_id] for m in SAMPLES]
    for msg, (_, info) in zip(SAMPLES, per_segment):
        name = tshark_names.get(msg.message_id)
        assert name, f"tshark has no name for {msg.name} (0x{msg.message_id:04X})"
        assert info.strip() == name, (msg.name, info)


def test_coalesced_stream_decodes_every_message(capture):
    # tshark neither flags nor shows a message it failed to reassemble: count them.
    ids = [i for stream, frame_ids, _ in decoded(capture) if stream == 1 for i in frame_ids]
    assert ids == [m.message_id for m in SAMPLES]


def test_nothing_is_malformed(capture):
    assert run("-r", capture, "-d", "tcp.port==2000,skinny", "-Y", "_ws.malformed") == ""


def test_expert_info_has_no_errors_or_warnings(capture):
    report = run("-r", capture, "-d", "tcp.port==2000,skinny", "-q", "-z", "expert")
    assert "Errors (" not in report and "Warns (" not in report, report


def test_fields_sit_where_ours_do(capture):
    # Every sample uses callReference 7 and lineInstance 1: a field shifted by our layout
    # would show another value somewhere.
    rows = run("-r", capture, "-d", "tcp.port==2000,skinny", "-Y", "skinny", "-T", "fields",
               "-E", "occurrence=a", "-E", "aggregator=,",
               "-e", "skinny.callReference", "-e", "skinny.lineInstance")
    for row in rows.splitlines():
        refs, lines = row.split("\t")
        assert set(filter(None, refs.split(","))) <= {"7"}, row
        assert set(filter(None, lines.split(","))) <= {"1"}, row


def test_dissected_fields_end_where_our_bodies_end(capture):
    # A layout longer than Wireshark's leaves undissected bytes (tshark does not flag
    # them); one shorter would be malformed. Together: the sizes agree.
    pdml = ET.fromstring(run("-r", capture, "-d", "tcp.port==2000,skinny", "-Y",
                             "tcp.stream == 0 && skinny", "-T", "pdml"))
    protos = [p for p in pdml.iter("proto") if p.get("name") == "skinny"]
    assert len(protos) == len(SAMPLES)
    for msg, proto in zip(SAMPLES, protos):
        start, size = int(proto.get("pos")), int(proto.get("size"))
        end = max(int(f.get("pos")) + int(f.get("size"))
                  for f in proto.iter("field") if f.get("size"))
        assert start + size - end == UNDISSECTED_TAIL.get(msg.name, 0), msg.name
