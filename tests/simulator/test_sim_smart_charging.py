"""Smart charging of the reference charge point (TC_056-060, TC_066, TC_067, TC_072, TC_082)."""

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
