"""The Locust side of `cme load`: each Locust user is one virtual phone.

    python -m locust -f load/locustfile.py --host 127.0.0.1:2000 --headless -u 30 -r 30 -t 20s
    (with CME_LOAD_SCENARIO=<Scenario.to_json()> in the environment; `cme load` sets it)

A :class:`PhoneUser` takes the lowest free phone of its process's :class:`~load.model.Slice`,
registers it (timed ``register``), then lives the call model: it sleeps until its next
Poisson arrival, then places the call the model draws (:mod:`load.calls`), choosing an idle
phone of the same slice as the callee, and drives the callee's side too (its ring-in, its
answer). Every step goes to Locust's request statistics under its name (request type
``SCCP`` or ``CSTA``); a failed step is counted with its cause as the error, never a
traceback. A phone that loses its registration counts ``register`` / ``lost
registration`` and registers again a second later.

Which phones a process runs: worker *w* of *n* runs ``w * ceil(phones / n)`` upwards. *w* is
Locust's worker index (0 when standalone); *n* is the master's ``--expect-workers``
(Locust hands it to every worker), else the environment variable ``CME_LOAD_WORKERS``,
else 1. So workers never share a MAC or a number, and each worker's calls stay among its
own phones. A user beyond its slice's phones (more users than phones) counts ``register``
/ ``no phone`` once and idles.
"""
from __future__ import annotations

import os
import random
import time

from locust import User, constant, task
from locust.runners import WorkerRunner

from load.calls import Phone, place, set_dnd
from load.link import StepFailed
from load.model import CallPlan, Slice
from load.scenario import ENV, Scenario

WORKERS_ENV = "CME_LOAD_WORKERS"
RETRY = 1.0  # seconds before a phone that lost its registration registers again
IDLE_POLL = 0.1  # seconds between looks at whether a phone called by others is free again

_scenario: Scenario | None = None
_slice: Slice | None = None
PHONES: dict[int, Phone] = {}  # this process's running phones, by index


def scenario() -> Scenario:
    global _scenario
    if _scenario is None:
        text = os.environ.get(ENV)
        _scenario = Scenario.from_json(text) if text else Scenario()
    return _scenario


def server(host: str | None, default: tuple[str, int]) -> tuple[str, int]:
    """Locust's --host as the SCCP server: ``HOST:PORT``, ``HOST`` or ``sccp://HOST:PORT``."""
    if not host:
        return default
    host = host.split("://", 1)[-1].rstrip("/")
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit():
        return name or default[0], int(port)
    return host, default[1]


def workers(environment) -> tuple[int, int]:
    """(this process's worker index, the number of workers)."""
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        expected = getattr(environment.parsed_options, "expect_workers", 1) or 1
        count = expected if expected > 1 else int(os.environ.get(WORKERS_ENV) or 1)
        return max(0, runner.worker_index), count
    return 0, int(os.environ.get(WORKERS_ENV) or 1)


def phone_slice(environment) -> Slice:
    global _slice
    if _slice is None:
        index, count = workers(environment)
        _slice = Slice(scenario(), index, count)
    return _slice


class PhoneUser(User):
    """One virtual SCCP phone (and, for its share of calls, a CTI application on its line)."""

    wait_time = constant(0)  # the call model sleeps between arrivals itself

    def on_start(self) -> None:
        base = scenario()
        host, port = server(self.environment.host, (base.sccp_host, base.sccp_port))
        if (host, port) != (base.sccp_host, base.sccp_port):
            from dataclasses import replace
            base = replace(base, sccp_host=host, sccp_port=port)
        self.scenario = base
        self.slice = phone_slice(self.environment)
        self.index = self.slice.acquire()
        self.phone: Phone | None = None
        if self.index is None:
            self._report("SCCP", "register", 0.0, StepFailed("no phone"))
            return
        self.phone = Phone(base, self.index, self._report, random.Random())
        PHONES[self.index] = self.phone
        self._register()

    def on_stop(self) -> None:
        if self.phone is None:
            return
        self.slice.release(self.index)
        PHONES.pop(self.index, None)
        self.phone.close()

    def _report(self, kind: str, name: str, milliseconds: float, exception) -> None:
        self.environment.events.request.fire(request_type=kind, name=name,
                                             response_time=milliseconds, response_length=0,
                                             exception=exception, context={})

    def _register(self) -> None:
        if not self.phone.register():
            return
        if self.index == self.slice.busy_phone:
            try:
                set_dnd(self.phone, True)  # the slice's busy phone: busy calls dial it
            except StepFailed:
                return
        self.slice.set_idle(self.index, True)

    @task
    def live(self) -> None:
        phone = self.phone
        if phone is None:
            time.sleep(3600)
            return
        if not phone.up:
            self.slice.set_idle(self.index, False)
            if phone.link is not None and phone.link.lost and phone.station.keepalive_interval:
                cause = phone.link.cause or "lost registration"
                self._report("SCCP", "register", 0.0,
                             StepFailed("lost registration" if cause == "closed" else cause))
            time.sleep(RETRY * (0.5 + random.random()))
            self._register()
            return
        time.sleep(min(phone.model.next_arrival(), 3600.0))
        while not self.slice.claim(self.index):  # being called: call once it is free
            if not phone.up:
                return
            time.sleep(IDLE_POLL)
        try:
            self._call(phone)
        finally:
            self.slice.set_idle(self.index, phone.up)

    def _call(self, phone: Phone) -> None:
        plan = phone.model.plan()
        if plan.kind == "busy":
            busy = PHONES.get(self.slice.busy_phone) if self.slice.busy_phone != self.index else None
            if busy is None or not busy.up:
                plan = CallPlan("call", plan.cti, plan.hold_time, plan.answer_delay)
            else:
                place(plan, phone, busy)
                return
        if plan.kind == "dnd":
            place(plan, phone, None)
            return
        if plan.kind == "forward_all":
            targets = [i for i in PHONES if i != self.index]
            if targets:
                place(plan, phone, PHONES[phone.model.rng.choice(targets)])
            return
        taken = []
        try:
            callee = self._claim_idle(phone, taken)
            if callee is None:
                return  # every other phone is busy: this arrival is lost (as with real traffic)
            third = self._claim_idle(phone, taken) if plan.kind == "transfer" else None
            if plan.kind == "transfer" and third is None:
                plan = CallPlan("call", plan.cti, plan.hold_time, plan.answer_delay)
            place(plan, phone, callee, third)
        finally:
            for other in taken:
                self.slice.set_idle(other.index, other.up)

    def _claim_idle(self, phone: Phone, taken: list[Phone]) -> Phone | None:
        for _ in range(4):
            index = self.slice.claim_any(phone.model.rng, self.index)
            if index is None:
                return None
            other = PHONES.get(index)
            if other is not None and other.up:
                taken.append(other)
                return other
            # gone since it was idle: it is put back when it registers again
        return None
