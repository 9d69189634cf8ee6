"""Reservations of the reference charge point (TC_046-053): ReserveNow, CancelReservation, expiry, use."""

import datetime as dt

import pytest

pytestmark = pytest.mark.asyncio


def in_seconds(seconds: float) -> str:
    moment = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


async def reserve(csms, connector, id_tag, reservation_id, seconds=600, parent=None):
    payload = {"connectorId": connector, "expiryDate": in_seconds(seconds), "idTag": id_tag,
               "reservationId": reservation_id}
    if parent:
        payload["parentIdTag"] = parent
    return (await csms.call("ReserveNow", payload)).payload["status"]


async def test_reserved_connector_admits_only_the_reserved_tag(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    assert await reserve(csms, 1, "TAG-RES", 11) == "Accepted"
    await csms.expect("StatusNotification", connectorId=1, status="Reserved")
    await sim.ok("present_id_tag", id_tag="TAG-OTHER", connector=1)
    await csms.expect_none("Authorize", within=0.5)
    await sim.ok("present_id_tag", id_tag="TAG-RES", connector=1)
    await csms.expect("Authorize", idTag="TAG-RES")
    await csms.expect("StatusNotification", connectorId=1, status="Preparing")
    await sim.ok("plug_in", connector=1)
    start = await csms.expect("StartTransaction", connectorId=1, idTag="TAG-RES")
    assert start.payload["reservationId"] == 11
    await csms.expect("StatusNotification", connectorId=1, status="Charging")


async def test_reservation_expires_and_can_be_cancelled(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    assert await reserve(csms, 1, "TAG-EXP", 21, seconds=1) == "Accepted"
    reserved = await csms.expect("StatusNotification", connectorId=1, status="Reserved")
    available = await csms.expect("StatusNotification", connectorId=1, status="Available", timeout=3)
    assert 0.5 <= available.t - reserved.t <= 2
    assert await reserve(csms, 2, "TAG-CAN", 22) == "Accepted"
    await csms.expect("StatusNotification", connectorId=2, status="Reserved")
    assert (await csms.call("CancelReservation", {"reservationId": 99})).payload == {"status": "Rejected"}
    assert (await csms.call("CancelReservation", {"reservationId": 22})).payload == {"status": "Accepted"}
    await csms.expect("StatusNotification", connectorId=2, status="Available")
    answer = await csms.call("RemoteStartTransaction", {"connectorId": 2, "idTag": "ANYONE"})
    assert answer.payload == {"status": "Accepted"}


async def test_reserve_now_refusals(csms, make_sim, bench):
    sim = make_sim(csms, bench.pics(**{"optional_features/R-1": False}))
    await bench.booted(csms, sim)
    await sim.ok("fault", connector=1, error_code="GroundFailure", active=True)
    await csms.expect("StatusNotification", connectorId=1, status="Faulted")
    assert await reserve(csms, 1, "T", 31) == "Faulted"
    await sim.ok("fault", connector=1, active=False)
    await sim.ok("plug_in", connector=1)
    await csms.expect("StatusNotification", connectorId=1, status="Preparing")
    assert await reserve(csms, 1, "T", 32) == "Occupied"
    await csms.call("ChangeAvailability", {"connectorId": 2, "type": "Inoperative"})
    await csms.expect("StatusNotification", connectorId=2, status="Unavailable")
    assert await reserve(csms, 2, "T", 33) == "Unavailable"
    assert await reserve(csms, 0, "T", 34) == "Rejected"          # ReserveConnectorZeroSupported=false
    assert await reserve(csms, 5, "T", 35) == "Rejected"


async def test_reserved_connector_with_parent_id_tag_remote_start(csms, make_sim, bench):
    csms.replies["Authorize"] = lambda p: {"idTagInfo": {"status": "Accepted", "parentIdTag": "GROUP"}}
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    assert await reserve(csms, 1, "TAG-1", 41, parent="GROUP") == "Accepted"
    await csms.expect("StatusNotification", connectorId=1, status="Reserved")
    answer = await csms.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG-2"})
    assert answer.payload == {"status": "Accepted"}
    await csms.expect("Authorize", idTag="TAG-2")
    await csms.expect("StatusNotification", connectorId=1, status="Preparing")
    await sim.ok("plug_in", connector=1)
    start = await csms.expect("StartTransaction", connectorId=1, idTag="TAG-2")
    assert start.payload["reservationId"] == 41


async def test_charge_point_reservation_keeps_one_connector(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    assert await reserve(csms, 0, "TAG-CP", 51) == "Accepted"
    await bench.charging(csms, sim, 1, "TAG-X")                        # connector 2 is still free
    await sim.ok("plug_in", connector=2)
    await csms.expect("StatusNotification", connectorId=2, status="Preparing")
    await sim.ok("present_id_tag", id_tag="TAG-Y", connector=2)       # would take the last connector
    await csms.expect("Authorize", idTag="TAG-Y")
    await csms.expect_none("StartTransaction", within=0.5)
    await sim.ok("present_id_tag", id_tag="TAG-CP", connector=2)
    start = await csms.expect("StartTransaction", connectorId=2, idTag="TAG-CP")
    assert start.payload["reservationId"] == 51


async def test_reservation_faults(csms, make_sim, bench):
    sim = make_sim(csms, faults=["reservation-id-missing", "cancel-reservation-always-accepted"])
    await bench.booted(csms, sim)
    assert (await csms.call("CancelReservation", {"reservationId": 99})).payload == {"status": "Accepted"}
    assert await reserve(csms, 1, "TAG-RES", 61) == "Accepted"
    await sim.ok("plug_in", connector=1)
    await sim.ok("present_id_tag", id_tag="TAG-RES", connector=1)
    start = await csms.expect("StartTransaction", connectorId=1)
    assert "reservationId" not in start.payload


async def test_reservation_faults_of_parent_cancel_and_connector_zero(csms, make_sim, bench):
    csms.replies["Authorize"] = lambda p: {"idTagInfo": {"status": "Accepted", "parentIdTag": "GROUP"}}
    sim = make_sim(csms, faults=["reservation-drops-parent-id-tag", "cancel-reservation-ignored",
                                 "reservation-zero-not-enforced"],
                   extra=["--behaviour", "authorize-foreign-tag-at-reservation"])
    await bench.booted(csms, sim)
    assert await reserve(csms, 1, "TAG-1", 71, parent="GROUP") == "Accepted"
    await csms.expect("StatusNotification", connectorId=1, status="Reserved")
    answer = await csms.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG-2"})
    assert answer.payload == {"status": "Rejected"}                   # TC_053: the parentIdTag was dropped
    await sim.ok("present_id_tag", id_tag="TAG-3", connector=1)
    await csms.expect("Authorize", idTag="TAG-3")                     # TC_046_1: asked, then refused
    await csms.expect_none("StartTransaction", within=0.5)
    assert (await csms.call("CancelReservation", {"reservationId": 71})).payload == {"status": "Accepted"}
    await csms.expect_none("StatusNotification", within=0.5)          # TC_051: still Reserved
    assert await reserve(csms, 0, "TAG-CP", 72) == "Accepted"         # connector 2 is the only free one
    answer = await csms.call("RemoteStartTransaction", {"connectorId": 2, "idTag": "TAG-X"})
    assert answer.payload == {"status": "Accepted"}                   # TC_049: the last free connector is taken


async def test_reserve_now_without_the_profile(csms, make_sim, bench):
    profiles = ["Core", "FirmwareManagement", "LocalAuthListManagement", "SmartCharging", "RemoteTrigger"]
    data = bench.pics(**{"feature_profiles": profiles, "optional_features/R-1": False})
    sim = make_sim(csms, data)
    await bench.booted(csms, sim)
    refused = await csms.call("ReserveNow", {"connectorId": 1, "expiryDate": in_seconds(600), "idTag": "T",
                                             "reservationId": 81})
    assert refused.error_code == "NotImplemented"
    await sim.kill()
    faulty = make_sim(csms, data, faults=["reservation-accepted-without-support"])
    await bench.booted(csms, faulty)
    assert await reserve(csms, 0, "T", 82) == "Accepted"               # TC_048_4, TC_050_4
    await csms.expect_none("StatusNotification", within=0.5)
