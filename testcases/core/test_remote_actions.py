"""4.5 Remote actions, happy flow: TC_010_CS, TC_011_1_CS, TC_011_2_CS, TC_012_CS."""

from __future__ import annotations

from harness.testcase import testcase
from testcases.checks import expect_connection_timeout, expect_started, stop_remotely
from testcases.states import charging, is_true, remote_start_awaiting_cable, transaction_id


@testcase("TC_010_CS", "Remote Start Charging Session – Cable Plugged in First", block="core")
async def test_remote_start_cable_plugged_in_first(cs, dut, setup):
    """Plug in (Preparing), RemoteStartTransaction Accepted, [Authorize when AuthorizeRemoteTxRequests],
    StartTransaction and Charging in either order."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    remote_auth = is_true(await cs.configuration("AuthorizeRemoteTxRequests"))
    await dut.plug_in(connector)
    await cs.expect("StatusNotification", connectorId=connector, status="Preparing")
    response = await cs.call("RemoteStartTransaction", connectorId=connector, idTag=id_tag)
    cs.require(response["status"] == "Accepted", f"RemoteStartTransaction answered {response['status']}")
    if remote_auth:
        await cs.expect("Authorize", idTag=id_tag)
    await expect_started(cs, connector, id_tag)


@testcase("TC_011_1_CS", "Remote Start Charging Session – Remote Start First", block="core")
async def test_remote_start_first(cs, dut, setup):
    """RemoteStartTransaction Accepted, [Authorize], Preparing; then plug in: StartTransaction, Charging."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    await remote_start_awaiting_cable(cs, setup)
    await dut.plug_in(connector)
    await expect_started(cs, connector, id_tag)


@testcase("TC_011_2_CS", "Remote Start Charging Session – Time Out", block="core")
async def test_remote_start_time_out(cs, dut, setup):
    """RemoteStartTransaction Accepted, Preparing, nobody plugs in: Available after ConnectionTimeOut and no
    StartTransaction."""
    connector, timeout = setup.connector_id, setup.intervals.connection_timeout
    await cs.configure("ConnectionTimeOut", str(timeout))
    preparing = await remote_start_awaiting_cable(cs, setup)
    await expect_connection_timeout(cs, connector, preparing, timeout)


@testcase("TC_012_CS", "Remote Stop Charging Session", block="core")
async def test_remote_stop_charging_session(cs, dut, setup, pics):
    """State Charging; RemoteStopTransaction Accepted; StopTransaction with reason Remote and Finishing in
    either order."""
    connector = setup.connector_id
    transaction = transaction_id(await charging(cs, dut, setup, pics))
    await stop_remotely(cs, transaction, connector)
