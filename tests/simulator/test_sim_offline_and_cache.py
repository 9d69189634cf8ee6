"""Offline behaviour, the authorization cache and the local list (TC_007, TC_036-039, TC_061, TC_008, TC_042/043)."""

import pytest

pytestmark = pytest.mark.asyncio


async def test_offline_start_is_delivered_after_reconnect(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    await sim.ok("present_id_tag", id_tag="TAG-OFF", connector=1)     # fills the cache
    await csms.expect("Authorize", idTag="TAG-OFF")
    await csms.expect("StatusNotification", connectorId=1, status="Preparing")
    await sim.ok("present_id_tag", id_tag="TAG-OFF", connector=1)     # same card again: cancelled
    await csms.expect("StatusNotification", connectorId=1, status="Available")
    await sim.ok("network", up=False)
    await csms.closed.get()
    await sim.ok("plug_in", connector=1)
    await sim.ok("present_id_tag", id_tag="TAG-OFF", connector=1)     # LocalAuthorizeOffline + cache
    await sim.ok("network", up=True)
    await csms.next_connection()
    start = await csms.expect("StartTransaction", connectorId=1, idTag="TAG-OFF")
    await csms.expect("StatusNotification", connectorId=1, status="Charging")
    assert [m.action for m in csms.history].count("BootNotification") == 1
    assert start.t > 0


async def test_invalid_id_after_reconnect_is_deauthorized(csms, make_sim, bench):
    sim = make_sim(csms, bench.pics(**{"optional_features/C-02": True}))
    await bench.booted(csms, sim)
    assert (await csms.call("ChangeConfiguration", {"key": "AllowOfflineTxForUnknownId", "value": "true"})
            ).payload["status"] == "Accepted"
    csms.replies["StartTransaction"] = lambda p: {"transactionId": 77, "idTagInfo": {"status": "Invalid"}}
    await sim.ok("network", up=False)
    await csms.closed.get()
    await sim.ok("plug_in", connector=1)
    await sim.ok("present_id_tag", id_tag="UNKNOWN-1", connector=1)
    await sim.ok("network", up=True)
    await csms.expect("StartTransaction", idTag="UNKNOWN-1")
    stop = await csms.expect("StopTransaction", transactionId=77)
    assert stop.payload["reason"] == "DeAuthorized"
    await csms.expect("StatusNotification", connectorId=1, status="Finishing")


async def test_dropped_link_queues_meter_values_and_keeps_the_transaction(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    await csms.call("ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "1"})
    tx_id = await bench.charging(csms, sim, 1, "TAG-DROP")
    await csms.expect("MeterValues", timeout=3)
    csms.refuse = True
    await csms.drop()
    await csms.closed.get()
    csms.refuse = False
    await csms.next_connection(timeout=8)
    queued = await csms.expect("MeterValues", timeout=3)
    assert queued.payload["transactionId"] == tx_id
    assert not [m for m in csms.history if m.action == "StopTransaction"]
    await csms.call("RemoteStopTransaction", {"transactionId": tx_id})
    await csms.expect("StopTransaction", transactionId=tx_id, reason="Remote")


async def test_cache_and_clear_cache(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    await csms.call("ChangeConfiguration", {"key": "LocalPreAuthorize", "value": "true"})
    tx_id = await bench.charging(csms, sim, 1, "TAG-CACHE")             # Authorize fills the cache
    await sim.ok("present_id_tag", id_tag="TAG-CACHE", connector=1)
    await csms.expect("StopTransaction", transactionId=tx_id)
    await sim.ok("unplug", connector=1)
    await csms.expect("StatusNotification", connectorId=1, status="Available")
    await sim.ok("present_id_tag", id_tag="TAG-CACHE", connector=1)     # cached: no Authorize
    await csms.expect("StatusNotification", connectorId=1, status="Preparing")
    await sim.ok("present_id_tag", id_tag="TAG-CACHE", connector=1)
    await csms.expect("StatusNotification", connectorId=1, status="Available")
    assert [m.action for m in csms.history].count("Authorize") == 1
    assert (await csms.call("ClearCache", {})).payload == {"status": "Accepted"}
    await sim.ok("present_id_tag", id_tag="TAG-CACHE", connector=1)
    await csms.expect("Authorize", idTag="TAG-CACHE")


async def test_local_list(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    assert (await csms.call("GetLocalListVersion", {})).payload == {"listVersion": 0}
    full = {"listVersion": 2, "updateType": "Full",
            "localAuthorizationList": [{"idTag": "LIST-1", "idTagInfo": {"status": "Accepted"}}]}
    assert (await csms.call("SendLocalList", full)).payload == {"status": "Accepted"}
    assert (await csms.call("GetLocalListVersion", {})).payload == {"listVersion": 2}
    stale = {"listVersion": 2, "updateType": "Differential", "localAuthorizationList": []}
    assert (await csms.call("SendLocalList", stale)).payload == {"status": "VersionMismatch"}
    await csms.call("ChangeConfiguration", {"key": "LocalPreAuthorize", "value": "true"})
    await sim.ok("present_id_tag", id_tag="LIST-1", connector=2)
    await sim.ok("plug_in", connector=2)
    await csms.expect("StartTransaction", connectorId=2, idTag="LIST-1")
    assert "Authorize" not in [m.action for m in csms.history]
    empty = {"listVersion": 5, "updateType": "Full"}
    assert (await csms.call("SendLocalList", empty)).payload == {"status": "Accepted"}
    assert (await csms.call("GetLocalListVersion", {})).payload == {"listVersion": 0}


async def test_unlock_and_data_transfer_on_fixed_cable(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    assert (await csms.call("UnlockConnector", {"connectorId": 1})).payload == {"status": "NotSupported"}
    assert (await csms.call("UnlockConnector", {"connectorId": 3})).payload == {"status": "NotSupported"}
    answer = await csms.call("DataTransfer", {"vendorId": "nobody.example", "messageId": "x"})
    assert answer.payload == {"status": "UnknownVendorId"}


async def test_detachable_cable_unlock_and_ev_side_disconnect(csms, make_sim, bench):
    sim = make_sim(csms, bench.detachable_pics())
    await bench.booted(csms, sim, connectors=1)
    assert (await sim.ok("plug_in", connector=1, side="cp"))["ok"]
    await csms.expect("StatusNotification", connectorId=1, status="Preparing")
    await sim.ok("plug_in", connector=1, side="ev")
    await sim.ok("present_id_tag", id_tag="TAG-D", connector=1)
    start = await csms.expect("StartTransaction", connectorId=1)
    await csms.expect("StatusNotification", connectorId=1, status="Charging")
    assert start.payload["idTag"] == "TAG-D"
    assert (await csms.call("UnlockConnector", {"connectorId": 1})).payload == {"status": "Unlocked"}
    stop = await csms.expect("StopTransaction")
    assert stop.payload["reason"] == "UnlockCommand"
    await csms.expect("StatusNotification", connectorId=1, status="Finishing")
    await sim.ok("unplug", connector=1, side="both")
    await csms.expect("StatusNotification", connectorId=1, status="Available")
    # EV side disconnect, StopTransactionOnEVSideDisconnect=false: suspended, not stopped (TC_005_3)
    await csms.call("ChangeConfiguration", {"key": "StopTransactionOnEVSideDisconnect", "value": "false"})
    await bench.charging(csms, sim, 1, "TAG-E")
    await sim.ok("unplug", connector=1, side="ev")
    await csms.expect("StatusNotification", connectorId=1, status="SuspendedEV")
    await sim.ok("plug_in", connector=1, side="ev")
    await csms.expect("StatusNotification", connectorId=1, status="Charging")
    # StopTransactionOnEVSideDisconnect=true: stopped, Finishing until the cable leaves the CP (TC_005_1)
    await csms.call("ChangeConfiguration", {"key": "StopTransactionOnEVSideDisconnect", "value": "true"})
    await sim.ok("unplug", connector=1, side="ev")
    stop = await csms.expect("StopTransaction")
    assert stop.payload["reason"] == "EVDisconnected"
    await csms.expect("StatusNotification", connectorId=1, status="Finishing")
    await sim.ok("unplug", connector=1, side="cp")
    await csms.expect("StatusNotification", connectorId=1, status="Available")
