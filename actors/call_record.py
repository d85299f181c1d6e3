"""A call detail record: one call leg, from its creation to its release, as CME's file
accounting keeps it.

A leg is one line's connection (actors/connection.py): a DN's, or a trunk line's (the far
party of a call through a dial-peer, actors/trunk_line.py). The call core stamps what a
record needs on the connection while the call goes on (setup and connect times, the
features used, who cleared it, why it failed) and builds one CallRecord when the line
releases it (actors/line_calls.py `release`); the switch hands it to its `accounting`
collaborator (cme/cdr/history.py keeps and writes them). The record's field order is
FIELDS, so the JSON lines, the CSV columns and the CLI agree.

Who cleared (`cleared_by`):
- "local": this leg's own side ended it: the DN's user hung up (also after hearing busy
  or reorder: the cause then says why the call failed), transferred the call away, or
  its phone went away; on a trunk leg, the network side (BYE, CANCEL, a 4xx/5xx/6xx
  refusal, no ACK).
- "remote": the far party's leg ended it (its release reached this line), or the target
  of a blind transfer refused the call.
- "system": the server did: its stop (drain), a timer (a prompted MakeCall nobody
  answered), a CTI request (ClearConnection, ReconnectCall, DeflectCall), a line that
  failed and was restarted, a DN removed by configure terminal.
"""
from __future__ import annotations

from actors.calls import message

# Connection.used: what a leg used, one bit each (a few integer ORs per call, no objects)
TRANSFER = 1  # this leg transferred its call, or its far end was replaced by a transfer
FORWARD = 2  # the call was diverted: forwarded away from the line called, or arrived so
HOLD = 4  # this leg was put on hold
CONFERENCE = 8  # (no conference in the call core yet)
FEATURE_BITS = ((TRANSFER, "transfer"), (FORWARD, "forward"), (HOLD, "hold"), (CONFERENCE, "conference"))

# The CTI service that placed a leg, by the connection's cause (conn.cause at origination)
PLACED_BY = {"makeCall": "MakeCall", "consultation": "ConsultationCall"}

# Q.850 disconnect cause codes, by the CSTA cause the call core releases or fails a leg with:
# what CME writes as the disconnect cause (h323-disconnect-cause / `show call history`).
Q850 = {
    "normalClearing": 16,  # normal call clearing
    "transfer": 16,
    "singleStepTransfer": 16,
    "redirected": 23,  # redirection to new destination (deflected, forwarded away)
    "callForwardImmediate": 23,
    "busy": 17,  # user busy
    "doNotDisturb": 17,
    "alertTimeExpired": 19,  # no answer from user (user alerted)
    "noAnswer": 19,
    "callNotAnswered": 21,  # call rejected (a trunk's 603 Decline)
    "blocked": 21,  # (a trunk's 403)
    "destNotObtainable": 1,  # unallocated (unassigned) number
    "networkOutOfOrder": 38,  # network out of order
    "resourcesNotAvailable": 47,  # resource unavailable, unspecified
    "resourceBusy": 34,  # no circuit/channel available
    "incompatibleDestination": 88,  # incompatible destination
    "unspecified": 31,  # normal, unspecified
}
Q850_DEFAULT = 31  # any other cause: normal, unspecified

# Q.850 cause texts, as IOS prints them beside the code
Q850_TEXT = {
    1: "unassigned number", 16: "normal call clearing", 17: "user busy", 19: "no answer",
    21: "call rejected", 23: "redirection", 31: "normal, unspecified", 34: "no circuit available",
    38: "network out of order", 47: "resource unavailable", 88: "incompatible destination",
}


def q850(cause: str) -> int:
    """The Q.850 code CME writes for a leg released or failed with CSTA cause `cause`."""
    return Q850.get(cause, Q850_DEFAULT)


FIELDS = ("gcid", "call_id", "line", "calling", "called", "direction", "peer", "dial_peer", "setup", "connect",
          "disconnect", "duration", "cause", "q850", "cleared_by", "features")


@message
class CallRecord:
    """One call leg. Times are epoch seconds on the switch's clock; `connect` is None for a
    leg never answered (then `duration` is 0.0)."""

    gcid: str  # shared by every leg of one call ("" without `voice service voip / gcid`)
    call_id: int  # this leg's server-wide call id (CME's callID)
    line: str  # the number whose leg it is: the DN's, or a trunk leg's outside number
    calling: str  # the calling number
    called: str  # the called number (as dialled; "" if nothing was)
    direction: str  # "outgoing": placed by this line (a trunk leg: the call left the building);
    #                 "incoming": offered to it (a trunk leg: the call came in from outside)
    peer: str  # the far party's number when the leg ended (a transfer may have changed it)
    dial_peer: int | None  # the dial-peer of a trunk leg; None for a DN's leg
    setup: float
    connect: float | None
    disconnect: float
    duration: float  # connected seconds
    cause: str  # the CSTA cause it failed with, else the one it was released with
    q850: int  # the Q.850 code of `cause`
    cleared_by: str  # "local", "remote" or "system" (see the module's docstring)
    features: tuple  # of "transfer", "forward", "hold", "conference", and the CTI service
    #                  that placed it ("MakeCall", "ConsultationCall")

    @property
    def answered(self) -> bool:
        return self.connect is not None

    def as_dict(self) -> dict:
        """FIELDS -> value, `features` as a list (what the JSON lines hold)."""
        d = {name: getattr(self, name) for name in FIELDS}
        d["features"] = list(self.features)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "CallRecord":
        """The inverse of as_dict (a ValueError/KeyError/TypeError for what is not one)."""
        missing = [name for name in FIELDS if name not in d]
        if missing:
            raise KeyError(f"missing {', '.join(missing)}")
        connect = d["connect"]
        dial_peer = d["dial_peer"]
        return cls(str(d["gcid"]), int(d["call_id"]), str(d["line"]), str(d["calling"]), str(d["called"]),
                   str(d["direction"]), str(d["peer"]), None if dial_peer in (None, "") else int(dial_peer),
                   float(d["setup"]), None if connect in (None, "") else float(connect),
                   float(d["disconnect"]), float(d["duration"]), str(d["cause"]), int(d["q850"]),
                   str(d["cleared_by"]), tuple(d["features"]))


def features_of(used: int, cause: str) -> tuple:
    """The features a leg used: its `used` bits, then the CTI service that placed it."""
    names = tuple(name for bit, name in FEATURE_BITS if used & bit) if used else ()
    placed = PLACED_BY.get(cause)
    return names + (placed,) if placed else names


def record_of(conn, line: str, dial_peer: int | None, now: float, cause: str, cleared_by: str) -> CallRecord:
    """The record of connection `conn` of line `line`, released at `now` with `cause`."""
    failed = conn.failed
    if failed:
        cause = failed
    connect = conn.connect
    outbound = conn.outbound
    if dial_peer is None:
        direction = "outgoing" if outbound else "incoming"
    else:  # a trunk line calls in (outbound) for an outside caller; it is offered an outgoing call
        direction = "incoming" if outbound else "outgoing"
    called = conn.called or conn.digits
    peer = conn.peer
    if peer is not None:
        far = peer.number
    else:
        far = called if outbound else conn.calling
    return CallRecord(conn.gcid, conn.call_id, line, conn.calling, called, direction, far, dial_peer,
                      conn.setup, connect, now, now - connect if connect is not None else 0.0, cause,
                      Q850.get(cause, Q850_DEFAULT), cleared_by, features_of(conn.used, conn.cause))
