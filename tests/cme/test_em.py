"""Extension Mobility on the seed configuration: emadmin login/logout, the CLI, em logout."""
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from cme import em
from cme.cli import builtin, ephone
from cme.cli import em as em_cli
from cme.cli.testing import run
from cme.testing import Exchange
from sccp.enums import ResetType
from sccp.registration import ResetMessage

SEED = (Path(__file__).resolve().parents[2] / "conf" / "cme.cfg").read_text()
EM_PHONE, OTHER = "SEP0019E7FF1E30", "SEP001E4A34A35F"  # ephone 3 (logout-profile 1), ephone 1
DN_204 = 4


@pytest.fixture
def ex():
    ex = Exchange(SEED)
    yield ex
    ex.close()


def numbers(phone):
    return [line.number for _, line in sorted(phone.lines.items())]


def resets(phone):
    return [msg.reset_type for msg in phone.received if isinstance(msg, ResetMessage)]


def table():
    return em_cli.register(ephone.register(builtin.default_table()))


def cli(ex, line):
    return run(table(), line, SimpleNamespace(telephony=ex.telephony, config=ex.config, board=ex.telephony.board))


def test_logged_out_em_phone_shows_its_logout_profile(ex):
    phone = ex.phone(EM_PHONE)
    assert phone.registered and numbers(phone) == ["203"]
    assert EM_PHONE not in ex.telephony.board.lines[DN_204].phones


def test_login_restarts_the_phone_which_comes_back_with_the_users_number(ex):
    phone = ex.phone(EM_PHONE)
    assert em.login(ex.telephony, "user204", 3) == "user204 logged in on ephone 3"
    ex.settle()
    assert resets(phone) == [ResetType.RESTART]
    phone.reconnect()
    assert phone.registered and numbers(phone) == ["204"]
    assert EM_PHONE in ex.telephony.board.lines[DN_204].phones
    assert EM_PHONE not in ex.telephony.board.lines[3].phones
    assert ex.telephony.board.phones[EM_PHONE].registrations == 2


def test_logout_restores_the_logout_profile(ex):
    phone = ex.phone(EM_PHONE)
    em.login(ex.telephony, "user204", 3)
    ex.settle()
    phone.reconnect()
    assert em.logout(ex.telephony, "user204") == "user204 logged out of ephone 3"
    ex.settle()
    assert resets(phone) == [ResetType.RESTART, ResetType.RESTART]
    phone.reconnect()
    assert numbers(phone) == ["203"] and ex.telephony.em_logins == {}
    assert EM_PHONE not in ex.telephony.board.lines[DN_204].phones
    assert EM_PHONE in ex.telephony.board.lines[3].phones


def test_login_on_an_unregistered_phone_takes_effect_when_it_registers(ex):
    em.login(ex.telephony, "user204", 3)
    ex.settle()
    phone = ex.phone(EM_PHONE)
    assert numbers(phone) == ["204"] and resets(phone) == []


@pytest.mark.parametrize("user, tag, why", [
    ("nobody", 3, "user nobody has no voice user-profile"),
    ("user204", 9, "ephone 9 is not configured"),
    ("user204", 1, "ephone 1 has no logout-profile: it is not an Extension Mobility phone"),
])
def test_login_errors(ex, user, tag, why):
    with pytest.raises(em.EMError, match=why):
        em.login(ex.telephony, user, tag)
    assert ex.telephony.em_logins == {}


def test_a_profile_number_that_is_no_ephone_dn_is_refused(ex):
    ex.config.user_profiles[1].numbers[0].number = "299"
    with pytest.raises(em.EMError, match="voice user-profile 1 number 299 is not an ephone-dn number"):
        em.login(ex.telephony, "user204", 3)


def test_an_ephone_with_button_lines_is_refused(ex):
    ex.config.ephones[1].logout_profile = 1
    with pytest.raises(em.EMError, match="ephone 1 has button lines"):
        em.login(ex.telephony, "user204", 1)


def test_logout_errors(ex):
    with pytest.raises(em.EMError, match="user nobody has no voice user-profile"):
        em.logout(ex.telephony, "nobody")
    with pytest.raises(em.EMError, match="user user204 is not logged in"):
        em.logout(ex.telephony, "user204")


def test_logging_in_elsewhere_moves_the_user(ex):
    ex.config.ephones[2].buttons.clear()
    ex.config.ephones[2].logout_profile = 1
    a, b = ex.phone(EM_PHONE), ex.phone("SEP000F8FC7B681")
    em.login(ex.telephony, "user204", 3)
    ex.settle()
    a.reconnect()
    message = em.login(ex.telephony, "user204", 2)
    assert message == "user204 logged in on ephone 2 (logged out of ephone 3)"
    ex.settle()
    a.reconnect()
    b.reconnect()
    assert numbers(a) == ["203"] and numbers(b) == ["204"]
    assert ex.telephony.board.lines[DN_204].phones == {"SEP000F8FC7B681"}


def test_logging_in_again_on_the_same_phone_changes_nothing(ex):
    phone = ex.phone(EM_PHONE)
    em.login(ex.telephony, "user204", 3)
    assert em.login(ex.telephony, "user204", 3) == "user204 is already logged in on ephone 3"
    ex.settle()
    assert resets(phone) == [ResetType.RESTART]


# -- CLI ----------------------------------------------------------------------------------

def test_cli_login_show_logout(ex):
    phone = ex.phone(EM_PHONE)
    shown = cli(ex, "show ephone login").output
    assert "(logged out)" in shown and "logout 1" in shown and "203" in shown and "REGISTERED" in shown
    result = cli(ex, "emadmin login user204 3")
    assert result.ok and "user204 logged in on ephone 3" in result.output
    ex.settle()
    phone.reconnect()
    assert numbers(phone) == ["204"]
    row = cli(ex, "show ephone login").output.splitlines()[1].split()
    assert row == ["3", EM_PHONE, "user204", "user", "1", "204", "REGISTERED"]
    result = cli(ex, "emadmin logout user204")
    assert result.ok and "user204 logged out of ephone 3" in result.output
    assert "(logged out)" in cli(ex, "show ephone login").output


def test_cli_errors_print_a_percent_line(ex):
    result = cli(ex, "emadmin login user204 1")
    assert not result.ok and "% ephone 1 has no logout-profile" in result.output
    result = cli(ex, "emadmin logout user204")
    assert not result.ok and "% user user204 is not logged in" in result.output
    assert not cli(ex, "emadmin login user204 0").ok  # out of <1-10000>


def test_cli_without_telephony_says_so():
    result = run(table(), "show ephone login", SimpleNamespace(telephony=None))
    assert not result.ok and "not running" in result.output


# -- em logout H:M ------------------------------------------------------------------------

def test_em_logout_time_logs_everyone_out_and_restarts_their_phones(ex):
    assert ex.config.telephony.em_logout == [(1, 0)]
    phone = ex.phone(EM_PHONE)
    em.login(ex.telephony, "user204", 3)
    ex.settle()
    phone.reconnect()
    scheduler = em.EMScheduler(ex.telephony)
    scheduler.start()
    at = em.next_occurrence(ex.clock.seconds(), 1, 0)
    assert time.localtime(at)[3:6] == (1, 0, 0) and 0 < at - ex.clock.seconds() <= 25 * 3600
    ex.advance(at - ex.clock.seconds() - 1)
    assert ex.telephony.em_logins and resets(phone) == [ResetType.RESTART]
    phone.reconnect()  # the virtual phone sent no keepalives for hours: it was dropped
    ex.advance(1)
    assert ex.telephony.em_logins == {} and resets(phone) == [ResetType.RESTART] * 2
    phone.reconnect()
    assert numbers(phone) == ["203"]
    # and again the next day
    em.login(ex.telephony, "user204", 3)
    ex.advance(em.next_occurrence(ex.clock.seconds(), 1, 0) - ex.clock.seconds())
    assert ex.telephony.em_logins == {}
    scheduler.stop()
    assert not ex.clock.getDelayedCalls()


def test_scheduler_picks_the_nearest_of_several_times_and_does_nothing_without_any(ex):
    now = ex.clock.seconds()
    ex.config.telephony.em_logout = [(23, 59), (0, 1)]
    expected = min(em.next_occurrence(now, 23, 59), em.next_occurrence(now, 0, 1)) - now
    assert em.EMScheduler(ex.telephony).next_delay() == expected
    ex.config.telephony.em_logout = []
    scheduler = em.EMScheduler(ex.telephony)
    scheduler.start()
    assert scheduler.next_delay() is None and scheduler._call is None


def test_next_occurrence_is_strictly_later():
    t = time.mktime((2024, 3, 5, 1, 0, 0, 0, 0, -1))
    assert em.next_occurrence(t, 1, 0) == time.mktime((2024, 3, 6, 1, 0, 0, 0, 0, -1))
    assert em.next_occurrence(t - 60, 1, 0) == t
