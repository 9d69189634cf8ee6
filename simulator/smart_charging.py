"""Smart charging (the SmartCharging profile; OCPP 1.6 §3.13, §5.5 ClearChargingProfile, §5.7
GetCompositeSchedule, §5.16 SetChargingProfile, §7.8-7.13).

Rules (the spec's, and where it is silent, what a serious charger does: marked *choice*):

* SetChargingProfile is Rejected for: an unknown connector; a ChargePointMaxProfile not on connector 0; a
  TxProfile on connector 0, without a transaction on the connector, or with the transactionId of another
  transaction (§3.13.1, §5.16.3); a stack level outside 0..ChargeProfileMaxStackLevel; no periods, more than
  ChargingScheduleMaxPeriods, a first period not at 0 or periods out of order (§7.13); a negative limit or a
  numberPhases outside 1..3; a rate unit not in ChargingScheduleAllowedChargingRateUnit; Recurring without
  recurrencyKind or startSchedule; validTo not after validFrom (*choice*: a profile that can never be valid);
  more than MaxChargingProfilesInstalled profiles after the replacements below.
* Replacement (§3.13.1, §3.13.2, §5.16.2): a new profile replaces the one with the same chargingProfileId and
  the one with the same purpose and stack level on the same connector. One on connector 0 replaces the same
  purpose and stack level on every connector (there may be only one per charge point); one on connector N
  replaces a connector-0 TxDefaultProfile "only for that specific connector": the connector-0 profile stays
  installed for the others, and on N the connector's own profile takes precedence at that stack level.
* A transactionId on a purpose other than TxProfile is ignored (§7.8: "only valid if" TxProfile; *choice*:
  ignore rather than reject). A profile whose validTo has passed is discarded when profiles are next set or
  cleared (*choice*: it no longer counts towards MaxChargingProfilesInstalled, and clearing it is Unknown).
* A profile is in force at time t when validFrom <= t < validTo and t lies inside its schedule, which starts:
  Absolute, at startSchedule; Relative, or Absolute without startSchedule (§7.10 "relative to start of
  charging"), at the start of the transaction on the connector (*choice*: at the moment of the request when no
  transaction runs, and at the moment of installation for a ChargePointMaxProfile, which has no transaction);
  Recurring, at the last Daily/Weekly recurrence of startSchedule at or before t (not before startSchedule
  itself). It lasts ``duration`` seconds when given (a Recurring schedule at most one recurrence period: the
  periods beyond it never run), else the last period continues (until the next recurrence).
* Prevailing profile (§3.13.2): the in-force profile with the highest stack level. Composite limit of
  connector N at t (§3.13.3): min(TxProfile of the running transaction, else TxDefaultProfile on N or on 0 —
  N before 0 at the same stack level —, ChargePointMaxProfile). A TxProfile not in force at t (ended, not yet
  valid) lets the TxDefaultProfile through again. No profile in force: the connector's own maximum (*choice*;
  limits above the hardware are reported as the profiles say, the meter is held to the hardware anyway).
* Connector 0 (§5.7 "the total expected consumption for the grid connection", *choice*): the sum over the
  connectors of their limits without the ChargePointMaxProfile, capped by the ChargePointMaxProfile.
* Units (§7.13): A x 230 V x phases = W, phases being the period's numberPhases, else the connector's phases
  (*choice*: the spec assumes 3, which is the connector's own count on a three-phase charger; a single-phase
  charger converting with 3 would be physically wrong). Limits are rounded to 0.1 (the schema's multipleOf).
* GetCompositeSchedule (§5.7): Rejected for an unknown connector; else Accepted, scheduleStart = now (ms),
  chargingSchedule.duration = the requested duration, the requested chargingRateUnit (default: the first
  allowed unit; any unit is answered, converted), one period per change of limit (merged when equal).
* ClearChargingProfile (§5.5): by id alone when an id is given, else every profile matching all criteria
  given (connectorId, chargingProfilePurpose, stackLevel; connectorId 0 = the charge point's own profiles);
  Unknown when nothing matches.
* TxProfiles end with their transaction (§3.13.1 "SHOULD be deleted"). A chargingProfile in
  RemoteStartTransaction must be a valid TxProfile (else Rejected, §5.11) and is installed when the
  transaction starts, bound to it (its transactionId, which the CSMS SHALL NOT set, is ignored).
* The energy meter follows the limits in force (power = min(connector maximum, limit)), re-evaluated at every
  change of a schedule (a timer), every sample and every change of profiles or transactions; the
  ChargePointMaxProfile caps all running transactions together (§3.13.3), shared equally, a connector that
  needs less leaving the rest to the others. Connector statuses do not change (a limit of 0 stays Charging).
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from . import clock

LOG = logging.getLogger("simulator.smart_charging")

VOLTS = 230.0
DAY_S = 86400
PURPOSES = ("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile")
RECURRENCE_S = {"Daily": DAY_S, "Weekly": 7 * DAY_S}
#: comparisons of instants (floats of epoch seconds) allow this much
EPS = 1e-6
#: the most recurrences a composite schedule walks through (a year of Daily)
MAX_OCCURRENCES = 400
#: how far ahead the meter's timer looks for the next change of a limit
FOLLOW_HORIZON_S = 7 * DAY_S


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
        periods = [[int(p["start_period"]), float(p["limit"]),
                    None if p.get("number_phases") is None else int(p["number_phases"])]
                   for p in schedule.get("charging_schedule_period") or []]
        purpose = raw["charging_profile_purpose"]
        duration = schedule.get("duration")
        return cls(id=int(raw["charging_profile_id"]), connector_id=connector_id,
                   stack_level=int(raw["stack_level"]), purpose=purpose,
                   kind=raw["charging_profile_kind"], unit=schedule.get("charging_rate_unit", "A"),
                   periods=periods, duration=None if duration is None else int(duration),
                   start_schedule=_epoch(schedule.get("start_schedule")),
                   recurrency=raw.get("recurrency_kind") if raw["charging_profile_kind"] == "Recurring" else None,
                   valid_from=_epoch(raw.get("valid_from")), valid_to=_epoch(raw.get("valid_to")),
                   transaction_id=raw.get("transaction_id") if purpose == "TxProfile" else None)


class SmartCharging:
    def __init__(self, settings, config, store, faults, transactions, meters) -> None:
        self.supported = "SmartCharging" in settings.feature_profiles
        self._settings = settings
        self._config = config
        self._store = store
        self._faults = faults
        self._tx = transactions
        self._meters = meters
        # the charger's background tasks (cancelled at reboot): the meter's timer runs there
        self._tasks = getattr(transactions, "_tasks", None)
        self._timer: asyncio.Task | None = None
        self.profiles: list[Profile] = [Profile(**raw) for raw in store.data.get("charging_profiles") or []]
        # a TxProfile whose transaction is gone (cut before it could be deleted) has nothing to apply to
        self.profiles = [p for p in self.profiles if p.purpose != "TxProfile" or transactions.on(p.connector_id)]

    def save(self) -> None:
        self._store.data["charging_profiles"] = [asdict(p) for p in self.profiles]
        self._store.save()

    # -- SetChargingProfile / ClearChargingProfile ---------------------------------------------------------
    def set_profile(self, connector_id: int, raw: dict) -> str:
        try:
            profile = Profile.from_request(connector_id, raw)
        except (KeyError, TypeError, ValueError):
            return "Rejected"
        self._discard_expired()
        reason = self._invalid(profile)
        if reason:
            LOG.info("SetChargingProfile %s rejected: %s", profile.id, reason)
            return "Rejected"
        self._install(profile)
        return "Accepted"

    def _invalid(self, p: Profile) -> str | None:
        if p.connector_id < 0 or (p.connector_id != 0 and self._settings.connector(p.connector_id) is None):
            return "unknown connector"
        if p.purpose not in PURPOSES:
            return f"unknown purpose {p.purpose}"
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
        reason = self._invalid_schedule(p)
        if reason:
            return reason
        others = [q for q in self.profiles if not self._replaces(p, q)]
        if len(others) + 1 > self._config.get_int("MaxChargingProfilesInstalled", 10):
            return "MaxChargingProfilesInstalled reached"
        return None

    def _invalid_schedule(self, p: Profile) -> str | None:
        """What makes a profile invalid wherever it comes from (SetChargingProfile or RemoteStartTransaction)."""
        if not 0 <= p.stack_level <= self._config.get_int("ChargeProfileMaxStackLevel", 10):
            return "stack level out of range"
        starts = [period[0] for period in p.periods]
        if not starts or len(starts) > self._config.get_int("ChargingScheduleMaxPeriods", 10):
            return "number of periods"
        if starts[0] != 0 or any(b <= a for a, b in zip(starts, starts[1:])):
            return "periods must start at 0 and increase"
        if any(limit < 0 for _, limit, _ in p.periods):
            return "negative limit"
        if any(phases is not None and not 1 <= phases <= 3 for _, _, phases in p.periods):
            return "numberPhases out of 1..3"
        if p.duration is not None and p.duration < 0:
            return "negative duration"
        allowed = {"Current": "A", "Power": "W"}
        units = {allowed.get(u, u) for u in self._config.get_list("ChargingScheduleAllowedChargingRateUnit")}
        if p.unit not in units:
            return f"rate unit {p.unit} not allowed"
        if p.kind == "Recurring" and (p.recurrency not in RECURRENCE_S or p.start_schedule is None):
            return "Recurring needs recurrencyKind and startSchedule"
        if (p.valid_from is not None and p.valid_to is not None and p.valid_to <= p.valid_from
                and not self._faults.active("valid-to-ignored")):
            return "validTo not after validFrom"
        return None

    @staticmethod
    def _replaces(new: Profile, old: Profile) -> bool:
        if old.id == new.id:
            return True
        if old.stack_level != new.stack_level or old.purpose != new.purpose:
            return False
        return old.connector_id == new.connector_id or new.connector_id == 0

    def _install(self, profile: Profile) -> None:
        self.profiles = [q for q in self.profiles if not self._replaces(profile, q)] + [profile]
        self.save()
        self.follow()

    def _discard_expired(self) -> None:
        if self._faults.active("valid-to-ignored"):
            return
        now = clock.now().timestamp()
        keep = [p for p in self.profiles if p.valid_to is None or p.valid_to > now]
        if len(keep) != len(self.profiles):
            self.profiles = keep
            self.save()

    def clear(self, profile_id: int | None, connector_id: int | None, purpose: str | None,
              stack_level: int | None) -> str:
        self._discard_expired()
        if profile_id is not None:
            keep = [p for p in self.profiles if p.id != profile_id]
        elif stack_level is not None and self._faults.active("clear-by-stack-level-clears-all"):
            keep = []
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
    def acceptable_for_remote_start(self, raw: dict) -> bool:
        """A chargingProfile of RemoteStartTransaction: a TxProfile, valid by the rules of SetChargingProfile
        (those of a running transaction aside: it has not started yet)."""
        try:
            profile = Profile.from_request(1, raw or {})
        except (KeyError, TypeError, ValueError):
            return False
        if profile.purpose != "TxProfile":
            return False
        reason = self._invalid_schedule(profile)
        if reason is None:
            others = [q for q in self.profiles if q.purpose != "TxProfile" or q.stack_level != profile.stack_level]
            if len(others) + 1 > self._config.get_int("MaxChargingProfilesInstalled", 10):
                reason = "MaxChargingProfilesInstalled reached"
        if reason:
            LOG.info("RemoteStartTransaction chargingProfile %s rejected: %s", profile.id, reason)
        return reason is None

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
        self.follow()

    # -- one profile over time -----------------------------------------------------------------------------
    def _recurrence_shift(self) -> float:
        """Fault ``recurring-off-by-a-day``: the current recurrence is taken to start a day after it does."""
        return DAY_S if self._faults.active("recurring-off-by-a-day") else 0.0

    @staticmethod
    def _fixed_start(p: Profile, relative_origin: float) -> float:
        """The start of a schedule that does not recur."""
        if p.kind == "Absolute" and p.start_schedule is not None:
            return p.start_schedule
        if p.purpose == "ChargePointMaxProfile":
            return p.installed_at
        return relative_origin

    def _schedule_start(self, p: Profile, t: float, relative_origin: float) -> float | None:
        """The start of the run of the schedule that covers t (None: none has started)."""
        if p.kind != "Recurring":
            return self._fixed_start(p, relative_origin)
        base = p.start_schedule
        if base is None or t < base - EPS:
            return None
        cycle = RECURRENCE_S.get(p.recurrency, DAY_S)
        return base + math.floor((t - base + EPS) / cycle) * cycle + self._recurrence_shift()

    def _span(self, p: Profile) -> float | None:
        if p.kind == "Recurring":
            cycle = RECURRENCE_S.get(p.recurrency, DAY_S)
            return float(cycle if p.duration is None else min(p.duration, cycle))
        return None if p.duration is None else float(p.duration)

    def _valid_at(self, p: Profile, t: float) -> bool:
        if p.valid_from is not None and t < p.valid_from - EPS:
            return False
        if p.valid_to is not None and t >= p.valid_to - EPS and not self._faults.active("valid-to-ignored"):
            return False
        return True

    def _value(self, p: Profile, t: float, relative_origin: float) -> tuple[float, int | None] | None:
        """(limit, numberPhases) of the profile at t, or None when it is not in force."""
        if not self._valid_at(p, t):
            return None
        start = self._schedule_start(p, t, relative_origin)
        if start is None:
            return None
        offset = t - start
        span = self._span(p)
        if offset < -EPS or (span is not None and offset >= span - EPS):
            return None
        current = None
        for start_period, limit, phases in p.periods:
            if start_period <= offset + EPS:
                current = (limit, phases)
        return current

    def _changes(self, p: Profile, t0: float, t1: float, relative_origin: float) -> set[float]:
        """The instants in (t0, t1) where the profile's value may change."""
        points = {p.valid_from} if p.valid_from is not None else set()
        if p.valid_to is not None and not self._faults.active("valid-to-ignored"):
            points.add(p.valid_to)
        if p.kind == "Recurring":
            if p.start_schedule is None:
                return set()
            cycle = RECURRENCE_S.get(p.recurrency, DAY_S)
            base = p.start_schedule
            k = base if t0 < base else base + (math.floor((t0 - base) / cycle) - 1) * cycle
            starts = []
            while k < t1 and len(starts) < MAX_OCCURRENCES:
                starts.append(k)
                k += cycle
            shift = self._recurrence_shift()
            points.update(starts)                       # where the current recurrence is chosen anew
            starts = [s + shift for s in starts]
        else:
            starts = [self._fixed_start(p, relative_origin)]
        span = self._span(p)
        for start in starts:
            points.update(start + period[0] for period in p.periods)
            if span is not None:
                points.add(start + span)
        return {x for x in points if t0 + EPS < x < t1 - EPS}

    # -- the profiles together ----------------------------------------------------------------------------
    def _highest(self, candidates, t: float, relative_origin: float):
        """(profile, (limit, phases)) of the prevailing profile among the candidates at t, or None."""
        best = None
        lowest_wins = self._faults.active("charging-profile-stack-ignored")
        for p in candidates:
            value = self._value(p, t, relative_origin)
            if value is None:
                continue
            key = (p.stack_level, p.connector_id != 0)       # the connector's own before connector 0's
            if best is None or (key < best[0] if lowest_wins else key > best[0]):
                best = (key, p, value)
        return None if best is None else (best[1], best[2])

    @staticmethod
    def _applies_to_transaction(p: Profile, tx) -> bool:
        if p.tx_local_id is not None:
            return p.tx_local_id == tx.local_id
        return p.transaction_id is None or p.transaction_id == tx.transaction_id

    def _convert(self, limit: float, unit: str, to: str, phases: int, *, profile: bool = True) -> float:
        """A limit in ``unit`` expressed in ``to``; a profile's W limit is read as A with ``watts-taken-as-amps``."""
        if profile and unit == "W" and self._faults.active("watts-taken-as-amps"):
            unit = "A"
        if unit == to:
            return limit
        return limit * VOLTS * phases if to == "W" else limit / (VOLTS * phases)

    def _charge_point_max(self, t: float):
        if self._faults.active("composite-ignores-max-profile"):
            return None
        return self._highest([p for p in self.profiles if p.purpose == "ChargePointMaxProfile"], t, t)

    def _relative_origin(self, connector_id: int, planned: float) -> float:
        tx = self._tx.on(connector_id)
        started = _epoch(tx.started_at) if tx is not None else None
        return started if started is not None else planned

    def _connector_limit(self, connector_id: int, t: float, unit: str, planned: float, *,
                         capped: bool = True) -> tuple[float, int | None]:
        """The composite limit of connector N at t in ``unit``, and the numberPhases it carries."""
        spec = self._settings.connector(connector_id)
        tx = self._tx.on(connector_id)
        origin = self._relative_origin(connector_id, planned)
        tx_profile = None
        if tx is not None:
            tx_profile = self._highest([p for p in self.profiles if p.purpose == "TxProfile"
                                        and p.connector_id == connector_id and self._applies_to_transaction(p, tx)],
                                       t, origin)
        default = self._highest([p for p in self.profiles if p.purpose == "TxDefaultProfile"
                                 and p.connector_id in (0, connector_id)], t, origin)
        if self._faults.active("tx-default-over-tx-profile"):
            chosen = default or tx_profile
        else:
            chosen = tx_profile or default
        values: list[tuple[float, int | None]] = []
        if chosen is not None:
            p, (limit, phases) = chosen
            values.append((self._convert(limit, p.unit, unit, phases or spec.phases), phases))
        maximum = self._charge_point_max(t) if capped else None
        if maximum is not None:
            p, (limit, phases) = maximum
            values.append((self._convert(limit, p.unit, unit, phases or spec.phases), phases))
        if not values:
            return self._convert(spec.max_power_w, "W", unit, spec.phases, profile=False), None
        return min(values, key=lambda v: v[0])

    def limit(self, connector_id: int, t: float, unit: str, planned: float) -> tuple[float, int | None]:
        """The composite limit at t of connector N, or of the whole charge point for connector 0."""
        if connector_id != 0:
            return self._connector_limit(connector_id, t, unit, planned)
        total = sum(self._connector_limit(c.id, t, unit, planned, capped=False)[0] for c in self._settings.connectors)
        maximum = self._charge_point_max(t)
        if maximum is None:
            return total, None
        p, (limit, phases) = maximum
        capped = self._convert(limit, p.unit, unit, phases or self._grid_phases())
        return (capped, phases) if capped < total else (total, None)

    def _grid_phases(self) -> int:
        return max((c.phases for c in self._settings.connectors), default=3)

    def _scope(self, connector_id: int) -> list[int]:
        return [c.id for c in self._settings.connectors] if connector_id == 0 else [connector_id]

    def _changes_for(self, connectors: list[int], t0: float, t1: float, planned: float) -> set[float]:
        points: set[float] = set()
        for cid in connectors:
            origin = self._relative_origin(cid, planned)
            for p in self.profiles:
                if p.connector_id in (0, cid):
                    points |= self._changes(p, t0, t1, origin)
        return points

    # -- GetCompositeSchedule ------------------------------------------------------------------------------
    def composite(self, connector_id: int, duration: int, unit: str | None) -> dict | None:
        if connector_id < 0 or (connector_id != 0 and self._settings.connector(connector_id) is None):
            return None
        now = clock.now()
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)      # scheduleStart carries ms
        t0 = now.timestamp()
        t1 = t0 + max(0, int(duration))
        unit = unit or self._default_unit()
        points = {t0} | self._changes_for(self._scope(connector_id), t0, t1, t0)
        entries: list[tuple[int, float, int | None]] = []
        for t in sorted(points):
            limit, phases = self.limit(connector_id, t, unit, t0)
            entry = (int(round(t - t0)), round(limit, 1), phases)
            if entries and entries[-1][0] == entry[0]:
                entries[-1] = entry                     # two changes within the same second: the later holds
            else:
                entries.append(entry)
        periods: list[dict] = []
        for start, limit, phases in entries:
            if periods and periods[-1]["limit"] == limit and periods[-1].get("number_phases") == phases:
                continue
            period = {"start_period": start, "limit": limit}
            if phases:
                period["number_phases"] = int(phases)
            periods.append(period)
        if self._faults.active("composite-empty-periods"):
            periods = []
        return {"schedule_start": clock.iso(now),
                "charging_schedule": {"duration": int(duration), "charging_rate_unit": unit,
                                      "charging_schedule_period": periods}}

    def _default_unit(self) -> str:
        units = self._config.get_list("ChargingScheduleAllowedChargingRateUnit")
        return "A" if not units or "Current" in units or "A" in units else "W"

    # -- the meter follows ---------------------------------------------------------------------------------
    def follow(self) -> None:
        """Set every charging connector's power to the limits in force now, and wake up at the next change."""
        self._cancel_timer()
        now = clock.now().timestamp()
        running = [tx for tx in self._tx.active.values() if tx.connector_id in self._meters]
        if not running:
            return
        if not self.profiles:
            for tx in running:
                self._meters[tx.connector_id].set_power_limit(None)
            return
        demand = {}
        for tx in running:
            spec = self._settings.connector(tx.connector_id)
            watts, _ = self._connector_limit(tx.connector_id, now, "W", now, capped=False)
            demand[tx.connector_id] = max(0.0, min(watts, spec.max_power_w))
        maximum = self._charge_point_max(now)
        if maximum is not None:
            p, (limit, phases) = maximum
            demand = share(demand, max(0.0, self._convert(limit, p.unit, "W", phases or self._grid_phases())))
        for cid, watts in demand.items():
            self._meters[cid].set_power_limit(watts)
        changes = self._changes_for([tx.connector_id for tx in running], now, now + FOLLOW_HORIZON_S, now)
        if changes:
            self._start_timer(min(changes) - now)

    def _cancel_timer(self) -> None:
        if self._timer is not None and not self._timer.done() and self._timer is not _current_task():
            self._timer.cancel()
        self._timer = None

    def _start_timer(self, delay: float) -> None:
        if self._tasks is None:
            return
        try:
            self._timer = self._tasks.spawn(self._follow_later(delay), "smart-charging-follow")
        except RuntimeError:                    # no event loop running (a synchronous caller): samples follow
            self._timer = None

    async def _follow_later(self, delay: float) -> None:
        await asyncio.sleep(max(0.0, delay) + 0.001)
        self._timer = None
        self.follow()


def _current_task():
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None


def share(demand: dict[int, float], capacity: float) -> dict[int, float]:
    """Split ``capacity`` between the connectors: equal shares, a connector that needs less than its share
    leaving the rest to the others (max-min fairness)."""
    result = {}
    remaining = capacity
    ordered = sorted(demand.items(), key=lambda item: item[1])
    for index, (cid, wanted) in enumerate(ordered):
        fair = remaining / (len(ordered) - index)
        result[cid] = min(wanted, fair)
        remaining -= result[cid]
    return result
