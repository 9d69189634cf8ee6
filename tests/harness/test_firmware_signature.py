"""The harness as firmware manufacturer (TC_080_CS, TC_081_CS): its certificates and signatures, checked
with cryptography's own verification, and its private key kept to the PKI directory."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from harness.firmware_signature import FirmwareSigner

IMAGE = b"REFERENCE-CP-FIRMWARE\nversion: 9\n\nbody"


def test_the_signing_certificate_chains_to_the_root_and_signs_the_image(tmp_path):
    signer = FirmwareSigner.ensure(tmp_path / "pki")
    root = x509.load_pem_x509_certificate(signer.root_pem().encode())
    leaf = x509.load_pem_x509_certificate(signer.signing_pem().encode())
    leaf.verify_directly_issued_by(root)
    leaf.public_key().verify(base64.b64decode(signer.sign(IMAGE)), IMAGE, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        leaf.public_key().verify(base64.b64decode(signer.wrong_signature(IMAGE)), IMAGE, ec.ECDSA(hashes.SHA256()))


def test_it_is_made_once_and_its_key_is_private(tmp_path):
    first = FirmwareSigner.ensure(tmp_path / "pki").root_pem()
    signer = FirmwareSigner.ensure(tmp_path / "pki")
    assert signer.root_pem() == first
    assert os.stat(signer.directory / "firmware-signing.key").st_mode & 0o077 == 0
    assert b"PRIVATE KEY" not in signer.root_certificate.read_bytes() + signer.signing_certificate.read_bytes()
