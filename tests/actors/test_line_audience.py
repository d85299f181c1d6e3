"""A line's audience: monitors hear CSTA events, each endpoint only the steps for it."""
from actors.events import CallStep, Endpoint
from actors.line_audience import Audience


class Log:
    def debug(self, *a, **k):
        pass


class DeadRef:
    def is_alive(self):
        return False


def test_monitors_hear_every_event_and_dead_ones_are_dropped():
    heard = []
    audience = Audience(Log())
    audience.subscribe(heard.append)
    audience.subscribe(heard.append)  # once only
    dead = DeadRef()
    audience.subscribe(dead)
    audience.publish("event")
    assert heard == ["event"] and audience.monitors == [heard.append]
    audience.unsubscribe(heard.append)
    audience.publish("again")
    assert heard == ["event"]


def test_a_step_goes_to_its_endpoint_only_and_the_first_endpoint_plays_cti():
    a, b = [], []
    audience = Audience(Log(), {"A": Endpoint("A", a.append), "B": Endpoint("B", b.append)})
    step = CallStep("ringing", 1, 7, "alerting", "B")
    audience.show(step)
    audience.show(CallStep("ringing", 1, 7, "alerting", "C"))  # not shown there: nothing
    assert a == [] and b == [step]
    assert audience.first() == "A"
    audience.tell("A", "consulting")
    assert a == ["consulting"]


def test_a_line_builds_events_only_for_a_monitor_or_its_trace():
    from actors.trace import TRACE

    log = Log()
    log.namespace = "cme.line.test-audience"
    audience = Audience(log)
    assert not audience.listening()  # nobody hears: the line skips building the event
    TRACE.enable("cme.line.test-audience")
    try:
        assert audience.listening()  # `debug` on the line: its "publish" trace is written
    finally:
        TRACE.disable("cme.line.test-audience")
    assert not audience.listening()
    audience.subscribe([].append)
    assert audience.listening()
