"""4.6 Resetting: TC_013_CS, TC_014_CS, TC_015_CS, TC_016_CS.

OCPP 1.6 §5.14 Reset: at a soft reset "If any transaction is in progress it SHALL be terminated normally,
before the reset, as in Stop Transaction"; at a hard reset the charge point "is not required to gracefully
stop ongoing transaction. If possible the Charge Point sends a StopTransaction.req for previously ongoing
transactions after having restarted and having been accepted by the Central System via a
BootNotification.conf". §5.2 ChangeAvailability: an availability set by the Central System persists across
a reboot.
"""

from __future__ import annotations

from harness.csms.matching import one_of
from harness.testcase import testcase
from testcases.core._sessions_states import boot_statuses, matching, require_reason
from testcases.states import charging, every_status_reported, transaction_id


async def _reset_without_transaction(cs, setup, pics, kind: str) -> None:
    connector = setup.connector_id
    response = await cs.call("ChangeAvailability", connectorId=connector, type="Inoperative")
    cs.require(response["status"] == "Accepted", f"ChangeAvailability(Inoperative) answered {response['status']}")
    await cs.expect("StatusNotification", connectorId=connector, status="Unavailable")
    response = await cs.call("Reset", type=kind)
    cs.require(response["status"] == "Accepted", f"Reset({kind}) answered {response['status']}")
    await cs.expect("BootNotification", timeout=setup.timeouts.long_operation)
    await cs.expect_all(*boot_statuses(cs, pics, {connector: "Unavailable"}))
    response = await cs.call("ChangeAvailability", connectorId=connector, type="Operative")
    cs.require(response["status"] == "Accepted", f"ChangeAvailability(Operative) answered {response['status']}")
    await cs.expect("StatusNotification", connectorId=connector, status="Available")


async def _reset_with_transaction(cs, dut, setup, pics, kind: str) -> None:
    connector, reason = setup.connector_id, f"{kind}Reset"
    await every_status_reported(cs)
    transaction = transaction_id(await charging(cs, dut, setup, pics))
    response = await cs.call("Reset", type=kind)
    cs.require(response["status"] == "Accepted", f"Reset({kind}) answered {response['status']}")
    boot = await cs.expect("BootNotification", timeout=setup.timeouts.long_operation)
    stopped = matching(cs, "StopTransaction", before=boot, transactionId=transaction)
    after_boot = boot_statuses(cs, pics, {connector: one_of("Finishing", "Preparing")})
    if stopped:
        stop = stopped[0]
        require_reason(cs, stop, reason)
        finishing = matching(cs, "StatusNotification", before=boot, connectorId=connector, status="Finishing")
        cs.require(bool(finishing), "StopTransaction was sent before the reboot, but no StatusNotification Finishing "
                                    "followed it before the BootNotification")
        await cs.expect_all(*after_boot)
    else:
        cs.require(kind == "Hard", "no StopTransaction before the BootNotification: at a soft reset the transaction "
                                   "SHALL be terminated normally before the reset (OCPP 1.6 §5.14)")
        stop, *_ = await cs.expect_all(cs.message("StopTransaction", transactionId=transaction), *after_boot)
        require_reason(cs, stop, reason)


@testcase("TC_013_CS", "Hard Reset Without transaction", block="core")
async def test_hard_reset_without_transaction(cs, setup, pics):
    """ChangeAvailability(connector, Inoperative) Accepted, Unavailable; Reset(Hard) Accepted; BootNotification;
    StatusNotification for connector 0 and every connector, the configured one still Unavailable;
    ChangeAvailability(Operative) Accepted, Available."""
    await _reset_without_transaction(cs, setup, pics, "Hard")


@testcase("TC_014_CS", "Soft Reset Without Transaction", block="core")
async def test_soft_reset_without_transaction(cs, setup, pics):
    """As TC_013 with Reset(Soft) (the plan's flow is [I], [E test_soft_reset_without_tx]; §5.14 makes no
    difference between the two kinds without a transaction, and availability persists either way)."""
    await _reset_without_transaction(cs, setup, pics, "Soft")


@testcase("TC_015_CS", "Hard Reset With Transaction", block="core")
async def test_hard_reset_with_transaction(cs, dut, setup, pics):
    """State Charging; Reset(Hard) Accepted; StopTransaction with reason HardReset, before the reboot (then
    Finishing before the BootNotification too) or after it; BootNotification; StatusNotification for
    connector 0 and every connector: Finishing or Preparing for the one that had the transaction, Available
    for the others.

    MinimumStatusDuration=0 first, where the charger has the key, which the plan does not say: a Finishing
    that gives way to the reboot within the MinimumStatusDuration is one OCPP 1.6 §4.9 lets the charger
    omit ("MAY omit sending a StatusNotification.req if it was active for less time than defined in …
    MinimumStatusDuration"), yet the plan requires it. So the case asks for every status, as TC_005_x do."""
    await _reset_with_transaction(cs, dut, setup, pics, "Hard")


@testcase("TC_016_CS", "Soft Reset With Transaction", block="core")
async def test_soft_reset_with_transaction(cs, dut, setup, pics):
    """As TC_015 with Reset(Soft) and reason SoftReset. The plan's "as TC_015" ([I]) would let the
    StopTransaction come after the reboot; §5.14 says a soft reset terminates the transaction normally
    *before* the reset, so the specification wins: StopTransaction(SoftReset) and Finishing before the
    BootNotification. MinimumStatusDuration=0 first where the charger has the key, as in TC_015."""
    await _reset_with_transaction(cs, dut, setup, pics, "Soft")
