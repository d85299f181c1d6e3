"""Forward all, do not disturb, message waiting: a line's feature state.

Part of the line actor (`actors/line.py`). The state lives in the configuration model of
the DN (so `show running-config` shows it) and is saved by `Telephony.features_changed`;
every change is shown on the phones that show the line and published as a FeatureEvent.
"""
from __future__ import annotations

from actors import calls as c
from actors.events import FeatureEvent
from sccp import presenter as show


class LineFeaturesMixin:
    """Mixed into LineActor (uses its dn, phones, telephony, log and _emit)."""

    # -- features: forward all, do not disturb, message waiting -----------------------------------
    def _set_forward(self, m: c.SetForward) -> None:
        number = m.number or None
        if number == self.dn.call_forward_all:
            return
        self.dn.call_forward_all = number
        self.log.info("call forward all {state}", state=f"to {number}" if number else "off")
        for device, line in self.phones.items():
            self._display(device, show.forward_status(line, number))
        self._emit(FeatureEvent("forwarding", self.number, bool(number), number))
        self.telephony.features_changed(self.dn)

    def _set_dnd(self, m: c.SetDnd) -> None:
        if m.on == self.dn.do_not_disturb:
            return
        self.dn.do_not_disturb = m.on
        self.log.info("do not disturb {state}", state="on" if m.on else "off")
        for device in self.phones:
            self._display(device, show.dnd(m.on))
        self._emit(FeatureEvent("do_not_disturb", self.number, m.on))
        self.telephony.features_changed(self.dn)

    def _set_mwi(self, m: c.SetMwi) -> None:
        if m.on == self.dn.message_waiting:
            return
        self.dn.message_waiting = m.on
        for device in self.phones:
            self._display(device, show.message_lamp(m.on))
        self._emit(FeatureEvent("message_waiting", self.number, m.on))
        self.telephony.features_changed(self.dn)

    def _display(self, device: str, messages) -> None:
        self.telephony.tell_phone(device, c.Display(messages))
