"""Extension Mobility: which `voice user-profile` is logged in on which EM ephone.

An EM phone is an ephone with a `logout-profile` and no `button` lines of its own: with
nobody logged in it shows its logout profile's numbers, once a user logs in it shows that
user's profile numbers (sccp.buttons.line_buttons). Logging in or out only changes
`telephony.em_logins` and restarts the phone; the phone actor takes the new buttons when
the phone registers again, as a real phone fetches them after CME resets it.

Choices: a user logged in on another phone is moved (logged out there first, that phone
restarted), and a phone with another user logged in gets the new user, as CME does when
someone logs in over a previous user. Logins live in memory only: after a restart every
EM phone shows its logout profile again, as CME forgets its logins when it reloads.
"""
from __future__ import annotations

import time

from actors.phone import Restart
from actors.trace import TraceLogger

log = TraceLogger(namespace="cme.em")


# The Extension Mobility service EM phones are pointed at in their configuration file
# (cme/cnf_files.py), as CME's own: the phone puts its name in for #DEVICENAME#.
EM_SERVICE_URL = "http://{address}:80/emapp/EMAppServlet?device=#DEVICENAME#"


def service_url(address: str) -> str:
    """The EM service URL on the CME at `address` (telephony-service's ip source-address)."""
    return EM_SERVICE_URL.format(address=address)


class EMError(Exception):
    """An `emadmin` request that cannot be done; the text says why."""


def profile_of(config, user: str):
    """The `voice user-profile` whose `user` is `user` (names are case-sensitive, as in IOS)."""
    for _, profile in sorted(config.user_profiles.items()):
        if profile.user == user:
            return profile
    raise EMError(f"user {user} has no voice user-profile")


def logged_in_on(telephony, user: str) -> int | None:
    """The ephone tag `user` is logged in on, or None."""
    return next((tag for tag, p in telephony.em_logins.items() if p.user == user), None)


def login(telephony, user: str, ephone_tag: int) -> str:
    config = telephony.config
    profile = profile_of(config, user)
    ephone = config.ephones.get(ephone_tag)
    if ephone is None:
        raise EMError(f"ephone {ephone_tag} is not configured")
    if ephone.logout_profile is None:
        raise EMError(f"ephone {ephone_tag} has no logout-profile: it is not an Extension Mobility phone")
    if ephone.buttons:
        raise EMError(f"ephone {ephone_tag} has button lines: an Extension Mobility phone takes its lines from profiles")
    missing = [n for pn in profile.numbers for n in pn.numbers if config.dn_by_number(n) is None]
    if missing:
        raise EMError(f"voice user-profile {profile.tag} number {', '.join(missing)} is not an ephone-dn number")
    current = telephony.em_logins.get(ephone_tag)
    if current is not None and current.user == user:
        return f"{user} is already logged in on ephone {ephone_tag}"
    notes = []
    elsewhere = logged_in_on(telephony, user)
    if elsewhere is not None:
        _leave(telephony, elsewhere, f"EM logout {user}: logged in on ephone {ephone_tag}")
        notes.append(f"logged out of ephone {elsewhere}")
    if current is not None:
        notes.append(f"replaces {current.user}")
    telephony.em_logins[ephone_tag] = profile
    _restart(telephony, ephone_tag, f"EM login {user}")
    log.info("EM: {user} logged in on ephone {tag}", user=user, tag=ephone_tag)
    return f"{user} logged in on ephone {ephone_tag}" + (f" ({'; '.join(notes)})" if notes else "")


def logout(telephony, user: str) -> str:
    profile_of(telephony.config, user)  # an unknown user is an error, not "not logged in"
    tag = logged_in_on(telephony, user)
    if tag is None:
        raise EMError(f"user {user} is not logged in")
    _leave(telephony, tag, f"EM logout {user}")
    log.info("EM: {user} logged out of ephone {tag}", user=user, tag=tag)
    return f"{user} logged out of ephone {tag}"


def logout_all(telephony, reason: str = "EM logout") -> list[str]:
    """Log every user out (the `em logout H:M` time); the users that were logged in."""
    users = []
    for tag in sorted(telephony.em_logins):
        users.append(telephony.em_logins[tag].user)
        _leave(telephony, tag, f"{reason} {users[-1]}")
    return users


def _leave(telephony, tag: int, reason: str) -> None:
    telephony.em_logins.pop(tag, None)
    _restart(telephony, tag, reason)


def _restart(telephony, tag: int, reason: str) -> None:
    device = telephony.config.ephones[tag].device_name
    if device is not None:
        telephony.tell_phone(device, Restart(reason))  # the actor ignores it if unregistered


class EMScheduler:
    """Logs everyone out at the `em logout H:M` times (local time), every day."""

    def __init__(self, telephony) -> None:
        self.telephony = telephony
        self._call = None

    def start(self) -> None:
        self.stop()
        delay = self.next_delay()
        if delay is not None:
            self._call = self.telephony.clock.callLater(delay, self._fire)

    def stop(self) -> None:
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None

    def next_delay(self) -> float | None:
        """Seconds from now to the next configured H:M (strictly later), or None."""
        now = self.telephony.clock.seconds()
        times = self.telephony.config.telephony.em_logout
        if not times:
            return None
        return min(next_occurrence(now, h, m) for h, m in times) - now

    def _fire(self) -> None:
        self._call = None
        users = logout_all(self.telephony, "em logout time:")
        if users:
            log.info("EM: logout time, logged out {users}", users=", ".join(users))
        self.start()


def next_occurrence(now: float, hour: int, minute: int) -> float:
    """The first local-time hour:minute strictly after `now` (mktime handles DST and month ends)."""
    t = time.localtime(now)
    for days in range(0, 3):
        at = time.mktime((t.tm_year, t.tm_mon, t.tm_mday + days, hour, minute, 0, 0, 0, -1))
        if at > now:
            return at
    raise AssertionError("unreachable: a time of day recurs within two days")
