"""The reference charge point's check of a signed firmware (TC_080, TC_081): the signature over the bytes,
and the signing certificate against its installed ManufacturerRootCertificates."""

from __future__ import annotations

from types import SimpleNamespace

from harness.certificate_hash import test_root
from harness.firmware_signature import FirmwareSigner, foreign_signature
from simulator.signed_update import SignedFirmwareUpdate, _signature_ok

IMAGE = b"some firmware"


def updater(roots, *faults: str) -> SignedFirmwareUpdate:
    certificates = SimpleNamespace(roots=lambda kind: roots)
    return SignedFirmwareUpdate(None, certificates, None, None, SimpleNamespace(active=lambda name: name in faults),
                                None, None, None, lambda: None)


def test_the_signature_is_checked_over_the_bytes(tmp_path):
    signer = FirmwareSigner.ensure(tmp_path)
    assert _signature_ok(signer.signing_pem(), signer.sign(IMAGE), IMAGE)
    assert not _signature_ok(signer.signing_pem(), signer.wrong_signature(IMAGE), IMAGE)
    assert not _signature_ok(signer.signing_pem(), "not base64!", IMAGE)


def test_the_signing_certificate_must_chain_to_an_installed_manufacturer_root(tmp_path):
    from cryptography import x509

    signer = FirmwareSigner.ensure(tmp_path)
    root = x509.load_pem_x509_certificate(signer.root_pem().encode())
    assert updater([root])._certificate_problem(signer.signing_pem()) is None
    assert "does not chain" in updater([test_root("other")])._certificate_problem(signer.signing_pem())
    status, _ = updater([]).update(1, {"signing_certificate": signer.signing_pem()}, None, None)
    assert status == "InvalidCertificate"


def test_a_signature_by_another_key_is_refused(tmp_path):
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    signer = FirmwareSigner.ensure(tmp_path)
    other = ec.generate_private_key(ec.SECP256R1())
    wrong_key = base64.b64encode(other.sign(IMAGE, ec.ECDSA(hashes.SHA256()))).decode()
    assert not _signature_ok(signer.signing_pem(), wrong_key, IMAGE)


def test_a_foreign_signing_certificate_is_refused_unless_certificates_go_unchecked(tmp_path):
    from cryptography import x509

    signing_pem, _ = foreign_signature(IMAGE)
    ours = x509.load_pem_x509_certificate(FirmwareSigner.ensure(tmp_path).root_pem().encode())
    assert "does not chain" in updater([ours])._certificate_problem(signing_pem)
    assert updater([ours], "firmware-signing-certificate-not-checked")._certificate_problem(signing_pem) is None
