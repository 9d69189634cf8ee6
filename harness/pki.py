"""The test PKI of security profiles 2 and 3, and the TLS contexts built from it.

A PKI directory holds the files below. The harness creates what is missing and uses what is there, so a lab
can drop in its own server certificate or the CA that signed its chargers' certificates, and a real charger
needs the root installed only once (``--pki-dir`` keeps it across runs):

=================================  ================================================================
``central-system-root-ca.pem``     the root to install on the charger as CentralSystemRootCertificate
``central-system-root-ca.key``     its private key (signs the two certificates below)
``central-system.pem``/``.key``    the Central System's server certificate (chain: leaf, root)
``central-system-<kind>.pem``/``.key``  a second server certificate, made when C-12 mixes suites that
                                   authenticate with ECDSA and with RSA (``<kind>`` is ``ec`` or ``rsa``)
``charge-point-ca.pem``            the CAs trusted for charge point certificates at security profile 3
                                   (created as a copy of the root; append a manufacturer CA to it)
``charge-points/<id>.pem``/``.key``  a ChargePointCertificate for <id> signed by the root, for the
                                   reference charge point
=================================  ================================================================

Private keys are written with mode 0600 in a 0700 directory and never copied into a run directory; the run
records only the SHA-256 fingerprints of the certificates it used.

The TLS rules are those of the security whitepaper (edition 3, §2.3 and §3): TLS 1.2 or later, the cipher
suites of C-12, and at security profile 3 the charger's certificate must chain to a trusted CA and name the
charger: its subject CN is the chargePointId (checked by the listener after the handshake).
The server speaks TLS 1.2 only and offers only the C-12 suites of the PICS, so that a passed connection
proves a declared suite works, which is what the certificate states. When the suites need both an ECDSA and
an RSA server key, the listener holds one certificate of each kind and OpenSSL presents the one the
negotiated suite authenticates with, so every declared suite can be tried in one run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from harness.verdicts import HarnessError

#: IANA names of the whitepaper's TLS 1.2 suites → OpenSSL names; the key type the server needs for each.
CIPHER_SUITES: dict[str, tuple[str, str]] = {
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": ("ECDHE-ECDSA-AES128-GCM-SHA256", "ec"),
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": ("ECDHE-ECDSA-AES256-GCM-SHA384", "ec"),
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": ("ECDHE-RSA-AES128-GCM-SHA256", "rsa"),
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": ("ECDHE-RSA-AES256-GCM-SHA384", "rsa"),
    "TLS_RSA_WITH_AES_128_GCM_SHA256": ("AES128-GCM-SHA256", "rsa"),
    "TLS_RSA_WITH_AES_256_GCM_SHA384": ("AES256-GCM-SHA384", "rsa"),
}

ROOT_CA = "central-system-root-ca"
SERVER = "central-system"
CHARGE_POINT_CA = "charge-point-ca.pem"
VALIDITY = dt.timedelta(days=825)


def openssl_ciphers(suites: Iterable[str]) -> str:
    """The OpenSSL cipher list for the declared IANA suites; an unknown name is a harness error naming it."""
    names = []
    for suite in suites:
        if suite not in CIPHER_SUITES:
            raise HarnessError(f"cipher suite {suite} (C-12 of the PICS) is not one the harness can offer; "
                               f"known: {', '.join(CIPHER_SUITES)}")
        names.append(CIPHER_SUITES[suite][0])
    if not names:
        raise HarnessError("security profiles 2 and 3 need at least one cipher suite under cipher_suites (C-12)")
    return ":".join(names)


def server_key_types(suites: Iterable[str]) -> tuple[str, ...]:
    """The kinds of server key the declared suites authenticate with, ECDSA (the whitepaper's mandatory
    suites) first; ECDSA alone when none is known."""
    kinds = {CIPHER_SUITES[s][1] for s in suites if s in CIPHER_SUITES}
    return tuple(k for k in ("ec", "rsa") if k in kinds) or ("ec",)


def server_key_type(suites: Iterable[str]) -> str:
    """The kind of the main server key: ECDSA when any declared suite needs it, else RSA."""
    return server_key_types(suites)[0]


@dataclass(frozen=True)
class ChargePointCredentials:
    """The files a charger presents at security profile 3."""

    certificate: Path
    private_key: Path


@dataclass(frozen=True)
class TestPki:
    """A PKI directory (see the module docstring); :meth:`ensure` fills in what is missing."""

    __test__ = False    # not a pytest test class
    directory: Path

    @property
    def root_certificate(self) -> Path:
        return self.directory / f"{ROOT_CA}.pem"

    @property
    def server_certificate(self) -> Path:
        return self.directory / f"{SERVER}.pem"

    @property
    def server_private_key(self) -> Path:
        return self.directory / f"{SERVER}.key"

    @property
    def charge_point_ca(self) -> Path:
        return self.directory / CHARGE_POINT_CA

    def server_pair(self, kind: str) -> tuple[Path, Path]:
        """(certificate, private key) of the second server certificate of ``kind`` ("ec" or "rsa")."""
        return self.directory / f"{SERVER}-{kind}.pem", self.directory / f"{SERVER}-{kind}.key"

    def server_pairs(self) -> list[tuple[Path, Path]]:
        """Every server certificate with its key: the main one, then the second one if there is one."""
        extra = [pair for pair in map(self.server_pair, ("ec", "rsa")) if pair[0].exists()]
        return [(self.server_certificate, self.server_private_key), *extra]

    @classmethod
    def ensure(cls, directory: Path, server_names: Iterable[str], key_types: Iterable[str] = ("ec",)) -> "TestPki":
        """Create the root, a server certificate of each kind in ``key_types`` and the charge point CA file
        when they are missing (one process at a time: the runs and workers that share a PKI directory start
        together). The first kind makes the main server certificate; a kind it is not gets a second one."""
        with pki_lock(directory):
            return cls._ensure(directory, sorted(set(server_names)), tuple(key_types))

    @classmethod
    def _ensure(cls, directory: Path, server_names: list[str], key_types: tuple[str, ...]) -> "TestPki":
        pki = cls(directory)
        os.chmod(directory, 0o700)
        if not pki.root_certificate.exists():
            key = _new_key("ec")
            _write_key(directory / f"{ROOT_CA}.key", key)
            _write_pem(pki.root_certificate, [_root_certificate(key)])
        if not pki.server_certificate.exists():
            pki._issue_server(pki.server_certificate, pki.server_private_key, key_types[0], server_names)
        main_kind = pki._main_key_kind()
        for kind in key_types:
            certificate, private_key = pki.server_pair(kind)
            if kind != main_kind and not certificate.exists():
                pki._issue_server(certificate, private_key, kind, server_names)
        if not pki.charge_point_ca.exists():
            pki.charge_point_ca.write_bytes(pki.root_certificate.read_bytes())
        return pki

    def _issue_server(self, certificate: Path, private_key: Path, kind: str, server_names: list[str]) -> None:
        try:
            root_key, root = self._root()
        except (OSError, ValueError) as exc:
            names = {"ec": "ECDSA", "rsa": "RSA"}
            raise HarnessError(f"the cipher suites of C-12 need an {names[kind]} server certificate and "
                               f"{self.directory} cannot issue one ({exc}); put {certificate.name} and "
                               f"{private_key.name} there, signed by {self.root_certificate.name}") from None
        key = _new_key(kind)
        leaf = _leaf_certificate(key, root_key, root, _name("OCPP harness Central System"),
                                 ExtendedKeyUsageOID.SERVER_AUTH, server_names)
        _write_key(private_key, key)
        _write_pem(certificate, [leaf, root])

    @classmethod
    def for_listener(cls, directory: Path, host: str, cipher_suites: Iterable[str]) -> "TestPki":
        """The PKI a run listening on ``host`` with the declared suites uses (the run and ``ocpp-harness pki``)."""
        return cls.ensure(directory, default_server_names(host), server_key_types(cipher_suites))

    def charge_point(self, charge_point_id: str, organization: str = "OCPP harness") -> ChargePointCredentials:
        """A ChargePointCertificate for the id (CN = chargePointId, O = the CPO's name), created if missing."""
        folder = self.directory / "charge-points"
        folder.mkdir(mode=0o700, exist_ok=True)
        credentials = ChargePointCredentials(folder / f"{charge_point_id}.pem", folder / f"{charge_point_id}.key")
        with pki_lock(self.directory):
            if not credentials.certificate.exists():
                self._issue_charge_point(credentials, charge_point_id, organization)
        return credentials

    def _issue_charge_point(self, credentials: ChargePointCredentials, charge_point_id: str,
                            organization: str) -> None:
        root_key, root = self._root()
        key = _new_key("ec")
        leaf = _leaf_certificate(key, root_key, root, _name(charge_point_id, organization),
                                 ExtendedKeyUsageOID.CLIENT_AUTH, [])
        _write_key(credentials.private_key, key)
        _write_pem(credentials.certificate, [leaf, root])

    def server_context(self, security_profile: int, cipher_suites: Iterable[str]) -> ssl.SSLContext:
        """TLS 1.2 with the declared suites; at profile 3 a client certificate from ``charge-point-ca.pem``."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.set_ciphers(openssl_ciphers(cipher_suites))
            for certificate, private_key in self.server_pairs():    # OpenSSL keeps one per key kind
                context.load_cert_chain(certificate, private_key)
            if security_profile == 3:
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(cafile=str(self.charge_point_ca))
        except (ssl.SSLError, OSError) as exc:
            raise HarnessError(f"cannot build the TLS context from {self.directory}: {exc}") from None
        return context

    def fingerprints(self) -> dict[str, str]:
        """SHA-256 fingerprints of the public certificates in use, for the run's record."""
        out = {}
        for path in (self.root_certificate, *(certificate for certificate, _ in self.server_pairs())):
            leaf = x509.load_pem_x509_certificates(path.read_bytes())[0]
            out[path.name] = leaf.fingerprint(hashes.SHA256()).hex(":")
        return out

    def _main_key_kind(self) -> str:
        """The kind of the main server certificate's key (a lab may have put its own pair there)."""
        certificate = x509.load_pem_x509_certificates(self.server_certificate.read_bytes())[0]
        return "ec" if isinstance(certificate.public_key(), ec.EllipticCurvePublicKey) else "rsa"

    def _root(self) -> tuple[ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, x509.Certificate]:
        key = serialization.load_pem_private_key((self.directory / f"{ROOT_CA}.key").read_bytes(), None)
        assert isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey))
        return key, x509.load_pem_x509_certificate(self.root_certificate.read_bytes())


def default_server_names(host: str) -> list[str]:
    """What a charger may dial: localhost, loopback, this machine's name, and the host listened on."""
    names = ["localhost", "127.0.0.1", "::1", socket.gethostname()]
    if host not in ("", "0.0.0.0", "::"):
        names.append(host)
    return names


def subject_common_name(certificate: dict) -> str | None:
    """The CN of a certificate as ``SSLObject.getpeercert()`` returns it."""
    for rdn in certificate.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


# --------------------------------------------------------------------------- building blocks


@contextlib.contextmanager
def pki_lock(directory: Path) -> Iterator[None]:
    """One process at a time creates files in the PKI directory (an flock on its ``.lock``; not re-entrant)."""
    import fcntl

    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _new_key(kind: str) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str, organization: str = "OCPP harness") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _validity(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.timezone.utc)
    return builder.not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + VALIDITY)


def _root_certificate(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> x509.Certificate:
    name = _name("OCPP harness test root CA")
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                              critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    return _validity(builder).sign(key, hashes.SHA256())


def _leaf_certificate(key, issuer_key, issuer: x509.Certificate, subject: x509.Name,  # type: ignore[no-untyped-def]
                      usage: x509.ObjectIdentifier, server_names: list[str]) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                              critical=False))
    if server_names:
        builder = builder.add_extension(x509.SubjectAlternativeName([_general_name(n) for n in server_names]),
                                        critical=False)
    return _validity(builder).sign(issuer_key, hashes.SHA256())


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _write_pem(path: Path, certificates: list[x509.Certificate]) -> None:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> None:
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
