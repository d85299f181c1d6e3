"""What a virtual phone does in a load test, step by step, each step timed and reported.

Free of Locust: a phone reports through ``report(request_type, name, milliseconds,
exception)`` (Locust's request event in :mod:`load.users`, a list in tests), and sleeps
with ``time.sleep`` (a greenlet's sleep under gevent). So the procedures run in a test
process too, on threads, against a live server.

The steps and their names (Locust's request names; request type ``SCCP`` or ``CSTA``):

- ``register``: TCP connect → registered (RegisterAck, the button template, every LineStatRes).
- ``dial tone``: off-hook → dial tone.
- ``post-dial delay``: the last digit sent → ringback at the caller (RingOut).
- ``ring-in``: the caller's last digit (or MakeCall) → the callee rings.
- ``answer to media``: the callee's answer → both phones have StartMediaTransmission.
- ``hold/resume``: Hold pressed → held → Resume pressed → connected again.
- ``transfer``: the transfer target's last digit → the target rings and the transferring
  phone is idle (CME's blind transfer).
- ``forward all``: CFwdAll and the target's number → the phone shows the forward.
- ``dnd``: the DND soft key → the phone shows "Do Not Disturb".
- ``MakeCall response`` (CSTA): MakeCall sent → its response.
- ``MakeCall to Established`` (CSTA): MakeCall sent → EstablishedEvent at the monitor,
  less the time the callee let it ring on purpose (the answer delay).
- ``event lag`` (CSTA): each event of the call at the monitor, from the action that caused
  it (MakeCall sent for ServiceInitiated, Originated, Delivered; the callee's answer for
  Established; hold, resume, hang-up for Held, Retrieved, ConnectionCleared).

A step that fails is reported with its cause as the exception's message: ``busy``,
``reorder``, ``timeout``, ``lost registration``, ``rejected``, ``refused``, ``garbage``,
``csta <errorValue>``, ``sip <status>``, ``lost session``.
"""
from __future__ import annotations

import random
import time
from typing import Callable

from load.csta import CSTASession
from load.link import Link, StepFailed
from load.model import CallPlan, PhoneModel
from load.scenario import Scenario
from sccp import messages as m
from sccp.enums import CallState, SoftKeyEvent, Tone
from sccp.station import Station

Report = Callable[[str, str, float, Exception | None], None]
DND_EVENT = 19  # the DND soft key's event number in CME's soft key template (sccp/softkeys.py)
DIAL_TONES = {Tone.INSIDE_DIAL, Tone.OUTSIDE_DIAL}
_RINGBACK = {CallState.RING_OUT, CallState.CONNECTED}
_REORDER = {CallState.INVALID_NUMBER, CallState.CONGESTION}


def ms(start: float, end: float) -> float:
    return max(0.0, (end - start) * 1000.0)


class Phone:
    """One virtual phone of the test: its station, its link, its number, its model, and
    the arrival times of the messages its steps wait for (``times``)."""

    def __init__(self, scenario: Scenario, index: int, report: Report,
                 rng: random.Random | None = None):
        self.scenario = scenario
        self.index = index
        self.number = scenario.number(index)
        self.report = report
        self.model = PhoneModel(scenario, index, rng or random.Random())
        self.station = Station(scenario.device_name(index))
        self.link: Link | None = None
        self.times: dict[object, float] = {}

    # -- the link ----------------------------------------------------------------------------

    def _seen(self, link: Link, message: m.Message) -> None:
        now = time.monotonic()
        if isinstance(message, m.CallStateMessage):
            self.times[("state", message.call_state)] = now
        elif isinstance(message, m.StartToneMessage):
            self.times[("tone", message.tone)] = now
        elif isinstance(message, m.StartMediaTransmissionMessage):
            self.times["media"] = now
        elif isinstance(message, (m.ForwardStatResMessage, m.DisplayNotifyMessage,
                                  m.ClearNotifyMessage)):
            self.times[type(message)] = now

    def since(self, key, start: float) -> float | None:
        """When ``key`` arrived, if it did at or after ``start``."""
        at = self.times.get(key)
        return at if at is not None and at >= start else None

    @property
    def up(self) -> bool:
        return self.link is not None and not self.link.lost and self.station.registered

    def register(self) -> bool:
        """Connect and register (timed ``register``); False if it failed (reported)."""
        self.station = Station(self.scenario.device_name(self.index))
        self.link = Link(self.station, self.scenario.sccp_host, self.scenario.sccp_port,
                         timeout=self.scenario.timeout, on_message=self._seen)
        start = time.monotonic()
        try:
            at = self.link.register()
        except StepFailed as exc:
            self.report("SCCP", "register", ms(start, time.monotonic()), exc)
            self.link.close()
            return False
        self.report("SCCP", "register", ms(start, at), None)
        return True

    def close(self) -> None:
        if self.link is not None:
            self.link.close(unregister=True)

    def act(self, action) -> float:
        return self.link.act(action)

    def wait(self, predicate, timeout: float | None = None):
        return self.link.wait(predicate, timeout)

    def hang_up(self) -> None:
        """End whatever call the phone shows, quietly (not a timed step)."""
        if not self.up:
            return
        for _ in range(3):
            if not self.station.calls():
                return
            self.act(lambda s: s.on_hook() if s.hook_off or s.active_call() else s.end_call())
            try:
                self.wait(lambda s: not s.calls(), timeout=min(2.0, self.scenario.timeout))
                return
            except StepFailed:
                for call in list(self.station.calls().values()):  # held or ringing: end each
                    self.act(lambda s: s.softkey(SoftKeyEvent.END_CALL, call.line, call.callref))


class Step:
    """Times one named step: ``with Step(phone, "dial tone") as step: ...; step.done(at)``.
    A StepFailed inside is reported with its cause and re-raised to end the call."""

    def __init__(self, phone: Phone, name: str, kind: str = "SCCP"):
        self.phone, self.name, self.kind = phone, name, kind
        self.start = time.monotonic()
        self.reported = False

    def __enter__(self) -> "Step":
        return self

    def done(self, at: float, start: float | None = None) -> None:
        self.reported = True
        self.phone.report(self.kind, self.name, ms(self.start if start is None else start, at), None)

    def __exit__(self, kind, exc, tb) -> bool:
        if isinstance(exc, StepFailed) and not self.reported:
            self.reported = True
            self.phone.report(self.kind, self.name, ms(self.start, time.monotonic()), exc)
        return False


def _outcome(phone: Phone, start: float):
    """After dialing: the time ringback came, or the cause the call failed."""
    def check(s: Station):
        if phone.since(("state", CallState.BUSY), start) or phone.since(("tone", Tone.BUSY), start):
            return StepFailed("busy")
        if phone.since(("tone", Tone.REORDER), start) or any(
                phone.since(("state", st), start) for st in _REORDER):
            return StepFailed("reorder")
        for state in _RINGBACK:
            at = phone.since(("state", state), start)
            if at:
                return at
        if not s.calls():
            return StepFailed("reorder")  # the server ended the call instead of ringing it
        return None

    return check


def _raise(value):
    if isinstance(value, StepFailed):
        raise value
    return value


def dial_tone_at(phone: Phone, start: float):
    return lambda s: next((at for tone in DIAL_TONES if (at := phone.since(("tone", tone), start))),
                          None)


def ringing_at(phone: Phone, start: float):
    return lambda s: phone.since(("state", CallState.RING_IN), start)


def media_at(phone: Phone, start: float):
    return lambda s: phone.since("media", start) if s.transmissions else None


def dial(caller: Phone, number: str) -> float:
    """Off-hook, dial tone, the digits, ringback: the time the last digit went."""
    with Step(caller, "dial tone") as step:
        caller.times.clear()
        start = caller.act(lambda s: s.off_hook())
        at, _ = caller.wait(dial_tone_at(caller, start))
        step.done(at)
    with Step(caller, "post-dial delay") as step:
        last = caller.act(lambda s: s.dial(number))
        step.start = last
        value, _ = caller.wait(_outcome(caller, last))
        at = _raise(value)
        step.done(at)
    return last


def answer(callee: Phone, caller: Phone, plan: CallPlan, rang: float) -> float:
    """The callee answers after the answer delay; both get media. The time it answered."""
    time.sleep(max(0.0, plan.answer_delay - (time.monotonic() - rang)))
    with Step(callee, "answer to media") as step:
        answered = callee.act(lambda s: s.answer())
        step.start = answered
        at_callee, _ = callee.wait(media_at(callee, answered))
        at_caller, _ = caller.wait(media_at(caller, answered))
        step.done(max(at_callee, at_caller))
    return answered


def hold_resume(caller: Phone, actions: list[float] | None = None) -> None:
    """Hold, then resume at once; ``actions`` gets the times of both presses."""
    with Step(caller, "hold/resume") as step:
        held = caller.act(lambda s: s.hold())
        caller.wait(lambda s: caller.since(("state", CallState.HOLD), step.start))
        resumed = caller.act(lambda s: s.resume())
        if actions is not None:
            actions += [held, resumed]
        at, _ = caller.wait(lambda s: caller.since(("state", CallState.CONNECTED), resumed))
        step.done(at)


def sccp_call(caller: Phone, callee: Phone, plan: CallPlan, third: Phone | None = None) -> None:
    """A call dialed on the caller's keypad, by the plan's kind."""
    callee.times.clear()
    last = dial(caller, callee.number)
    with Step(callee, "ring-in") as step:
        step.start = last
        rang, _ = callee.wait(ringing_at(callee, last))
        step.done(rang)
    if plan.kind == "no_answer":
        time.sleep(caller.scenario.no_answer_timeout)
        return
    answer(callee, caller, plan, rang)
    if plan.kind == "hold_resume":
        time.sleep(plan.hold_time / 2)
        hold_resume(caller)
        time.sleep(plan.hold_time / 2)
    elif plan.kind == "transfer" and third is not None:
        time.sleep(plan.hold_time / 2)
        transfer(caller, callee, third, plan)
    else:
        time.sleep(plan.hold_time)


def transfer(caller: Phone, callee: Phone, third: Phone, plan: CallPlan) -> None:
    """CME's blind transfer: Transfer (the far end is held), the third phone's number; the
    third phone rings, the caller is free; the third phone answers; the callee hangs up."""
    third.times.clear()
    with Step(caller, "transfer") as step:
        pressed = caller.act(lambda s: s.softkey(SoftKeyEvent.TRANSFER))
        caller.wait(dial_tone_at(caller, pressed))
        last = caller.act(lambda s: s.dial(third.number))
        step.start = last
        rang, _ = third.wait(ringing_at(third, last))
        free, _ = caller.wait(lambda s: not s.calls())
        step.done(max(rang, free))
    time.sleep(plan.answer_delay)
    third.act(lambda s: s.answer())
    third.wait(lambda s: s.in_call())
    time.sleep(plan.hold_time / 2)


def cti_call(caller: Phone, callee: Phone, plan: CallPlan) -> None:
    """Click-to-dial: a uaCSTA session on the caller's line, a monitor, MakeCall; the
    monitor's every event is timed from MakeCall."""
    scenario = caller.scenario
    session = CSTASession(scenario.sip_host, scenario.sip_port, caller.number,
                          timeout=scenario.timeout)
    callee.times.clear()
    sent = None
    actions: list[float] = []  # what we did, in order: the causes of the monitor's events
    try:
        with Step(caller, "MakeCall response", "CSTA") as step:
            session.open()
            session.monitor_start()
            step.start = time.monotonic()
            sent = step.start
            actions.append(sent)
            at = session.make_call(callee.number)
            step.done(at)
        with Step(callee, "ring-in") as ring:
            ring.start = sent
            rang, _ = callee.wait(ringing_at(callee, sent))
            ring.done(rang)
        if plan.kind == "no_answer":
            time.sleep(scenario.no_answer_timeout)
            return
        answered = answer(callee, caller, plan, rang)
        actions.append(answered)
        with Step(caller, "MakeCall to Established", "CSTA") as step:
            step.start = sent
            established = session.wait_event("EstablishedEvent")
            step.done(established - (answered - rang), sent)
        if plan.kind == "hold_resume":
            time.sleep(plan.hold_time / 2)
            hold_resume(caller, actions)
            time.sleep(plan.hold_time / 2)
        else:
            time.sleep(plan.hold_time)
    finally:
        actions.append(time.monotonic())
        caller.hang_up()
        callee.hang_up()
        if sent is not None:
            try:  # the last events (ConnectionCleared) follow the hang-up
                session.wait_event("ConnectionClearedEvent", timeout=1.0)
            except StepFailed:
                pass
            for at, _ in list(session.events):
                cause = max((t for t in actions if t <= at), default=sent)
                caller.report("CSTA", "event lag", ms(cause, at), None)
        session.close()


def busy_call(caller: Phone, busy: Phone) -> None:
    """Dial the phone that stays in DND: the server answers busy (reported as such)."""
    dial(caller, busy.number)


def set_dnd(phone: Phone, on: bool, timed: bool = True) -> None:
    with Step(phone, "dnd") as step:
        pressed = phone.act(lambda s: s.softkey(DND_EVENT))
        key = m.DisplayNotifyMessage if on else m.ClearNotifyMessage
        at, _ = phone.wait(lambda s: phone.since(key, pressed))
        if timed:
            step.done(at)
        else:
            step.reported = True


def forward_all(phone: Phone, target: str, hold_time: float) -> None:
    with Step(phone, "forward all") as step:
        phone.act(lambda s: s.softkey(SoftKeyEvent.CFWD_ALL))
        phone.wait(dial_tone_at(phone, step.start))
        phone.act(lambda s: s.dial(target))
        at, _ = phone.wait(lambda s: s.lines.get(1) is not None and s.lines[1].forward_all == target
                           and phone.since(m.ForwardStatResMessage, step.start))
        step.done(at)
    time.sleep(hold_time)
    pressed = phone.act(lambda s: s.softkey(SoftKeyEvent.CFWD_ALL))
    try:
        phone.wait(lambda s: not s.lines[1].forward_all and phone.since(m.ForwardStatResMessage, pressed))
    except StepFailed:
        pass  # the next forward (or the end of the test) sets it again


def dnd(phone: Phone, hold_time: float) -> None:
    set_dnd(phone, True)
    time.sleep(hold_time)
    try:
        set_dnd(phone, False, timed=False)
    except StepFailed:
        pass


def place(plan: CallPlan, caller: Phone, callee: Phone | None, third: Phone | None = None) -> None:
    """One call (or feature) of the plan; a failed step ends it (already reported) and
    every phone taking part is put back on-hook."""
    try:
        if plan.kind == "dnd":
            dnd(caller, plan.hold_time)
        elif plan.kind == "forward_all":
            forward_all(caller, callee.number, plan.hold_time)
        elif plan.kind == "busy":
            busy_call(caller, callee)
        elif plan.cti:
            cti_call(caller, callee, plan)
        else:
            sccp_call(caller, callee, plan, third)
    except StepFailed:
        pass
    finally:
        for phone in (caller, callee, third):
            if phone is not None and plan.kind not in ("dnd", "forward_all") or phone is caller:
                phone.hang_up()
