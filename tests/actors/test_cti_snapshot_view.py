"""SnapshotDevice read from the calls a line publishes (actors.cti_services.published_snapshot)
instead of asked of the line: the same answer the line gives when asked, in every state a
call goes through; and a snapshot sent while an ask of this session is still on its way
to a line is asked too, so it shows what that ask did."""
from actors.cti_services import call_control_answer, published_snapshot
from actors.line_cti import CTICall
from sip.csta import requests as rq
from sip.csta.devices import DeviceID
from sip.message import Request
from tests.actors.test_cti_consult import DUAL, Lab, conn
from tests.actors.test_cti_services import shown, snapshot, text
from tests.actors.test_cti_session import ED3, csta, sip


def asked(lab, dn: str) -> bytes:
    """What the line answers when asked, as the session would write it."""
    request = rq.SnapshotDevice(DeviceID(dn, dn))
    future = lab.gateway.directory.get(dn).ask(CTICall("snapshot"), block=False)
    lab.ex.settle()
    return call_control_answer(request, future.get(), ED3)


def published(lab, dn: str) -> bytes:
    return published_snapshot(lab.gateway, rq.SnapshotDevice(DeviceID(dn, dn)), ED3)


def same(lab) -> None:
    for dn in ("201", "202", "203"):
        assert published(lab, dn) == asked(lab, dn), dn


def test_the_published_snapshot_is_what_the_line_answers():
    lab = Lab(DUAL)  # 201 is dual-line: a second call can ring while the first is up
    try:
        ask, a, b, c = lab.ask, lab.a, lab.b, lab.c
        same(lab)
        made = ask(f'<MakeCall xmlns="{ED3}"><callingDevice>201</callingDevice><calledDirectoryNumber>202'
                   '</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>')
        first = int(text(made, "callID"))
        lab.events()
        same(lab)
        b.do("answer")
        c.do("off_hook")
        lab.events()
        same(lab)
        c.do("dial", "201")
        lab.events()
        same(lab)
        (second,) = set(shown(a)) - {first}
        ask(f'<HoldCall xmlns="{ED3}"><callToBeHeld>{conn(first)}</callToBeHeld></HoldCall>')
        lab.events()
        same(lab)
        ask(f'<AnswerCall xmlns="{ED3}"><callToBeAnswered>{conn(second)}</callToBeAnswered></AnswerCall>')
        lab.events()
        same(lab)
        assert snapshot(ask, "201") == sorted([(first, "201", "hold"), (second, "201", "connected")])
        b.do("on_hook")
        lab.events()
        same(lab)
        c.do("on_hook")
        lab.events()
        same(lab)
        assert snapshot(ask, "201") == []
    finally:
        lab.ex.close()


def test_a_snapshot_behind_an_unanswered_ask_shows_what_it_did():
    """MakeCall and SnapshotDevice in one read: the snapshot is handled while the MakeCall
    is still in the line's mailbox, so it is asked of the line behind it, not read."""
    lab = Lab(DUAL)
    try:
        numbers = (next(lab.cseq), next(lab.cseq))
        for number, xml in zip(numbers, (
                f'<MakeCall xmlns="{ED3}"><callingDevice>201</callingDevice><calledDirectoryNumber>202'
                '</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>',
                f'<SnapshotDevice xmlns="{ED3}"><snapshotObject>201</snapshotObject></SnapshotDevice>')):
            lab.gateway.core.receive(sip("INFO", to_tag=lab.tag, cseq=number, body=csta(xml)), lab.flow)
        lab.ex.settle()
        answers = {m.cseq.number: m for m in lab.flow.sent if not isinstance(m, Request)}
        first = int(text(answers[numbers[0]].body, "callID"))
        assert text(answers[numbers[1]].body, "callID") == str(first)
        assert text(answers[numbers[1]].body, "localConnectionState") == "connected"
    finally:
        lab.ex.close()
