"""The harness as the CPO's CA (TC_074_CS, TC_077_CS): what it finds wrong in a CSR, and the certificates it
issues, checked with real keys and signatures."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from harness.csr import INVALID_CERTIFICATES, Csr, issue, issue_from_unknown_ca, serial_hex
from harness.pki import TestPki

CP_ID = "CP-1"


def csr_pem(key=None, organization: str | None = "Acme CPO", common_name: str = CP_ID) -> str:
    key = key or ec.generate_private_key(ec.SECP256R1())
    names = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization is not None:
        names.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    request = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(names)).sign(key, hashes.SHA256())
    return request.public_bytes(serialization.Encoding.PEM).decode()


def test_a_good_csr_has_no_problems():
    assert Csr.parse(csr_pem()).problems(CP_ID, "Acme CPO") == []


def test_each_problem_is_named():
    assert "not a PEM PKCS#10" in Csr.parse("junk").problems(CP_ID, "Acme CPO")[0]
    assert "subject O is None, expected the CpoName 'Acme CPO'" in Csr.parse(csr_pem(organization=None)).problems(
        CP_ID, "Acme CPO")[0]
    assert "subject CN is 'SN-1', expected the chargePointId 'CP-1'" in Csr.parse(
        csr_pem(common_name="SN-1")).problems(CP_ID, "Acme CPO")[0]
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    assert "1024 bits, fewer than 2048" in Csr.parse(csr_pem(weak)).problems(CP_ID, "Acme CPO")[0]
    odd_curve = ec.generate_private_key(ec.SECP256K1())
    assert "secp256k1" in Csr.parse(csr_pem(odd_curve)).problems(CP_ID, "Acme CPO")[0]


def test_the_issued_certificate_carries_the_csr_key_and_chains_to_the_run_root(tmp_path):
    pki = TestPki.ensure(tmp_path / "pki", ["localhost"])
    csr = Csr.parse(csr_pem()).request
    chain, leaf = issue(pki, csr)
    certificates = x509.load_pem_x509_certificates(chain.encode())
    root = x509.load_pem_x509_certificate(pki.root_certificate.read_bytes())
    assert certificates[0] == leaf and certificates[1] == root
    assert leaf.public_key() == csr.public_key() and leaf.subject == csr.subject
    leaf.verify_directly_issued_by(root)
    assert serial_hex(leaf) == format(leaf.serial_number, "x")


def test_the_invalid_certificate_is_for_the_same_key_from_another_ca(tmp_path):
    pki = TestPki.ensure(tmp_path / "pki", ["localhost"])
    csr = Csr.parse(csr_pem()).request
    leaf = x509.load_pem_x509_certificates(issue_from_unknown_ca(csr).encode())[0]
    root = x509.load_pem_x509_certificate(pki.root_certificate.read_bytes())
    assert leaf.public_key() == csr.public_key()
    with pytest.raises((ValueError, InvalidSignature)):
        leaf.verify_directly_issued_by(root)


def test_each_invalid_certificate_is_wrong_in_one_way_only(tmp_path):
    """Apart from the unknown CA, each is the run root's certificate for the CSR's key; exactly the property
    its kind names is wrong."""
    pki = TestPki.ensure(tmp_path / "pki", ["localhost"])
    csr = Csr.parse(csr_pem()).request
    root = x509.load_pem_x509_certificate(pki.root_certificate.read_bytes())
    _, valid = issue(pki, csr)
    assert valid.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    now = dt.datetime.now(dt.timezone.utc)
    for kind, (_, make) in INVALID_CERTIFICATES.items():
        leaf = x509.load_pem_x509_certificates(make(pki, csr).encode())[0]
        assert leaf.public_key() == csr.public_key(), kind
        wrong = {"unknown CA": leaf.issuer != root.subject or _not_signed_by(leaf, root),
                 "expired": leaf.not_valid_after_utc < now,
                 "another charge point": leaf.subject != csr.subject,
                 "no digitalSignature": not leaf.extensions.get_extension_for_class(x509.KeyUsage).value
                 .digital_signature}
        assert [k for k, is_wrong in wrong.items() if is_wrong] == [kind]


def _not_signed_by(leaf: x509.Certificate, root: x509.Certificate) -> bool:
    try:
        leaf.verify_directly_issued_by(root)
    except (ValueError, InvalidSignature):
        return True
    return False
