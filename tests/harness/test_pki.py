"""The test PKI: what it creates, what it keeps, and the TLS rules of its server context."""

from __future__ import annotations

import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from harness.pki import (CIPHER_SUITES, TestPki, default_server_names, openssl_ciphers, server_key_type,
                         server_key_types, subject_common_name)
from harness.verdicts import HarnessError

MANDATORY = ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return TestPki.ensure(tmp_path_factory.mktemp("pki") / "pki", ["localhost", "127.0.0.1"])


def _chain(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def test_private_keys_are_readable_by_the_owner_only(pki: TestPki) -> None:
    assert stat.S_IMODE(pki.directory.stat().st_mode) == 0o700
    for key in pki.directory.glob("*.key"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key


def test_server_certificate_chains_to_the_root_and_names_the_host(pki: TestPki) -> None:
    leaf, root = _chain(pki.server_certificate)
    assert _chain(pki.root_certificate) == [root]
    leaf.verify_directly_issued_by(root)
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]


def test_charge_point_certificate_names_the_charge_point(pki: TestPki) -> None:
    credentials = pki.charge_point("CP-42", organization="Example CPO")
    leaf, root = _chain(credentials.certificate)
    leaf.verify_directly_issued_by(root)
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "CP-42"
    assert leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Example CPO"


def test_ensure_keeps_what_is_there(pki: TestPki) -> None:
    """A real charger installs the root once: a second run must not replace it."""
    before = {p.name: p.read_bytes() for p in pki.directory.iterdir() if p.is_file()}
    TestPki.ensure(pki.directory, ["another-name"])
    assert {p.name: p.read_bytes() for p in pki.directory.iterdir() if p.is_file()} == before


def test_suites_of_both_kinds_get_a_second_server_certificate(tmp_path: Path) -> None:
    """C-12 mixing ECDSA and RSA suites: the main certificate stays ECDSA, an RSA one is issued beside it by
    the same root, and a run with only ECDSA suites later keeps both."""
    mixed = [*MANDATORY, "TLS_RSA_WITH_AES_128_GCM_SHA256"]
    pki = TestPki.for_listener(tmp_path / "pki", "127.0.0.1", mixed)
    (main, _), (second, _) = pki.server_pairs()
    assert isinstance(_chain(main)[0].public_key(), ec.EllipticCurvePublicKey)
    leaf, root = _chain(second)
    assert isinstance(leaf.public_key(), rsa.RSAPublicKey) and second == pki.server_pair("rsa")[0]
    leaf.verify_directly_issued_by(root)
    assert root == _chain(pki.root_certificate)[0]
    assert len(TestPki.for_listener(tmp_path / "pki", "127.0.0.1", MANDATORY).server_pairs()) == 2
    assert len(pki.fingerprints()) == 3


def test_a_lab_s_rsa_server_certificate_gets_an_ecdsa_one_beside_it(tmp_path: Path) -> None:
    first = TestPki.ensure(tmp_path / "pki", ["localhost"], ("rsa",))
    assert [c.name for c, _ in first.server_pairs()] == ["central-system.pem"]
    again = TestPki.ensure(tmp_path / "pki", ["localhost"], ("ec", "rsa"))
    assert [c.name for c, _ in again.server_pairs()] == ["central-system.pem", "central-system-ec.pem"]


def test_key_types_follow_the_declared_suites() -> None:
    assert server_key_types(MANDATORY) == ("ec",) and server_key_type(MANDATORY) == "ec"
    assert server_key_types(["TLS_RSA_WITH_AES_128_GCM_SHA256"]) == ("rsa",)
    assert server_key_types(["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", *MANDATORY]) == ("ec", "rsa")
    assert server_key_types([]) == ("ec",)


def test_unknown_cipher_suite_is_named() -> None:
    with pytest.raises(HarnessError, match="TLS_NULL_WITH_NULL_NULL"):
        openssl_ciphers(["TLS_NULL_WITH_NULL_NULL"])
    with pytest.raises(HarnessError, match="at least one cipher suite"):
        openssl_ciphers([])


def test_every_known_suite_is_one_openssl_offers() -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.set_ciphers(openssl_ciphers(CIPHER_SUITES))
    offered = {c["name"] for c in context.get_ciphers()}
    assert {openssl for openssl, _ in CIPHER_SUITES.values()} <= offered


def test_server_context_is_tls12_with_only_the_declared_suites(pki: TestPki) -> None:
    context = pki.server_context(2, MANDATORY[:1])
    assert context.minimum_version == context.maximum_version == ssl.TLSVersion.TLSv1_2
    tls12 = {c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.2"}
    assert tls12 == {"ECDHE-ECDSA-AES128-GCM-SHA256"}
    assert context.verify_mode == ssl.CERT_NONE


def test_server_context_requires_a_client_certificate_at_profile_3(pki: TestPki) -> None:
    assert pki.server_context(3, MANDATORY).verify_mode == ssl.CERT_REQUIRED


def test_fingerprints_are_of_public_certificates_only(pki: TestPki) -> None:
    prints = pki.fingerprints()
    assert set(prints) == {"central-system-root-ca.pem", "central-system.pem"}
    assert all(len(v.split(":")) == 32 for v in prints.values())


def test_server_names_and_common_name_helpers() -> None:
    assert "10.0.0.5" in default_server_names("10.0.0.5")
    assert "0.0.0.0" not in default_server_names("0.0.0.0")
    assert subject_common_name({"subject": ((("organizationName", "O"),), (("commonName", "CP-1"),))}) == "CP-1"
    assert subject_common_name({}) is None
