"""What the TFTP server counts for the metrics: each read request by how it ended."""
from tftp import packets as p

from tests.tftp.test_server import CLIENT, listening, reactor, rrq  # noqa: F401 (the fixture)


def test_each_request_is_counted_by_how_it_ended(reactor):  # noqa: F811
    server, _ = listening(reactor, max_retries=1, timeout=2)
    server.datagramReceived(rrq("small.txt"), CLIENT)
    reactor.ports[1].protocol.datagramReceived(p.Ack(1).encode(), CLIENT)  # done
    server.datagramReceived(rrq("missing.cnf.xml"), CLIENT)
    server.datagramReceived(rrq("../etc/passwd"), CLIENT)
    server.datagramReceived(p.WriteRequest("x").encode(), CLIENT)
    server.datagramReceived(b"\x00\x09junk", CLIENT)
    server.datagramReceived(rrq("small.txt"), ("192.0.2.11", 1))  # never acknowledged
    reactor.advance(2)
    reactor.advance(2)
    assert server.outcomes == {"done": 1, "not found": 1, "refused": 2, "bad request": 1, "failed": 1}
    assert server.served == 1
