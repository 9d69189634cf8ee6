"""The oracle's vocabulary: what the charger accepted, what runs, and the composite schedule it must answer.

Profiles stay the wire's own dicts (csChargingProfiles, camelCase as in SetChargingProfile.req) so that a test
case hands over exactly what it sent and a shrunk counterexample prints exactly what a charger received. Times
are timezone-aware datetimes; a naive one is read as UTC (OCPP 1.6 §3.14 recommends UTC everywhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

#: ChargingProfilePurposeType, in the order the composite applies them (§3.13.1)
CHARGE_POINT_MAX = "ChargePointMaxProfile"
TX_DEFAULT = "TxDefaultProfile"
TX = "TxProfile"
PURPOSES = (CHARGE_POINT_MAX, TX_DEFAULT, TX)

#: RecurrencyKindType → the recurrence period in seconds (§7.11: "every 24 hours", "every 7 days")
RECURRENCE_S = {"Daily": 86_400, "Weekly": 7 * 86_400}

#: ChargingScheduleAllowedChargingRateUnit values (§9.4) → chargingRateUnit
UNIT_OF_QUANTITY = {"Current": "A", "Power": "W"}


@dataclass(frozen=True)
class Electrical:
    """How A and W convert: W = A x voltage x phases (§7.13: "Current per phase = Power / (Line Voltage x
    Number of Phases)", line-to-neutral voltage)."""

    voltage: float = 230.0   # nominal voltage per phase
    phases: int = 3          # the connector's phases (used when a period gives no numberPhases)

    def convert(self, limit: float, unit: str, to: str, phases: int | None) -> float:
        """``limit`` in ``unit`` expressed in ``to``, on ``phases`` phases (the connector's when None)."""
        if unit == to:
            return limit
        factor = self.voltage * (phases or self.phases)
        return limit * factor if to == "W" else limit / factor


@dataclass(frozen=True)
class Installed:
    """One profile the charger accepted, as sent on the wire."""

    connector_id: int
    profile: dict             # csChargingProfiles JSON, camelCase exactly as in SetChargingProfile.req
    installed_at: datetime    # when the charger accepted it: validFrom's default, the replacement order


@dataclass(frozen=True)
class Transaction:
    """The transaction running on a connector (StartTransaction's transactionId and timestamp)."""

    transaction_id: int
    connector_id: int
    started_at: datetime


@dataclass(frozen=True)
class Period:
    """One chargingSchedulePeriod of a composite schedule."""

    start_period: int         # seconds from the schedule start
    limit: float | None       # None: no profile limits this interval
    number_phases: int | None = None


@dataclass(frozen=True)
class CompositeSchedule:
    """What GetCompositeSchedule.conf must carry for one connector over [scheduleStart, +duration)."""

    connector_id: int
    schedule_start: datetime
    duration: int
    charging_rate_unit: str   # "A" or "W"
    periods: tuple[Period, ...]

    def limit_at(self, offset: float) -> Period | None:
        """The period in force ``offset`` seconds after the start (None outside [0, duration))."""
        if not 0 <= offset < self.duration:
            return None
        current = None
        for period in self.periods:
            if period.start_period <= offset:
                current = period
        return current


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (naive means UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 dateTime of the wire (or a datetime already) as aware UTC; None when absent or unreadable."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return utc(value)
    try:
        return utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        return None


def format_time(moment: datetime) -> str:
    """``2024-01-01T12:00:00Z``; milliseconds only when there are some."""
    moment = utc(moment)
    text = moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def round_limit(value: float, unit: str) -> float:
    """The oracle's rounding: 0.1 A (the schema's multipleOf), whole watts."""
    digits = 1 if unit == "A" else 0
    rounded = round(value + 0.0, digits)
    return rounded + 0.0  # no -0.0
