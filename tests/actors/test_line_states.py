"""What a line does with a call in each connection state: the rules of fsm/connection.py,
seen from outside the line.

The connection table is the line actor's rule book (`CONNECTION.allows(conn, trigger)`
in actors/line*.py); a copy of its rows cannot catch a wrong row, so these tests say what
a user and a CTI application get instead. For every state a call on line 201 can reach
(initiated, dialing, originated, alerting, connected, hold, fail, prompting, and a
connected call whose far end was transferred to a phone that still rings), each user
action (hang up, answer, hold, resume) and each CTI call-control service is applied, and
the outcome is checked: the CSTA answer (ok, or the exact CSTAErrorCode), the state the
call is in afterwards, and, for a refusal, that nothing changed (no connection on any
line moved, no event was published, no phone was told anything, and the line actor is
the same one, alive).

The two-call services (AlternateCall, ReconnectCall, TransferCall) are asked twice for
each state: with the call in that state as the active call beside a held, answered call,
and as the held call beside a connected one.

The requests go to the line actor as the CTI session sends them (actors.line_cti.CTICall),
the user actions as the phone actor sends them (actors.calls.UserAction); the phones are
real virtual SCCP phones (cme.testing.Exchange) and time is the exchange's clock.
"""
from __future__ import annotations

import pytest

from actors import calls as c
from actors.line_cti import CTICall
from cme.testing import Exchange

CONFIG = """
hostname lab
voice service voip
 gcid
telephony-service
 ip source-address 127.0.0.1 port 2000
 timeouts interdigit 5
ephone-dn 1 dual-line
 number 201
ephone-dn 2
 number 202
ephone-dn 3
 number 203
ephone-dn 4
 number 204
ephone-dn 5
 number 205
ephone 1
 mac-address 0000.0000.0001
 button 1:1
ephone 2
 mac-address 0000.0000.0002
 button 1:2
ephone 3
 mac-address 0000.0000.0003
 button 1:3
ephone 4
 mac-address 0000.0000.0004
 button 1:4
ephone 5
 mac-address 0000.0000.0005
 button 1:5
"""
A = "SEP000000000001"  # the phone of line 201, whose calls are under test
FAR = {"202": (2, "SEP000000000002"), "203": (3, "SEP000000000003"),
       "204": (4, "SEP000000000004"), "205": (5, "SEP000000000005")}  # number -> (tag, phone)
LINE = 1

OK = "ok"
GONE = "gone"  # the call is no longer on the line (cleared, deflected, transferred)


def error(category: str, value: str) -> tuple:
    return ("error", category, value)


BAD_STATE = error("stateIncompatibility", "invalidConnectionState")
NO_CALL_TO_ANSWER = error("stateIncompatibility", "noCallToAnswer")
NO_HELD_CALL = error("stateIncompatibility", "noHeldCall")
NO_ACTIVE_CALL = error("stateIncompatibility", "noActiveCall")
NO_ROOM = error("stateIncompatibility", "invalidDeviceState")


class Lab:
    """Line 201 (dual-line) and four far lines, each on a registered virtual phone."""

    def __init__(self) -> None:
        self.ex = Exchange(CONFIG)
        self.phones = [self.ex.phone(A)] + [self.ex.phone(device) for _, device in FAR.values()]
        self.free = iter(FAR)  # far numbers not yet in a call
        self.events = self.ex.watch("201", *FAR)

    def close(self) -> None:
        self.ex.close()

    # -- reading the lines ---------------------------------------------------------------
    def ref(self, tag: int = LINE):
        return self.ex.telephony.lines[tag]

    def line(self, tag: int = LINE):
        return self.ref(tag)._actor_weakref()

    def state(self, call_id: int) -> str:
        conn = self.line().connections.get(call_id)
        return GONE if conn is None else conn.state

    def far_call(self, number: str) -> int:
        (call_id,) = self.line(FAR[number][0]).connections
        return call_id

    def snapshot(self):
        """Everything a refusal must leave as it was."""
        return (self.ex.line_connections(), len(self.events), [len(p.received) for p in self.phones])

    # -- doing things --------------------------------------------------------------------
    def user(self, action: str, call_id: int = 0, digits: str = "", *, tag: int = LINE, device: str = A) -> None:
        self.ref(tag).tell(c.UserAction(device, action, call_id, digits))
        self.ex.settle()

    def cti(self, service: str, call_id: int = 0, *, tag: int = LINE, **fields):
        answers = []
        self.ref(tag).ask(CTICall(service, call_id=call_id, **fields), block=False).add_done_callback(
            lambda f: answers.append(f.get()))
        self.ex.settle()
        (answer,) = answers
        return answer

    def new_call(self, before: set) -> int:
        (call_id,) = set(self.line().connections) - before
        return call_id

    # -- a call on 201 in each state -------------------------------------------------------
    def reach(self, situation: str) -> int:
        """A new call on line 201 in `situation`; its call id."""
        before = set(self.line().connections)
        if situation == "prompting":
            answer = self.cti("make_call", called=next(self.free), prompt=True)
            assert answer[0] == OK, answer
            call_id = self.new_call(before)
        elif situation == "alerting":
            far = next(self.free)
            tag, device = FAR[far]
            self.user("offhook", tag=tag, device=device)
            self.user("digits", self.far_call(far), "201", tag=tag, device=device)
            call_id = self.new_call(before)
        else:
            self.user("offhook")
            call_id = self.new_call(before)
            if situation == "dialing":
                self.user("digits", call_id, "2")  # 2 could still become 202..205
            elif situation == "fail":
                self.user("digits", call_id, "9")  # no number starts with 9
            elif situation != "initiated":
                far = next(self.free)
                self.user("digits", call_id, far)
                if situation != "originated":
                    tag, device = FAR[far]
                    self.user("answer", self.far_call(far), tag=tag, device=device)
                if situation.endswith("far_ringing"):
                    # the far end sends our call on to a free number, which rings
                    to = next(self.free)
                    assert self.cti("single_step", self.far_call(far), tag=tag, called=to)[0] == OK
                    assert self.ex.phones[FAR[to][1]].ringing()
                if situation.startswith("hold"):
                    self.user("hold", call_id)
        assert self.state(call_id) == STATE[situation], (situation, self.line().connections)
        self.events.clear()
        return call_id


# -- the situations a call on 201 is put in ------------------------------------------------
SITUATIONS = ["initiated", "dialing", "originated", "alerting", "connected", "connected_far_ringing",
              "hold", "hold_far_ringing", "fail", "prompting"]
# Its connection state: the far_ringing ones are connected/held calls whose far end was
# transferred away and whose new far end still rings (it has a far end, not in the call).
STATE = {s: s.removesuffix("_far_ringing") for s in SITUATIONS}

RINGING = {"alerting", "prompting"}  # it rings the phone; the user is not in it yet
TALKING = {"connected", "connected_far_ringing"}
HELD = {"hold", "hold_far_ringing"}
FAR_END_ANSWERED = {"connected", "hold"}  # the far end is in the call
HAS_FAR_END = {"originated", "alerting"} | TALKING | HELD  # a far line's call is known


class Refused:
    """Nothing changes; a CTI request is answered with `answer`."""

    def __init__(self, answer=None) -> None:
        self.answer = answer

    def __repr__(self) -> str:
        return f"Refused({self.answer})"


class Done:
    """The request is carried out: answered ok, the call ends up in `state`, and the other
    call of a two-call service in `other`."""

    def __init__(self, state: str, other: str | None = None) -> None:
        self.state, self.other = state, other

    def __repr__(self) -> str:
        return f"Done({self.state}, other={self.other})"


# -- what the user of the phone gets --------------------------------------------------------
def user_onhook(s):
    """Hanging up ends any call the user is in, even one that failed or is still being
    dialled; a call that only rings the phone (offered, or a prompted MakeCall) is not
    theirs to end by hanging up: it goes on ringing."""
    return Refused() if s in RINGING else Done(GONE)


def user_answer(s):
    """Answering picks up a ringing call: an offered call is connected; a prompted MakeCall
    goes on as an off-hook and dials its number. There is nothing else to answer."""
    return {"alerting": Done("connected"), "prompting": Done("originated")}.get(s, Refused())


def user_hold(s):
    """Only a connected call goes on hold, whether or not its far end answered yet."""
    return Done("hold") if s in TALKING else Refused()


def user_resume(s):
    """Only a held call comes back."""
    return Done("connected") if s in HELD else Refused()


USER = {"onhook": user_onhook, "answer": user_answer, "hold": user_hold, "resume": user_resume}


# -- what a CTI application gets ------------------------------------------------------------
def cti_answer(s):
    """AnswerCall does what answering on the phone does; else noCallToAnswer."""
    expected = user_answer(s)
    return Refused(NO_CALL_TO_ANSWER) if isinstance(expected, Refused) else expected


def cti_clear(s):
    """ClearConnection ends a call in any state, a ringing one too."""
    return Done(GONE)


def cti_hold(s):
    """HoldCall: only a connected call; else invalidConnectionState."""
    return Done("hold") if s in TALKING else Refused(BAD_STATE)


def cti_retrieve(s):
    """RetrieveCall: only a held call; else noHeldCall."""
    return Done("connected") if s in HELD else Refused(NO_HELD_CALL)


def cti_deflect(s):
    """DeflectCall: only a call ringing here from a far line goes on elsewhere (a prompted
    MakeCall has no caller to send on); else invalidConnectionState."""
    return Done(GONE) if s == "alerting" else Refused(BAD_STATE)


def cti_single_step(s):
    """SingleStepTransferCall sends the far end on, from a connected or held call, but only
    a far end that answered (one still ringing cannot be transferred again)."""
    return Done(GONE) if s in FAR_END_ANSWERED else Refused(BAD_STATE)


def cti_consult(s):
    """ConsultationCall: a connected call with a far end goes on hold for a new call."""
    return Done("hold") if s in TALKING else Refused(BAD_STATE)


def cti_digits(s):
    """GenerateDigits: only into a connected call whose far end is there to hear them."""
    return Done("connected") if s == "connected" else Refused(BAD_STATE)


CTI = {"answer": cti_answer, "clear": cti_clear, "hold": cti_hold, "retrieve": cti_retrieve,
       "deflect": cti_deflect, "single_step": cti_single_step, "consult": cti_consult,
       "digits": cti_digits}


# the two-call services, with the call in the situation as the active one beside a held,
# answered call: the answer, what becomes of the active call and of the held one
def beside_alternate(s):
    """AlternateCall swaps a connected or held call with the held one: the held one comes
    back, the active one goes on hold (stays held). Anything else: invalidConnectionState."""
    return Done("hold", "connected") if s in TALKING | HELD else Refused(BAD_STATE)


def beside_reconnect(s):
    """ReconnectCall clears a connected or held call and brings the held one back."""
    return Done(GONE, "connected") if s in TALKING | HELD else Refused(BAD_STATE)


def beside_transfer(s):
    """TransferCall joins the held call's far end with the active call's far end, which
    may still ring; the active call must have a far end and not be held or ringing here:
    else noActiveCall."""
    active = s in HAS_FAR_END - RINGING - HELD
    return Done(GONE, GONE) if active else Refused(NO_ACTIVE_CALL)


BESIDE_HELD = {"alternate": beside_alternate, "reconnect": beside_reconnect, "transfer": beside_transfer}


# ... and as the held call beside a connected, answered one
def as_held_alternate(s):
    """AlternateCall brings back only a held call (the connected one goes on hold)."""
    return Done("connected", "hold") if s in HELD else Refused(BAD_STATE)


def as_held_reconnect(s):
    """ReconnectCall brings back only a held call (the connected one is cleared)."""
    return Done("connected", GONE) if s in HELD else Refused(BAD_STATE)


def as_held_transfer(s):
    """TransferCall transfers only a held call whose far end answered: else noHeldCall."""
    return Done(GONE, GONE) if s == "hold" else Refused(NO_HELD_CALL)


AS_HELD = {"alternate": as_held_alternate, "reconnect": as_held_reconnect, "transfer": as_held_transfer}


# -- the cases ---------------------------------------------------------------------------
@pytest.fixture
def lab():
    lab = Lab()
    yield lab
    lab.close()


def cases(actions):
    return [pytest.param(situation, action, id=f"{situation}-{action}")
            for situation in SITUATIONS for action in actions]


def check(lab, expected, do, subject: int, other: int | None = None, *, answered: bool = True):
    """Apply `do()` and check its outcome against `expected`."""
    ref, before = lab.ref(), lab.snapshot()
    answer = do()
    assert ref.is_alive() and lab.ref() is ref, "the line actor failed and was replaced"
    if isinstance(expected, Refused):
        assert answer == expected.answer
        assert lab.snapshot() == before, "a refusal changed something"
        return
    if answered:
        assert answer[0] == OK, answer
    assert lab.snapshot() != before, "carried out, yet nobody was told"
    assert lab.state(subject) == expected.state
    if other is not None:
        assert lab.state(other) == expected.other


@pytest.mark.parametrize("situation,action", cases(USER))
def test_user_action(lab, situation, action):
    call = lab.reach(situation)
    check(lab, USER[action](situation), lambda: lab.user(action, call), call, answered=False)


@pytest.mark.parametrize("situation,service", cases(CTI))
def test_cti_service(lab, situation, service):
    call = lab.reach(situation)
    called = "12" if service == "digits" else next(lab.free)  # a number that would ring
    check(lab, CTI[service](situation), lambda: lab.cti(service, call, called=called), call)


@pytest.mark.parametrize("situation,service", cases(BESIDE_HELD))
def test_two_call_service_with_this_call_active(lab, situation, service):
    held = lab.reach("hold")
    call = lab.reach(situation)
    check(lab, BESIDE_HELD[service](situation), lambda: lab.cti(service, call, other_call=held), call, held)


@pytest.mark.parametrize("situation,service", cases(AS_HELD))
def test_two_call_service_with_this_call_held(lab, situation, service):
    call = lab.reach(situation)
    active = lab.reach("connected")
    check(lab, AS_HELD[service](situation), lambda: lab.cti(service, active, other_call=call), call, active)


def retrieve_beside(s):
    """RetrieveCall of a held call: one connected call at a time, so it is refused with
    invalidDeviceState while the other call is connected; otherwise the held call comes
    back and the other call stays as it was. (The line lets it come back beside a call
    still dialling or ringing out; a phone's Resume key waits for no call to be active.)"""
    return Refused(NO_ROOM) if s in TALKING else Done(STATE[s], "connected")


@pytest.mark.parametrize("situation", SITUATIONS)
def test_retrieve_a_held_call_beside_this_call(lab, situation):
    held = lab.reach("hold")
    call = lab.reach(situation)
    check(lab, retrieve_beside(situation), lambda: lab.cti("retrieve", held), call, held)
