"""When a profile is in force: Absolute, Recurring (Daily, Weekly), Relative; duration; validFrom/validTo
(OCPP 1.6 §3.13.2, §5.16, §7.8-7.13)."""

from __future__ import annotations

from datetime import datetime, timezone

from harness.smart_charging import Transaction, composite_schedule
from tests.harness.smart_charging.sc_builders import S, at, cpmax, limits, tx, tx_default

LONG_AGO = datetime(2024, 1, 1, tzinfo=timezone.utc)   # a Monday


def composite(installed, *, start=S, duration=400, transactions=(), connector=1):
    return composite_schedule(installed, connector_id=connector, start=start, duration=duration, unit="A",
                              transactions=transactions)


# -- Absolute -----------------------------------------------------------------------------------------------

def test_absolute_starts_at_start_schedule_and_nothing_is_in_force_before():
    installed = [tx_default(1, 1, 0, [(0, 6), (60, 10)], start=at(100))]
    assert limits(composite(installed, duration=300)) == [(0, None), (100, 6), (160, 10)]


def test_absolute_started_in_the_past_is_read_from_the_middle():
    installed = [tx_default(1, 1, 0, [(0, 6), (60, 10), (120, 8)], start=at(-90), installed_at=at(-90))]
    assert limits(composite(installed, duration=300)) == [(0, 10), (30, 8)]


def test_duration_ends_the_schedule_and_the_last_period_runs_until_then():
    """§5.16: "If duration is longer than the chargingSchedulePeriod, the Charge Point SHALL keep the value of
    the last chargingSchedulePeriod until duration has ended"; periods past it "SHALL not be executed"."""
    installed = [tx_default(1, 1, 0, [(0, 6), (60, 10), (500, 16)], duration=200)]
    assert limits(composite(installed)) == [(0, 6), (60, 10), (200, None)]


def test_without_duration_the_last_period_continues():
    installed = [tx_default(1, 1, 0, [(0, 6), (60, 10)], start=at(-86400), installed_at=at(-86400))]
    assert limits(composite(installed)) == [(0, 10)]


def test_absolute_without_start_schedule_is_relative_to_the_start_of_charging():
    """§7.13 startSchedule: "If absent the schedule will be relative to start of charging"."""
    installed = [tx_default(1, 1, 0, [(0, 6), (60, 10)], start=None)]
    assert limits(composite(installed, duration=120, transactions=(Transaction(7, 1, at(-30)),))) == \
           [(0, 6), (30, 10)]
    assert limits(composite(installed, duration=120)) == [(0, 6), (60, 10)]


# -- validity -----------------------------------------------------------------------------------------------

def test_valid_to_cuts_a_profile_and_the_lower_stack_level_returns():
    installed = [tx_default(1, 1, 0, [(0, 6)]), tx_default(1, 2, 1, [(0, 10)], valid_to=at(100))]
    assert limits(composite(installed, duration=200)) == [(0, 10), (100, 6)]


def test_valid_to_alone_leaves_no_limit():
    installed = [tx_default(1, 1, 0, [(0, 10)], valid_to=at(100))]
    assert limits(composite(installed, duration=200)) == [(0, 10), (100, None)]


def test_valid_from_in_the_future_holds_a_profile_back():
    installed = [tx_default(1, 1, 0, [(0, 6)]), tx_default(1, 2, 1, [(0, 10), (60, 12)], valid_from=at(100))]
    assert limits(composite(installed, duration=200)) == [(0, 6), (100, 12)]


def test_without_valid_from_a_profile_is_valid_once_installed():
    """§7.8 validFrom: "If absent, the profile is valid as soon as it is received by the Charge Point"."""
    installed = [tx_default(1, 1, 0, [(0, 6)]), tx_default(1, 2, 1, [(0, 10)], installed_at=at(50))]
    assert limits(composite(installed, duration=100)) == [(0, 6), (50, 10)]


def test_a_profile_that_expired_before_the_window_does_nothing():
    installed = [tx_default(1, 1, 0, [(0, 10)], start=at(-500), valid_to=at(-1), installed_at=at(-500))]
    assert limits(composite(installed, duration=60)) == [(0, None)]


# -- Recurring ----------------------------------------------------------------------------------------------

def test_recurring_daily_restarts_every_day_at_the_start_schedules_time():
    installed = [tx_default(1, 1, 0, [(0, 32), (3600, 6)], kind="Recurring", recurrency="Daily",
                            start=LONG_AGO.replace(hour=12, minute=30), installed_at=LONG_AGO)]
    assert limits(composite(installed, duration=7200)) == [(0, 6), (1800, 32), (5400, 6)]


def test_recurring_daily_crossing_midnight_with_a_shorter_duration():
    """22:00 for 4 h each day over a 6 A default, asked from 21:00 for 6 h: the 22:00-02:00 run crosses
    midnight, then the default returns (§5.16: "fall back to default behaviour after the chargingSchedule
    duration ends")."""
    installed = [tx_default(1, 1, 0, [(0, 6)], start=LONG_AGO, installed_at=LONG_AGO),
                 tx_default(1, 2, 1, [(0, 10), (3600, 16)], kind="Recurring", recurrency="Daily",
                            start=LONG_AGO.replace(hour=22), duration=4 * 3600, installed_at=LONG_AGO)]
    result = composite(installed, start=S.replace(hour=21), duration=6 * 3600)
    assert limits(result) == [(0, 6), (3600, 10), (7200, 16), (18000, 6)]


def test_recurring_daily_run_still_in_force_after_midnight():
    """Asked at 01:00: the run that began at 22:00 the day before is still in force until 02:00."""
    installed = [tx_default(1, 1, 0, [(0, 10), (3600, 16)], kind="Recurring", recurrency="Daily",
                            start=LONG_AGO.replace(hour=22), duration=4 * 3600, installed_at=LONG_AGO)]
    result = composite(installed, start=S.replace(hour=1), duration=3 * 3600)
    assert limits(result) == [(0, 16), (3600, None)]


def test_recurring_weekly_restarts_on_the_same_weekday():
    """Mondays 00:00 for two days; asked on Sunday 2024-05-05 12:00 for two days."""
    installed = [tx_default(1, 1, 0, [(0, 16)], kind="Recurring", recurrency="Weekly", start=LONG_AGO,
                            duration=2 * 86400, installed_at=LONG_AGO)]
    sunday = datetime(2024, 5, 5, 12, tzinfo=timezone.utc)
    assert limits(composite(installed, start=sunday, duration=2 * 86400)) == [(0, None), (43200, 16)]


def test_recurring_weekly_in_the_middle_of_the_week():
    installed = [tx_default(1, 1, 0, [(0, 16), (3 * 86400, 8)], kind="Recurring", recurrency="Weekly",
                            start=LONG_AGO, installed_at=LONG_AGO)]
    # Wednesday 12:00 is 2.5 days into the week: 16 A for half a day more, then 8 A until Monday
    assert limits(composite(installed, duration=86400)) == [(0, 16), (43200, 8)]


def test_recurring_duration_is_bounded_by_the_recurrence():
    """§5.16: a duration "longer then the recurrence period duration, the remainder periods SHALL not be
    executed": a 30-hour daily schedule restarts at the next day anyway."""
    installed = [tx_default(1, 1, 0, [(0, 10), (86400 + 3600, 20)], kind="Recurring", recurrency="Daily",
                            start=LONG_AGO.replace(hour=12), duration=30 * 3600, installed_at=LONG_AGO)]
    assert limits(composite(installed, duration=2 * 86400)) == [(0, 10)]


def test_recurring_is_not_in_force_before_its_first_start():
    installed = [tx_default(1, 1, 0, [(0, 10)], kind="Recurring", recurrency="Daily", start=at(3600))]
    assert limits(composite(installed, duration=7200)) == [(0, None), (3600, 10)]


def test_recurring_respects_valid_to():
    installed = [tx_default(1, 1, 0, [(0, 10)], kind="Recurring", recurrency="Daily", start=LONG_AGO,
                            valid_to=at(600), installed_at=LONG_AGO)]
    assert limits(composite(installed, duration=1200)) == [(0, 10), (600, None)]


# -- Relative -----------------------------------------------------------------------------------------------

def test_relative_counts_from_the_transaction_start():
    installed = [tx(1, 1, 0, [(0, 6), (120, 10)], kind="Relative")]
    running = (Transaction(7, 1, at(-60)),)
    assert limits(composite(installed, duration=200, transactions=running)) == [(0, 6), (60, 10)]


def test_relative_without_a_transaction_counts_from_the_request():
    installed = [tx_default(1, 1, 0, [(0, 6), (120, 10)], kind="Relative", duration=150)]
    assert limits(composite(installed, duration=200)) == [(0, 6), (120, 10), (150, None)]


def test_relative_uses_the_transaction_of_the_connector_asked_for():
    installed = [tx_default(0, 1, 0, [(0, 6), (120, 10)], kind="Relative")]
    running = (Transaction(7, 1, at(-60)), Transaction(8, 2, at(-100)))
    assert limits(composite(installed, duration=200, transactions=running, connector=1)) == [(0, 6), (60, 10)]
    assert limits(composite(installed, duration=200, transactions=running, connector=2)) == [(0, 6), (20, 10)]
    assert limits(composite(installed, duration=200, transactions=running, connector=3)) == [(0, 6), (120, 10)]


def test_relative_charge_point_max_profile_counts_from_its_installation():
    installed = [cpmax(1, 0, [(0, 20), (300, 10)], kind="Relative", installed_at=at(-200))]
    running = (Transaction(7, 1, at(-60)),)
    assert limits(composite(installed, duration=200, transactions=running)) == [(0, 20), (100, 10)]


def test_relative_profile_clipped_by_valid_from_keeps_its_origin():
    """Started 10:00, valid from 12:00: the first hour of 32 A has passed unseen, 6 A from 12:00 (EVerest's
    smart-charging notes give the same answer)."""
    installed = [tx_default(1, 1, 0, [(0, 32), (3600, 6)], kind="Relative", valid_from=S,
                            valid_to=S.replace(hour=20))]
    running = (Transaction(7, 1, S.replace(hour=10)),)
    result = composite(installed, start=S.replace(hour=10), duration=4 * 3600, transactions=running)
    assert limits(result) == [(0, None), (7200, 6)]
