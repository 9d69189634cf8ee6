"""4.11 Remote actions, non-happy: TC_026_CS, TC_027_CS, TC_028_CS."""

from __future__ import annotations

from harness.testcase import testcase
from testcases.states import charging


@testcase("TC_026_CS", "Remote Start Charging Session – Rejected", block="core")
async def test_remote_start_rejected(cs, dut, setup, pics):
    """LocalPreAuthorize=false; state Charging; RemoteStartTransaction for the connector that is charging is
    Rejected (the charge point cannot "attempt to start a transaction" there, OCPP 1.6 §5.11)."""
    connector = setup.connector_id
    await cs.configure("LocalPreAuthorize", "false")
    await charging(cs, dut, setup, pics)
    response = await cs.call("RemoteStartTransaction", connectorId=connector, idTag=setup.id_tags.valid)
    cs.require(response["status"] == "Rejected",
               f"RemoteStartTransaction on connector {connector}, which is charging, answered "
               f"{response['status']}; expected Rejected")


@testcase("TC_027_CS", "Remote start transaction – connector id shall not be 0", block="core")
async def test_remote_start_connector_zero(cs, dut, setup):
    """RemoteStartTransaction with connectorId 0 is answered Rejected or with a CALLERROR (both pass): the
    connectorId of RemoteStartTransaction.req "SHALL be > 0" (OCPP 1.6 §6.33)."""
    response = await cs.call("RemoteStartTransaction", connectorId=0, idTag=setup.id_tags.valid, allow_error=True)
    if not response.is_error:
        cs.require(response["status"] == "Rejected",
                   f"RemoteStartTransaction(connectorId=0) answered {response['status']}; expected Rejected or "
                   "a CALLERROR")


@testcase("TC_028_CS", "Remote Stop Transaction – Rejected", block="core")
async def test_remote_stop_rejected(cs, dut, setup, pics):
    """State Charging; RemoteStopTransaction for a transactionId the charge point does not know is Rejected
    (it answers Accepted only when "a transaction with the given transactionId is ongoing", §5.12)."""
    await charging(cs, dut, setup, pics)
    unknown = setup.unknown_transaction_id
    response = await cs.call("RemoteStopTransaction", transactionId=unknown)
    cs.require(response["status"] == "Rejected",
               f"RemoteStopTransaction(transactionId={unknown}, unknown) answered {response['status']}; "
               "expected Rejected")
