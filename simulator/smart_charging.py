"""Smart charging (the SmartCharging profile; OCPP 1.6 §3.13, §5.5 ClearChargingProfile, §5.7
GetCompositeSchedule, §5.16 SetChargingProfile, §7.8-7.13).

Rules:

* SetChargingProfile is Rejected for: an unknown connector; ChargePointMaxProfile not on connector 0; a
  TxProfile on connector 0, without a transaction on the connector, or with another transactionId; a stack
  level above ChargeProfileMaxStackLevel; no periods, more than ChargingScheduleMaxPeriods, a first period
  not at 0 or periods out of order; a rate unit not in ChargingScheduleAllowedChargingRateUnit; Recurring
  without recurrencyKind or startSchedule; more than MaxChargingProfilesInstalled profiles. A profile with the
  same chargingProfileId, or the same stack level and purpose on the same connector, is replaced.
* A profile is in force at time t when validFrom <= t < validTo and t falls inside its schedule: Absolute
  from startSchedule, Relative from the start of the transaction (the request time when none runs),
  Recurring from the last daily/weekly recurrence of startSchedule; for ``duration`` seconds when given.
* Composite schedule of connector N at t: the TxProfile in force with the highest stack level, else the
  TxDefaultProfile in force (on N or on 0; highest stack level, N before 0 at equal levels); capped by the
  ChargePointMaxProfile in force. No profile at all: the connector's own maximum. Connector 0: the
  ChargePointMaxProfile, else the sum of the connectors' maxima. Units convert with 230 V per phase
  (numberPhases, 3 when absent); limits are rounded to 0.1.
* TxProfiles end with their transaction. A chargingProfile in RemoteStartTransaction must be a TxProfile
  (else the request is Rejected) and is installed when the transaction starts.
* The energy meter follows the limit in force (power = min(maximum, limit)); statuses do not change.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from . import clock

LOG = logging.getLogger("simulator.smart_charging")

VOLTS = 230.0
PURPOSES = ("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile")
RECURRENCE_S = {"Daily": 86400, "Weekly": 7 * 86400}


def _plain(value):
    """Decimals (the ``ocpp`` library parses schedules with them) to floats, recursively."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _epoch(text: str | None) -> float | None:
    moment = clock.parse(text)
    return moment.timestamp() if moment else None


@dataclass
class Profile:
    id: int
    connector_id: int
    stack_level: int
    purpose: str
    kind: str
    unit: str
    periods: list                       # [[startPeriod, limit, numberPhases or None], ...]
    duration: int | None = None
    start_schedule: float | None = None
    recurrency: str | None = None
    valid_from: float | None = None
    valid_to: float | None = None
    transaction_id: int | None = None
    tx_local_id: int | None = None      # a RemoteStart profile: bound to the transaction it started
    installed_at: float = field(default_factory=lambda: clock.now().timestamp())

    @classmethod
    def from_request(cls, connector_id: int, raw: dict) -> "Profile":
        raw = _plain(raw)
        schedule = raw.get("charging_schedule") or {}
        periods = [[int(p["start_period"]), float(p["limit"]), p.get("number_phases")]
                   for p in schedule.get("charging_schedule_period") or []]
        return cls(id=int(raw["charging_profile_id"]), connector_id=connector_id,
                   stack_level=int(raw["stack_level"]), purpose=raw["charging_profile_purpose"],
                   kind=raw["charging_profile_kind"], unit=schedule.get("charging_rate_unit", "A"),
                   periods=periods, duration=schedule.get("duration"),
                   start_schedule=_epoch(schedule.get("start_schedule")), recurrency=raw.get("recurrency_kind"),
                   valid_from=_epoch(raw.get("valid_from")), valid_to=_epoch(raw.get("valid_to")),
                   transaction_id=raw.get("transaction_id"))

    # -- evaluation ----------------------------------------------------------------------------------------
    def origin(self, t: float, relative_origin: float) -> float | None:
        if self.kind == "Relative":
            return relative_origin
        if self.kind == "Recurring":
            base = self.start_schedule
            if base is None or t < base:
                return None
            cycle = RECURRENCE_S.get(self.recurrency or "Daily", 86400)
            return base + ((t - base) // cycle) * cycle
        return self.start_schedule if self.start_schedule is not None else (self.valid_from or self.installed_at)

    def limit_at(self, t: float, relative_origin: float) -> tuple[float, int | None] | None:
        if self.valid_from is not None and t < self.valid_from:
            return None
        if self.valid_to is not None and t >= self.valid_to:
            return None
        start = self.origin(t, relative_origin)
        if start is None:
            return None
        offset = t - start
        if offset < 0 or (self.duration is not None and offset >= self.duration):
            return None
        current = None
        for start_period, limit, phases in self.periods:
            if start_period <= offset + 1e-9:
                current = (limit, phases)
        return current

    def breakpoints(self, t0: float, t1: float, relative_origin: float) -> set[float]:
        points = {p for p in (self.valid_from, self.valid_to) if p is not None}
        starts = []
        if self.kind == "Recurring" and self.start_schedule is not None:
            cycle = RECURRENCE_S.get(self.recurrency or "Daily", 86400)
            first = self.origin(t0, relative_origin) or self.start_schedule
            k = first
            while k < t1 and len(starts) < 64:
                starts.append(k)
                k += cycle
        else:
            origin = self.origin(t0, relative_origin)
            if origin is not None:
                starts.append(origin)
        for start in starts:
            points.update(start + p[0] for p in self.periods)
            if self.duration is not None:
                points.add(start + self.duration)
        return {p for p in points if t0 < p < t1}


def convert(limit: float, unit: str, to: str, phases: int | None) -> float:
    if unit == to:
        return limit
    n = phases or 3
    return limit * VOLTS * n if to == "W" else limit / (VOLTS * n)


class SmartCharging:
    def __init__(self, settings, config, store, faults, transactions, meters) -> None:
        self.supported = "SmartCharging" in settings.feature_profiles
        self._settings = settings
        self._config = config
        self._store = store
        self._faults = faults
        self._tx = transactions
        self._meters = meters
        self.profiles: list[Profile] = [Profile(**raw) for raw in store.data.get("charging_profiles") or []]

    def save(self) -> None:
        self._store.data["charging_profiles"] = [asdict(p) for p in self.profiles]
        self._store.save()

    # -- SetChargingProfile / ClearChargingProfile ---------------------------------------------------------
    def set_profile(self, connector_id: int, raw: dict) -> str:
        try:
            profile = Profile.from_request(connector_id, raw)
        except (KeyError, TypeError, ValueError):
            return "Rejected"
        reason = self._invalid(profile)
        if reason:
            LOG.info("SetChargingProfile %s rejected: %s", profile.id, reason)
            return "Rejected"
        self._install(profile)
        return "Accepted"

    def _invalid(self, p: Profile) -> str | None:
        if p.connector_id != 0 and self._settings.connector(p.connector_id) is None:
            return "unknown connector"
        if p.purpose == "ChargePointMaxProfile" and p.connector_id != 0:
            return "ChargePointMaxProfile must be on connector 0"
        if p.purpose == "TxProfile" and not self._faults.active("tx-profile-without-transaction-accepted"):
            if p.connector_id == 0:
                return "TxProfile on connector 0"
            running = self._tx.on(p.connector_id)
            if running is None:
                return "no transaction on the connector"
            if p.transaction_id is not None and p.transaction_id != running.transaction_id:
                return "another transactionId"
        if not 0 <= p.stack_level <= self._config.get_int("ChargeProfileMaxStackLevel", 10):
            return "stack level out of range"
        starts = [period[0] for period in p.periods]
        if not starts or len(starts) > self._config.get_int("ChargingScheduleMaxPeriods", 10):
            return "number of periods"
        if starts[0] != 0 or any(b <= a for a, b in zip(starts, starts[1:])):
            return "periods must start at 0 and increase"
        allowed = {"Current": "A", "Power": "W"}
        units = {allowed.get(u, u) for u in self._config.get_list("ChargingScheduleAllowedChargingRateUnit")}
        if p.unit not in units:
            return f"rate unit {p.unit} not allowed"
        if p.kind == "Recurring" and (p.recurrency is None or p.start_schedule is None):
            return "Recurring needs recurrencyKind and startSchedule"
        others = [q for q in self.profiles if not self._replaces(p, q)]
        if len(others) + 1 > self._config.get_int("MaxChargingProfilesInstalled", 10):
            return "MaxChargingProfilesInstalled reached"
        return None

    @staticmethod
    def _replaces(new: Profile, old: Profile) -> bool:
        return old.id == new.id or (old.stack_level == new.stack_level and old.purpose == new.purpose
                                    and old.connector_id == new.connector_id)

    def _install(self, profile: Profile) -> None:
        self.profiles = [q for q in self.profiles if not self._replaces(profile, q)] + [profile]
        self.save()
        self.follow()

    def clear(self, profile_id: int | None, connector_id: int | None, purpose: str | None,
              stack_level: int | None) -> str:
        if profile_id is not None:
            keep = [p for p in self.profiles if p.id != profile_id]
        else:
            keep = [p for p in self.profiles
                    if not ((connector_id is None or p.connector_id == connector_id)
                            and (purpose is None or p.purpose == purpose)
                            and (stack_level is None or p.stack_level == stack_level))]
        if len(keep) == len(self.profiles):
            return "Unknown"
        if not self._faults.active("clear-profile-not-clearing"):
            self.profiles = keep
            self.save()
            self.follow()
        return "Accepted"

    # -- RemoteStartTransaction with a profile -------------------------------------------------------------
    @staticmethod
    def acceptable_for_remote_start(raw: dict) -> bool:
        return _plain(raw or {}).get("charging_profile_purpose") == "TxProfile"

    def install_for_transaction(self, connector_id: int, raw: dict, tx) -> None:
        try:
            profile = Profile.from_request(connector_id, raw)
        except (KeyError, TypeError, ValueError):
            return
        profile.transaction_id = None
        profile.tx_local_id = tx.local_id
        self._install(profile)

    def transaction_ended(self, connector_id: int) -> None:
        before = len(self.profiles)
        self.profiles = [p for p in self.profiles if not (p.purpose == "TxProfile" and p.connector_id == connector_id)]
        if len(self.profiles) != before:
            self.save()

    # -- evaluation ----------------------------------------------------------------------------------------
    def _highest(self, candidates, t: float, origin: float):
        """(profile, (limit, phases)) of the highest stack level in force, or None."""
        best = None
        lowest_wins = self._faults.active("charging-profile-stack-ignored")
        for p in candidates:
            value = p.limit_at(t, origin)
            if value is None:
                continue
            key = (p.stack_level, p.connector_id != 0)
            if best is None or (key < best[0] if lowest_wins else key > best[0]):
                best = (key, p, value)
        return None if best is None else (best[1], best[2])

    def _applies_to_transaction(self, p: Profile, tx) -> bool:
        if p.tx_local_id is not None:
            return p.tx_local_id == tx.local_id
        return p.transaction_id is None or p.transaction_id == tx.transaction_id

    def limit(self, connector_id: int, t: float, unit: str, request_time: float) -> tuple[float, int | None]:
        cp_max = self._highest([p for p in self.profiles if p.purpose == "ChargePointMaxProfile"], t, request_time)
        if connector_id == 0:
            if cp_max is None:
                total = sum(c.max_power_w for c in self._settings.connectors)
                return convert(total, "W", unit, 3), None
            p, (limit, phases) = cp_max
            return convert(limit, p.unit, unit, phases), phases
        tx = self._tx.on(connector_id)
        origin = _epoch(tx.started_at) if tx is not None else request_time
        chosen = None
        if tx is not None:
            chosen = self._highest([p for p in self.profiles if p.purpose == "TxProfile"
                                    and p.connector_id == connector_id and self._applies_to_transaction(p, tx)],
                                   t, origin)
        if chosen is None:
            chosen = self._highest([p for p in self.profiles if p.purpose == "TxDefaultProfile"
                                    and p.connector_id in (0, connector_id)], t, origin)
        values = []
        phases = None
        if chosen is not None:
            p, (limit, phases) = chosen
            values.append(convert(limit, p.unit, unit, phases))
        if cp_max is not None and not self._faults.active("composite-ignores-max-profile"):
            p, (limit, cp_phases) = cp_max
            values.append(convert(limit, p.unit, unit, cp_phases or phases))
        if not values:
            spec = self._settings.connector(connector_id)
            return convert(spec.max_power_w, "W", unit, spec.phases), None
        return min(values), phases

    def composite(self, connector_id: int, duration: int, unit: str | None) -> dict | None:
        if connector_id != 0 and self._settings.connector(connector_id) is None:
            return None
        now = clock.now()
        t0 = now.timestamp()
        t1 = t0 + max(0, duration)
        unit = unit or self._default_unit()
        tx = self._tx.on(connector_id) if connector_id else None
        origin = _epoch(tx.started_at) if tx is not None else t0
        points = {t0}
        for p in self.profiles:
            points |= p.breakpoints(t0, t1, t0 if p.kind == "Relative" and tx is None else origin)
        periods: list[dict] = []
        for t in sorted(points):
            limit, phases = self.limit(connector_id, t, unit, t0)
            entry = {"start_period": int(round(t - t0)), "limit": round(limit, 1)}
            if phases:
                entry["number_phases"] = int(phases)
            if periods and periods[-1]["limit"] == entry["limit"] and \
                    periods[-1].get("number_phases") == entry.get("number_phases"):
                continue
            if periods and periods[-1]["start_period"] == entry["start_period"]:
                periods[-1] = entry
                continue
            periods.append(entry)
        return {"schedule_start": clock.iso(now),
                "charging_schedule": {"duration": duration, "charging_rate_unit": unit,
                                      "charging_schedule_period": periods}}

    def _default_unit(self) -> str:
        units = self._config.get_list("ChargingScheduleAllowedChargingRateUnit")
        return "A" if not units or "Current" in units else "W"

    def follow(self) -> None:
        """Set every charging connector's power to the limit in force now."""
        now = clock.now().timestamp()
        for tx in list(self._tx.active.values()):
            meter = self._meters.get(tx.connector_id)
            if meter is None:
                continue
            if not self.profiles:
                meter.set_power_limit(None)
                continue
            limit_w, _ = self.limit(tx.connector_id, now, "W", now)
            meter.set_power_limit(limit_w)
