"""The router's own global commands: not CME's, loaded without complaint and kept verbatim.

A line at global level whose first word (or first two words, for `ip`, `voice`, …)
is in this vocabulary is a router command. A `+` marks commands that open a router
sub-mode (`interface …`): the lines after it are its sub-lines until a line that is a
global command appears (or, with indentation, until an unindented one does). The rank
is the command's place in `show running-config`, so rendering puts sections where IOS
puts them; commands of equal rank keep their order.
"""

from __future__ import annotations

from dataclasses import dataclass

# rank, '+' if it opens a sub-mode, the words
_VOCABULARY = """
20  version
20  service
25  platform
35  boot-start-marker
35  boot-end-marker
35  boot
36  card
37  security
40  logging
45  enable
47  aaa
50  clock
52  network-clock-participate
52  network-clock-select
55  dot11
60  ip source-route
60  ip cef
60  ip dhcp excluded-address
60 + ip dhcp pool
60  ip dhcp
60  ip domain
60  ip domain-name
60  ip domain-lookup
60  ip domain-list
60  ip name-server
60  ip host
60  ip subnet-zero
60  ip multicast-routing
60  ip ssh
60  ip scp
60  ip tcp
60  ip bootp
60  ip finger
60  ip rcmd
60  ip igmp
60  ip options
60  ip dns
60  ip audit
60  ip ips
60  ip auth-proxy
60  ip admission
60  ip inspect
60 + ip vrf
60  ip wccp
60  ip flow-cache
60  ip telnet
60  ip ftp
60  ip tftp
60  ip icmp
60  ip accounting-threshold
62  ipv6 cef
62  ipv6 unicast-routing
62 + ipv6 dhcp pool
62  ipv6 host
64  multilink
66  vtp
68 + crypto
70  stcapp
72 + voice-card
100 + voice class
100 + voice translation-rule
100 + voice translation-profile
100 + voice hunt-group
100 + voice register dn
100 + voice register pool
100 + voice register template
100 + voice register dialplan
100  voice statistics
100  voice rtp
100  voice call
100  voice iec
100 + voice mlpp
100 + voice emergency
100 + voice source-group
100 + voice cause-code
100 + voice lpcor
100 + voice moh-group
100  voice alias
100  voice hpi
100  voice-mail
110  fax
115 + license
115 + redundancy
118  spanning-tree
118 + vlan
120 + archive
125 + controller
128 + class-map
128 + policy-map
130 + interface
140 + router
150  ip forward-protocol
150  ip route
150  ip classless
150  ip http
150  ip nat
150 + ip access-list
150 + ip sla
150  ip rtcp
150  ip radius
150  ip prefix-list
150  ip flow-export
152  ipv6 route
152 + ipv6 router
152 + ipv6 access-list
155  access-list
155 + route-map
158  snmp-server
158  snmp
158  radius-server
158  tacacs-server
158  cdp
160 + ixi
165 + bridge
165  alias
165  privilege
170 + control-plane
175 + voice-port
178  ccm-manager
180  mgcp
180 + mgcp profile
182 + sccp
184 + dial-peer
186 + gatekeeper
186 + gateway
188 + sip-ua
188 + presence
188 + application
190 + ephone-template
190 + ephone-hunt
190 + ephone-type
200 + banner
210 + line
220  scheduler
220  exception
220  ntp
220 + webvpn
220 + event
"""


@dataclass(frozen=True)
class Vocabulary:
    words: tuple[str, ...]
    rank: int
    block: bool


VOCABULARY: dict[tuple[str, ...], Vocabulary] = {}
for _row in _VOCABULARY.strip().splitlines():
    _rank, *_rest = _row.split()
    _block = _rest[0] == "+"
    _words = tuple(_rest[1:] if _block else _rest)
    VOCABULARY[_words] = Vocabulary(_words, int(_rank), _block)

# Sub-lines of these router blocks that would otherwise read as global commands
# (`line con 0` / ` logging synchronous`).
SUB_LINE_OVERRIDES: dict[str, tuple[str, ...]] = {
    "line": ("logging", "privilege", "exec-timeout"),
    "dial-peer": ("service",),
    "voice-port": ("description",),
}


def lookup(words: list[str]) -> Vocabulary | None:
    """The router command a line's words start with (`no` ignored), longest match first."""
    w = [x.lower() for x in words]
    if w[:1] == ["no"]:
        w = w[1:]
    for n in (3, 2, 1):
        hit = VOCABULARY.get(tuple(w[:n])) if len(w) >= n else None
        if hit:
            return hit
    return None


def first_words() -> set[str]:
    return {v.words[0] for v in VOCABULARY.values()}
