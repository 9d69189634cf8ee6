"""4.7 Unlocking: TC_017_1_CS, TC_017_2_CS, TC_018_1_CS, TC_018_2_CS; 4.12 Unlocking, non-happy: TC_030_CS,
TC_031_CS.

OCPP 1.6 §5.18 UnlockConnector: the answer says whether the charge point was able to unlock; "If there was a
transaction in progress on the specific connector, then Charge Point SHALL finish the transaction first";
UnlockStatus NotSupported means "Charge Point has no connector lock, or ConnectorId is unknown",
UnlockFailed that it "has tried to unlock the connector and has detected that the connector is still locked
or the unlock mechanism failed".
"""

from __future__ import annotations

from harness.testcase import all_of, needs_answer, needs_hardware, testcase
from testcases.core._sessions_states import require_reason
from testcases.checks import expect_stop, stop_remotely
from testcases.states import charging, transaction_id


async def _unlock(cs, connector: int, expected: str) -> None:
    response = await cs.call("UnlockConnector", connectorId=connector)
    cs.require(response["status"] == expected, f"UnlockConnector({connector}) answered {response['status']}, "
                                               f"expected {expected}")


@testcase("TC_017_1_CS", "Unlock connector – no charging session running (Not fixed cable)", block="core",
          applies=needs_hardware("HFS-1"))
async def test_unlock_no_session_detachable_cable(cs, setup):
    """UnlockConnector(connector) → Unlocked."""
    await _unlock(cs, setup.connector_id, "Unlocked")


@testcase("TC_017_2_CS", "Unlock connector – no charging session running (Fixed cable)", block="core",
          applies=needs_hardware("HFS-2"))
async def test_unlock_no_session_fixed_cable(cs, setup):
    """UnlockConnector(connector) → NotSupported: a fixed cable has no connector lock."""
    await _unlock(cs, setup.connector_id, "NotSupported")


@testcase("TC_018_1_CS", "Unlock Connector – With Charging Session (Not fixed cable)", block="core",
          applies=needs_hardware("HFS-1"))
async def test_unlock_with_session_detachable_cable(cs, dut, setup, pics):
    """State Charging; UnlockConnector → Unlocked; StopTransaction with reason UnlockCommand and Finishing
    (either order); unplug → Available."""
    connector = setup.connector_id
    transaction = transaction_id(await charging(cs, dut, setup, pics))
    await _unlock(cs, connector, "Unlocked")
    stop = await expect_stop(cs, transaction, connector)
    require_reason(cs, stop, "UnlockCommand")
    await dut.unplug(connector)
    await cs.expect("StatusNotification", connectorId=connector, status="Available")


@testcase("TC_018_2_CS", "Unlock Connector – With Charging Session (Fixed cable)", block="core",
          applies=needs_hardware("HFS-2"))
async def test_unlock_with_session_fixed_cable(cs, dut, setup, pics):
    """State Charging; UnlockConnector → NotSupported, and the transaction is not stopped: a later
    RemoteStopTransaction is Accepted and ends it with reason Remote (StopTransaction and Finishing in
    either order), the StopTransaction only after the RemoteStopTransaction.

    The plan's "not stopped" is [I]; the remote stop that proves it is EVerest's flow
    (test_unlock_connector_with_charging_session_fixed_cable). Per §5.18 the transaction is finished only
    to unlock, and with no lock (NotSupported) nothing is unlocked; §5.18 also says UnlockConnector "SHOULD
    NOT be used to remotely stop a running transaction"."""
    connector = setup.connector_id
    transaction = transaction_id(await charging(cs, dut, setup, pics))
    await _unlock(cs, connector, "NotSupported")
    await stop_remotely(cs, transaction, connector,
                        still_running="an UnlockConnector answered NotSupported must not stop the transaction")


@testcase("TC_030_CS", "Unlock Connector – Unlock Failure", block="core",
          applies=all_of(needs_hardware("HFS-1"), needs_answer("AQ-9")))
async def test_unlock_failure(cs, dut, setup):
    """The lock is jammed: the physical action is ``dut.fault(connector, "ConnectorLockFailure")``, which the
    device adapter performs (the simulator jams its lock; at a bench or by hand: hold or block the lock) and
    which the charger reports with errorCode ConnectorLockFailure (the test waits for that report, so a
    person's action is not overtaken). Then UnlockConnector(connector) → UnlockFailed.

    The flow is [E] (skipped in EVerest); §5.18 defines UnlockFailed for exactly this: the charge point
    tried to unlock and the connector is still locked or the mechanism failed."""
    connector = setup.connector_id
    await dut.fault(connector, "ConnectorLockFailure", True)
    await cs.expect("StatusNotification", connectorId=connector, errorCode="ConnectorLockFailure")
    await _unlock(cs, connector, "UnlockFailed")


@testcase("TC_031_CS", "Unlock Connector – Unknown Connector", block="core")
async def test_unlock_unknown_connector(cs, pics):
    """UnlockConnector(a connectorId that does not exist: the highest of the PICS + 1) → NotSupported
    ("ConnectorId is unknown", §5.18)."""
    await _unlock(cs, max(pics.connector_ids) + 1, "NotSupported")
