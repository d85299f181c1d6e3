"""SIP transactions (RFC 3261 §17, with RFC 6026's Accepted state for INVITE).

Triggers are what happens to a transaction: a request or ACK arrives (`request`,
`invite`, `ack`), the TU sends a response (`provisional`, `final`, `final_2xx`,
`final_error`), a response arrives (client side), a timer fires (`timer_e` ...), or the
transport fails (`transport_error`). Rows with the same source and destination only
act (re-send, absorb, pass up) — `sip/transaction.py` says what each row does.
"""
from fsm.table import StateTable

INVITE_CLIENT = StateTable(
    "sip-invite-client-transaction",
    states=["calling", "proceeding", "accepted", "completed", "terminated"],
    initial="calling",
    transitions=[
        {"trigger": "timer_a", "source": "calling", "dest": None},
        {"trigger": "timer_b", "source": ["calling", "proceeding"], "dest": "terminated"},
        {"trigger": "transport_error", "source": ["calling", "proceeding"],
         "dest": "terminated"},
        {"trigger": "provisional", "source": ["calling", "proceeding"], "dest": "proceeding"},
        # §9.1: a CANCEL was sent; if no final comes in 64*T1 the INVITE is given up (B)
        {"trigger": "cancel", "source": "proceeding", "dest": None},
        # RFC 6026: a 2xx moves to Accepted, where other 2xx (retransmissions, forks)
        # still go up to the TU, which ACKs each
        {"trigger": "final_2xx", "source": ["calling", "proceeding", "accepted"],
         "dest": "accepted"},
        {"trigger": "final_error", "source": ["calling", "proceeding"], "dest": "completed"},
        {"trigger": "final_error", "source": "completed", "dest": None},
        {"trigger": "timer_m", "source": "accepted", "dest": "terminated"},
        {"trigger": "timer_d", "source": "completed", "dest": "terminated"},
    ],
    doc="""RFC 3261 §17.1.1 INVITE client transaction, with RFC 6026 §7.2's Accepted state:
the INVITEs a SIP trunk places.

calling: the INVITE was sent; Timer A re-sends it on UDP (T1, doubling, no cap; at most
    ``max_sends`` times in all); Timer B (64*T1) or a transport error: no answer.
proceeding: a 1xx arrived and went up to the TU; no more retransmissions. A CANCEL sent
    for it (`cancel`) restarts Timer B, so a 487 that never comes ends it.
accepted: a 2xx went up to the TU, which ACKs it outside the transaction; further 2xx
    (retransmissions, other forks) go up too until Timer M (64*T1).
completed: a 300-699 went up once and the transaction ACKed it; a retransmitted final
    re-sends that ACK until Timer D (32 s on UDP, zero on TCP).
""",
)

INVITE_SERVER = StateTable(
    "sip-invite-server-transaction",
    states=["proceeding", "accepted", "completed", "confirmed", "terminated"],
    initial="proceeding",
    transitions=[
        # proceeding: the INVITE went up to the TU; a retransmission re-sends the last 1xx
        {"trigger": "invite", "source": ["proceeding", "accepted", "completed", "confirmed"],
         "dest": None},
        {"trigger": "provisional", "source": "proceeding", "dest": None},
        # RFC 6026: a 2xx moves to Accepted (the TU retransmits it; ACK is the TU's)
        {"trigger": "final_2xx", "source": ["proceeding", "accepted"], "dest": "accepted"},
        {"trigger": "final_error", "source": "proceeding", "dest": "completed"},
        {"trigger": "ack", "source": "accepted", "dest": None},
        {"trigger": "ack", "source": "completed", "dest": "confirmed"},
        {"trigger": "ack", "source": "confirmed", "dest": None},
        {"trigger": "timer_g", "source": "completed", "dest": None},
        {"trigger": "timer_h", "source": "completed", "dest": "terminated"},
        {"trigger": "timer_i", "source": "confirmed", "dest": "terminated"},
        {"trigger": "timer_l", "source": "accepted", "dest": "terminated"},
        {"trigger": "transport_error", "source": ["proceeding", "completed"],
         "dest": "terminated"},
    ],
    doc="""RFC 3261 §17.2.1 INVITE server transaction, with RFC 6026 §7.1's Accepted state.

proceeding: the INVITE is with the TU; a retransmitted INVITE re-sends the last 1xx.
accepted: a 2xx was sent; INVITE retransmissions are absorbed, the 2xx (and its
    retransmissions by the TU) pass through, ACKs go up to the TU; Timer L ends it.
completed: a 300-699 was sent; re-sent on each retransmitted INVITE and on Timer G
    (UDP); Timer H gives up waiting for the ACK.
confirmed: the ACK arrived; further ACKs are absorbed until Timer I (zero on TCP).
""",
)

NON_INVITE_SERVER = StateTable(
    "sip-non-invite-server-transaction",
    states=["trying", "proceeding", "completed", "terminated"],
    initial="trying",
    transitions=[
        {"trigger": "request", "source": ["trying", "proceeding", "completed"], "dest": None},
        {"trigger": "provisional", "source": ["trying", "proceeding"], "dest": "proceeding"},
        {"trigger": "final", "source": ["trying", "proceeding"], "dest": "completed"},
        {"trigger": "timer_j", "source": "completed", "dest": "terminated"},
        {"trigger": "transport_error", "source": ["proceeding", "completed"],
         "dest": "terminated"},
    ],
    doc="""RFC 3261 §17.2.2 non-INVITE server transaction (INFO, BYE, OPTIONS, ...).

trying: the request is with the TU; retransmissions are absorbed.
proceeding: a 1xx was sent; retransmissions re-send it.
completed: the final response was sent; retransmissions re-send it until Timer J
    (64*T1 on UDP, zero on TCP).
""",
)

NON_INVITE_CLIENT = StateTable(
    "sip-non-invite-client-transaction",
    states=["trying", "proceeding", "completed", "terminated"],
    initial="trying",
    transitions=[
        {"trigger": "timer_e", "source": ["trying", "proceeding"], "dest": None},
        {"trigger": "timer_f", "source": ["trying", "proceeding"], "dest": "terminated"},
        {"trigger": "transport_error", "source": ["trying", "proceeding"],
         "dest": "terminated"},
        {"trigger": "provisional", "source": ["trying", "proceeding"], "dest": "proceeding"},
        {"trigger": "provisional", "source": "completed", "dest": None},
        {"trigger": "final", "source": ["trying", "proceeding"], "dest": "completed"},
        {"trigger": "final", "source": "completed", "dest": None},
        {"trigger": "timer_k", "source": "completed", "dest": "terminated"},
    ],
    doc="""RFC 3261 §17.1.2 non-INVITE client transaction: the INFO (events) and BYE
requests the server sends to a CTI application.

trying: the request was sent; Timer E re-sends it on UDP (T1, doubling to T2).
proceeding: a 1xx arrived; Timer E re-sends every T2.
completed: the final response went up to the TU; response retransmissions are absorbed
    until Timer K (T4 on UDP, zero on TCP).
Timer F (64*T1) or a transport error in trying/proceeding: the application is gone.
""",
)
