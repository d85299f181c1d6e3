"""Transfer, as the lines carry it out between them.

Consultative: the held call's line hands its far end to the consultation call's line
(JoinWith), which tells both far ends their new peer (Replace) and the held call's line
that it is done (Joined). Blind: the call's line offers its far end to the new number on
the far end's behalf. Only a call whose far end is in it (answered) is transferred: the
connection table's `join_held`, `join_active` and `transfer_away` rules say when.
"""
from __future__ import annotations

from actors import calls as c
from actors.call_record import TRANSFER
from actors.events import ConnectionID
from fsm.connection import CONNECTION


class Transfers:
    def __init__(self, calls, switch, log) -> None:
        self.calls, self.switch, self.log = calls, switch, log

    def consult_on(self, m: c.ConsultOn) -> None:
        """The phone's Trnsfer key asks for a consultation call: here if this line has room
        (the held call's own DN on another instance; any other line only when idle)."""
        calls = self.calls
        room = calls.instances > 1 and calls.free_instance() is not None if m.own else not calls.connections
        conn = calls.originate(m.device, speaker=True) if room else None
        if conn is not None:
            calls.audience.tell(m.device, c.Consulting(m.held_call, conn.call_id))
        elif m.lines:
            self.switch.tell_line(m.lines[0], c.ConsultOn(m.device, m.held_call, m.lines[1:], own=False))
        else:
            calls.audience.tell(m.device, c.NoConsultLine(m.held_call))

    def transfer(self, m: c.Transfer) -> None:
        """Consultative transfer, on the held call's line: hand its far end to the
        consultation line, which joins the two far ends and tells us when it is done."""
        conn = self.calls.connection(m)
        if conn is None or not CONNECTION.allows(conn, "join_held"):
            self.log.info("transfer of call {call}: not a held, answered call here", call=m.call_id)
            return
        self.switch.tell_line(m.consult_tag, c.JoinWith(m.consult_call, conn.peer, self.calls.party(conn), conn.gcid))

    def join_with(self, m: c.JoinWith) -> bool:
        calls = self.calls
        conn = calls.connection(m)
        if conn is None or not CONNECTION.allows(conn, "join_active") or m.party is None:
            self.log.info("transfer to call {call} abandoned: consultation not up", call=m.call_id)
            return False
        a, b, cc = calls.number, m.party, conn.peer
        c_answered = conn.state == "connected" and conn.far_answered
        extra = {"primary_old": ConnectionID(m.primary.call_id, m.primary.number),
                 "secondary_old": ConnectionID(conn.call_id, a), "transferring": a,
                 "transferred_to": cc.number,
                 "connections": [(ConnectionID(b.call_id, b.number), None, b.number),
                                 (ConnectionID(cc.call_id, cc.number), None, cc.number)]}
        self.switch.tell_line(b.tag, c.Replace(b.call_id, cc, a, cc.number, gcid=m.gcid, peer_answered=c_answered,
                                               extra=extra))
        self.switch.tell_line(cc.tag, c.Replace(cc.call_id, b, a, cc.number, gcid=m.gcid, extra=extra))
        calls.publish("transferred", conn, calls.own(conn), "transfer", local_state="null",
                      calling=b.number, called=cc.number, extra=extra)
        self.switch.tell_line(m.primary.tag, c.Joined(m.primary.call_id, cc.number, calls.party(conn)))
        conn.used |= TRANSFER
        calls.release(conn, "transfer", tell_peer=False, by="local")
        return True

    def joined(self, m: c.Joined) -> None:
        calls = self.calls
        conn = calls.connection(m)
        if conn is None:
            return
        if m.secondary.tag != calls.dn.tag:  # (same DN: the consultation line reported it)
            calls.publish("transferred", conn, calls.own(conn), "transfer", local_state="null",
                          extra={"primary_old": ConnectionID(conn.call_id, calls.number),
                                 "secondary_old": ConnectionID(m.secondary.call_id, m.secondary.number),
                                 "transferring": calls.number, "transferred_to": m.transferred_to})
        conn.used |= TRANSFER
        calls.release(conn, "transfer", tell_peer=False, by="local")

    def blind_transfer(self, m: c.BlindTransfer) -> bool:
        calls = self.calls
        conn = calls.connection(m)
        if conn is None or not CONNECTION.allows(conn, "transfer_away"):
            self.log.info("blind transfer of call {call}: its far end is not in the call", call=m.call_id)
            return False
        tag, _ = self.switch.route(m.number)
        if tag is None:
            self.log.info("blind transfer of call {call} to {number}: not a number here", call=m.call_id, number=m.number)
            return False
        far = conn.peer
        extra = {"primary_old": ConnectionID(conn.call_id, calls.number), "secondary_old": None,
                 "transferring": calls.number, "transferred_to": m.number,
                 "connections": [(ConnectionID(far.call_id, far.number), None, far.number), (None, None, m.number)]}
        self.switch.tell_line(far.tag, c.Replace(far.call_id, None, calls.number, m.number, cause=m.cause, extra=extra))
        self.switch.offer(tag, c.Offer(far, m.number, conn.gcid, m.cause, last_redirection=calls.number))
        calls.publish("transferred", conn, calls.own(conn), m.cause, local_state="null", extra=extra)
        conn.used |= TRANSFER
        calls.release(conn, m.cause, tell_peer=False, by="local")
        return True

    def replace(self, m: c.Replace) -> None:
        """We were the far end of a transfer: new peer, fresh media with it."""
        calls = self.calls
        conn = calls.connection(m)
        if conn is None:
            return
        conn.peer, conn.peer_held, conn.peer_media = m.peer, False, None
        conn.last_redirection = m.transferring
        conn.transferred = m.cause  # why: the new far end's events say it
        conn.used |= TRANSFER
        conn.far_answered = m.peer is not None and m.peer_answered
        conn.gcid = m.gcid or conn.gcid
        conn.media = None
        if conn.state == "connected":
            calls.show(conn, "peer_replaced")
        calls.publish("transferred", conn, calls.own(conn), m.cause,
                      extra=m.extra or {"transferring": m.transferring, "transferred_to": m.transferred_to})
