"""The harness as the firmware's manufacturer (OCPP 1.6 Security Whitepaper edition 3, TC_080_CS and
TC_081_CS): a ManufacturerRootCertificate and a firmware signing certificate under it, kept in the PKI
directory (keys mode 0600, never in a run directory), and signatures over the images the run's file servers
serve.

A charger trusts a firmware signing certificate that chains to one of its ManufacturerRootCertificates; the
cases install the harness's root with InstallCertificate first (as EVerest's tests do) and delete it after, so
a real charger can be tested with the image its vendor provides (``--firmware-dir``), signed here. The
signature is ECDSA P-256 over SHA-256 of the file, DER, in base64 (the whitepaper: "Base64 encoded firmware
signature").

A vendor whose charger trusts only its factory ManufacturerRootCertificate puts its own signing material
beside its image in ``--firmware-dir``: ``valid.bin.sig`` (the signature of ``valid.bin``, base64 text or
raw bytes) and ``signing-certificate.pem``. Then :class:`VendorSignature` stands in for the signer: nothing is
installed or deleted, TC_080 sends the vendor's signature and TC_081 the same signature with its last byte
changed.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from harness.pki import _write_key, pki_lock
from harness.verdicts import HarnessError

FOLDER = "firmware-signing"
VALIDITY = dt.timedelta(days=825)


@dataclass(frozen=True)
class FirmwareSigner:
    """The manufacturer's root and signing certificate in ``directory`` (created when missing)."""

    directory: Path

    @property
    def root_certificate(self) -> Path:
        return self.directory / "manufacturer-root.pem"

    @property
    def signing_certificate(self) -> Path:
        return self.directory / "firmware-signing.pem"

    @classmethod
    def ensure(cls, pki_dir: Path) -> "FirmwareSigner":
        signer = cls(pki_dir / FOLDER)
        with pki_lock(pki_dir):                 # the workers of a parallel run start together
            signer.directory.mkdir(parents=True, exist_ok=True)
            os.chmod(signer.directory, 0o700)
            if not (signer.root_certificate.exists() and signer.signing_certificate.exists()):
                signer._create()
        return signer

    def _create(self) -> None:
        root, key, leaf = _manufacturer("OCPP harness")
        _write_key(self.directory / "firmware-signing.key", key)
        self.root_certificate.write_bytes(root.public_bytes(serialization.Encoding.PEM))
        self.signing_certificate.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))

    def root_pem(self) -> str:
        return self.root_certificate.read_text(encoding="utf-8")

    def signing_pem(self) -> str:
        return self.signing_certificate.read_text(encoding="utf-8")

    def sign(self, image: bytes) -> str:
        """The base64 signature of ``image`` with the signing key."""
        key = serialization.load_pem_private_key((self.directory / "firmware-signing.key").read_bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return base64.b64encode(key.sign(image, ec.ECDSA(hashes.SHA256()))).decode()

    def wrong_signature(self, image: bytes) -> str:
        """A signature by the signing key over other bytes (the image with one byte changed): the invalid
        signature of TC_081_CS."""
        tampered = bytes([image[0] ^ 0x01]) + image[1:] if image else b"\x01"
        return self.sign(tampered)


VENDOR_SIGNATURE = "valid.bin.sig"
VENDOR_CERTIFICATE = "signing-certificate.pem"


@dataclass(frozen=True)
class VendorSignature:
    """The vendor's signing certificate and its signature of ``valid.bin`` (see the module docstring)."""

    signature: str          # base64
    certificate: str        # PEM

    def root_pem(self) -> None:
        """Nothing to install: the charger trusts the vendor's root from the factory."""
        return None

    def signing_pem(self) -> str:
        return self.certificate

    def sign(self, image: bytes) -> str:
        return self.signature

    def wrong_signature(self, image: bytes) -> str:
        """The vendor's signature with its last byte changed (its DER structure stays whole)."""
        raw = base64.b64decode(self.signature)
        return base64.b64encode(raw[:-1] + bytes([raw[-1] ^ 0x01])).decode()


Signer = Union[FirmwareSigner, VendorSignature]


def vendor_signature(firmware_dir: Path | None) -> VendorSignature | None:
    """The vendor's material in ``firmware_dir``, or None when it holds neither file; one file without the
    other, or one that does not read, is a :class:`HarnessError` that says what to put there."""
    if firmware_dir is None:
        return None
    signature_file, certificate_file = firmware_dir / VENDOR_SIGNATURE, firmware_dir / VENDOR_CERTIFICATE
    present = [f.exists() for f in (signature_file, certificate_file)]
    if not any(present):
        return None
    if not all(present):
        missing = certificate_file if present[0] else signature_file
        raise HarnessError(f"{firmware_dir} has {'valid.bin.sig' if present[0] else VENDOR_CERTIFICATE} but no "
                           f"{missing.name}: the vendor-signed firmware of TC_080_CS/TC_081_CS needs both (or "
                           f"neither, and the harness signs the image itself)")
    try:
        certificate = x509.load_pem_x509_certificate(certificate_file.read_bytes())
    except ValueError as exc:
        raise HarnessError(f"{certificate_file} is not a PEM X.509 certificate ({exc}): put the firmware signing "
                           f"certificate there, the one SignedUpdateFirmware sends as signingCertificate") from None
    data = signature_file.read_bytes()
    try:
        signature = base64.b64encode(base64.b64decode(b"".join(data.split()), validate=True)).decode()
    except ValueError:
        signature = base64.b64encode(data).decode()         # raw signature bytes
    if not signature:
        raise HarnessError(f"{signature_file} is empty: put the signature of valid.bin there (base64 or raw)")
    return VendorSignature(signature, certificate.public_bytes(serialization.Encoding.PEM).decode())


def signer_for(pki_dir: Path, firmware_dir: Path | None) -> Signer:
    """The vendor's signature when ``firmware_dir`` holds it, else the harness as manufacturer."""
    return vendor_signature(firmware_dir) or FirmwareSigner.ensure(pki_dir)


def foreign_signature(image: bytes) -> tuple[str, str]:
    """(signingCertificate PEM, base64 signature of ``image``) of a manufacturer no charger trusts: a root and
    signing certificate made in memory, their keys thrown away. The signature verifies with the certificate;
    only the certificate's chain is wrong (InvalidCertificate, TC_081_CS's last round)."""
    _, key, leaf = _manufacturer("OCPP harness unknown")
    signature = base64.b64encode(key.sign(image, ec.ECDSA(hashes.SHA256()))).decode()
    return leaf.public_bytes(serialization.Encoding.PEM).decode(), signature


def _manufacturer(prefix: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, x509.Certificate]:
    """(ManufacturerRootCertificate, signing key, firmware signing certificate issued by the root); the root's
    key is thrown away."""
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate(_name(f"{prefix} manufacturer root"), root_key.public_key(), root_key, None, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate(_name(f"{prefix} firmware signing"), key.public_key(), root_key, root, ca=False)
    return root, key, leaf


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OCPP harness"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: x509.Name, public_key, issuer_key, issuer: x509.Certificate | None,  # type: ignore[no-untyped-def]
                 *, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(issuer.subject if issuer else subject).public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + VALIDITY)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())
