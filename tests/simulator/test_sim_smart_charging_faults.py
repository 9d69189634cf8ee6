"""The smart-charging faults of the reference charge point, each shown over a real socket: the same scenario on
a faithful simulator and on one with the fault, and the answers that differ (what a test case must catch)."""

import datetime as dt

import pytest


def stamp(offset_s: float = 0.0) -> str:
    moment = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=offset_s)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def profile(pid, purpose, stack, periods, *, unit="A", start=-1.0, kind="Absolute", duration=None, **extra):
    schedule = {"chargingRateUnit": unit,
                "chargingSchedulePeriod": [{"startPeriod": s, "limit": limit} for s, limit in periods]}
    if duration is not None:
        schedule["duration"] = duration
    if kind != "Relative":
        schedule["startSchedule"] = stamp(start)
    return {"chargingProfileId": pid, "stackLevel": stack, "chargingProfilePurpose": purpose,
            "chargingProfileKind": kind, "chargingSchedule": schedule, **extra}


async def install(csms, connector, body):
    answer = await csms.call("SetChargingProfile", {"connectorId": connector, "csChargingProfiles": body})
    assert answer.payload == {"status": "Accepted"}, body


async def limits(csms, connector=1, duration=300, unit="A"):
    """The limits of the composite schedule, in order (their start periods drift by the request's latency)."""
    answer = await csms.call("GetCompositeSchedule", {"connectorId": connector, "duration": duration,
                                                      "chargingRateUnit": unit})
    assert answer.payload["status"] == "Accepted"
    return [p["limit"] for p in answer.payload["chargingSchedule"]["chargingSchedulePeriod"]]


async def power_drawn(csms, connector=1) -> float:
    """Power.Active.Import of a triggered MeterValues."""
    assert (await csms.call("ChangeConfiguration", {"key": "MeterValuesSampledData",
                                                    "value": "Power.Active.Import"})).payload["status"] == "Accepted"
    assert (await csms.call("TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": connector})
            ).payload == {"status": "Accepted"}
    values = await csms.expect("MeterValues", connectorId=connector)
    sampled = values.payload["meterValue"][0]["sampledValue"]
    return float(next(v["value"] for v in sampled if v.get("measurand") == "Power.Active.Import"))


async def booted_sim(csms, make_sim, bench, fault, faulty):
    sim = make_sim(csms, faults=[fault] if faulty else [])
    await bench.booted(csms, sim)
    return sim


@pytest.mark.asyncio
@pytest.mark.parametrize("faulty", [False, True], ids=["faithful", "faulty"])
async def test_tx_default_over_tx_profile(csms, make_sim, bench, faulty):
    sim = await booted_sim(csms, make_sim, bench, "tx-default-over-tx-profile", faulty)
    await install(csms, 1, profile(1, "TxDefaultProfile", 0, [(0, 16)], start=-5))
    transaction = await bench.charging(csms, sim)
    await install(csms, 1, profile(2, "TxProfile", 0, [(0, 8)], kind="Relative", duration=300,
                                   transactionId=transaction))
    assert await limits(csms, duration=400) == ([16.0] if faulty else [8.0, 16.0])
    assert await power_drawn(csms) == pytest.approx((16 if faulty else 8) * 230 * 3)


@pytest.mark.asyncio
@pytest.mark.parametrize("faulty", [False, True], ids=["faithful", "faulty"])
async def test_recurring_off_by_a_day(csms, make_sim, bench, faulty):
    sim = await booted_sim(csms, make_sim, bench, "recurring-off-by-a-day", faulty)
    periods = [(0, 6), (120, 10), (240, 8)]
    await install(csms, 1, profile(1, "TxDefaultProfile", 0, periods, kind="Recurring", recurrencyKind="Daily",
                                   start=-(86400 + 60), duration=600))
    assert await limits(csms) == ([16.0] if faulty else [6.0, 10.0, 8.0])       # the connector's maximum: 16 A
    await install(csms, 1, profile(1, "TxDefaultProfile", 0, periods, kind="Recurring", recurrencyKind="Weekly",
                                   start=-(7 * 86400 + 60), duration=600))
    assert await limits(csms) == ([16.0] if faulty else [6.0, 10.0, 8.0])


@pytest.mark.asyncio
@pytest.mark.parametrize("faulty", [False, True], ids=["faithful", "faulty"])
async def test_watts_taken_as_amps(csms, make_sim, bench, faulty):
    sim = await booted_sim(csms, make_sim, bench, "watts-taken-as-amps", faulty)
    await bench.charging(csms, sim)
    await install(csms, 1, profile(1, "TxDefaultProfile", 0, [(0, 6 * 690)], unit="W"))      # 6 A on 3 x 230 V
    assert await limits(csms, unit="A") == ([4140.0] if faulty else [6.0])
    assert await limits(csms, unit="W") == ([4140.0 * 690] if faulty else [4140.0])
    assert await power_drawn(csms) == pytest.approx(16 * 690 if faulty else 4140.0)     # faulty: the maximum


@pytest.mark.asyncio
@pytest.mark.parametrize("faulty", [False, True], ids=["faithful", "faulty"])
async def test_valid_to_ignored(csms, make_sim, bench, faulty):
    sim = await booted_sim(csms, make_sim, bench, "valid-to-ignored", faulty)
    await install(csms, 1, profile(1, "TxDefaultProfile", 0, [(0, 6)]))
    await install(csms, 1, profile(2, "TxDefaultProfile", 1, [(0, 8)], validTo=stamp(60)))
    assert await limits(csms, duration=200) == ([8.0] if faulty else [8.0, 6.0])


@pytest.mark.asyncio
@pytest.mark.parametrize("faulty", [False, True], ids=["faithful", "faulty"])
async def test_clear_by_stack_level_clears_all(csms, make_sim, bench, faulty):
    sim = await booted_sim(csms, make_sim, bench, "clear-by-stack-level-clears-all", faulty)
    await install(csms, 0, profile(1, "ChargePointMaxProfile", 0, [(0, 12)]))
    await install(csms, 1, profile(2, "TxDefaultProfile", 0, [(0, 6)]))
    await install(csms, 1, profile(3, "TxDefaultProfile", 1, [(0, 9)]))
    nothing = await csms.call("ClearChargingProfile", {"stackLevel": 5})
    assert nothing.payload == {"status": "Accepted" if faulty else "Unknown"}
    if faulty:                                                  # everything went: install them again
        for connector, body in ((0, profile(1, "ChargePointMaxProfile", 0, [(0, 12)])),
                                (1, profile(2, "TxDefaultProfile", 0, [(0, 6)])),
                                (1, profile(3, "TxDefaultProfile", 1, [(0, 9)]))):
            await install(csms, connector, body)
    criteria = {"connectorId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 0}
    assert (await csms.call("ClearChargingProfile", criteria)).payload == {"status": "Accepted"}
    assert await limits(csms, duration=60) == ([16.0] if faulty else [9.0])
    by_id = await csms.call("ClearChargingProfile", {"id": 3})
    assert by_id.payload == {"status": "Unknown" if faulty else "Accepted"}


@pytest.mark.asyncio
@pytest.mark.parametrize("faulty", [False, True], ids=["faithful", "faulty"])
async def test_composite_empty_periods(csms, make_sim, bench, faulty):
    sim = await booted_sim(csms, make_sim, bench, "composite-empty-periods", faulty)
    assert await limits(csms, duration=60) == ([] if faulty else [16.0])
    await install(csms, 1, profile(1, "TxDefaultProfile", 0, [(0, 6)]))
    answer = await csms.call("GetCompositeSchedule", {"connectorId": 1, "duration": 60, "chargingRateUnit": "A"})
    assert answer.payload["status"] == "Accepted" and answer.payload["chargingSchedule"]["duration"] == 60
    assert answer.payload["chargingSchedule"]["chargingSchedulePeriod"] == ([] if faulty else
                                                                            [{"startPeriod": 0, "limit": 6.0}])
