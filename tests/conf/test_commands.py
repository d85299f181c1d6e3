"""Every CME command of the table: what it sets, its `no` form, its range and default,
and that it renders back to a line that parses to the same value."""

import ipaddress

import pytest

from conf import ProfileNumber, TftpFile, XmlUser, render
from conf.model import Config, SessionTarget, Snr, Telephony, Voip

from .helpers import messages, parse

DN = "ephone-dn 1\nnumber 201\n"
FIRMWARE = "tftp-server flash:P00308000500.loads\ntftp-server flash:SCCP41.8-5-4S.loads\ntelephony-service"
ROUTED = "dial-peer voice 100 voip\nsession target ipv4:192.0.2.10"  # a pattern alone is a warning

# (sub-mode entry, the command, the line that undoes it, what it sets, value, default)
CASES = [
    # voice service voip
    ("voice service voip", "allow-connections sip to sip", "no allow-connections sip to sip",
     lambda c: c.voip.allow_connections, {("sip", "sip")}, set()),
    ("voice service voip", "allow-connections h323 to sip", "no allow-connections h323 to sip",
     lambda c: c.voip.allow_connections, {("h323", "sip")}, set()),
    ("voice service voip", "no supplementary-service sip moved-temporarily",
     "supplementary-service sip moved-temporarily", lambda c: c.voip.moved_temporarily, False, True),
    ("voice service voip", "no supplementary-service sip refer", "supplementary-service sip refer",
     lambda c: c.voip.refer, False, True),
    ("voice service voip", "no cti shutdown", "cti shutdown", lambda c: c.voip.cti_shutdown, False, True),
    ("voice service voip", "callmonitor", "no callmonitor", lambda c: c.voip.callmonitor, True, False),
    ("voice service voip", "gcid", "no gcid", lambda c: c.voip.gcid, True, False),
    ("voice service voip", "cti csta mode basic", "no cti csta mode basic",
     lambda c: c.voip.csta_mode_basic, True, False),
    ("voice service voip", "cti message device-id suppress-conversion",
     "no cti message device-id suppress-conversion", lambda c: c.voip.suppress_conversion, True, False),
    ("voice service voip", "cti max-monitors per-session 50", "no cti max-monitors per-session",
     lambda c: c.voip.cti_max_monitors_session, 50, 1000),
    ("voice service voip", "cti max-monitors total 5000", "no cti max-monitors total 5000",
     lambda c: c.voip.cti_max_monitors_total, 5000, 20000),
    ("voice service voip\nsip", "registrar server", "no registrar server",
     lambda c: (c.voip.registrar, c.voip.registrar_expires_max, c.voip.registrar_expires_min),
     (True, 3600, 60), (False, 3600, 60)),
    ("voice service voip\nsip", "registrar server expires max 600 min 120", "no registrar server expires",
     lambda c: (c.voip.registrar, c.voip.registrar_expires_max, c.voip.registrar_expires_min),
     (True, 600, 120), (False, 3600, 60)),
    ("voice service voip\nsip", "registrar server expires max 86400", "no registrar server",
     lambda c: c.voip.registrar_expires_max, 86400, 3600),
    # voice register global
    ("voice register global", "mode cme", "no mode", lambda c: c.register_global.mode, "cme", None),
    ("voice register global", "source-address 127.0.0.1 port 5070", "no source-address",
     lambda c: (c.register_global.source_address, c.register_global.port), ("127.0.0.1", 5070), (None, 5060)),
    ("voice register global", "source-address 10.1.2.3", "no source-address 10.1.2.3",
     lambda c: (c.register_global.source_address, c.register_global.port), ("10.1.2.3", 5060), (None, 5060)),
    # voice register session-server
    ("voice register session-server 8", "register-id app1", "no register-id",
     lambda c: c.session_servers[8].register_id, "app1", None),
    ("voice register session-server 1", "register-id " + "a" * 30, "no register-id",
     lambda c: c.session_servers[1].register_id, "a" * 30, None),
    ("voice register session-server 1", "keepalive 60", "no keepalive 60",
     lambda c: c.session_servers[1].keepalive, 60, 300),
    ("voice register session-server 1", "keepalive 3600", "no keepalive",
     lambda c: c.session_servers[1].keepalive, 3600, 300),
    ("voice register session-server 1", "cti-aware", "no cti-aware",
     lambda c: c.session_servers[1].cti_aware, True, False),
    # Extension Mobility profiles
    (DN + "voice logout-profile 1", "number 201 type normal", "no number 201",
     lambda c: c.logout_profiles[1].numbers, [ProfileNumber("201", "normal")], []),
    (DN + "voice user-profile 2", "number 201 type silent-ring", "no number",
     lambda c: c.user_profiles[2].numbers, [ProfileNumber("201", "silent-ring")], []),
    ("voice user-profile 1", "user user204 password psswrd", "no user",
     lambda c: (c.user_profiles[1].user, c.user_profiles[1].password), ("user204", "psswrd"), (None, None)),
    # telephony-service
    ("telephony-service", "ip source-address 127.0.0.1 port 2001", "no ip source-address",
     lambda c: (c.telephony.source_address, c.telephony.port), ("127.0.0.1", 2001), (None, 2000)),
    ("telephony-service", "ip source-address 10.0.0.1", "no ip source-address",
     lambda c: (c.telephony.source_address, c.telephony.port), ("10.0.0.1", 2000), (None, 2000)),
    ("telephony-service", "max-ephones 10", "no max-ephones", lambda c: c.telephony.max_ephones, 10, None),
    ("telephony-service", "max-dn 100", "no max-dn 100", lambda c: c.telephony.max_dn, 100, None),
    ("telephony-service", "keepalive 45", "no keepalive", lambda c: c.telephony.keepalive, 45, 30),
    ("telephony-service", "timeouts interdigit 5", "no timeouts interdigit",
     lambda c: c.telephony.interdigit_timeout, 5, 10),
    ("telephony-service", "em logout 1:0", "no em logout", lambda c: c.telephony.em_logout, [(1, 0)], []),
    ("telephony-service", "em logout 1:0 12:30 23:59", "no em logout",
     lambda c: c.telephony.em_logout, [(1, 0), (12, 30), (23, 59)], []),
    ("telephony-service", "em external", "no em external", lambda c: c.telephony.em_external, True, False),
    ("telephony-service", "url services http://my_application/menu.html root", "no url services",
     lambda c: (c.telephony.url_services, c.telephony.url_services_root),
     ("http://my_application/menu.html", True), (None, False)),
    ("telephony-service", "url services http://x/y", "no url services",
     lambda c: (c.telephony.url_services, c.telephony.url_services_root), ("http://x/y", False), (None, False)),
    ("telephony-service", "cnf-file location flash:", "no cnf-file location",
     lambda c: c.telephony.cnf_file_location, "flash:", None),
    ("telephony-service\ncnf-file location flash:", "cnf-file perphone", "no cnf-file perphone", lambda c: c.telephony.cnf_file, "perphone", None),
    ("telephony-service", "max-conferences 4 gain 0", "no max-conferences",
     lambda c: (c.telephony.max_conferences, c.telephony.conference_gain), (4, 0), (8, -6)),
    ("telephony-service", "max-conferences 16", "no max-conferences",
     lambda c: (c.telephony.max_conferences, c.telephony.conference_gain), (16, -6), (8, -6)),
    ("telephony-service", "xml user axl password secret 15", "no xml user axl",
     lambda c: c.telephony.xml_users, {"axl": XmlUser("secret", 15)}, {}),
    ("telephony-service", "transfer-system full-consult", "no transfer-system",
     lambda c: c.telephony.transfer_system, "full-consult", None),
    ("telephony-service", "transfer-system blind", "no transfer-system",
     lambda c: c.telephony.transfer_system, "blind", None),
    ("telephony-service", "transfer-system full-blind", "no transfer-system",
     lambda c: c.telephony.transfer_system, "full-blind", None),
    ("telephony-service", "transfer-system local-consult", "no transfer-system",
     lambda c: c.telephony.transfer_system, "local-consult", None),
    ("telephony-service", "create cnf-files version-stamp Jan 01 2002 00:00:00", "no create cnf-files",
     lambda c: c.telephony.version_stamp, "Jan 01 2002 00:00:00", None),
    ("telephony-service", "url authentication http://10.0.0.1/CCMCIP/authenticate.asp", "no url authentication",
     lambda c: c.telephony.url_authentication, "http://10.0.0.1/CCMCIP/authenticate.asp", None),
    ("telephony-service", "url authentication http://x/auth.asp cisco s3cret", "no url authentication",
     lambda c: (c.telephony.url_authentication, c.telephony.url_authentication_user,
                c.telephony.url_authentication_password), ("http://x/auth.asp", "cisco", "s3cret"), (None, None, None)),
    (FIRMWARE, "load 7960-7940 P00308000500", "no load 7960-7940",
     lambda c: c.telephony.loads, {"7960-7940": "P00308000500"}, {}),
    (FIRMWARE + "\nload 7960-7940 P00308000500", "load 7961 SCCP41.8-5-4S", "no load 7961 SCCP41.8-5-4S",
     lambda c: c.telephony.loads, {"7960-7940": "P00308000500", "7961": "SCCP41.8-5-4S"},
     {"7960-7940": "P00308000500"}),
    (FIRMWARE, "load 7961ge SCCP41.8-5-4S", "no load 7961GE",
     lambda c: c.telephony.loads, {"7961GE": "SCCP41.8-5-4S"}, {}),
    ("telephony-service", "user-locale DE", "no user-locale", lambda c: c.telephony.user_locale, "DE", "US"),
    ("telephony-service", "user-locale fr", "no user-locale fr", lambda c: c.telephony.user_locale, "FR", "US"),
    ("telephony-service", "network-locale GB", "no network-locale",
     lambda c: c.telephony.network_locale, "GB", "US"),
    # tftp-server (global)
    ("", "tftp-server flash:SCCP41.8-5-4S.loads", "no tftp-server flash:SCCP41.8-5-4S.loads",
     lambda c: c.tftp_files, [TftpFile("flash:SCCP41.8-5-4S.loads")], []),
    ("", "tftp-server flash:/phones/7961/apps41.8-5-4TH1-6.sbn alias apps41.8-5-4TH1-6.sbn",
     "no tftp-server flash:/phones/7961/apps41.8-5-4TH1-6.sbn",
     lambda c: [(f.source, f.alias, f.served_name) for f in c.tftp_files],
     [("flash:/phones/7961/apps41.8-5-4TH1-6.sbn", "apps41.8-5-4TH1-6.sbn", "apps41.8-5-4TH1-6.sbn")], []),
    ("", "tftp-server slot0:ring.raw alias Ringer1.raw 10", "no tftp-server slot0:ring.raw alias Ringer1.raw 10",
     lambda c: c.tftp_files, [TftpFile("slot0:ring.raw", "Ringer1.raw", 10)], []),
    ("tftp-server flash:a.loads", "tftp-server flash:b.loads", "no tftp-server flash:b.loads",
     lambda c: [f.source for f in c.tftp_files], ["flash:a.loads", "flash:b.loads"], ["flash:a.loads"]),
    # ephone-dn-template
    ("ephone-dn-template 15", "cti watch", "no cti watch", lambda c: c.ephone_dn_templates[15].cti_watch, True, False),
    ("ephone-dn-template 1", "cti notify", "no cti notify", lambda c: c.ephone_dn_templates[1].cti_notify, True, False),
    # ephone-dn
    ("ephone-dn 1", "number 201", "no number", lambda c: c.ephone_dns[1].number, "201", None),
    ("ephone-dn 1", "number 201 secondary 5551201", "no number",
     lambda c: c.ephone_dns[1].numbers, ["201", "5551201"], []),
    ("ephone-dn 1", "name John  Smith", "no name", lambda c: c.ephone_dns[1].name, "John  Smith", None),
    ("ephone-dn 1", "label Line 1 (sales)", "no label", lambda c: c.ephone_dns[1].label, "Line 1 (sales)", None),
    ("ephone-dn 1", "cti watch", "no cti watch", lambda c: c.ephone_dns[1].cti_watch, True, False),
    ("ephone-dn 1", "cti notify", "no cti notify", lambda c: c.ephone_dns[1].cti_notify, True, False),
    ("ephone-dn 1", "call-forward all 2000", "no call-forward all",
     lambda c: c.ephone_dns[1].call_forward_all, "2000", None),
    ("ephone-dn 1", "call-forward busy 2001", "no call-forward busy",
     lambda c: c.ephone_dns[1].call_forward_busy, "2001", None),
    ("ephone-dn 1", "call-forward noan 2002 timeout 20", "no call-forward noan",
     lambda c: (c.ephone_dns[1].call_forward_noan, c.ephone_dns[1].call_forward_noan_timeout),
     ("2002", 20), (None, None)),
    ("ephone-dn-template 3\nephone-dn 1", "ephone-dn-template 3", "no ephone-dn-template",
     lambda c: c.ephone_dns[1].template, 3, None),
    # ephone
    ("ephone 1", "mac-address 001e.4a34.a35f", "no mac-address",
     lambda c: (c.ephones[1].mac, c.ephones[1].device_name), ("001E.4A34.A35F", "SEP001E4A34A35F"), (None, None)),
    ("ephone 1", "type 7961", "no type", lambda c: c.ephones[1].type, "7961", None),
    ("ephone 1", "type cipc", "no type", lambda c: c.ephones[1].type, "CIPC", None),
    ("ephone 1", "type ata", "no type", lambda c: c.ephones[1].type, "ata", None),
    (DN + "ephone 1", "button 1:1", "no button",
     lambda c: [(n, b.dn_tag, b.kind) for n, b in c.ephones[1].buttons.items()], [(1, 1, "normal")], []),
    ("voice logout-profile 4\nephone 1", "logout-profile 4", "no logout-profile",
     lambda c: c.ephones[1].logout_profile, 4, None),
    # dial-peer voice, voice class codec, sip-ua, the trusted list, snr
    ("dial-peer voice 100 voip", "description to the PSTN gateway", "no description",
     lambda c: c.dial_peers[100].description, "to the PSTN gateway", None),
    (ROUTED, "destination-pattern 9T", "no destination-pattern",
     lambda c: c.dial_peers[100].destination_pattern, "9T", None),
    (ROUTED, "destination-pattern +1408[2-9]..%", "no destination-pattern +1408[2-9]..%",
     lambda c: c.dial_peers[100].destination_pattern, "+1408[2-9]..%", None),
    ("dial-peer voice 100 voip", "session protocol sipv2", "no session protocol",
     lambda c: c.dial_peers[100].session_protocol, "sipv2", None),
    ("dial-peer voice 100 voip", "session target ipv4:192.0.2.10:5060", "no session target",
     lambda c: str(c.dial_peers[100].session_target), "ipv4:192.0.2.10:5060", "None"),
    ("dial-peer voice 100 voip", "session target dns:gw.example.com", "no session target",
     lambda c: c.dial_peers[100].session_target, SessionTarget("dns", "gw.example.com"), None),
    ("dial-peer voice 100 voip", "session transport tcp", "no session transport",
     lambda c: c.dial_peers[100].session_transport, "tcp", "udp"),
    ("dial-peer voice 100 voip", "codec g711alaw", "no codec", lambda c: c.dial_peers[100].codec, "g711alaw", None),
    ("voice class codec 1\ndial-peer voice 100 voip", "voice-class codec 1", "no voice-class codec",
     lambda c: c.dial_peers[100].voice_class_codec, 1, None),
    ("dial-peer voice 100 voip", "dtmf-relay rtp-nte sip-info rtp-nte", "no dtmf-relay",
     lambda c: c.dial_peers[100].dtmf_relay, ("rtp-nte", "sip-info"), ()),
    ("dial-peer voice 100 voip", "preference 10", "no preference", lambda c: c.dial_peers[100].preference, 10, 0),
    ("dial-peer voice 100 voip", "huntstop", "no huntstop", lambda c: c.dial_peers[100].huntstop, True, False),
    ("dial-peer voice 100 voip", "incoming called-number 20.", "no incoming called-number",
     lambda c: c.dial_peers[100].incoming_called_number, "20.", None),
    ("dial-peer voice 100 voip", "shutdown", "no shutdown", lambda c: c.dial_peers[100].shutdown, True, False),
    ("voice class codec 1", "codec preference 2 g711ulaw", "no codec preference 2",
     lambda c: c.codec_classes[1].preferences, {2: "g711ulaw"}, {}),
    ("sip-ua", "retry invite 4", "no retry invite", lambda c: c.sip_ua.retry_invite, 4, 6),
    ("sip-ua", "retry bye 1", "no retry bye", lambda c: c.sip_ua.retry_bye, 1, 10),
    ("sip-ua", "retry cancel 10", "no retry cancel 10", lambda c: c.sip_ua.retry_cancel, 10, 8),
    ("sip-ua", "timers trying 1000", "no timers trying", lambda c: c.sip_ua.timers_trying, 1000, 500),
    ("sip-ua", "timers connection aging 60", "no timers connection aging",
     lambda c: c.sip_ua.connection_aging, 60, 5),
    ("sip-ua", "connection limit per-source 0", "no connection limit per-source",
     lambda c: c.sip_ua.connection_limit, 0, 32),
    ("voice service voip\nip address trusted list", "ipv4 192.0.2.0 255.255.255.0", "no ipv4 192.0.2.0 255.255.255.0",
     lambda c: c.voip.trusted, [ipaddress.IPv4Network("192.0.2.0/24")], []),
    ("voice service voip\nip address trusted list", "ipv4 198.51.100.7", "no ipv4 198.51.100.7",
     lambda c: c.voip.trusted, [ipaddress.IPv4Network("198.51.100.7/32")], []),
    ("ephone-dn 1", "snr 5551234 delay 5 timeout 15", "no snr",
     lambda c: c.ephone_dns[1].snr, Snr("5551234", 5, 15), None),
    # global
    ("", "hostname cme", "no hostname", lambda c: c.hostname, "cme", "Router"),
    ("", "username admin password cisco", "no username admin", lambda c: c.usernames, {"admin": "cisco"}, {}),
    ("", "username admin privilege 15 password 0 cisco", "no username admin",
     lambda c: c.usernames, {"admin": "cisco"}, {}),
    ("", "username admin secret 0 s3cret", "no username admin", lambda c: c.usernames, {"admin": "s3cret"}, {}),
    ("", "login block-for 100 attempts 3 within 30", "no login block-for",
     lambda c: (c.login_block.block_for, c.login_block.attempts, c.login_block.within) if c.login_block else None,
     (100, 3, 30), None),
    ("", "ip ssh time-out 60", "no ip ssh time-out", lambda c: c.ssh_timeout, 60, 120),
    ("telephony-service", "registration pending-per-source 0", "no registration pending-per-source",
     lambda c: c.telephony.pending_per_source, 0, 128),
]


def _id(case):
    return f"{case[0].splitlines()[-1] if case[0] else 'global'}: {case[1]}"


@pytest.mark.parametrize("enter, line, undo, get, value, default", CASES, ids=[_id(c) for c in CASES])
def test_command_sets_value_and_renders_back(enter, line, undo, get, value, default):
    before = parse(enter)
    assert messages(before) == [] and get(before.config) == default
    result = parse(f"{enter}\n{line}\n")
    assert messages(result) == []
    assert get(result.config) == value
    again = parse(render(result.config))
    assert messages(again) == [] and get(again.config) == value


@pytest.mark.parametrize("enter, line, undo, get, value, default", CASES, ids=[_id(c) for c in CASES])
def test_no_form_restores_default(enter, line, undo, get, value, default):
    result = parse(f"{enter}\n{line}\n{undo}\n")
    assert messages(result) == []
    assert get(result.config) == default


RANGES = [
    ("voice service voip", "cti max-monitors per-session 0", "out of range 1-100000"),
    ("voice service voip", "cti max-monitors total 1000001", "out of range 1-1000000"),
    ("voice service voip\nsip", "registrar server expires max 599", "% max 599 out of range 600-86400"),
    ("voice service voip\nsip", "registrar server expires max 86401", "% max 86401 out of range 600-86400"),
    ("voice service voip\nsip", "registrar server expires min 59", "% min 59 out of range 60-3600"),
    ("voice service voip\nsip", "registrar server expires min 3601", "% min 3601 out of range 60-3600"),
    ("voice register session-server 1", "keepalive 59", "% keepalive 59 out of range 60-3600"),
    ("voice register session-server 1", "keepalive 3601", "% keepalive 3601 out of range 60-3600"),
    ("", "voice register session-server 9", "% session-server 9 out of range 1-8"),
    ("", "voice register session-server 0", "% session-server 0 out of range 1-8"),
    ("telephony-service", "keepalive 9", "% keepalive 9 out of range 10-65535"),
    ("telephony-service", "keepalive 65536", "% keepalive 65536 out of range 10-65535"),
    ("telephony-service", "timeouts interdigit 1", "% interdigit 1 out of range 2-120"),
    ("telephony-service", "timeouts interdigit 121", "% interdigit 121 out of range 2-120"),
    ("telephony-service", "max-ephones 0", "% max-ephones 0 out of range 1-10000"),
    ("telephony-service", "ip source-address 127.0.0.1 port 0", "% port 0 out of range 1-65535"),
    ("telephony-service", "ip source-address 999.0.0.1", "% '999.0.0.1' is not an IPv4 address (A.B.C.D)"),
    ("telephony-service", "em logout 24:00", "% '24:00' is not a time of day (H:M, 0:0-23:59)"),
    ("telephony-service", "xml user a password b 16", "% privilege 16 out of range 1-15"),
    ("", "ephone-dn 15001", "% ephone-dn 15001 out of range 1-15000"),
    ("", "ephone-dn-template 16", "% ephone-dn-template 16 out of range 1-15"),
    ("ephone-dn 1", "call-forward noan 2000 timeout 2", "% timeout 2 out of range 3-60000"),
    ("ephone-dn 1", "number 20a1", "% '20a1' is not a directory number (digits, * and #)"),
    ("ephone 1", "mac-address 001E.4A34", "% '001E.4A34' is not a MAC address (HHHH.HHHH.HHHH)"),
    ("ephone 1", "button 101:1", "% button 101 out of range 1-100"),
    ("voice register session-server 1", "register-id " + "a" * 31, "is not 1-30 alphanumeric characters"),
    ("voice register session-server 1", "register-id app-1", "% 'app-1' is not 1-30 alphanumeric characters"),
    ("", "hostname 1router", "is not a host name"),
    ("", "dial-peer voice 0 voip", "% voice 0 out of range 1-2147483647"),
    ("", "voice class codec 10001", "% codec 10001 out of range 1-10000"),
    ("dial-peer voice 1 voip", "preference 11", "% preference 11 out of range 0-10"),
    ("dial-peer voice 1 voip", "destination-pattern 9T1", "% destination pattern '9T1': 'T' may only end"),
    ("dial-peer voice 1 voip", "incoming called-number 2[0-", "% destination pattern '2[0-': unclosed '['"),
    ("dial-peer voice 1 voip", "session target ipv4:192.0.2.300",
     "% session target 'ipv4:192.0.2.300': '192.0.2.300' is not an IPv4 address (A.B.C.D)"),
    ("dial-peer voice 1 voip", "session target ipv4:192.0.2.3:0",
     "% session target 'ipv4:192.0.2.3:0': port '0' is not in range 1-65535"),
    ("dial-peer voice 1 voip", "session target ipv4:192.0.2.3:65536", "port '65536' is not in range 1-65535"),
    ("dial-peer voice 1 voip", "session target dns:-gw.example", "'-gw.example' is not a host name"),
    ("dial-peer voice 1 voip", "session target gw.example.com", "is not a session target"),
    ("dial-peer voice 1 voip", "dtmf-relay h245-alphanumeric", "is not a DTMF relay this server offers"),
    ("voice class codec 1", "codec preference 15 g711ulaw", "% preference 15 out of range 1-14"),
    ("sip-ua", "retry invite 11", "% invite 11 out of range 1-10"),
    ("sip-ua", "timers trying 99", "% trying 99 out of range 100-1000"),
    ("sip-ua", "timers connection aging 4", "% aging 4 out of range 5-1440"),
    ("sip-ua", "connection limit per-source 70000", "% per-source 70000 out of range 0-65535"),
    ("voice service voip\nip address trusted list", "ipv4 192.0.2.1 255.255.255.0",
     "% 192.0.2.1 255.255.255.0 is not a network: 192.0.2.0 is"),
    ("voice service voip\nip address trusted list", "ipv4 192.0.2.0 255.0.255.0", "is not a network mask"),
    ("ephone-dn 1", "snr 555-1234 delay 5 timeout 15", "% '555-1234' is not a number to dial (1-31 digits 0-9)"),
    ("ephone-dn 1", "snr 5551234 delay 31 timeout 15", "% delay 31 out of range 0-30"),
    ("ephone-dn 1", "snr 5551234 delay 5 timeout 4", "% timeout 4 out of range 5-60"),
    ("", "tftp-server tftp:x.loads", "% 'tftp:x.loads' is not a file on the router (DEVICE:PATH"),
    ("", "tftp-server flash:../etc/passwd", "is not a file on the router"),
    ("", "tftp-server flash:x.loads alias ../y", "% '../y' is not a file name to serve"),
    ("", "tftp-server flash:x.loads 100", "% access-list 100 out of range 1-99"),
    ("", "login block-for 0 attempts 5 within 60", "% block-for 0 out of range 1-65535"),
    ("", "login block-for 60 attempts 65536 within 60", "% attempts 65536 out of range 1-65535"),
    ("", "login block-for 60 attempts 5 within 0", "% within 0 out of range 1-65535"),
    ("", "ip ssh time-out 121", "% time-out 121 out of range 1-120"),
    ("telephony-service", "registration pending-per-source 65536",
     "% pending-per-source 65536 out of range 0-65535"),
]


@pytest.mark.parametrize("enter, line, message", RANGES, ids=[r[1] for r in RANGES])
def test_out_of_range_is_named(enter, line, message):
    result = parse(f"{enter}\n{line}\n" if enter else line)
    n = len(enter.splitlines()) + 1 if enter else 1
    assert len(result.findings) == 1
    finding = result.findings[0]
    assert finding.line == n and finding.severity == "error"
    assert message in finding.message


def test_bad_value_leaves_the_previous_one():
    result = parse("telephony-service\nkeepalive 45\nkeepalive 5\n")
    assert result.config.telephony.keepalive == 45 and len(result.errors) == 1


@pytest.mark.parametrize("line, position", [
    ("max-conferences 8 gain 3", "(at '3')"),
    ("em logout 1:0 2:0 3:0 4:0", "(at '4:0')"),
    ("transfer-system consult", "(at 'consult')"),
])
def test_invalid_word_is_pointed_at(line, position):
    result = parse(f"telephony-service\n{line}\n")
    assert len(result.findings) == 1
    assert result.findings[0].message.startswith("% Invalid input detected at '^' marker " + position)


def test_incomplete_command():
    result = parse("voice service voip\ncti csta mode\n")
    assert messages(result) == ["t.cfg:2: % Incomplete command. Expected 'basic'."]


def test_defaults_of_an_empty_configuration():
    c = parse("").config
    assert c == Config()
    assert c.hostname == "Router" and c.usernames == {}
    assert c.voip == Voip() and c.voip.cti_shutdown is True
    assert (c.voip.registrar_expires_max, c.voip.registrar_expires_min) == (3600, 60)
    assert (c.register_global.port, c.register_global.mode) == (5060, None)
    t = c.telephony
    assert t == Telephony()
    assert (t.port, t.keepalive, t.interdigit_timeout, t.max_conferences, t.conference_gain) == (2000, 30, 10, 8, -6)
    assert parse("voice register session-server 3").config.session_servers[3].keepalive == 300


def test_sections_can_be_removed_with_no():
    text = ("voice service voip\ngcid\nvoice register global\nmode cme\nvoice register session-server 2\n"
            "ephone-dn-template 1\nephone-dn 5\nephone 3\nvoice logout-profile 1\nvoice user-profile 1\n"
            "telephony-service\nmax-dn 5\n")
    undo = ("no voice service voip\nno voice register global\nno voice register session-server 2\n"
            "no ephone-dn-template 1\nno ephone-dn 5\nno ephone 3\nno voice logout-profile 1\n"
            "no voice user-profile 1\nno telephony-service\n")
    result = parse(text + undo)
    assert messages(result) == []
    assert result.config == Config()


def test_dual_line_is_kept_when_the_dn_is_entered_again():
    c = parse("ephone-dn 1 dual-line\nnumber 201\nephone-dn 1\nname x\n").config
    assert c.ephone_dns[1].dual_line and c.ephone_dns[1].number == "201"
    assert "ephone-dn 1 dual-line" in render(c)
    assert parse("ephone-dn 2 octo-line").config.ephone_dns[2].octo_line


def test_buttons_several_in_one_line_with_their_kinds():
    text = "".join(f"ephone-dn {n}\nnumber 20{n}\n" for n in range(1, 8))
    c = parse(text + "ephone 1\nbutton 1:1 2s2 3o3,4 4c5 5x6 6m7\nbutton 7f1 8w2\n").config
    kinds = {n: (b.kind, b.dn_tags) for n, b in c.ephones[1].buttons.items()}
    assert kinds == {1: ("normal", (1,)), 2: ("silent", (2,)), 3: ("overlay", (3, 4)), 4: ("cw-overlay", (5,)),
                     5: ("overlay-expansion", (6,)), 6: ("monitor", (7,)), 7: ("feature-ring", (1,)),
                     8: ("watch", (2,))}
    assert " button 1:1 2s2 3o3,4 4c5 5x6 6m7 7f1 8w2" in render(c).splitlines()


def test_profile_number_lists_and_duplicates():
    text = "ephone-dn 1\nnumber 201\nephone-dn 2\nnumber 202\nvoice logout-profile 1\n"
    c = parse(text + "number 201,202 type overlay\nnumber 201,202 type normal\n").config
    assert c.logout_profiles[1].numbers == [ProfileNumber("201,202", "normal")]
    assert c.logout_profiles[1].numbers[0].numbers == ["201", "202"]


def test_username_kinds():
    c = parse("username a password x y\nusername b privilege 15 secret 5 $1$abc$def\nusername c password 7\n").config
    assert c.accounts["a"].password == "x y" and c.accounts["a"].verify("x y")
    b = c.accounts["b"]
    assert (b.kind, b.encryption, b.privilege, b.password) == ("secret", 5, 15, "$1$abc$def")
    assert not b.verify("$1$abc$def")  # a hash is not a password
    assert c.accounts["c"].password == "7"
    assert c.usernames == {"a": "x y", "c": "7"}
    text = render(c)
    assert "username b privilege 15 secret 5 $1$abc$def" in text
    assert parse(text).config.accounts == c.accounts


def test_template_cti_watch_applies_to_its_dns_and_follows_changes():
    c = parse("ephone-dn-template 1\ncti watch\nephone-dn 1\nephone-dn-template 1\nephone-dn 2\n").config
    assert c.ephone_dns[1].cti_watch and not c.ephone_dns[1].cti_watch_own
    assert not c.ephone_dns[2].cti_watch
    c.ephone_dn_templates[1].cti_watch = False
    assert not c.ephone_dns[1].cti_watch
    c.ephone_dns[1].cti_watch = True  # the DN's own setting
    assert c.ephone_dns[1].cti_watch_own
    assert " cti watch" in render(c).split("ephone-dn 1\n")[1].split("!")[0]


def test_extras_are_kept_verbatim_in_their_mode():
    text = "telephony-service\ntime-zone 21\nephone-dn 1\ndescription front desk\nhuntstop\n"
    c = parse(text).config
    assert messages(parse(text)) == []
    assert c.telephony.extra == ["time-zone 21"]
    assert c.ephone_dns[1].extra == ["description front desk", "huntstop"]
    assert parse(render(c)).config == c


def test_load_findings_name_the_line():
    text = ("tftp-server flash:SCCP41.8-5-4S.loads\ntftp-server flash:P0030.bin alias P00308000500.bin\n"
            "telephony-service\n load 7961 SCCP41.8-5-4S\n load 7960-7940 P00308000500\n"
            " load 7941 SCCP41.8-5-4S.loads\n load 7911 SCCP11.8-5-4S\n load 7905 CP7905080003SCCP070409A.sbin\n")
    assert messages(parse(text)) == [
        "t.cfg:6: % load 7941 SCCP41.8-5-4S.loads: name the firmware without its file suffix (SCCP41.8-5-4S)",
        "t.cfg:7: % load 7911 SCCP11.8-5-4S: no tftp-server line serves SCCP11.8-5-4S (its .loads or .bin "
        "file): the phones cannot fetch it",
        "t.cfg:8: % load 7905 CP7905080003SCCP070409A.sbin: no tftp-server line serves "
        "CP7905080003SCCP070409A.sbin (its .loads or .bin file): the phones cannot fetch it",
    ]
    assert all(f.severity == "warning" for f in parse(text).findings)


def test_per_phone_files_want_a_location_other_than_system():
    result = parse("telephony-service\n cnf-file perphone\n")
    assert messages(result) == ["t.cfg:2: % cnf-file perphone needs a 'cnf-file location' other than system: "
                                "(flash:, slot0: or tftp); the phones get the per-system files"]
    assert messages(parse("telephony-service\n cnf-file location flash:\n cnf-file perphone\n")) == []


def test_tftp_server_lines_keep_their_order_and_place():
    text = ("tftp-server flash:b.loads\ntftp-server flash:a.sbn alias A.sbn\ntelephony-service\n"
            " load 7961 SCCP41\n")
    shown = render(parse(text).config)
    assert "!\ntftp-server flash:b.loads\ntftp-server flash:a.sbn alias A.sbn\n!\ntelephony-service\n" in shown
    again = parse("tftp-server flash:a.loads\ntftp-server FLASH:a.loads alias x.loads\n").config
    assert again.tftp_files == [TftpFile("flash:a.loads", "x.loads")]  # the same file, given again


def test_model_is_mutable_and_rendered():
    c = parse("ephone-dn 1\nnumber 201\n").config
    c.ephone_dns[1].call_forward_all = "2000"
    assert " call-forward all 2000" in render(c)
    assert parse(render(c)).config.ephone_dns[1].call_forward_all == "2000"


def test_dn_by_number():
    c = parse("ephone-dn 1\nnumber 201 secondary 5551201\nephone-dn 2\nnumber 202\n").config
    assert c.dn_by_number("202").tag == 2
    assert c.dn_by_number("5551201").tag == 1
    assert c.dn_by_number("203") is None
    # What it remembers follows changes: a renumbered or removed DN is not found by its old number.
    c.ephone_dns[2].number = "203"
    assert c.dn_by_number("202") is None and c.dn_by_number("203").tag == 2
    del c.ephone_dns[2]
    assert c.dn_by_number("203") is None


def test_other_ip_ssh_lines_stay_router_commands_beside_the_time_out():
    text = "ip ssh version 2\nip ssh time-out 60\nip ssh authentication-retries 2\n"
    result = parse(text)
    assert messages(result) == [] and result.config.ssh_timeout == 60
    assert [b.line for b in result.config.router] == ["ip ssh version 2", "ip ssh authentication-retries 2"]
    assert "ip ssh time-out 60\nip ssh version 2\nip ssh authentication-retries 2\n" in render(result.config)
