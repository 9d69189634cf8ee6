"""8 Remote Trigger (RT-0): TC_054_CS, TC_055_CS.

The "triggered function" KPI of the certificate is measured from these exchanges (TriggerMessage answered
Accepted → the requested message), by harness/kpi.py from the trace.
"""

from __future__ import annotations

from typing import Any

from harness.testcase import needs_feature, testcase


def triggered_messages(pics: Any, connector: int) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(requestedMessage, extra TriggerMessage fields, fields the triggered message must have) of TC_054.

    The plan lists MeterValues (connector 1 in EVerest: the connector under test here), Heartbeat,
    StatusNotification (Available: the connector is at rest after the baseline), the two firmware profile
    notifications (Idle) "if implemented", that is with Firmware Management, and BootNotification [E]."""
    messages: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("MeterValues", {"connectorId": connector}, {"connectorId": connector}),
        ("Heartbeat", {}, {}),
        ("StatusNotification", {"connectorId": connector}, {"connectorId": connector, "status": "Available"}),
    ]
    if pics.supports_profile("FirmwareManagement"):
        messages += [("DiagnosticsStatusNotification", {}, {"status": "Idle"}),
                     ("FirmwareStatusNotification", {}, {"status": "Idle"})]
    return messages + [("BootNotification", {}, {})]


@testcase("TC_054_CS", "Trigger Message", block="remote_trigger", applies=needs_feature("RT-0"),
          features=("RT-0",))
async def test_trigger_message(cs, setup, pics):
    """TriggerMessage for each message of :func:`triggered_messages`: every one Accepted and followed by the
    requested message, one after the other (each must arrive before the next is requested)."""
    for requested, fields, expected in triggered_messages(pics, setup.connector_id):
        response = await cs.call("TriggerMessage", requestedMessage=requested, **fields)
        cs.require(response["status"] == "Accepted",
                   f"TriggerMessage({requested}) answered {response['status']}, expected Accepted")
        await cs.expect(requested, **expected)


@testcase("TC_055_CS", "Trigger Message – Rejected", block="remote_trigger", applies=needs_feature("RT-0"),
          features=("RT-0",))
async def test_trigger_message_rejected(cs, pics):
    """TriggerMessage(MeterValues) for connector NumberOfConnectors + 1 answers Rejected (or a CALLERROR),
    and no MeterValues follows within the message timeout.

    OCPP 1.6 §5.17: "the Charge Point SHALL reply with Rejected ... if the connectorId is not valid"; the
    plan also allows a CALLERROR. MeterValueSampleInterval and ClockAlignedDataInterval are 0 from the
    session baseline, so no other MeterValues are due."""
    unknown = max(pics.connector_ids) + 1
    response = await cs.call("TriggerMessage", requestedMessage="MeterValues", connectorId=unknown, allow_error=True)
    if not response.is_error:
        cs.require(response["status"] == "Rejected", f"TriggerMessage(MeterValues, connectorId {unknown}) "
                                                      f"answered {response['status']}, expected Rejected")
    await cs.expect_no("MeterValues", within=cs.message_timeout)
