"""Timed behaviour of the reference charge point: clock-aligned meter values (TC_071), transaction message
retries, MinimumStatusDuration, the CALLRESULT delay, invalid idTags, offline faults."""

import asyncio

import pytest

pytestmark = pytest.mark.asyncio


async def test_clock_aligned_meter_values(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    await csms.call("ChangeConfiguration", {"key": "MeterValuesAlignedData", "value": "Energy.Active.Import.Register,Power.Active.Import"})
    await csms.call("ChangeConfiguration", {"key": "ClockAlignedDataInterval", "value": "1"})
    await bench.charging(csms, sim, 1, "TAG-CLK")
    first = await csms.expect("MeterValues", timeout=3)
    assert first.payload["meterValue"][0]["timestamp"].endswith(".000Z")
    values = first.payload["meterValue"][0]["sampledValue"]
    assert [v["context"] for v in values] == ["Sample.Clock", "Sample.Clock"]
    assert [v["measurand"] for v in values] == ["Energy.Active.Import.Register", "Power.Active.Import"]


async def test_timer_faults(csms, make_sim, bench):
    """ignores-connection-timeout, meter-values-wrong-context, clock-aligned-not-aligned, in one run."""
    sim = make_sim(csms, faults=["ignores-connection-timeout", "meter-values-wrong-context",
                                 "clock-aligned-not-aligned"])
    await bench.booted(csms, sim)
    for key, value in (("ConnectionTimeOut", "1"), ("MeterValueSampleInterval", "1"),
                       ("MeterValuesSampledData", "Voltage"), ("ClockAlignedDataInterval", "1")):
        assert (await csms.call("ChangeConfiguration", {"key": key, "value": value})).payload["status"] == "Accepted"
    await bench.charging(csms, sim, 1, "TAG-CLK")
    await sim.ok("present_id_tag", id_tag="TAG-WAIT", connector=2)
    preparing = await csms.expect("StatusNotification", connectorId=2, status="Preparing")
    sampled = aligned = None
    while sampled is None or aligned is None:
        mv = await csms.expect("MeterValues", timeout=3)
        value = mv.payload["meterValue"][0]["sampledValue"][0]
        if value["measurand"] == "Voltage":
            sampled = mv
            assert value["context"] == "Sample.Clock"                         # should be Sample.Periodic
        else:
            aligned = mv
            assert not mv.payload["meterValue"][0]["timestamp"].endswith(".000Z")
    waited = asyncio.get_running_loop().time() - preparing.t
    await csms.expect_none("StatusNotification", within=max(0.0, 1.4 - waited), connectorId=2, status="Available")
    assert not [m for m in csms.history if m.action == "StatusNotification"
                and m.payload["connectorId"] == 2 and m.payload["status"] == "Available"][1:]


async def test_transaction_message_is_retried_after_a_callerror(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    await csms.call("ChangeConfiguration", {"key": "TransactionMessageRetryInterval", "value": "1"})
    answers = iter([("error", "InternalError")])
    csms.replies["StartTransaction"] = lambda p: next(answers, {"transactionId": 5, "idTagInfo": {"status": "Accepted"}})
    await sim.ok("plug_in", connector=1)
    await sim.ok("present_id_tag", id_tag="TAG-RETRY", connector=1)
    first = await csms.expect("StartTransaction")
    second = await csms.expect("StartTransaction", timeout=3)
    assert 0.9 <= second.t - first.t <= 1.6
    assert first.payload == second.payload


async def test_minimum_status_duration(csms, make_sim, bench):
    sim = make_sim(csms, bench.pics(**{"optional_features/C-05": True}))
    await bench.booted(csms, sim)
    assert (await csms.call("ChangeConfiguration", {"key": "MinimumStatusDuration", "value": "1"})
            ).payload["status"] == "Accepted"
    await sim.ok("plug_in", connector=1)
    await sim.ok("unplug", connector=1)           # Preparing did not last: never reported
    await sim.ok("plug_in", connector=2)
    sn = await csms.expect("StatusNotification", timeout=3)
    assert (sn.payload["connectorId"], sn.payload["status"]) == (2, "Preparing")
    assert not [m for m in csms.history if m.action == "StatusNotification" and m.payload["connectorId"] == 1][1:]


async def test_reply_delay(csms, make_sim, bench):
    sim = make_sim(csms, extra=["--reply-delay-ms", "300"])
    await bench.booted(csms, sim)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await csms.call("GetConfiguration", {"key": ["HeartbeatInterval"]})
    assert loop.time() - t0 >= 0.3


async def test_invalid_start_suspends_when_not_stopping_on_invalid_id(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    await csms.call("ChangeConfiguration", {"key": "StopTransactionOnInvalidId", "value": "false"})
    csms.replies["StartTransaction"] = lambda p: {"transactionId": 9, "idTagInfo": {"status": "Blocked"}}
    await sim.ok("plug_in", connector=1)
    await sim.ok("present_id_tag", id_tag="TAG-INV", connector=1)
    await csms.expect("StartTransaction")
    await csms.expect("StatusNotification", connectorId=1, status="SuspendedEVSE")
    assert "StopTransaction" not in [m.action for m in csms.history]


async def test_fault_ignores_stop_on_invalid_id(csms, make_sim, bench):
    sim = make_sim(csms, faults=["ignores-stop-on-invalid-id"])
    await bench.booted(csms, sim)
    csms.replies["StartTransaction"] = lambda p: {"transactionId": 9, "idTagInfo": {"status": "Invalid"}}
    await sim.ok("plug_in", connector=1)
    await sim.ok("present_id_tag", id_tag="TAG-INV", connector=1)
    await csms.expect("StartTransaction")
    await csms.expect_none("StopTransaction", within=0.5)


async def test_faults_no_offline_queue_and_stops_on_connection_loss(csms, make_sim, bench):
    sim = make_sim(csms, faults=["no-offline-queue", "stops-on-connection-loss"])
    await bench.booted(csms, sim)
    tx_id = await bench.charging(csms, sim, 1, "TAG-LOSS")
    await sim.ok("network", up=False)
    await csms.closed.get()
    await sim.ok("network", up=True)
    await csms.next_connection()
    await csms.expect("StatusNotification", connectorId=1, status="Finishing")
    assert [m for m in csms.history if m.action == "StopTransaction"] == []    # stopped offline, not queued
    state = await sim.ok("state")
    assert state["transactions"] == [] and tx_id


async def test_max_energy_on_invalid_id(csms, make_sim, bench):
    sim = make_sim(csms, bench.pics(**{"optional_features/C-03": True}))
    await bench.booted(csms, sim)
    for key, value in (("StopTransactionOnInvalidId", "false"), ("MaxEnergyOnInvalidId", "3")):
        assert (await csms.call("ChangeConfiguration", {"key": key, "value": value})).payload["status"] == "Accepted"
    csms.replies["StartTransaction"] = lambda p: {"transactionId": 9, "idTagInfo": {"status": "Invalid"}}
    await sim.ok("plug_in", connector=1)
    await sim.ok("present_id_tag", id_tag="TAG-INV", connector=1)
    charging = await csms.expect("StatusNotification", connectorId=1, status="Charging")
    suspended = await csms.expect("StatusNotification", connectorId=1, status="SuspendedEVSE", timeout=4)
    assert 0.7 <= suspended.t - charging.t <= 2.5          # 3 Wh at 11 kW: about 1 s


async def test_trigger_message_and_a_new_session_on_a_finishing_connector(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    assert (await csms.call("TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": 2})
            ).payload == {"status": "Accepted"}
    await csms.expect("StatusNotification", connectorId=2, status="Available")
    assert (await csms.call("TriggerMessage", {"requestedMessage": "Heartbeat"})).payload == {"status": "Accepted"}
    await csms.expect("Heartbeat")
    assert (await csms.call("TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 5})
            ).payload == {"status": "Rejected"}
    tx_id = await bench.charging(csms, sim, 1, "TAG-F")
    await csms.call("TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 1})
    mv = await csms.expect("MeterValues", connectorId=1, transactionId=tx_id)
    assert mv.payload["meterValue"][0]["sampledValue"][0]["context"] == "Trigger"
    await csms.call("RemoteStopTransaction", {"transactionId": tx_id})
    await csms.expect("StatusNotification", connectorId=1, status="Finishing")
    await sim.ok("present_id_tag", id_tag="TAG-F", connector=1)              # cable still in: new session
    await csms.expect("StatusNotification", connectorId=1, status="Preparing")
    await csms.expect("StartTransaction", connectorId=1, idTag="TAG-F")
    await csms.expect("StatusNotification", connectorId=1, status="Charging")
