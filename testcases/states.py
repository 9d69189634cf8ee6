"""The reusable states of the test plan (§2), shared by the test cases instead of copied into each.

Each brings the charge point from the baseline into the named state and returns what later steps need.
"""

from __future__ import annotations

from typing import Any

from harness.csms.station import Received, Station
from harness.dut.control import DeviceControl
from testcases.checks import expect_started


async def charging(cs: Station, dut: DeviceControl, setup: Any, pics: Any, *, connector: int | None = None,
                   id_tag: str | None = None) -> Received:
    """State *Charging*: a transaction runs on the connector and it reported Charging.

    Started locally (plug in, present the idTag) when the charger supports local start (C-07), else by
    RemoteStartTransaction after the plug-in. Returns the StartTransaction message; its ``reply`` holds
    the transactionId the Central System gave.
    """
    connector = setup.connector_id if connector is None else connector
    id_tag = setup.id_tags.valid if id_tag is None else id_tag
    cs.steps.next("reach state Charging")
    await dut.plug_in(connector)
    await cs.expect("StatusNotification", connectorId=connector, status="Preparing")
    if pics.feature("C-07"):
        await dut.present_id_tag(id_tag, connector)
    else:
        response = await cs.call("RemoteStartTransaction", connectorId=connector, idTag=id_tag)
        cs.require(response["status"] == "Accepted", f"RemoteStartTransaction answered {response['status']}")
    start = await expect_started(cs, connector, id_tag)
    return start


def transaction_id(start: Received) -> int:
    return int(start.reply["transactionId"])


async def authorized(cs: Station, dut: DeviceControl, setup: Any, *, connector: int | None = None,
                     id_tag: str | None = None) -> None:
    """State *Authorized*: the valid idTag was presented without a cable; Authorize accepted, Preparing."""
    connector = setup.connector_id if connector is None else connector
    id_tag = setup.id_tags.valid if id_tag is None else id_tag
    await dut.present_id_tag(id_tag, connector)
    await cs.expect_all(
        cs.message("Authorize", idTag=id_tag),
        cs.message("StatusNotification", connectorId=connector, status="Preparing"),
    )


async def remote_start_awaiting_cable(cs: Station, setup: Any, *, connector: int | None = None,
                                     id_tag: str | None = None) -> Received:
    """RemoteStartTransaction before any cable (TC_011_x, TC_024): Accepted, then Authorize when
    AuthorizeRemoteTxRequests is true, and Preparing, those two in either order. Returns the Preparing."""
    connector = setup.connector_id if connector is None else connector
    id_tag = setup.id_tags.valid if id_tag is None else id_tag
    remote_auth = is_true(await cs.configuration("AuthorizeRemoteTxRequests"))
    response = await cs.call("RemoteStartTransaction", connectorId=connector, idTag=id_tag)
    cs.require(response["status"] == "Accepted", f"RemoteStartTransaction answered {response['status']}")
    preparing = cs.message("StatusNotification", connectorId=connector, status="Preparing")
    if remote_auth:
        return (await cs.expect_all(cs.message("Authorize", idTag=id_tag), preparing))[1]
    return await cs.expect("StatusNotification", connectorId=connector, status="Preparing")


def is_true(value: str | None) -> bool:
    """Configuration values are strings; booleans are spelled "true"/"false" in any case."""
    return (value or "").strip().lower() == "true"


# ------------------------------------------------------------------------ configuration states


def key_settable(key: str, value: str):
    """Applicability rule: the PICS must not declare configuration key ``key`` read-only with a value other
    than ``value`` (the plan's "not read-only false"); a charger that cannot hold the value cannot run the
    case."""

    def rule(pics: Any) -> str | None:
        declared = pics.configuration_keys.get(key)
        if declared is not None and declared.read_only and (declared.value or "").strip().lower() != value.lower():
            return (f"configuration key {key} is declared read-only with value \"{declared.value}\"; "
                    f"the case needs \"{value}\"")
        return None

    return rule


async def set_configuration(cs: Station, key: str, value: str, *, optional: bool = False) -> None:
    """A "Config: key=value" line of the plan. A key that already holds the value is left alone (the PICS may
    declare it read-only with exactly that value); an ``optional`` key the charger does not have ("if
    implemented") is skipped. Any other key is changed with ChangeConfiguration, which must be Accepted."""
    current = await cs.configuration(key)
    if current is None and optional:
        return
    if current is not None and current.strip().lower() == value.lower():
        return
    await cs.configure(key, value)


async def every_status_reported(cs: Station) -> None:
    """Config: MinimumStatusDuration=0 where the charger has the key (optional, C-05). A charger MAY omit the
    StatusNotification of a status that lasted less than MinimumStatusDuration (OCPP 1.6 §4.9), so a case
    that expects a short-lived status (Finishing just before a reboot or a power cut, TC_015, TC_016,
    TC_032_1) sets it to 0 first, as the plan does in TC_005_x."""
    await set_configuration(cs, "MinimumStatusDuration", "0", optional=True)


def last_received(cs: Station) -> Received | None:
    """The last message of the case so far: a marker for "since this step"."""
    inbox = cs.inbox
    return inbox[-1] if inbox else None
