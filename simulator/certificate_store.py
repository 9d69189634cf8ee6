"""The charger's certificate store (OCPP 1.6 Security Whitepaper edition 3: InstallCertificate,
GetInstalledCertificateIds, DeleteCertificate).

Rules:

* Two kinds of root are kept, persisted in the state file: CentralSystemRootCertificate (the CA file the
  charger was given for wss:// counts as one, installed from the start) and ManufacturerRootCertificate
  (``--manufacturer-root``, when given, as installed at the factory).
* InstallCertificate is Accepted for a PEM X.509 CA certificate (basicConstraints CA) valid now; Failed when
  the store already holds CertificateStoreMaxLength certificates (ORS-18); otherwise Rejected, and an invalid
  CentralSystemRootCertificate is reported with SecurityEventNotification InvalidCentralSystemCertificate.
* GetInstalledCertificateIds lists the certificateHashData (SHA256) of the installed roots of the asked type,
  or answers NotFound; the hash data is OCSP's CertID (issuer name hash, issuer key hash, serial in hex).
* DeleteCertificate removes the certificate named by its hash data (Accepted) or answers NotFound; the last
  CentralSystemRootCertificate stays when AQ-1 says it cannot be removed (Failed). Trust for wss:// keeps
  coming from the CA file: deleting a root from the list never locks the charger out of the run.

Faults: ``installed-certificate-not-listed``, ``certificate-hash-over-whole-key``, ``certificate-not-deleted``,
``invalid-root-certificate-accepted``, ``no-security-event-for-invalid-root-certificate``,
``root-certificate-key-usage-not-checked``.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Callable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from .logs import notify_security_event

LOG = logging.getLogger("simulator.certificate_store")

TYPES = ("CentralSystemRootCertificate", "ManufacturerRootCertificate")


class CertificateStore:
    def __init__(self, settings, config, store, link, faults, tasks, security_log, ca_file: str | None,
                 manufacturer_root: str | None = None) -> None:
        self._settings = settings
        self._config = config
        self._store = store
        self._link = link
        self._faults = faults
        self._tasks = tasks
        self._security_log = security_log
        if "certificates" not in store.data:
            store.data["certificates"] = {kind: [] for kind in TYPES}
            for kind, path in (("CentralSystemRootCertificate", ca_file), ("ManufacturerRootCertificate",
                                                                          manufacturer_root)):
                if path:
                    store.data["certificates"][kind] = _factory_roots(kind, path)
            store.save()

    def roots(self, kind: str) -> list[x509.Certificate]:
        """The installed certificates of ``kind`` (what a signing certificate must chain to)."""
        return [_load(p) for p in self._installed(kind)]

    def _installed(self, kind: str) -> list[str]:
        return list(self._store.data["certificates"].get(kind, []))

    def _save(self, kind: str, pems: list[str]) -> None:
        self._store.data["certificates"][kind] = pems
        self._store.save()

    # -- InstallCertificate --------------------------------------------------------------------------------
    def install(self, kind: str, certificate_pem: str) -> tuple[str, Callable[[], None] | None]:
        problem = _problem(certificate_pem, self._faults)
        if problem is not None and not self._faults.active("invalid-root-certificate-accepted"):
            LOG.info("InstallCertificate(%s) rejected: %s", kind, problem)
            if kind != "CentralSystemRootCertificate" or self._faults.active(
                    "no-security-event-for-invalid-root-certificate"):
                return "Rejected", None
            return "Rejected", lambda: self._tasks.spawn(notify_security_event(
                self._link, self._security_log, "InvalidCentralSystemCertificate", problem), "security-event")
        limit = self._config.get_int("CertificateStoreMaxLength", 0)
        if limit and sum(len(self._installed(k)) for k in TYPES) >= limit:
            return "Failed", None
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
        self._save(kind, [p for p in self._installed(kind) if _load(p) != certificate] + [_pem(certificate)])
        return "Accepted", None

    # -- GetInstalledCertificateIds --------------------------------------------------------------------------
    def hash_data(self, kind: str) -> list[dict]:
        listed = self._installed(kind)
        if self._faults.active("installed-certificate-not-listed"):
            listed = listed[:1]
        return [self._hash_data(_load(p)) for p in listed]

    def _hash_data(self, certificate: x509.Certificate) -> dict:
        request = ocsp.OCSPRequestBuilder().add_certificate(certificate, certificate, hashes.SHA256()).build()
        key_hash = request.issuer_key_hash.hex()
        if self._faults.active("certificate-hash-over-whole-key"):
            digest = hashes.Hash(hashes.SHA256())
            digest.update(certificate.public_key().public_bytes(serialization.Encoding.DER,
                                                                serialization.PublicFormat.SubjectPublicKeyInfo))
            key_hash = digest.finalize().hex()
        return {"hashAlgorithm": "SHA256", "issuerNameHash": request.issuer_name_hash.hex(),
                "issuerKeyHash": key_hash, "serialNumber": format(request.serial_number, "x")}

    # -- DeleteCertificate -----------------------------------------------------------------------------------
    def delete(self, wanted: dict) -> str:
        key = _normalised(wanted)
        for kind in TYPES:
            installed = self._installed(kind)
            for pem in installed:
                if _normalised(self._hash_data(_load(pem))) != key:
                    continue
                if (kind == "CentralSystemRootCertificate" and len(installed) == 1
                        and not self._settings.aq.get("AQ-1", False)):
                    return "Failed"         # AQ-1: the last CentralSystemRootCertificate cannot be removed
                if not self._faults.active("certificate-not-deleted"):
                    self._save(kind, [p for p in installed if p != pem])
                return "Accepted"
        return "NotFound"


def _normalised(data: dict) -> tuple[str, str, str, str]:
    return (str(data.get("hashAlgorithm", "")).upper(), str(data.get("issuerNameHash", "")).lower(),
            str(data.get("issuerKeyHash", "")).lower(), str(data.get("serialNumber", "")).lower().lstrip("0"))


def _problem(certificate_pem: str, faults) -> str | None:
    """Why the PEM is not a root a charger may install."""
    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    except ValueError as exc:
        return f"not a PEM X.509 certificate ({exc})"
    try:
        is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        return "not a CA certificate (basicConstraints CA is not set)"
    try:
        if not certificate.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign and not \
                faults.active("root-certificate-key-usage-not-checked"):
            return "its key usage does not include keyCertSign: it cannot sign certificates"
    except x509.ExtensionNotFound:
        pass
    now = dt.datetime.now(dt.timezone.utc)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        return f"not valid now (valid {certificate.not_valid_before_utc} to {certificate.not_valid_after_utc})"
    return None


def _load(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def _factory_roots(kind: str, path: str) -> list[str]:
    """The certificates of a PEM file the charger was given at the factory, as installed ``kind`` roots."""
    try:
        return [_pem(c) for c in x509.load_pem_x509_certificates(Path(path).read_bytes())]
    except (OSError, ValueError) as exc:
        LOG.warning("%s unreadable (%s): no %s listed", path, exc, kind)
        return []


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()
