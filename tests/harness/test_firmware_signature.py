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

from harness.firmware_signature import (VENDOR_CERTIFICATE, VENDOR_SIGNATURE, FirmwareSigner, VendorSignature,
                                         foreign_signature, signer_for, vendor_signature)
from harness.verdicts import HarnessError

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


# ------------------------------------------------------------------------ the vendor's own signature


def vendor_folder(tmp_path, signature: bytes | None, certificate: bytes | None):
    folder = tmp_path / "fw"
    folder.mkdir(parents=True)
    (folder / "valid.bin").write_bytes(IMAGE)
    if signature is not None:
        (folder / VENDOR_SIGNATURE).write_bytes(signature)
    if certificate is not None:
        (folder / VENDOR_CERTIFICATE).write_bytes(certificate)
    return folder


@pytest.mark.parametrize("encoding", ["base64", "raw"])
def test_the_vendor_s_signature_is_sent_as_it_is_and_tampered_for_tc_081(tmp_path, encoding):
    vendor = FirmwareSigner.ensure(tmp_path / "vendor-pki")       # stands in for the vendor's own signing
    signature = vendor.sign(IMAGE)
    folder = vendor_folder(tmp_path, signature.encode() + b"\n" if encoding == "base64"
                           else base64.b64decode(signature), vendor.signing_pem().encode())
    signer = signer_for(tmp_path / "pki", folder)
    assert isinstance(signer, VendorSignature) and signer.root_pem() is None
    assert signer.sign(IMAGE) == signature and signer.signing_pem() == vendor.signing_pem()
    key = x509.load_pem_x509_certificate(signer.signing_pem().encode()).public_key()
    key.verify(base64.b64decode(signer.sign(IMAGE)), IMAGE, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        key.verify(base64.b64decode(signer.wrong_signature(IMAGE)), IMAGE, ec.ECDSA(hashes.SHA256()))
    assert not (tmp_path / "pki").exists(), "nothing of the harness's own is made"


def test_without_vendor_material_the_harness_signs(tmp_path):
    assert isinstance(signer_for(tmp_path / "pki", vendor_folder(tmp_path, None, None)), FirmwareSigner)
    assert isinstance(signer_for(tmp_path / "pki", None), FirmwareSigner)


def test_half_of_the_vendor_material_or_a_bad_certificate_is_named(tmp_path):
    with pytest.raises(HarnessError, match="has valid.bin.sig but no signing-certificate.pem"):
        vendor_signature(vendor_folder(tmp_path / "a", b"c2ln", None))
    with pytest.raises(HarnessError, match="has signing-certificate.pem but no valid.bin.sig"):
        vendor_signature(vendor_folder(tmp_path / "b", None, b"x"))
    with pytest.raises(HarnessError, match="is not a PEM X.509 certificate"):
        vendor_signature(vendor_folder(tmp_path / "c", b"c2ln", b"not a certificate"))


def test_the_cli_refuses_a_firmware_dir_it_cannot_use_before_anything_runs(tmp_path, capsys):
    from harness.cli import parser

    with pytest.raises(SystemExit) as exited:
        parser().parse_args(["run", "--pics", "p.yaml", "--firmware-dir", str(tmp_path)])
    assert exited.value.code == 2 and "has no valid.bin" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser().parse_args(["run", "--pics", "p.yaml", "--firmware-dir", str(vendor_folder(tmp_path, b"c2ln", None))])
    assert "no signing-certificate.pem" in capsys.readouterr().err


def test_the_foreign_signature_verifies_but_its_certificate_chains_to_no_known_root(tmp_path):
    signing_pem, signature = foreign_signature(IMAGE)
    leaf = x509.load_pem_x509_certificate(signing_pem.encode())
    leaf.public_key().verify(base64.b64decode(signature), IMAGE, ec.ECDSA(hashes.SHA256()))
    ours = x509.load_pem_x509_certificate(FirmwareSigner.ensure(tmp_path / "pki").root_pem().encode())
    with pytest.raises((ValueError, InvalidSignature)):
        leaf.verify_directly_issued_by(ours)
