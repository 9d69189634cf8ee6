"""The charger's own certificate, renewed by the Central System (OCPP 1.6 Security Whitepaper edition 3:
ExtendedTriggerMessage(SignChargePointCertificate), SignCertificate, CertificateSigned).

Rules:

* ExtendedTriggerMessage(SignChargePointCertificate) is answered Accepted; right after, the charger makes a
  new key pair (ECDSA P-256, what the C-12 ECDSA suites need) and a CSR whose subject is O = CpoName,
  CN = the chargePointId (the identity the Central System checks at security profile 3), signed with the new
  key, and sends SignCertificate(csr).
* CertificateSigned(certificateChain) is Accepted only when the chain's leaf carries the new key, is valid
  now, names this charger (CN = chargePointId), may sign a TLS handshake (Key Usage, when present, has
  digitalSignature; Extended Key Usage, when present, has clientAuth), and chains, signature by signature,
  to the Central System root the charger trusts (its CA file); otherwise Rejected and a
  SecurityEventNotification InvalidChargePointCertificate. A chain longer than CertificateSignedMaxChainSize
  (ORS-17) is Rejected as well.
* An accepted certificate and its key are written next to the key the charger started with (the key
  readable by the owner only) and used from the next connection on; the charger reconnects at once to use
  it, or, for a certificate not valid yet, when its Not valid before is reached (the whitepaper's rule).

Faults: ``csr-without-cpo-name``, ``sign-certificate-not-sent`` (Accepted, then nothing),
``signed-certificate-not-used`` (Accepted, but the old certificate is kept),
``invalid-charge-point-certificate-accepted``, ``no-security-event-for-invalid-charge-point-certificate``,
``charge-point-certificate-only-chain-checked`` (validity period, name and key usage go unchecked).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import tempfile
from pathlib import Path
from typing import Callable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from ocpp.v16 import call

from .link import CallFailed, Offline
from .logs import notify_security_event

LOG = logging.getLogger("simulator.certificate_signing")


class CertificateSigning:
    """The pending key of a renewal, and the certificate in use at security profile 3."""

    def __init__(self, settings, config, link, faults, tasks, security_log, station) -> None:
        self._settings = settings
        self._config = config
        self._link = link
        self._faults = faults
        self._tasks = tasks
        self._security_log = security_log
        self._station = station             # ca_file, client_certificate, state_path, reconnect()
        self._pending_key: ec.EllipticCurvePrivateKey | None = None

    # -- ExtendedTriggerMessage(SignChargePointCertificate) -----------------------------------------------
    def trigger(self) -> tuple[str, Callable[[], None] | None]:
        """(status, what to do after the answer)."""
        if self._faults.active("sign-certificate-not-sent"):
            return "Accepted", None
        return "Accepted", lambda: self._tasks.spawn(self._send_csr(), "sign-certificate")

    def csr(self) -> str:
        """A new key pair and the PEM CSR for it (the key is kept until CertificateSigned)."""
        self._pending_key = ec.generate_private_key(ec.SECP256R1())
        names = [x509.NameAttribute(NameOID.COMMON_NAME, self._settings.charge_point_id)]
        cpo_name = self._config.get("CpoName") or ""
        if cpo_name and not self._faults.active("csr-without-cpo-name"):
            names.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, cpo_name))
        request = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(names))
        signed = request.sign(self._pending_key, hashes.SHA256())
        return signed.public_bytes(serialization.Encoding.PEM).decode()

    async def _send_csr(self) -> None:
        try:
            response = await self._link.call(call.SignCertificate(csr=self.csr()))
            LOG.info("SignCertificate answered %s", getattr(response, "status", response))
        except (Offline, CallFailed) as exc:
            LOG.info("SignCertificate not delivered (%s)", exc)

    # -- CertificateSigned ---------------------------------------------------------------------------------
    def certificate_signed(self, chain_pem: str) -> tuple[str, Callable[[], None] | None]:
        """(status, what to do after the answer)."""
        problem = self._problem(chain_pem)
        if problem is not None and not self._faults.active("invalid-charge-point-certificate-accepted"):
            LOG.info("CertificateSigned rejected: %s", problem)
            if self._faults.active("no-security-event-for-invalid-charge-point-certificate"):
                return "Rejected", None
            return "Rejected", lambda: self._tasks.spawn(notify_security_event(
                self._link, self._security_log, "InvalidChargePointCertificate", problem), "security-event")
        if self._faults.active("signed-certificate-not-used") or self._pending_key is None:
            return "Accepted", None
        key, self._pending_key = self._pending_key, None
        wait_s = _until_valid(chain_pem)
        if wait_s > 0:          # the whitepaper: switch to it as soon as its Not valid before is reached
            LOG.info("CertificateSigned: the certificate is valid in %.0f s; switching to it then", wait_s)
            return "Accepted", lambda: self._tasks.spawn(self._switch_later(chain_pem, key, wait_s),
                                                         "certificate-switch")
        self._install(chain_pem, key)
        return "Accepted", self._station.reconnect

    async def _switch_later(self, chain_pem: str, key: ec.EllipticCurvePrivateKey, wait_s: float) -> None:
        await asyncio.sleep(wait_s)
        self._install(chain_pem, key)
        self._station.reconnect()

    def _problem(self, chain_pem: str) -> str | None:
        """Why the chain is not a certificate for the pending key that the trusted root vouches for."""
        try:
            chain = x509.load_pem_x509_certificates(chain_pem.encode())
        except ValueError as exc:
            return f"certificateChain is not PEM X.509 ({exc})"
        limit = self._config.get_int("CertificateSignedMaxChainSize", 0)
        if limit and len(chain_pem.encode()) > limit:
            return f"certificateChain is {len(chain_pem.encode())} bytes, more than CertificateSignedMaxChainSize {limit}"
        leaf = chain[0]
        if self._pending_key is None or leaf.public_key() != self._pending_key.public_key():
            return "the certificate does not carry the key of the last CSR"
        if not self._faults.active("charge-point-certificate-only-chain-checked"):
            if (problem := self._property_problem(leaf)) is not None:
                return problem
        roots = _load_roots(self._station.ca_file)
        current = leaf
        for _ in range(len(chain)):
            if _issued_by_root(current, roots):
                return None
            issuer = next((c for c in chain[1:] if c.subject == current.issuer and _signed_by(current, c)), None)
            if issuer is None:
                break
            current = issuer
        return "the certificate does not chain to the Central System root this charge point trusts"

    def _property_problem(self, leaf: x509.Certificate) -> str | None:
        """Validity period, subject and key usage: what makes a certificate of the right CA unusable here."""
        now = dt.datetime.now(dt.timezone.utc)
        if now > leaf.not_valid_after_utc:
            return f"the certificate expired at {leaf.not_valid_after_utc}"
        names = [a.value for a in leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        if names != [self._settings.charge_point_id]:
            return f"the certificate's CN is {names}, not this charge point's {self._settings.charge_point_id}"
        try:
            usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
            if not usage.digital_signature:
                return "the certificate's Key Usage lacks digitalSignature"
        except x509.ExtensionNotFound:
            pass
        try:
            extended = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            if ExtendedKeyUsageOID.CLIENT_AUTH not in extended:
                return "the certificate's Extended Key Usage lacks clientAuth"
        except x509.ExtensionNotFound:
            pass
        return None

    def _install(self, chain_pem: str, key: ec.EllipticCurvePrivateKey) -> None:
        """Next to the key it was started with (never next to the state file, which lies in the harness's run
        directory, where no private key may be), else in a private temporary directory."""
        current = self._station.client_certificate
        folder = Path(current[1]).parent if current else Path(tempfile.mkdtemp(prefix="ocpp-sim-certificate-"))
        stem = f"{self._settings.charge_point_id}-renewed"
        certificate, private_key = folder / f"{stem}.pem", folder / f"{stem}.key"
        certificate.write_text(chain_pem, encoding="utf-8")
        data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
        fd = os.open(private_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        self._station.client_certificate = (str(certificate), str(private_key))


def _until_valid(chain_pem: str) -> float:
    """Seconds until the leaf's Not valid before (0 when it is valid already)."""
    try:
        leaf = x509.load_pem_x509_certificates(chain_pem.encode())[0]
    except ValueError:
        return 0.0
    return max(0.0, (leaf.not_valid_before_utc - dt.datetime.now(dt.timezone.utc)).total_seconds())


def _load_roots(ca_file: str | None) -> list[x509.Certificate]:
    if not ca_file:
        return []
    try:
        return x509.load_pem_x509_certificates(Path(ca_file).read_bytes())
    except (OSError, ValueError):
        return []


def _issued_by_root(certificate: x509.Certificate, roots: list[x509.Certificate]) -> bool:
    return any(certificate.issuer == root.subject and _signed_by(certificate, root) for root in roots)


def _signed_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    key = issuer.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(certificate.signature, certificate.tbs_certificate_bytes,
                       ec.ECDSA(certificate.signature_hash_algorithm))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(certificate.signature, certificate.tbs_certificate_bytes, padding.PKCS1v15(),
                       certificate.signature_hash_algorithm)
        else:
            return False
    except (InvalidSignature, TypeError, ValueError):
        return False
    return True
