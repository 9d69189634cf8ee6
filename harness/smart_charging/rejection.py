"""What SetChargingProfile must answer: Rejected (:func:`rejection_reason`), either answer
(:func:`may_reject_reason`), or, when both say None, Accepted.

Why two functions: a verdict must only fail a charger for what the spec makes it do. Some profiles break a rule
the Central System SHALL follow (a first period not at 0) or rest on a reading the spec leaves open (Absolute
without startSchedule); a charger may refuse them or take them, and a generator of profiles should not send them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Sequence

from .model import CHARGE_POINT_MAX, PURPOSES, RECURRENCE_S, TX, UNIT_OF_QUANTITY, Installed, Transaction, \
    parse_time, utc
from .profiles import replaces, surviving


@dataclass(frozen=True)
class ProfileLimits:
    """The charger's Smart Charging configuration keys (§3.13.5, §9.4) that bound what it accepts."""

    max_stack_level: int                                   # ChargeProfileMaxStackLevel
    max_periods: int                                       # ChargingScheduleMaxPeriods
    allowed_units: frozenset[str] = field(default=frozenset({"A", "W"}))  # ChargingScheduleAllowedChargingRateUnit
    max_profiles_installed: int | None = None              # MaxChargingProfilesInstalled

    @classmethod
    def from_configuration(cls, keys: Mapping[str, Any]) -> "ProfileLimits":
        """From GetConfiguration values: {"ChargeProfileMaxStackLevel": "8", "ChargingScheduleAllowedChargingRateUnit":
        "Current,Power", ...}; a missing MaxChargingProfilesInstalled leaves the count unchecked."""
        units = {UNIT_OF_QUANTITY[item.strip()] for item in
                 str(keys.get("ChargingScheduleAllowedChargingRateUnit", "Current,Power")).split(",")
                 if item.strip() in UNIT_OF_QUANTITY}
        installed = keys.get("MaxChargingProfilesInstalled")
        return cls(int(keys["ChargeProfileMaxStackLevel"]), int(keys["ChargingScheduleMaxPeriods"]),
                   frozenset(units), None if installed in (None, "") else int(installed))


def rejection_reason(profile: dict[str, Any], connector_id: int, *, limits: ProfileLimits,
                     transactions: Sequence[Transaction], number_of_connectors: int,
                     installed: Sequence[Installed] = (), at: datetime | None = None) -> str | None:
    """Why a conforming charger must answer SetChargingProfile(connector_id, profile) Rejected, or None.

    ``installed`` (with ``at``, the moment of the request) enables the MaxChargingProfilesInstalled check: the
    profiles still installed after the new one's replacements, not counting those whose validTo has passed
    (the spec does not say when an expired profile stops counting; a case near the maximum should not keep
    expired profiles around).
    """
    purpose = profile.get("chargingProfilePurpose")
    schedule = profile.get("chargingSchedule") or {}
    if not 0 <= connector_id <= number_of_connectors:
        return f"connectorId {connector_id} is not a connector of this charge point (0..{number_of_connectors})"
    if purpose == CHARGE_POINT_MAX and connector_id != 0:
        return f"a ChargePointMaxProfile on connectorId {connector_id}: \"ChargePointMaxProfile can only be set " \
               f"at Charge Point ConnectorId 0\" (§3.13.1)"
    if purpose == TX:
        if connector_id == 0:
            return "a TxProfile on connectorId 0: \"TxProfile SHALL only be set at Charge Point ConnectorId >0\" " \
                   "(§3.13.1)"
        running = [t for t in transactions if t.connector_id == connector_id]
        if not running:
            return f"a TxProfile with no transaction on connector {connector_id}: \"the Charge Point SHALL " \
                   f"discard it and return an error status\" (§3.13.1)"
        wanted = profile.get("transactionId")
        if wanted is not None and all(int(wanted) != t.transaction_id for t in running):
            ids = ", ".join(str(t.transaction_id) for t in running)
            return f"a TxProfile for transactionId {wanted}, while transaction {ids} runs on connector " \
                   f"{connector_id}: no transaction for it (§3.13.1, §5.16)"
    stack = profile.get("stackLevel", 0)
    if not 0 <= stack <= limits.max_stack_level:
        return f"stackLevel {stack} outside 0..ChargeProfileMaxStackLevel ({limits.max_stack_level})"
    unit = schedule.get("chargingRateUnit")
    if unit not in limits.allowed_units:
        allowed = ", ".join(sorted(limits.allowed_units)) or "none"
        return f"chargingRateUnit {unit} not in ChargingScheduleAllowedChargingRateUnit ({allowed})"
    periods = schedule.get("chargingSchedulePeriod") or []
    if len(periods) > limits.max_periods:
        return f"{len(periods)} chargingSchedulePeriods, more than ChargingScheduleMaxPeriods ({limits.max_periods})"
    if limits.max_profiles_installed is not None and installed:
        count = _count_after(profile, connector_id, installed, at)
        if count > limits.max_profiles_installed:
            return f"{count} profiles would be installed, more than MaxChargingProfilesInstalled " \
                   f"({limits.max_profiles_installed})"
    return None


def _count_after(profile: dict[str, Any], connector_id: int, installed: Sequence[Installed],
                 at: datetime | None) -> int:
    """How many profiles are installed once ``profile`` is, after replacements, leaving out expired ones."""
    moment = utc(at) if at is not None else max((utc(i.installed_at) for i in installed))
    new = Installed(connector_id, profile, moment)
    kept = [old for old in surviving(installed) if not replaces(new, old)]
    live = [old for old in kept if (parse_time(old.profile.get("validTo")) or moment) >= moment]
    return len(live) + 1


def may_reject_reason(profile: dict[str, Any], connector_id: int) -> str | None:
    """Why a conforming charger may answer Rejected, and may as well accept: the profile breaks a rule the
    Central System SHALL follow, or the spec leaves its meaning open. None when nothing of the kind applies."""
    purpose = profile.get("chargingProfilePurpose")
    kind = profile.get("chargingProfileKind")
    schedule = profile.get("chargingSchedule") or {}
    periods = schedule.get("chargingSchedulePeriod") or []
    if purpose not in PURPOSES or kind not in ("Absolute", "Recurring", "Relative"):
        return f"unknown chargingProfilePurpose/Kind {purpose}/{kind} (a schema violation)"
    if not periods:
        return "no chargingSchedulePeriod (§7.13 requires at least one)"
    starts = [p.get("startPeriod") for p in periods]
    if starts[0] != 0:
        return f"the first startPeriod is {starts[0]}: it \"SHALL always be 0\" (§5.16)"
    if any(b <= a for a, b in zip(starts, starts[1:])):
        return f"startPeriods not strictly ascending ({', '.join(map(str, starts))})"
    if any(p.get("limit", 0) < 0 for p in periods):
        return "a negative limit"
    if any(p.get("numberPhases") is not None and not 1 <= p["numberPhases"] <= 3 for p in periods):
        return "a numberPhases outside 1..3"
    if kind == "Recurring" and profile.get("recurrencyKind") not in RECURRENCE_S:
        return "Recurring without a recurrencyKind (Daily or Weekly)"
    if kind in ("Absolute", "Recurring") and not schedule.get("startSchedule"):
        return f"{kind} without startSchedule (\"To be most useful, this requires a startSchedule\", §7.10; " \
               f"the oracle then reads it as relative to the start of charging, §7.13)"
    if kind == "Relative" and schedule.get("startSchedule"):
        return "Relative with a startSchedule (it has no fixed start)"
    if kind == "Relative" and purpose == CHARGE_POINT_MAX:
        return "a Relative ChargePointMaxProfile (no transaction to be relative to; EVerest refuses it)"
    if profile.get("transactionId") is not None and purpose != TX:
        return f"a transactionId on a {purpose} (\"Only valid if ChargingProfilePurpose is set to TxProfile\", §7.8)"
    valid_from, valid_to = parse_time(profile.get("validFrom")), parse_time(profile.get("validTo"))
    if valid_from and valid_to and valid_to <= valid_from:
        return "validTo not after validFrom (never valid)"
    return None
