"""The harness as the charge point operator's CA (OCPP 1.6 Security Whitepaper edition 3, TC_074_CS and
TC_077_CS): it judges the CSR a charger sends in SignCertificate, issues the ChargePointCertificate for it
from the run's PKI root (the CA the listener trusts at security profile 3), and, for the negative case,
certificates for the same key that fail one of the checks the whitepaper asks of the charger ("validity
period, certificate properties, CPO certificate hierarchy"): see :data:`INVALID_CERTIFICATES`.

What a CSR must be (checked in this order, each problem named):

* PEM PKCS#10 whose self-signature verifies (the charger holds the key);
* a key for the C-12 suites: ECDSA on P-256 or P-384, or RSA of at least 2048 bits;
* subject O = the CpoName configuration key and CN = the chargePointId (the listener admits a certificate at
  security profile 3 only when its CN is the chargePointId of the connection).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from harness.pki import TestPki, _new_key, _root_certificate

#: the curves of the C-12 ECDSA suites the whitepaper names
CURVES = ("secp256r1", "secp384r1")
MIN_RSA_BITS = 2048
VALIDITY = dt.timedelta(days=365)


@dataclass(frozen=True)
class Csr:
    """A CSR as the harness saw it: the parsed request, or why it could not be read."""

    request: x509.CertificateSigningRequest | None
    unreadable: str | None = None

    @classmethod
    def parse(cls, pem: str) -> "Csr":
        try:
            return cls(x509.load_pem_x509_csr(pem.encode()))
        except ValueError as exc:
            return cls(None, f"the csr is not a PEM PKCS#10 certificate signing request ({exc})")

    def problems(self, charge_point_id: str, cpo_name: str | None) -> list[str]:
        if self.request is None:
            return [str(self.unreadable)]
        found = []
        if not self.request.is_signature_valid:
            found.append("the CSR's signature does not verify with the key it carries")
        found += _key_problems(self.request.public_key())
        organization = _attribute(self.request.subject, NameOID.ORGANIZATION_NAME)
        if cpo_name and organization != cpo_name:
            found.append(f"the CSR's subject O is {organization!r}, expected the CpoName {cpo_name!r} "
                         f"(Security Whitepaper: the organizationName of the Charge Point certificate is the CPO's)")
        common_name = _attribute(self.request.subject, NameOID.COMMON_NAME)
        if common_name != charge_point_id:
            found.append(f"the CSR's subject CN is {common_name!r}, expected the chargePointId {charge_point_id!r}")
        return found

    def describe(self) -> str:
        if self.request is None:
            return "unreadable"
        key = self.request.public_key()
        kind = (f"ECDSA {key.curve.name}" if isinstance(key, ec.EllipticCurvePublicKey)
                else f"RSA {key.key_size}" if isinstance(key, rsa.RSAPublicKey) else type(key).__name__)
        return f"subject {self.request.subject.rfc4514_string()}, key {kind}"


def issue(pki: TestPki, csr: x509.CertificateSigningRequest) -> tuple[str, x509.Certificate]:
    """The ChargePointCertificate for the CSR, issued by the run's root: (PEM chain leaf + root, the leaf)."""
    root_key, root = pki._root()
    leaf = _client_certificate(csr, root_key, root)
    return _pem(leaf, root), leaf


def issue_from_unknown_ca(csr: x509.CertificateSigningRequest) -> str:
    """A certificate for the CSR's key and subject from a CA made for the occasion and trusted by no one
    ("wrong CA"). The CA's key is thrown away."""
    key = _new_key("ec")
    root = _root_certificate(key)
    return _pem(_client_certificate(csr, key, root), root)


def _from_run_root(pki: TestPki, csr: x509.CertificateSigningRequest, **changes: Any) -> str:
    """The run root's certificate for the CSR with ``changes`` (keywords of :func:`_client_certificate`)."""
    root_key, root = pki._root()
    return _pem(_client_certificate(csr, root_key, root, **changes), root)


def _expired(pki: TestPki, csr: x509.CertificateSigningRequest) -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return _from_run_root(pki, csr, valid=(now - 2 * VALIDITY, now - VALIDITY))


def _for_another_charge_point(pki: TestPki, csr: x509.CertificateSigningRequest) -> str:
    names = [a if a.oid != NameOID.COMMON_NAME else x509.NameAttribute(NameOID.COMMON_NAME, f"{a.value}-OTHER")
             for a in csr.subject]
    return _from_run_root(pki, csr, subject=x509.Name(names))


#: The invalid ChargePointCertificates of TC_077_CS, one per check the whitepaper names (A02: "validity
#: period, certificate properties, CPO certificate hierarchy"): kind → (what is wrong, in the reason's
#: words; how to make it for a CSR). A certificate that is *not yet* valid is not among them: the whitepaper
#: has the charger accept it and switch to it once its Not valid before is reached.
INVALID_CERTIFICATES: dict[str, tuple[str, Callable[[TestPki, x509.CertificateSigningRequest], str]]] = {
    "unknown CA": ("issued by a CA that is not the Central System's (CPO certificate hierarchy)",
                   lambda pki, csr: issue_from_unknown_ca(csr)),
    "expired": ("issued by the Central System's CA but expired a year ago (validity period)", _expired),
    "another charge point": ("issued by the Central System's CA for another charge point: its CN is not the "
                             "chargePointId (certificate properties)", _for_another_charge_point),
    "no digitalSignature": ("issued by the Central System's CA with a Key Usage that lacks digitalSignature, so "
                            "it cannot authenticate a TLS client (certificate properties)",
                            lambda pki, csr: _from_run_root(pki, csr, usage=CERTIFICATE_SIGNING_ONLY)),
}

#: Key Usage of a ChargePointCertificate: a TLS client signs the handshake with its key
CLIENT_USAGE = x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                             data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                             encipher_only=False, decipher_only=False)
CERTIFICATE_SIGNING_ONLY = x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False)


def _client_certificate(csr: x509.CertificateSigningRequest, issuer_key, issuer: x509.Certificate, *,  # type: ignore[no-untyped-def]
                        valid: tuple[dt.datetime, dt.datetime] | None = None, subject: x509.Name | None = None,
                        usage: x509.KeyUsage = CLIENT_USAGE) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    not_before, not_after = valid or (now - dt.timedelta(minutes=5), now + VALIDITY)
    builder = (x509.CertificateBuilder().subject_name(subject or csr.subject).issuer_name(issuer.subject)
               .public_key(csr.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(usage, critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                              critical=False))
    return builder.sign(issuer_key, hashes.SHA256())


def serial_hex(certificate: x509.Certificate) -> str:
    """The serial as the listener records it (lowercase hex, no leading zeros)."""
    return format(certificate.serial_number, "x")


def _pem(*certificates: x509.Certificate) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certificates)


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _key_problems(key: object) -> list[str]:
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in CURVES:
            return [f"the CSR's ECDSA key is on {key.curve.name}; the C-12 ECDSA suites need P-256 or P-384"]
        return []
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            return [f"the CSR's RSA key has {key.key_size} bits, fewer than {MIN_RSA_BITS}"]
        return []
    return [f"the CSR's key is {type(key).__name__}, neither ECDSA nor RSA"]
