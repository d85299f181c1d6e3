"""A feature change that cannot be saved is not made: no acknowledgement, no event, old key.

Issue 13 showed DND acknowledged to a CTI application, then lost at the next restart,
because the disk was full. The change is saved first now; when that fails the line keeps
its state, nothing is announced, the CSTA request fails and the phone says "Cannot save".
Faults are injected at the file layer (the state directory's path is a regular file;
os.fsync fails with ENOSPC) and, where this machine allows it, on a real full filesystem.
"""
import errno
import os
import subprocess

import pytest
from lxml import etree

from actors import calls as c
from cme.cti import CTIGateway
from cme.features import FeatureSaveError, FeatureStore
from cme.testing import Exchange
from sccp import softkeys
from sccp.enums import LampMode, SoftKeyEvent, Stimulus
from tests.actors.test_calls import B, CONFIG
from tests.actors.test_cti_services import events, text
from tests.actors.test_cti_session import DEFAULT, ED3, Flow, asker, open_session

PHONE_201 = "SEP001E4A34A35F"  # conf/cme.cfg's phone on 201


def no_space(*args):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture
def blocked(tmp_path):
    """A store whose directory is a regular file: every save fails."""
    (tmp_path / "state").write_text("not a directory")
    return FeatureStore(tmp_path / "state" / "features.json")


@pytest.fixture
def full_fs(tmp_path):
    """A real filesystem with no space left (a 64 KiB tmpfs, filled); root only."""
    where = tmp_path / "full"
    where.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)], check=True,
                       capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as e:
        pytest.skip(f"cannot mount a small tmpfs here ({e}); CI runs this as root")
    try:
        fd = os.open(where / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError as e:
            assert e.errno == errno.ENOSPC
        finally:
            os.close(fd)
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, timeout=10)


def cti(store):
    ex = Exchange(DEFAULT, feature_store=store)
    gateway, flow = CTIGateway(ex.config, ex.telephony, ex.clock), Flow()
    ask = asker(ex, gateway, flow, open_session(ex, gateway, flow))
    return ex, flow, ask


def error(body):
    root = etree.fromstring(body)
    assert etree.QName(root).localname == "CSTAErrorCode"
    (child,) = root
    return etree.QName(child).localname, child.text


SET_DND = f'<SetDoNotDisturb xmlns="{ED3}"><device>201</device><doNotDisturbOn>true</doNotDisturbOn></SetDoNotDisturb>'
SET_FWD = (f'<SetForwarding xmlns="{ED3}"><device>201</device><forwardingType>forwardImmediate</forwardingType>'
           '<activateForward>true</activateForward><forwardDN>2424</forwardDN></SetForwarding>')
SET_MWI = (f'<SetMessageWaitingIndicator xmlns="{ED3}"><device>201</device>'
           '<messageWaitingOn>true</messageWaitingOn></SetMessageWaitingIndicator>')


def test_save_raises_and_leaves_the_previous_file(tmp_path, monkeypatch):
    store = FeatureStore(tmp_path / "features.json")
    ex = Exchange(CONFIG, feature_store=store)
    try:
        ex.config.ephone_dns[2].do_not_disturb = True
        store.save(ex.config)
        before = store.path.read_text()
        ex.config.ephone_dns[2].do_not_disturb = False
        monkeypatch.setattr("cme.features.os.fsync", no_space)
        with pytest.raises(FeatureSaveError, match="No space left"):
            store.save(ex.config)
        assert store.path.read_text() == before
        assert [p.name for p in tmp_path.iterdir()] == ["features.json"]  # no temporary file left
    finally:
        ex.close()


@pytest.mark.parametrize("xml, attr", [(SET_DND, "do_not_disturb"), (SET_FWD, "call_forward_all"),
                                       (SET_MWI, "message_waiting")])
def test_a_cti_change_that_cannot_be_saved_is_refused_and_not_announced(blocked, xml, attr):
    ex, flow, ask = cti(blocked)
    try:
        phone = ex.phone(PHONE_201)
        ask(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>201</deviceObject></monitorObject></MonitorStart>')
        before = getattr(ex.config.ephone_dns[1], attr)
        assert error(ask(xml)) == ("systemResourceAvailibility", "resourceOutOfService")
        assert getattr(ex.config.ephone_dns[1], attr) == before
        assert events(flow) == []  # the monitor heard of no change
        assert phone.notify == "" and phone.lines[1].forward_all == ""
        assert phone.lamps.get((Stimulus.VOICEMAIL, 0), LampMode.OFF) == LampMode.OFF
        assert phone.prompt == "Cannot save"
        assert text(ask(f'<GetDoNotDisturb xmlns="{ED3}"><device>201</device></GetDoNotDisturb>'),
                    "doNotDisturbOn") == "false"
    finally:
        ex.close()


def test_the_dnd_soft_key_keeps_its_old_state_when_the_disk_is_full(tmp_path, monkeypatch):
    store = FeatureStore(tmp_path / "features.json")
    ex = Exchange(CONFIG, feature_store=store)
    try:
        b = ex.phone(B)
        watched = ex.watch("202")
        monkeypatch.setattr("cme.features.os.fsync", no_space)
        b.do("softkey", softkeys.DND_EVENT)
        assert not ex.config.ephone_dns[2].do_not_disturb
        assert b.notify == "" and b.prompt == "Cannot save"
        assert watched == []
        b.do("softkey", SoftKeyEvent.CFWD_ALL).do("dial", "2030")
        assert ex.config.ephone_dns[2].call_forward_all is None and b.lines[1].forward_all == ""
        monkeypatch.undo()  # space again: the same key works
        b.do("softkey", softkeys.DND_EVENT)
        assert ex.config.ephone_dns[2].do_not_disturb and b.notify == "Do Not Disturb"
    finally:
        ex.close()
    again = Exchange(CONFIG, feature_store=store)  # what was acknowledged is what was kept
    try:
        dn = again.config.ephone_dns[2]
        assert (dn.do_not_disturb, dn.call_forward_all) == (True, None)
    finally:
        again.close()


def test_dnd_on_a_real_full_filesystem_is_refused_and_not_lost(full_fs):
    store = FeatureStore(full_fs / "features.json")
    ex, flow, ask = cti(store)
    try:
        assert error(ask(SET_DND)) == ("systemResourceAvailibility", "resourceOutOfService")
        assert not ex.config.ephone_dns[1].do_not_disturb
        assert not [p for p in full_fs.iterdir() if p.name != "filler"]
        (full_fs / "filler").unlink()  # space again
        body = ask(SET_DND)
        assert etree.QName(etree.fromstring(body)).localname == "SetDoNotDisturbResponse"
    finally:
        ex.close()
    again = Exchange(DEFAULT, feature_store=store)
    try:
        assert again.config.ephone_dns[1].do_not_disturb
    finally:
        again.close()


def test_mwi_told_by_the_voicemail_side_is_not_lit_when_it_cannot_be_saved(blocked):
    ex = Exchange(CONFIG, feature_store=blocked)
    try:
        b = ex.phone(B)
        ex.telephony.directory["202"].tell(c.SetMwi(True))
        ex.settle()
        assert not ex.config.ephone_dns[2].message_waiting
        assert b.lamps.get((Stimulus.VOICEMAIL, 0), LampMode.OFF) == LampMode.OFF
    finally:
        ex.close()
