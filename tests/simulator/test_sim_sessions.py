"""Charging sessions of the reference charge point: local and remote start/stop, ConnectionTimeOut, local stop
rules, meter values, control-channel errors (TC_003, TC_004_x, TC_010-012, TC_068, TC_069, TC_070)."""

import pytest

pytestmark = pytest.mark.asyncio


async def test_local_start_plug_first_then_stop_with_same_tag(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    tx_id = await bench.charging(csms, sim, 1, "TAG-A")
    await sim.ok("present_id_tag", id_tag="TAG-A", connector=1)
    stop = await csms.expect("StopTransaction")
    assert stop.payload["transactionId"] == tx_id
    assert stop.payload["reason"] == "Local" and stop.payload["idTag"] == "TAG-A"
    assert stop.payload["meterStop"] >= 0
    await csms.expect("StatusNotification", connectorId=1, status="Finishing")
    await sim.ok("unplug", connector=1)
    await csms.expect("StatusNotification", connectorId=1, status="Available")


async def test_identification_first_then_plug_in(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    await sim.ok("present_id_tag", id_tag="TAG-B", connector=1)
    await csms.expect("Authorize", idTag="TAG-B")
    await csms.expect("StatusNotification", connectorId=1, status="Preparing")
    await sim.ok("plug_in", connector=1, side="both")
    start = await csms.expect("StartTransaction", connectorId=1, idTag="TAG-B")
    assert set(start.payload) == {"connectorId", "idTag", "meterStart", "timestamp"}
    await csms.expect("StatusNotification", connectorId=1, status="Charging")


async def test_connection_timeout_returns_to_available(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    assert (await csms.call("ChangeConfiguration", {"key": "ConnectionTimeOut", "value": "1"})).payload == \
        {"status": "Accepted"}
    await sim.ok("present_id_tag", id_tag="TAG-C", connector=1)
    prep = await csms.expect("StatusNotification", connectorId=1, status="Preparing")
    avail = await csms.expect("StatusNotification", connectorId=1, status="Available", timeout=3)
    assert 0.9 <= avail.t - prep.t <= 1.6
    assert not [m for m in csms.history if m.action == "StartTransaction"]


async def test_remote_start_cable_first_authorizes_then_remote_stop(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    await sim.ok("plug_in", connector=1)
    await csms.expect("StatusNotification", connectorId=1, status="Preparing")
    answer = await csms.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG-R"})
    assert answer.payload == {"status": "Accepted"}
    await csms.expect("Authorize", idTag="TAG-R")
    start = await csms.expect("StartTransaction", connectorId=1, idTag="TAG-R")
    await csms.expect("StatusNotification", connectorId=1, status="Charging")
    state = await sim.ok("state")
    tx_id = state["transactions"][0]["transaction_id"]
    busy = await csms.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG-R"})
    assert busy.payload == {"status": "Rejected"}                       # TC_026
    zero = await csms.call("RemoteStartTransaction", {"connectorId": 0, "idTag": "TAG-R"})
    assert zero.payload == {"status": "Rejected"}                       # TC_027
    unknown = await csms.call("RemoteStopTransaction", {"transactionId": tx_id + 999})
    assert unknown.payload == {"status": "Rejected"}                    # TC_028
    stop_answer = await csms.call("RemoteStopTransaction", {"transactionId": tx_id})
    assert stop_answer.payload == {"status": "Accepted"}
    stop = await csms.expect("StopTransaction", transactionId=tx_id)
    assert stop.payload["reason"] == "Remote"
    assert stop.payload["meterStop"] >= start.payload["meterStart"]
    await csms.expect("StatusNotification", connectorId=1, status="Finishing")


async def test_remote_start_first_without_authorize_when_not_required(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    await csms.call("ChangeConfiguration", {"key": "AuthorizeRemoteTxRequests", "value": "false"})
    assert (await csms.call("RemoteStartTransaction", {"connectorId": 2, "idTag": "TAG-S"})).payload == \
        {"status": "Accepted"}
    await csms.expect("StatusNotification", connectorId=2, status="Preparing")
    await sim.ok("plug_in", connector=2)
    await csms.expect("StartTransaction", connectorId=2, idTag="TAG-S")
    await csms.expect("StatusNotification", connectorId=2, status="Charging")
    assert not [m for m in csms.history if m.action == "Authorize"]


async def test_remote_start_times_out_without_cable(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    await csms.call("ChangeConfiguration", {"key": "ConnectionTimeOut", "value": "1"})
    await csms.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG-T"})
    await csms.expect("Authorize", idTag="TAG-T")
    await csms.expect("StatusNotification", connectorId=1, status="Preparing")
    await csms.expect("StatusNotification", connectorId=1, status="Available", timeout=3)


async def test_foreign_tag_is_ignored_and_parent_tag_stops(csms, make_sim, bench):
    parents = {"TAG-P1": "PARENT", "TAG-P2": "PARENT"}
    csms.replies["Authorize"] = lambda p: {"idTagInfo": {"status": "Accepted", **(
        {"parentIdTag": parents[p["idTag"]]} if p["idTag"] in parents else {})}}
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    # no parent: a different card is ignored (TC_068)
    await bench.charging(csms, sim, 1, "TAG-X")
    await sim.ok("present_id_tag", id_tag="TAG-Y", connector=1)
    await csms.expect_none("Authorize", within=0.7)
    assert not [m for m in csms.history if m.action == "StopTransaction"]
    await sim.ok("present_id_tag", id_tag="tag-x", connector=1)          # CiString: same tag
    stop = await csms.expect("StopTransaction")
    assert stop.payload["reason"] == "Local"
    # with a parent: a card of the same group stops it (TC_069)
    await bench.charging(csms, sim, 2, "TAG-P1")
    await sim.ok("present_id_tag", id_tag="TAG-P2", connector=2)
    await csms.expect("Authorize", idTag="TAG-P2")
    stop = await csms.expect("StopTransaction")
    assert stop.payload["idTag"] == "TAG-P2" and stop.payload["reason"] == "Local"
    await csms.expect("StatusNotification", connectorId=2, status="Finishing")


async def test_fault_stop_on_foreign_tag(csms, make_sim, bench):
    sim = make_sim(csms, faults=["stop-on-foreign-tag"])
    await bench.booted(csms, sim)
    await bench.charging(csms, sim, 1, "TAG-X")
    await sim.ok("present_id_tag", id_tag="TAG-Y", connector=1)
    await csms.expect("StopTransaction", idTag="TAG-Y")


async def test_faults_remote_start_rejected_and_wrong_stop_reason(csms, make_sim, bench):
    sim = make_sim(csms, faults=["remote-start-rejected", "wrong-stop-reason"])
    await bench.booted(csms, sim)
    answer = await csms.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG-R"})
    assert answer.payload == {"status": "Rejected"}
    tx_id = await bench.charging(csms, sim, 1, "TAG-A")
    await csms.call("RemoteStopTransaction", {"transactionId": tx_id})
    stop = await csms.expect("StopTransaction")
    assert stop.payload["reason"] == "Local"


async def test_faults_skip_preparing_and_no_charging_status(csms, make_sim, bench):
    sim = make_sim(csms, faults=["skip-preparing", "no-charging-status", "skip-authorize-remote"])
    await bench.booted(csms, sim)
    await csms.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG-R"})
    await sim.ok("plug_in", connector=1)
    await csms.expect("StartTransaction", connectorId=1)
    await csms.expect_none("StatusNotification", within=0.7, connectorId=1)
    assert not [m for m in csms.history if m.action in ("Authorize",)]


async def test_sampled_meter_values_and_stop_transaction_data(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    for key, value in (("MeterValueSampleInterval", "1"),
                       ("MeterValuesSampledData", "Energy.Active.Import.Register,SoC,Voltage,Current.Import"),
                       ("StopTxnSampledData", "Energy.Active.Import.Register")):
        assert (await csms.call("ChangeConfiguration", {"key": key, "value": value})).payload["status"] == "Accepted"
    tx_id = await bench.charging(csms, sim, 1, "TAG-M")
    start = next(m for m in csms.history if m.action == "StartTransaction")
    first = await csms.expect("MeterValues", timeout=3)
    assert 0.8 <= first.t - start.t <= 1.4
    assert first.payload["transactionId"] == tx_id and first.payload["connectorId"] == 1
    values = {v["measurand"]: v for v in first.payload["meterValue"][0]["sampledValue"]}
    assert set(values) == {"Energy.Active.Import.Register", "SoC", "Voltage", "Current.Import"}
    assert all(v["context"] == "Sample.Periodic" for v in values.values())
    assert values["SoC"]["location"] == "EV" and values["SoC"]["unit"] == "Percent"
    assert values["Energy.Active.Import.Register"]["unit"] == "Wh"
    assert [v.get("location") for k, v in values.items() if k != "SoC"] == [None, None, None]
    energy = float(values["Energy.Active.Import.Register"]["value"])
    assert energy > start.payload["meterStart"]                   # 11 kW for about a second: about 3 Wh
    await csms.call("RemoteStopTransaction", {"transactionId": tx_id})
    stop = await csms.expect("StopTransaction")
    assert stop.payload["meterStop"] >= int(energy)
    contexts = [mv["sampledValue"][0]["context"] for mv in stop.payload["transactionData"]]
    assert contexts == ["Transaction.Begin", "Transaction.End"]


async def test_control_channel_errors(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    cp_side = await sim.control("plug_in", connector=1, side="cp")
    assert cp_side["ok"] is False and "fixed cable" in cp_side["error"]
    assert (await sim.control("plug_in", connector=9))["ok"] is False
    assert (await sim.control("fly"))["ok"] is False
    assert (await sim.control("plug_in", connector=1, side="left"))["ok"] is False
    assert (await sim.control("fault", connector=1, error_code="Nonsense", active=True))["ok"] is False
    assert (await sim.control("network"))["ok"] is False


async def test_fault_raised_and_cleared(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    await sim.ok("fault", connector=1, error_code="GroundFailure", active=True)
    sn = await csms.expect("StatusNotification", connectorId=1, status="Faulted")
    assert sn.payload["errorCode"] == "GroundFailure"
    await sim.ok("fault", connector=1, active=False)
    sn = await csms.expect("StatusNotification", connectorId=1, status="Available")
    assert sn.payload["errorCode"] == "NoError"


async def test_baseline_returns_to_idle_with_the_usual_status_notifications(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    await sim.ok("plug_in", connector=1)
    await csms.expect("StatusNotification", connectorId=1, status="Preparing")
    await sim.ok("present_id_tag", id_tag="TAG-BL", connector=2)
    await csms.expect("StatusNotification", connectorId=2, status="Preparing")
    await sim.ok("fault", connector=0, error_code="OtherError", active=True)
    await csms.expect("StatusNotification", connectorId=0, status="Faulted")
    await sim.ok("network", up=False)
    await sim.ok("baseline")
    await csms.next_connection()
    statuses = {}
    for _ in range(3):
        sn = await csms.expect("StatusNotification")
        statuses[sn.payload["connectorId"]] = sn.payload["status"]
    assert statuses == {0: "Available", 1: "Available", 2: "Available"}
    state = await sim.ok("state")
    assert state["pending_authorizations"] == {} and state["network_up"] is True
    assert not [m for m in csms.history if m.action in ("StartTransaction", "StopTransaction")]
