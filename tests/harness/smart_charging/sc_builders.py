"""Building profiles for the oracle's tests the way a test case sends them: csChargingProfiles dicts, camelCase.

Everything happens around one fixed instant, :data:`S` (a Wednesday, 12:00 UTC), so expected periods can be
written by hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Sequence

from harness.smart_charging import CompositeSchedule, Installed, format_time

#: the request's start in most tests: Wednesday 2024-05-01 12:00:00 UTC
S = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
_DEFAULT = object()


def at(seconds: float, origin: datetime = S) -> datetime:
    return origin + timedelta(seconds=seconds)


def profile(profile_id: int, purpose: str, stack: int, periods: Sequence[tuple], *, unit: str = "A",
            kind: str = "Absolute", start: Any = _DEFAULT, duration: int | None = None,
            valid_from: datetime | None = None, valid_to: datetime | None = None, recurrency: str | None = None,
            transaction_id: int | None = None, min_rate: float | None = None) -> dict[str, Any]:
    """A csChargingProfiles object; periods as (startPeriod, limit) or (startPeriod, limit, numberPhases);
    an Absolute or Recurring profile starts at S unless ``start`` says otherwise (None: no startSchedule)."""
    wire = []
    for period in periods:
        item: dict[str, Any] = {"startPeriod": period[0], "limit": period[1]}
        if len(period) > 2:
            item["numberPhases"] = period[2]
        wire.append(item)
    schedule: dict[str, Any] = {"chargingRateUnit": unit, "chargingSchedulePeriod": wire}
    if start is _DEFAULT:
        start = S if kind != "Relative" else None
    if start is not None:
        schedule["startSchedule"] = format_time(start)
    if duration is not None:
        schedule["duration"] = duration
    if min_rate is not None:
        schedule["minChargingRate"] = min_rate
    body: dict[str, Any] = {"chargingProfileId": profile_id, "stackLevel": stack,
                            "chargingProfilePurpose": purpose, "chargingProfileKind": kind,
                            "chargingSchedule": schedule}
    for key, value in (("recurrencyKind", recurrency), ("transactionId", transaction_id),
                       ("validFrom", valid_from and format_time(valid_from)),
                       ("validTo", valid_to and format_time(valid_to))):
        if value is not None:
            body[key] = value
    return body


def cpmax(profile_id: int, stack: int, periods: Sequence[tuple], **kw: Any) -> Installed:
    """A ChargePointMaxProfile on connector 0, installed at S (or ``installed_at``)."""
    when = kw.pop("installed_at", S)
    return Installed(0, profile(profile_id, "ChargePointMaxProfile", stack, periods, **kw), when)


def tx_default(connector: int, profile_id: int, stack: int, periods: Sequence[tuple], **kw: Any) -> Installed:
    when = kw.pop("installed_at", S)
    return Installed(connector, profile(profile_id, "TxDefaultProfile", stack, periods, **kw), when)


def tx(connector: int, profile_id: int, stack: int, periods: Sequence[tuple], **kw: Any) -> Installed:
    when = kw.pop("installed_at", S)
    return Installed(connector, profile(profile_id, "TxProfile", stack, periods, **kw), when)


def limits(schedule: CompositeSchedule) -> list[tuple[int, float | None]]:
    """The composite's periods as (startPeriod, limit) pairs, the way the plan writes them."""
    return [(p.start_period, p.limit) for p in schedule.periods]
