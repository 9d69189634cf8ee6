"""4.13 Power failure: TC_032_1_CS, TC_032_2_CS, TC_034_CS.

The power is removed and restored with one physical action, ``dut.power_cycle()``: the messages a charger
with backup power sends while going down are on the wire before its BootNotification, and the cases check
that order.
"""

from __future__ import annotations

from harness.csms.matching import one_of
from harness.testcase import needs_answer, testcase
from testcases.checks import expect_status_all, expect_stop
from testcases.core._sessions_states import TRANSACTION_STATUSES, boot_statuses, matching, require_reason
from testcases.states import charging, every_status_reported, transaction_id


@testcase("TC_032_1_CS",
          "Power failure boot charging point – configured to stop transaction(s) before going down",
          block="core", applies=needs_answer("AQ-7.1"))
async def test_power_failure_stop_before_going_down(cs, dut, setup, pics):
    """State Charging; power removed: StopTransaction with reason PowerLoss and Finishing (either order),
    before the charger goes down; power restored: BootNotification; StatusNotification for connector 0 and
    every connector: Finishing or Preparing for the one that had the transaction, Available for the others.

    MinimumStatusDuration=0 first where the charger has the key (not in the plan): the Finishing sent just
    before the charger goes down is a short-lived status, which OCPP 1.6 §4.9 lets a charger with a
    MinimumStatusDuration omit; as in TC_015."""
    connector = setup.connector_id
    await every_status_reported(cs)
    transaction = transaction_id(await charging(cs, dut, setup, pics))
    await dut.power_cycle()
    stop = await expect_stop(cs, transaction, connector, timeout=setup.timeouts.long_operation)
    require_reason(cs, stop, "PowerLoss")
    await cs.expect("BootNotification", timeout=setup.timeouts.long_operation)
    await cs.expect_all(*boot_statuses(cs, pics, {connector: one_of("Finishing", "Preparing")}))


@testcase("TC_032_2_CS",
          "Power failure boot charging point – configured to stop transaction(s) after going down",
          block="core", applies=needs_answer("AQ-7.2"))
async def test_power_failure_stop_after_going_down(cs, dut, setup, pics):
    """State Charging; power removed and restored: BootNotification; StatusNotification for connector 0 and
    every connector (Available for those without the transaction); then, in any order with those,
    StopTransaction with reason PowerLoss for the transaction, the connector Finishing or Preparing.

    The CS page also allows the charger to resume the transaction: when the connector comes back in a
    transaction status (Charging, SuspendedEV, SuspendedEVSE), the driver stops it with the start idTag and
    StopTransaction (reason Local, or PowerLoss if the charger ended it itself) and Finishing follow. The
    PowerLoss reason is the mirror's; OCPP 1.6 defines it as "Complete loss of power"."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    transaction = transaction_id(await charging(cs, dut, setup, pics))
    await dut.power_cycle()
    boot = await cs.expect("BootNotification", timeout=setup.timeouts.long_operation)
    found = await cs.expect_all(*boot_statuses(cs, pics, {connector: one_of("Finishing", "Preparing",
                                                                             *TRANSACTION_STATUSES)}))
    status = dict(zip([0, *pics.connector_ids], found))[connector].payload["status"]
    stopped = matching(cs, "StopTransaction", after=boot, transactionId=transaction)
    if status in TRANSACTION_STATUSES and not stopped:
        await dut.present_id_tag(id_tag, connector)
        stop = await expect_stop(cs, transaction, connector)
        reason = stop.payload.get("reason", "Local")
        cs.require(reason in ("Local", "PowerLoss"),
                   f"StopTransaction reason is {reason}; expected Local (the driver stopped the resumed "
                   "transaction) or PowerLoss")
        return
    stop = stopped[0] if stopped else await cs.expect("StopTransaction", transactionId=transaction)
    require_reason(cs, stop, "PowerLoss")
    if status in TRANSACTION_STATUSES and not matching(cs, "StatusNotification", after=boot, connectorId=connector,
                                                       status="Finishing"):
        await cs.expect("StatusNotification", connectorId=connector, status="Finishing")


@testcase("TC_034_CS", "Power Failure with Unavailable Status", block="core")
async def test_power_failure_with_unavailable_status(cs, dut, setup, pics):
    """ChangeAvailability(0, Inoperative) Accepted; Unavailable for connector 0 and every connector;
    power-cycle; BootNotification; Unavailable again for connector 0 and every connector (availability
    persists across a reboot, OCPP 1.6 §5.2)."""
    connectors = [0, *pics.connector_ids]
    response = await cs.call("ChangeAvailability", connectorId=0, type="Inoperative")
    cs.require(response["status"] == "Accepted", f"ChangeAvailability(0, Inoperative) answered {response['status']}")
    await expect_status_all(cs, connectors, "Unavailable")
    await dut.power_cycle()
    await cs.expect("BootNotification", timeout=setup.timeouts.long_operation)
    await expect_status_all(cs, connectors, "Unavailable")
