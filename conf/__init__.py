"""The IOS configuration language of CME CTI: parse, check and render configurations.

    result = load_file("conf/cme.cfg")        # LoadResult(config, findings)
    text = render(result.config)              # show running-config
"""

from conf.findings import Finding
from conf.load import MAX_CONFIG_BYTES, ConfigError, LoadResult, load_file, parse_bytes, parse_text
from conf.model import (Account, Button, Config, DialPeer, Ephone, EphoneDn, EphoneDnTemplate, LogoutProfile,
                        ProfileNumber, RegisterGlobal, RouterBlock, SessionServer, SessionTarget, SipUa, Snr,
                        Telephony, TftpFile, UserProfile, VoiceClassCodec, Voip, XmlUser)
from conf.render import render

__all__ = [
    "Account", "Button", "Config", "ConfigError", "DialPeer", "Ephone", "EphoneDn", "EphoneDnTemplate", "Finding",
    "LoadResult", "LogoutProfile", "MAX_CONFIG_BYTES", "ProfileNumber", "RegisterGlobal", "RouterBlock",
    "SessionServer", "SessionTarget", "SipUa", "Snr", "Telephony", "TftpFile", "UserProfile", "VoiceClassCodec", "Voip",
    "XmlUser", "load_file", "parse_bytes",
    "parse_text", "render",
]
