"""Device set-up after registration: button and softkey templates, line, speed-dial,
forward and feature status, configuration, time and version (sccp.md tables).

A phone asks for each of these while it shows "Requesting ..." and waits for every answer.
"""
from typing import Annotated

from sccp.enums import SoftKeyEvent, Stimulus
from sccp.fields import C16, C24, C40, U8, U32, Array, u8, u16, u32
from sccp.message import Message, Record, message, record


@message(0x0009)
class ForwardStatReqMessage(Message):
    line_number: U32 = 0


@message(0x000A)
class SpeedDialStatReqMessage(Message):
    speed_dial_number: U32 = 0


@message(0x000B)
class LineStatReqMessage(Message):
    line_number: U32 = 0


@message(0x000C)
class ConfigStatReqMessage(Message):
    pass


@message(0x000D)
class TimeDateReqMessage(Message):
    pass


@message(0x000E)
class ButtonTemplateReqMessage(Message):
    pass


@message(0x000F)
class VersionReqMessage(Message):
    pass


@message(0x0025)
class SoftKeySetReqMessage(Message):
    pass


@message(0x0028)
class SoftKeyTemplateReqMessage(Message):
    pass


@message(0x0034, optional=("feature_capabilities",))
class FeatureStatReqMessage(Message):
    feature_index: U32 = 0
    feature_capabilities: U32 = 0  # not in Wireshark 4.0's layout, so may be absent


@message(0x0090)
class ForwardStatResMessage(Message):
    active_forward: U32 = 0
    line_number: U32 = 0
    forward_all_active: U32 = 0
    forward_all_number: C24 = ""
    forward_busy_active: U32 = 0
    forward_busy_number: C24 = ""
    forward_no_answer_active: U32 = 0
    forward_no_answer_number: C24 = ""


@message(0x0091)
class SpeedDialStatResMessage(Message):
    speed_dial_number: U32 = 0
    directory_number: C24 = ""
    display_name: C40 = ""


@message(0x0092)
class LineStatResMessage(Message):
    line_number: U32 = 0
    directory_number: C24 = ""
    fully_qualified_name: C40 = ""
    text_label: C40 = ""
    display_options: U32 = 0


@message(0x0093)
class ConfigStatResMessage(Message):
    device_name: C16 = ""
    user_id: U32 = 0
    instance: U32 = 0
    user_name: C40 = ""
    server_name: C40 = ""
    number_of_lines: U32 = 0
    number_of_speed_dials: U32 = 0


@message(0x0094)
class DefineTimeDateMessage(Message):
    year: U32 = 0
    month: U32 = 0  # 1-12
    day_of_week: U32 = 0  # 0 = Sunday
    day: U32 = 0
    hour: U32 = 0
    minute: U32 = 0
    second: U32 = 0
    milliseconds: U32 = 0
    system_time: U32 = 0  # unix seconds


@record
class Button(Record):
    instance: U8 = 0
    definition: Annotated[Stimulus, u8(Stimulus)] = Stimulus.UNDEFINED  # (0, 0xFF) = unused


@message(0x0097)
class ButtonTemplateResMessage(Message):
    button_offset: U32 = 0
    button_count: U32 = 0
    total_button_count: U32 = 0
    buttons: Annotated[tuple[Button, ...], Array(Button, 42)] = ()


@message(0x0098)
class VersionResMessage(Message):
    version: C16 = ""


@record
class SoftKeyDefinition(Record):
    label: C16 = ""  # "\x80" + a label code, or plain text
    event: Annotated[SoftKeyEvent, u32(SoftKeyEvent)] = 0


@message(0x0108)
class SoftKeyTemplateResMessage(Message):
    soft_key_offset: U32 = 0
    soft_key_count: U32 = 0
    total_soft_key_count: U32 = 0
    definitions: Annotated[tuple[SoftKeyDefinition, ...], Array(SoftKeyDefinition, 32)] = ()


@record
class SoftKeySet(Record):
    template_index: Annotated[tuple[int, ...], Array(u8(), 16)] = ()  # 1-based into the template
    info_index: Annotated[tuple[int, ...], Array(u16(), 16)] = ()


@message(0x0109)
class SoftKeySetResMessage(Message):
    soft_key_set_offset: U32 = 0
    soft_key_set_count: U32 = 0
    total_soft_key_set_count: U32 = 0
    sets: Annotated[tuple[SoftKeySet, ...], Array(SoftKeySet, 16)] = ()


@message(0x011F)
class FeatureStatResMessage(Message):
    """Not in sccp.md's table, but its sequences answer every FeatureStatReq with one."""

    feature_index: U32 = 0
    feature_id: U32 = 0
    text_label: C40 = ""
    feature_status: U32 = 0
