"""10 Security: secure firmware update, OCPP 1.6 Security Whitepaper edition 3: TC_080_CS (a valid signature
installs) and TC_081_CS (an invalid signature is refused, with its security event).

The harness plays the manufacturer (harness/firmware_signature.py): it installs its ManufacturerRootCertificate
on the charger (InstallCertificate, as EVerest's tests do), signs the image its file server serves (the
vendor's own with ``--firmware-dir``), sends SignedUpdateFirmware, and deletes its root again at the end, so
the charger trusts what it trusted before. A vendor who puts its own signature and signing certificate in
``--firmware-dir`` (``valid.bin.sig``, ``signing-certificate.pem``) gets them sent instead, and nothing
installed. Every SignedFirmwareStatusNotification must carry the request's
requestId, in the whitepaper's order: Downloading, Downloaded, SignatureVerified, Installing,
InstallRebooting (optional, as in the plan), the reboot, Installed.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any, AsyncIterator

from cryptography import x509

from harness.certificate_hash import HashData
from harness.csms.matching import not_equal, one_of
from harness.csms.station import Received, Response, Station
from harness.files import FileServers, claims_security_whitepaper
from harness.firmware_signature import Signer, foreign_signature
from harness.security_profiles import supported
from harness.testcase import all_of, testcase
from harness.verdicts import Failed
from testcases.firmware.test_firmware import RETRIEVE_IN_S, firmware_management, require_downloaded, retrieve_date

MANUFACTURER_ROOT = "ManufacturerRootCertificate"
FINAL = ("Installed", "InstallationFailed", "DownloadFailed", "InvalidSignature", "InvalidCertificate")


def secure_firmware(pics: Any) -> str | None:
    """Signed firmware is part of the Security Whitepaper: claimed with Advanced Security, or with security
    profile 2 (the seed certificate's Core: "secure firmware updates and Security Profile 2")."""
    if claims_security_whitepaper(pics) or 2 in supported(pics):
        return None
    return ("Advanced Security = No in certification_profiles and security profile 2 not claimed (Core with "
            "cipher suites, C-12): the charger does not claim the Security Whitepaper's secure firmware update")


APPLIES = all_of(firmware_management, secure_firmware)


@contextlib.asynccontextmanager
async def manufacturer_root(cs: Station, signer: Signer, timeout: float) -> AsyncIterator[None]:
    """The harness's ManufacturerRootCertificate installed for the case, and deleted after it (once the
    charger is connected again, best effort: the case's own verdict stands). With the vendor's own signature
    nothing is installed: the charger trusts the vendor's root already."""
    root_pem = signer.root_pem()
    if root_pem is not None:
        response = await cs.call("InstallCertificate", certificateType=MANUFACTURER_ROOT, certificate=root_pem)
        cs.require(response["status"] == "Accepted",
                   f"InstallCertificate(ManufacturerRootCertificate) answered {response['status']}, expected "
                   f"Accepted: the charger must trust the signing certificate of the firmware (a root made for "
                   f"the run)")
    try:
        yield
    except Failed:              # let an update going on end first, so its reboot stays in this case
        def over() -> bool:
            return any(r.action == "SignedFirmwareStatusNotification" and r["status"] in FINAL for r in cs.since())
        if any(r.action == "SignedFirmwareStatusNotification" for r in cs.since()):    # else none began
            with contextlib.suppress(Failed):
                await cs.wait_for(over, "the signed firmware update to end", timeout)
        raise
    finally:
        if root_pem is not None:
            await delete_root(cs, root_pem, timeout)


async def delete_root(cs: Station, root_pem: str, timeout: float) -> None:
    """DeleteCertificate of the root the case installed, once the charger is connected again."""
    root = x509.load_pem_x509_certificate(root_pem.encode())
    with contextlib.suppress(Failed, ConnectionError):
        await cs.wait_connected(timeout)
        await cs.call("DeleteCertificate", certificateHashData=HashData.of(root).to_ocpp())


async def send_signed_update(cs: Station, files: FileServers, signing_pem: str,
                             signature: str) -> tuple[Response, int, str, float, int]:
    """SignedUpdateFirmware of the served valid image with a retrieveDateTime just ahead: (the response, its
    requestId (unique per call), the location, retrieveDateTime on the monotonic clock, when it was sent)."""
    location = files.firmware_url("valid")
    date, retrieve_at = retrieve_date()
    request_id, sent_ns = time.monotonic_ns() // 1_000_000 % 1_000_000, time.monotonic_ns()
    response = await cs.call("SignedUpdateFirmware", requestId=request_id, firmware={
        "location": location, "retrieveDateTime": date, "signingCertificate": signing_pem, "signature": signature})
    return response, request_id, location, retrieve_at, sent_ns


async def signed_update(cs: Station, files: FileServers, signer: Signer, *, valid: bool) -> tuple[int, str, float, int]:
    """SignedUpdateFirmware of the served valid image, signed (or not) by the harness → Accepted:
    (requestId, location, retrieveDateTime on the monotonic clock, when it was sent)."""
    image = files.image("valid")
    signature = signer.sign(image) if valid else signer.wrong_signature(image)
    response, request_id, location, retrieve_at, sent_ns = await send_signed_update(
        cs, files, signer.signing_pem(), signature)
    trusted = ("the ManufacturerRootCertificate just installed" if signer.root_pem() is not None
               else "the vendor's ManufacturerRootCertificate (--firmware-dir holds the vendor's signature)")
    cs.require(response["status"] == "Accepted",
               f"SignedUpdateFirmware answered {response['status']}, expected Accepted: the signingCertificate "
               f"chains to {trusted}")
    return request_id, location, retrieve_at, sent_ns


async def next_status(cs: Station, request_id: int, previous: str, expected: tuple[str, ...],
                      timeout: float) -> Received:
    """The SignedFirmwareStatusNotification after ``previous`` (repeats skipped) must be one of ``expected``,
    with the request's requestId."""
    received = await cs.expect("SignedFirmwareStatusNotification", status=not_equal(previous), timeout=timeout)
    cs.require(received["status"] in expected,
               f"SignedFirmwareStatusNotification {received['status']} followed {previous}, expected "
               f"{' or '.join(expected)} (Security Whitepaper: Downloading, Downloaded, SignatureVerified, "
               f"Installing, InstallRebooting, Installed)")
    require_request_id(cs, received, request_id)
    return received


def require_request_id(cs: Station, notification: Received, request_id: int) -> None:
    cs.require(notification["requestId"] == request_id,
               f"SignedFirmwareStatusNotification({notification['status']}) carries requestId "
               f"{notification['requestId']}, expected {request_id}, the requestId of SignedUpdateFirmware.req")


async def downloaded(cs: Station, files: FileServers, request_id: int, location: str, retrieve_at: float,
                     sent_ns: int, pics: Any) -> Received:
    """Downloading (with the requestId) within the triggered function timeout after retrieveDateTime, then
    Downloaded, and the server sent the whole image: the Downloaded notification."""
    triggered = pics.performance.triggered_function_timeout or cs.message_timeout
    long_wait = pics.test_setup.timeouts.long_operation
    try:
        first = await cs.expect("SignedFirmwareStatusNotification", status="Downloading",
                                timeout=RETRIEVE_IN_S + triggered)
    except Failed as failure:
        raise Failed(f"{failure}: SignedUpdateFirmware was Accepted with a retrieveDateTime {RETRIEVE_IN_S} s "
                     f"ahead, so Downloading was due within the triggered function timeout after it") from None
    require_request_id(cs, first, request_id)
    done = await next_status(cs, request_id, "Downloading", ("Downloaded",), long_wait)
    await require_downloaded(cs, files, location, retrieve_at, sent_ns)
    return done


@testcase("TC_080_CS", "Secure Firmware Update", block="security", profile="Advanced Security", applies=APPLIES)
async def test_secure_firmware_update(cs, pics, files: FileServers, firmware_signer: Signer):
    """InstallCertificate(ManufacturerRootCertificate) → Accepted; SignedUpdateFirmware(the served image, signed
    by the harness) → Accepted; SignedFirmwareStatusNotification Downloading, Downloaded (the server sent the
    image), SignatureVerified, Installing, (InstallRebooting), the reboot (BootNotification), Installed, all
    with the requestId; the root is deleted again."""
    long_wait = pics.test_setup.timeouts.long_operation
    async with manufacturer_root(cs, firmware_signer, long_wait):
        request_id, location, retrieve_at, sent_ns = await signed_update(cs, files, firmware_signer, valid=True)
        await downloaded(cs, files, request_id, location, retrieve_at, sent_ns, pics)
        await next_status(cs, request_id, "Downloaded", ("SignatureVerified",), long_wait)
        await next_status(cs, request_id, "SignatureVerified", ("Installing",), long_wait)
        await cs.expect("BootNotification", timeout=long_wait)
        installed = await cs.expect("SignedFirmwareStatusNotification", status=one_of(*FINAL), timeout=long_wait)
        require_request_id(cs, installed, request_id)
        cs.require(installed["status"] == "Installed",
                   f"SignedFirmwareStatusNotification {installed['status']} after the reboot, expected Installed")


@testcase("TC_081_CS", "Secure Firmware Update – Invalid Signature", block="security", profile="Advanced Security",
          applies=APPLIES)
async def test_secure_firmware_update_invalid_signature(cs, pics, files: FileServers,
                                                        firmware_signer: Signer):
    """As TC_080 with a signature over other bytes: Downloading, Downloaded, then in any order
    SignedFirmwareStatusNotification InvalidSignature and SecurityEventNotification InvalidFirmwareSignature;
    no Installing and no reboot within a message timeout after them. Then, beyond OCTT (the whitepaper's
    other refusal, which no case of the plan covers): a signing certificate of a manufacturer the charger does
    not trust (:func:`foreign_certificate_refused`)."""
    long_wait = pics.test_setup.timeouts.long_operation
    async with manufacturer_root(cs, firmware_signer, long_wait):
        request_id, location, retrieve_at, sent_ns = await signed_update(cs, files, firmware_signer, valid=False)
        done = await downloaded(cs, files, request_id, location, retrieve_at, sent_ns, pics)
        await next_status(cs, request_id, "Downloaded", ("InvalidSignature",), long_wait)
        # the plan's steps 7-10 come in any order: the security event may precede the InvalidSignature status
        if not any(r.action == "SecurityEventNotification" and r["type"] == "InvalidFirmwareSignature"
                   for r in cs.since(done)):
            await cs.expect("SecurityEventNotification", type="InvalidFirmwareSignature",
                            timeout=cs.message_timeout)
        await cs.expect_no("SignedFirmwareStatusNotification", within=cs.message_timeout,
                           status=one_of("SignatureVerified", "Installing", "InstallRebooting", "Installed"))
        cs.require(not any(r.action == "BootNotification" for r in cs.since()),
                   "the charge point rebooted after reporting InvalidSignature: a firmware whose signature does "
                   "not verify must not be installed")
    await foreign_certificate_refused(cs, files, pics)


async def foreign_certificate_refused(cs: Station, files: FileServers, pics: Any) -> None:
    """SignedUpdateFirmware of the served image with a signingCertificate that chains to no
    ManufacturerRootCertificate of the charger (the signature itself verifies) → InvalidCertificate, and
    SecurityEventNotification InvalidFirmwareSigningCertificate within the triggered function timeout. A charger
    that accepts is given the time to finish what it started, so its reboot stays in this case."""
    response, *_ = await send_signed_update(cs, files, *foreign_signature(files.image("valid")))
    status = response["status"]
    if status in ("Accepted", "AcceptedCanceled"):
        with contextlib.suppress(Failed):
            await cs.expect("SignedFirmwareStatusNotification", status=one_of(*FINAL),
                            timeout=RETRIEVE_IN_S + pics.test_setup.timeouts.long_operation)
    cs.require(status == "InvalidCertificate",
               f"SignedUpdateFirmware with a signingCertificate that chains to none of the charge point's "
               f"ManufacturerRootCertificates answered {status}, expected InvalidCertificate (Security Whitepaper: "
               f"an invalid signing certificate is refused and reported with SecurityEventNotification "
               f"InvalidFirmwareSigningCertificate)")
    await cs.expect("SecurityEventNotification", type="InvalidFirmwareSigningCertificate",
                    timeout=pics.performance.triggered_function_timeout or cs.message_timeout)
