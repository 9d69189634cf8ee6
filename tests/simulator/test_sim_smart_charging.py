"""Smart charging of the reference charge point (TC_056-060, TC_066, TC_067, TC_072, TC_082)."""

import asyncio
import datetime as dt

import pytest

from simulator.config import Settings
from simulator.device import Device
from simulator.faults import Faults
from simulator.persistence import StateStore


def stamp(offset_s: float = 0.0) -> str:
    moment = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=offset_s)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def profile(pid, purpose, stack, periods, duration=None, kind="Absolute", unit="A", start=0.0, **extra):
    schedule = {"chargingRateUnit": unit,
                "chargingSchedulePeriod": [{"startPeriod": s, "limit": limit} for s, limit in periods]}
    if duration is not None:
        schedule["duration"] = duration
    if kind != "Relative":
        schedule["startSchedule"] = stamp(start)
    return {"chargingProfileId": pid, "stackLevel": stack, "chargingProfilePurpose": purpose,
            "chargingProfileKind": kind, "chargingSchedule": schedule, **extra}


def snake(payload):
    """What the ``ocpp`` library hands to a handler: snake_case keys."""
    from ocpp.charge_point import camel_to_snake_case
    return camel_to_snake_case(payload)


def periods(composite):
    return [(p["start_period"], p["limit"]) for p in composite["charging_schedule"]["charging_schedule_period"]]


async def offline_device(tmp_path, pics, faults=()):
    device = Device(Settings.from_pics(pics), StateStore(tmp_path / "state.json"), Faults(faults))
    device.power_up()
    return device


@pytest.mark.asyncio
async def test_composite_schedule_stacks_tx_default_tx_profile_and_max(tmp_path, bench):
    device = await offline_device(tmp_path, bench.pics())
    smart = device.smart
    try:
        assert smart.set_profile(1, snake(profile(1, "TxProfile", 0, [(0, 8)]))) == "Rejected"   # no transaction
        assert smart.set_profile(1, snake(profile(1, "ChargePointMaxProfile", 0, [(0, 8)]))) == "Rejected"
        assert smart.set_profile(1, snake(profile(1, "TxDefaultProfile", 11, [(0, 8)]))) == "Rejected"  # > ORS-14
        assert smart.set_profile(1, snake(profile(1, "TxDefaultProfile", 0, [(10, 8)]))) == "Rejected"  # not at 0
        assert smart.set_profile(0, snake(profile(1, "ChargePointMaxProfile", 0, [(0, 10)], 86400, start=-1))) == "Accepted"
        assert smart.set_profile(1, snake(profile(2, "TxDefaultProfile", 0,
                                                  [(0, 6), (60, 10), (120, 8), (180, 25), (260, 8)], 300))) == "Accepted"
        device.transactions.start(1, "TAG", None)
        assert smart.set_profile(1, snake(profile(3, "TxProfile", 0,
                                                  [(0, 8), (50, 11), (140, 16), (200, 6), (240, 12)], 260))) == "Accepted"
        composite = smart.composite(1, 400, "A")
        assert periods(composite) == [(0, 8.0), (50, 10.0), (200, 6.0), (240, 10.0), (260, 8.0), (300, 10.0)]
        watts = smart.composite(1, 400, "W")
        assert periods(watts)[0] == (0, round(8 * 230 * 3, 1))
        assert smart.clear(None, None, "TxProfile", None) == "Accepted"
        assert periods(smart.composite(1, 400, "A"))[:2] == [(0, 6.0), (60, 10.0)]
        assert smart.clear(99, None, None, None) == "Unknown"
        assert smart.clear(None, None, None, None) == "Accepted"
        assert periods(smart.composite(1, 100, "A")) == [(0, 16.0)]        # no profile: the connector's maximum
        assert smart.clear(None, None, None, None) == "Unknown"
    finally:
        await device.shutdown()


@pytest.mark.asyncio
async def test_stack_levels_and_the_meter_follows_the_limit(tmp_path, bench):
    device = await offline_device(tmp_path, bench.pics())
    smart = device.smart
    try:
        assert smart.set_profile(1, snake(profile(1, "TxDefaultProfile", 0, [(0, 6), (100, 8), (200, 10)], 400))) == "Accepted"
        assert smart.set_profile(1, snake(profile(2, "TxDefaultProfile", 1, [(0, 7), (100, 9)], 150))) == "Accepted"
        assert periods(smart.composite(1, 300, "A")) == [(0, 7.0), (100, 9.0), (150, 8.0), (200, 10.0)]
        device.transactions.start(1, "TAG", None)
        smart.follow()
        assert device.meters[1].power_w == pytest.approx(7 * 230 * 3)
    finally:
        await device.shutdown()


@pytest.mark.asyncio
async def test_composite_schedule_faults(tmp_path, bench):
    device = await offline_device(tmp_path, bench.pics(), faults=["charging-profile-stack-ignored",
                                                                    "composite-ignores-max-profile"])
    smart = device.smart
    try:
        smart.set_profile(0, snake(profile(1, "ChargePointMaxProfile", 0, [(0, 5)], start=-1)))
        smart.set_profile(1, snake(profile(2, "TxDefaultProfile", 0, [(0, 6)], start=-1)))
        smart.set_profile(1, snake(profile(3, "TxDefaultProfile", 1, [(0, 7)], start=-1)))
        assert periods(smart.composite(1, 60, "A")) == [(0, 6.0)]
    finally:
        await device.shutdown()


@pytest.mark.asyncio
async def test_smart_charging_over_ocpp(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    rejected = await csms.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG-SC",
                                                          "chargingProfile": profile(5, "TxDefaultProfile", 0, [(0, 6)])})
    assert rejected.payload == {"status": "Rejected"}                                        # TC_060
    tx_profile = profile(6, "TxProfile", 0, [(0, 6.5), (60, 10)], 120, kind="Relative")
    accepted = await csms.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG-SC",
                                                          "chargingProfile": tx_profile})
    assert accepted.payload == {"status": "Accepted"}                                        # TC_059
    await sim.ok("plug_in", connector=1)
    await csms.expect("StartTransaction", connectorId=1)
    await csms.expect("StatusNotification", connectorId=1, status="Charging")
    composite = await csms.call("GetCompositeSchedule", {"connectorId": 1, "duration": 300, "chargingRateUnit": "A"})
    assert composite.payload["status"] == "Accepted" and composite.payload["connectorId"] == 1
    schedule = composite.payload["chargingSchedule"]
    assert schedule["duration"] == 300 and schedule["chargingRateUnit"] == "A"
    assert [(p["startPeriod"], p["limit"]) for p in schedule["chargingSchedulePeriod"]][:2] == [(0, 6.5), (60, 10)]
    wrong = profile(7, "TxProfile", 1, [(0, 6)], transactionId=424242)
    assert (await csms.call("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": wrong})
            ).payload == {"status": "Rejected"}                                                # TC_058_2
    assert (await csms.call("ClearChargingProfile", {"id": 6})).payload == {"status": "Accepted"}
    assert (await csms.call("ClearChargingProfile", {})).payload == {"status": "Unknown"}
    assert (await csms.call("GetCompositeSchedule", {"connectorId": 9, "duration": 60})).payload == {"status": "Rejected"}


# -- a faithful reading of §3.13 / §5.5 / §5.7 / §5.16 / §7.8-7.13 -------------------------------------------------

def limits_of(composite):
    return [p["limit"] for p in composite["charging_schedule"]["charging_schedule_period"]]


@pytest.mark.asyncio
async def test_relative_profiles_start_with_the_transaction(tmp_path, bench):
    device = await offline_device(tmp_path, bench.pics())
    smart = device.smart
    try:
        tx = device.transactions.start(1, "TAG", None)
        tx.started_at = stamp(-30)                               # the transaction began 30 s ago
        relative = profile(1, "TxDefaultProfile", 0, [(0, 6), (60, 10)], 120, kind="Relative")
        assert smart.set_profile(0, snake(relative)) == "Accepted"           # connector 0: every connector
        assert periods(smart.composite(1, 200, "A")) == [(0, 6.0), (30, 10.0), (90, 16.0)]
        assert periods(smart.composite(2, 200, "A")) == [(0, 6.0), (60, 10.0), (120, 16.0)]   # no transaction: now
        no_start = profile(2, "TxProfile", 0, [(0, 8), (100, 12)])
        del no_start["chargingSchedule"]["startSchedule"]          # Absolute without startSchedule: from the start
        assert smart.set_profile(1, snake(no_start)) == "Accepted"           # of charging (§7.10)
        assert periods(smart.composite(1, 200, "A")) == [(0, 8.0), (70, 12.0)]
    finally:
        await device.shutdown()


@pytest.mark.asyncio
async def test_tx_default_on_connector_zero_and_on_the_connector(tmp_path, bench):
    device = await offline_device(tmp_path, bench.pics())
    smart = device.smart

    def now(connector):
        return limits_of(smart.composite(connector, 10, "A"))

    try:
        assert smart.set_profile(0, snake(profile(1, "TxDefaultProfile", 0, [(0, 6)], start=-1))) == "Accepted"
        assert (now(1), now(2)) == ([6.0], [6.0])
        assert smart.set_profile(1, snake(profile(2, "TxDefaultProfile", 0, [(0, 8)], start=-1))) == "Accepted"
        assert (now(1), now(2)) == ([8.0], [6.0])                # replaced "only for that specific connector"
        assert sorted(p.id for p in smart.profiles) == [1, 2]
        assert smart.set_profile(0, snake(profile(3, "TxDefaultProfile", 1, [(0, 7)], start=-1))) == "Accepted"
        assert (now(1), now(2)) == ([7.0], [7.0])                # the higher stack level prevails
        assert smart.set_profile(0, snake(profile(4, "TxDefaultProfile", 0, [(0, 5)], start=-1))) == "Accepted"
        assert sorted(p.id for p in smart.profiles) == [3, 4]    # one per purpose and stack level per charge point
        assert smart.clear(3, None, None, None) == "Accepted"
        assert (now(1), now(2)) == ([5.0], [5.0])
    finally:
        await device.shutdown()


@pytest.mark.asyncio
async def test_tx_profiles_end_with_their_transaction(tmp_path, bench):
    device = await offline_device(tmp_path, bench.pics())
    smart = device.smart
    try:
        tx = device.transactions.start(1, "TAG", None)
        tx.transaction_id = 77
        assert smart.set_profile(1, snake(profile(1, "TxProfile", 0, [(0, 8)], transactionId=78))) == "Rejected"
        assert smart.set_profile(0, snake(profile(1, "TxProfile", 0, [(0, 8)]))) == "Rejected"
        assert smart.set_profile(2, snake(profile(1, "TxProfile", 0, [(0, 8)]))) == "Rejected"   # nothing runs on 2
        assert smart.set_profile(1, snake(profile(1, "TxProfile", 0, [(0, 8)], transactionId=77))) == "Accepted"
        assert smart.set_profile(1, snake(profile(2, "TxDefaultProfile", 0, [(0, 10)], start=-1))) == "Accepted"
        assert limits_of(smart.composite(1, 10, "A")) == [8.0]
        device.transactions.stop(tx, "Local")
        smart.transaction_ended(1)
        assert [p.id for p in smart.profiles] == [2]
        assert limits_of(smart.composite(1, 10, "A")) == [10.0]
    finally:
        await device.shutdown()


@pytest.mark.asyncio
async def test_recurring_daily_and_weekly(tmp_path, bench):
    device = await offline_device(tmp_path, bench.pics())
    smart = device.smart
    day = 86400

    def recurring(kind, start, duration=120):
        return snake(profile(1, "TxDefaultProfile", 0, [(0, 6), (60, 10)], duration, kind="Recurring", start=start,
                             recurrencyKind=kind))

    try:
        assert smart.set_profile(1, recurring("Daily", -day - 30)) == "Accepted"
        assert periods(smart.composite(1, day + 100, "A")) == [(0, 6.0), (30, 10.0), (90, 16.0), (day - 30, 6.0),
                                                                (day + 30, 10.0), (day + 90, 16.0)]
        assert smart.set_profile(1, recurring("Daily", 60)) == "Accepted"       # not before its startSchedule
        assert periods(smart.composite(1, 200, "A")) == [(0, 16.0), (60, 6.0), (120, 10.0), (180, 16.0)]
        assert smart.set_profile(1, recurring("Weekly", -7 * day - 30)) == "Accepted"
        assert periods(smart.composite(1, 200, "A")) == [(0, 6.0), (30, 10.0), (90, 16.0)]
        assert smart.set_profile(1, recurring("Weekly", -day - 30)) == "Accepted"     # ran yesterday, 120 s
        assert periods(smart.composite(1, 200, "A")) == [(0, 16.0)]
        assert smart.set_profile(1, recurring("Weekly", -day - 30, None)) == "Accepted"  # no duration: the last
        assert periods(smart.composite(1, 200, "A")) == [(0, 10.0)]                      # period runs on
        assert smart.set_profile(1, snake(profile(1, "TxDefaultProfile", 0, [(0, 6)], kind="Recurring"))) == "Rejected"
    finally:
        await device.shutdown()


@pytest.mark.asyncio
async def test_valid_from_valid_to_and_duration(tmp_path, bench):
    device = await offline_device(tmp_path, bench.pics())
    smart = device.smart
    try:
        assert smart.set_profile(1, snake(profile(1, "TxDefaultProfile", 0, [(0, 6)], start=-1))) == "Accepted"
        assert smart.set_profile(1, snake(profile(2, "TxDefaultProfile", 1, [(0, 8)], start=-1, validFrom=stamp(30),
                                                  validTo=stamp(90)))) == "Accepted"
        assert smart.set_profile(1, snake(profile(3, "TxDefaultProfile", 2, [(0, 9), (10, 11)], 20, start=140))
                                 ) == "Accepted"
        assert periods(smart.composite(1, 300, "A")) == [(0, 6.0), (30, 8.0), (90, 6.0), (140, 9.0), (150, 11.0),
                                                         (160, 6.0)]
        backwards = profile(4, "TxDefaultProfile", 3, [(0, 7)], validFrom=stamp(60), validTo=stamp(30))
        assert smart.set_profile(1, snake(backwards)) == "Rejected"
        expired = profile(5, "TxDefaultProfile", 4, [(0, 7)], validTo=stamp(-1))
        assert smart.set_profile(1, snake(expired)) == "Accepted"       # valid, but never in force again
        assert limits_of(smart.composite(1, 10, "A")) == [6.0]
        assert smart.set_profile(1, snake(profile(6, "TxDefaultProfile", 5, [(0, 7)], start=300))) == "Accepted"
        assert smart.clear(5, None, None, None) == "Unknown"            # discarded once its validTo had passed
    finally:
        await device.shutdown()


@pytest.mark.asyncio
async def test_rate_units_and_phases(tmp_path, bench):
    device = await offline_device(tmp_path, bench.pics())
    smart = device.smart
    try:
        one_phase = profile(1, "TxDefaultProfile", 0, [(0, 10)], start=-1)
        one_phase["chargingSchedule"]["chargingSchedulePeriod"][0]["numberPhases"] = 1
        assert smart.set_profile(1, snake(one_phase)) == "Accepted"
        watts = smart.composite(1, 10, "W")
        assert watts["charging_schedule"]["charging_schedule_period"] == [
            {"start_period": 0, "limit": 2300.0, "number_phases": 1}]
        assert smart.set_profile(2, snake(profile(2, "TxDefaultProfile", 0, [(0, 6900)], unit="W", start=-1))
                                 ) == "Accepted"
        assert limits_of(smart.composite(2, 10, "A")) == [10.0]       # 6900 W / (230 V x 3)
        assert limits_of(smart.composite(2, 10, "W")) == [6900.0]
        bad_phases = profile(3, "TxDefaultProfile", 1, [(0, 10)], start=-1)
        bad_phases["chargingSchedule"]["chargingSchedulePeriod"][0]["numberPhases"] = 4
        assert smart.set_profile(1, snake(bad_phases)) == "Rejected"
        assert smart.set_profile(1, snake(profile(4, "TxDefaultProfile", 1, [(0, -1)]))) == "Rejected"
    finally:
        await device.shutdown()
    amps_only = await offline_device(tmp_path / "amps", bench.pics(**{"optional_features/SC-1.2": False}))
    try:
        assert amps_only.config.get_list("ChargingScheduleAllowedChargingRateUnit") == ["Current"]
        w_profile = snake(profile(1, "TxDefaultProfile", 0, [(0, 6900)], unit="W", start=-1))
        assert amps_only.smart.set_profile(1, w_profile) == "Rejected"
        assert amps_only.smart.composite(1, 10, None)["charging_schedule"]["charging_rate_unit"] == "A"
    finally:
        await amps_only.shutdown()


@pytest.mark.asyncio
async def test_configured_maxima_are_enforced(tmp_path, bench):
    device = await offline_device(tmp_path, bench.pics(**{"ors/ORS-19": 3, "ors/ORS-15": 3, "ors/ORS-14": 2}))
    smart = device.smart
    try:
        assert smart.set_profile(1, snake(profile(1, "TxDefaultProfile", 3, [(0, 6)]))) == "Rejected"   # > ORS-14
        assert smart.set_profile(1, snake(profile(1, "TxDefaultProfile", 0, [(0, 6), (10, 7), (20, 8), (30, 9)]))
                                 ) == "Rejected"                                                          # > ORS-15
        for pid, stack in ((1, 0), (2, 1), (3, 2)):
            assert smart.set_profile(1, snake(profile(pid, "TxDefaultProfile", stack, [(0, 6)]))) == "Accepted"
        assert smart.set_profile(2, snake(profile(4, "TxDefaultProfile", 0, [(0, 6)]))) == "Rejected"   # > ORS-19
        assert smart.set_profile(1, snake(profile(4, "TxDefaultProfile", 2, [(0, 6)]))) == "Accepted"   # replaces 3
        assert sorted(p.id for p in smart.profiles) == [1, 2, 4]
        remote = snake(profile(9, "TxProfile", 0, [(0, 6)], kind="Relative"))
        assert not smart.acceptable_for_remote_start(remote)                    # a fourth profile
        assert smart.clear(None, 1, "TxDefaultProfile", 0) == "Accepted"
        assert smart.acceptable_for_remote_start(remote)
        too_long = snake(profile(9, "TxProfile", 0, [(0, 6), (10, 7), (20, 8), (30, 9)], kind="Relative"))
        assert device.sessions.remote_start(1, "TAG", too_long) == ("Rejected", None)
        assert device.sessions.remote_start(1, "TAG", remote)[0] == "Accepted"
    finally:
        await device.shutdown()


@pytest.mark.asyncio
async def test_clear_criteria_and_unknown(tmp_path, bench):
    device = await offline_device(tmp_path, bench.pics())
    smart = device.smart
    try:
        smart.set_profile(0, snake(profile(1, "ChargePointMaxProfile", 0, [(0, 12)])))
        smart.set_profile(0, snake(profile(2, "TxDefaultProfile", 0, [(0, 6)])))
        smart.set_profile(1, snake(profile(3, "TxDefaultProfile", 1, [(0, 9)])))
        assert smart.clear(None, 2, None, None) == "Unknown"
        assert smart.clear(None, None, "TxDefaultProfile", 5) == "Unknown"
        assert smart.clear(None, 0, "TxDefaultProfile", None) == "Accepted"     # connector 0: the charge point's own
        assert sorted(p.id for p in smart.profiles) == [1, 3]
        assert smart.clear(None, None, None, 1) == "Accepted"
        assert [p.id for p in smart.profiles] == [1]
        assert smart.clear(1, 1, "TxProfile", 7) == "Accepted"                  # by id, the criteria aside
        assert smart.clear(None, None, None, None) == "Unknown"
    finally:
        await device.shutdown()


@pytest.mark.asyncio
async def test_connector_zero_and_the_answer(tmp_path, bench):
    device = await offline_device(tmp_path, bench.pics())
    smart = device.smart
    try:
        assert limits_of(smart.composite(0, 10, "A")) == [32.0]               # two connectors of 16 A
        smart.set_profile(0, snake(profile(1, "TxDefaultProfile", 0, [(0, 6)], start=-1)))
        assert limits_of(smart.composite(0, 10, "A")) == [12.0]               # 6 A on each
        smart.set_profile(0, snake(profile(2, "ChargePointMaxProfile", 0, [(0, 10)], start=-1)))
        assert limits_of(smart.composite(0, 10, "A")) == [10.0]
        assert limits_of(smart.composite(1, 10, "A")) == [6.0]
        before = dt.datetime.now(dt.timezone.utc)
        answer = smart.composite(1, 3600, "W")
        start = dt.datetime.fromisoformat(answer["schedule_start"].replace("Z", "+00:00"))
        assert abs((start - before).total_seconds()) < 1
        assert answer["charging_schedule"]["duration"] == 3600
        assert answer["charging_schedule"]["charging_rate_unit"] == "W"
        assert smart.composite(3, 10, "A") is None and smart.composite(-1, 10, "A") is None
    finally:
        await device.shutdown()


@pytest.mark.asyncio
async def test_meter_shares_the_charge_point_maximum_and_follows_changes(tmp_path, bench):
    device = await offline_device(tmp_path, bench.pics())
    smart = device.smart
    try:
        for connector in (1, 2):
            device.transactions.start(connector, "TAG", None)
        smart.set_profile(0, snake(profile(1, "ChargePointMaxProfile", 0, [(0, 10)], start=-1)))
        assert [device.meters[c].power_w for c in (1, 2)] == pytest.approx([5 * 690, 5 * 690])
        smart.set_profile(2, snake(profile(2, "TxDefaultProfile", 0, [(0, 3)], start=-1)))
        assert [device.meters[c].power_w for c in (1, 2)] == pytest.approx([7 * 690, 3 * 690])
        smart.set_profile(1, snake(profile(3, "TxDefaultProfile", 0, [(0, 4), (1, 6)], start=-0.5)))
        assert device.meters[1].power_w == pytest.approx(4 * 690)
        timer = smart._timer                                     # the meter's wake-up at the next change
        assert timer is not None
        await asyncio.wait_for(asyncio.shield(timer), 3)
        assert device.meters[1].power_w == pytest.approx(6 * 690)
    finally:
        await device.shutdown()
