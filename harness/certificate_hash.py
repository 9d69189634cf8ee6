"""CertificateHashDataType of the Security Whitepaper (edition 3), computed by the harness from a PEM, and the
test certificates of the certificate-management cases (TC_075_1_CS, TC_075_2_CS, TC_076_CS, TC_078_CS).

The hash data names a certificate the way OCSP's CertID does (RFC 6960): ``issuerNameHash`` is the hash of the
DER of the issuer's distinguished name, ``issuerKeyHash`` the hash of the issuer's public key (the BIT STRING
of subjectPublicKeyInfo, not the whole structure), ``serialNumber`` the serial in hexadecimal without leading
zeroes; the harness compares hex case-insensitively. For a root the issuer is the certificate itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HASHES = {"SHA256": hashes.SHA256, "SHA384": hashes.SHA384, "SHA512": hashes.SHA512}


@dataclass(frozen=True)
class HashData:
    """One certificateHashData, normalised for comparison (lowercase hex, serial without leading zeroes)."""

    hash_algorithm: str
    issuer_name_hash: str
    issuer_key_hash: str
    serial_number: str

    @classmethod
    def of(cls, certificate: x509.Certificate, algorithm: str = "SHA256",
           issuer: x509.Certificate | None = None) -> "HashData":
        issuer = issuer or certificate
        name = _digest(algorithm, issuer.subject.public_bytes())
        key = _digest(algorithm, issuer.public_key().public_bytes(serialization.Encoding.X962,
                                                                  serialization.PublicFormat.UncompressedPoint)
                      if isinstance(issuer.public_key(), ec.EllipticCurvePublicKey) else _rsa_key_bits(issuer))
        return cls(algorithm, name, key, format(certificate.serial_number, "x"))

    @classmethod
    def from_ocpp(cls, data: dict) -> "HashData":
        return cls(str(data.get("hashAlgorithm")), str(data.get("issuerNameHash", "")).lower(),
                   str(data.get("issuerKeyHash", "")).lower(),
                   str(data.get("serialNumber", "")).lower().lstrip("0") or "0")

    def to_ocpp(self) -> dict:
        return {"hashAlgorithm": self.hash_algorithm, "issuerNameHash": self.issuer_name_hash,
                "issuerKeyHash": self.issuer_key_hash, "serialNumber": self.serial_number}

    def describe(self) -> str:
        return (f"{self.hash_algorithm} issuerNameHash {self.issuer_name_hash[:12]}…, issuerKeyHash "
                f"{self.issuer_key_hash[:12]}…, serialNumber {self.serial_number}")


def _digest(algorithm: str, data: bytes) -> str:
    digest = hashes.Hash(HASHES[algorithm]())
    digest.update(data)
    return digest.finalize().hex()


def _rsa_key_bits(certificate: x509.Certificate) -> bytes:
    """The RSAPublicKey DER: what the BIT STRING of an RSA subjectPublicKeyInfo holds."""
    return certificate.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)


def test_root(common_name: str, *, expired: bool = False, not_yet_valid: bool = False,
              signs_certificates: bool = True) -> x509.Certificate:
    """A self-signed root CA for a case to install (its key is thrown away); the invalid ones: ``expired``
    (valid until yesterday, TC_078_CS), ``not_yet_valid`` (from tomorrow), ``signs_certificates=False`` (its
    key usage lacks keyCertSign)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OCPP harness"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    start, end = (now - dt.timedelta(days=30), now - dt.timedelta(days=1)) if expired else (
        now - dt.timedelta(minutes=5), now + dt.timedelta(days=30))
    if not_yet_valid:
        start, end = now + dt.timedelta(days=1), now + dt.timedelta(days=30)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(signs_certificates is False, False, False, False, False,
                                            signs_certificates, True, False, False), critical=True))
    return builder.sign(key, hashes.SHA256())


test_root.__test__ = False  # type: ignore[attr-defined]  # a factory, not a test


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()
