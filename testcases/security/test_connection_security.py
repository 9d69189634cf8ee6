"""10 Security (OCPP 1.6 Security Whitepaper edition 3): TC_073_CS, TC_079_CS, TC_084_CS, TC_085_CS, TC_086_CS,
TC_087_CS.

The connection's own security, judged on the wire: the HTTP Basic credentials the charger presents when it
opens the WebSocket (security profiles 1 and 2: ``Authorization: Basic base64(chargePointId:AuthorizationKey)``), which the listener checks before it admits the charger (harness/csms/server.py) and which
the case reads from what the listener saw (``basic_auth``: admitted, or refused and why; never the password);
the SecurityProfile that must not be lowered (the plan: "it is not possible to downgrade to a lower Security
Profile"); the TLS connection itself (version, C-12 suite, client certificate), read from what the listener
recorded when it admitted the charger; and GetLog,
whose file must really arrive at the run's file servers (``files``, in the first protocol of ORS-16), like
GetDiagnostics's.

No password is ever written to a trace, report or reason: every AuthorizationKey a case sets is a secret of the
trace's redactor (``basic_auth.expect``), and the ChangeConfiguration frames that carry one are blanked anyway.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from harness.csms.basic_auth import Attempt, BasicAuth
from harness.csms.matching import one_of
from harness.csms.station import Station
from harness.files import FileServers, claims_security_whitepaper, offered_protocols
from harness.pki import CIPHER_SUITES
from harness.testcase import testcase
from harness.verdicts import Failed
from testcases.firmware.test_firmware import RETRIES, RETRY_INTERVAL_S, refused, server_path, shown

#: the plan's new AuthorizationKey: hex of "OCA_OCTT_admin_test" (19 bytes), so the charger presents the bytes
NEW_AUTHORIZATION_KEY = "4F43415F4F4354545F61646D696E5F74657374"
#: used instead when the PICS's own password happens to be the plan's value
OTHER_AUTHORIZATION_KEY = "harness-tc073-key-02"


# ------------------------------------------------------------------------ applicability


def security_log(pics: Any) -> str | None:
    """GetLog is a message of the security whitepaper; the log goes to a file server in a protocol of ORS-16."""
    if not claims_security_whitepaper(pics):
        return (f"Advanced Security = No in certification_profiles and security_profile = "
                f"{pics.test_setup.security_profile} in test_setup: the charger does not claim the Security "
                f"Whitepaper, of which GetLog is a part")
    if not offered_protocols(list(pics.ors("ORS-16", []))):
        return "ORS-16 (Supported file transfer protocols) lists no protocol"
    return None


# ------------------------------------------------------------------------ what the listener saw


async def next_attempt(cs: Station, basic_auth: BasicAuth, since_ns: int, timeout: float, what: str,
                       given_up: str = "the charge point did not trust the server certificate, or, at security "
                                       "profile 3, presented no certificate that chains to the charge point CA "
                                       "the listener trusts") -> Attempt:
    """The charger's first connection attempt since ``since_ns`` (admitted or refused), waited for at most
    ``timeout`` s; none fails the step, which says ``what`` was expected."""
    try:
        await cs.wait_for(lambda: bool(basic_auth.attempts(since_ns)), what, timeout)
    except Failed as failure:
        if str(failure).startswith(cs.steps.current):      # a decisive finding of the evidence rules
            raise
        hellos = basic_auth.handshakes(since_ns)
        cs.require(False, f"no connection attempt within {timeout:.1f} s: expected {what}" + (
            f"; {hellos} TLS handshake(s) began and none completed ({given_up})" if hellos else ""))
    return basic_auth.attempts(since_ns)[0]


async def reconnected_with(cs: Station, basic_auth: BasicAuth, since_ns: int, timeout: float, key_is: str) -> None:
    """The charger dropped its connection and opened a new one that the listener admitted, expecting only the
    AuthorizationKey described by ``key_is``; a refused attempt fails at once, with the listener's reason."""
    attempt = await next_attempt(cs, basic_auth, since_ns, timeout,
                                 f"the charge point to reconnect with {key_is} as its Basic auth password")
    cs.require(attempt.admitted,
               f"the charge point's reconnect was {attempt.describe()}; it must present {key_is} as the "
               f"password of its Authorization: Basic header (Security Whitepaper: HTTP Basic authentication at Security Profiles 1 and 2)")
    with contextlib.suppress(Failed):
        await cs.wait_connected(cs.message_timeout)
    cs.require(cs.connected, "the reconnect was admitted, but the connection closed again at once")


# ------------------------------------------------------------------------ the cases


@testcase("TC_073_CS", "Update Charge Point Password for HTTP Basic Authentication", block="security",
          security_profiles=(1, 2), features=("C-11",))
async def test_update_charge_point_password(cs, setup, basic_auth):
    """ChangeConfiguration(AuthorizationKey = the plan's new key, 38 hex digits) → Accepted; the charger drops the
    connection and reconnects with the new key as its Basic password (the listener admits only the new key
    from the moment the request leaves); ChangeConfiguration(AuthorizationKey = the PICS's password) →
    Accepted; the charger reconnects with it. A case that fails after the new key was accepted puts the PICS's
    password back on the charger, so the next case can connect."""
    original = setup.basic_auth_password
    new_key = NEW_AUTHORIZATION_KEY if original != NEW_AUTHORIZATION_KEY else OTHER_AUTHORIZATION_KEY
    long_wait = setup.timeouts.long_operation
    restored = False
    basic_auth.expect(new_key)
    since = basic_auth.mark()
    response = await cs.call("ChangeConfiguration", key="AuthorizationKey", value=new_key)
    cs.require(response["status"] == "Accepted",
               f"ChangeConfiguration(AuthorizationKey) answered {response['status']}, expected Accepted "
               f"(a new key of {len(new_key)} hex digits, within the 16 to 40 characters of the key)")
    try:
        cs.steps.next("the charge point reconnects with the new AuthorizationKey")
        await reconnected_with(cs, basic_auth, since, long_wait, "the new AuthorizationKey")
        basic_auth.expect(original)
        since = basic_auth.mark()
        response = await cs.call("ChangeConfiguration", key="AuthorizationKey", value=original)
        cs.require(response["status"] == "Accepted",
                   f"ChangeConfiguration(AuthorizationKey = the configured password) answered {response['status']}, "
                   f"expected Accepted")
        cs.steps.next("the charge point reconnects with the configured AuthorizationKey")
        await reconnected_with(cs, basic_auth, since, long_wait, "the configured AuthorizationKey (the PICS's)")
        restored = True
    finally:
        if not restored:
            await put_back(cs, basic_auth, original, new_key, long_wait)


async def put_back(cs: Station, basic_auth: BasicAuth, original: str, new_key: str, timeout: float) -> None:
    """After a failure: admit either key until the charger holds the PICS's password again (best effort; the
    case's own failure stays its verdict)."""
    basic_auth.expect(original, new_key)
    with contextlib.suppress(Failed, ConnectionError):
        await cs.wait_connected(timeout)
        since = basic_auth.mark()
        response = await cs.call("ChangeConfiguration", key="AuthorizationKey", value=original)
        if response["status"] == "Accepted":
            await cs.wait_for(lambda: any(a.admitted for a in basic_auth.attempts(since)) and cs.connected,
                              "the reconnect with the configured AuthorizationKey", timeout)


@testcase("TC_079_CS", "Get Security Log", block="security", profile="Advanced Security", applies=security_log)
async def test_get_security_log(cs, pics, files: FileServers):
    """GetLog(logType SecurityLog, requestId, log.remoteLocation = the upload location) → Accepted with a
    filename; LogStatusNotification Uploading within the triggered function timeout (the upload a charger
    accepted starts at once), then Uploaded, both with the GetLog's requestId; the file of that name arrived
    at the location, not empty (kept in the run directory, files/upload/)."""
    location = files.upload_url()
    request_id = int(time.time()) % 1_000_000
    long_wait, sent_ns = pics.test_setup.timeouts.long_operation, time.monotonic_ns()
    response = await cs.call("GetLog", logType="SecurityLog", requestId=request_id, log={"remoteLocation": location},
                             retries=RETRIES, retryInterval=RETRY_INTERVAL_S, allow_error=True)
    cs.require(not response.is_error, f"GetLog.req answered with CALLERROR {response.error_code}"
               f"{f' ({response.error_description})' if response.error_description else ''}, but the PICS claims "
               f"the Security Whitepaper, of which GetLog is a part")
    cs.require(response["status"] == "Accepted", f"GetLog.conf status {response['status']}, expected Accepted")
    file_name = response.payload.get("filename")
    cs.require(bool(file_name), "GetLog.conf carries no filename: the charge point has no security log to "
                                "upload, and the plan expects a file at the location")
    try:
        uploading = await cs.expect("LogStatusNotification",
                                    timeout=pics.performance.triggered_function_timeout or cs.message_timeout)
    except Failed as failure:
        raise Failed(f"{failure}: GetLog was Accepted, so LogStatusNotification Uploading was due within the "
                     f"triggered function timeout") from None
    require_request_id(cs, uploading, request_id)
    cs.require(uploading["status"] == "Uploading",
               f"LogStatusNotification {uploading['status']}, expected Uploading first")
    final = await cs.expect("LogStatusNotification", status=one_of("Uploaded", "UploadFailure"),
                            timeout=RETRIES * RETRY_INTERVAL_S + long_wait)
    require_request_id(cs, final, request_id)
    cs.require(final["status"] == "Uploaded", f"LogStatusNotification {final['status']}, expected Uploaded "
               f"(uploads seen: {shown(files.attempts(location, since_ns=sent_ns))}{refused(files, sent_ns)})")
    content = await files.wait_upload(file_name, cs.message_timeout)
    cs.require(content is not None,
               f"the charge point reported Uploaded, but no file {file_name} (the filename of GetLog.conf) arrived "
               f"at {server_path(location)} (uploads seen: {shown(files.attempts(location))})")
    cs.require(len(content) > 0, f"the uploaded security log {file_name} is empty")


def require_request_id(cs: Station, notification: Any, request_id: int) -> None:
    cs.require(notification["requestId"] == request_id,
               f"LogStatusNotification({notification['status']}) carries requestId {notification['requestId']}, "
               f"expected {request_id}, the requestId of GetLog.req")


@testcase("TC_084_CS", "Downgrade security profile – Rejected", block="security", profile="Advanced Security",
          security_profiles=(2, 3))
async def test_downgrade_security_profile_rejected(cs, listener):
    """ChangeConfiguration(SecurityProfile = the current one − 1) → Rejected (the plan: "it is not possible to
    downgrade to a lower Security Profile"); SecurityProfile, where readable, still reads the current one."""
    current = listener.profile
    lower = str(current - 1)
    response = await cs.call("ChangeConfiguration", key="SecurityProfile", value=lower, allow_error=True)
    cs.require(not response.is_error, f"ChangeConfiguration(SecurityProfile={lower}) answered with CALLERROR "
                                      f"{response.error_code}, expected Rejected")
    cs.require(response["status"] == "Rejected",
               f"ChangeConfiguration(SecurityProfile={lower}) answered {response['status']}, expected Rejected: "
               f"the charge point is connected at security profile {current}, and downgrading to a lower "
               f"Security Profile is not possible (Security Whitepaper)")
    value = await cs.configuration("SecurityProfile")
    cs.require(value is None or str(value).strip() == str(current),
               f"GetConfiguration(SecurityProfile) reads {value} after the Rejected downgrade, expected {current}")


@testcase("TC_085_CS", "Basic Authentication – Valid username/password combination", block="security",
          security_profiles=(1, 2), features=("C-11",))
async def test_basic_authentication_valid(cs, setup, basic_auth):
    """The harness closes the connection; the charger opens a new WebSocket with ``Authorization: Basic
    base64(chargePointId:AuthorizationKey)`` (the PICS's password, as text, or as the bytes of a 32 to 40 hex
    digit key), which the listener checks and admits. A reconnect without a reboot brings no BootNotification
    (OCPP 1.6 §4.2 asks for one after a reboot), so the case ends with the charger connected again; the
    charger's very first connection of the run went through the same check."""
    cs.steps.next("the harness closes the WebSocket connection")
    since = basic_auth.mark()
    await cs.drop()
    cs.steps.next("the charge point reconnects with HTTP Basic authentication")
    attempt = await next_attempt(cs, basic_auth, since, setup.timeouts.long_operation,
                                 "the charge point to reconnect with HTTP Basic authentication")
    cs.require(attempt.admitted,
               f"the charge point's connection was {attempt.describe()}; the Authorization header must be Basic "
               f"base64(chargePointId:AuthorizationKey) with chargePointId {setup.charge_point_id} and the "
               f"configured AuthorizationKey (Security Whitepaper: HTTP Basic authentication at Security Profiles 1 and 2)")
    user = attempt.detail.get("basic_auth_user")
    cs.require(user == setup.charge_point_id,
               f"the Basic auth username is {user}, expected the chargePointId {setup.charge_point_id}")
    with contextlib.suppress(Failed):
        await cs.wait_connected(cs.message_timeout)
    cs.require(cs.connected, "the connection was admitted, but it closed again at once")


# ------------------------------------------------------------------------ TLS (TC_086, TC_087)


def negotiated(attempt: Attempt) -> str:
    """``TLS_… (TLSv1.2)``: the suite in IANA's name, as the certificate lists them."""
    iana = {openssl: name for name, (openssl, _) in CIPHER_SUITES.items()}
    cipher = attempt.detail.get("cipher")
    return f"{iana.get(cipher, cipher)} ({attempt.detail.get('tls_version')})"


async def tls_reconnect(cs: Station, pics: Any, basic_auth: BasicAuth, profile: int, what: str) -> Attempt:
    """The harness closes the connection; the charger's next attempt must be admitted over TLS 1.2 or later
    with a suite of its C-12 list (the listener offers only those, so a charger that insists on others never
    completes the handshake, and the reason says so)."""
    setup = pics.test_setup
    cs.steps.next("the harness closes the WebSocket connection")
    since = basic_auth.mark()
    await cs.drop()
    cs.steps.next(f"the charge point reconnects over wss:// with {what}")
    attempt = await next_attempt(cs, basic_auth, since, setup.timeouts.long_operation,
                                 f"the charge point to reconnect over wss:// with {what}")
    cs.require(attempt.admitted, f"the charge point's TLS connection was {attempt.describe()}; expected {what} "
                                 f"(Security Whitepaper, security profile {profile})")
    version = attempt.detail.get("tls_version")
    cs.require(version in ("TLSv1.2", "TLSv1.3"),
               f"the connection negotiated {version}; the Security Whitepaper requires TLS 1.2 or later")
    suites = {CIPHER_SUITES[s][0] for s in pics.cipher_suites if s in CIPHER_SUITES}
    cs.require(version == "TLSv1.3" or attempt.detail.get("cipher") in suites,
               f"the connection negotiated {negotiated(attempt)}, not one of its C-12 suites "
               f"({', '.join(pics.cipher_suites)})")
    with contextlib.suppress(Failed):
        await cs.wait_connected(cs.message_timeout)
    cs.require(cs.connected, "the TLS connection was admitted, but it closed again at once")
    return attempt


async def every_suite(cs: Station, pics: Any, listener: Any, basic_auth: BasicAuth) -> None:
    """Each C-12 suite the PICS claims works on its own: the listener restarts offering only that one, and
    the charger must reconnect with it (beyond OCTT, which accepts any one suite: the certificate lists every
    claimed suite as supported). The listener holds an ECDSA and an RSA server certificate when C-12 mixes the
    two kinds, so an RSA suite is tried next to the ECDSA ones. The listener offers all of them again at the
    end."""
    servable, _ = listener.servable(tuple(pics.cipher_suites))
    try:
        for suite in servable:
            cs.steps.next(f"the Central System offers only {suite}: the charge point reconnects with it")
            since = basic_auth.mark()
            await listener.switch(listener.profile, (suite,))
            attempt = await next_attempt(cs, basic_auth, since, pics.test_setup.timeouts.long_operation,
                                         f"the charge point to reconnect with {suite}, which its C-12 claims",
                                         f"no cipher suite in common: the charge point does not offer {suite}")
            cs.require(attempt.admitted, f"with only {suite} offered, the charge point's connection was "
                                         f"{attempt.describe()}; C-12 claims it supports {suite}")
            cs.require(attempt.detail.get("cipher") == CIPHER_SUITES[suite][0],
                       f"with only {suite} offered, the connection negotiated {negotiated(attempt)}")
    finally:
        if len(servable) > 0:
            await listener.switch(listener.profile)
            with contextlib.suppress(Failed):
                await cs.wait_connected(pics.test_setup.timeouts.long_operation)


@testcase("TC_086_CS", "TLS – server-side certificate – Valid certificate", block="security",
          profile="Advanced Security", security_profiles=(2,))
async def test_tls_server_side_certificate_valid(cs, pics, listener, basic_auth):
    """The harness closes the connection; the charger reconnects over wss://, having checked the harness's
    server certificate against its CentralSystemRootCertificate (the run's PKI root), with TLS 1.2 or later
    and a suite of its C-12 list, and presents ``Authorization: Basic`` with its chargePointId and
    AuthorizationKey, which the listener checks. That the charger refuses an untrusted server certificate is
    not part of this case (OCTT's is the valid-certificate path only). Then each claimed C-12 suite alone
    (:func:`every_suite`)."""
    setup = pics.test_setup
    attempt = await tls_reconnect(cs, pics, basic_auth, listener.profile, "HTTP Basic authentication")
    user = attempt.detail.get("basic_auth_user")
    cs.require(user == setup.charge_point_id,
               f"the Basic auth username is {user}, expected the chargePointId {setup.charge_point_id}")
    await every_suite(cs, pics, listener, basic_auth)


@testcase("TC_087_CS", "TLS – Client-side certificate – valid certificate", block="security",
          profile="Advanced Security", security_profiles=(3,))
async def test_tls_client_side_certificate_valid(cs, pics, listener, basic_auth):
    """As TC_086, and the charger presents its ChargePointCertificate in the handshake: the listener requires
    one that chains to the run's charge point CA (a charger without it never completes the handshake, and the
    reason names the ClientHellos the listener saw), and whose subject CN is the chargePointId (Security
    Whitepaper: the certificate names the Charge Point; refused with 403 otherwise). Then each claimed C-12
    suite alone (:func:`every_suite`)."""
    setup = pics.test_setup
    attempt = await tls_reconnect(cs, pics, basic_auth, listener.profile, "its ChargePointCertificate")
    common_name = attempt.detail.get("client_certificate_cn")
    cs.require(common_name == setup.charge_point_id,
               f"the client certificate's subject CN is {common_name}, expected the chargePointId "
               f"{setup.charge_point_id}")
    await every_suite(cs, pics, listener, basic_auth)
