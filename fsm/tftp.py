"""One TFTP read transfer (RFC 1350 with RFC 2347's OACK), the server side.

Triggers are what the transfer does or what reaches it: it sends the OACK, a block that
is not the last, or the last one (`send_oack`, `send_data`, `send_last`); the client
acknowledges the last block (`acked_last`), acknowledges an old one again (`duplicate_ack`),
sends an ERROR (`error`) or a packet that has no place in a read transfer (`illegal`);
the retransmission timer expires (`timeout`) or has expired too often (`give_up`); a
packet comes from another port (`stray`). Rows with the same source and destination only
act — `tftp/transfer.py` says what each row does.
"""
from fsm.table import StateTable

LIVE = ["oack_sent", "sending", "last_sent"]

READ_TRANSFER = StateTable(
    "tftp-read-transfer",
    states=["new", "oack_sent", "sending", "last_sent", "done", "failed"],
    initial="new",
    transitions=[
        {"trigger": "send_oack", "source": "new", "dest": "oack_sent"},
        {"trigger": "send_data", "source": ["new", "oack_sent", "sending"], "dest": "sending"},
        {"trigger": "send_last", "source": ["new", "oack_sent", "sending"], "dest": "last_sent"},
        {"trigger": "acked_last", "source": "last_sent", "dest": "done"},
        # RFC 1123 4.2.3.1 (Sorcerer's Apprentice): an old ACK is absorbed, never answered
        {"trigger": "duplicate_ack", "source": LIVE, "dest": None},
        {"trigger": "timeout", "source": LIVE, "dest": None},
        {"trigger": "give_up", "source": LIVE, "dest": "failed"},
        {"trigger": "error", "source": LIVE, "dest": "failed"},
        {"trigger": "illegal", "source": LIVE, "dest": "failed"},
        # another TID: ERROR 5 to that port, the transfer goes on (RFC 1350 §4)
        {"trigger": "stray", "source": LIVE, "dest": None},
    ],
    doc="""A TFTP read transfer, served (RFC 1350, RFC 2347/2348/2349 options).

new: the RRQ was accepted; the first packet is an OACK when an option was accepted,
    else DATA 1 (the last block when the file fits in one).
oack_sent: waiting for ACK 0. sending: waiting for the ACK of a block that is not the
    last. last_sent: waiting for the ACK of the last (shorter than blksize) block.
In each, the timer re-sends the packet that is waiting; after ``max_retries`` re-sends
the transfer gives up. A duplicate ACK is absorbed (no re-send: Sorcerer's Apprentice).
A packet from another port gets ERROR 5 and changes nothing.
done: the last block was acknowledged. failed: the client sent an ERROR or an illegal
    packet, or stopped answering.
""",
)
