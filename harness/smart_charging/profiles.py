"""One profile on the time line: which profiles survive their replacements, and over which stretches each one
sets which limit.

Why a separate module: the two questions a conformance verdict hangs on ("is this profile still installed?",
"is it in force at t, with which limit?") are the ones chargers get wrong most, and each reads a different part
of the spec (§3.13.2 and §5.16 for replacement; §7.8-7.13 for kinds, recurrence, duration and validity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from .model import CHARGE_POINT_MAX, RECURRENCE_S, TX_DEFAULT, Installed, parse_time, utc

#: instants closer than this (seconds) are the same instant
EPS = 1e-6


@dataclass(frozen=True)
class Piece:
    """One stretch [begin, end) (seconds from the composite's start) over which one profile sets one limit."""

    begin: float
    end: float
    limit: float
    unit: str
    phases: int | None        # the period's numberPhases, None when it gives none
    stack_level: int
    rank: int                 # installation order; breaks a tie of stack levels (the later one replaced)


def replaces(new: Installed, old: Installed) -> bool:
    """§5.16.3/5.16.4: "If a charging profile with the same chargingProfileId, or the same combination of
    stackLevel / ChargingProfilePurpose, exists on the Charge Point, the new charging profile SHALL replace the
    existing charging profile". The combination is taken per connector (a TxProfile on connector 1 does not
    remove one on connector 2); one on connector 0 applies to every connector, so it replaces that combination
    everywhere (§3.13.2: "the existence of multiple Charging Profiles with the same stackLevel and Purposes in
    a Charge Point is not allowed"). A TxDefaultProfile on connector N replaces connector 0's "only for that
    specific connector" (§3.13.1): connector 0's stays installed for the others, and on N the later one wins
    the tie (see :func:`prevailing`)."""
    a, b = new.profile, old.profile
    if a.get("chargingProfileId") == b.get("chargingProfileId"):
        return True
    same = (a.get("chargingProfilePurpose") == b.get("chargingProfilePurpose")
            and a.get("stackLevel") == b.get("stackLevel"))
    return same and new.connector_id in (0, old.connector_id)


def in_installation_order(installed: Sequence[Installed]) -> list[Installed]:
    """By installed_at; equal instants keep the order given."""
    return sorted(installed, key=lambda entry: utc(entry.installed_at))


def surviving(installed: Sequence[Installed]) -> tuple[Installed, ...]:
    """The profiles still installed after every replacement, in installation order."""
    kept: list[Installed] = []
    for entry in in_installation_order(installed):
        kept = [old for old in kept if not replaces(entry, old)]
        kept.append(entry)
    return tuple(kept)


def valid_from(entry: Installed) -> datetime:
    """§7.8 validFrom: "If absent, the profile is valid as soon as it is received by the Charge Point"."""
    return parse_time(entry.profile.get("validFrom")) or utc(entry.installed_at)


def relative_anchor(entry: Installed, transaction_start: datetime | None, request_start: datetime) -> datetime:
    """Where a schedule without a fixed start begins (Relative; Absolute or Recurring without startSchedule,
    §7.13: "If absent the schedule will be relative to start of charging").

    - TxProfile/TxDefaultProfile: the start of the transaction on the connector; with none running, the
      request's start (the composite then shows what a transaction starting now would get).
    - ChargePointMaxProfile: it belongs to no transaction; from the moment it came into force (installed, or
      validFrom when later), so that its schedule does not slide with every request.
    """
    if entry.profile.get("chargingProfilePurpose") == CHARGE_POINT_MAX:
        return max(utc(entry.installed_at), valid_from(entry))
    return utc(transaction_start) if transaction_start is not None else request_start


def recurrence_s(profile: dict[str, Any]) -> int | None:
    """The recurrence period of a Recurring profile (Daily when recurrencyKind is missing), else None."""
    if profile.get("chargingProfileKind") != "Recurring":
        return None
    return RECURRENCE_S.get(profile.get("recurrencyKind") or "Daily", RECURRENCE_S["Daily"])


def _occurrences(base: float, span: float, every: int | None, window_end: float) -> list[tuple[float, float]]:
    """The schedule's runs [start, end) (seconds from the composite's start) that may reach [0, window_end)."""
    if every is None:
        return [(base, base + span)]
    first = max(0, math.floor((0 - base) / every))  # the last recurrence at or before the window's start
    runs = []
    k = first
    while base + k * every < window_end:
        start = base + k * every
        runs.append((start, start + span))
        k += 1
    return runs


def pieces(entry: Installed, *, rank: int, request_start: datetime, duration: float,
           transaction_start: datetime | None) -> list[Piece]:
    """The stretches of [0, duration) over which ``entry`` sets a limit.

    In force at t (§3.13.2, §5.16): validFrom <= t < validTo, and t inside a run of its schedule, which starts
    at startSchedule (Absolute), at the last recurrence of startSchedule at or before t, never before
    startSchedule itself (Recurring), or at :func:`relative_anchor`; and lasts ``duration`` seconds, a Recurring
    one at most one recurrence ("the remainder periods SHALL not be executed"), else the last period continues.
    Before the first startPeriod nothing is in force (a first period not at 0 breaks §5.16's "SHALL always be 0").
    """
    profile = entry.profile
    schedule = profile.get("chargingSchedule") or {}
    periods = sorted(schedule.get("chargingSchedulePeriod") or [], key=lambda p: p.get("startPeriod", 0))
    if not periods:
        return []

    def offset(moment: datetime) -> float:
        return (utc(moment) - request_start).total_seconds()

    start = parse_time(schedule.get("startSchedule"))
    if start is None or profile.get("chargingProfileKind") == "Relative":
        start = relative_anchor(entry, transaction_start, request_start)
    every = recurrence_s(profile)
    given = schedule.get("duration")
    span = math.inf if given is None else float(given)
    if every is not None:
        span = min(span, every)

    low = max(0.0, offset(valid_from(entry)))
    valid_to = parse_time(profile.get("validTo"))
    high = min(float(duration), math.inf if valid_to is None else offset(valid_to))
    if high - low <= EPS:
        return []

    unit = schedule.get("chargingRateUnit", "A")
    stack = int(profile.get("stackLevel", 0))
    out: list[Piece] = []
    for run_start, run_end in _occurrences(offset(start), span, every, high):
        for i, period in enumerate(periods):
            begin = run_start + float(period.get("startPeriod", 0))
            end = run_start + float(periods[i + 1].get("startPeriod", 0)) if i + 1 < len(periods) else math.inf
            begin, end = max(begin, low), min(end, run_end, high)
            if end - begin > EPS:
                phases = period.get("numberPhases")
                out.append(Piece(begin, end, float(period["limit"]), unit,
                                 None if phases is None else int(phases), stack, rank))
    return out


def prevailing(candidates: Sequence[Piece], t: float) -> Piece | None:
    """§3.13.2: "the prevailing charging profile SHALL be the charging profile with the highest stackLevel
    among the profiles that are valid at that point in time"; at equal stack levels the later installed."""
    best = None
    for piece in candidates:
        if piece.begin <= t < piece.end and (best is None or (piece.stack_level, piece.rank) >
                                             (best.stack_level, best.rank)):
            best = piece
    return best


def applies_to_connector(entry: Installed, connector_id: int) -> bool:
    """A TxDefaultProfile on connector 0 "is applicable to all Connectors" (§3.13.1); others only to their own."""
    if entry.profile.get("chargingProfilePurpose") == TX_DEFAULT and entry.connector_id == 0:
        return connector_id > 0
    return entry.connector_id == connector_id
