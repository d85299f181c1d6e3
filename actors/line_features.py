"""Forward all, do not disturb, message waiting: a line's feature state.

The state lives in the configuration model of the DN (so `show running-config` shows
it) and is saved through the switch before it is announced (a change that cannot be saved
is not made); every change is told to the endpoints that show the
line and published to its monitors as one FeatureEvent. Call forward all also decides
where an offered call goes instead of ringing here.
"""
from __future__ import annotations

from actors import calls as c
from actors.events import FeatureEvent


class Features:
    def __init__(self, calls, switch, log) -> None:
        self.calls, self.switch, self.log = calls, switch, log
        self.dn = calls.dn

    def _change(self, attr: str, value, event: FeatureEvent) -> bool:
        """Set one feature, saved before anything is told: when the switch cannot save it
        the line keeps its old state, no FeatureEvent goes out (a phone's key and lamp stay
        as they were) and the phones showing the line say "Cannot save". Returns whether
        the change is in effect (what a CTI request is answered with)."""
        before = getattr(self.dn, attr)
        setattr(self.dn, attr, value)
        if not self.switch.features_changed(self.dn):
            setattr(self.dn, attr, before)
            self.log.warn("{feature} not changed: it could not be saved", feature=event.kind.replace("_", " "))
            audience = self.calls.audience
            refused = FeatureEvent("not_saved", self.calls.number, False, line=self.dn.tag)
            for device in list(audience.endpoints):
                audience.tell(device, refused)
            return False
        audience = self.calls.audience
        for device in list(audience.endpoints):
            audience.tell(device, event)
        audience.publish(event)
        return True

    def set_forward(self, m: c.SetForward) -> bool:
        number = m.number or None
        if number == self.dn.call_forward_all:
            return True
        event = FeatureEvent("forwarding", self.calls.number, bool(number), number, line=self.dn.tag)
        if not self._change("call_forward_all", number, event):
            return False
        self.log.info("call forward all {state}", state=f"to {number}" if number else "off")
        return True

    def set_dnd(self, m: c.SetDnd) -> bool:
        if m.on == self.dn.do_not_disturb:
            return True
        if not self._change("do_not_disturb", m.on, FeatureEvent("do_not_disturb", self.calls.number, m.on,
                                                                  line=self.dn.tag)):
            return False
        self.log.info("do not disturb {state}", state="on" if m.on else "off")
        return True

    def set_mwi(self, m: c.SetMwi) -> bool:
        if m.on == self.dn.message_waiting:
            return True
        return self._change("message_waiting", m.on, FeatureEvent("message_waiting", self.calls.number, m.on,
                                                                   line=self.dn.tag))

    def endpoint_up(self, device: str) -> None:
        """A new endpoint learns the lamps that are on (message waiting, DND)."""
        if self.dn.message_waiting:
            self.calls.audience.tell(device, FeatureEvent("message_waiting", self.calls.number, True, line=self.dn.tag))
        if self.dn.do_not_disturb:
            self.calls.audience.tell(device, FeatureEvent("do_not_disturb", self.calls.number, True, line=self.dn.tag))

    def forwards(self) -> bool:
        return bool(self.dn.call_forward_all)

    def forward(self, m: c.Offer) -> None:
        """Call forward all: the call goes on to the forward number, caller told."""
        target = self.dn.call_forward_all
        tag, _ = self.switch.route(target)
        caller = m.caller
        if tag is None or tag == self.dn.tag or m.hops >= c.MAX_FORWARDS:
            self.log.info("forward of {caller} to {target} failed: {why}", caller=caller.number, target=target,
                          why="not a number here" if tag is None else "forwarding loop")
            self.switch.tell_line(caller.tag, c.Reject(caller.call_id, "destNotObtainable", self.calls.number))
            return
        cause = "callForwardImmediate"
        self.calls.publish_diverted(caller, target, cause)
        self.switch.tell_line(caller.tag, c.Diverted(caller.call_id, self.calls.number, target, cause))
        self.switch.offer(tag, c.Offer(caller, m.called_number, m.gcid, "redirected",
                                           last_redirection=self.calls.number, hops=m.hops + 1))
