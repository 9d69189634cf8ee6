"""Judging GetCompositeSchedule.conf against the oracle: step functions, merged findings, shortened answers,
the ceiling, breakpoint shifts, and the header fields."""

from __future__ import annotations

import copy

import pytest

from harness.smart_charging import CompositeSchedule, Electrical, Period, compare, format_time, to_answer
from tests.harness.smart_charging.sc_builders import S, at

TC066 = CompositeSchedule(1, S, 400, "A", (Period(0, 8), Period(50, 10), Period(200, 6), Period(240, 10),
                                           Period(260, 8), Period(300, 10)))


def answer(periods, *, duration=400, unit="A", start=S, connector=1, status="Accepted"):
    return {"status": status, "connectorId": connector, "scheduleStart": format_time(start),
            "chargingSchedule": {"duration": duration, "startSchedule": format_time(start), "chargingRateUnit": unit,
                                 "chargingSchedulePeriod": [dict(zip(("startPeriod", "limit", "numberPhases"), p))
                                                            for p in periods]}}


EXACT = [(0, 8), (50, 10), (200, 6), (240, 10), (260, 8), (300, 10)]


def test_the_same_schedule_matches():
    assert compare(TC066, answer(EXACT)) == []
    assert compare(TC066, to_answer(TC066)) == []


def test_splitting_a_period_into_equal_ones_is_not_a_mismatch():
    split = [(0, 8), (25, 8), (50, 10), (100, 10), (150, 10), (200, 6), (240, 10), (260, 8), (300, 10), (350, 10)]
    assert compare(TC066, answer(split)) == []


def test_a_wrong_limit_is_reported_where_it_applies():
    wrong = [(0, 8), (50, 11), (140, 10), (200, 6), (240, 10), (260, 8), (300, 10)]
    assert compare(TC066, answer(wrong)) == ["at +50 s: expected limit 10.0 A, got 11.0 A (chargingSchedulePeriod[1])"]


def test_findings_with_equal_limits_merge_into_one_range():
    """The charger forgot the ChargePointMaxProfile's cap over two of its own periods that both say 11 A."""
    wrong = [(0, 8), (50, 11), (140, 11), (200, 6), (240, 10), (260, 8), (300, 10)]
    assert compare(TC066, answer(wrong)) == \
        ["from +50 s to +200 s: expected limit 10.0 A, got 11.0 A (chargingSchedulePeriod[1..2])"]


def test_different_wrong_limits_are_separate_findings():
    wrong = [(0, 8), (50, 11), (140, 16), (200, 6), (240, 12), (260, 8), (300, 10)]
    assert compare(TC066, answer(wrong)) == [
        "at +50 s: expected limit 10.0 A, got 11.0 A (chargingSchedulePeriod[1])",
        "at +140 s: expected limit 10.0 A, got 16.0 A (chargingSchedulePeriod[2])",
        "at +240 s: expected limit 10.0 A, got 12.0 A (chargingSchedulePeriod[4])"]


def test_a_limit_within_the_tolerance_matches():
    assert compare(TC066, answer([(0, 8.1), (50, 9.9), (200, 6), (240, 10), (260, 8), (300, 10)])) == []
    assert compare(TC066, answer([(0, 8.3)] + EXACT[1:])) != []
    assert compare(TC066, answer([(0, 8.3)] + EXACT[1:]), tolerance=0.5) == []


# -- shortened answers and unlimited intervals ----------------------------------------------------------

def test_a_shorter_answer_leaves_the_rest_unlimited_which_is_fine_where_the_oracle_has_no_limit():
    expected = CompositeSchedule(1, S, 400, "A", (Period(0, 6), Period(300, None)))
    assert compare(expected, answer([(0, 6)], duration=300)) == []


def test_a_shorter_answer_is_reported_where_the_oracle_has_a_limit():
    assert compare(TC066, answer(EXACT[:-1], duration=300)) == \
        ["at +300 s: expected limit 10.0 A, got no limit (the answer's schedule ends at +300 s)"]


def test_an_answer_without_duration_runs_its_last_period_to_the_end():
    payload = answer(EXACT)
    del payload["chargingSchedule"]["duration"]
    assert compare(TC066, payload) == []


def test_no_limit_accepts_any_limit_without_a_ceiling():
    expected = CompositeSchedule(1, S, 120, "A", (Period(0, None), Period(60, 10)))
    assert compare(expected, answer([(0, 6), (60, 10)], duration=120)) == []


def test_no_limit_accepts_limits_up_from_the_ceiling():
    expected = CompositeSchedule(1, S, 120, "A", (Period(0, None), Period(60, 10)))
    assert compare(expected, answer([(0, 32), (60, 10)], duration=120), ceiling=32) == []
    assert compare(expected, answer([(0, 16), (60, 10)], duration=120), ceiling=32) == \
        ["at +0 s: expected no limit (at least 32.0 A), got 16.0 A (chargingSchedulePeriod[0])"]


def test_an_answer_without_a_schedule_is_unlimited():
    nothing = {"status": "Accepted", "connectorId": 1, "scheduleStart": format_time(S)}
    assert compare(CompositeSchedule(1, S, 60, "A", (Period(0, None),)), nothing) == []
    assert compare(CompositeSchedule(1, S, 60, "A", (Period(0, 6),)), nothing) == \
        ["at +0 s: expected limit 6.0 A, got no limit (the answer has no chargingSchedule)"]


def test_a_first_period_after_0_leaves_the_start_unlimited():
    assert compare(TC066, answer([(10, 8)] + EXACT[1:])) == \
        ["at +0 s: expected limit 8.0 A, got no limit (before chargingSchedulePeriod[0] starts at +10 s)"]


# -- time shifts ----------------------------------------------------------------------------------------

def test_a_breakpoint_a_second_off_is_the_chargers_clock_not_an_error():
    shifted = [(0, 8), (51, 10), (199, 6), (240, 10), (261, 8), (300, 10)]
    assert compare(TC066, answer(shifted)) == []


def test_a_breakpoint_further_off_than_the_start_tolerance_is_an_error():
    shifted = [(0, 8), (55, 10), (200, 6), (240, 10), (260, 8), (300, 10)]
    assert compare(TC066, answer(shifted)) == \
        ["at +50 s: expected limit 10.0 A, got 8.0 A (chargingSchedulePeriod[0])"]
    assert compare(TC066, answer(shifted), start_tolerance_s=5) == []


def test_an_answer_ending_a_second_early_is_a_clock_shift():
    assert compare(TC066, answer(EXACT, duration=399)) == []


def test_a_wrong_value_for_a_second_in_a_steady_stretch_is_still_an_error():
    glitch = [(0, 8), (50, 10), (100, 16), (101, 10), (200, 6), (240, 10), (260, 8), (300, 10)]
    assert compare(TC066, answer(glitch)) == \
        ["at +100 s: expected limit 10.0 A, got 16.0 A (chargingSchedulePeriod[2])"]


# -- header fields --------------------------------------------------------------------------------------

def test_a_rejected_answer_is_one_finding():
    assert compare(TC066, {"status": "Rejected"}) == ["status: expected Accepted, got Rejected"]


def test_schedule_start_within_the_tolerance_matches_and_beyond_is_reported():
    assert compare(TC066, answer(EXACT, start=at(1.5))) == []
    assert compare(TC066, answer(EXACT, start=at(5))) == \
        ["scheduleStart: expected 2024-05-01T12:00:00Z (± 2 s), got 2024-05-01T12:00:05Z (+5.0 s)"]


def test_schedule_start_falls_back_to_the_schedules_start_schedule():
    payload = answer(EXACT)
    del payload["scheduleStart"]
    assert compare(TC066, payload) == []
    del payload["chargingSchedule"]["startSchedule"]
    assert compare(TC066, payload) == ["scheduleStart: expected 2024-05-01T12:00:00Z, got none"]


def test_wrong_connector_and_longer_duration_are_reported():
    findings = compare(TC066, answer(EXACT, connector=2, duration=500))
    assert findings == ["connectorId: expected 1, got 2", "duration: expected 400 s, got 500 s"]


def test_an_answer_in_the_other_unit_is_reported_and_compared_converted():
    watts = [(start, limit * 690) for start, limit in EXACT]
    assert compare(TC066, answer(watts, unit="W")) == \
        ["chargingRateUnit: expected A, got W (its limits are compared converted)"]


def test_periods_out_of_order_are_reported_and_read_sorted():
    assert compare(TC066, answer(list(reversed(EXACT)))) == \
        ["chargingSchedulePeriod: not in ascending startPeriod order (read sorted)"]


# -- watts and phases -----------------------------------------------------------------------------------

def test_the_default_tolerance_in_watts_is_a_tenth_of_an_ampere_on_the_periods_phases():
    expected = CompositeSchedule(1, S, 120, "W", (Period(0, 11040), Period(60, 2300, 1)))
    assert compare(expected, answer([(0, 11100), (60, 2320, 1)], duration=120, unit="W")) == []
    assert compare(expected, answer([(0, 11200), (60, 2330, 1)], duration=120, unit="W")) == [
        "at +0 s: expected limit 11040 W, got 11200 W (chargingSchedulePeriod[0])",
        "at +60 s: expected limit 2300 W on 1 phase, got 2330 W on 1 phase (chargingSchedulePeriod[1])"]
    single = Electrical(phases=1)
    assert compare(expected, answer([(0, 11060), (60, 2300, 1)], duration=120, unit="W"), electrical=single) == []


def test_a_stated_number_of_phases_must_be_answered():
    expected = CompositeSchedule(1, S, 60, "A", (Period(0, 16, 1),))
    assert compare(expected, answer([(0, 16, 1)], duration=60)) == []
    assert compare(expected, answer([(0, 16)], duration=60)) == \
        ["at +0 s: expected limit 16.0 A on 1 phase, got 16.0 A on 3 phases (chargingSchedulePeriod[0])"]
    assert compare(expected, answer([(0, 16)], duration=60), electrical=Electrical(phases=1)) == []


def test_phases_the_oracle_does_not_state_are_not_judged():
    expected = CompositeSchedule(1, S, 60, "A", (Period(0, 16),))
    assert compare(expected, answer([(0, 16, 1)], duration=60)) == []


# -- to_answer ------------------------------------------------------------------------------------------

def test_to_answer_cuts_trailing_no_limit_and_needs_a_value_for_an_inner_one():
    tail = CompositeSchedule(1, S, 400, "A", (Period(0, 6), Period(300, None)))
    rendered = to_answer(tail)
    assert rendered["chargingSchedule"]["duration"] == 300
    assert rendered["chargingSchedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 6}]
    inner = CompositeSchedule(1, S, 400, "A", (Period(0, None), Period(300, 6, 1)))
    with pytest.raises(ValueError, match="unlimited"):
        to_answer(inner)
    assert to_answer(inner, unlimited=32)["chargingSchedule"]["chargingSchedulePeriod"] == \
        [{"startPeriod": 0, "limit": 32}, {"startPeriod": 300, "limit": 6, "numberPhases": 1}]
    assert "chargingSchedule" not in to_answer(CompositeSchedule(1, S, 60, "A", (Period(0, None),)))


def test_compare_does_not_change_the_answer():
    payload = answer(list(reversed(EXACT)))
    before = copy.deepcopy(payload)
    compare(TC066, payload)
    assert payload == before
