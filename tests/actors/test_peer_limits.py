from twisted.internet.task import Clock

from actors.peer_limits import ConnectionsPerSource, PeerLog


class Recorder:
    def __init__(self):
        self.lines = []

    def info(self, format, **kw):
        self.lines.append(format.format(**kw))

    warn = info


def test_connections_are_capped_per_host_and_given_back():
    cap = ConnectionsPerSource(2)
    assert cap.admit("192.0.2.1") and cap.admit("192.0.2.1")
    assert not cap.admit("192.0.2.1")
    assert cap.admit("192.0.2.2")  # another host has its own allowance
    cap.release("192.0.2.1")
    assert cap.admit("192.0.2.1")
    assert cap.refused == 1
    for _ in range(2):
        cap.release("192.0.2.1")
    cap.release("192.0.2.2")
    assert cap.counts == {}  # nothing kept for hosts that hold nothing


def test_no_cap_when_limit_is_zero():
    cap = ConnectionsPerSource(0)
    assert all(cap.admit("h") for _ in range(10_000))


def test_one_line_per_source_per_interval_then_the_count_left_out():
    clock, out = Clock(), Recorder()
    log = PeerLog(out, clock, interval=60.0)
    sent = [log.emit("192.0.2.9", "info", "refused {n}", n=i) for i in range(50_000)]
    assert sent.count(True) == 1 and out.lines == ["refused 0"]
    assert log.emit("192.0.2.10", "info", "other")  # another source is not silenced
    clock.advance(60)
    assert log.emit("192.0.2.9", "warn", "again")
    assert out.lines[-1] == "again (49999 similar lines from this source left out)"


def test_burst_and_bounded_keys():
    clock, out = Clock(), Recorder()
    log = PeerLog(out, clock, burst=3, max_keys=100)
    assert [log.emit("k", "info", "x") for _ in range(5)] == [True, True, True, False, False]
    for i in range(10_000):
        log.emit(i, "info", "spoofed")
    assert len(log._windows) == 100
