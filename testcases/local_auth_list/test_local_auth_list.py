"""5 Local Authorization List Management (LA-0): TC_008_1_CS, TC_008_2_CS, TC_042_1_CS, TC_042_2_CS,
TC_043_CS, TC_043_1_CS, TC_043_2_CS, TC_043_3_CS.

OCPP 1.6 §5.10 and §5.15: a list version of 0 means an empty list and -1 "no support"; a differential update
whose version is not newer than the installed one is a VersionMismatch. The per-case baseline empties the
list (SendLocalList version 0, Full), as OCTT's reset does.
"""

from __future__ import annotations

from typing import Any

from harness.csms.station import Station
from harness.testcase import all_of, needs_feature, testcase
from testcases.checks import LOCALLY_KNOWN_MAY_AUTHORIZE, expect_started, local_start_without_authorize, no_authorize
from testcases.states import key_settable, last_received, set_configuration

#: CALLERROR codes a charger may use instead of a status for a request it cannot take (OCPP-J §4.2.3,
#: both spellings of the 1.6 schema era).
OCCURRENCE_ERRORS = ("OccurenceConstraintViolation", "OccurrenceConstraintViolation")


def _list_disabled_or_unsupported(pics: Any) -> str | None:
    """TC_042_1 applies without LA-0, or when LocalAuthListEnabled can be set to false."""
    if not pics.feature("LA-0"):
        return None
    return key_settable("LocalAuthListEnabled", "false")(pics)


def _send_local_list_limit(pics: Any) -> str | None:
    if pics.ors("ORS-13", None) is None:
        return "ORS-13 (SendLocalListMaxLength) is not stated in the PICS: the case cannot exceed it"
    return None


def entry(id_tag: str, status: str = "Accepted") -> dict[str, Any]:
    return {"idTag": id_tag, "idTagInfo": {"status": status}}


async def send_local_list(cs: Station, version: int, update_type: str, entries: list[dict[str, Any]] | None,
                          expected: str = "Accepted") -> None:
    payload: dict[str, Any] = {"listVersion": version, "updateType": update_type}
    if entries is not None:
        payload["localAuthorizationList"] = entries
    response = await cs.call("SendLocalList", payload)
    cs.require(response["status"] == expected,
               f"SendLocalList(listVersion {version}, {update_type}) answered {response['status']}, expected {expected}")


async def require_list_version(cs: Station, expected: int) -> None:
    version = (await cs.call("GetLocalListVersion"))["listVersion"]
    cs.require(version == expected, f"GetLocalListVersion answered {version}, expected {expected}")


async def list_enabled(cs: Station) -> None:
    """Config: LocalAuthListEnabled=true."""
    await set_configuration(cs, "LocalAuthListEnabled", "true")


async def valid_id_tag_in_list(cs: Station, setup: Any) -> None:
    """The configuration and memory of TC_008: the list on, the cache off (if implemented), LocalPreAuthorize
    on, and the valid idTag in the list (GetLocalListVersion, then SendLocalList Accepted)."""
    await list_enabled(cs)
    await set_configuration(cs, "AuthorizationCacheEnabled", "false", optional=True)
    await set_configuration(cs, "LocalPreAuthorize", "true")
    await cs.call("GetLocalListVersion")
    await send_local_list(cs, 1, "Full", [entry(setup.id_tags.valid)])


# ------------------------------------------------------------------------------------------ TC_008


@testcase("TC_008_1_CS", "Regular Start Charging Session – Id in Local Authorization List", block="local_auth_list",
          applies=all_of(needs_feature("LA-0"), needs_feature("C-07")), features=("LA-0", "C-07"))
async def test_regular_start_id_in_local_list(cs, dut, setup):
    """LocalPreAuthorize=true, AuthorizationCacheEnabled=false (if implemented), LocalAuthListEnabled=true;
    the valid idTag in the list. Present it: Preparing; plug in: StartTransaction (Accepted) and Charging in
    either order, and no Authorize.

    The plan's "no need to wait for Authorize" is [I]. OCPP 1.6 defines LocalPreAuthorize as starting "for
    locally-authorized identifiers without waiting for or requesting an Authorize.conf", and an idTag of the
    list is locally authorized (OCPP 1.6, Local Authorization List): no Authorize.req is sent. §4.1 is looser:
    "If the idTag is present in the Local Authorization List …, then the Charge Point MAY send an
    Authorize.req". The case follows OCTT here (the no-Authorize check is what OCTT validates) and its
    failure reason says that the specification would allow the Authorize."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    await valid_id_tag_in_list(cs, setup)
    await local_start_without_authorize(cs, dut, connector, id_tag, since=last_received(cs),
                                        known_in="the Local Authorization List")


@testcase("TC_008_2_CS", "Remote Start Charging Session – Id in Local Authorization List", block="local_auth_list",
          applies=all_of(needs_feature("LA-0"), key_settable("AuthorizeRemoteTxRequests", "true")),
          features=("LA-0",))
async def test_remote_start_id_in_local_list(cs, dut, setup):
    """As TC_008_1 with RemoteStartTransaction in place of the card, and AuthorizeRemoteTxRequests=true.

    The flow is [I]. With AuthorizeRemoteTxRequests false the charger would send no Authorize whatever its
    list holds and the case would prove nothing; true makes the remote start "authorized beforehand like a
    local action", which with LocalPreAuthorize and a listed idTag needs no Authorize.req (as TC_007_2). As in
    TC_008_1 the no-Authorize check is OCTT's, stricter than §4.1 (MAY), and its failure reason says so."""
    connector, id_tag = setup.connector_id, setup.id_tags.valid
    await valid_id_tag_in_list(cs, setup)
    await set_configuration(cs, "AuthorizeRemoteTxRequests", "true")
    listed = last_received(cs)
    response = await cs.call("RemoteStartTransaction", connectorId=connector, idTag=id_tag)
    cs.require(response["status"] == "Accepted", f"RemoteStartTransaction answered {response['status']}")
    await cs.expect("StatusNotification", connectorId=connector, status="Preparing")
    await dut.plug_in(connector)
    await expect_started(cs, connector, id_tag)
    no_authorize(cs, listed, "LocalPreAuthorize and AuthorizeRemoteTxRequests true, the idTag in the Local "
                 "Authorization List", LOCALLY_KNOWN_MAY_AUTHORIZE)


# ------------------------------------------------------------------------------------------ TC_042


@testcase("TC_042_1_CS", "Get Local List Version (not supported)", block="local_auth_list",
          applies=_list_disabled_or_unsupported)
async def test_get_local_list_version_not_supported(cs, pics):
    """LocalAuthListEnabled=false (if implemented); GetLocalListVersion answers listVersion -1, or a
    CALLERROR NotSupported (the plan allows both)."""
    if pics.feature("LA-0"):
        await set_configuration(cs, "LocalAuthListEnabled", "false")
    response = await cs.call("GetLocalListVersion", allow_error=True)
    if response.is_error:
        cs.require(response.error_code == "NotSupported",
                   f"GetLocalListVersion answered CALLERROR {response.error_code}, expected NotSupported or -1")
        return
    cs.require(response["listVersion"] == -1, f"GetLocalListVersion answered {response['listVersion']}, "
                                               "expected -1 (no local list) or CALLERROR NotSupported")


@testcase("TC_042_2_CS", "Get Local List Version (empty)", block="local_auth_list",
          applies=needs_feature("LA-0"), features=("LA-0",))
async def test_get_local_list_version_empty(cs):
    """LocalAuthListEnabled=true; SendLocalList(listVersion 1, Full, no list) Accepted; GetLocalListVersion
    answers 0: an empty list has version 0 whatever version it was sent with (§5.10)."""
    await list_enabled(cs)
    await send_local_list(cs, 1, "Full", None)
    await require_list_version(cs, 0)


# ------------------------------------------------------------------------------------------ TC_043


@testcase("TC_043_CS", "Send Local Authorization List", block="local_auth_list",
          applies=needs_feature("LA-0"), features=("LA-0",))
async def test_send_local_list(cs, setup):
    """LocalAuthListEnabled=true; SendLocalList Full (the valid idTag), then Differential (the second valid
    idTag, a newer version): both Accepted. Two entries stay within any ORS-12/ORS-13."""
    await list_enabled(cs)
    await send_local_list(cs, 1, "Full", [entry(setup.id_tags.valid)])
    await send_local_list(cs, 2, "Differential", [entry(setup.id_tags.valid_2)])


@testcase("TC_043_1_CS", "Send Local Authorization List – NotSupported", block="local_auth_list",
          applies=needs_feature("LA-0", supported=False))
async def test_send_local_list_not_supported(cs, setup):
    """A charger without Local Authorization List Management answers SendLocalList(Full) NotSupported, or a
    CALLERROR NotSupported; GetLocalListVersion then must not report the list as installed."""
    response = await cs.call("SendLocalList", listVersion=1, updateType="Full",
                             localAuthorizationList=[entry(setup.id_tags.valid)], allow_error=True)
    if response.is_error:
        cs.require(response.error_code == "NotSupported",
                   f"SendLocalList answered CALLERROR {response.error_code}, expected NotSupported")
    else:
        cs.require(response["status"] == "NotSupported", f"SendLocalList answered {response['status']}, "
                                                          "expected NotSupported")


@testcase("TC_043_2_CS", "Send Local Authorization List – VersionMismatch", block="local_auth_list",
          applies=needs_feature("LA-0"), features=("LA-0",))
async def test_send_local_list_version_mismatch(cs, setup):
    """LocalAuthListEnabled=true. SendLocalList(2, Full) Accepted, version 2; SendLocalList(5, Differential)
    Accepted, version 5; SendLocalList(4, Differential) VersionMismatch, and the version stays 5.

    The plan truncates after step 3 and leaves the mismatching update [I]: OCPP 1.6 §5.15 makes a
    differential update whose version is not above the installed one a VersionMismatch, which changes
    nothing, so the version read afterwards is still 5."""
    valid, valid_2 = setup.id_tags.valid, setup.id_tags.valid_2
    await list_enabled(cs)
    await send_local_list(cs, 2, "Full", [entry(valid)])
    await require_list_version(cs, 2)
    await send_local_list(cs, 5, "Differential", [entry(valid_2)])
    await require_list_version(cs, 5)
    await send_local_list(cs, 4, "Differential", [entry(valid, "Blocked")], expected="VersionMismatch")
    await require_list_version(cs, 5)


@testcase("TC_043_3_CS", "Send Local Authorization List – Failed", block="local_auth_list",
          applies=all_of(needs_feature("LA-0"), _send_local_list_limit), features=("LA-0",))
async def test_send_local_list_failed(cs, pics):
    """LocalAuthListEnabled=true; SendLocalList(listVersion 2, Full) with one entry more than
    SendLocalListMaxLength (ORS-13) answers Failed, and no list of version 2 is installed.

    How to make storing fail is left to the tester [I]; a list over the charger's own stated maximum is the
    one way that works on every charger. OCPP-J also lets a charger refuse such a request with CALLERROR
    OccurenceConstraintViolation, which is accepted as the same answer."""
    await list_enabled(cs)
    too_many = int(pics.ors("ORS-13")) + 1
    entries = [entry(f"OCTT-LIST-{n:05d}") for n in range(too_many)]
    response = await cs.call("SendLocalList", listVersion=2, updateType="Full", localAuthorizationList=entries,
                             allow_error=True)
    if response.is_error:
        cs.require(response.error_code in OCCURRENCE_ERRORS,
                   f"SendLocalList with {too_many} entries answered CALLERROR {response.error_code}, expected "
                   "Failed or OccurenceConstraintViolation")
    else:
        cs.require(response["status"] == "Failed", f"SendLocalList with {too_many} entries (ORS-13 + 1) "
                                                    f"answered {response['status']}, expected Failed")
    version = (await cs.call("GetLocalListVersion"))["listVersion"]
    cs.require(version != 2, "GetLocalListVersion answered 2: the list that failed was installed")
