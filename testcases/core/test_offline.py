"""4.14 Offline behaviour: TC_036_CS, TC_037_1_CS, TC_037_2_CS, TC_037_3_CS, TC_038_CS, TC_039_CS.

"Remove connectivity" is the Central System becoming unreachable (the harness closes the WebSocket and refuses
reconnects), see ``_offline_states.central_system_unreachable``. Transaction-related messages
(StartTransaction, StopTransaction, periodic and clock-aligned MeterValues) "MUST" be queued while offline and
delivered in chronological order afterwards (OCPP 1.6 §3.7); after the reconnect a charge point "SHOULD" report
the status of a connector whose status changed while offline (§4.9).
"""

from __future__ import annotations

from harness.testcase import all_of, needs_feature, testcase
from testcases.checks import expect_started, expect_stop, no_message, stop_remotely
from testcases.core._offline_states import (
    cache_cleared,
    central_system_unreachable,
    id_tag_known_locally,
    offline_authorization_configured,
    require_local_stop,
    require_offline,
    sampled_during,
    while_offline,
)
from testcases.states import charging, transaction_id

#: Offline start needs a driver at the charge point (C-07) and offline authorization (C-01).
OFFLINE_START = all_of(needs_feature("C-01"), needs_feature("C-07"))
#: TC_037_2/3 start offline with an idTag the Central System later declares Invalid: an unknown idTag (C-02).
OFFLINE_START_UNKNOWN = all_of(OFFLINE_START, needs_feature("C-02"))



async def offline_start_answered_invalid(cs, dut, setup, pics):
    """TC_037_2/_3: with the cache cleared and the Central System unreachable, the driver plugs in and presents
    an idTag the charger cannot know; after the reconnect its StartTransaction, timestamped within the outage,
    is answered Invalid. Returns the StartTransaction."""
    connector, id_tag = setup.connector_id, setup.id_tags.invalid
    await cache_cleared(cs, pics)
    async with central_system_unreachable(cs, setup, meanwhile="StartTransaction") as outage:
        await dut.plug_in(connector)
        await dut.present_id_tag(id_tag, connector)
    start = await cs.expect("StartTransaction", connectorId=connector, idTag=id_tag)
    cs.require(start.reply["idTagInfo"]["status"] == "Invalid", "the harness did not answer StartTransaction Invalid")
    require_offline(cs, outage, start, "start the transaction")
    return start

@testcase("TC_036_CS", "Connection Loss During Transaction", block="core")
async def test_connection_loss_during_transaction(cs, dut, setup, pics):
    """MeterValueSampleInterval=<configured>; GetConfiguration(MeterValuesSampledData); state Charging; the link
    is down for a while; after the reconnect the charge point delivers the meter values it sampled meanwhile
    and the transaction is still running; RemoteStopTransaction Accepted; StopTransaction (reason Remote) and
    Finishing in either order.

    The flow is EVerest's [E]: a RemoteStart there reaches the state Charging, here the reusable state does.
    Its outage lasts about 60 s; here it lasts the message timeout and at least three sample intervals, long
    enough for periodic meter values to queue, which is what the case checks: OCPP 1.6 §3.7 counts
    periodic MeterValues as transaction-related messages that "MUST" be queued while offline. A connection
    loss is no reason to stop a transaction: no StopTransaction arrives before the remote stop."""
    connector = setup.connector_id
    await cs.configure("MeterValueSampleInterval", str(setup.intervals.meter_value_sample))
    await cs.configuration("MeterValuesSampledData")
    transaction = transaction_id(await charging(cs, dut, setup, pics))
    async with central_system_unreachable(cs, setup, meanwhile="StopTransaction") as outage:
        pass  # the transaction runs on while the link is down
    await cs.expect("MeterValues", connectorId=connector, transactionId=transaction, meterValue=sampled_during(outage))
    no_message(cs, "StopTransaction")
    response = await cs.call("RemoteStopTransaction", transactionId=transaction)
    cs.require(response["status"] == "Accepted", f"RemoteStopTransaction answered {response['status']}")
    stop = await expect_stop(cs, transaction, connector)
    cs.require(stop.payload.get("reason") == "Remote",
               f"StopTransaction reason is {stop.payload.get('reason', 'absent (Local)')}, expected Remote")


@testcase("TC_037_1_CS", "Offline Start Transaction – Valid IdTag", block="core",
          applies=OFFLINE_START, features=("C-01", "C-07"))
async def test_offline_start_valid_id_tag(cs, dut, setup, pics):
    """LocalAuthorizeOffline=true (and LocalAuthListEnabled, AuthorizationCacheEnabled,
    AllowOfflineTxForUnknownId where implemented); the valid idTag in the local list or the cache; offline, the
    driver plugs in and presents it; after the reconnect: StartTransaction (Accepted) and Charging, in either
    order. The transaction was started while offline: StartTransaction carries a timestamp of the outage.

    "Where implemented" is read as the specification defines the optional keys (§9: "If the key is not
    present, the Charge Point does not provide the functionality that can be configured by the key"): a
    charger without AuthorizationCacheEnabled has no cache switch to set, and the case goes on without it."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    await offline_authorization_configured(cs, pics)
    async with id_tag_known_locally(cs, dut, setup, pics, id_tag):
        async with central_system_unreachable(cs, setup, meanwhile="StartTransaction") as outage:
            await dut.plug_in(connector)
            await dut.present_id_tag(id_tag, connector)
        start = await expect_started(cs, connector, id_tag, accepted=True)
        require_offline(cs, outage, start, "start the transaction")


@testcase("TC_037_2_CS", "Offline Start Transaction – Invalid IdTag – StopTransactionOnInvalidId=false",
          block="core", applies=OFFLINE_START_UNKNOWN, features=("C-01", "C-02", "C-03", "C-07"))
async def test_offline_start_invalid_id_tag_keep(cs, dut, setup, pics):
    """AllowOfflineTxForUnknownId=true, LocalAuthorizeOffline=true, StopTransactionOnInvalidId=false, ClearCache;
    offline, the driver starts a transaction with an idTag unknown to the charge point; after the reconnect
    StartTransaction is answered Invalid; the charge point keeps the transaction and stops the energy:
    SuspendedEVSE, no StopTransaction; the transaction ends later (RemoteStopTransaction): Finishing.

    The plan is [T]/[E]; checked against OCPP 1.6 §3.5.4: when StartTransaction.conf is not Accepted for a
    transaction authorized offline and StopTransactionOnInvalidId is false, the charge point "SHOULD … only
    stop energy delivery to the vehicle" (SuspendedEVSE: "transaction is invalidated by the
    AuthorizationStatus in a StartTransaction.conf", §4.9 C5). An operator "MAY choose to charge the EV with a
    minimum amount of energy", MaxEnergyOnInvalidId (C-03): where implemented it is set to 0 here, so the
    energy stops at once and SuspendedEVSE is the one expected outcome. Applies with C-02: the plan's way [I]
    to start offline with an idTag the Central System will call Invalid (the cache is cleared, C-04, so the
    idTag is unknown). The transaction ends with RemoteStopTransaction, which any charge point supports."""
    connector = setup.connector_id
    await offline_authorization_configured(cs, pics)
    await cs.configure("StopTransactionOnInvalidId", "false")
    if pics.feature("C-03"):
        await cs.configure("MaxEnergyOnInvalidId", "0")
    start = await offline_start_answered_invalid(cs, dut, setup, pics)
    transaction = transaction_id(start)
    await cs.expect("StatusNotification", connectorId=connector, status="SuspendedEVSE")
    await cs.expect_no("StopTransaction", within=cs.message_timeout)
    no_message(cs, "StopTransaction")
    await stop_remotely(cs, transaction, connector)


@testcase("TC_037_3_CS", "Offline Start Transaction – Invalid IdTag – StopTransactionOnInvalidId=true",
          block="core", applies=OFFLINE_START_UNKNOWN, features=("C-01", "C-02", "C-07"))
async def test_offline_start_invalid_id_tag_stop(cs, dut, setup, pics):
    """AllowOfflineTxForUnknownId=true, LocalAuthorizeOffline=true, StopTransactionOnInvalidId=true, ClearCache;
    offline, the driver starts a transaction with an idTag unknown to the charge point; after the reconnect
    StartTransaction is answered Invalid; StopTransaction with reason DeAuthorized and Finishing, in either
    order; the driver presents the idTag and unplugs: Available.

    Checked against OCPP 1.6 §3.5.4: with StopTransactionOnInvalidId true the charge point "SHOULD … stop
    the transaction normally … The Reason field … should be set to DeAuthorized. If the Charge Point has the
    possibility to lock the Charging Cable, it SHOULD keep the Charging Cable locked until the owner presents
    his identifier." So the cable stays in after the stop (Finishing); the driver presents the idTag (to
    unlock it) and unplugs, then Available follows, as in EVerest's flow. Applicability as TC_037_2."""
    connector = setup.connector_id
    await offline_authorization_configured(cs, pics)
    await cs.configure("StopTransactionOnInvalidId", "true")
    start = await offline_start_answered_invalid(cs, dut, setup, pics)
    stop = await expect_stop(cs, transaction_id(start), connector)
    cs.require(stop.payload.get("reason") == "DeAuthorized",
               f"StopTransaction reason is {stop.payload.get('reason', 'absent (Local)')}, expected DeAuthorized")
    await dut.present_id_tag(setup.id_tags.invalid, connector)
    await dut.unplug(connector)
    await cs.expect("StatusNotification", connectorId=connector, status="Available")


@testcase("TC_038_CS", "Offline Stop Transaction", block="core",
          applies=needs_feature("C-08"), features=("C-08",))
async def test_offline_stop_transaction(cs, dut, setup, pics):
    """State Charging; offline, the driver stops the transaction (presents the idTag that started it); after
    the reconnect: StopTransaction with reason Local or omitted, and Finishing, in either order. The
    transaction was stopped while offline: StopTransaction carries a timestamp of the outage."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    transaction = transaction_id(await charging(cs, dut, setup, pics, id_tag=id_tag))
    async with central_system_unreachable(cs, setup, meanwhile="StopTransaction") as outage:
        await dut.present_id_tag(id_tag, connector)
    stop = await expect_stop(cs, transaction, connector)
    require_local_stop(cs, stop)
    require_offline(cs, outage, stop, "stop the transaction")


@testcase("TC_039_CS", "Offline Transaction", block="core",
          applies=all_of(OFFLINE_START, needs_feature("C-08")), features=("C-01", "C-07", "C-08"))
async def test_offline_transaction(cs, dut, setup, pics):
    """Configuration and memory as TC_037_1; offline, the driver starts a transaction with the valid idTag,
    stops it with the same idTag and unplugs; after the reconnect, from the queue and in this order:
    StartTransaction (Accepted), then StopTransaction of that transaction with reason Local or omitted. Both
    carry timestamps of the outage. Between the driver's steps the charge point gets the message timeout to
    act, as a driver waits for the charging to start (and to end) before the next step."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    await offline_authorization_configured(cs, pics)
    async with id_tag_known_locally(cs, dut, setup, pics, id_tag):
        async with central_system_unreachable(cs, setup, meanwhile="StartTransaction") as outage:
            await dut.plug_in(connector)
            await dut.present_id_tag(id_tag, connector)
            await while_offline(cs, "StartTransaction")
            await dut.present_id_tag(id_tag, connector)
            await while_offline(cs, "StopTransaction")
            await dut.unplug(connector)
        start = await cs.expect("StartTransaction", connectorId=connector, idTag=id_tag)
        cs.require(start.reply["idTagInfo"]["status"] == "Accepted", "StartTransaction was not accepted")
        require_offline(cs, outage, start, "start the transaction")
        stop = await cs.expect("StopTransaction", transactionId=transaction_id(start))
        require_local_stop(cs, stop)
        require_offline(cs, outage, stop, "stop the transaction")
