"""4.3 Stop charging session: TC_068_CS, TC_069_CS, TC_005_1_CS, TC_005_2_CS, TC_005_3_CS."""

from __future__ import annotations

from typing import Any

from harness.csms.matching import one_of
from harness.testcase import all_of, needs_feature, needs_hardware, needs_key_access, testcase
from testcases.checks import expect_stop, no_authorize, stop_remotely
from testcases.core._sessions_states import (
    fixed_cable,
    other_connector,
    require_local_reason,
    require_reason,
    shared_reader,
)
from testcases.states import (
    charging,
    every_status_reported,
    key_settable,
    last_received,
    set_configuration,
    transaction_id,
)

#: What OCPP 1.6 says of an Authorize for another idTag presented during a transaction (TC_068).
OTHER_TAG_MAY_AUTHORIZE = (
    "OCPP 1.6 §4.1 says that when stopping a transaction the Charge Point SHALL only send an Authorize.req when "
    "the identifier differs from the one that started it (as here), and that it SHALL send one for an idTag not "
    "in its Local Authorization List or Authorization Cache")


def ended_without_ev(pics: Any, connector: int) -> Any:
    """The status of a connector whose transaction ends after the EV side was unplugged (OCPP 1.6 §4.9).

    A detachable cable still hangs in the socket: further user action is required, Finishing (C6, D6). A
    fixed cable out of the EV leaves nothing for the user to do, so Available is as right as Finishing: C1
    "Charging session ends while no user action is required (e.g. fixed cable was removed on EV side)", and
    D1; the §4.9 text that a charger with StopTransactionOnEVSideDisconnect true reports Finishing is a
    SHOULD. The plan's fixed-cable branch of TC_005_2 (no unplug at the charge point) leaves it open."""
    return one_of("Finishing", "Available") if fixed_cable(pics, connector) else "Finishing"


async def ev_side_disconnect_stops(cs, dut, setup, pics, *, unlock: str) -> None:
    """MinimumStatusDuration=0 (if implemented), StopTransactionOnEVSideDisconnect=true,
    UnlockConnectorOnEVSideDisconnect=``unlock``; state Charging; unplug on the EV side: StopTransaction with
    reason EVDisconnected and Finishing (with a fixed cable: Finishing or Available, see
    :func:`ended_without_ev`), in either order (TC_005_1, TC_005_2)."""
    connector = setup.connector_id
    await every_status_reported(cs)
    await set_configuration(cs, "StopTransactionOnEVSideDisconnect", "true")
    await set_configuration(cs, "UnlockConnectorOnEVSideDisconnect", unlock)
    transaction = transaction_id(await charging(cs, dut, setup, pics))
    await dut.unplug(connector, side="ev")
    stop = await expect_stop(cs, transaction, connector, status=ended_without_ev(pics, connector))
    require_reason(cs, stop, "EVDisconnected")


@testcase("TC_068_CS", "Stop transaction – IdTag in StopTransaction matches IdTag in StartTransaction", block="core",
          applies=all_of(needs_feature("C-07"), needs_feature("C-08")), features=("C-07", "C-08"))
async def test_stop_transaction_id_tag_matches(cs, dut, setup, pics):
    """State Charging. A different valid idTag neither stops the transaction nor (unless one reader serves
    several connectors, HFS-10) is sent in an Authorize; the idTag that started the transaction stops it:
    StopTransaction with that idTag and Finishing in either order.

    The reason is checked too: a driver's stop with an idTag is reason Local or no reason (OCPP 1.6 §4.10).

    The "no Authorize" is OCTT's ([D]); OCPP 1.6 §4.1 allows an Authorize.req for a stop with a different
    identifier and requires one for an idTag the charger does not know locally. The case follows OCTT (the
    charger can tell that nothing can match: the transaction's idTag has no parentIdTag), and its failure
    reason says the specification would allow the Authorize."""
    connector, id_tag, other_tag = setup.connector_id, setup.id_tags.valid, setup.id_tags.valid_2
    transaction = transaction_id(await charging(cs, dut, setup, pics))
    before = last_received(cs)
    await dut.present_id_tag(other_tag, connector)
    await cs.expect_no("StopTransaction", within=setup.timeouts.message)
    if not shared_reader(pics):
        no_authorize(cs, before, f"another valid idTag, {other_tag}, presented during the transaction of {id_tag}",
                     OTHER_TAG_MAY_AUTHORIZE)
    await dut.present_id_tag(id_tag, connector)
    stop = await expect_stop(cs, transaction, connector)
    cs.require((stop.payload.get("idTag") or "").lower() == id_tag.lower(),
               f"StopTransaction idTag is {stop.payload.get('idTag', 'absent')}; the transaction was started and "
               f"stopped with {id_tag}")
    require_local_reason(cs, stop)


@testcase("TC_069_CS", "Stop transaction – ParentIdTag in StopTransaction matches ParentIdTag in StartTransaction",
          block="core", applies=all_of(needs_feature("C-07"), needs_feature("C-08")), features=("C-07", "C-08"))
async def test_stop_transaction_parent_id_tag_matches(cs, dut, setup, pics):
    """Where one reader serves several connectors the other connector is occupied first (plug in, Preparing).
    State Charging, started with an idTag that has a parentIdTag. A different idTag with the same
    parentIdTag is presented: Authorize(that idTag), answered Accepted with the same parentIdTag, then
    StopTransaction with the new idTag and Finishing in either order (reason Local or none, OCPP 1.6 §4.10)."""
    connector = setup.connector_id
    start_tag, stop_tag = setup.id_tags.with_parent[0], setup.id_tags.with_parent[1]
    other = other_connector(pics, connector)
    if shared_reader(pics) and other is not None:
        await dut.plug_in(other)
        await cs.expect("StatusNotification", connectorId=other, status="Preparing")
    transaction = transaction_id(await charging(cs, dut, setup, pics, id_tag=start_tag))
    await dut.present_id_tag(stop_tag, connector)
    await cs.expect("Authorize", idTag=stop_tag)
    stop = await expect_stop(cs, transaction, connector)
    cs.require((stop.payload.get("idTag") or "").lower() == stop_tag.lower(),
               f"StopTransaction idTag is {stop.payload.get('idTag', 'absent')}; expected {stop_tag}, the idTag "
               "of the Authorize that stopped the transaction")
    require_local_reason(cs, stop)


@testcase("TC_005_1_CS",
          "EV Side Disconnected – StopTransactionOnEVSideDisconnect=true – UnlockConnectorOnEVSideDisconnect=true",
          block="core", features=("C-10.1",),
          applies=all_of(needs_hardware("HFS-1"), needs_feature("C-10.1"),
                         key_settable("StopTransactionOnEVSideDisconnect", "true"),
                         key_settable("UnlockConnectorOnEVSideDisconnect", "true")))
async def test_ev_side_disconnected_stop_and_unlock(cs, dut, setup, pics):
    """MinimumStatusDuration=0 (if implemented), StopTransactionOnEVSideDisconnect=true,
    UnlockConnectorOnEVSideDisconnect=true; state Charging. Unplug on the EV side: StopTransaction with
    reason EVDisconnected and Finishing in either order; then unplug at the charge point: Available.
    (SuspendedEV before the stop is allowed, not required: the CS page does not ask for it.)"""
    connector = setup.connector_id
    await ev_side_disconnect_stops(cs, dut, setup, pics, unlock="true")
    await dut.unplug(connector, side="cp")
    await cs.expect("StatusNotification", connectorId=connector, status="Available")


@testcase("TC_005_2_CS",
          "EV Side Disconnected – StopTransactionOnEVSideDisconnect=true – UnlockConnectorOnEVSideDisconnect=false",
          block="core", features=("C-10.2",),
          applies=all_of(needs_feature("C-10.2"),
                         key_settable("StopTransactionOnEVSideDisconnect", "true"),
                         key_settable("UnlockConnectorOnEVSideDisconnect", "false")))
async def test_ev_side_disconnected_stop_keep_locked(cs, dut, setup, pics):
    """MinimumStatusDuration=0 (if implemented), StopTransactionOnEVSideDisconnect=true,
    UnlockConnectorOnEVSideDisconnect=false; state Charging. Unplug on the EV side: StopTransaction
    (EVDisconnected) and Finishing in either order; UnlockConnector; with a detachable cable, unplug at the
    charge point: Available.

    With a fixed cable the specification is followed where the plan asks Finishing: Available in its place
    is allowed (§4.9 C1; :func:`ended_without_ev`); StopTransaction with reason EVDisconnected is required
    either way.

    The plan's "UnlockConnector → Unlocked" is [E] (EVerest simulates a detachable cable). OCPP 1.6 §5.18
    defines NotSupported as "Charge Point has no connector lock": a fixed cable has no lock to release, so
    the specification (and TC_017_2) expects NotSupported there; Unlocked is expected for a detachable
    cable."""
    connector = setup.connector_id
    await ev_side_disconnect_stops(cs, dut, setup, pics, unlock="false")
    fixed = fixed_cable(pics, connector)
    expected = "NotSupported" if fixed else "Unlocked"
    response = await cs.call("UnlockConnector", connectorId=connector)
    cs.require(response["status"] == expected,
               f"UnlockConnector answered {response['status']}, expected {expected} "
               f"({'fixed' if fixed else 'detachable'} cable)")
    if not fixed:
        await dut.unplug(connector, side="cp")
        await cs.expect("StatusNotification", connectorId=connector, status="Available")


@testcase("TC_005_3_CS",
          "EV Side Disconnected – StopTransactionOnEVSideDisconnect=false – UnlockConnectorOnEVSideDisconnect=false",
          block="core", features=("C-06.1",),
          applies=all_of(needs_key_access("StopTransactionOnEVSideDisconnect", "read-write"),
                         key_settable("UnlockConnectorOnEVSideDisconnect", "false")))
async def test_ev_side_disconnected_transaction_continues(cs, dut, setup, pics):
    """MinimumStatusDuration=0 (if implemented), StopTransactionOnEVSideDisconnect=false,
    UnlockConnectorOnEVSideDisconnect=false; state Charging. Unplug on the EV side: SuspendedEV and the
    transaction continues; RemoteStopTransaction Accepted; StopTransaction (reason Remote) and Finishing in
    either order, the StopTransaction only after the RemoteStopTransaction.

    The plan's SuspendedEV is [I]. OCPP 1.6 (StopTransactionOnEVSideDisconnect): with false "the
    transaction SHALL NOT stop when the cable is disconnected from the EV. If the EV is reconnected, energy
    transfer is allowed again" - the EVSE keeps offering energy that the (absent) EV does not take, which
    is SuspendedEV (§7.7: "the EVSE is offering energy but the EV is not taking any energy"), not
    SuspendedEVSE. Reason Remote is [E]; it is the 1.6 reason for "Stopped remotely on request of the user"
    (as in TC_012). With a fixed cable the EV is gone when the remote stop comes, so Available in place of
    the plan's Finishing follows the specification (§4.9 D1: "Charging session ends while no user action is
    required"; :func:`ended_without_ev`)."""
    connector = setup.connector_id
    await every_status_reported(cs)
    await set_configuration(cs, "StopTransactionOnEVSideDisconnect", "false")
    await set_configuration(cs, "UnlockConnectorOnEVSideDisconnect", "false")
    transaction = transaction_id(await charging(cs, dut, setup, pics))
    await dut.unplug(connector, side="ev")
    await cs.expect("StatusNotification", connectorId=connector, status="SuspendedEV")
    await stop_remotely(cs, transaction, connector, status=ended_without_ev(pics, connector),
                        still_running="with StopTransactionOnEVSideDisconnect=false the transaction continues")
