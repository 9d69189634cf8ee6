"""4.4 Authorization cache (C-04): TC_007_1_CS, TC_007_2_CS, TC_061_1_CS, TC_061_2_CS.

The cache is filled by an accepted Authorize while LocalPreAuthorize is still false (the per-case
baseline), and LocalPreAuthorize=true is set after that: set first, a charger whose cache already held the
idTag from an earlier case would rightly send no Authorize, and the case could not know what its cache holds.
"""

from __future__ import annotations

from harness.testcase import all_of, needs_feature, testcase
from testcases.checks import LOCALLY_KNOWN_MAY_AUTHORIZE, expect_started, local_start_without_authorize, no_authorize
from testcases.core._sessions_states import (
    id_tag_cached,
    remotely_authorized,
)
from testcases.states import authorized, key_settable, last_received, set_configuration


@testcase("TC_007_1_CS", "Regular Start Charging Session – Cached Id", block="core",
          applies=all_of(needs_feature("C-04"), needs_feature("C-07")), features=("C-04", "C-07"))
async def test_regular_start_cached_id(cs, dut, setup, pics):
    """AuthorizationCacheEnabled=true (if implemented), memory IdTagCached, LocalPreAuthorize=true. Present
    the idTag: Preparing; plug in: StartTransaction (Accepted) and Charging in either order, and no
    Authorize for the cached idTag.

    The plan's "without Authorize" is [I]. OCPP 1.6 defines LocalPreAuthorize as "whether the Charge Point,
    when online, will start a transaction for locally-authorized identifiers without waiting for or
    requesting an Authorize.conf": with it true and the idTag Accepted in the cache, no Authorize.req is
    sent. §4.1 is looser ("If the idTag is present in the … Authorization Cache, then the Charge Point MAY
    send an Authorize.req"): the case keeps OCTT's check, and its failure reason says it is OCTT's."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    await id_tag_cached(cs, dut, setup, pics)
    await set_configuration(cs, "LocalPreAuthorize", "true")
    await local_start_without_authorize(cs, dut, connector, id_tag, since=last_received(cs),
                                        known_in="the Authorization Cache")


@testcase("TC_007_2_CS", "Remote Start Charging Session – Cached Id", block="core",
          applies=all_of(needs_feature("C-04"), key_settable("AuthorizeRemoteTxRequests", "true")),
          features=("C-04",))
async def test_remote_start_cached_id(cs, dut, setup, pics):
    """AuthorizationCacheEnabled=true (if implemented), memory IdTagCached, LocalPreAuthorize=true,
    AuthorizeRemoteTxRequests=true. Plug in (Preparing); RemoteStartTransaction Accepted; StartTransaction
    and Charging in either order, with no Authorize for the cached idTag.

    The flow is [E]. OCPP 1.6: AuthorizeRemoteTxRequests true means a remote start "should be authorized
    beforehand like a local action to start a transaction", and a local action with LocalPreAuthorize and a
    cached Accepted idTag starts "without waiting for or requesting an Authorize.conf"; so no Authorize. As in
    TC_007_1, §4.1 would allow one (MAY, for a cached idTag): OCTT's check is kept and its reason says so."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    await id_tag_cached(cs, dut, setup, pics)
    await set_configuration(cs, "LocalPreAuthorize", "true")
    await set_configuration(cs, "AuthorizeRemoteTxRequests", "true")
    cached = last_received(cs)
    await dut.plug_in(connector)
    await cs.expect("StatusNotification", connectorId=connector, status="Preparing")
    response = await cs.call("RemoteStartTransaction", connectorId=connector, idTag=id_tag)
    cs.require(response["status"] == "Accepted", f"RemoteStartTransaction answered {response['status']}")
    await expect_started(cs, connector, id_tag)
    no_authorize(cs, cached, "LocalPreAuthorize and AuthorizeRemoteTxRequests true, the idTag in the Authorization "
                 "Cache", LOCALLY_KNOWN_MAY_AUTHORIZE)


@testcase("TC_061_1_CS", "Clear Authorization Data in Authorization Cache – Local", block="core",
          applies=all_of(needs_feature("C-04"), needs_feature("C-07")), features=("C-04", "C-07"))
async def test_clear_cache_local(cs, dut, setup):
    """AuthorizationCacheEnabled=true (if implemented), ConnectionTimeOut=<configured>; state Authorized
    (Authorize Accepted: the idTag is cached; Preparing); LocalPreAuthorize=true; after ConnectionTimeOut,
    Available; ClearCache Accepted; the same idTag presented again must be sent in an Authorize, because the
    cache is empty now (OCPP 1.6 §5.4 ClearCache)."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    timeout = setup.intervals.connection_timeout
    await set_configuration(cs, "AuthorizationCacheEnabled", "true", optional=True)
    await set_configuration(cs, "ConnectionTimeOut", str(timeout))
    await authorized(cs, dut, setup)
    await set_configuration(cs, "LocalPreAuthorize", "true")
    await cs.expect("StatusNotification", connectorId=connector, status="Available",
                    timeout=timeout + cs.message_timeout)
    response = await cs.call("ClearCache")
    cs.require(response["status"] == "Accepted", f"ClearCache answered {response['status']}")
    await dut.present_id_tag(id_tag, connector)
    await cs.expect("Authorize", idTag=id_tag)


@testcase("TC_061_2_CS", "Clear Authorization Data in Authorization Cache – Remote", block="core",
          applies=all_of(needs_feature("C-04"), key_settable("AuthorizeRemoteTxRequests", "true")),
          features=("C-04",))
async def test_clear_cache_remote(cs, setup):
    """As TC_061_1 with RemoteStartTransaction in place of the card ([I]): AuthorizeRemoteTxRequests=true
    makes a remote start authorize its idTag like a local one (OCPP 1.6), so the cache is filled by the first
    remote start and, after ClearCache, the second remote start must send Authorize again."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    timeout = setup.intervals.connection_timeout
    await set_configuration(cs, "AuthorizationCacheEnabled", "true", optional=True)
    await set_configuration(cs, "ConnectionTimeOut", str(timeout))
    await set_configuration(cs, "AuthorizeRemoteTxRequests", "true")
    await remotely_authorized(cs, setup)
    await set_configuration(cs, "LocalPreAuthorize", "true")
    await cs.expect("StatusNotification", connectorId=connector, status="Available",
                    timeout=timeout + cs.message_timeout)
    response = await cs.call("ClearCache")
    cs.require(response["status"] == "Accepted", f"ClearCache answered {response['status']}")
    response = await cs.call("RemoteStartTransaction", connectorId=connector, idTag=id_tag)
    cs.require(response["status"] == "Accepted", f"RemoteStartTransaction answered {response['status']}")
    await cs.expect("Authorize", idTag=id_tag)
