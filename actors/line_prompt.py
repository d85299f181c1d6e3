"""Prompted MakeCall (`autoOriginate prompt`), on the line.

The calling endpoint rings first (connection state prompting, CSTA alerting: a Delivered
with cause makeCall announces it); when its user answers, the connection goes on as if
the phone went off-hook and the number is dialled (Originated, then the far end's
Delivered and Established as for any call). Unanswered, it ends after
PROMPT_RING_SECONDS with cause alertTimeExpired; ClearConnection cancels it. Which
endpoints may be prompted is theirs to say (`Endpoint.can_prompt`).
"""
from __future__ import annotations

from actors import calls as c
from actors.events import ConnectionID
from fsm.connection import CONNECTION

PROMPT_RING_SECONDS = 180  # IOS `timeouts ringing` default


class Prompting:
    def __init__(self, calls, switch) -> None:
        self.calls, self.switch = calls, switch

    def start(self, called: str, *, devices=None, remote: str = "", timeout: float | None = None):
        """Ring the calling endpoint(s): the connection, or the reason it cannot start
        ("unpromptable": no endpoint may be prompted; "busy": no free instance).

        Dial-via-office rings only `devices` (the remote phone's leg, `remote` its number):
        the call is announced as the line's own (ServiceInitiated) and the remote leg by
        NetworkReached, since the line's user is there, not at a phone here."""
        calls = self.calls
        devices = calls.prompted_endpoints() if devices is None else devices
        if not devices:
            return "unpromptable"
        instance = calls.free_instance()
        if instance is None:
            return "busy"
        conn = calls.new_connection(instance, self.switch.new_gcid())
        CONNECTION.fire(conn, "prompt")
        conn.cause, conn.prompt_for = "makeCall", called
        conn.calling, conn.calling_name = calls.number, calls.dn.name or ""
        conn.called = called
        for device in devices:
            calls.show(conn, "ringing", device, state="alerting")
        if remote:
            conn.remote = remote
            calls.publish("service_initiated", conn, calls.own(conn), "makeCall", initiating=calls.number)
            calls.publish("network_reached", conn, ConnectionID(conn.call_id, remote), "makeCall",
                          calling=calls.number, called=remote, network=remote)
        else:
            calls.publish("delivered", conn, calls.own(conn), "makeCall", alerting=calls.number,
                          calling=calls.number, called=called)
        calls.arm_timer(conn, timeout or PROMPT_RING_SECONDS, c.PromptTimeout(conn.call_id))
        return conn

    def answered(self, conn, device: str) -> None:
        calls = self.calls
        conn.cancel_timer()
        CONNECTION.fire(conn, "answer")
        conn.device = device
        calls.stop_ringing_elsewhere(conn, device)
        calls.show(conn, "picked_up")
        conn.called = ""  # no ServiceInitiated: the connection was announced by its Delivered
        calls.digits(conn, conn.prompt_for + "#")

    def timeout(self, m: c.PromptTimeout) -> None:
        conn = self.calls.connection(m)
        if conn is not None and conn.state == "prompting":
            self.calls.release(conn, "alertTimeExpired")
