"""10 Security: the charger's certificate store, OCPP 1.6 Security Whitepaper edition 3: TC_075_1_CS,
TC_075_2_CS (InstallCertificate of a root, then listed by GetInstalledCertificateIds), TC_076_CS
(DeleteCertificate) and TC_078_CS (an invalid CentralSystemRootCertificate Rejected, with its security event).

The harness computes every certificateHashData itself (harness/certificate_hash.py: OCSP's CertID) and
compares it with what the charger lists. The roots it installs are made for the case (their keys thrown away)
and deleted again at the end, so the charger keeps trusting exactly what it trusted before: OCTT leaves the
installed certificate in place (the plan's "Memory: CertificateInstalled" of TC_076); here TC_076 installs the
one it deletes, so the case stands alone.
"""

from __future__ import annotations

import contextlib
from typing import Any

from cryptography import x509

from harness.certificate_hash import HashData, pem, test_root
from harness.csms.station import Station
from harness.testcase import testcase
from harness.verdicts import Failed

#: the plan: certificate management at security profile 2 or 3
AT_TLS = (2, 3)


async def installed(cs: Station, kind: str) -> list[HashData]:
    """GetInstalledCertificateIds(certificateType) → its certificateHashData (none when NotFound)."""
    response = await cs.call("GetInstalledCertificateIds", certificateType=kind)
    status = response["status"]
    cs.require(status in ("Accepted", "NotFound"),
               f"GetInstalledCertificateIds({kind}) answered {status}, expected Accepted or NotFound")
    return [HashData.from_ocpp(d) for d in response.payload.get("certificateHashData") or []]


async def install(cs: Station, kind: str, certificate: x509.Certificate) -> None:
    response = await cs.call("InstallCertificate", certificateType=kind, certificate=pem(certificate))
    cs.require(response["status"] == "Accepted",
               f"InstallCertificate({kind}) answered {response['status']}, expected Accepted: a self-signed CA "
               f"certificate, valid now (serialNumber {format(certificate.serial_number, 'x')})")


def expected_hash(listed: list[HashData], certificate: x509.Certificate) -> HashData:
    """The hash data of ``certificate`` in the algorithm the charger uses (SHA256 when it lists none)."""
    algorithm = listed[0].hash_algorithm if listed and listed[0].hash_algorithm in ("SHA256", "SHA384", "SHA512") \
        else "SHA256"
    return HashData.of(certificate, algorithm)


def require_listed(cs: Station, kind: str, listed: list[HashData], certificate: x509.Certificate) -> HashData:
    wanted = expected_hash(listed, certificate)
    same_serial = [h for h in listed if h.serial_number == wanted.serial_number]
    cs.require(wanted in listed,
               f"GetInstalledCertificateIds({kind}) does not list the installed certificate: expected "
               f"{wanted.describe()}; " + (f"the entry with its serialNumber has {same_serial[0].describe()} "
                                           f"(issuerKeyHash is the hash of the issuer's public key bits, as in "
                                           f"OCSP's CertID)" if same_serial else
                                           f"listed: {', '.join(h.describe() for h in listed) or 'none'}"))
    return wanted


async def delete(cs: Station, hash_data: HashData, what: str) -> None:
    response = await cs.call("DeleteCertificate", certificateHashData=hash_data.to_ocpp())
    cs.require(response["status"] == "Accepted",
               f"DeleteCertificate({what}: {hash_data.describe()}) answered {response['status']}, expected Accepted")


async def install_listed_and_removed(cs: Station, kind: str) -> None:
    """InstallCertificate(kind, a new root) → Accepted; GetInstalledCertificateIds(kind) lists it with the
    hash data the harness computed; DeleteCertificate → Accepted; it is no longer listed."""
    root = test_root(f"OCPP harness {kind} test root")
    await install(cs, kind, root)
    wanted = require_listed(cs, kind, await installed(cs, kind), root)
    cs.steps.next("the installed certificate is deleted again")
    await delete(cs, wanted, f"the {kind} just installed")
    cs.require(wanted not in await installed(cs, kind),
               f"GetInstalledCertificateIds({kind}) still lists {wanted.describe()} after DeleteCertificate "
               f"answered Accepted")


@testcase("TC_075_1_CS", "Install a certificate on the Charge Point – ManufacturerRootCertificate",
          block="security", profile="Advanced Security", security_profiles=AT_TLS)
async def test_install_manufacturer_root_certificate(cs):
    """InstallCertificate(ManufacturerRootCertificate, a root made for the case) → Accepted;
    GetInstalledCertificateIds(ManufacturerRootCertificate) → Accepted, listing it; deleted again."""
    await install_listed_and_removed(cs, "ManufacturerRootCertificate")


@testcase("TC_075_2_CS", "Install a certificate on the Charge Point – CentralSystemRootCertificate",
          block="security", profile="Advanced Security", security_profiles=AT_TLS)
async def test_install_central_system_root_certificate(cs):
    """As TC_075_1 with a CentralSystemRootCertificate; deleted again (as EVerest does), so the charger
    trusts only the run's root afterwards."""
    await install_listed_and_removed(cs, "CentralSystemRootCertificate")


@testcase("TC_076_CS", "Delete a specific certificate from the Charge Point", block="security",
          profile="Advanced Security", security_profiles=AT_TLS)
async def test_delete_certificate(cs):
    """InstallCertificate(CentralSystemRootCertificate, a root made for the case) → Accepted (the plan's
    CertificateInstalled); GetInstalledCertificateIds → Accepted (its hashAlgorithm); DeleteCertificate(the hash
    data the harness computed in that algorithm) → Accepted; GetInstalledCertificateIds no longer lists it,
    and still lists the others (the root of the run's own connection)."""
    kind = "CentralSystemRootCertificate"
    root = test_root("OCPP harness TC_076 root")
    await install(cs, kind, root)
    before = await installed(cs, kind)
    wanted = expected_hash(before, root)
    await delete(cs, wanted, "the CentralSystemRootCertificate installed for the case")
    after = await installed(cs, kind)
    cs.require(wanted not in after, f"GetInstalledCertificateIds({kind}) still lists {wanted.describe()} after "
                                    f"DeleteCertificate answered Accepted")
    others = [h for h in before if h != wanted]
    cs.require(all(h in after for h in others),
               f"DeleteCertificate removed more than the certificate it named: before "
               f"{len(before)} listed, after {len(after)}")


#: The invalid CentralSystemRootCertificates of TC_078_CS: what is wrong with each, in the reason's words.
#: A root that is only *not yet* valid is left out: the whitepaper does not say a charger must refuse it.
INVALID_ROOTS = {
    "expired": lambda: test_root("OCPP harness expired root", expired=True),
    "without keyCertSign": lambda: test_root("OCPP harness root that cannot sign", signs_certificates=False),
}


def what_is_wrong(kind: str, root: x509.Certificate) -> str:
    if kind == "expired":
        return f"a root that expired on {root.not_valid_after_utc:%Y-%m-%d}"
    return "a root whose Key Usage lacks keyCertSign (it cannot sign certificates)"


@testcase("TC_078_CS", "Invalid CentralSystemCertificate Security Event", block="security",
          profile="Advanced Security", security_profiles=AT_TLS)
async def test_invalid_central_system_certificate_security_event(cs, pics: Any):
    """For an expired root, then a root whose Key Usage lacks keyCertSign: InstallCertificate
    (CentralSystemRootCertificate, it) → Rejected; SecurityEventNotification type
    InvalidCentralSystemCertificate within the triggered function timeout. OCTT sends one invalid certificate;
    the second checks the certificate's properties, not only its dates (stricter than OCTT). A root the
    charger wrongly accepted is deleted again."""
    timeout = pics.performance.triggered_function_timeout or cs.message_timeout
    for kind, make in INVALID_ROOTS.items():
        root = make()
        wrong = what_is_wrong(kind, root)
        response = await cs.call("InstallCertificate", certificateType="CentralSystemRootCertificate",
                                 certificate=pem(root))
        try:
            cs.require(response["status"] == "Rejected",
                       f"InstallCertificate(CentralSystemRootCertificate) of {wrong} answered {response['status']}, "
                       f"expected Rejected (Security Whitepaper: an invalid certificate is rejected and reported "
                       f"with SecurityEventNotification InvalidCentralSystemCertificate)")
        finally:
            if response["status"] == "Accepted":        # put the charger back as it was
                with contextlib.suppress(Failed):
                    await cs.call("DeleteCertificate", certificateHashData=HashData.of(root).to_ocpp())
        try:
            await cs.expect("SecurityEventNotification", type="InvalidCentralSystemCertificate", timeout=timeout)
        except Failed as failure:
            raise Failed(f"{failure}; it had rejected {wrong}") from None
