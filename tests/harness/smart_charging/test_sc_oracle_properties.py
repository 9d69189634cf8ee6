"""Invariants of the oracle over generated profile sets (hypothesis).

Every instant in these tests is a whole second from S, so a composite can be checked second by second against
a reading written here independently of the oracle's interval arithmetic.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.smart_charging import Installed, Transaction, compare, composite_schedule, to_answer
from tests.harness.smart_charging.sc_builders import S, at, cpmax, profile

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

limit_a = st.integers(0, 640).map(lambda k: k / 10)


@st.composite
def schedule_periods(draw, max_periods=4, horizon=900):
    """(startPeriod, limit) pairs: the first at 0, strictly ascending."""
    starts = sorted(draw(st.sets(st.integers(1, horizon), max_size=max_periods - 1)))
    return [(start, draw(limit_a)) for start in [0] + starts]


@st.composite
def any_profile(draw, profile_id):
    """A TxDefaultProfile (connector 0 or 1) or a TxProfile (connector 1), in A or W, of any kind."""
    purpose, connector = draw(st.sampled_from([("TxDefaultProfile", 0), ("TxDefaultProfile", 1), ("TxProfile", 1)]))
    kind = draw(st.sampled_from(["Absolute", "Relative", "Recurring"]))
    unit = draw(st.sampled_from(["A", "W"]))
    periods = [(s, limit * (690 if unit == "W" else 1), draw(st.sampled_from([None, 1, 3])))
               for s, limit in draw(schedule_periods())]
    periods = [p if p[2] is not None else p[:2] for p in periods]
    options = {}
    if kind != "Relative":
        options["start"] = at(draw(st.integers(-3 * 86400 if kind == "Recurring" else -900, 600)))
    if kind == "Recurring":
        options["recurrency"] = "Daily"
    duration = draw(st.none() | st.integers(1, 1200))
    if draw(st.booleans()):
        options["valid_to"] = at(draw(st.integers(1, 1500)))
    body = profile(profile_id, purpose, draw(st.integers(0, 3)), periods, unit=unit, kind=kind, duration=duration,
                   **options)
    return Installed(connector, body, at(-draw(st.integers(1, 600))))


@st.composite
def situations(draw):
    """Installed profiles, maybe a transaction on connector 1, and a window."""
    installed = [draw(any_profile(i + 10)) for i in range(draw(st.integers(0, 4)))]
    transactions = (Transaction(7, 1, at(-draw(st.integers(0, 900)))),) if draw(st.booleans()) else ()
    return installed, transactions, draw(st.integers(1, 1500)), draw(st.sampled_from(["A", "W"]))


@SETTINGS
@given(situation=situations(), cap=schedule_periods(), cap_offset=st.integers(0, 600))
def test_the_composite_never_exceeds_the_charge_point_maximum(situation, cap, cap_offset):
    installed, transactions, duration, unit = situation
    scale = 690 if unit == "W" else 1
    cap_periods = [(s, limit * scale) for s, limit in cap]
    maximum = cpmax(1, 0, cap_periods, unit=unit, start=at(-cap_offset), installed_at=at(-cap_offset))
    result = composite_schedule(installed + [maximum], connector_id=1, start=S, duration=duration, unit=unit,
                                transactions=transactions)
    for second in range(duration):
        in_force = [limit for s, limit in cap_periods if s <= second + cap_offset][-1]
        period = result.limit_at(second + 0.5)
        assert period is not None and period.limit is not None and period.limit <= round(in_force, 1) + 1e-9


@SETTINGS
@given(periods=schedule_periods(max_periods=5), offset=st.integers(-600, 600),
       duration=st.none() | st.integers(1, 900), window=st.integers(1, 900))
def test_a_single_absolute_profile_is_its_own_periods_clipped_to_the_window(periods, offset, duration, window):
    body = profile(1, "TxDefaultProfile", 0, periods, start=at(offset), duration=duration)
    result = composite_schedule([Installed(1, body, at(-700))], connector_id=1, start=S, duration=window, unit="A")

    def own(second: int) -> float | None:
        u = second - offset                      # seconds into the profile's schedule
        if u < 0 or (duration is not None and u >= duration):
            return None
        return [limit for s, limit in periods if s <= u][-1]

    runs: list[tuple[int, float | None]] = []
    for second in range(window):
        if not runs or runs[-1][1] != own(second):
            runs.append((second, own(second)))
    assert [(p.start_period, p.limit) for p in result.periods] == runs


@SETTINGS
@given(situation=situations(), cuts=st.lists(st.integers(1, 1499), max_size=4))
def test_the_oracle_rendered_as_an_answer_matches_itself_even_split(situation, cuts):
    installed, transactions, duration, unit = situation
    expected = composite_schedule(installed, connector_id=1, start=S, duration=duration, unit=unit,
                                  transactions=transactions)
    answer = to_answer(expected, unlimited=100000.0)
    assert compare(expected, answer) == []
    schedule = answer.get("chargingSchedule")
    if schedule:
        periods = schedule["chargingSchedulePeriod"]
        for cut in cuts:                         # split a period in two equal ones
            if cut < schedule["duration"] and cut not in {p["startPeriod"] for p in periods}:
                before = [p for p in periods if p["startPeriod"] < cut][-1]
                periods.append({**before, "startPeriod": cut})
                periods.sort(key=lambda p: p["startPeriod"])
        assert compare(expected, answer) == []


@SETTINGS
@given(situation=situations(), pick=st.integers(0, 100))
def test_a_limit_changed_for_longer_than_the_start_tolerance_is_found(situation, pick):
    installed, transactions, duration, unit = situation
    expected = composite_schedule(installed, connector_id=1, start=S, duration=duration, unit=unit,
                                  transactions=transactions)
    ends = [p.start_period for p in expected.periods[1:]] + [expected.duration]
    long_enough = [i for i, (p, end) in enumerate(zip(expected.periods, ends))
                   if p.limit is not None and end - p.start_period > 2]
    if not long_enough:
        return
    answer = to_answer(expected, unlimited=100000.0)
    target = answer["chargingSchedule"]["chargingSchedulePeriod"][long_enough[pick % len(long_enough)]]
    target["limit"] += 1.0 if unit == "A" else 1000.0
    assert compare(expected, answer)
