"""A set of profiles in one readable line each, for a shrunk counterexample or a failure message.

Why not the JSON: a counterexample is read by a person deciding who is wrong, the charger or the oracle; what
matters is purpose, stack level, connector, kind, when it starts and its periods, in that order.
"""

from __future__ import annotations

from typing import Any, Sequence

from .model import PURPOSES, Installed, format_time, parse_time
from .profiles import in_installation_order


def _number(value: Any) -> str:
    return f"{float(value):g}"


def describe_periods(schedule: dict[str, Any]) -> str:
    """``0:6 A, 60:10 A, 120:8 A/1ph``: startPeriod:limit unit, with numberPhases when given."""
    unit = schedule.get("chargingRateUnit", "")
    parts = []
    for period in schedule.get("chargingSchedulePeriod") or []:
        text = f"{period.get('startPeriod')}:{_number(period.get('limit'))} {unit}"
        if period.get("numberPhases") is not None:
            text += f"/{period['numberPhases']}ph"
        parts.append(text)
    return ", ".join(parts) or "no periods"


def describe_profile(entry: Installed) -> str:
    """One profile: ``TxDefaultProfile #2 stack 0 on connector 1, Absolute from 2024-01-01T12:00:00Z for 300 s:
    0:6 A, 60:10 A (installed 2024-01-01T12:00:00Z)``."""
    profile = entry.profile
    schedule = profile.get("chargingSchedule") or {}
    kind = profile.get("chargingProfileKind", "?")
    if kind == "Recurring":
        kind = f"Recurring {profile.get('recurrencyKind', '(no recurrencyKind)')}"
    start = parse_time(schedule.get("startSchedule"))
    text = (f"{profile.get('chargingProfilePurpose')} #{profile.get('chargingProfileId')} "
            f"stack {profile.get('stackLevel')} on connector {entry.connector_id}, {kind}")
    text += f" from {format_time(start)}" if start else " (no startSchedule)"
    if schedule.get("duration") is not None:
        text += f" for {schedule['duration']} s"
    text += f": {describe_periods(schedule)}"
    extras = []
    if profile.get("transactionId") is not None:
        extras.append(f"transactionId {profile['transactionId']}")
    for key in ("validFrom", "validTo"):
        moment = parse_time(profile.get(key))
        if moment:
            extras.append(f"{key} {format_time(moment)}")
    if schedule.get("minChargingRate") is not None:
        extras.append(f"minChargingRate {_number(schedule['minChargingRate'])}")
    extras.append(f"installed {format_time(entry.installed_at)}")
    return f"{text} ({', '.join(extras)})"


def describe_profiles(installed: Sequence[Installed], *, sep: str = "\n") -> str:
    """Every profile on its own line (or joined by ``sep``), by purpose (ChargePointMax, TxDefault, Tx), then
    connector, then stack level, then installation order; "no profiles" when there are none."""
    if not installed:
        return "no profiles"
    order = {id(entry): i for i, entry in enumerate(in_installation_order(installed))}

    def key(entry: Installed) -> tuple:
        purpose = entry.profile.get("chargingProfilePurpose")
        rank = PURPOSES.index(purpose) if purpose in PURPOSES else len(PURPOSES)
        return rank, entry.connector_id, entry.profile.get("stackLevel", 0), order[id(entry)]

    return sep.join(describe_profile(entry) for entry in sorted(installed, key=key))
