"""What every Smart Charging case does: build charging profiles on the charger's clock, install them, and
judge each GetCompositeSchedule answer against the oracle (:mod:`harness.smart_charging`).

A case keeps a :class:`Memory` of what the charger accepted (the profiles, the transactions that run) and the
oracle computes the composite schedule a conforming charger must answer from it; a mismatch is reported period
by period ("at +50 s: expected limit 10.0 A, got 11.0 A").

Limits are written in amperes, as the plan writes them; the W variant of a case (SC-1.2) sends the same
physical limit in watts, ``A x nominal voltage x phases`` (the connector's phases from the PICS, the voltage
from ``test_setup.nominal_voltage``), so one case proves the same behaviour in both units.

Times: every profile starts on the charger's own clock, read from the scheduleStart of a first
GetCompositeSchedule (a charger whose clock is a few seconds off is then still judged on its own terms), in
whole seconds; never on a fixed date.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Sequence

from harness.csms.station import Received, Response, Station
from harness.smart_charging import CompositeSchedule, Electrical, Installed, Transaction, compare, \
    composite_schedule
from testcases.core._offline_states import parse_time

#: CALLERROR codes a charger may give instead of Rejected for a profile that breaks a rule (plan TC_058_1,
#: TC_060: "Rejected, or a CallError PropertyConstraintViolation").
REJECTING_ERRORS = ("PropertyConstraintViolation",)


def smart_charging(pics: Any) -> str | None:
    """The SmartCharging feature profile is claimed."""
    if not pics.supports_profile("SmartCharging"):
        return "feature_profiles does not list SmartCharging: Smart Charging is not supported"
    return None


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass
class Memory:
    """What the case installed and what runs, as the oracle needs it."""

    cs: Station
    connector: int
    unit: str
    electrical: Electrical
    deviation: float
    installed: list[Installed] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    #: the charger's clock minus the harness's, seconds (read from a scheduleStart)
    clock_offset: float = 0.0
    #: what the charger answers with no profile installed (its own maximum), in the case's unit; where the
    #: oracle says no profile limits the connector, an answer must allow at least this much (None: anything)
    ceiling: float | None = None

    @classmethod
    def of(cls, cs: Station, setup: Any, pics: Any, unit: str, *, connector: int | None = None) -> "Memory":
        connector = setup.connector_id if connector is None else connector
        phases = pics.connector(connector).phases or 3
        return cls(cs, connector, unit, Electrical(voltage=float(setup.nominal_voltage), phases=phases),
                   float(setup.schedule_time_deviation))

    # -- limits and times ----------------------------------------------------------------------------------
    def limit(self, amps: float) -> float:
        """``amps`` in the case's unit: itself in A, ``A x voltage x phases`` in W."""
        if self.unit == "A":
            return float(amps)
        return float(round(amps * self.electrical.voltage * self.electrical.phases))

    def now(self) -> datetime:
        """The charger's now, in whole seconds."""
        moment = datetime.now(timezone.utc) + timedelta(seconds=self.clock_offset)
        return moment.replace(microsecond=0)

    async def read_clock(self) -> None:
        """The charger's clock, from the scheduleStart of a short GetCompositeSchedule; kept as an offset to
        the harness's. A charger that answers Rejected (nothing installed) or without scheduleStart keeps the
        harness's clock (offset 0)."""
        response = await self.cs.call("GetCompositeSchedule", connectorId=self.connector, duration=1,
                                      chargingRateUnit=self.unit, allow_error=True)
        start = None if response.is_error else parse_time(response.payload.get("scheduleStart"))
        if start is not None:
            received = time.time() - (time.monotonic_ns() - response.received_ns) / 1e9
            self.clock_offset = start.timestamp() - received

    async def read_ceiling(self) -> None:
        """The charger's limit with no profile installed: ClearChargingProfile, then the lowest limit of a
        GetCompositeSchedule. Without it, a charger that keeps a profile past its validTo (or past its
        duration) would pass wherever the oracle expects no limit. Rejected or no periods: no ceiling."""
        await self.cs.call("ClearChargingProfile", allow_error=True)
        self.installed.clear()
        response = await self.cs.call("GetCompositeSchedule", connectorId=self.connector, duration=60,
                                      chargingRateUnit=self.unit, allow_error=True)
        schedule = {} if response.is_error else response.payload.get("chargingSchedule") or {}
        limits = [float(p["limit"]) for p in schedule.get("chargingSchedulePeriod") or [] if "limit" in p]
        if limits and schedule.get("chargingRateUnit", self.unit) == self.unit:
            self.ceiling = min(limits)

    # -- profiles ------------------------------------------------------------------------------------------
    def profile(self, profile_id: int, purpose: str, stack_level: int, periods: Sequence[tuple[int, float]], *,
                kind: str = "Absolute", start: datetime | None = None, duration: int | None = None,
                valid_from: datetime | None = None, valid_to: datetime | None = None,
                recurrency: str | None = None, transaction_id: int | None = None) -> dict[str, Any]:
        """A csChargingProfiles object, limits given in A and written in the case's unit."""
        schedule: dict[str, Any] = {
            "chargingRateUnit": self.unit,
            "chargingSchedulePeriod": [{"startPeriod": int(offset), "limit": self.limit(amps)}
                                       for offset, amps in periods]}
        if duration is not None:
            schedule["duration"] = int(duration)
        if start is not None:
            schedule["startSchedule"] = iso(start)
        body: dict[str, Any] = {"chargingProfileId": profile_id, "stackLevel": stack_level,
                                "chargingProfilePurpose": purpose, "chargingProfileKind": kind,
                                "chargingSchedule": schedule}
        for key, value in (("transactionId", transaction_id), ("recurrencyKind", recurrency),
                           ("validFrom", valid_from and iso(valid_from)), ("validTo", valid_to and iso(valid_to))):
            if value is not None:
                body[key] = value
        return body

    async def install(self, profile: dict[str, Any], *, connector: int | None = None) -> Response:
        """SetChargingProfile, which must be Accepted; the profile joins the oracle's memory."""
        connector = self.connector if connector is None else connector
        response = await self.cs.call("SetChargingProfile", connectorId=connector, csChargingProfiles=profile)
        self.cs.require(response["status"] == "Accepted",
                        f"SetChargingProfile ({describe(profile)}, connectorId {connector}) answered "
                        f"{response['status']}; a valid profile within the PICS limits must be Accepted "
                        f"(OCPP 1.6 §5.16)")
        self.remember(profile, connector)
        return response

    def remember(self, profile: dict[str, Any], connector: int) -> None:
        """A profile the charger took (SetChargingProfile, or RemoteStartTransaction's chargingProfile); one
        with the same chargingProfileId replaces it, as the charger does (OCPP 1.6 §5.16)."""
        self.installed = [i for i in self.installed
                          if i.profile["chargingProfileId"] != profile["chargingProfileId"]]
        self.installed.append(Installed(connector, profile, self.now()))

    def forget(self, keep: Any) -> None:
        """After a ClearChargingProfile: keep only the profiles ``keep(installed)`` says survive."""
        self.installed = [i for i in self.installed if keep(i)]

    def started(self, start: Received) -> int:
        """The transaction of a StartTransaction joins the memory; returns its transactionId."""
        transaction_id = int(start.reply["transactionId"])
        began = parse_time(start.payload.get("timestamp")) or self.now()
        self.transactions.append(Transaction(transaction_id, int(start["connectorId"]), began))
        return transaction_id

    # -- the composite schedule ----------------------------------------------------------------------------
    async def judge_composite(self, duration: int, *, what: str = "") -> CompositeSchedule:
        """GetCompositeSchedule(connector, duration, unit): Accepted, for the connector, in the unit, starting
        within the max time deviation of the request, and every period equal to the oracle's."""
        cs = self.cs
        asked = self.now()
        response = await cs.call("GetCompositeSchedule", connectorId=self.connector, duration=duration,
                                 chargingRateUnit=self.unit)
        answer = response.payload
        context = f" ({what})" if what else ""
        cs.require(answer.get("status") == "Accepted",
                   f"GetCompositeSchedule(connectorId {self.connector}, {duration} s, {self.unit}) answered "
                   f"{answer.get('status')}{context}, while {len(self.installed)} profile(s) are installed")
        cs.require(answer.get("connectorId", self.connector) == self.connector,
                   f"GetCompositeSchedule.conf is for connectorId {answer.get('connectorId')}, asked for "
                   f"{self.connector}")
        start = parse_time(answer.get("scheduleStart"))
        cs.require(start is not None, f"GetCompositeSchedule.conf has no valid scheduleStart "
                                      f"({answer.get('scheduleStart')!s}); the plan checks it against the request time")
        drift = abs((start - asked).total_seconds())
        cs.require(drift <= self.deviation + 1,
                   f"scheduleStart {answer.get('scheduleStart')} is {drift:.1f} s from the request time "
                   f"{iso(asked)} (the charger's clock); the plan allows the max time deviation "
                   f"({self.deviation:.0f} s)")
        schedule = answer.get("chargingSchedule") or {}
        cs.require(bool(schedule.get("chargingSchedulePeriod")),
                   f"GetCompositeSchedule.conf Accepted with no chargingSchedulePeriod{context}; the oracle expects "
                   f"{render(self.expected(start, duration))}")
        given = schedule.get("duration")
        cs.require(given is None or int(given) <= duration,
                   f"the composite schedule's duration is {given} s, longer than the {duration} s asked for")
        expected = self.expected(start, duration)
        mismatches = compare(expected, answer, tolerance=self.tolerance(), ceiling=self.ceiling)
        cs.require(not mismatches,
                   f"the composite schedule{context} differs from the profiles installed: {'; '.join(mismatches)}"
                   f" (expected {render(expected)}; got {render_answer(schedule)})")
        return expected

    def expected(self, start: datetime, duration: int) -> CompositeSchedule:
        return composite_schedule(self.installed, connector_id=self.connector, start=start, duration=duration,
                                  unit=self.unit, transactions=self.transactions, electrical=self.electrical)

    def tolerance(self) -> float:
        """0.1 A, or what 0.1 A is in W on this connector: a charger may keep its limits in either unit."""
        return 0.1 if self.unit == "A" else 0.1 * self.electrical.voltage * self.electrical.phases + 1


def describe(profile: dict[str, Any]) -> str:
    schedule = profile.get("chargingSchedule", {})
    periods = ", ".join(f"{p['startPeriod']}:{p['limit']:g}" for p in schedule.get("chargingSchedulePeriod", []))
    extra = f", transactionId {profile['transactionId']}" if "transactionId" in profile else ""
    return (f"id {profile.get('chargingProfileId')} {profile.get('chargingProfilePurpose')} stack "
            f"{profile.get('stackLevel')} {profile.get('chargingProfileKind')}{extra}, periods {periods} "
            f"{schedule.get('chargingRateUnit', '')}").rstrip()


def render(schedule: CompositeSchedule) -> str:
    return ", ".join(f"{p.start_period}:{'none' if p.limit is None else f'{p.limit:g}'}" for p in schedule.periods) \
        + f" {schedule.charging_rate_unit} over {schedule.duration} s"


def render_answer(schedule: dict[str, Any]) -> str:
    periods = ", ".join(f"{p.get('startPeriod')}:{p.get('limit')}" for p in schedule.get("chargingSchedulePeriod", []))
    return f"{periods} {schedule.get('chargingRateUnit', '')} over {schedule.get('duration', '?')} s"


def rejected(response: Response) -> bool:
    """Rejected, or a CALLERROR PropertyConstraintViolation (the plan allows both)."""
    if response.is_error:
        return response.error_code in REJECTING_ERRORS
    return response.payload.get("status") == "Rejected"


def answer_text(response: Response) -> str:
    return f"CALLERROR {response.error_code}" if response.is_error else str(response.payload.get("status"))
