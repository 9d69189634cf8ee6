"""The Station, as a charge point meets it: real sockets, a real websockets client playing the charger."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any, AsyncIterator

import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from harness.csms.matching import one_of
from harness.csms.replies import CallErrorReply, DefaultReplies, IdTagTable
from harness.csms.server import CentralSystem, Listener
from harness.csms.station import Station
from harness.csms.trace import Redactor, Trace
from harness.ocpp import PayloadValidator
from harness.verdicts import Failed


CP_ID = "CP-TEST-1"
PASSWORD = "a-secret-key-0123"
NOW = "2026-11-24T12:00:00Z"


@pytest_asyncio.fixture
async def central() -> AsyncIterator[tuple[CentralSystem, Station]]:
    redactor = Redactor({PASSWORD})
    trace = Trace(redactor)
    trace.begin(None)
    table = IdTagTable()
    table.set("GOOD", "Accepted")
    station = Station(CP_ID, trace=trace, validator=PayloadValidator(),
                      defaults=DefaultReplies(30, table), response_timeout=1.0, message_timeout=1.0)
    system = CentralSystem(trace, {CP_ID: station}, {CP_ID: PASSWORD})
    await system.start(Listener(security_profile=1))
    yield system, station
    await system.stop()


def _auth(user: str = CP_ID, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest_asyncio.fixture
async def charger(central: tuple[CentralSystem, Station]) -> AsyncIterator[ClientConnection]:
    system, station = central
    async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], additional_headers=_auth()) as ws:
        await station.wait_connected(2)
        yield ws


async def send_call(ws: ClientConnection, unique_id: str, action: str, payload: dict[str, Any]) -> list[Any]:
    await ws.send(json.dumps([2, unique_id, action, payload]))
    return json.loads(await asyncio.wait_for(ws.recv(), 2))


def status(connector: int, value: str) -> dict[str, Any]:
    return {"connectorId": connector, "errorCode": "NoError", "status": value}


# ------------------------------------------------------------------------ admission


@pytest.mark.parametrize(
    ("path", "headers", "subprotocols", "code"),
    [
        ("/UNKNOWN", _auth("UNKNOWN"), ["ocpp1.6"], 404),
        (f"/{CP_ID}", _auth(), ["ocpp2.0.1"], 400),
        (f"/{CP_ID}", {}, ["ocpp1.6"], 401),
        (f"/{CP_ID}", _auth(password="wrong-password-000"), ["ocpp1.6"], 401),
        (f"/{CP_ID}", _auth(user="SOMEONE-ELSE"), ["ocpp1.6"], 401),
    ],
    ids=["unknown-id", "no-ocpp1.6", "no-auth", "wrong-password", "wrong-user"],
)
async def test_refused_connections_get_the_right_http_status(central, path, headers, subprotocols, code):
    system, _ = central
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"{system.url}{path}", subprotocols=subprotocols, additional_headers=headers):
            pass
    assert refused.value.response.status_code == code
    refusal = [r for r in system.trace.records if r["type"] == "connection" and r["event"] == "refused"][-1]
    assert refusal["detail"]["status"] == code
    assert PASSWORD not in json.dumps(system.trace.records)


@pytest.mark.parametrize(("key", "sent", "admitted"), [
    ("4F43415F4F4354545F61646D696E5F74657374", b"OCA_OCTT_admin_test", True),   # 38 hex digits: the bytes
    ("4F43415F4F4354545F61646D696E5F74657374", b"4F43415F4F4354545F61646D696E5F74657374", True),  # or the text
    ("4F43415F4F4354545F61646D696E5F74657374", b"OCA_OCTT_admin_tesT", False),
    ("plain-text-key-0001", b"plain-text-key-0001", True),
    ("plain-text-key-0001", bytes.fromhex("00ff"), False),
], ids=["hex-as-bytes", "hex-as-text", "hex-wrong", "text", "text-wrong-bytes"])
async def test_basic_auth_accepts_a_hex_authorization_key_as_its_bytes(central, key, sent, admitted):
    system, station = central
    system.passwords[CP_ID] = key
    token = base64.b64encode(CP_ID.encode() + b":" + sent).decode()
    headers = {"Authorization": f"Basic {token}"}
    if admitted:
        async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], additional_headers=headers):
            await station.wait_connected(2)
    else:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], additional_headers=headers):
                pass
        assert refused.value.response.status_code == 401


async def test_outage_refuses_with_503(central):
    system, _ = central
    system.accepting = False
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], additional_headers=_auth()):
            pass
    assert refused.value.response.status_code == 503


async def test_path_prefix_is_allowed_and_subprotocol_is_ocpp16(central):
    system, station = central
    async with connect(f"{system.url}/ocpp/{CP_ID}", subprotocols=["ocpp1.6"], additional_headers=_auth()) as ws:
        assert ws.subprotocol == "ocpp1.6"
        await station.wait_connected(2)


# ------------------------------------------------------------------------ default replies and overrides


async def test_default_replies(charger, central):
    _, station = central
    boot = await send_call(charger, "1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"})
    assert boot[0] == 3 and boot[2]["status"] == "Accepted" and boot[2]["interval"] == 30
    authorize = await send_call(charger, "2", "Authorize", {"idTag": "GOOD"})
    assert authorize[2] == {"idTagInfo": {"status": "Accepted"}}
    unknown = await send_call(charger, "3", "Authorize", {"idTag": "NOBODY"})
    assert unknown[2] == {"idTagInfo": {"status": "Invalid"}}
    start = await send_call(charger, "4", "StartTransaction",
                            {"connectorId": 1, "idTag": "GOOD", "meterStart": 0, "timestamp": NOW})
    assert isinstance(start[2]["transactionId"], int)
    assert station.transactions[start[2]["transactionId"]].connector_id == 1
    assert station.boot_count == 1


async def test_override_for_a_number_of_calls_then_default(charger, central):
    _, station = central
    station.respond("Authorize", {"idTagInfo": {"status": "Blocked"}}, times=1)
    first = await send_call(charger, "1", "Authorize", {"idTag": "GOOD"})
    second = await send_call(charger, "2", "Authorize", {"idTag": "GOOD"})
    assert first[2]["idTagInfo"]["status"] == "Blocked"
    assert second[2]["idTagInfo"]["status"] == "Accepted"


async def test_override_with_a_callerror(charger, central):
    _, station = central
    station.respond("Heartbeat", CallErrorReply("InternalError", "planned"))
    reply = await send_call(charger, "1", "Heartbeat", {})
    assert reply[:3] == [4, "1", "InternalError"]


# ------------------------------------------------------------------------ malformed frames from the charger


async def test_schema_violation_gets_callerror_and_a_finding(charger, central):
    _, station = central
    reply = await send_call(charger, "9", "StatusNotification", {"connectorId": "one", "errorCode": "NoError",
                                                                "status": "Available"})
    assert reply[0] == 4 and reply[1] == "9" and reply[2] == "TypeConstraintViolation"
    frame = [r for r in station.trace.frames("cp->cs")][-1]
    assert any("$.connectorId" in finding for finding in frame["findings"])


async def test_unknown_action_gets_not_implemented(charger):
    reply = await send_call(charger, "7", "FlyToTheMoon", {})
    assert reply[:3] == [4, "7", "NotImplemented"]


async def test_action_of_the_central_system_gets_not_supported(charger):
    reply = await send_call(charger, "8", "Reset", {"type": "Hard"})
    assert reply[:3] == [4, "8", "NotSupported"]


async def test_invalid_json_is_a_finding_without_reply(charger, central):
    _, station = central
    await charger.send("[2, \"x\", \"Heartbeat\", {")
    # A well-formed frame afterwards is still answered: the connection survives bad input.
    reply = await send_call(charger, "after", "Heartbeat", {})
    assert reply[1] == "after"
    bad = [r for r in station.trace.frames("cp->cs") if r["message_type"] is None]
    assert bad and bad[0]["findings"][0].startswith("invalid-json")


# ------------------------------------------------------------------------ expect


async def test_expect_sees_messages_that_arrived_before_the_wait(charger, central):
    _, station = central
    await send_call(charger, "1", "StatusNotification", status(1, "Preparing"))
    received = await station.expect("StatusNotification", connectorId=1, status="Preparing", timeout=0.5)
    assert received.payload["status"] == "Preparing"


async def test_expect_enforces_order(charger, central):
    _, station = central
    await send_call(charger, "1", "StatusNotification", status(1, "Charging"))
    await send_call(charger, "2", "StatusNotification", status(1, "Preparing"))
    await station.expect("StatusNotification", status="Preparing", timeout=0.5)
    with pytest.raises(Failed) as failure:
        await station.expect("StatusNotification", status="Charging", timeout=0.2)
    message = str(failure.value)
    assert message.startswith("step 2: expected StatusNotification(status=Charging) within 0.2 s")
    assert "out of order" in message


async def test_expect_all_accepts_either_order(charger, central):
    _, station = central
    await send_call(charger, "1", "StatusNotification", status(1, "Charging"))
    await send_call(charger, "2", "StartTransaction", {"connectorId": 1, "idTag": "GOOD", "meterStart": 0,
                                                        "timestamp": NOW})
    start, charging = await station.expect_all(
        station.message("StartTransaction", connectorId=1),
        station.message("StatusNotification", status="Charging"),
        timeout=0.5,
    )
    assert start.action == "StartTransaction" and charging.payload["status"] == "Charging"


async def test_expect_failure_names_the_step_and_quotes_what_arrived(charger, central):
    _, station = central
    await send_call(charger, "1", "StatusNotification", status(1, "SuspendedEVSE"))
    with pytest.raises(Failed) as failure:
        await station.expect("StatusNotification", connectorId=1, status="Charging", timeout=0.2)
    message = str(failure.value)
    assert "step 1: expected StatusNotification(connectorId=1, status=Charging) within 0.2 s" in message
    assert "received StatusNotification(connectorId=1, errorCode=NoError, status=SuspendedEVSE) at +" in message


async def test_expect_with_predicate(charger, central):
    _, station = central
    await send_call(charger, "1", "StatusNotification", status(1, "Finishing"))
    await station.expect("StatusNotification", status=one_of("Finishing", "Preparing"), timeout=0.5)


async def test_expect_timeout_counts_down_across_unrelated_arrivals(charger, central):
    """Unrelated traffic during the wait must not restart the timeout."""
    _, station = central
    stop = asyncio.Event()

    async def chatter() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            await send_call(charger, f"hb{n}", "Heartbeat", {})

    task = asyncio.create_task(chatter())
    began = time.monotonic()
    with pytest.raises(Failed):
        await station.expect("StatusNotification", timeout=0.3)
    elapsed = time.monotonic() - began
    stop.set()
    await task
    assert 0.3 <= elapsed < 1.5                 # a restarted timeout would never end under the chatter


async def test_expect_no(charger, central):
    _, station = central
    await station.expect_no("StopTransaction", within=0.1)
    await send_call(charger, "1", "StopTransaction", {"transactionId": 1, "meterStop": 10, "timestamp": NOW})
    with pytest.raises(Failed, match="expected no StopTransaction"):
        await station.expect_no("StopTransaction", within=0.1)


# ------------------------------------------------------------------------ call


async def _answer(ws: ClientConnection, respond: Any) -> None:
    """Play the charger: answer each CALL from the harness with ``respond(frame)``."""
    async for text in ws:
        frame = json.loads(text)
        if frame[0] == 2:
            await ws.send(json.dumps(respond(frame)))


async def test_call_correlates_by_unique_id_even_out_of_order(charger, central):
    _, station = central
    held: list[list[Any]] = []

    async def play() -> None:
        while len(held) < 2:
            held.append(json.loads(await charger.recv()))
        for frame in reversed(held):  # answer the second request first
            key = frame[3]["key"][0]
            await charger.send(json.dumps([3, frame[1], {"configurationKey": [
                {"key": key, "readonly": False, "value": key.lower()}]}]))

    player = asyncio.create_task(play())
    first, second = await asyncio.gather(station.call("GetConfiguration", key=["A"]),
                                         station.call("GetConfiguration", key=["B"]))
    await player
    assert first["configurationKey"][0]["value"] == "a"
    assert second["configurationKey"][0]["value"] == "b"
    assert first.elapsed_s > 0


async def test_call_callerror_fails_unless_allowed(charger, central):
    _, station = central
    player = asyncio.create_task(_answer(charger, lambda f: [4, f[1], "NotSupported", "no", {}]))
    with pytest.raises(Failed, match="CALLERROR NotSupported"):
        await station.call("ClearCache")
    response = await station.call("ClearCache", allow_error=True)
    assert response.error_code == "NotSupported"
    player.cancel()


async def test_call_times_out(charger, central):
    _, station = central
    with pytest.raises(Failed, match=r"step 1: ClearCache.req: no response within 0.2 s"):
        await station.call("ClearCache", timeout=0.2)


async def test_call_response_that_breaks_the_schema_fails(charger, central):
    _, station = central
    player = asyncio.create_task(_answer(charger, lambda f: [3, f[1], {"status": "Acepted"}]))
    with pytest.raises(Failed, match="breaks the schema"):
        await station.call("ClearCache")
    player.cancel()


# ------------------------------------------------------------------------ trace and secrets


async def test_trace_never_holds_the_authorization_key(charger, central):
    _, station = central
    player = asyncio.create_task(_answer(charger, lambda f: [3, f[1], {"status": "Accepted"}]))
    await station.call("ChangeConfiguration", key="AuthorizationKey", value="4F43415F4F4354545F61646D696E")
    player.cancel()
    dumped = json.dumps(station.trace.records)
    assert "4F43415F4F4354545F61646D696E" not in dumped
    assert PASSWORD not in dumped
    sent = [r for r in station.trace.frames("cs->cp")][-1]
    assert sent["payload"]["value"] == "***" and '"value":"***"' in sent["raw"]


async def test_trace_records_are_stamped_in_order(charger, central):
    _, station = central
    await send_call(charger, "1", "Heartbeat", {})
    frames = list(station.trace.frames())
    assert [f["direction"] for f in frames[-2:]] == ["cp->cs", "cs->cp"]
    assert frames[-2]["t_ns"] <= frames[-1]["t_ns"]
    assert [r["seq"] for r in station.trace.records] == list(range(len(station.trace.records)))


async def test_cut_link_closes_and_refuses_until_restored(charger, central):
    system, station = central
    await station.cut_link()
    assert not station.connected
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], additional_headers=_auth()):
            pass
    assert refused.value.response.status_code == 503
    station.restore_link()
    async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], additional_headers=_auth()):
        await station.wait_connected(2)


async def test_illegal_status_transition_is_a_finding_in_the_trace(charger, central):
    _, station = central
    await send_call(charger, "1", "StatusNotification", status(1, "Charging"))
    await send_call(charger, "2", "StatusNotification", status(1, "Preparing"))
    assert station.status_findings == [
        "connector 1 went from Charging to Preparing, a transition OCPP 1.6 §4.9 does not allow"]
    findings = [r for r in station.trace.records if r["type"] == "finding"]
    assert findings[-1]["text"] == station.status_findings[0]


async def test_reservations_are_tracked_until_used_or_cancelled(charger, central):
    """The baseline cancels what a case reserved and left; the Station knows which those are."""
    _, station = central
    player = asyncio.create_task(_answer(charger, lambda f: [3, f[1], {"status": "Accepted"}]))
    reserve = {"connectorId": 1, "expiryDate": NOW, "idTag": "GOOD"}
    await station.call("ReserveNow", reserve, reservationId=7)
    await station.call("ReserveNow", reserve, reservationId=8)
    await station.call("CancelReservation", reservationId=8)
    assert station.reservations == {7}
    player.cancel()
    await asyncio.gather(player, return_exceptions=True)      # the charger's socket is free again
    await send_call(charger, "s1", "StartTransaction", {"connectorId": 1, "idTag": "GOOD", "meterStart": 0,
                                                         "timestamp": NOW, "reservationId": 7})
    assert station.reservations == set()
