"""ReadTransfer, sans-I/O, driven by packets and a task.Clock: what is sent, when, and when
it stops."""
from twisted.internet import task

from tftp import packets as p
from tftp.options import Negotiated, negotiate
from tftp.transfer import Done, ReadTransfer, Send, StartTimer

PEER = ("10.0.0.7", 49152)


class Run:
    """A transfer with a real Clock for its one timer: effects carried out, datagrams kept."""

    def __init__(self, payload, negotiated=Negotiated(), **kw):
        self.clock = task.Clock()
        self.transfer = ReadTransfer(PEER, payload, negotiated, **kw)
        self.sent = []  # (decoded packet, destination)
        self.done = None
        self.call = None
        self.apply(self.transfer.start())

    def apply(self, effects):
        for e in effects:
            if isinstance(e, Send):
                self.sent.append((p.decode(e.data), e.to or PEER))
            elif isinstance(e, StartTimer):
                if self.call is not None and self.call.active():
                    self.call.cancel()
                self.call = self.clock.callLater(e.seconds, lambda: self.apply(self.transfer.timer_fired()))
            elif isinstance(e, Done):
                assert self.done is None, "Done twice"
                self.done = e
                if self.call is not None and self.call.active():
                    self.call.cancel()

    def ack(self, block, source=PEER):
        self.apply(self.transfer.receive(p.Ack(block).encode(), source))

    def take(self):
        sent, self.sent = self.sent, []
        return sent


def test_a_three_block_file_is_sent_one_block_per_ack_and_ends_on_the_last_ack():
    data = bytes(range(256)) * 5  # 1280 bytes: 512 + 512 + 256
    run = Run(data)
    assert run.take() == [(p.Data(1, data[:512]), PEER)]
    run.ack(1)
    assert run.take() == [(p.Data(2, data[512:1024]), PEER)]
    assert run.transfer.state == "sending"
    run.ack(2)
    assert run.take() == [(p.Data(3, data[1024:]), PEER)]
    assert run.transfer.state == "last_sent" and run.done is None
    run.ack(3)
    assert run.done == Done("sent 1280 bytes in 3 blocks", ok=True)
    assert run.transfer.state == "done" and run.take() == []
    run.clock.advance(100)
    assert run.take() == []  # no timer left behind


def test_an_exact_multiple_of_blksize_ends_with_an_empty_block():
    run = Run(b"x" * 1024)
    run.ack(1)
    run.ack(2)
    assert [pk for pk, _ in run.take()][-1] == p.Data(3, b"")
    run.ack(3)
    assert run.done.ok


def test_an_empty_file_is_one_empty_block():
    run = Run(b"")
    assert run.take() == [(p.Data(1, b""), PEER)] and run.transfer.state == "last_sent"
    run.ack(1)
    assert run.done.ok


def test_no_ack_re_sends_the_same_packet_each_timeout_up_to_the_limit_then_gives_up():
    run = Run(b"a" * 600, max_retries=5)
    first = run.take()
    for _ in range(5):
        run.clock.advance(0.999)
        assert run.take() == []
        run.clock.advance(0.001)
        assert run.take() == first
    assert run.done is None
    run.clock.advance(1)
    assert run.take() == [] and run.done == Done("no ACK for block 1 after 5 re-sends")
    assert run.transfer.state == "failed" and not run.clock.getDelayedCalls()


def test_the_retry_count_starts_again_for_each_block():
    run = Run(b"a" * 600, max_retries=2)
    run.clock.advance(1)
    run.clock.advance(1)
    run.ack(1)  # just in time
    run.take()
    run.clock.advance(1)
    run.clock.advance(1)
    assert len(run.take()) == 2 and run.done is None
    run.clock.advance(1)
    assert run.done is not None and not run.done.ok


def test_a_duplicate_ack_sends_nothing_sorcerers_apprentice():
    run = Run(b"b" * 2000)
    run.take()
    run.ack(1)
    assert run.take() == [(p.Data(2, b"b" * 512), PEER)]
    run.ack(1)  # a duplicate (our DATA 1 was re-sent and acknowledged twice)
    run.ack(1)
    run.ack(0)
    run.ack(7)
    assert run.take() == []
    run.ack(2)
    assert run.take() == [(p.Data(3, b"b" * 512), PEER)]


def test_with_options_an_oack_then_ack_0_then_data_in_the_agreed_size():
    data = bytes(3000)
    run = Run(data, negotiate({"blksize": "1024", "tsize": "0"}, len(data)))
    assert run.take() == [(p.OptionAck({"blksize": "1024", "tsize": "3000"}), PEER)]
    assert run.transfer.state == "oack_sent"
    run.clock.advance(1)
    assert run.take() == [(p.OptionAck({"blksize": "1024", "tsize": "3000"}), PEER)]  # re-sent
    run.ack(0)
    assert run.take() == [(p.Data(1, bytes(1024)), PEER)]
    run.ack(1)
    run.ack(2)
    assert run.take()[-1] == (p.Data(3, bytes(952)), PEER)
    run.ack(3)
    assert run.done.ok


def test_the_negotiated_timeout_is_the_retransmission_interval():
    run = Run(b"z", negotiate({"timeout": "4"}, 1))
    run.take()
    run.clock.advance(3.9)
    assert run.take() == []
    run.clock.advance(0.1)
    assert [pk for pk, _ in run.take()] == [p.OptionAck({"timeout": "4"})]


def test_block_numbers_wrap_from_65535_to_0():
    blocks = 65536 + 2
    data = bytes(i & 0xFF for i in range(8 * (blocks - 1))) + b"end"
    run = Run(data, negotiate({"blksize": "8"}, len(data)))
    run.take()
    run.ack(0)
    seen = []
    for _ in range(blocks):
        (packet, _), = run.take()
        seen.append(packet.block)
        run.ack(packet.block)
    assert seen[65533:65538] == [65534, 65535, 0, 1, 2]
    assert packet == p.Data(2, b"end")  # block 65538
    assert run.done == Done(f"sent {len(data)} bytes in {blocks} blocks", ok=True)


def test_a_packet_from_another_tid_gets_error_5_there_only_and_the_transfer_goes_on():
    run = Run(b"c" * 600)
    run.take()
    other = ("10.0.0.7", 49153)
    run.ack(1, source=other)
    assert run.take() == [(p.Error(5, "Unknown transfer ID"), other)]
    run.apply(run.transfer.receive(p.Error(0, "x").encode(), other))
    assert run.take() == []  # an ERROR is never answered with an ERROR
    assert run.transfer.state == "sending"
    run.ack(1)
    assert run.take() == [(p.Data(2, b"c" * 88), PEER)]


def test_an_error_from_the_client_ends_the_transfer_silently():
    run = Run(b"d" * 600, negotiate({"blksize": "9999"}, 600))
    run.take()
    run.apply(run.transfer.receive(p.Error(8, "no thanks").encode(), PEER))
    assert run.take() == [] and run.done == Done("client error 8: no thanks")
    run.clock.advance(10)
    assert run.take() == []


def test_an_illegal_packet_from_the_client_gets_error_4_and_ends_it():
    run = Run(b"e" * 600)
    run.take()
    run.apply(run.transfer.receive(p.Data(1, b"up").encode(), PEER))
    (packet, to), = run.take()
    assert to == PEER and packet.code == 4 and run.transfer.state == "failed"


def test_garbage_from_the_client_is_ignored():
    run = Run(b"f" * 600)
    run.take()
    run.apply(run.transfer.receive(b"\x00\x04\x00", PEER))
    assert run.take() == [] and run.transfer.state == "sending"
    run.ack(1)
    assert run.take() == [(p.Data(2, b"f" * 88), PEER)]
