"""The evidence rules at work in the Station, over a real socket with a websockets client playing the charger."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from harness.verdicts import Failed
from tests.harness.csms.test_station import central, charger, send_call, status  # noqa: F401 (fixtures)

BOOT = {"chargePointVendor": "V", "chargePointModel": "M"}


def police(station) -> None:
    station.evidence.boot_answered("Accepted")
    station.begin_case(police=True)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def test_an_effect_that_came_before_its_cause_is_no_evidence_of_it(central, charger):
    _, station = central
    police(station)
    await send_call(charger, "1", "StatusNotification", status(1, "Available"))
    station.mark_cause("unplug the cable at connector 1 (cp side)")
    with pytest.raises(Failed) as failed:
        await station.expect("StatusNotification", connectorId=1, status="Available", timeout=0.3)
    reason = str(failed.value)
    assert reason.startswith("step 1: expected StatusNotification(connectorId=1, status=Available) within 0.3 s; ")
    assert "came before the action (unplug the cable at connector 1 (cp side)), at -0.0" in reason


async def test_an_effect_after_its_cause_matches_even_if_the_wait_began_later(central, charger):
    _, station = central
    police(station)
    station.mark_cause("plug in the cable at connector 1 (both side)")
    await send_call(charger, "1", "StatusNotification", status(1, "Preparing"))
    received = await station.expect("StatusNotification", connectorId=1, status="Preparing", timeout=1)
    assert received["status"] == "Preparing"


async def test_an_earlier_cause_can_be_named(central, charger):
    _, station = central
    police(station)
    plug = station.mark_cause("plug in")
    await send_call(charger, "1", "StatusNotification", status(1, "Preparing"))
    station.mark_cause("present idTag")
    await station.expect("StatusNotification", connectorId=1, status="Preparing", after=plug, timeout=1)


async def test_an_unexpected_reboot_ends_the_wait_at_once(central, charger):
    _, station = central
    police(station)
    began = time.monotonic()
    waiting = asyncio.create_task(station.expect("StatusNotification", status="Available", timeout=5))
    await send_call(charger, "1", "BootNotification", BOOT)
    with pytest.raises(Failed) as failed:
        await waiting
    assert time.monotonic() - began < 2
    assert "the charge point rebooted (BootNotification at +" in str(failed.value)
    assert "which the case did not ask for" in str(failed.value)


async def test_a_lost_connection_the_case_did_not_ask_for_is_a_finding(central, charger):
    _, station = central
    police(station)
    await charger.close()
    await station.wait_disconnected(2)
    assert station.findings and "the connection closed at +" in station.findings[0]


async def test_a_late_transaction_message_never_satisfies_an_expectation(central, charger):
    _, station = central
    police(station)
    old = iso(datetime.now(timezone.utc) - timedelta(minutes=15))
    start = {"connectorId": 1, "idTag": "GOOD", "meterStart": 0, "timestamp": old}
    answer = await send_call(charger, "1", "StartTransaction", start)
    assert answer[0] == 3                                    # answered like any other
    with pytest.raises(Failed) as failed:
        await station.expect("StartTransaction", connectorId=1, timeout=0.3)
    assert "StartTransaction(connectorId=1, idTag=GOOD, meterStart=0, timestamp=" in str(failed.value)
    assert "s before this case began (clock-skew tolerance 60 s" in str(failed.value)
    record = [r for r in station.trace.records if r.get("action") == "StartTransaction"][0]
    assert "before this case began" in record["late"]
    assert station.inbox == [] and not station.findings      # a late delivery is marked, not a failure


async def test_a_request_before_the_delayed_boot_answer_is_a_finding(central, charger):
    _, station = central
    police(station)
    station.boot_answer_delay = 0.3
    station.mark_cause("power-cycle the charge point", "reboot")
    await charger.send(json.dumps([2, "b1", "BootNotification", BOOT]))
    await charger.send(json.dumps([2, "s1", "StatusNotification", status(0, "Available")]))
    answers = [json.loads(await asyncio.wait_for(charger.recv(), 2)) for _ in range(2)]
    assert [a[1] for a in answers] == ["s1", "b1"]           # the status is answered at once, the boot later
    assert station.findings[0].startswith("step 0: StatusNotification at +")
    assert "was sent before the answer to its BootNotification" in station.findings[0]
    boot = [r for r in station.inbox if r.action == "BootNotification"][0]
    assert boot.reply["status"] == "Accepted"


async def test_get_configuration_that_ignores_the_key_list_fails_the_step(central, charger):
    _, station = central
    police(station)

    async def answer_with_fixed_keys():
        request = json.loads(await charger.recv())
        keys = [{"key": k, "readonly": False, "value": "1"} for k in ("HeartbeatInterval", "MeterValueSampleInterval")]
        await charger.send(json.dumps([3, request[1], {"configurationKey": keys}]))

    responder = asyncio.create_task(answer_with_fixed_keys())
    with pytest.raises(Failed) as failed:
        await station.configuration("MeterValueSampleInterval")
    await responder
    assert str(failed.value).startswith("step 1: GetConfiguration.req: GetConfiguration for MeterValueSampleInterval "
                                        "returned keys that were not asked for: HeartbeatInterval")


async def test_a_near_miss_names_the_field_that_differed(central, charger):
    _, station = central
    police(station)
    await send_call(charger, "1", "MeterValues", {"connectorId": 1, "meterValue": [
        {"timestamp": iso(datetime.now(timezone.utc)), "sampledValue": [{"value": "10"}]}]})
    with pytest.raises(Failed) as failed:
        await station.expect("MeterValues", connectorId=1, transactionId=1004, timeout=0.2)
    assert "at +" in str(failed.value) and "without transactionId" in str(failed.value)


async def test_effects_of_two_actions_in_a_row_may_be_expected_together(central, charger):
    """Plug in at 1, plug in at 2, then both Preparing: the first plug-in is the cause both follow."""
    _, station = central
    police(station)
    station.mark_cause("plug in the cable at connector 1")
    await send_call(charger, "1", "StatusNotification", status(1, "Preparing"))
    station.mark_cause("plug in the cable at connector 2")
    await send_call(charger, "2", "StatusNotification", status(2, "Preparing"))
    await station.expect_all(station.message("StatusNotification", connectorId=1, status="Preparing"),
                             station.message("StatusNotification", connectorId=2, status="Preparing"), timeout=1)
    station.mark_cause("present idTag")
    assert station.evidence.pending_cause.description == "present idTag"


async def test_an_unknown_action_in_place_of_the_expected_message_ends_the_step_at_once(central, charger):
    """TC_054 once waited its whole timeout after the charger had sent "CustomOperation" instead of the
    triggered message: a frame that breaks OCPP-J is decisive."""
    _, station = central
    police(station)
    began = time.monotonic()
    waiting = asyncio.create_task(station.expect("StatusNotification", timeout=5))
    answer = await send_call(charger, "1", "CustomOperation", {})
    assert answer[0] == 4 and answer[2] == "NotImplemented"
    with pytest.raises(Failed) as failed:
        await waiting
    assert time.monotonic() - began < 2
    assert str(failed.value).startswith("step 1: the charge point sent a frame that breaks OCPP-J at +")
    assert "unknown action CustomOperation" in str(failed.value)
