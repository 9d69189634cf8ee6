"""7 Reservation (R-0, R-1): TC_046_1_CS, TC_046_2_CS, TC_047_CS, TC_048_1_CS, TC_048_2_CS, TC_048_3_CS,
TC_048_4_CS, TC_049_CS, TC_050_1_CS, TC_050_2_CS, TC_050_3_CS, TC_050_4_CS, TC_051_CS, TC_052_CS,
TC_053_1_CS, TC_053_2_CS.

OCPP 1.6 §5.13 ReserveNow: Accepted, or Occupied / Faulted / Unavailable when the connector (or, for
connectorId 0, the charge point) is so, Rejected when the charge point does not accept reservations or
connector 0 without ReserveConnectorZeroSupported. A reserved connector refuses every idTag but the
reserved one or one with the reservation's parentIdTag; the StartTransaction that uses the reservation
carries its reservationId (§6.45: "the id of the reservation that terminates as a result of this
transaction"). At the expiryDate the connector becomes Available again (§5.13, §4.9). §5.1 CancelReservation:
Accepted for a reservation the charge point has, else Rejected.

Each case leaves no reservation behind when it passes (it is used, cancelled or expires); after a failed
case the per-case baseline cancels what the charger accepted and did not use. Reservations a case does not
mean to expire are valid for :data:`RESERVATION_S`.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

from harness.csms.matching import not_equal
from harness.csms.station import Received, Response, Station
from harness.dut.control import DeviceControl
from harness.testcase import all_of, needs_feature, testcase
from testcases.checks import INTERVAL_TOLERANCE_S, expect_started, expect_status_all
from testcases.core._sessions_states import shared_reader
from testcases.states import charging, key_settable, remote_start_awaiting_cable, set_configuration

#: The reservationId of every case (a ReserveNow with the id of an existing reservation replaces it).
RESERVATION_ID = 46
#: Validity of a reservation the case uses or cancels: far longer than any case takes.
RESERVATION_S = 600
#: TC_047's reservation: it expires while the case waits.
EXPIRY_S = 5
#: The fault induced for the Faulted states (as in TC_041).
FAULT = "GroundFailure"
#: CALLERROR codes of a charger that does not implement the Reservation profile at all (OCPP-J §4.2.3).
NOT_IMPLEMENTED = ("NotSupported", "NotImplemented")
#: ReserveNow(0) while every connector is Faulted: the refusals OCPP 1.6 §5.13 allows (TC_050_1).
FAULTED_ANSWERS = ("Faulted", "Unavailable", "Rejected")


def expiry_date(seconds: float) -> str:
    moment = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def reserve_now(cs: Station, connector: int, id_tag: str, *, expected: str = "Accepted",
                      expiry: str | None = None, parent_id_tag: str | None = None) -> Response:
    """ReserveNow(connector, idTag[, parentIdTag]) with :data:`RESERVATION_ID`, answered ``expected``."""
    fields: dict[str, Any] = {"connectorId": connector, "expiryDate": expiry or expiry_date(RESERVATION_S),
                              "idTag": id_tag, "reservationId": RESERVATION_ID}
    if parent_id_tag is not None:
        fields["parentIdTag"] = parent_id_tag
    response = await cs.call("ReserveNow", fields)
    cs.require(response["status"] == expected,
               f"ReserveNow(connectorId {connector}) answered {response['status']}, expected {expected}")
    return response


async def reserved(cs: Station, connector: int, id_tag: str, **fields: Any) -> Received:
    """State *Reserved*: ReserveNow Accepted, then StatusNotification Reserved for the connector (§4.9)."""
    await reserve_now(cs, connector, id_tag, **fields)
    return await cs.expect("StatusNotification", connectorId=connector, status="Reserved")


async def reserve_now_rejected(cs: Station, pics: Any, connector: int, id_tag: str) -> None:
    """ReserveNow answered Rejected. A charger without the Reservation profile (R-0 = No) may instead not
    implement ReserveNow at all: a CALLERROR NotSupported or NotImplemented says the same."""
    fields = {"connectorId": connector, "expiryDate": expiry_date(RESERVATION_S), "idTag": id_tag,
              "reservationId": RESERVATION_ID}
    response = await cs.call("ReserveNow", fields, allow_error=True)
    if response.is_error:
        cs.require(not pics.feature("R-0") and response.error_code in NOT_IMPLEMENTED,
                   f"ReserveNow(connectorId {connector}) answered CALLERROR {response.error_code}, expected Rejected")
        return
    cs.require(response["status"] == "Rejected",
               f"ReserveNow(connectorId {connector}) answered {response['status']}, expected Rejected")


def require_reservation_id(cs: Station, start: Received, reservation_id: int | None) -> None:
    """The StartTransaction carries ``reservation_id``, or (None) no reservationId: no reservation ended."""
    actual = start.payload.get("reservationId")
    if reservation_id is None:
        cs.require(actual is None, f"StartTransaction carries reservationId {actual}, but no reservation was in "
                                   "force any more")
    else:
        cs.require(actual == reservation_id,
                   f"StartTransaction reservationId is {'absent' if actual is None else actual}, expected "
                   f"{reservation_id}: the transaction used (and ended) that reservation")


async def start_session(cs: Station, dut: DeviceControl, pics: Any, connector: int, id_tag: str) -> None:
    """The cable is in: the idTag is presented (C-07), else sent in a RemoteStartTransaction (Accepted)."""
    if pics.feature("C-07"):
        await dut.present_id_tag(id_tag, connector)
        return
    response = await cs.call("RemoteStartTransaction", connectorId=connector, idTag=id_tag)
    cs.require(response["status"] == "Accepted", f"RemoteStartTransaction({id_tag}) answered {response['status']}")


async def unavailable_elsewhere(cs: Station, pics: Any, connector: int) -> None:
    """State *SetConnectorUnavailable* for every connector but ``connector``: ChangeAvailability Inoperative
    Accepted, StatusNotification Unavailable (the per-case baseline makes them Operative again)."""
    others = [c for c in pics.connector_ids if c != connector]
    for other in others:
        response = await cs.call("ChangeAvailability", connectorId=other, type="Inoperative")
        cs.require(response["status"] == "Accepted",
                   f"ChangeAvailability({other}, Inoperative) answered {response['status']}")
    if others:
        await expect_status_all(cs, others, "Unavailable")


async def change_availability_all(cs: Station, pics: Any, kind: str, status: str) -> None:
    response = await cs.call("ChangeAvailability", connectorId=0, type=kind)
    cs.require(response["status"] == "Accepted", f"ChangeAvailability(0, {kind}) answered {response['status']}")
    await expect_status_all(cs, [0, *pics.connector_ids], status)


# ------------------------------------------------------------------------------------------ TC_046


@testcase("TC_046_1_CS", "Reservation of a Connector – Local start transaction", block="reservation",
          applies=all_of(needs_feature("R-0"), needs_feature("C-07")), features=("R-0", "C-07"))
async def test_reservation_local_start(cs, dut, setup, pics):
    """Every other connector Unavailable. ReserveNow(connector, valid idTag) Accepted, Reserved. Another card
    (the second valid idTag): the connector stays Reserved (no StatusNotification of another status for it)
    for the message timeout. The reserved idTag: (Authorize optional) Preparing. Plug in:
    StartTransaction with the reservationId, and Charging, in either order.

    Here the case follows the specification, not the plan. The plan's "the CP must not send Authorize" for
    the other card is [D], but OCPP 1.6 §4.1 says a Charge Point SHALL send an Authorize.req for an idTag not
    in its Local Authorization List or Authorization Cache (and MAY for one that is), and the harness cannot
    know what the charger holds. What §5.13 does require is checked instead: the charger "SHALL refuse
    charging for all incoming idTags on the reserved connector" but the reserved one, even when the Central
    System accepts the other idTag (the harness answers its Authorize Accepted). The other connectors are
    made Unavailable so that a card cannot be meant for them (one reader may serve all)."""
    connector, id_tag, other_tag = setup.connector_id, setup.id_tags.valid, setup.id_tags.valid_2
    await unavailable_elsewhere(cs, pics, connector)
    await reserved(cs, connector, id_tag)
    await dut.present_id_tag(other_tag, connector)
    await cs.expect_no("StatusNotification", within=cs.message_timeout, connectorId=connector,
                       status=not_equal("Reserved"))
    await dut.present_id_tag(id_tag, connector)
    await cs.expect("StatusNotification", connectorId=connector, status="Preparing")
    await dut.plug_in(connector)
    require_reservation_id(cs, await expect_started(cs, connector, id_tag), RESERVATION_ID)


@testcase("TC_046_2_CS", "Reservation of a Connector – Remote start transaction", block="reservation",
          applies=needs_feature("R-0"), features=("R-0",))
async def test_reservation_remote_start(cs, dut, setup):
    """ReserveNow(connector, valid idTag) Accepted, Reserved. RemoteStartTransaction for the second valid
    idTag on that connector: Rejected. RemoteStartTransaction for the reserved idTag: Accepted, (Authorize
    optional) Preparing; plug in: StartTransaction with that idTag and the reservationId, and Charging.

    The plan's "only the reserved idTag can charge on that connector" is checked by the first
    RemoteStartTransaction [I]: §5.13 makes the charger refuse every other idTag on the connector (the
    reservation has no parentIdTag, so nothing needs asking), and §5.11 answers Accepted only when the
    charger will try to start. Authorize is optional: with AuthorizeRemoteTxRequests the charger may also
    authorize from its cache or list (§5.11)."""
    connector, id_tag, other_tag = setup.connector_id, setup.id_tags.valid, setup.id_tags.valid_2
    await reserved(cs, connector, id_tag)
    response = await cs.call("RemoteStartTransaction", connectorId=connector, idTag=other_tag)
    cs.require(response["status"] == "Rejected", f"RemoteStartTransaction({other_tag}) on the connector "
               f"reserved for {id_tag} answered {response['status']}, expected Rejected")
    response = await cs.call("RemoteStartTransaction", connectorId=connector, idTag=id_tag)
    cs.require(response["status"] == "Accepted", f"RemoteStartTransaction({id_tag}) answered {response['status']}")
    await cs.expect("StatusNotification", connectorId=connector, status="Preparing")
    await dut.plug_in(connector)
    require_reservation_id(cs, await expect_started(cs, connector, id_tag), RESERVATION_ID)


# ------------------------------------------------------------------------------------------ TC_047


@testcase("TC_047_CS", "Reservation of a Connector – Expire", block="reservation",
          applies=needs_feature("R-0"), features=("R-0",))
async def test_reservation_expire(cs, dut, setup):
    """ReserveNow(connector, valid idTag, expiryDate :data:`EXPIRY_S` seconds ahead) Accepted, Reserved;
    Available without any action, not before the expiryDate (±1 s for the two clocks). Then a
    RemoteStartTransaction for the second valid idTag charges normally: StartTransaction without a
    reservationId, and Charging.

    The plan leaves the idTag of the later start open [T]. Another idTag than the reserved one shows the
    reservation is really gone (§5.13: "when a reservation expires, the Charge Point SHALL terminate the
    reservation and make the connector available"), and no reservation ends with that transaction, so its
    StartTransaction has no reservationId (§6.45)."""
    connector, id_tag, other_tag = setup.connector_id, setup.id_tags.valid, setup.id_tags.valid_2
    expires_ns = time.monotonic_ns() + int(EXPIRY_S * 1e9)
    await reserved(cs, connector, id_tag, expiry=expiry_date(EXPIRY_S))
    available = await cs.expect("StatusNotification", connectorId=connector, status="Available",
                                timeout=EXPIRY_S + cs.message_timeout)
    early = (expires_ns - available.t_ns) / 1e9
    cs.require(early <= INTERVAL_TOLERANCE_S,
               f"the connector became Available {early:.3f} s before the reservation's expiryDate")
    await remote_start_awaiting_cable(cs, setup, id_tag=other_tag)
    await dut.plug_in(connector)
    require_reservation_id(cs, await expect_started(cs, connector, other_tag), None)


# ------------------------------------------------------------------------------------------ TC_048


@testcase("TC_048_1_CS", "Reservation of a Connector – Faulted", block="reservation",
          applies=needs_feature("R-0"), features=("R-0",))
async def test_reservation_faulted(cs, dut, setup):
    """State SetConnectorFaulted (a fault induced at the connector, Faulted). ReserveNow(connector) answers
    Faulted. The fault cleared, the connector is Available again (not Reserved).

    Clearing the fault is not in the plan [I]; it leaves the charger as it found it (OCPP 1.6 §4.9: the status
    returns to the pre-fault one), which also shows that nothing was reserved."""
    connector = setup.connector_id
    await dut.fault(connector, FAULT, True)
    await cs.expect("StatusNotification", connectorId=connector, status="Faulted")
    await reserve_now(cs, connector, setup.id_tags.valid, expected="Faulted")
    await dut.fault(connector, FAULT, False)
    await cs.expect("StatusNotification", connectorId=connector, status="Available")


@testcase("TC_048_2_CS", "Reservation of a Connector – Occupied", block="reservation",
          applies=needs_feature("R-0"), features=("R-0",))
async def test_reservation_occupied(cs, dut, setup, pics):
    """State SetConnectorOccupied: plug in, Preparing. ReserveNow(connector, valid idTag) answers Occupied.
    The charger carries on: the second valid idTag starts the session (presented, C-07, else
    RemoteStartTransaction): StartTransaction without a reservationId, and Charging.

    "Carries on normally" is made concrete [I]: a session by another idTag than the one of the refused
    ReserveNow proves that nothing was reserved (a reserved connector would refuse that idTag, §5.13)."""
    connector, id_tag, other_tag = setup.connector_id, setup.id_tags.valid, setup.id_tags.valid_2
    await dut.plug_in(connector)
    await cs.expect("StatusNotification", connectorId=connector, status="Preparing")
    await reserve_now(cs, connector, id_tag, expected="Occupied")
    await start_session(cs, dut, pics, connector, other_tag)
    require_reservation_id(cs, await expect_started(cs, connector, other_tag), None)


@testcase("TC_048_3_CS", "Reservation of a Connector – Unavailable", block="reservation",
          applies=needs_feature("R-0"), features=("R-0",))
async def test_reservation_unavailable(cs, setup):
    """ChangeAvailability(connector, Inoperative) Accepted, Unavailable; ReserveNow(that connector) answers
    Unavailable. (The per-case baseline makes the connector Operative again.)"""
    connector = setup.connector_id
    response = await cs.call("ChangeAvailability", connectorId=connector, type="Inoperative")
    cs.require(response["status"] == "Accepted", f"ChangeAvailability(Inoperative) answered {response['status']}")
    await cs.expect("StatusNotification", connectorId=connector, status="Unavailable")
    await reserve_now(cs, connector, setup.id_tags.valid, expected="Unavailable")


@testcase("TC_048_4_CS", "Reservation of a Connector – Rejected", block="reservation",
          applies=needs_feature("R-0", supported=False))
async def test_reservation_rejected(cs, setup, pics):
    """A charger that does not accept reservations (R-0 = No) answers ReserveNow(connector, valid idTag)
    Rejected, or a CALLERROR NotSupported or NotImplemented.

    The plan's Rejected is [E/I]: §5.13 "The Charge Point SHALL return Rejected if it is configured not to
    accept reservations". A charger whose SupportedFeatureProfiles lacks Reservation may also not implement
    the message at all, which OCPP-J answers with a CALLERROR (NotSupported: "recognized but not
    supported"; NotImplemented is what many stacks send for a handler they lack); as in TC_042_1 and
    TC_043_1, that is the same answer."""
    await reserve_now_rejected(cs, pics, setup.connector_id, setup.id_tags.valid)


# ------------------------------------------------------------------------------------------ TC_049, TC_050


@testcase("TC_049_CS", "Reservation of a Charge Point – Transaction", block="reservation",
          applies=needs_feature("R-1"), features=("R-0", "R-1"))
async def test_reservation_of_charge_point(cs, dut, setup, pics):
    """ReserveNow(connectorId 0, valid idTag) Accepted. Every other connector is taken: a transaction of the
    second valid idTag runs on each (state Charging; one connector stays free, so the charger allows it).
    RemoteStartTransaction for yet another idTag on the last free connector: Rejected. Plug in there and
    start with the reserved idTag (presented, C-07, else RemoteStartTransaction): StartTransaction with the
    reservationId, and Charging.

    [I] points: no Reserved status is required, as §5.13 says that for connectorId 0 the charger "SHALL NOT
    reserve a specific connector" (a charger may still report the last free one Reserved; that is allowed,
    and so is Preparing on plug-in, neither is waited for). "Only that idTag can charge while every other
    connector is taken" is the §5.13 rule that "one connector remains available for the reserved idTag";
    the other idTag is sent remotely so that the refusal is an answer, not a silence to wait out. The
    reservationId is required in StartTransaction: a transaction of the reserved idTag ends the reservation
    (§5.13, §6.45)."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    other_tag, foreign_tag = setup.id_tags.valid_2, setup.id_tags.with_parent[0]
    await reserve_now(cs, 0, id_tag)
    for other in (c for c in pics.connector_ids if c != connector):
        await charging(cs, dut, setup, pics, connector=other, id_tag=other_tag)
    response = await cs.call("RemoteStartTransaction", connectorId=connector, idTag=foreign_tag)
    cs.require(response["status"] == "Rejected", f"RemoteStartTransaction({foreign_tag}) on the last free connector "
               f"answered {response['status']}, expected Rejected: connector 0 is reserved for {id_tag}")
    await dut.plug_in(connector)
    await start_session(cs, dut, pics, connector, id_tag)
    require_reservation_id(cs, await expect_started(cs, connector, id_tag), RESERVATION_ID)


@testcase("TC_050_1_CS", "Reservation of a Charge Point – Faulted", block="reservation",
          applies=needs_feature("R-1"), features=("R-0", "R-1"))
async def test_reservation_of_charge_point_faulted(cs, dut, setup, pics):
    """Every connector Faulted (a fault induced at each); ReserveNow(connectorId 0) is not Accepted: it
    answers Faulted, Unavailable or Rejected. The faults cleared, every connector is Available again.

    The state is [I]: §5.13 answers Faulted when "the Charge Point or the connector" is Faulted; for
    connector 0 that is the whole charge point, every connector faulted. The plan's Faulted is [I] too, and
    here the case follows the specification, which does not single it out: connector 0 itself is not
    Faulted (its status has "no direct connection" to the connectors', §4.9), a charge point none of whose
    connectors can serve is as rightly Unavailable, and Rejected is §5.13's plain refusal of a reservation
    the charge point does not take. Accepted is the one wrong answer: no connector could "remain available
    for the reserved idTag". Clearing the faults is [I], as in TC_048_1."""
    connectors = pics.connector_ids
    for connector in connectors:  # state SetConnectorFaulted, connector by connector: each status its evidence
        await dut.fault(connector, FAULT, True)
        await cs.expect("StatusNotification", connectorId=connector, status="Faulted")
    response = await cs.call("ReserveNow", connectorId=0, expiryDate=expiry_date(RESERVATION_S),
                             idTag=setup.id_tags.valid, reservationId=RESERVATION_ID)
    cs.require(response["status"] in FAULTED_ANSWERS,
               f"ReserveNow(connectorId 0) while every connector is Faulted answered {response['status']}, "
               f"expected {', '.join(FAULTED_ANSWERS)} (OCPP 1.6 §5.13)")
    for connector in connectors:
        await dut.fault(connector, FAULT, False)
        await cs.expect("StatusNotification", connectorId=connector, status="Available")


@testcase("TC_050_2_CS", "Reservation of a Charge Point – Occupied", block="reservation",
          applies=needs_feature("R-1"), features=("R-0", "R-1"))
async def test_reservation_of_charge_point_occupied(cs, dut, setup, pics):
    """Every connector occupied (plugged in, Preparing); ReserveNow(connectorId 0) answers Occupied.

    The state is [I]: §5.13 answers Occupied when "the Charge Point or the specified connector are
    occupied"; for connector 0 no connector is left free for the reserved idTag."""
    connectors = pics.connector_ids
    for connector in connectors:
        await dut.plug_in(connector)
    await expect_status_all(cs, connectors, "Preparing")
    await reserve_now(cs, 0, setup.id_tags.valid, expected="Occupied")


@testcase("TC_050_3_CS", "Reservation of a Charge Point – Unavailable", block="reservation",
          applies=needs_feature("R-1"), features=("R-0", "R-1"))
async def test_reservation_of_charge_point_unavailable(cs, setup, pics):
    """State SetChargePointUnavailable: ChangeAvailability(0, Inoperative) Accepted, Unavailable for connector
    0 and every connector. ReserveNow(connectorId 0) answers Unavailable. The charger carries on:
    ChangeAvailability(0, Operative) Accepted, Available for connector 0 and every connector.

    "Carries on normally" is made concrete [I] as the return to Operative (§5.2), which the per-case baseline
    would otherwise do."""
    await change_availability_all(cs, pics, "Inoperative", "Unavailable")
    await reserve_now(cs, 0, setup.id_tags.valid, expected="Unavailable")
    await change_availability_all(cs, pics, "Operative", "Available")


@testcase("TC_050_4_CS", "Reservation of a Charge Point – Rejected", block="reservation",
          applies=needs_feature("R-1", supported=False))
async def test_reservation_of_charge_point_rejected(cs, setup, pics):
    """ReserveConnectorZeroSupported false (R-1 = No): ReserveNow(connectorId 0, valid idTag) answers Rejected
    (§5.13: "If the configuration key ReserveConnectorZeroSupported is not set or set to false, the Charge
    Point SHALL return Rejected"). A charger without reservations at all (R-0 = No) may answer a CALLERROR
    NotSupported or NotImplemented instead, as in TC_048_4."""
    await reserve_now_rejected(cs, pics, 0, setup.id_tags.valid)


# ------------------------------------------------------------------------------------------ TC_051, TC_052


@testcase("TC_051_CS", "Cancel Reservation", block="reservation", applies=needs_feature("R-0"), features=("R-0",))
async def test_cancel_reservation(cs, dut, setup):
    """ReserveNow(connector, valid idTag) Accepted, Reserved; CancelReservation(the same reservationId)
    Accepted, Available. A later RemoteStartTransaction for the second valid idTag works: StartTransaction
    without a reservationId, and Charging.

    As in TC_047, the later start uses another idTag than the reserved one [I]: it shows the reservation is
    really gone, and no reservation ends with that transaction (§6.45)."""
    connector, id_tag, other_tag = setup.connector_id, setup.id_tags.valid, setup.id_tags.valid_2
    await reserved(cs, connector, id_tag)
    response = await cs.call("CancelReservation", reservationId=RESERVATION_ID)
    cs.require(response["status"] == "Accepted", f"CancelReservation({RESERVATION_ID}) answered {response['status']}")
    await cs.expect("StatusNotification", connectorId=connector, status="Available")
    await remote_start_awaiting_cable(cs, setup, id_tag=other_tag)
    await dut.plug_in(connector)
    require_reservation_id(cs, await expect_started(cs, connector, other_tag), None)


@testcase("TC_052_CS", "Cancel Reservation – Rejected", block="reservation",
          applies=needs_feature("R-0"), features=("R-0",))
async def test_cancel_reservation_rejected(cs, setup):
    """State Reserved (ReserveNow Accepted, Reserved). CancelReservation(a reservationId that does not match)
    answers Rejected. No reservation was cancelled: CancelReservation(the reserved id) is Accepted and only
    then is the connector Available.

    The last step is [I]: the plan's "no reservation is cancelled" is checked by cancelling the reservation
    that must still exist (§5.1: Accepted only for a reservation the charger has), which also leaves no
    reservation behind."""
    connector = setup.connector_id
    await reserved(cs, connector, setup.id_tags.valid)
    unknown = RESERVATION_ID + 1
    response = await cs.call("CancelReservation", reservationId=unknown)
    cs.require(response["status"] == "Rejected", f"CancelReservation({unknown}), which matches no reservation, "
               f"answered {response['status']}, expected Rejected")
    cancel = await cs.call("CancelReservation", reservationId=RESERVATION_ID)
    cs.require(cancel["status"] == "Accepted", f"CancelReservation({RESERVATION_ID}) answered {cancel['status']}: "
               "the reservation should still exist")
    available = await cs.expect("StatusNotification", connectorId=connector, status="Available")
    cs.require(available.t_ns > cancel.sent_ns, "the connector became Available before the matching "
               f"CancelReservation: the rejected CancelReservation({unknown}) ended the reservation")


# ------------------------------------------------------------------------------------------ TC_053


@testcase("TC_053_1_CS", "Use a reserved Connector with parentIdTag – Local", block="reservation",
          applies=all_of(needs_feature("R-0"), needs_feature("C-07")), features=("R-0", "C-07"))
async def test_reserved_connector_parent_id_tag_local(cs, dut, setup, pics):
    """ReserveNow(connector, first idTag with a parent, parentIdTag) Accepted, Reserved. The second idTag with
    the same parent is presented: Authorize(that idTag), answered Accepted with the same parentIdTag (the
    PICS idTag table), and Preparing; plug in: StartTransaction with that idTag and the reservationId, and
    Charging.

    [I] points: the reservationId is required, as the reservation ends with this transaction ("a transaction
    is started for the reserved idTag or parent idTag", §5.13; §6.45). Where one reader serves several
    connectors (HFS-10) the others are made Unavailable first, as in TC_046_1, so the card is for the
    reserved connector."""
    connector = setup.connector_id
    reserved_tag, user_tag = setup.id_tags.with_parent[0], setup.id_tags.with_parent[1]
    if shared_reader(pics):
        await unavailable_elsewhere(cs, pics, connector)
    await reserved(cs, connector, reserved_tag, parent_id_tag=setup.id_tags.parent_id_tag)
    await dut.present_id_tag(user_tag, connector)
    await cs.expect_all(cs.message("Authorize", idTag=user_tag),
                        cs.message("StatusNotification", connectorId=connector, status="Preparing"))
    await dut.plug_in(connector)
    require_reservation_id(cs, await expect_started(cs, connector, user_tag), RESERVATION_ID)


@testcase("TC_053_2_CS", "Use a reserved Connector with parentIdTag – Remote", block="reservation",
          applies=all_of(needs_feature("R-0"), key_settable("AuthorizeRemoteTxRequests", "true")),
          features=("R-0",))
async def test_reserved_connector_parent_id_tag_remote(cs, dut, setup):
    """AuthorizeRemoteTxRequests=true (as EVerest sets it). ReserveNow(connector, first idTag with a parent,
    parentIdTag) Accepted, Reserved. RemoteStartTransaction(connector, the second idTag with the same parent)
    Accepted; Authorize(that idTag), answered Accepted with the same parentIdTag, and Preparing; plug in:
    StartTransaction with that idTag and the reservationId, and Charging (reservationId [I], as TC_053_1)."""
    connector = setup.connector_id
    reserved_tag, user_tag = setup.id_tags.with_parent[0], setup.id_tags.with_parent[1]
    await set_configuration(cs, "AuthorizeRemoteTxRequests", "true")
    await reserved(cs, connector, reserved_tag, parent_id_tag=setup.id_tags.parent_id_tag)
    response = await cs.call("RemoteStartTransaction", connectorId=connector, idTag=user_tag)
    cs.require(response["status"] == "Accepted", f"RemoteStartTransaction({user_tag}) on the connector reserved "
               f"for parentIdTag {setup.id_tags.parent_id_tag} answered {response['status']}")
    await cs.expect_all(cs.message("Authorize", idTag=user_tag),
                        cs.message("StatusNotification", connectorId=connector, status="Preparing"))
    await dut.plug_in(connector)
    require_reservation_id(cs, await expect_started(cs, connector, user_tag), RESERVATION_ID)
