"""Every SCCP message the codec knows, in one namespace.

Importing this module registers all of them (the registry is :data:`MESSAGES`); the
classes live in modules named after their domain: :mod:`sccp.registration`,
:mod:`sccp.device`, :mod:`sccp.callcontrol`, :mod:`sccp.media`. Class names are the names
in sccp.md with Wireshark's ``Message`` suffix (``RegisterMessage``, ``CallStateMessage``).
"""
from sccp.callcontrol import (ActivateCallPlaneMessage, CallInfoMessage, CallStateMessage,
                              ClearNotifyMessage, ClearPromptStatusMessage,
                              DeactivateCallPlaneMessage, DialedNumberMessage,
                              DisplayNotifyMessage, DisplayPriNotifyMessage,
                              DisplayPromptStatusMessage, EnblocCallMessage,
                              HeadsetStatusMessage, KeypadButtonMessage, OffHookMessage,
                              OnHookMessage, SelectSoftKeysMessage, SetLampMessage,
                              SetRingerMessage, SetSpeakerModeMessage, SoftKeyEventMessage,
                              StartToneMessage, StimulusMessage, StopToneMessage)
from sccp.device import (Button, ButtonTemplateReqMessage, ButtonTemplateResMessage,
                         ConfigStatReqMessage, ConfigStatResMessage, DefineTimeDateMessage,
                         FeatureStatReqMessage, FeatureStatResMessage, ForwardStatReqMessage,
                         ForwardStatResMessage, LineStatReqMessage, LineStatResMessage,
                         SoftKeyDefinition, SoftKeySet, SoftKeySetReqMessage,
                         SoftKeySetResMessage, SoftKeyTemplateReqMessage,
                         SoftKeyTemplateResMessage, SpeedDialStatReqMessage,
                         SpeedDialStatResMessage, TimeDateReqMessage, VersionReqMessage,
                         VersionResMessage)
from sccp.media import (CloseReceiveChannelMessage, ConnectionStatisticsReqMessage,
                        ConnectionStatisticsResMessage, IpPortMessage, KeyInfo,
                        OpenReceiveChannelAckMessage, OpenReceiveChannelMessage,
                        StartMediaTransmissionMessage, StopMediaTransmissionMessage)
from sccp.message import (MESSAGES, MalformedMessage, Message, RawMessage, Record,
                          decode_message)
from sccp.registration import (AlarmMessage, Capability, CapabilitiesReqMessage,
                               CapabilitiesResMessage, KeepAliveAckMessage, KeepAliveMessage,
                               RegisterAckMessage, RegisterAvailableLinesMessage,
                               RegisterMessage, RegisterRejectMessage, ResetMessage,
                               UnregisterAckMessage, UnregisterMessage)

# Direction of each message, from the two tables of sccp.md.
PHONE_TO_SERVER = frozenset(cls for cls in MESSAGES.values() if cls.message_id < 0x0080)
SERVER_TO_PHONE = frozenset(cls for cls in MESSAGES.values() if cls.message_id >= 0x0080)

__all__ = [name for name in dir() if name.endswith("Message")] + [
    "MESSAGES", "PHONE_TO_SERVER", "SERVER_TO_PHONE", "Button", "Capability", "KeyInfo",
    "Record", "SoftKeyDefinition", "SoftKeySet", "decode_message"]
