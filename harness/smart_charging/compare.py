"""Judging a GetCompositeSchedule.conf against the oracle, as two step functions over [0, duration).

Why step functions and not period lists: a charger may split one period into two equal ones, or merge what
the oracle keeps apart because of a numberPhases it does not report; neither changes what the EV may draw.
Sampling at every breakpoint of either schedule finds every interval where the limits differ, and only those.

Why a breakpoint may move by up to ``start_tolerance_s``: the charger computes from its own "now" (its
scheduleStart), so a profile's absolute instants land a second earlier or later in its relative periods than in
the oracle's; a mismatch no longer than that, next to a change of the oracle's limit and showing the neighbouring
limit, is that shift, not an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from .model import CompositeSchedule, Electrical, format_time, parse_time
from .profiles import EPS


@dataclass(frozen=True)
class _Step:
    begin: float
    end: float
    limit: float | None
    phases: int | None = None
    index: int | None = None      # chargingSchedulePeriod[index] of the answer
    why: str = ""                 # why the answer sets no limit here


def _seconds(t: float) -> str:
    return f"+{t:g} s" if float(t).is_integer() else f"+{t:.1f} s"


def _amount(value: float, unit: str, phases: int | None = None) -> str:
    text = f"{value:.1f} A" if unit == "A" else (f"{value:.0f} W" if abs(value - round(value)) < 0.05
                                                  else f"{value:.1f} W")
    if phases is not None:
        text += f" on {phases} phase{'s' if phases != 1 else ''}"
    return text


def _expected_steps(expected: CompositeSchedule) -> list[_Step]:
    periods = expected.periods
    ends = [p.start_period for p in periods[1:]] + [expected.duration]
    return [_Step(float(p.start_period), float(end), p.limit, p.number_phases)
            for p, end in zip(periods, ends) if end > p.start_period]


def _answer_steps(schedule: dict[str, Any] | None, duration: int, unit: str, electrical: Electrical,
                  findings: list[str]) -> list[_Step]:
    """The answer as steps over [0, duration), limits in the oracle's unit; unlimited where it says nothing."""
    periods = (schedule or {}).get("chargingSchedulePeriod") or []
    if not periods:
        why = "the answer has no chargingSchedule" if not schedule else "the answer has no chargingSchedulePeriod"
        return [_Step(0.0, float(duration), None, why=why)]
    given = schedule.get("chargingRateUnit", unit)  # type: ignore[union-attr]
    if given != unit:
        findings.append(f"chargingRateUnit: expected {unit}, got {given} (its limits are compared converted)")
    length = schedule.get("duration")  # type: ignore[union-attr]
    if length is not None and length > duration:
        findings.append(f"duration: expected {duration} s, got {length} s")
    end_of_answer = float(duration) if length is None else max(0.0, min(float(duration), float(length)))

    order = sorted(range(len(periods)), key=lambda i: periods[i].get("startPeriod", 0))
    if order != list(range(len(periods))):
        findings.append("chargingSchedulePeriod: not in ascending startPeriod order (read sorted)")
    steps: list[_Step] = []
    first = float(periods[order[0]].get("startPeriod", 0))
    if first > 0:
        steps.append(_Step(0.0, min(first, end_of_answer), None,
                           why=f"before chargingSchedulePeriod[{order[0]}] starts at {_seconds(first)}"))
    for position, i in enumerate(order):
        period = periods[i]
        begin = float(period.get("startPeriod", 0))
        end = (float(periods[order[position + 1]].get("startPeriod", 0)) if position + 1 < len(order)
               else end_of_answer)
        begin, end = max(begin, 0.0), min(end, end_of_answer)
        if end <= begin:
            continue
        phases = period.get("numberPhases")
        phases = None if phases is None else int(phases)
        limit = period.get("limit")
        if limit is not None and given in ("A", "W"):
            limit = electrical.convert(float(limit), given, unit, phases)
        steps.append(_Step(begin, end, None if limit is None else float(limit), phases, i,
                           why="" if limit is not None else f"chargingSchedulePeriod[{i}] has no limit"))
    if end_of_answer < duration:
        steps.append(_Step(end_of_answer, float(duration), None,
                           why=f"the answer's schedule ends at {_seconds(end_of_answer)}"))
    return steps


def _at(steps: Sequence[_Step], t: float) -> _Step | None:
    for step in steps:
        if step.begin <= t < step.end:
            return step
    return None


def compare(expected: CompositeSchedule, answer: dict[str, Any], *, tolerance: float | None = None,
            start_tolerance_s: float = 2.0, ceiling: float | None = None,
            electrical: Electrical = Electrical()) -> list[str]:
    """Judge a GetCompositeSchedule.conf payload against the oracle: one plain sentence per mismatch (status,
    connectorId, scheduleStart, unit, duration, then the limits interval by interval); empty = match.

    ``tolerance``: the largest difference of limits still equal, in the schedule's unit; by default 0.1 A, or
    in W what 0.1 A is on the period's phases (0.1 x voltage x phases). ``ceiling``: where the oracle says no
    profile limits the connector, the answer must allow at least this much (any limit when None). An answer
    whose schedule ends before ``duration`` leaves the rest unlimited (allowed; reported only where the oracle
    has a limit). ``electrical`` converts an answer in the other unit and gives the phases of a period that
    states none.
    """
    status = answer.get("status")
    if status != "Accepted":
        return [f"status: expected Accepted, got {status}"]
    findings: list[str] = []
    unit = expected.charging_rate_unit
    connector = answer.get("connectorId")
    if connector is not None and connector != expected.connector_id:
        findings.append(f"connectorId: expected {expected.connector_id}, got {connector}")
    schedule = answer.get("chargingSchedule")
    start = parse_time(answer.get("scheduleStart")) or parse_time((schedule or {}).get("startSchedule"))
    if start is None:
        findings.append(f"scheduleStart: expected {format_time(expected.schedule_start)}, got none")
    else:
        drift = (start - expected.schedule_start).total_seconds()
        if abs(drift) > start_tolerance_s:
            findings.append(f"scheduleStart: expected {format_time(expected.schedule_start)} "
                            f"(± {start_tolerance_s:g} s), got {format_time(start)} ({drift:+.1f} s)")

    mine = _expected_steps(expected)
    theirs = _answer_steps(schedule, expected.duration, unit, electrical, findings)

    def tolerated(step: _Step) -> float:
        if tolerance is not None:
            return tolerance
        return 0.1 if unit == "A" else 0.1 * electrical.voltage * (step.phases or electrical.phases)

    def matches(e: _Step, g: _Step) -> bool:
        if e.limit is None:
            return g.limit is None or ceiling is None or g.limit >= ceiling - tolerated(e)
        if g.limit is None or abs(g.limit - e.limit) > tolerated(e) + EPS:
            return False
        return e.phases is None or (g.phases or electrical.phases) == e.phases

    cuts = sorted({0.0, float(expected.duration)} | {x for s in mine + theirs for x in (s.begin, s.end)
                                                      if 0 < x < expected.duration})
    cells = []  # (begin, end, expected step, answer step, matches)
    for begin, end in zip(cuts, cuts[1:]):
        t = (begin + end) / 2
        e, g = _at(mine, t), _at(theirs, t)
        if e is None or g is None:
            continue
        cells.append((begin, end, e, g, matches(e, g)))

    bad = _unshifted(cells, mine, start_tolerance_s, expected.duration, matches)
    findings += _sentences([cell for cell, keep in zip(cells, bad) if keep], unit, ceiling, electrical.phases)
    return findings


def _unshifted(cells, mine: Sequence[_Step], fuzz: float, duration: int, matches) -> list[bool]:
    """Which mismatching cells remain once breakpoint shifts of up to ``fuzz`` seconds are forgiven: a run of
    mismatching cells no longer than ``fuzz`` whose answer shows a limit the oracle has within ``fuzz`` of it
    (or which is the last ``fuzz`` seconds of an answer that ends a little early)."""
    keep = [not ok for *_, ok in cells]
    i = 0
    while i < len(cells):
        if not keep[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(cells) and keep[j + 1]:
            j += 1
        begin, end = cells[i][0], cells[j][1]
        if end - begin <= fuzz + EPS:
            nearby = [s for s in mine if s.begin < end + fuzz and s.end > begin - fuzz]
            shifted = all(any(matches(s, cells[k][3]) for s in nearby) for k in range(i, j + 1))
            early_end = math.isclose(end, duration) and all(cells[k][3].limit is None for k in range(i, j + 1))
            if shifted or early_end:
                for k in range(i, j + 1):
                    keep[k] = False
        i = j + 1
    return keep


def _reference(indices: Sequence[int]) -> str:
    unique = sorted(set(indices))
    if len(unique) == 1:
        return f"chargingSchedulePeriod[{unique[0]}]"
    if unique == list(range(unique[0], unique[-1] + 1)):
        return f"chargingSchedulePeriod[{unique[0]}..{unique[-1]}]"
    return "chargingSchedulePeriod" + ", ".join(f"[{i}]" for i in unique)


def _sentences(cells, unit: str, ceiling: float | None, default_phases: int) -> list[str]:
    """Adjacent cells with the same expected and answered values become one sentence with a range."""
    groups: list[dict[str, Any]] = []
    for begin, end, e, g, _ in cells:
        key = (e.limit, e.phases, g.limit, g.phases, g.why)
        if groups and groups[-1]["key"] == key and math.isclose(groups[-1]["end"], begin):
            groups[-1].update(end=end, count=groups[-1]["count"] + 1)
            groups[-1]["indices"].append(g.index)
        else:
            groups.append({"key": key, "begin": begin, "end": end, "count": 1, "indices": [g.index]})
    out = []
    for group in groups:
        e_limit, e_phases, g_limit, g_phases, why = group["key"]
        when = (f"at {_seconds(group['begin'])}" if group["count"] == 1
                else f"from {_seconds(group['begin'])} to {_seconds(group['end'])}")
        where = why or _reference([i for i in group["indices"] if i is not None])
        if e_limit is None:
            out.append(f"{when}: expected no limit (at least {_amount(ceiling or 0.0, unit)}), "
                       f"got {_amount(g_limit, unit)} ({where})")
        elif g_limit is None:
            out.append(f"{when}: expected limit {_amount(e_limit, unit)}, got no limit ({where})")
        elif e_phases is None:
            out.append(f"{when}: expected limit {_amount(e_limit, unit)}, got {_amount(g_limit, unit)} ({where})")
        else:
            out.append(f"{when}: expected limit {_amount(e_limit, unit, e_phases)}, "
                       f"got {_amount(g_limit, unit, g_phases or default_phases)} ({where})")
    return out


def to_answer(schedule: CompositeSchedule, *, unlimited: float | None = None) -> dict[str, Any]:
    """The oracle rendered as the GetCompositeSchedule.conf a conforming charger could send: trailing
    "no limit" cut off by a shorter duration; "no limit" before a limit written as ``unlimited`` (required
    then: the wire has no way to say "none" in the middle of a schedule)."""
    periods = list(schedule.periods)
    while periods and periods[-1].limit is None:
        periods.pop()
    answer: dict[str, Any] = {"status": "Accepted", "connectorId": schedule.connector_id,
                              "scheduleStart": format_time(schedule.schedule_start)}
    if not periods:
        return answer
    length = schedule.periods[len(periods)].start_period if len(periods) < len(schedule.periods) \
        else schedule.duration
    wire = []
    for period in periods:
        limit = period.limit
        if limit is None:
            if unlimited is None:
                raise ValueError(f"no limit at +{period.start_period} s before a limit: give unlimited=")
            limit = unlimited
        item: dict[str, Any] = {"startPeriod": period.start_period, "limit": limit}
        if period.number_phases is not None:
            item["numberPhases"] = period.number_phases
        wire.append(item)
    answer["chargingSchedule"] = {"duration": length, "startSchedule": format_time(schedule.schedule_start),
                                  "chargingRateUnit": schedule.charging_rate_unit, "chargingSchedulePeriod": wire}
    return answer

