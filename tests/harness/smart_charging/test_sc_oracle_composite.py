"""The composite schedule: the plan's cases (TC_066, TC_072, TC_082), purposes, stacking, replacement,
connector 0, units and phases (OCPP 1.6 §3.13, §5.7, §5.16, §7.13)."""

from __future__ import annotations

import pytest

from harness.smart_charging import Electrical, Installed, Period, Transaction, composite_schedule
from tests.harness.smart_charging.sc_builders import S, at, cpmax, limits, profile, tx, tx_default


def composite(installed, *, connector=1, duration=400, unit="A", transactions=(), **kw):
    return composite_schedule(installed, connector_id=connector, start=S, duration=duration, unit=unit,
                              transactions=transactions, **kw)


RUNNING = (Transaction(7, 1, S),)


# -- the plan's cases ------------------------------------------------------------------------------------------

def test_tc066_get_composite_schedule_is_the_minimum_of_the_stacked_limits():
    """EVerest's TC_066: ChargePointMax 10; TxDefault 0:6,60:10,120:8,180:25,260:8 for 300 s; TxProfile
    0:8,50:11,140:16,200:6,240:12 for 260 s → 0:8, 50:10, 200:6, 240:10, 260:8, 300:10."""
    installed = [cpmax(1, 0, [(0, 10)], start=at(-5), duration=86400 + 5),
                 tx_default(1, 2, 0, [(0, 6), (60, 10), (120, 8), (180, 25), (260, 8)], duration=300),
                 tx(1, 3, 0, [(0, 8), (50, 11), (140, 16), (200, 6), (240, 12)], kind="Relative", duration=260)]
    result = composite(installed, transactions=RUNNING)
    assert limits(result) == [(0, 8), (50, 10), (200, 6), (240, 10), (260, 8), (300, 10)]
    assert (result.connector_id, result.schedule_start, result.duration, result.charging_rate_unit) == \
           (1, S, 400, "A")


def test_tc072_the_higher_stack_level_wins_while_it_is_in_force():
    installed = [tx_default(1, 1, 0, [(0, 6), (100, 8), (200, 10)], duration=400, valid_from=S,
                            valid_to=at(401)),
                 tx_default(1, 2, 1, [(0, 7), (100, 9)], duration=150)]
    assert limits(composite(installed, transactions=RUNNING)) == [(0, 7), (100, 9), (150, 8), (200, 10)]


def test_tc072_with_elapsed_time_shifts_every_change():
    """Profiles set t = 5 s before the request (startSchedule = validFrom = S - 5 s): 100-t, 150-t, 200-t."""
    installed = [tx_default(1, 1, 0, [(0, 6), (100, 8), (200, 10)], start=at(-5), duration=400,
                            valid_from=at(-5), valid_to=at(396), installed_at=at(-5)),
                 tx_default(1, 2, 1, [(0, 7), (100, 9)], start=at(-5), duration=150, installed_at=at(-5))]
    assert limits(composite(installed, transactions=RUNNING)) == \
           [(0, 7), (95, 9), (145, 8), (195, 10), (395, None)]


def test_tc082_a_default_profile_applies_to_the_transaction_already_running():
    installed = [tx_default(1, 1, 0, [(0, 6), (60, 10), (120, 8)], duration=300, installed_at=at(-1))]
    result = composite(installed, duration=300, transactions=(Transaction(7, 1, at(-30)),))
    assert limits(result) == [(0, 6), (60, 10), (120, 8)]


def test_tc082_relative_default_profile_counts_from_the_transaction_start():
    installed = [tx_default(1, 1, 0, [(0, 6), (60, 10), (120, 8)], kind="Relative", duration=300)]
    result = composite(installed, duration=300, transactions=(Transaction(7, 1, at(-30)),))
    assert limits(result) == [(0, 6), (30, 10), (90, 8), (270, None)]


# -- purposes ---------------------------------------------------------------------------------------------

def test_no_profile_means_no_limit():
    assert composite([], duration=60).periods == (Period(0, None),)


def test_charge_point_max_profile_caps_the_connector():
    installed = [cpmax(1, 0, [(0, 16)]), tx_default(1, 2, 0, [(0, 32), (100, 10)])]
    assert limits(composite(installed, duration=200)) == [(0, 16), (100, 10)]


def test_charge_point_max_profile_alone_is_the_composite():
    assert limits(composite([cpmax(1, 0, [(0, 16), (60, 8)])], duration=120)) == [(0, 16), (60, 8)]


def test_charge_point_max_profile_on_another_connector_is_not_one():
    """Only connector 0 holds a ChargePointMaxProfile (§3.13.1); a stray one elsewhere limits nothing."""
    stray = Installed(1, profile(1, "ChargePointMaxProfile", 0, [(0, 6)]), S)
    assert limits(composite([stray], duration=60)) == [(0, None)]


def test_tx_default_profile_on_connector_0_applies_to_every_connector():
    installed = [tx_default(0, 1, 0, [(0, 13)])]
    assert limits(composite(installed, connector=1, duration=60)) == [(0, 13)]
    assert limits(composite(installed, connector=2, duration=60)) == [(0, 13)]


def test_tx_default_profile_on_a_connector_replaces_connector_0s_only_there():
    installed = [tx_default(0, 1, 0, [(0, 6)], installed_at=at(-2)),
                 tx_default(1, 2, 0, [(0, 10)], installed_at=at(-1))]
    assert limits(composite(installed, connector=1, duration=60)) == [(0, 10)]
    assert limits(composite(installed, connector=2, duration=60)) == [(0, 6)]


def test_tx_default_profiles_of_connector_0_and_the_connector_stack_by_level():
    """A different stack level is not a replacement (§3.13.2): connector 0's stack 1 wins over the
    connector's stack 0."""
    installed = [tx_default(0, 1, 1, [(0, 16)], installed_at=at(-2)),
                 tx_default(1, 2, 0, [(0, 10)], installed_at=at(-1))]
    assert limits(composite(installed, duration=60)) == [(0, 16)]


def test_a_later_connector_0_default_replaces_the_connectors_own_at_the_same_level():
    installed = [tx_default(1, 1, 0, [(0, 10)], installed_at=at(-2)),
                 tx_default(0, 2, 0, [(0, 6)], installed_at=at(-1))]
    assert limits(composite(installed, duration=60)) == [(0, 6)]


def test_tx_profile_overrules_the_default_whatever_their_stack_levels():
    installed = [tx_default(1, 1, 5, [(0, 6)]), tx(1, 2, 0, [(0, 16)])]
    assert limits(composite(installed, duration=60, transactions=RUNNING)) == [(0, 16)]


def test_tx_profile_without_a_transaction_is_ignored():
    installed = [tx_default(1, 1, 0, [(0, 6)]), tx(1, 2, 0, [(0, 16)])]
    assert limits(composite(installed, duration=60)) == [(0, 6)]


def test_tx_profile_for_another_transaction_is_ignored():
    installed = [tx_default(1, 1, 0, [(0, 6)]), tx(1, 2, 0, [(0, 16)], transaction_id=99)]
    assert limits(composite(installed, duration=60, transactions=RUNNING)) == [(0, 6)]


def test_tx_profile_for_the_running_transaction_applies():
    installed = [tx_default(1, 1, 0, [(0, 6)]), tx(1, 2, 0, [(0, 16)], transaction_id=7)]
    assert limits(composite(installed, duration=60, transactions=RUNNING)) == [(0, 16)]


def test_tx_profile_of_another_connector_does_not_apply():
    installed = [tx_default(0, 1, 0, [(0, 6)]), tx(2, 2, 0, [(0, 16)])]
    both = (Transaction(7, 1, S), Transaction(8, 2, S))
    assert limits(composite(installed, connector=1, duration=60, transactions=both)) == [(0, 6)]
    assert limits(composite(installed, connector=2, duration=60, transactions=both)) == [(0, 16)]


def test_the_default_returns_when_the_tx_profile_ends():
    installed = [tx_default(1, 1, 0, [(0, 6)]), tx(1, 2, 0, [(0, 16)], duration=100)]
    assert limits(composite(installed, duration=200, transactions=RUNNING)) == [(0, 16), (100, 6)]


# -- stacking and replacement ----------------------------------------------------------------------------

def test_a_lower_stack_level_shows_through_where_the_higher_has_ended():
    installed = [tx_default(1, 1, 0, [(0, 6)]), tx_default(1, 2, 3, [(0, 20)], start=at(50), duration=50)]
    assert limits(composite(installed, duration=200)) == [(0, 6), (50, 20), (100, 6)]


def test_charge_point_max_profiles_stack_too():
    installed = [cpmax(1, 0, [(0, 20)]), cpmax(2, 1, [(0, 8)], start=at(30), duration=30)]
    assert limits(composite(installed, duration=100)) == [(0, 20), (30, 8), (60, 20)]


def test_same_purpose_and_stack_level_replaces_even_before_the_new_one_is_valid():
    """§3.13.2: the Charge Point "SHALL replace the installed profile and SHALL revert to default behavior
    until validFrom is reached"."""
    installed = [tx_default(1, 1, 0, [(0, 6)]),
                 tx_default(1, 2, 1, [(0, 10)]),
                 tx_default(1, 3, 1, [(0, 16)], valid_from=at(100), installed_at=at(1))]
    assert limits(composite(installed, duration=200)) == [(0, 6), (100, 16)]


def test_same_charging_profile_id_replaces_whatever_else_changed():
    installed = [tx_default(1, 1, 0, [(0, 6)], installed_at=at(-2)), tx_default(1, 1, 4, [(0, 9)], installed_at=at(-1))]
    assert limits(composite(installed, duration=60)) == [(0, 9)]


def test_replacement_follows_installed_at_not_list_order():
    installed = [tx_default(1, 2, 0, [(0, 9)], installed_at=at(-1)), tx_default(1, 1, 0, [(0, 6)], installed_at=at(-2))]
    assert limits(composite(installed, duration=60)) == [(0, 9)]


# -- connector 0 -----------------------------------------------------------------------------------------

def test_connector_0_sums_the_connectors_under_the_charge_point_maximum():
    installed = [cpmax(1, 0, [(0, 32), (60, 16)]), tx_default(0, 2, 0, [(0, 10)])]
    result = composite(installed, connector=0, duration=120, number_of_connectors=2)
    assert limits(result) == [(0, 20), (60, 16)]


def test_connector_0_is_the_charge_point_maximum_where_a_connector_is_unlimited():
    installed = [cpmax(1, 0, [(0, 32)]), tx_default(1, 2, 0, [(0, 10)])]
    assert limits(composite(installed, connector=0, duration=60, number_of_connectors=2)) == [(0, 32)]


def test_connector_0_needs_the_number_of_connectors():
    with pytest.raises(ValueError, match="number_of_connectors"):
        composite([], connector=0)


# -- units, phases, rounding ----------------------------------------------------------------------------

def test_spec_example_daily_watts_profile_read_in_watts_and_amperes():
    """§3.13.7: a daily TxDefaultProfile of 11000 W, 6000 W from 08:00 to 20:00, 3 phases. From 22:00 for 12 h:
    11 kW across midnight (the recurrence restarts at 00:00 with the same limit), 6 kW from 08:00."""
    example = tx_default(1, 100, 0, [(0, 11000, 3), (28800, 6000, 3), (72000, 11000, 3)], unit="W",
                         kind="Recurring", recurrency="Daily", start=S.replace(year=2013, month=1, day=1, hour=0),
                         duration=86400, installed_at=S.replace(year=2013, month=1, day=1, hour=0))
    start = S.replace(hour=22)
    watts = composite_schedule([example], connector_id=1, start=start, duration=43200, unit="W")
    assert [(p.start_period, p.limit, p.number_phases) for p in watts.periods] == \
           [(0, 11000, 3), (36000, 6000, 3)]
    amps = composite_schedule([example], connector_id=1, start=start, duration=43200, unit="A")
    assert limits(amps) == [(0, 15.9), (36000, 8.7)]   # 11000 / (230 x 3) = 15.94; 6000 / 690 = 8.70


def test_amperes_to_watts_uses_the_periods_phases():
    installed = [tx_default(1, 1, 0, [(0, 10, 1), (60, 10, 3), (120, 10)])]
    watts = composite(installed, duration=180, unit="W")
    assert [(p.start_period, p.limit, p.number_phases) for p in watts.periods] == \
           [(0, 2300, 1), (60, 6900, 3), (120, 6900, None)]


def test_a_period_without_numberphases_uses_the_connectors_phases():
    installed = [tx_default(1, 1, 0, [(0, 7360)], unit="W")]
    assert limits(composite(installed, duration=60, electrical=Electrical(phases=1))) == [(0, 32.0)]
    assert limits(composite(installed, duration=60, electrical=Electrical(voltage=120, phases=2))) == [(0, 30.7)]


def test_the_minimum_compares_limits_in_the_requested_unit():
    """A 3-phase 16 A default (11040 W) under a 7000 W charge point maximum: 7000 W, 10.1 A per phase."""
    installed = [cpmax(1, 0, [(0, 7000)], unit="W"), tx_default(1, 2, 0, [(0, 16)])]
    assert limits(composite(installed, duration=60, unit="W")) == [(0, 7000)]
    assert limits(composite(installed, duration=60, unit="A")) == [(0, 10.1)]


def test_the_fewest_stated_phases_restrict_the_connector():
    installed = [cpmax(1, 0, [(0, 32, 1)]), tx_default(1, 2, 0, [(0, 16, 3)])]
    assert composite(installed, duration=60).periods == (Period(0, 16, 1),)


def test_equal_neighbours_merge_but_a_change_of_phases_does_not():
    installed = [tx_default(1, 1, 0, [(0, 10), (30, 10), (60, 10, 1)])]
    assert composite(installed, duration=90).periods == (Period(0, 10, None), Period(60, 10, 1))


def test_min_charging_rate_is_not_a_limit():
    installed = [tx_default(1, 1, 0, [(0, 6)], min_rate=20.0)]
    assert limits(composite(installed, duration=60)) == [(0, 6)]


def test_period_starts_round_to_whole_seconds_from_a_fractional_request_start():
    installed = [tx_default(1, 1, 0, [(0, 6), (60, 10)])]
    result = composite_schedule(installed, connector_id=1, start=at(0.4), duration=120, unit="A")
    assert limits(result) == [(0, 6), (60, 10)]      # the change at +59.6 s is reported at +60 s


def test_a_change_under_half_a_second_before_the_end_is_not_a_period():
    installed = [tx_default(1, 1, 0, [(0, 6), (60, 10)])]
    result = composite_schedule(installed, connector_id=1, start=at(0.4), duration=60, unit="A")
    assert limits(result) == [(0, 6)]                # the change at +59.6 s would round onto the end, 60 s


def test_an_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="chargingRateUnit"):
        composite([], unit="kW")
