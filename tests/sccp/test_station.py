"""The virtual station, sans-I/O: hand-built server messages in, state and replies out."""
from ipaddress import IPv4Address

import pytest

from sccp import messages as m
from sccp.enums import (CallState, CallType, Codec, DeviceType, LampMode, RingMode,
                        SoftKeyEvent, SoftKeySetIndex, SpeakerMode, Stimulus, Tone)
from sccp.framing import Decoder, encode
from sccp.station import Registration, Station

LINE, SPEED = Stimulus.LINE, Stimulus.SPEED_DIAL


def names(messages):
    return [msg.name for msg in messages]


def feed(station, *messages):
    """Apply server messages through the wire (encode, decode) and collect the replies."""
    replies = []
    for msg in Decoder().feed(b"".join(encode(x) for x in messages)):
        replies += station.receive(msg)
    return replies


def registered_station(lines=(("201", "Alice"),), **kwargs):
    station = Station("SEP001E4A34A35F", **kwargs)
    station.registration_messages()
    buttons = tuple(m.Button(i, LINE) for i in range(1, len(lines) + 1))
    feed(station, m.RegisterAckMessage(keep_alive_interval=30), m.CapabilitiesReqMessage(),
         m.ButtonTemplateResMessage(0, len(buttons), len(buttons), buttons),
         *(m.LineStatResMessage(i, number, name, number)
           for i, (number, name) in enumerate(lines, start=1)))
    assert station.registered
    return station


def test_register_carries_name_address_type_and_protocol():
    station = Station("SEP000F8FC7B681", DeviceType.CISCO_7960, ip="10.1.2.3")
    [register] = station.registration_messages()
    wire = Decoder().feed(encode(register))[0]
    assert wire == register
    assert (wire.device_name, wire.station_ip, wire.device_type) == (
        "SEP000F8FC7B681", IPv4Address("10.1.2.3"), DeviceType.CISCO_7960)
    assert wire.protocol_version == 11 and wire.max_streams > 0
    assert station.registration is Registration.REGISTERING


def test_scripted_registration_conversation():
    """The phone's side of sccp.md's registration sequence, message by message."""
    station = Station("SEP001E4A34A35F")
    assert names(station.registration_messages()) == ["Register"]
    assert feed(station, m.RegisterAckMessage(keep_alive_interval=20)) == []
    assert station.keepalive_interval == 20
    assert not station.registered
    replies = feed(station, m.CapabilitiesReqMessage())
    assert names(replies) == ["CapabilitiesRes", "ButtonTemplateReq"]
    caps = replies[0]
    assert caps.cap_count == 3
    assert [c.payload_capability for c in caps.capabilities] == [
        Codec.G711_ULAW, Codec.G711_ALAW, Codec.G729]
    template = m.ButtonTemplateResMessage(0, 4, 4, (
        m.Button(1, LINE), m.Button(2, LINE), m.Button(1, SPEED),
        m.Button(1, Stimulus.DO_NOT_DISTURB)))
    replies = feed(station, template)
    assert names(replies) == [
        "SoftKeyTemplateReq", "SoftKeySetReq", "LineStatReq", "ForwardStatReq",
        "LineStatReq", "ForwardStatReq", "SpeedDialStatReq", "FeatureStatReq",
        "ConfigStatReq", "RegisterAvailableLines", "TimeDateReq"]
    assert [r.line_number for r in replies if r.name == "LineStatReq"] == [1, 2]
    assert replies[6].speed_dial_number == 1 and replies[7].feature_index == 4
    assert replies[9].max_num_of_avail_lines == 2
    assert feed(station, m.LineStatResMessage(1, "201", "Alice", "201")) == []
    assert not station.registered  # line 2 still unanswered
    assert feed(station, m.ForwardStatResMessage(1, 2, 1, "300"),
                m.SpeedDialStatResMessage(1, "555", "Pizza"),
                m.FeatureStatResMessage(4, 0x82, "DND", 2),
                m.SoftKeyTemplateResMessage(0, 1, 1, (m.SoftKeyDefinition("\x80\x01", 1),)),
                m.SoftKeySetResMessage(0, 1, 1, (m.SoftKeySet((1,), (0,)),)),
                m.SelectSoftKeysMessage(0, 0, SoftKeySetIndex.ON_HOOK),
                m.DisplayPromptStatusMessage(0, "Your current options"),
                m.ConfigStatResMessage("SEP001E4A34A35F", number_of_lines=2),
                m.DefineTimeDateMessage(2024, 5, 3, 17),
                m.LineStatResMessage(2, "202", "Bob", "two")) == []
    assert station.registered
    assert station.lines[1].number == "201" and station.lines[2].label == "two"
    assert station.lines[2].forward_all == "300" and station.lines[1].forward_all == ""
    assert station.speed_dials == {1: ("555", "Pizza")}
    assert station.features == {4: ("DND", 2)}
    assert station.softkey_template[0].event == SoftKeyEvent.REDIAL
    assert station.softkey_sets[0].template_index == (1,)
    assert station.selected_softkeys[(0, 0)] == SoftKeySetIndex.ON_HOOK
    assert station.prompt == "Your current options"
    assert station.config.number_of_lines == 2 and station.time.year == 2024


def test_registered_needs_ack_template_and_every_line():
    station = Station("SEP1")
    station.registration_messages()
    feed(station, m.ButtonTemplateResMessage(0, 1, 1, (m.Button(1, LINE),)),
         m.LineStatResMessage(1, "201"))
    assert not station.registered  # no RegisterAck yet
    feed(station, m.RegisterAckMessage())
    assert station.registered


def test_phone_without_lines_is_registered_on_its_template():
    station = Station("SEP1")
    station.registration_messages()
    feed(station, m.RegisterAckMessage(), m.ButtonTemplateResMessage(0, 0, 0, ()))
    assert station.registered and station.lines == {}


def test_button_template_in_pieces():
    station = Station("SEP1")
    station.registration_messages()
    feed(station, m.RegisterAckMessage())
    first = feed(station, m.ButtonTemplateResMessage(0, 1, 2, (m.Button(1, LINE),)))
    assert first == []
    rest = feed(station, m.ButtonTemplateResMessage(1, 1, 2, (m.Button(2, LINE),)))
    assert [r.line_number for r in rest if r.name == "LineStatReq"] == [1, 2]
    assert [b.instance for b in station.buttons] == [1, 2]


def test_button_template_requested_once():
    station = Station("SEP1")
    station.registration_messages()
    assert names(feed(station, m.CapabilitiesReqMessage())) == ["CapabilitiesRes", "ButtonTemplateReq"]
    assert names(feed(station, m.CapabilitiesReqMessage())) == ["CapabilitiesRes"]


def test_register_reject_keeps_the_text():
    station = Station("SEP1")
    station.registration_messages()
    feed(station, m.RegisterRejectMessage("Unknown device SEP1"))
    assert station.registration is Registration.REJECTED
    assert station.reject_text == "Unknown device SEP1"


def test_keepalive_and_unregister():
    station = registered_station()
    assert names(station.keepalive() + station.keepalive()) == ["KeepAlive", "KeepAlive"]
    feed(station, m.KeepAliveAckMessage())
    assert (station.keepalives_sent, station.keepalive_acks) == (2, 1)
    assert names(station.unregister()) == ["Unregister"]
    assert station.registration is Registration.UNREGISTERING
    feed(station, m.UnregisterAckMessage())
    assert station.registration is Registration.UNREGISTERED


def test_incoming_call_rings_then_answers_with_softkey():
    station = registered_station()
    feed(station, m.CallStateMessage(CallState.RING_IN, 1, 77),
         m.SelectSoftKeysMessage(1, 77, SoftKeySetIndex.RING_IN),
         m.CallInfoMessage("Bob", "202", "Alice", "201", 1, 77, CallType.INBOUND),
         m.SetLampMessage(LINE, 1, LampMode.BLINK), m.SetRingerMessage(RingMode.INSIDE))
    assert station.ringing() and station.ringing(1) and not station.ringing(2)
    assert not station.in_call()
    call = station.calls()[(1, 77)]
    assert (call.calling, call.calling_name, call.called, call.call_type) == (
        "202", "Bob", "201", CallType.INBOUND)
    assert call.softkey_set == SoftKeySetIndex.RING_IN
    assert station.lamps[(LINE, 1)] == LampMode.BLINK and station.ringer == RingMode.INSIDE
    [answer] = station.answer()
    assert (answer.soft_key_event, answer.line_instance, answer.call_reference) == (
        SoftKeyEvent.ANSWER, 1, 77)
    replies = feed(station, m.SetRingerMessage(RingMode.OFF), m.SetLampMessage(LINE, 1, LampMode.ON),
                   m.CallStateMessage(CallState.OFF_HOOK, 1, 77), m.ActivateCallPlaneMessage(1),
                   m.OpenReceiveChannelMessage(1, 99, 20, Codec.G711_ULAW, call_reference=77),
                   m.CallStateMessage(CallState.CONNECTED, 1, 77),
                   m.StartMediaTransmissionMessage(1, 99, IPv4Address("10.0.0.9"), 20000,
                                                   call_reference=77))
    [ack] = replies
    assert ack.name == "OpenReceiveChannelAck"
    assert (ack.ip_address, ack.port, ack.pass_thru_party_id, ack.call_reference) == (
        IPv4Address("127.0.0.1"), 16384, 99, 77)
    assert station.in_call() and not station.ringing()
    assert station.call_state(1, 77) == CallState.CONNECTED and station.call_plane == 1
    assert station.receive_channels[(77, 99)].codec == Codec.G711_ULAW
    tx = station.transmissions[(77, 99)]
    assert (tx.remote_ip, tx.remote_port) == (IPv4Address("10.0.0.9"), 20000)


def test_off_hook_answers_a_ringing_call():
    station = registered_station()
    feed(station, m.CallStateMessage(CallState.RING_IN, 1, 5))
    assert station.off_hook() == [m.OffHookMessage(1, 5)]


def test_answer_when_nothing_rings_goes_off_hook():
    station = registered_station()
    assert station.answer() == [m.OffHookMessage(1, 0)]


def test_outgoing_call_dial_tone_digits_ringback():
    station = registered_station(rtp_port=20000, ip="10.9.8.7")
    assert station.off_hook() == [m.OffHookMessage(1, 0)]
    assert station.hook_off
    feed(station, m.SetLampMessage(LINE, 1, LampMode.ON), m.CallStateMessage(CallState.OFF_HOOK, 1, 3),
         m.SelectSoftKeysMessage(1, 3, SoftKeySetIndex.OFF_HOOK), m.ActivateCallPlaneMessage(1),
         m.StartToneMessage(Tone.INSIDE_DIAL, 0, 1, 3))
    assert station.tones == {(1, 3): Tone.INSIDE_DIAL}
    keys = station.dial("20*#")
    assert [(k.button, k.line_instance, k.call_reference) for k in keys] == [
        (2, 1, 3), (0, 1, 3), (14, 1, 3), (15, 1, 3)]
    feed(station, m.StopToneMessage(1, 3), m.CallStateMessage(CallState.PROCEED, 1, 3),
         m.DialedNumberMessage("202", 1, 3),
         m.CallInfoMessage("Alice", "201", "Bob", "202", 1, 3, CallType.OUTBOUND),
         m.StartToneMessage(Tone.ALERTING, 0, 1, 3), m.CallStateMessage(CallState.RING_OUT, 1, 3))
    assert station.tones == {(1, 3): Tone.ALERTING}
    assert station.dialed == "202" and station.calls()[(1, 3)].dialed == "202"
    assert station.call_state(1, 3) == CallState.RING_OUT
    [ack] = feed(station, m.OpenReceiveChannelMessage(1, 4, call_reference=3))
    assert (ack.ip_address, ack.port) == (IPv4Address("10.9.8.7"), 20000)
    assert station.enbloc("203") == [m.EnblocCallMessage("203", 1)]


def test_second_line_is_selected_before_going_off_hook():
    station = registered_station(lines=(("201", "A"), ("202", "B")))
    assert station.off_hook(line=2) == [m.StimulusMessage(LINE, 2, 0), m.OffHookMessage(2, 0)]


def test_hold_resume_and_end_call_act_on_the_right_call():
    station = registered_station()
    feed(station, m.CallStateMessage(CallState.CONNECTED, 1, 8))
    assert station.hold() == [m.SoftKeyEventMessage(SoftKeyEvent.HOLD, 1, 8)]
    feed(station, m.CloseReceiveChannelMessage(1, 2, 8), m.StopMediaTransmissionMessage(1, 2, 8),
         m.CallStateMessage(CallState.HOLD, 1, 8), m.SetLampMessage(LINE, 1, LampMode.WINK))
    assert station.resume() == [m.SoftKeyEventMessage(SoftKeyEvent.RESUME, 1, 8)]
    assert not station.in_call() and station.call_state(1, 8) == CallState.HOLD
    feed(station, m.CallStateMessage(CallState.CONNECTED, 1, 8))
    assert station.end_call() == [m.SoftKeyEventMessage(SoftKeyEvent.END_CALL, 1, 8)]
    assert station.on_hook() == [m.OnHookMessage(1, 8)]


def test_resume_with_nothing_held_sends_nothing():
    assert registered_station().resume() == []


def test_hang_up_clears_the_call_and_media():
    station = registered_station()
    feed(station, m.CallStateMessage(CallState.CONNECTED, 1, 9),
         m.OpenReceiveChannelMessage(1, 30, call_reference=9),
         m.StartMediaTransmissionMessage(1, 30, IPv4Address("10.0.0.2"), 4000, call_reference=9),
         m.DisplayPromptStatusMessage(10, "Connected", 1, 9), m.SetSpeakerModeMessage(SpeakerMode.ON))
    assert station.prompt == "Connected" and station.speaker == SpeakerMode.ON
    feed(station, m.StopToneMessage(1, 9), m.SetLampMessage(LINE, 1, LampMode.OFF),
         m.ClearPromptStatusMessage(1, 9), m.CloseReceiveChannelMessage(1, 30, 9),
         m.StopMediaTransmissionMessage(1, 30, 9), m.CallStateMessage(CallState.ON_HOOK, 1, 9),
         m.SelectSoftKeysMessage(1, 9, SoftKeySetIndex.ON_HOOK),
         m.SetSpeakerModeMessage(SpeakerMode.OFF), m.DeactivateCallPlaneMessage())
    assert station.calls() == {} and station.call_state(1, 9) == CallState.ON_HOOK
    assert station.receive_channels == {} and station.transmissions == {}
    assert station.prompt == "" and station.call_plane is None
    assert station.lamps[(LINE, 1)] == LampMode.OFF and station.speaker == SpeakerMode.OFF
    assert station.ended[-1].callref == 9


def test_short_media_stops_match_by_party_id():
    """CallManager 4.1's short forms carry no callReference."""
    station = registered_station()
    feed(station, m.OpenReceiveChannelMessage(1, 30, call_reference=9),
         m.StartMediaTransmissionMessage(1, 30, IPv4Address("10.0.0.2"), 4000, call_reference=9))
    station.receive(m.CloseReceiveChannelMessage(1, 30))
    station.receive(m.StopMediaTransmissionMessage(1, 30))
    assert station.receive_channels == {} and station.transmissions == {}


def test_notify_prinotify_and_clear():
    station = registered_station()
    feed(station, m.DisplayNotifyMessage(5, "Line busy"))
    assert station.notify == "Line busy"
    feed(station, m.DisplayPriNotifyMessage(0, 1, "Urgent"))
    assert station.notify == "Urgent"
    feed(station, m.ClearNotifyMessage())
    assert station.notify == ""


def test_message_waiting_lamp_and_version_and_reset():
    station = registered_station()
    feed(station, m.SetLampMessage(Stimulus.VOICEMAIL, 0, LampMode.ON), m.VersionResMessage("P00308000500"),
         m.ResetMessage(2))
    assert station.lamps[(Stimulus.VOICEMAIL, 0)] == LampMode.ON
    assert station.version == "P00308000500" and station.reset == 2


def test_statistics_request_is_answered():
    station = registered_station()
    [res] = feed(station, m.ConnectionStatisticsReqMessage("201", 9, 0))
    assert (res.name, res.directory_number, res.call_reference) == ("ConnectionStatisticsRes", "201", 9)


def test_unknown_and_phone_side_messages_change_nothing():
    station = registered_station()
    before = (station.registration, dict(station.lamps), station.calls())
    assert station.receive(m.RawMessage(0x0999, 0, b"x")) == []
    assert station.receive(m.KeepAliveMessage()) == []
    assert (station.registration, dict(station.lamps), station.calls()) == before
    assert len(station.unhandled) == 2


def test_disconnect_ends_calls():
    station = registered_station()
    feed(station, m.CallStateMessage(CallState.CONNECTED, 1, 4))
    station.disconnected()
    assert station.registration is Registration.DISCONNECTED
    assert station.calls() == {} and station.call_state(1, 4) == CallState.ON_HOOK


def test_softkey_and_stimulus_defaults():
    station = registered_station()
    assert station.softkey(SoftKeyEvent.NEW_CALL) == [m.SoftKeyEventMessage(SoftKeyEvent.NEW_CALL, 1, 0)]
    assert station.softkey(SoftKeyEvent.REDIAL, 2, 5) == [m.SoftKeyEventMessage(SoftKeyEvent.REDIAL, 2, 5)]
    assert station.stimulus(Stimulus.HOLD, 1, 6) == [m.StimulusMessage(Stimulus.HOLD, 1, 6)]


def test_dial_rejects_a_character_with_no_key():
    with pytest.raises(ValueError):
        registered_station().dial("12x")


def test_rejected_phone_stays_rejected_when_the_server_closes():
    station = Station("SEP1")
    station.registration_messages()
    feed(station, m.RegisterRejectMessage("max-ephones reached"))
    station.disconnected()
    assert station.registration is Registration.REJECTED
    assert station.reject_text == "max-ephones reached"
