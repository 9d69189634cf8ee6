"""9 Smart Charging (SC-1.1 A, SC-1.2 W): TC_056_CS, TC_057_CS, TC_058_1_CS, TC_058_2_CS, TC_059_CS, TC_060_CS,
TC_066_CS, TC_067_CS, TC_072_CS, TC_082_CS, each run once per charging rate unit the PICS claims
(``TC_056_CS[A]``, ``TC_056_CS[W]``).

OCPP 1.6 §3.13 Smart Charging, §5.5 ClearChargingProfile, §5.7 GetCompositeSchedule, §5.16 SetChargingProfile,
§5.11 RemoteStartTransaction (a chargingProfile there "SHALL" be a TxProfile). Every GetCompositeSchedule answer
is judged against the oracle (:mod:`harness.smart_charging`), period by period, not only the few fixed values of
the plan: the plan's [I] "the CP follows it" is made exact. The profiles (``_profiles.Memory``) start on the
charger's own clock.

Where the plan only asks for Accepted (TC_056, TC_057, TC_067), the case also asks for the composite schedule
after each change, so that an Accepted the charger does not act on fails: this is stricter than OCTT, and the
reason says which profile the composite ignored.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from harness.csms.station import Received, Station
from harness.dut.control import DeviceControl
from harness.testcase import all_of, testcase
from testcases.checks import expect_started
from testcases.smart_charging._profiles import Memory, answer_text, describe, rejected, smart_charging
from testcases.states import charging

BLOCK = "smart_charging"
PROFILE = "Smart Charging"
#: chargingProfileIds of the cases (the baseline clears every profile after each case)
FIRST_ID = 560
#: The composite windows the plan uses.
TC_066_DURATION = 400
TC_082_DURATION = 300


def limits_allow(*, profiles: int, periods: int, stack_level: int = 0) -> Any:
    """The PICS limits the case needs: ORS-19 MaxChargingProfilesInstalled, ORS-15 ChargingScheduleMaxPeriods,
    ORS-14 ChargeProfileMaxStackLevel (the plan's prerequisites of TC_066)."""

    def rule(pics: Any) -> str | None:
        needs = (("ORS-19", "MaxChargingProfilesInstalled", profiles), ("ORS-15", "ChargingScheduleMaxPeriods", periods),
                 ("ORS-14", "ChargeProfileMaxStackLevel", stack_level))
        short = [f"{ors} ({key}) = {pics.ors(ors, 0)}, the case needs {need}"
                 for ors, key, need in needs if int(pics.ors(ors, 0) or 0) < need]
        return "; ".join(short) or None

    return rule


async def remote_charging(cs: Station, dut: DeviceControl, setup: Any, memory: Memory,
                          profile: dict[str, Any] | None = None) -> Received:
    """State Charging by RemoteStartTransaction after the plug-in (with ``profile`` as its chargingProfile); the
    transaction (and the profile, bound to it) join the memory."""
    connector = memory.connector
    cs.steps.next("reach state Charging by RemoteStartTransaction")
    await dut.plug_in(connector)
    await cs.expect("StatusNotification", connectorId=connector, status="Preparing")
    fields: dict[str, Any] = {"connectorId": connector, "idTag": setup.id_tags.valid}
    if profile is not None:
        fields["chargingProfile"] = profile
    response = await cs.call("RemoteStartTransaction", **fields)
    cs.require(response["status"] == "Accepted",
               f"RemoteStartTransaction{' with chargingProfile ' + describe(profile) if profile else ''} answered "
               f"{response['status']}")
    start = await expect_started(cs, connector, setup.id_tags.valid)
    transaction_id = memory.started(start)
    if profile is not None:
        memory.remember(dict(profile, transactionId=transaction_id), connector)
    return start


async def charging_with_memory(cs: Station, dut: DeviceControl, setup: Any, pics: Any, memory: Memory) -> int:
    """State Charging (the way the charger supports); returns the transactionId, now in the memory."""
    return memory.started(await charging(cs, dut, setup, pics, connector=memory.connector))


# ----------------------------------------------------------------------------------------------- cases

@testcase("TC_056_CS", "Central Smart Charging – TxDefaultProfile", block=BLOCK, profile=PROFILE,
          applies=smart_charging, per_rate_unit=True)
async def test_central_smart_charging_tx_default_profile(cs, dut, setup, pics, rate_unit):
    """SetChargingProfile(TxDefaultProfile, Recurring Daily) → Accepted; then a transaction starts and the
    composite schedule follows the profile.

    The schedule recurs daily from yesterday, 60 s before now: a charger that computes the recurrence a day
    late (or not at all) limits nothing today and fails the composite."""
    memory = Memory.of(cs, setup, pics, rate_unit)
    await memory.read_clock()
    now = memory.now()
    await memory.install(memory.profile(FIRST_ID, "TxDefaultProfile", 0, [(0, 6), (120, 10), (240, 8)],
                                        kind="Recurring", recurrency="Daily",
                                        start=now - timedelta(days=1, seconds=60), duration=600))
    await charging_with_memory(cs, dut, setup, pics, memory)
    await memory.judge_composite(TC_082_DURATION, what="a transaction under the TxDefaultProfile")


@testcase("TC_057_CS", "Central Smart Charging – TxProfile", block=BLOCK, profile=PROFILE,
          applies=smart_charging, per_rate_unit=True)
async def test_central_smart_charging_tx_profile(cs, dut, setup, pics, rate_unit):
    """State Charging; SetChargingProfile(TxProfile, transactionId of the running transaction, Relative, no
    recurrencyKind) → Accepted; the composite follows it (over the charge point's own default, which a
    TxProfile overrules)."""
    memory = Memory.of(cs, setup, pics, rate_unit)
    await memory.read_clock()
    now = memory.now()
    await memory.install(memory.profile(FIRST_ID, "TxDefaultProfile", 0, [(0, 16)], start=now - timedelta(seconds=5)))
    transaction = await charging_with_memory(cs, dut, setup, pics, memory)
    await memory.install(memory.profile(FIRST_ID + 1, "TxProfile", 0, [(0, 8), (60, 12), (180, 6)], kind="Relative",
                                        duration=300, transaction_id=transaction))
    await memory.judge_composite(TC_082_DURATION, what="the TxProfile of the running transaction")


@testcase("TC_058_1_CS", "Central Smart Charging – No ongoing transaction", block=BLOCK, profile=PROFILE,
          applies=smart_charging, per_rate_unit=True)
async def test_central_smart_charging_no_transaction(cs, dut, setup, pics, rate_unit):
    """No transaction; SetChargingProfile(TxProfile with a transactionId) → Rejected, or CALLERROR
    PropertyConstraintViolation (OCPP 1.6 §5.16: a TxProfile "SHALL only be set" with a transaction)."""
    memory = Memory.of(cs, setup, pics, rate_unit)
    profile = memory.profile(FIRST_ID, "TxProfile", 0, [(0, 8)], kind="Relative",
                             transaction_id=setup.unknown_transaction_id)
    response = await cs.call("SetChargingProfile", connectorId=memory.connector, csChargingProfiles=profile,
                             allow_error=True)
    cs.require(rejected(response),
               f"SetChargingProfile({describe(profile)}) with no transaction on connector {memory.connector} "
               f"answered {answer_text(response)}; expected Rejected (or CALLERROR PropertyConstraintViolation)")


@testcase("TC_058_2_CS", "Central Smart Charging – Wrong transactionId", block=BLOCK, profile=PROFILE,
          applies=smart_charging, per_rate_unit=True)
async def test_central_smart_charging_wrong_transaction_id(cs, dut, setup, pics, rate_unit):
    """State Charging; SetChargingProfile(TxProfile, a transactionId that is not the running one) → Rejected;
    the composite is not changed by it."""
    memory = Memory.of(cs, setup, pics, rate_unit)
    transaction = await charging_with_memory(cs, dut, setup, pics, memory)
    other = setup.unknown_transaction_id if setup.unknown_transaction_id != transaction else transaction + 1
    profile = memory.profile(FIRST_ID, "TxProfile", 0, [(0, 8)], kind="Relative", transaction_id=other)
    response = await cs.call("SetChargingProfile", connectorId=memory.connector, csChargingProfiles=profile,
                             allow_error=True)
    cs.require(rejected(response),
               f"SetChargingProfile({describe(profile)}) answered {answer_text(response)}; the transaction running "
               f"on connector {memory.connector} is {transaction}: expected Rejected")


@testcase("TC_059_CS", "Remote Start Transaction with Charging Profile", block=BLOCK, profile=PROFILE,
          applies=smart_charging, per_rate_unit=True)
async def test_remote_start_transaction_with_charging_profile(cs, dut, setup, pics, rate_unit):
    """Charging through RemoteStartTransaction carrying a TxProfile; GetCompositeSchedule(connector, duration,
    unit) → Accepted, scheduleStart within the max time deviation of now, periods as the profile says."""
    memory = Memory.of(cs, setup, pics, rate_unit)
    await memory.read_clock()
    profile = memory.profile(FIRST_ID, "TxProfile", 0, [(0, 10), (90, 7), (200, 13)], kind="Relative", duration=300)
    await remote_charging(cs, dut, setup, memory, profile)
    await memory.judge_composite(TC_082_DURATION, what="the TxProfile of RemoteStartTransaction")


@testcase("TC_060_CS", "Remote Start Transaction with Charging Profile – Rejected", block=BLOCK, profile=PROFILE,
          applies=smart_charging, per_rate_unit=True)
async def test_remote_start_transaction_with_charging_profile_rejected(cs, dut, setup, pics, rate_unit):
    """RemoteStartTransaction with a chargingProfile whose purpose is TxDefaultProfile → Rejected, or CALLERROR
    PropertyConstraintViolation (OCPP 1.6 §6.33: "The purpose of the charging profile SHALL be set to
    TxProfile")."""
    memory = Memory.of(cs, setup, pics, rate_unit)
    profile = memory.profile(FIRST_ID, "TxDefaultProfile", 0, [(0, 10)], kind="Relative")
    response = await cs.call("RemoteStartTransaction", connectorId=memory.connector, idTag=setup.id_tags.valid,
                             chargingProfile=profile, allow_error=True)
    cs.require(rejected(response),
               f"RemoteStartTransaction with chargingProfile {describe(profile)} answered {answer_text(response)}; "
               f"expected Rejected (or CALLERROR PropertyConstraintViolation): the purpose must be TxProfile")


@testcase("TC_066_CS", "Get Composite Schedule", block=BLOCK, profile=PROFILE,
          applies=all_of(smart_charging, limits_allow(profiles=3, periods=5)), per_rate_unit=True)
async def test_get_composite_schedule(cs, dut, setup, pics, rate_unit):
    """The plan's three profiles: the charge point's maximum (ChargePointMaxProfile, connector 0, limit 10 A),
    a TxDefaultProfile (0:6, 60:10, 120:8, 180:25, 260:8 over 300 s) and, during the transaction, a TxProfile
    (0:8, 50:11, 140:16, 200:6, 240:12 over 260 s); GetCompositeSchedule(connector, 400 s) must be their
    minimum, TxProfile over TxDefaultProfile, capped by the maximum (EVerest's reading: 0:8, 50:10, 200:6,
    240:10, 260:8, 300:10)."""
    memory = Memory.of(cs, setup, pics, rate_unit)
    await memory.read_clock()
    now, deviation = memory.now(), timedelta(seconds=memory.deviation)
    await memory.install(memory.profile(FIRST_ID, "ChargePointMaxProfile", 0, [(0, 10)], start=now - deviation,
                                        duration=86400 + int(memory.deviation)), connector=0)
    transaction = await charging_with_memory(cs, dut, setup, pics, memory)
    start = memory.now()
    await memory.install(memory.profile(FIRST_ID + 1, "TxDefaultProfile", 0,
                                        [(0, 6), (60, 10), (120, 8), (180, 25), (260, 8)], start=start, duration=300))
    await memory.install(memory.profile(FIRST_ID + 2, "TxProfile", 0, [(0, 8), (50, 11), (140, 16), (200, 6), (240, 12)],
                                        start=start, duration=260, transaction_id=transaction))
    await memory.judge_composite(TC_066_DURATION, what="ChargePointMaxProfile, TxDefaultProfile and TxProfile")


@testcase("TC_067_CS", "Clear Charging Profile", block=BLOCK, profile=PROFILE,
          applies=all_of(smart_charging, limits_allow(profiles=3, periods=1, stack_level=1)), per_rate_unit=True)
async def test_clear_charging_profile(cs, dut, setup, pics, rate_unit):
    """Three profiles (a ChargePointMaxProfile on connector 0, TxDefaultProfiles at stack levels 0 and 1), then
    ClearChargingProfile by id, by criteria (connectorId, purpose, stackLevel 0) and with no field (all) →
    Accepted each; nothing left → Unknown (OCPP 1.6 §7.9). After each clear the composite of a running
    transaction must show exactly the profiles left (stricter than OCTT, which checks the answers only)."""
    memory = Memory.of(cs, setup, pics, rate_unit)
    await memory.read_clock()
    now = memory.now()
    maximum = memory.profile(FIRST_ID, "ChargePointMaxProfile", 0, [(0, 12)], start=now, duration=86400)
    await memory.install(maximum, connector=0)
    await memory.install(memory.profile(FIRST_ID + 1, "TxDefaultProfile", 0, [(0, 6), (120, 14)], start=now,
                                        duration=3600))
    await memory.install(memory.profile(FIRST_ID + 2, "TxDefaultProfile", 1, [(0, 9)], start=now,
                                        duration=150))
    await charging_with_memory(cs, dut, setup, pics, memory)
    await memory.judge_composite(TC_082_DURATION, what="three profiles installed")

    await clear(cs, memory, "by id", {"id": FIRST_ID}, lambda i: i.profile["chargingProfileId"] != FIRST_ID)
    await clear(cs, memory, "by connectorId, purpose and stackLevel 0",
                {"connectorId": memory.connector, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 0},
                lambda i: i.profile["stackLevel"] != 0)
    await clear(cs, memory, "with no criteria (all)", {}, lambda _i: False)
    response = await cs.call("ClearChargingProfile")
    cs.require(response["status"] == "Unknown",
               f"ClearChargingProfile (all) with no profile left answered {response['status']}; OCPP 1.6 §7.9: "
               f"Unknown when \"no Charging Profile(s) were found matching the request\"")


async def clear(cs: Station, memory: Memory, how: str, criteria: dict[str, Any], keep: Any) -> None:
    """ClearChargingProfile ``criteria`` → Accepted; then the composite shows the profiles left."""
    response = await cs.call("ClearChargingProfile", **criteria)
    cs.require(response["status"] == "Accepted",
               f"ClearChargingProfile {how} answered {response['status']}; a profile matches it")
    memory.forget(keep)
    if memory.installed:
        await memory.judge_composite(TC_082_DURATION, what=f"after ClearChargingProfile {how}")


@testcase("TC_072_CS", "Stacking Charging Profiles", block=BLOCK, profile=PROFILE,
          applies=all_of(smart_charging, limits_allow(profiles=2, periods=3, stack_level=1)), per_rate_unit=True)
async def test_stacking_charging_profiles(cs, dut, setup, pics, rate_unit):
    """Two TxDefaultProfiles: stack 0 (0:6, 100:8, 200:10 over 400 s) and stack 1 (0:7, 100:9), valid until
    120 s from now; during a transaction the composite is stack 1 while it is valid, then stack 0 (the higher
    stack level wins while valid, OCPP 1.6 §3.13.2)."""
    memory = Memory.of(cs, setup, pics, rate_unit)
    await memory.read_clock()
    now, deviation = memory.now(), timedelta(seconds=memory.deviation)
    await memory.install(memory.profile(FIRST_ID, "TxDefaultProfile", 0, [(0, 6), (100, 8), (200, 10)],
                                        start=now - deviation, duration=400 + int(memory.deviation),
                                        valid_from=now - deviation,
                                        valid_to=now + deviation + timedelta(seconds=401)))
    await memory.install(memory.profile(FIRST_ID + 1, "TxDefaultProfile", 1, [(0, 7), (100, 9)],
                                        start=now - deviation, duration=150 + int(memory.deviation),
                                        valid_from=now - deviation, valid_to=now + timedelta(seconds=120)))
    await charging_with_memory(cs, dut, setup, pics, memory)
    await memory.judge_composite(TC_066_DURATION, what="two stacked TxDefaultProfiles")


@testcase("TC_082_CS", "Central Smart Charging – TxDefaultProfile – with ongoing transaction", block=BLOCK,
          profile=PROFILE, applies=smart_charging, per_rate_unit=True)
async def test_central_smart_charging_tx_default_profile_ongoing_transaction(cs, dut, setup, pics, rate_unit):
    """RemoteStartTransaction → Charging; SetChargingProfile(connector, TxDefaultProfile, stack 0, 300 s, 0:6,
    60:10, 120:8) → Accepted; GetCompositeSchedule(connector, 300 s) → Accepted with those periods: a default
    profile applies to the transaction already running."""
    memory = Memory.of(cs, setup, pics, rate_unit)
    await memory.read_clock()
    await remote_charging(cs, dut, setup, memory)
    await memory.install(memory.profile(FIRST_ID, "TxDefaultProfile", 0, [(0, 6), (60, 10), (120, 8)],
                                        start=memory.now(), duration=TC_082_DURATION))
    await memory.judge_composite(TC_082_DURATION, what="a TxDefaultProfile set during the transaction")
