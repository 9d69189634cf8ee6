"""4.16 Fault behaviour: TC_041_CS."""

from __future__ import annotations

from harness.csms.matching import not_equal
from harness.testcase import testcase

#: The fault the plan (after EVerest) induces.
FAULT = "GroundFailure"


@testcase("TC_041_CS", "Fault Behavior", block="core")
async def test_fault_behavior(cs, dut, setup):
    """Induce a fault at the connector: StatusNotification Faulted with an errorCode other than NoError; clear
    it: StatusNotification Available.

    The plan's flow is [I]; checked against OCPP 1.6 §4.9: "A fault is detected that prevents further
    charging operations" leads to Faulted (A9), and once the "fault is resolved … status returns to the
    pre-fault state" (I1), which is Available for an idle connector."""
    connector = setup.connector_id
    await dut.fault(connector, FAULT, True)
    await cs.expect("StatusNotification", connectorId=connector, status="Faulted", errorCode=not_equal("NoError"))
    await dut.fault(connector, FAULT, False)
    await cs.expect("StatusNotification", connectorId=connector, status="Available")
