"""Transfer, as the lines carry it out between them.

Part of the line actor (`actors/line.py`). Consultative: the held call's line hands its
far end to the consultation call's line (JoinWith), which tells both far ends their new
peer (Replace) and the held call's line that it is done (Joined). Blind: the call's line
offers its far end to the new number on the far end's behalf. Only a call whose far end
is in it (answered) is transferred.
"""
from __future__ import annotations

from actors import calls as c
from actors.events import ConnectionID
from sccp import presenter as show


class LineTransferMixin:
    """Mixed into LineActor (uses its connections, telephony, publish and _release)."""

    # -- transfer -----------------------------------------------------------------------------
    def _transfer(self, m: c.Transfer) -> None:
        """Consultative transfer, on the held call's line: hand its far end to the
        consultation line, which joins the two far ends and tells us when it is done."""
        conn = self.connections.get(m.call_id)
        if conn is None or conn.state != "hold" or not conn.far_answered:
            self.log.info("transfer of call {call}: not a held, answered call here", call=m.call_id)
            return
        self.telephony.tell_line(m.consult_tag, c.JoinWith(m.consult_call, conn.peer, self.party(conn), conn.gcid))

    def _join_with(self, m: c.JoinWith) -> None:
        conn = self.connections.get(m.call_id)
        if conn is None or conn.state not in ("originated", "connected") or conn.peer is None or m.party is None:
            self.log.info("transfer to call {call} abandoned: consultation not up", call=m.call_id)
            return
        a, b, cc = self.number, m.party, conn.peer
        c_answered = conn.state == "connected" and conn.far_answered
        extra = {"primary_old": ConnectionID(m.primary.call_id, m.primary.number),
                 "secondary_old": ConnectionID(conn.call_id, a), "transferring": a,
                 "transferred_to": cc.number,
                 "connections": [(ConnectionID(b.call_id, b.number), None, b.number),
                                 (ConnectionID(cc.call_id, cc.number), None, cc.number)]}
        self.telephony.tell_line(b.tag, c.Replace(b.call_id, cc, a, cc.number, gcid=m.gcid, peer_answered=c_answered,
                                                  extra=extra))
        self.telephony.tell_line(cc.tag, c.Replace(cc.call_id, b, a, cc.number, gcid=m.gcid, extra=extra))
        self.publish("transferred", conn, self._own(conn), "transfer", local_state="null",
                     calling=b.number, called=cc.number, extra=extra)
        self.telephony.tell_line(m.primary.tag, c.Joined(m.primary.call_id, cc.number, self.party(conn)))
        self._release(conn, "transfer", tell_peer=False)

    def _joined(self, m: c.Joined) -> None:
        conn = self.connections.get(m.call_id)
        if conn is None:
            return
        if m.secondary.tag != self.dn.tag:  # (same DN: the consultation line reported it)
            self.publish("transferred", conn, self._own(conn), "transfer", local_state="null",
                         extra={"primary_old": ConnectionID(conn.call_id, self.number),
                                "secondary_old": ConnectionID(m.secondary.call_id, m.secondary.number),
                                "transferring": self.number, "transferred_to": m.transferred_to})
        self._release(conn, "transfer", tell_peer=False)

    def _blind_transfer(self, m: c.BlindTransfer) -> None:
        conn = self.connections.get(m.call_id)
        if conn is None or conn.peer is None or conn.state not in ("connected", "hold") or not conn.far_answered:
            self.log.info("blind transfer of call {call}: its far end is not in the call", call=m.call_id)
            return
        tag, _ = self.telephony.route(m.number)
        if tag is None:
            self.log.info("blind transfer of call {call} to {number}: not a number here", call=m.call_id, number=m.number)
            return
        far = conn.peer
        extra = {"primary_old": ConnectionID(conn.call_id, self.number), "secondary_old": None,
                 "transferring": self.number, "transferred_to": m.number,
                 "connections": [(ConnectionID(far.call_id, far.number), None, far.number), (None, None, m.number)]}
        self.telephony.tell_line(far.tag, c.Replace(far.call_id, None, self.number, m.number, cause=m.cause, extra=extra))
        self.telephony.tell_line(tag, c.Offer(far, m.number, conn.gcid, m.cause, last_redirection=self.number))
        self.publish("transferred", conn, self._own(conn), m.cause, local_state="null", extra=extra)
        self._release(conn, m.cause, tell_peer=False)

    def _replace(self, m: c.Replace) -> None:
        """We were the far end of a transfer: new peer, fresh media with it."""
        conn = self.connections.get(m.call_id)
        if conn is None:
            return
        conn.peer, conn.peer_held, conn.peer_media = m.peer, False, None
        conn.last_redirection = m.transferring
        conn.transferred = m.cause  # why: the new far end's events say it
        conn.far_answered = m.peer is not None and m.peer_answered
        conn.gcid = m.gcid or conn.gcid
        conn.media = None
        if conn.state == "connected":
            self._present(conn, show.stop_media(conn.call_id) + [show.open_receive(conn.call_id)])
        self.publish("transferred", conn, self._own(conn), m.cause,
                     extra=m.extra or {"transferring": m.transferring, "transferred_to": m.transferred_to})
