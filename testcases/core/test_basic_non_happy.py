"""4.10 Basic actions, non-happy: TC_023_4_CS, TC_023_5_CS, TC_024_CS."""

from __future__ import annotations

from harness.testcase import all_of, needs_answer, needs_feature, needs_hardware, testcase
from testcases.core._offline_states import authorize_remote_tx_requests_settable, expect_no_transaction, make_true
from testcases.states import remote_start_awaiting_cable

#: The plan's MinimumStatusDuration for TC_023_4 (set where the charger implements it, C-05).
MINIMUM_STATUS_DURATION_S = 10


@testcase("TC_023_4_CS", "Start local Charging Session – Authorize invalid", block="core",
          applies=needs_feature("C-07"), features=("C-07",))
async def test_start_local_authorize_invalid(cs, dut, setup, pics):
    """Present an invalid idTag: Authorize, answered Invalid; plug in: Preparing; no transaction starts.

    Configuration as the plan: MinimumStatusDuration=10 (only where implemented, C-05; Preparing may then come
    up to 10 s after the plug-in) and LocalPreAuthorize=true. An invalid idTag is never pre-authorized
    locally: it is unknown, or cached as not valid, and then "an Authorize.req SHOULD be sent" (OCPP 1.6
    §3.5.1), and "the Charge Point SHALL only supply energy after authorization" (§4.1). No StartTransaction
    is accepted for the message timeout after the plug-in, nor anywhere earlier in the case."""
    connector, id_tag = setup.connector_id, setup.id_tags.invalid
    status_delay = 0
    if pics.feature("C-05"):
        status_delay = MINIMUM_STATUS_DURATION_S
        await cs.configure("MinimumStatusDuration", str(MINIMUM_STATUS_DURATION_S))
    await cs.configure("LocalPreAuthorize", "true")
    await dut.present_id_tag(id_tag, connector)
    authorize = await cs.expect("Authorize", idTag=id_tag)
    cs.require(authorize.reply["idTagInfo"]["status"] == "Invalid", "the harness did not answer Authorize Invalid")
    await dut.plug_in(connector)
    await cs.expect("StatusNotification", connectorId=connector, status="Preparing",
                    timeout=status_delay + cs.message_timeout)
    await expect_no_transaction(cs)


@testcase("TC_023_5_CS", "Start remote Charging Session – Authorize invalid", block="core",
          applies=authorize_remote_tx_requests_settable)
async def test_start_remote_authorize_invalid(cs, dut, setup, pics):
    """AuthorizeRemoteTxRequests=true; plug in (Preparing); RemoteStartTransaction with an idTag the Central
    System declares Invalid is Accepted; Authorize, answered Invalid; no transaction starts.

    The plan's flow is [I]. Checked against OCPP 1.6 §5.11: with AuthorizeRemoteTxRequests true the charge
    point "SHALL behave as if in response to a local action … A transaction will only be started after
    authorization was obtained", so it must send Authorize (the idTag is unknown or cached as not valid,
    §3.5.1) and must not start. The cable goes in first (as in TC_010) so that a charger that ignored the
    Authorize result could start at once: "no StartTransaction" is then a real observation, not a
    consequence of a missing cable."""
    connector, id_tag = setup.connector_id, setup.id_tags.invalid
    await make_true(cs, "AuthorizeRemoteTxRequests")
    await dut.plug_in(connector)
    await cs.expect("StatusNotification", connectorId=connector, status="Preparing")
    response = await cs.call("RemoteStartTransaction", connectorId=connector, idTag=id_tag)
    cs.require(response["status"] == "Accepted", f"RemoteStartTransaction answered {response['status']}")
    authorize = await cs.expect("Authorize", idTag=id_tag)
    cs.require(authorize.reply["idTagInfo"]["status"] == "Invalid", "the harness did not answer Authorize Invalid")
    await expect_no_transaction(cs)


@testcase("TC_024_CS", "Start Charging Session – Lock Failure", block="core",
          applies=all_of(needs_hardware("HFS-1"), needs_answer("AQ-9")))
async def test_start_charging_session_lock_failure(cs, dut, setup, pics):
    """GetConfiguration(AuthorizeRemoteTxRequests); RemoteStartTransaction Accepted; [Authorize]; Preparing;
    the driver plugs the cable in halfway: StatusNotification Faulted with errorCode ConnectorLockFailure, and
    no transaction starts.

    "Plug the cable in halfway" is a fault at the connector: the device control raises ConnectorLockFailure
    there (on the reference charge point, its control channel's ``fault`` action; it has no half-inserted
    plug), which is what the charger's lock detects when the plug goes in but the lock cannot close. Applies
    to a detachable cable (HFS-1) with a mechanized lock on the charge point side (AQ-9)."""
    connector = setup.connector_id
    await remote_start_awaiting_cable(cs, setup)
    await dut.fault(connector, "ConnectorLockFailure", True)
    await cs.expect("StatusNotification", connectorId=connector, status="Faulted", errorCode="ConnectorLockFailure")
    await expect_no_transaction(cs)
