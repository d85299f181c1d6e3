"""What the user does on a phone, and what the lines show it.

A collaborator of the phone actor (`actors/phone.py`), which keeps registration and the
phone's requests; calls are here, with their dependencies passed in. The user turns each
key, digit and hook change into a request to the line it concerns (`actors/calls.py`),
decides which call a key is about, and collects the digits of the features that ask for a
number (forward all, blind transfer). What lines want shown arrives as CallStep and
FeatureEvent (actors/events.py), rendered in actors/phone_view.py.
"""
from __future__ import annotations

from functools import lru_cache

from actors import calls as c
from actors.events import CallStep, FeatureEvent
from actors.phone_view import render_feature, render_frames
from fsm.phone import PHONE_MODE, PhoneMode
from sccp import presenter as show
from sccp import softkeys
from sccp.callcontrol import (EnblocCallMessage, KeypadButtonMessage, OffHookMessage,
                              OnHookMessage, SetLampMessage, SoftKeyEventMessage, StimulusMessage)
from sccp.enums import LampMode, SoftKeyEvent, Stimulus, keypad_digit
from sccp.framing import encode
from sccp.media import OpenReceiveChannelAckMessage


class PhoneUser:
    """One phone's user: what it shows of its lines' calls, and what its keys ask of them.

    `link()` is the phone's current connection (None while unregistered), `buttons()` its
    line buttons (they change at each registration, with Extension Mobility)."""

    def __init__(self, device: str, switch, config, status, log, *, link, buttons) -> None:
        self.device, self.switch, self.config, self.status, self.log = device, switch, config, status, log
        self._link, self._buttons = link, buttons
        self.instances: dict[int, int] = {}  # dn tag -> the button it is on, as the lines know it
        self.calls: dict[int, tuple[int, str]] = {}  # call reference -> (dn tag, state) shown
        self.dialed: dict[int, str] = {}  # call reference -> digits the user sent
        self.last_dialed = ""
        self.mode = PhoneMode()  # what the user started that no line knows yet (fsm/phone.py)
        self._pending_digits = ""
        self._starting: int | None = None  # dn tag of the call asked for, until the line answers
        self._forwarding: tuple[int, int] | None = None  # (dn tag, line) collecting a forward number
        self._consults: dict[int, int] = {}  # consultation call -> the held call it will transfer
        self._blind: int | None = None  # held call waiting for a blind-transfer number
        self._forward_digits = ""
        # digits collected while one read's messages are handled (collect_digits): None
        # when not collecting, else [call id, digits] or [] before the first
        self._digit_run: list | None = None

    @property
    def link(self):
        return self._link()

    @property
    def lines(self):
        return self._buttons()

    def feature(self, event: FeatureEvent) -> None:
        link = self.link
        if link is not None:
            link.send_all(render_feature(event, self.instances.get(event.line, 1)))

    # -- calls: what lines show, what the user does ----------------------------------------
    def show(self, m: CallStep) -> None:
        # A call rings beside one in progress: it beeps instead (call waiting).
        waiting = m.step == "ringing" and any(
            state not in ("alerting", "null") for ref, (_, state) in self.calls.items() if ref != m.call_id)
        if m.call_id == 0:  # the line refused the new call (no free instance)
            if self._starting == m.line:
                self._starting, self._pending_digits = None, ""
                self._mode("refused")
            return
        hang_up = False
        if m.state == "null":
            self._consults.pop(m.call_id, None)
            if self._blind == m.call_id:
                self._end_forward(None)
            self.calls.pop(m.call_id, None)
            self.status.calls.pop(m.call_id, None)
            self.dialed.pop(m.call_id, None)
        else:
            if m.call_id not in self.calls and m.state == "initiated" and self._starting == m.line:
                # The call asked for, and the digits sent with it (off-hook and digits in one go);
                # hung up at once if the user went on-hook before the line answered.
                hang_up = self.mode.state == "abandoned"
                self._starting = None
                self._mode("call_started")
                if self._pending_digits:
                    self.dialed[m.call_id], self._pending_digits = self._pending_digits, ""
            if m.state == "originated" and m.call_id in self.dialed:
                self.last_dialed = self.dialed[m.call_id].rstrip("#")
            self.calls[m.call_id] = (m.line, m.state)
            self.status.calls[m.call_id] = m.state
        link = self.link
        if link is not None:
            data = render_frames(m, self.instances.get(m.line, 1), waiting=waiting)
            if m.state == "null":
                data += b"".join(map(encode, self._restore_indicators(m.line)))
            link.send_frames(data)  # one step's sequence, one write
        if hang_up:
            self.switch.tell_line(m.line, c.UserAction(self.device, "onhook", m.call_id))

    def _restore_indicators(self, dn_tag: int) -> list:
        """A cleared call's on-hook sequence switches the button's lamp and the ringer off;
        what puts back what the calls still here need: a waiting call rings properly once
        the phone is free, a held one winks."""
        states = [state for tag, state in self.calls.values() if tag == dn_tag]
        if not states:
            return []
        out = []
        line = self._line_instance_of(dn_tag)
        if not any(state not in ("alerting", "hold") for state in self.calls_states()):
            for ref, (tag, state) in self.calls.items():
                if state == "alerting":
                    out += show.ring_again(self._line_instance_of(tag), ref)
        if any(state not in ("alerting", "hold") for state in states):
            mode = LampMode.ON
        elif "alerting" in states:
            mode = LampMode.BLINK
        else:
            mode = LampMode.WINK
        out.append(SetLampMessage(stimulus=Stimulus.LINE, stimulus_instance=line, lamp_mode=mode))
        return out

    def _mode(self, trigger: str) -> bool:
        """Move the phone's mode (fsm/phone.py); a trigger its mode does not take is refused
        as an ordinary outcome: logged, nothing changes."""
        if PHONE_MODE.allows(self.mode, trigger):
            PHONE_MODE.fire(self.mode, trigger)
            return True
        self.log.debug("{trigger} refused in mode {mode} on {device}", trigger=trigger, mode=self.mode.state,
                       device=self.device)
        return False

    def reset(self) -> None:
        """The phone left (unregistered, restarted): nothing it had started goes on."""
        self._starting, self._pending_digits = None, ""
        self._forwarding, self._forward_digits, self._blind = None, "", None
        self._consults.clear()
        PHONE_MODE.fire(self.mode, "reset")

    def calls_states(self) -> list[str]:
        return [state for _, state in self.calls.values()]

    def _dn_for(self, line_instance: int) -> int | None:
        for button in self.lines:
            if button.instance == (line_instance or 1):
                return button.dn_tag
        return self.lines[0].dn_tag if self.lines and not line_instance else None

    def _to_line(self, call_id: int, action: str, **kw) -> None:
        dn_tag, _ = self.calls[call_id]
        self.switch.tell_line(dn_tag, c.UserAction(self.device, action, call_id, **kw))

    def _find(self, *states: str, callref: int = 0) -> int | None:
        """The call this action is about: the one named, else the newest in `states`."""
        if callref in self.calls and (not states or self.calls[callref][1] in states):
            return callref
        found = [ref for ref, (_, state) in self.calls.items() if state in states]
        return found[-1] if found else None

    def _active(self, callref: int = 0) -> int | None:
        return self._find("initiated", "dialing", "originated", "connected", "fail", callref=callref)

    def _new_call(self, line_instance: int, *, speaker: bool) -> bool:
        if self._starting is not None:  # already asked for: the line has not answered yet
            return self._mode("new_call")  # (abandoned: the user is back; keep the call)
        dn_tag = self._dn_for(line_instance)
        if dn_tag is None or not self._mode("new_call"):
            return False
        self._starting, self._pending_digits = dn_tag, ""
        self.switch.tell_line(dn_tag, c.UserAction(self.device, "offhook", speaker=speaker))
        return True

    def off_hook(self, m: OffHookMessage) -> None:
        ringing = self._find("alerting", callref=m.call_reference)
        if ringing is not None:
            self._to_line(ringing, "answer")
        elif self._active() is None:
            self._new_call(m.line_instance, speaker=False)

    def on_hook(self, m: OnHookMessage) -> None:
        if self._forwarding is not None:
            self._end_forward(None)
            return
        active = self._active(m.call_reference)
        if active is not None:
            self._to_line(active, "onhook")
        elif self._starting is not None:
            self._mode("hook_on")  # the call asked for is not here yet: hang it up when it is

    # -- a read's keypad digits, one UserAction ------------------------------------------
    # A phone sends the digits it dials back to back, and a read often brings several. Each
    # would be a UserAction("digits") to the same line for the same call, queued one after
    # the other in the line's mailbox (nothing else can come between them: the phone tells
    # them in one turn) and handled digit by digit by LineCalls.digits, which takes a string
    # of them the same way. So while a read's messages are handled (PhoneActor, ReceivedMany)
    # the digits of the plain dialling case are joined and told as one message, before any
    # other message of that read is handled and at its end.
    def collect_digits(self) -> None:
        self._digit_run = []

    def flush_digits(self) -> None:
        run = self._digit_run
        if run:
            self._digit_run = []
            self._to_line(run[0], "digits", digits=run[1])

    def end_digits(self) -> None:
        self.flush_digits()
        self._digit_run = None

    def _tell_digits(self, call_id: int, digits: str) -> None:
        run = self._digit_run
        if run is None:
            self._to_line(call_id, "digits", digits=digits)
        elif run and run[0] == call_id:
            run[1] += digits
        else:
            self.flush_digits()
            self._digit_run = [call_id, digits]

    def _dial(self, digits: str, line_instance: int, callref: int) -> None:
        target = self._find("initiated", "dialing", callref=callref) if self._forwarding is None else None
        if target is not None:  # the plain case: digits for the call being dialled
            self.dialed[target] = self.dialed.get(target, "") + digits
            self._tell_digits(target, digits)
            return
        self.flush_digits()  # any other case tells (or decides) in order, as each came
        if self._forwarding is not None:
            self._collect_forward(digits)
            return
        # here no call is being dialled
        if PHONE_MODE.allows(self.mode, "type_ahead"):
            self._pending_digits += digits  # for the consultation call asked for, once it is here
            return
        in_call = self._find("connected", callref=callref)
        if in_call is not None and self._starting is None:
            self._to_line(in_call, "digits", digits=digits)  # DTMF for the far end
            return
        if self._active() is not None and self._starting is None:
            return
        if not self._new_call(line_instance, speaker=True):
            return
        # The line handles the off-hook first (mailbox order), then these digits.
        self._pending_digits += digits
        self.switch.tell_line(self._starting, c.UserAction(self.device, "digits", 0, digits=digits))

    def keypad(self, m: KeypadButtonMessage) -> None:
        digit = keypad_digit(m.button)
        if digit == "?":
            self.log.info("keypad button {button} from {device} ignored", button=m.button, device=self.device)
            return
        self._dial(digit, m.line_instance, m.call_reference)

    def enbloc(self, m: EnblocCallMessage) -> None:
        digits = "".join(ch for ch in m.called_party if ch in "0123456789*#")
        if digits:
            self._dial(digits + "#", m.line_instance, 0)

    def softkey(self, m: SoftKeyEventMessage) -> None:
        event, ref = m.soft_key_event, m.call_reference
        if self._forwarding is not None and event == SoftKeyEvent.END_CALL:
            self._end_forward(None)
            return
        if event == SoftKeyEvent.NEW_CALL:
            if self._active() is None:
                self._new_call(m.line_instance, speaker=True)
        elif event == SoftKeyEvent.END_CALL:
            # The on-hold soft key set offers EndCall: a held call the phone names ends too.
            held = ref in self.calls and self.calls[ref][1] == "hold"
            target = ref if held else self._active(ref)
            if target is not None:
                self._to_line(target, "onhook")
        elif event == SoftKeyEvent.ANSWER:
            target = self._find("alerting", callref=ref)
            if target is not None:
                self._to_line(target, "answer")
        elif event == SoftKeyEvent.HOLD:
            target = self._find("connected", callref=ref)
            if target is not None:
                self._to_line(target, "hold")
        elif event == SoftKeyEvent.RESUME:
            target = self._find("hold", callref=ref)
            if target is not None and self._active() is None:
                self._to_line(target, "resume")
        elif event == SoftKeyEvent.TRANSFER:
            self._transfer_key(ref)
        elif event == SoftKeyEvent.CFWD_ALL:
            self._cfwd_all(m.line_instance)
        elif event == softkeys.DND_EVENT:
            self._toggle_dnd()
        elif event == SoftKeyEvent.REDIAL:
            if self.last_dialed and self._active() is None:
                self._dial(self.last_dialed + "#", m.line_instance, 0)
        else:
            self.log.info("soft key {event} from {device} is not supported yet", event=int(event), device=self.device)

    # -- forward all and DND from the soft keys ----------------------------------------------
    def _cfwd_all(self, line_instance: int) -> None:
        """CFwdAll: cancels an active forward, else collects the number (ended by '#',
        CFwdAll again, or a complete DN number)."""
        if self._forwarding is not None:
            self._end_forward(self._forward_digits or None)
            return
        dn_tag = self._dn_for(line_instance)
        if dn_tag is None or self._active() is not None:
            return
        dn = self.config.ephone_dns.get(dn_tag)
        if dn is not None and dn.call_forward_all:
            self.switch.tell_line(dn_tag, c.SetForward(None))
            return
        line = line_instance or 1
        if not self._mode("collect_forward"):
            return
        self._forwarding, self._forward_digits = (dn_tag, line), ""
        self.link.send_all(show.forward_prompt(line))

    def _collect_forward(self, digits: str) -> None:
        for digit in digits:
            if digit == "#":
                self._end_forward(self._forward_digits or None)
                return
            self._forward_digits += digit
            target, longer = self.switch.route(self._forward_digits)
            if target is not None and not longer:
                self._end_forward(self._forward_digits)
                return

    def _end_forward(self, number: str | None) -> None:
        if self._forwarding is None:
            return
        dn_tag, line = self._forwarding
        self._forwarding, self._forward_digits = None, ""
        self._mode("number_done")
        blind, self._blind = self._blind, None
        if self.link is not None:
            self.link.send_all(show.forward_prompt_done(line))
        if blind is not None:
            if number:
                self.switch.tell_line(dn_tag, c.BlindTransfer(blind, number))
        elif number:
            self.switch.tell_line(dn_tag, c.SetForward(number))

    # -- transfer -------------------------------------------------------------------------
    def _transfer_key(self, callref: int) -> None:
        """Trnsfer: the first press holds the call and starts a consultation call (with
        `transfer-system full-consult`, on the DN's free instance or another idle line of
        this phone), or asks for a number (blind); the second press, on the consultation
        call, completes the transfer."""
        consult = self._find("originated", "connected", callref=callref)
        if consult in self._consults:
            held = self._consults.pop(consult)
            if held in self.calls:
                held_tag, consult_tag = self.calls[held][0], self.calls[consult][0]
                self.switch.tell_line(held_tag, c.Transfer(held, consult_tag, consult))
            return
        if self._forwarding is not None:
            self._end_forward(self._forward_digits or None)
            return
        target = self._find("connected", callref=callref)
        if target is None:
            return
        dn_tag, _ = self.calls[target]
        self._to_line(target, "hold")
        if self._full_consult() and self._mode("consult"):
            # The lines decide which of them has room: this DN's free instance, else
            # another idle line of this phone (ConsultOn goes from one to the next).
            others = tuple(b.dn_tag for b in self.lines if b.dn_tag != dn_tag)
            self.switch.tell_line(dn_tag, c.ConsultOn(self.device, target, others, own=True))
            return
        self._ask_transfer_number(target, dn_tag)

    def _ask_transfer_number(self, held: int, dn_tag: int) -> None:
        """Blind transfer: the held call goes to the number the user types next."""
        line = self._line_instance_of(dn_tag)
        if not self._mode("collect_transfer"):
            return
        self._blind, self._forwarding, self._forward_digits = held, (dn_tag, line), ""
        if self.link is not None:
            self.link.send_all(show.transfer_prompt(line))

    def consulting(self, m: c.Consulting) -> None:
        """A consultation call started (Trnsfer here, or CTI's ConsultationCall): the
        Transfer key pressed on it completes the transfer."""
        self._consults[m.consult_call] = m.held_call
        if PHONE_MODE.allows(self.mode, "consult_started"):  # our Trnsfer asked for it
            self._mode("consult_started")
            digits, self._pending_digits = self._pending_digits, ""
            if digits and m.consult_call in self.calls:  # typed before the call was here
                self.dialed[m.consult_call] = self.dialed.get(m.consult_call, "") + digits
                self._to_line(m.consult_call, "digits", digits=digits)

    def no_consult_line(self, m: c.NoConsultLine) -> None:
        """No line had room for a consultation call: ask for a number instead (blind)."""
        digits, self._pending_digits = self._pending_digits, ""
        if self._mode("no_consult_line") and m.held_call in self.calls:
            self._ask_transfer_number(m.held_call, self.calls[m.held_call][0])
            if digits and self._forwarding is not None:
                self._collect_forward(digits)  # typed ahead: the start of the number

    def _full_consult(self) -> bool:
        return self.config.telephony.transfer_system in ("full-consult", "local-consult")

    def _line_instance_of(self, dn_tag: int) -> int:
        return next((b.instance for b in self.lines if b.dn_tag == dn_tag), 1)

    def _toggle_dnd(self) -> None:
        dns = [self.config.ephone_dns.get(b.dn_tag) for b in self.lines]
        dns = [dn for dn in dns if dn is not None]
        if not dns:
            return
        on = not dns[0].do_not_disturb
        for dn in dns:
            self.switch.tell_line(dn.tag, c.SetDnd(on))

    def stimulus(self, m: StimulusMessage) -> None:
        self.log.debug("stimulus {stimulus} {instance} from {device}", stimulus=int(m.stimulus), instance=m.stimulus_instance, device=self.device)

    def media_ack(self, m: OpenReceiveChannelAckMessage) -> None:
        if m.call_reference in self.calls and m.status == 0:
            dn_tag, _ = self.calls[m.call_reference]
            self.switch.tell_line(dn_tag, c.MediaOpened(self.device, m.call_reference, _ip_text(m.ip_address), m.port))


_ip_text = lru_cache(maxsize=4096)(str)
"""An IPv4Address's text, made once per address (the same few phones, every call)."""
