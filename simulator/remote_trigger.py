"""Remote Trigger profile: TriggerMessage (OCPP 1.6 §5.17).

Accepted requests are sent right after the answer: Heartbeat, StatusNotification (one connector, or 0 and all
when connectorId is absent), MeterValues with context Trigger (with the transactionId of a running
transaction), DiagnosticsStatusNotification and FirmwareStatusNotification with the current status.
BootNotification is the station's (it depends on the registration). A connectorId that does not exist is
Rejected; an unknown message is NotImplemented.

Fault ``firmware-trigger-wrong-message``: FirmwareStatusNotification and DiagnosticsStatusNotification are
answered Accepted, but the other one of the two is sent (with its own current status).
"""

from __future__ import annotations

from ocpp.v16 import call

from . import clock


def trigger(device, requested: str, connector_id: int | None):
    """(status, continuation or None)."""
    faults = device.faults
    if (connector_id not in (None, 0) and device.connectors.get(connector_id) is None
            and not faults.active("trigger-unknown-connector-accepted")):
        return "Rejected", None
    then = _continuation(device, requested, connector_id)
    if then is None:
        return "NotImplemented", None
    if faults.active("trigger-message-not-sent"):
        return "Accepted", None
    return "Accepted", then


#: what fault firmware-trigger-wrong-message sends instead of the requested message
SWAPPED = {"FirmwareStatusNotification": "DiagnosticsStatusNotification",
           "DiagnosticsStatusNotification": "FirmwareStatusNotification"}


def _continuation(device, requested: str, connector_id: int | None):
    link = device.link
    if requested in SWAPPED and device.faults.active("firmware-trigger-wrong-message"):
        requested = SWAPPED[requested]
    if requested == "Heartbeat":
        return lambda: link.post(call.Heartbeat())
    if requested == "StatusNotification":
        if connector_id is None:
            units = device.connectors.all_with_unit()
        elif connector_id == 0:
            units = [device.connectors.unit]
        else:
            units = [c for c in [device.connectors.get(connector_id)] if c is not None]
        return lambda: [device.reporter.trigger(u) for u in units]
    if requested == "MeterValues":
        ids = [c.id for c in device.connectors] if not connector_id else [connector_id]

        def send() -> None:
            measurands = device.config.get_list("MeterValuesSampledData")
            for cid in ids:
                meter = device.meters.get(cid)
                if meter is None:
                    continue
                tx = device.transactions.on(cid)
                link.post(call.MeterValues(
                    connector_id=cid, transaction_id=tx.transaction_id if tx else None,
                    meter_value=[{"timestamp": clock.iso(), "sampled_value": meter.sample(
                        measurands, "Trigger", tx.start_wh if tx else None)}]))
        return send
    if requested == "DiagnosticsStatusNotification":
        return lambda: link.post(call.DiagnosticsStatusNotification(status=device.firmware.diagnostics_status))
    if requested == "FirmwareStatusNotification":
        return lambda: link.post(call.FirmwareStatusNotification(status=device.firmware.firmware_status))
    return None
