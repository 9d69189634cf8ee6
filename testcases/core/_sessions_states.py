"""Reusable states and checks of the session cases (stop charging, cache, resetting,
unlocking, power failure), written once for testcases/core/test_stop_charging.py, test_cache.py,
test_resetting.py, test_unlocking.py and test_power_failure.py.
"""

from __future__ import annotations

from typing import Any, Mapping

from harness.csms.matching import MessageSpec
from harness.csms.station import Received, Station
from harness.dut.control import DeviceControl
from testcases.states import set_configuration

#: The statuses of a connector while its transaction runs (OCPP 1.6 §7.7 ChargePointStatus).
TRANSACTION_STATUSES = ("Charging", "SuspendedEV", "SuspendedEVSE")


# ------------------------------------------------------------------------------------ hardware


def fixed_cable(pics: Any, connector: int) -> bool:
    """The connector's cable is permanently attached (its PICS entry; HFS-2 when the PICS lists none)."""
    spec = next((c for c in pics.hardware.connectors if c.id == connector), None)
    return spec.has_fixed_cable if spec is not None else pics.has_fixed_cable


def shared_reader(pics: Any) -> bool:
    """One RFID reader serves several connectors (HFS-10 "Single" on a charger with more than one)."""
    readers = str(pics.hfs("HFS-10")).strip().lower()
    return len(pics.connector_ids) > 1 and (readers.startswith("single") or readers in ("1", "one"))


def other_connector(pics: Any, connector: int) -> int | None:
    return next((c for c in pics.connector_ids if c != connector), None)


# ------------------------------------------------------------------------------------ states


async def id_tag_cached(cs: Station, dut: DeviceControl, setup: Any, pics: Any, *, connector: int | None = None,
                        id_tag: str | None = None) -> None:
    """Memory *IdTagCached*: the idTag is in the Authorization Cache through one accepted Authorize (plan §2).

    With LocalPreAuthorize false (the per-case baseline) the charger asks the Central System: the idTag is
    presented without a cable (C-07), or sent in a RemoteStartTransaction with AuthorizeRemoteTxRequests
    true. Authorize is answered Accepted, which the charger stores in its cache (OCPP 1.6, Authorization Cache); the
    connector is Preparing and, after ConnectionTimeOut, Available again.
    """
    connector = setup.connector_id if connector is None else connector
    id_tag = setup.id_tags.valid if id_tag is None else id_tag
    cs.steps.next("reach memory state IdTagCached")
    timeout = setup.intervals.connection_timeout
    await set_configuration(cs, "AuthorizationCacheEnabled", "true", optional=True)
    await set_configuration(cs, "ConnectionTimeOut", str(timeout))
    if pics.feature("C-07"):
        await dut.present_id_tag(id_tag, connector)
        await cs.expect_all(
            cs.message("Authorize", idTag=id_tag),
            cs.message("StatusNotification", connectorId=connector, status="Preparing"),
        )
    else:
        await set_configuration(cs, "AuthorizeRemoteTxRequests", "true")
        await remotely_authorized(cs, setup, connector=connector, id_tag=id_tag)
    await cs.expect("StatusNotification", connectorId=connector, status="Available",
                    timeout=timeout + cs.message_timeout)


async def remotely_authorized(cs: Station, setup: Any, *, connector: int | None = None,
                              id_tag: str | None = None) -> None:
    """State *Authorized* reached remotely: RemoteStartTransaction Accepted without a cable, the charger
    authorizes the idTag (AuthorizeRemoteTxRequests true) and reports Preparing."""
    connector = setup.connector_id if connector is None else connector
    id_tag = setup.id_tags.valid if id_tag is None else id_tag
    response = await cs.call("RemoteStartTransaction", connectorId=connector, idTag=id_tag)
    cs.require(response["status"] == "Accepted", f"RemoteStartTransaction answered {response['status']}")
    await cs.expect_all(
        cs.message("Authorize", idTag=id_tag),
        cs.message("StatusNotification", connectorId=connector, status="Preparing"),
    )


# ------------------------------------------------------------------------------------ checks


def boot_statuses(cs: Station, pics: Any, special: Mapping[int, Any] | None = None,
                  default: Any = "Available") -> list[MessageSpec]:
    """The StatusNotifications a (re)booted charger sends: one for connector 0 and one for every connector
    (OCPP 1.6 §4.9), with status ``special[connector]`` where given (a value or a predicate such as
    ``one_of``), else ``default``. In the order connector 0, then the PICS's connectors; for ``expect_all``."""
    special = special or {}
    return [cs.message("StatusNotification", connectorId=c, status=special.get(c, default))
            for c in (0, *pics.connector_ids)]


def require_local_reason(cs: Station, stop: Received) -> None:
    """A transaction the driver ended with an idTag: reason Local, or omitted (OCPP 1.6 §4.10 Stop Transaction: "If a
    transaction is ended in a normal way (e.g. EV-driver presented his identification to stop the
    transaction), the Reason element MAY be omitted and the Reason SHOULD be assumed 'Local'")."""
    reason = stop.payload.get("reason", "Local")
    cs.require(reason == "Local", f"StopTransaction reason is {reason}; the driver stopped it: expected Local")


def require_reason(cs: Station, stop: Received, expected: str) -> None:
    reason = stop.payload.get("reason", "absent (Local)")
    cs.require(reason == expected, f"StopTransaction reason is {reason}, expected {expected}")


def matching(cs: Station, action: str, *, after: Received | None = None, before: Received | None = None,
             **fields: Any) -> list[Received]:
    """The messages of this case matching ``action`` and ``fields`` that arrived after ``after`` and before
    ``before`` (either bound optional): for "was it sent in that interval" checks outside the cursor."""
    spec = cs.message(action, **fields)
    return [r for r in cs.since(after) if spec.matches(r.action, r.payload) and (before is None or r.seq < before.seq)]
