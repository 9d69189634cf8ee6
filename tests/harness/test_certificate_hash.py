"""certificateHashData as the harness computes it, checked against cryptography's OCSP CertID (RFC 6960), the
definition the Security Whitepaper borrows, for EC and RSA issuers, and the test roots the cases install."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from harness.certificate_hash import HashData, test_root

ALGORITHMS = {"SHA256": hashes.SHA256, "SHA384": hashes.SHA384, "SHA512": hashes.SHA512}


def rsa_root() -> x509.Certificate:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "RSA root")])
    now = dt.datetime.now(dt.timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(0x00ABCDEF).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
@pytest.mark.parametrize("make", [lambda: test_root("EC root"), rsa_root], ids=["ec", "rsa"])
def test_hash_data_is_ocsps_cert_id(make, algorithm):
    certificate = make()
    oracle = ocsp.OCSPRequestBuilder().add_certificate(certificate, certificate, ALGORITHMS[algorithm]()).build()
    ours = HashData.of(certificate, algorithm)
    assert ours.issuer_name_hash == oracle.issuer_name_hash.hex()
    assert ours.issuer_key_hash == oracle.issuer_key_hash.hex()
    assert ours.serial_number == format(oracle.serial_number, "x")


def test_what_a_charger_sends_compares_case_and_leading_zero_insensitively():
    certificate = rsa_root()
    ours = HashData.of(certificate)
    sent = {k: v.upper() for k, v in ours.to_ocpp().items()}
    sent["serialNumber"] = "00" + sent["serialNumber"]
    sent["hashAlgorithm"] = "SHA256"
    assert HashData.from_ocpp(sent) == ours


def test_the_expired_root_is_a_ca_that_ended_yesterday():
    root = test_root("old", expired=True)
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert root.not_valid_after_utc < dt.datetime.now(dt.timezone.utc)
