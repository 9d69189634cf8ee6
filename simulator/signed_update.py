"""Secure firmware update (OCPP 1.6 Security Whitepaper edition 3: SignedUpdateFirmware,
SignedFirmwareStatusNotification).

Rules:

* SignedUpdateFirmware(requestId, firmware{location, retrieveDateTime, signingCertificate, signature}) is
  answered InvalidCertificate, with SecurityEventNotification InvalidFirmwareSigningCertificate, when the
  signing certificate is not valid now or does not chain to an installed ManufacturerRootCertificate; else
  Accepted (AcceptedCanceled when it replaces an update still going on).
* From retrieveDateTime on: Downloading and the download (as UpdateFirmware's: 1 + retries attempts in a
  protocol of ORS-16), Downloaded or DownloadFailed; then the signature (base64, ECDSA or RSA with SHA-256)
  is checked over the downloaded bytes: InvalidSignature and SecurityEventNotification InvalidFirmwareSignature,
  and nothing installed; or SignatureVerified, Installing (when no transaction runs), InstallRebooting, the
  reboot, and Installed after the BootNotification. Every notification carries the request's requestId.

Faults: ``firmware-signature-not-verified`` (a bad signature is reported SignatureVerified and installed),
``no-security-event-for-invalid-signature``, ``signed-firmware-status-wrong-request-id``,
``signed-update-accepted-then-silent`` (Accepted, then no notification and no download),
``firmware-signing-certificate-not-checked`` (any signing certificate is taken, its signature trusted).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import logging
from typing import Callable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from ocpp.v16 import call

from . import clock
from .certificate_signing import _signed_by
from .firmware import _download, tls_context, verify, without_credentials
from .link import CallFailed, Offline
from .logs import notify_security_event

LOG = logging.getLogger("simulator.signed_update")


class SignedFirmwareUpdate:
    def __init__(self, firmware, certificates, store, link, faults, tasks, transactions, security_log,
                 reboot: Callable[[], None]) -> None:
        self._firmware = firmware               # protocols of ORS-16, the CA bundle
        self._certificates = certificates       # the installed ManufacturerRootCertificates
        self._store = store
        self._link = link
        self._faults = faults
        self._tasks = tasks
        self._tx = transactions
        self._security_log = security_log
        self._reboot = reboot
        self._task: asyncio.Task | None = None

    def update(self, request_id: int, firmware: dict, retries: int | None,
               retry_interval: int | None) -> tuple[str, Callable[[], None] | None]:
        """(status, what to do after the answer); ``firmware`` with the ocpp library's snake_case keys."""
        problem = self._certificate_problem(firmware.get("signing_certificate", ""))
        if problem is not None:
            LOG.info("SignedUpdateFirmware: signing certificate refused (%s)", problem)
            return "InvalidCertificate", lambda: self._tasks.spawn(notify_security_event(
                self._link, self._security_log, "InvalidFirmwareSigningCertificate", problem), "security-event")
        status = "Accepted"
        if self._task is not None and not self._task.done():
            self._task.cancel()
            status = "AcceptedCanceled"

        def start() -> None:
            if self._faults.active("signed-update-accepted-then-silent"):
                return
            self._task = self._tasks.spawn(self._run(request_id, firmware, retries or 0, retry_interval or 0),
                                           "signed-firmware-update")
        return status, start

    def _certificate_problem(self, pem: str) -> str | None:
        if self._faults.active("firmware-signing-certificate-not-checked"):
            return None
        try:
            certificate = x509.load_pem_x509_certificate(pem.encode())
        except ValueError as exc:
            return f"signingCertificate is not PEM X.509 ({exc})"
        now = dt.datetime.now(dt.timezone.utc)
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            return "signingCertificate is not valid now"
        roots = self._certificates.roots("ManufacturerRootCertificate")
        if not any(certificate.issuer == root.subject and _signed_by(certificate, root) for root in roots):
            return "signingCertificate does not chain to an installed ManufacturerRootCertificate"
        return None

    async def _run(self, request_id: int, firmware: dict, retries: int, retry_interval: int) -> None:
        when = clock.parse(firmware.get("retrieve_date_time"))
        if when is not None:
            await asyncio.sleep(max(0.0, (when - clock.now()).total_seconds()))
        location = firmware["location"]
        image = await self._fetch(request_id, location, retries, retry_interval)
        if image is None:
            await self._report("DownloadFailed", request_id)
            return
        await self._report("Downloaded", request_id)
        if not _signature_ok(firmware.get("signing_certificate", ""), firmware.get("signature", ""), image) \
                and not self._faults.active("firmware-signature-not-verified"):
            await self._report("InvalidSignature", request_id)
            if not self._faults.active("no-security-event-for-invalid-signature"):
                await notify_security_event(self._link, self._security_log, "InvalidFirmwareSignature",
                                            f"requestId {request_id}")
            return
        await self._report("SignatureVerified", request_id)
        while self._tx.active:                   # install when no transaction runs
            await asyncio.sleep(1)
        await self._report("Installing", request_id)
        verdict = verify(image)
        if not verdict.ok:
            await self._report("InstallationFailed", request_id)
            return
        await self._report("InstallRebooting", request_id)
        self._store.data["firmware"] = {"installed": True, "at": clock.iso(), "signed_request_id": request_id}
        if verdict.version:
            self._store.data["firmware_version"] = verdict.version[:50]
        self._store.save()
        self._reboot()

    async def _fetch(self, request_id: int, location: str, retries: int, retry_interval: int) -> bytes | None:
        for attempt in range(retries + 1):
            await self._report("Downloading", request_id)
            try:
                self._firmware.check_protocol(location)
                return await asyncio.to_thread(_download, location, tls_context(self._firmware.ca_file))
            except Exception as exc:
                LOG.info("signed firmware download from %s failed (%s)", without_credentials(location), exc)
                if attempt < retries:
                    await asyncio.sleep(retry_interval)
        return None

    async def _report(self, status: str, request_id: int) -> None:
        if self._faults.active("signed-firmware-status-wrong-request-id"):
            request_id += 1
        try:
            await self._link.call(call.SignedFirmwareStatusNotification(status=status, request_id=request_id))
        except (Offline, CallFailed) as exc:
            LOG.info("SignedFirmwareStatusNotification(%s) not delivered (%s)", status, exc)


def _signature_ok(certificate_pem: str, signature: str, image: bytes) -> bool:
    """The base64 signature verifies over ``image`` with the signing certificate's key (SHA-256)."""
    try:
        key = x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()
        raw = base64.b64decode(signature, validate=True)
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(raw, image, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(raw, image, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except (ValueError, InvalidSignature, TypeError):
        return False
    return True
