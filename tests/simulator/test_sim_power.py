"""Power failure, reset and availability of the reference charge point (TC_013-016, TC_032_x, TC_034)."""

import pytest

pytestmark = pytest.mark.asyncio


async def boot_statuses(csms, connectors=2) -> dict:
    await csms.expect("BootNotification")
    statuses = {}
    for _ in range(connectors + 1):
        sn = await csms.expect("StatusNotification")
        statuses[sn.payload["connectorId"]] = sn.payload["status"]
    return statuses


async def test_power_cycle_resumes_the_transaction_from_the_state_file(csms, make_sim, bench):
    sim = make_sim(csms)            # AQ-7.2: StopTransaction after going down and coming back
    await bench.booted(csms, sim)
    tx_id = await bench.charging(csms, sim, 1, "TAG-PL")
    await sim.power_cycle()
    assert await boot_statuses(csms) == {0: "Available", 1: "Finishing", 2: "Available"}
    stop = await csms.expect("StopTransaction", transactionId=tx_id)
    assert stop.payload["reason"] == "PowerLoss"
    state = await sim.ok("state")
    assert state["transactions"] == [] and state["connectors"]["1"]["ev_plugged"] is True


async def test_backup_power_stops_before_going_down(csms, make_sim, bench):
    sim = make_sim(csms, bench.pics(**{"additional_questions/AQ-7.1": True, "additional_questions/AQ-7.2": False}))
    await bench.booted(csms, sim)
    tx_id = await bench.charging(csms, sim, 1, "TAG-UPS")
    await sim.ok("power_off")
    stop = await csms.expect("StopTransaction", transactionId=tx_id)
    assert stop.payload["reason"] == "PowerLoss"
    await csms.expect("StatusNotification", connectorId=1, status="Finishing")
    await sim.kill()
    await sim.start()
    assert (await boot_statuses(csms))[1] == "Finishing"
    await csms.expect_none("StopTransaction", within=0.5)


async def test_fault_stop_reason_missing_powerloss(csms, make_sim, bench):
    sim = make_sim(csms, faults=["stop-reason-missing-powerloss"])
    await bench.booted(csms, sim)
    tx_id = await bench.charging(csms, sim, 1, "TAG-PL")
    await sim.power_cycle()
    stop = await csms.expect("StopTransaction", transactionId=tx_id)
    assert stop.payload["reason"] == "Other"


async def test_unavailable_persists_across_power_cycle(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    answer = await csms.call("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"})
    assert answer.payload == {"status": "Accepted"}
    for cid in (0, 1, 2):
        await csms.expect("StatusNotification", connectorId=cid, status="Unavailable")
    await sim.power_cycle()
    assert await boot_statuses(csms) == {0: "Unavailable", 1: "Unavailable", 2: "Unavailable"}
    await csms.call("ChangeAvailability", {"connectorId": 0, "type": "Operative"})
    for cid in (0, 1, 2):
        await csms.expect("StatusNotification", connectorId=cid, status="Available")


async def test_fault_forgets_availability_after_reboot(csms, make_sim, bench):
    sim = make_sim(csms, faults=["forgets-availability-after-reboot"])
    await bench.booted(csms, sim)
    await csms.call("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"})
    await csms.expect("StatusNotification", connectorId=1, status="Unavailable")
    await csms.call("Reset", {"type": "Hard"})
    assert (await boot_statuses(csms))[1] == "Available"


async def test_change_availability_is_scheduled_during_a_transaction(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    tx_id = await bench.charging(csms, sim, 1, "TAG-AV")
    answer = await csms.call("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"})
    assert answer.payload == {"status": "Scheduled"}
    await csms.expect_none("StatusNotification", within=0.3, connectorId=1, status="Unavailable")
    await csms.call("RemoteStopTransaction", {"transactionId": tx_id})
    await csms.expect("StopTransaction", transactionId=tx_id)
    await csms.expect("StatusNotification", connectorId=1, status="Unavailable")
    assert (await csms.call("ChangeAvailability", {"connectorId": 7, "type": "Operative"})).payload == \
        {"status": "Rejected"}


async def test_hard_reset_with_transaction(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    tx_id = await bench.charging(csms, sim, 1, "TAG-HR")
    assert (await csms.call("Reset", {"type": "Hard"})).payload == {"status": "Accepted"}
    stop = await csms.expect("StopTransaction", transactionId=tx_id)
    assert stop.payload["reason"] == "HardReset"
    await csms.expect("StatusNotification", connectorId=1, status="Finishing")
    statuses = await boot_statuses(csms)
    assert statuses[1] in ("Finishing", "Preparing") and statuses[2] == "Available"


async def test_soft_reset_without_transaction_keeps_unavailable(csms, make_sim, bench):
    sim = make_sim(csms, faults=["soft-reset-wrong-reason"])
    await bench.booted(csms, sim)
    await csms.call("ChangeAvailability", {"connectorId": 2, "type": "Inoperative"})
    await csms.expect("StatusNotification", connectorId=2, status="Unavailable")
    tx_id = await bench.charging(csms, sim, 1, "TAG-SR")
    assert (await csms.call("Reset", {"type": "Soft"})).payload == {"status": "Accepted"}
    stop = await csms.expect("StopTransaction", transactionId=tx_id)
    assert stop.payload["reason"] == "Reboot"                      # the fault
    assert await boot_statuses(csms) == {0: "Available", 1: "Finishing", 2: "Unavailable"}
