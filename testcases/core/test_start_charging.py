"""4.2 Start charging session: TC_003_CS, TC_004_1_CS, TC_004_2_CS."""

from __future__ import annotations

from harness.testcase import needs_feature, testcase
from testcases.checks import expect_connection_timeout, expect_started


@testcase("TC_003_CS", "Regular Charging Session – Plugin First", block="core",
          applies=needs_feature("C-07"), features=("C-07",))
async def test_regular_charging_session_plugin_first(cs, dut, setup):
    """Plug in (Preparing), present the valid idTag (Authorize), then StartTransaction and Charging in either
    order; the Central System accepted the transaction."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    await dut.plug_in(connector)
    await cs.expect("StatusNotification", connectorId=connector, status="Preparing")
    await dut.present_id_tag(id_tag, connector)
    await cs.expect("Authorize", idTag=id_tag)
    await expect_started(cs, connector, id_tag, accepted=True)


@testcase("TC_004_1_CS", "Regular Charging Session – Identification First", block="core",
          applies=needs_feature("C-07"), features=("C-07",))
async def test_regular_charging_session_identification_first(cs, dut, setup):
    """State Authorized (Authorize accepted, Preparing), then plug in: StartTransaction and Charging."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    await cs.configure("MeterValueSampleInterval", str(setup.intervals.meter_value_sample))
    await dut.present_id_tag(id_tag, connector)
    await cs.expect_all(
        cs.message("Authorize", idTag=id_tag),
        cs.message("StatusNotification", connectorId=connector, status="Preparing"),
    )
    await dut.plug_in(connector)
    await expect_started(cs, connector, id_tag, accepted=True)


@testcase("TC_004_2_CS", "Regular Charging Session – Identification First – ConnectionTimeOut", block="core",
          applies=needs_feature("C-07"), features=("C-07",))
async def test_identification_first_connection_timeout(cs, dut, setup):
    """Authorized but nobody plugs in: after ConnectionTimeOut the connector is Available again, and no
    transaction was started."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    timeout = setup.intervals.connection_timeout
    await cs.configure("ConnectionTimeOut", str(timeout))
    await dut.present_id_tag(id_tag, connector)
    _, preparing = await cs.expect_all(
        cs.message("Authorize", idTag=id_tag),
        cs.message("StatusNotification", connectorId=connector, status="Preparing"),
    )
    await expect_connection_timeout(cs, connector, preparing, timeout)
