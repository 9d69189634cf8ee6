"""Helpers of the non-happy, offline, configuration-key, fault, data-transfer and meter-value cases of §4:
an outage of the Central System, the offline-authorization configuration and memory states of TC_037/TC_039,
"no transaction starts", and the checks on when something happened.

An outage is the Central System's side of "remove connectivity": the harness closes the WebSocket and refuses
every reconnect (HTTP 503) until it is reachable again, so it works the same with any charge point and any
device adapter. The charge point cannot deliver anything meanwhile; the time the outage lasts is let pass by
watching that a named message does not arrive (a bounded wait, never a sleep).
"""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator

from harness.csms.matching import Predicate
from harness.csms.station import Received, Station
from harness.dut.control import DeviceControl
from harness.verdicts import Failed
from testcases.checks import INTERVAL_TOLERANCE_S, no_message
from testcases.states import authorized, is_true, set_configuration


# ------------------------------------------------------------------------ applicability and configuration

def authorize_remote_tx_requests_settable(pics: Any) -> str | None:
    """Applicability rule: AuthorizeRemoteTxRequests can be (or is) true.

    The key is read-only or read-write by the specification (§9.1); only a charger that declares it
    read-only with the value false can never authorize a remote start first."""
    declared = pics.configuration_keys.get("AuthorizeRemoteTxRequests")
    if declared is not None and declared.read_only and not is_true(declared.value):
        return "configuration key AuthorizeRemoteTxRequests is declared read-only false, the case needs it true"
    return None


async def make_true(cs: Station, key: str) -> None:
    """Configuration state "``key`` is true": set only when it is not already (a read-only true key passes)."""
    if not is_true(await cs.configuration(key)):
        await cs.configure(key, "true")


async def offline_authorization_configured(cs: Station, pics: Any) -> None:
    """Configuration states of TC_037/TC_039: LocalAuthorizeOffline true; LocalAuthListEnabled (LA-0),
    AuthorizationCacheEnabled (C-04) and AllowOfflineTxForUnknownId (C-02) true where implemented: the
    feature in the PICS and, for the optional AuthorizationCacheEnabled and AllowOfflineTxForUnknownId (OCPP
    1.6 §9.1.1, §9.1.2), the key in the charger: one whose cache is always on has no key to set, so a key it
    lacks is skipped, not changed (ChangeConfiguration would answer NotSupported). LocalAuthListEnabled is
    required with LA-0 (§9.2.1) and always set."""
    await make_true(cs, "LocalAuthorizeOffline")
    for feature, key, optional in (("LA-0", "LocalAuthListEnabled", False),
                                   ("C-04", "AuthorizationCacheEnabled", True),
                                   ("C-02", "AllowOfflineTxForUnknownId", True)):
        if pics.feature(feature):
            await set_configuration(cs, key, "true", optional=optional)


@asynccontextmanager
async def id_tag_known_locally(cs: Station, dut: DeviceControl, setup: Any, pics: Any,
                               id_tag: str) -> AsyncIterator[None]:
    """Memory state IdTagLocalAuthList (LA-0), else IdTagCached (C-04), for ``id_tag`` (plan §2).

    Both are "if implemented" in the plan; a tag in the local list is never cached (OCPP 1.6 §3.5.3), so
    the list alone is used where there is one. A cache entry comes from one accepted Authorize: state
    Authorized, then the authorization lapses after ConnectionTimeOut. The list installed here is emptied
    again when the context ends, as OCTT's reset does (SendLocalList(0, Full, no list)); the harness's
    baseline does not, and a tag left in the list would change how later cases authorize it."""
    if pics.feature("LA-0"):
        response = await cs.call("SendLocalList", listVersion=1, updateType="Full",
                                  localAuthorizationList=[{"idTag": id_tag, "idTagInfo": {"status": "Accepted"}}])
        cs.require(response["status"] == "Accepted", f"SendLocalList answered {response['status']}, expected Accepted")
        try:
            yield
        except BaseException:
            try:
                await _empty_local_list(cs, setup)
            except Failed as exc:  # the case has failed already: keep its reason, note the leftover list
                cs.trace.finding(f"the local authorization list was not emptied after the case: {exc}", "warning")
            raise
        await _empty_local_list(cs, setup)
        return
    if pics.feature("C-04"):
        connector, timeout = setup.connector_id, setup.intervals.connection_timeout
        await cs.configure("ConnectionTimeOut", str(timeout))
        await authorized(cs, dut, setup, id_tag=id_tag)
        await cs.expect("StatusNotification", connectorId=connector, status="Available",
                        timeout=timeout + cs.message_timeout)
    yield


async def _empty_local_list(cs: Station, setup: Any) -> None:
    # After an outage the charge point may still be reconnecting: wait as long as for a reconnect.
    await cs.call("SendLocalList", listVersion=0, updateType="Full", timeout=setup.timeouts.long_operation)


# ------------------------------------------------------------------------ "nothing starts"

async def expect_no_transaction(cs: Station) -> None:
    """No StartTransaction: none for the message timeout from now on (as OCTT waits <Configured message
    timeout> before it ends such a case), and none at all in this case, not even before the last step."""
    await cs.expect_no("StartTransaction", within=cs.message_timeout)
    no_message(cs, "StartTransaction")


# ------------------------------------------------------------------------ outages

#: The driver acts this long after the link is gone, so that the charge point has noticed it is offline (EVerest
#: waits 2 s after dropping the WebSocket; OCTT's prompts take longer). Part of :func:`outage_length`.
NOTICE_S = 2.0


def outage_length(setup: Any) -> float:
    """How long the Central System stays unreachable: :data:`NOTICE_S` and then the message timeout (time for
    the charge point to act on what the driver did offline), at least three sample intervals so that periodic
    meter values queue."""
    return float(max(NOTICE_S + setup.timeouts.message, 3 * setup.intervals.meter_value_sample))


def parse_time(text: Any) -> datetime | None:
    """An OCPP date-time (ISO 8601; a missing offset is read as UTC), or None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass
class Outage:
    """When the Central System became unreachable, and when the charge point was connected again."""

    began: datetime
    back: datetime | None = None

    def covers(self, moment: datetime | None) -> bool:
        """``moment`` (a charge point's timestamp) lies in the outage: after the link was cut (the charge
        point's clock may lag the harness's by up to a second) and before it was connected again."""
        if moment is None or self.back is None:
            return False
        return self.began - timedelta(seconds=INTERVAL_TOLERANCE_S) <= moment <= self.back

    def describe(self) -> str:
        back = self.back.isoformat(timespec="milliseconds") if self.back else "?"
        return f"{self.began.isoformat(timespec='milliseconds')} – {back}"


@asynccontextmanager
async def central_system_unreachable(cs: Station, setup: Any, *, meanwhile: str) -> AsyncIterator[Outage]:
    """[Remove connectivity between Charge Point and Central System] for :func:`outage_length`, do what the
    body does while offline (:data:`NOTICE_S` after the cut), then [restore connectivity] and wait until the
    charge point has reconnected.

    ``meanwhile`` is the message the charge point must not (and cannot) deliver while the link is down;
    watching for it lets the rest of the outage pass. The link is restored even when the body fails."""
    length = outage_length(setup)
    cs.steps.next(f"the Central System becomes unreachable for {length:.0f} s")
    outage = Outage(datetime.now(timezone.utc))
    started = time.monotonic()
    await cs.cut_link()
    try:
        await cs.expect_no(meanwhile, within=NOTICE_S)
        yield outage
        remaining = started + length - time.monotonic()
        if remaining > 0:
            await cs.expect_no(meanwhile, within=remaining)
    finally:
        cs.restore_link()
    label = cs.steps.next("the Central System is reachable again: the charge point reconnects")
    try:
        await cs.wait_connected(setup.timeouts.long_operation)
    except Failed as exc:
        raise Failed(f"{label.split(':')[0]}: {exc}") from None
    outage.back = datetime.now(timezone.utc)


async def while_offline(cs: Station, action: str) -> None:
    """Give the charge point the message timeout to act on what the driver did while offline (a driver waits
    for the charger before the next step). It cannot report it yet: no ``action`` arrives meanwhile."""
    await cs.expect_no(action, within=cs.message_timeout)


def sampled_during(outage: Outage) -> Predicate:
    """Matches a MeterValues ``meterValue`` list with a sample taken while the link was down (so it was
    queued: OCPP 1.6 §3.7)."""
    return Predicate("a sample taken while the Central System was unreachable",
                     lambda values: isinstance(values, list) and any(
                         isinstance(v, dict) and outage.covers(parse_time(v.get("timestamp"))) for v in values))


def require_offline(cs: Station, outage: Outage, message: Received, what: str) -> None:
    """``message`` reports something the charge point did while offline: its timestamp lies in the outage."""
    stamp = message.payload.get("timestamp")
    cs.require(outage.covers(parse_time(stamp)),
               f"{message.action} timestamp {stamp} is outside the outage ({outage.describe()}): the charge "
               f"point did not {what} while offline")


def require_local_stop(cs: Station, stop: Received) -> None:
    """StopTransaction reason is Local or omitted (an omitted reason means Local, OCPP 1.6 §4.10)."""
    reason = stop.payload.get("reason")
    cs.require(reason in (None, "Local"), f"StopTransaction reason is {reason}, expected Local or omitted")


async def cache_cleared(cs: Station, pics: Any) -> None:
    """ClearCache → Accepted where the charger has a cache (C-04), so an idTag is unknown to it."""
    if pics.feature("C-04"):
        cleared = await cs.call("ClearCache")
        cs.require(cleared["status"] == "Accepted", f"ClearCache answered {cleared['status']}")
