"""10 Security: the Charge Point certificate renewed by request of the Central System (TC_074_CS) and an
invalid one refused (TC_077_CS), OCPP 1.6 Security Whitepaper edition 3.

The harness plays the CPO's CA (harness/csr.py): it judges the CSR of SignCertificate (signature, key type
and size, subject O = CpoName and CN = chargePointId), issues the certificate from the run's PKI root, and
checks on the wire, in the TLS handshake of the charger's next connection, that the charger presents the
certificate it was sent (the listener records the client certificate's serial number). The invalid
certificates of TC_077 are for the charger's own new key, each wrong in one way the whitepaper has the
charger check (harness/csr.py, INVALID_CERTIFICATES).
"""

from __future__ import annotations

from typing import Any

from harness.csms.basic_auth import BasicAuth
from harness.csms.station import Station
from harness.csr import INVALID_CERTIFICATES, Csr, issue, serial_hex
from harness.testcase import testcase
from harness.verdicts import Failed


async def requested_csr(cs: Station, pics: Any) -> Csr:
    """ExtendedTriggerMessage(SignChargePointCertificate) → Accepted, then SignCertificate with a CSR the
    harness can issue a certificate for, within the triggered function timeout."""
    setup = pics.test_setup
    response = await cs.call("ExtendedTriggerMessage", requestedMessage="SignChargePointCertificate",
                             allow_error=True)
    cs.require(not response.is_error, f"ExtendedTriggerMessage(SignChargePointCertificate) answered with CALLERROR "
                                      f"{response.error_code}, expected Accepted")
    cs.require(response["status"] == "Accepted", f"ExtendedTriggerMessage(SignChargePointCertificate) answered "
                                                 f"{response['status']}, expected Accepted")
    timeout = pics.performance.triggered_function_timeout or cs.message_timeout
    sign = await cs.expect("SignCertificate", timeout=timeout)
    csr = Csr.parse(sign["csr"])
    cpo_name = await cs.configuration("CpoName")
    problems = csr.problems(setup.charge_point_id, cpo_name)
    cs.require(not problems, "SignCertificate.req: " + "; ".join(problems))
    assert csr.request is not None
    return csr


@testcase("TC_074_CS", "Update Charge Point Certificate by request of Central System", block="security",
          profile="Advanced Security", security_profiles=(3,))
async def test_update_charge_point_certificate(cs, pics, pki, basic_auth: BasicAuth):
    """ExtendedTriggerMessage(SignChargePointCertificate) → Accepted; SignCertificate(csr) within the triggered
    function timeout, answered Accepted, the CSR checked (harness/csr.py); CertificateSigned(the chain the
    harness issued for it) → Accepted; the charger reconnects presenting that certificate (its serial number
    in the TLS handshake), within the long operation timeout."""
    csr = await requested_csr(cs, pics)
    chain, leaf = issue(pki, csr.request)
    since = basic_auth.mark()
    response = await cs.call("CertificateSigned", certificateChain=chain)
    cs.require(response["status"] == "Accepted",
               f"CertificateSigned answered {response['status']}, expected Accepted: the chain is the run's CA's "
               f"certificate for the CSR's key ({csr.describe()}), valid now")
    cs.steps.next("the charge point reconnects presenting the new ChargePointCertificate")
    expected, timeout = serial_hex(leaf), pics.test_setup.timeouts.long_operation
    try:
        await cs.wait_for(lambda: any(a.admitted and a.detail.get("client_certificate_serial") == expected
                                      for a in basic_auth.attempts(since)) and cs.connected,
                          "the reconnect with the new ChargePointCertificate", timeout)
    except Failed as failure:
        if str(failure).startswith(cs.steps.current):      # a decisive finding of the evidence rules
            raise
        seen = [a.detail.get("client_certificate_serial") or a.describe() for a in basic_auth.attempts(since)]
        cs.require(False, f"no reconnect presenting the new ChargePointCertificate (serial {expected}) within "
                          f"{timeout:.1f} s after CertificateSigned was Accepted; "
                          + (f"connections seen: {', '.join(map(str, seen))}" if seen else "the charge point did not reconnect"))


@testcase("TC_077_CS", "Invalid ChargePointCertificate Security Event", block="security",
          profile="Advanced Security", security_profiles=(3,))
async def test_invalid_charge_point_certificate_security_event(cs, pics, pki):
    """For each invalid certificate of :data:`harness.csr.INVALID_CERTIFICATES` (unknown CA, expired, another
    charge point's CN, no digitalSignature), each for the key of a fresh CSR: ExtendedTriggerMessage
    (SignChargePointCertificate) → Accepted; SignCertificate → Accepted; CertificateSigned(the invalid
    certificate) → Rejected; SecurityEventNotification type InvalidChargePointCertificate within the triggered
    function timeout. OCTT sends one invalid certificate (its plan: "wrong CA, expired or malformed"); the
    harness sends one per check the whitepaper asks of the charger (validity period, certificate properties,
    CPO certificate hierarchy), so it is stricter."""
    timeout = pics.performance.triggered_function_timeout or cs.message_timeout
    for kind, (wrong, make) in INVALID_CERTIFICATES.items():
        csr = await requested_csr(cs, pics)
        response = await cs.call("CertificateSigned", certificateChain=make(pki, csr.request))
        cs.require(response["status"] == "Rejected",
                   f"CertificateSigned answered {response['status']}, expected Rejected: the certificate was "
                   f"{wrong} (Security Whitepaper A02: the charge point verifies validity period, certificate "
                   f"properties and CPO certificate hierarchy, and rejects an invalid certificate)")
        try:
            await cs.expect("SecurityEventNotification", type="InvalidChargePointCertificate", timeout=timeout)
        except Failed as failure:
            raise Failed(f"{failure}; it had rejected the certificate {wrong}") from None
