"""Named faults of the non-happy paths: each deviates where the plan's case looks (TC_023, TC_030, TC_048,
TC_054, TC_055, TC_073)."""

import pytest

pytestmark = pytest.mark.asyncio


async def test_lock_failure_without_and_with_the_fault(csms, make_sim, bench):
    sim = make_sim(csms, bench.detachable_pics())
    await bench.booted(csms, sim, connectors=1)
    await sim.ok("fault", connector=1, error_code="ConnectorLockFailure", active=True)
    sn = await csms.expect("StatusNotification", connectorId=1, status="Faulted")
    assert sn.payload["errorCode"] == "ConnectorLockFailure"
    assert (await csms.call("UnlockConnector", {"connectorId": 1})).payload == {"status": "UnlockFailed"}   # TC_030
    assert (await csms.call("ReserveNow", {"connectorId": 1, "expiryDate": "2099-01-01T00:00:00Z",
                                           "idTag": "T", "reservationId": 1})).payload == {"status": "Faulted"}
    faulty = make_sim(csms, bench.detachable_pics(), faults=["unlock-ignores-lock-failure",
                                                             "reservation-status-not-checked"])
    await sim.kill()
    await bench.booted(csms, faulty, connectors=1)
    await faulty.ok("fault", connector=1, error_code="ConnectorLockFailure", active=True)
    await csms.expect("StatusNotification", connectorId=1, status="Faulted")
    assert (await csms.call("UnlockConnector", {"connectorId": 1})).payload == {"status": "Unlocked"}
    assert (await csms.call("ReserveNow", {"connectorId": 1, "expiryDate": "2099-01-01T00:00:00Z",
                                           "idTag": "T", "reservationId": 2})).payload == {"status": "Accepted"}


async def test_invalid_id_starts_and_triggers_misbehave(csms, make_sim, bench):
    csms.replies["Authorize"] = lambda p: {"idTagInfo": {"status": "Invalid"}}
    sim = make_sim(csms, faults=["starts-on-invalid-id", "trigger-message-not-sent",
                                 "trigger-unknown-connector-accepted"])
    await bench.booted(csms, sim)
    await sim.ok("plug_in", connector=1)
    await sim.ok("present_id_tag", id_tag="TAG-BAD", connector=1)
    await csms.expect("Authorize", idTag="TAG-BAD")
    await csms.expect("StartTransaction", idTag="TAG-BAD")                                   # TC_023_4
    answer = await csms.call("TriggerMessage", {"requestedMessage": "Heartbeat"})
    assert answer.payload == {"status": "Accepted"}
    await csms.expect_none("Heartbeat", within=0.5)                                          # TC_054
    answer = await csms.call("TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 3})
    assert answer.payload == {"status": "Accepted"}                                          # TC_055


async def test_fault_authorization_key_not_applied(csms, make_sim, bench):
    sim = make_sim(csms, faults=["authorization-key-not-applied"])
    await sim.start()
    await csms.next_connection()
    await csms.expect("StatusNotification", connectorId=2)
    answer = await csms.call("ChangeConfiguration", {"key": "AuthorizationKey", "value": "A" * 32})
    assert answer.payload == {"status": "Accepted"}
    again = await csms.next_connection()
    assert again.authorization == bench.basic()                                              # TC_073


async def test_stuck_unavailable_survives_reset_and_power_cycle(csms, make_sim, bench):
    """ChangeAvailability(Operative) is Accepted yet changes nothing once Inoperative, whatever reboots it."""
    sim = make_sim(csms, faults=["stuck-unavailable"])
    await bench.booted(csms, sim)
    assert (await csms.call("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"})
            ).payload == {"status": "Accepted"}
    await csms.expect("StatusNotification", connectorId=2, status="Unavailable")
    assert (await csms.call("ChangeAvailability", {"connectorId": 0, "type": "Operative"})
            ).payload == {"status": "Accepted"}
    assert (await sim.ok("state"))["connectors"]["1"]["status"] == "Unavailable"
    assert (await csms.call("Reset", {"type": "Soft"})).payload == {"status": "Accepted"}
    await csms.expect("BootNotification")
    await csms.expect("StatusNotification", connectorId=1, status="Unavailable")
    await sim.power_cycle()
    await csms.expect("BootNotification")
    await csms.expect("StatusNotification", connectorId=1, status="Unavailable")


async def test_operative_again_without_the_stuck_fault(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    await csms.call("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"})
    await csms.expect("StatusNotification", connectorId=1, status="Unavailable")
    await csms.call("ChangeAvailability", {"connectorId": 1, "type": "Operative"})
    await csms.expect("StatusNotification", connectorId=1, status="Available")


async def test_local_list_full_update_fails_only_when_empty(csms, make_sim, bench):
    sim = make_sim(csms, faults=["local-list-full-update-fails"])
    await bench.booted(csms, sim)
    entry = {"idTag": "TAG-L", "idTagInfo": {"status": "Accepted"}}
    empty_full = await csms.call("SendLocalList", {"listVersion": 0, "updateType": "Full"})
    assert empty_full.payload == {"status": "Failed"}
    assert (await csms.call("SendLocalList", {"listVersion": 1, "updateType": "Full", "localAuthorizationList": []})
            ).payload == {"status": "Failed"}
    assert (await csms.call("SendLocalList", {"listVersion": 2, "updateType": "Full", "localAuthorizationList": [entry]})
            ).payload == {"status": "Accepted"}
    assert (await csms.call("SendLocalList", {"listVersion": 3, "updateType": "Differential",
                                              "localAuthorizationList": [{"idTag": "TAG-L"}]})
            ).payload == {"status": "Accepted"}
