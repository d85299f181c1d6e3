"""The switch and directory: routing by ID, the dial plan, call ids, registration slots."""
from types import SimpleNamespace

from twisted.internet import task

from actors.directory import Directory
from actors.switch import Switch


class Ref:
    def __init__(self, name):
        self.name, self.alive, self.got = name, True, []

    def is_alive(self):
        return self.alive

    def tell(self, message):
        self.got.append(message)


def config(**dns):
    return SimpleNamespace(ephone_dns={tag: SimpleNamespace(number=n, name="") for tag, n in dns.items()},
                           voip=SimpleNamespace(gcid=True), telephony=SimpleNamespace(interdigit_timeout=10))


def test_lines_route_by_tag_and_number_and_a_duplicate_number_keeps_the_first():
    sw = Switch(config(), clock=task.Clock())
    one, two, dup = Ref("201"), Ref("2030"), Ref("dup")
    sw.add_line(1, "201", one)
    sw.add_line(2, "2030", two)
    sw.add_line(3, "201", dup)
    assert sw.route("201") == (1, False)
    assert sw.route("203") == (None, True)  # a prefix of 2030: wait for more digits
    assert sw.route("9") == (None, False)
    assert sw.directory.get("201") is one and sw.directory.get(3) is dup
    sw.tell_line(2, "hello")
    assert two.got == ["hello"]
    assert sw.lines() == {1: one, 2: two, 3: dup}


def test_a_dead_actor_no_longer_routes():
    sw = Switch(config(), clock=task.Clock())
    ref = Ref("201")
    sw.add_line(1, "201", ref)
    ref.alive = False
    sw.tell_line(1, "lost")
    assert ref.got == [] and sw.line(1) is None


def test_call_ids_are_unique_and_the_directory_knows_which_line_holds_one():
    d = Directory()
    sw = Switch(config(), clock=task.Clock(), directory=d)
    ids = {sw.new_call_id() for _ in range(100)}
    assert len(ids) == 100
    d.call_started(7, 2)
    assert d.line_of_call(7) == 2
    d.call_ended(7)
    assert d.line_of_call(7) is None
    gcid = sw.new_gcid()
    assert len(gcid) == 35 and gcid.count("-") == 3


def test_registration_slots_respect_max_ephones_and_are_given_back():
    sw = Switch(config(), clock=task.Clock())
    assert sw.admit("SEP1", 2) and sw.admit("SEP2", 2)
    assert not sw.admit("SEP3", 2)
    assert sw.admit("SEP1", 2)  # registering again keeps its slot
    sw.vacate("SEP2")
    assert sw.admit("SEP3", 2)
    assert sw.admit("SEP4", None)  # no limit configured


def test_what_lines_report_goes_to_the_callbacks_given():
    seen = []
    sw = Switch(config(), clock=task.Clock(), on_features_changed=seen.append,
                on_line_failed=lambda tag, endpoints: seen.append((tag, endpoints)))
    sw.features_changed("dn")
    sw.line_failed(1, {})
    assert seen == ["dn", (1, {})]


def test_a_gcid_is_a_random_version_4_uuid_in_upper_case_groups_of_eight():
    import uuid

    from actors.switch import _uuid4_hex

    for _ in range(200):
        h = _uuid4_hex()
        u = uuid.UUID(h)
        assert h == u.hex.upper() and u.version == 4 and u.variant == uuid.RFC_4122
    assert len({_uuid4_hex() for _ in range(100)}) == 100
