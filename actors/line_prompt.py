"""Prompted MakeCall (`autoOriginate prompt`), on the line.

Part of the line actor. The calling phone rings first (connection state prompting, CSTA
alerting: a Delivered with cause makeCall announces it); when its user answers, the
connection goes on as if the phone went off-hook and the number is dialled (Originated,
then the far end's Delivered and Established as for any call). Unanswered, it ends after
PROMPT_RING_SECONDS with cause alertTimeExpired; ClearConnection cancels it.
"""
from __future__ import annotations

from actors import calls as c
from actors.line_cti import refusal
from fsm.connection import CONNECTION
from sccp import presenter as show

# cme.md: prompted MakeCall is not supported on 792x, 793x, ATAs, VG224 and FXS ports.
UNPROMPTABLE_MODELS = frozenset("7920 7921 7925 7926 7931 7935 7936 7937 ata ata-187 anl vgc-phone".split())
PROMPT_RING_SECONDS = 180  # IOS `timeouts ringing` default


class LinePromptMixin:
    """Mixed into LineActor (uses its connections, phones, telephony and call steps)."""

    def _prompted_phones(self) -> list[str]:
        """The phones showing this line that a prompted MakeCall may ring."""
        board = self.telephony.board.phones
        return [d for d in self.phones if d not in board or board[d].model.lower() not in UNPROMPTABLE_MODELS]

    def _prompt(self, called: str):
        """autoOriginate prompt: ring the calling phone(s); the number is dialled when the
        user answers (`_prompt_answered`), or the attempt ends after PROMPT_RING_SECONDS."""
        devices = self._prompted_phones()
        if not devices:
            return refusal("operation", "requestIncompatibleWithObject")  # cme.md's excluded models
        instance = self._free_instance()
        if instance is None:
            return refusal("stateIncompatibility", "invalidDeviceState")
        from actors.line import Connection

        conn = Connection(self.telephony.new_call_id(), instance, self.telephony.new_gcid())
        self.connections[conn.call_id] = conn
        CONNECTION.fire(conn, "prompt")
        conn.cause, conn.prompt_for = "makeCall", called
        conn.calling, conn.calling_name = self.number, self.dn.name or ""
        conn.called = called
        for device in devices:
            line = self._line_instance(device)
            info = show.call_info(line, conn.call_id, calling=self.number, calling_name=self.dn.name or "",
                                  called=called, outbound=True)
            self._present(conn, show.ring_in(line, conn.call_id, info,
                                             waiting=self.telephony.phone_busy(device, conn.call_id)),
                          device, state="alerting")
        self.publish("delivered", conn, self._own(conn), "makeCall", alerting=self.number,
                     calling=self.number, called=called)
        conn.timer = self.telephony.clock.callLater(PROMPT_RING_SECONDS, self._timer_fired, c.PromptTimeout(conn.call_id))
        return self._ok(conn)

    def _prompt_answered(self, conn, device: str) -> None:
        if conn.timer is not None and conn.timer.active():
            conn.timer.cancel()
        CONNECTION.fire(conn, "offhook")
        conn.device = device
        self._stop_ringing_elsewhere(conn, device)
        self._present(conn, show.answering(self._line_instance(device), conn.call_id))
        conn.called = ""  # no ServiceInitiated: the connection was announced by its Delivered
        self._digits(conn, conn.prompt_for + "#")

    def _prompt_timeout(self, m: c.PromptTimeout) -> None:
        conn = self.connections.get(m.call_id)
        if conn is not None and conn.state == "prompting":
            self._release(conn, "alertTimeExpired")
