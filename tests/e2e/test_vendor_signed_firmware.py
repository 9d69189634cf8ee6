"""Secure firmware with the vendor's own signature (``--firmware-dir`` holding ``valid.bin.sig`` and
``signing-certificate.pem``): the harness sends them as they are, installs no root of its own, and TC_081
tampers the vendor's signature. The reference charge point plays a charger whose ManufacturerRootCertificate
was installed at the factory (``OCPP_SIM_MANUFACTURER_ROOT``)."""

from __future__ import annotations

import json
from pathlib import Path

from harness.files import firmware_images
from harness.firmware_signature import VENDOR_CERTIFICATE, VENDOR_SIGNATURE, FirmwareSigner
from tests.e2e.runner import SEED_PICS, fast_pics, harness_runner

CASES = "TC_080_CS or TC_081_CS"


def vendor_firmware(tmp_path: Path) -> tuple[Path, FirmwareSigner]:
    """The vendor's folder: its image, its signature of it, its signing certificate (made with a signer of its
    own, in a PKI directory the run never sees)."""
    vendor = FirmwareSigner.ensure(tmp_path / "vendor-pki")
    folder = tmp_path / "vendor-firmware"
    folder.mkdir()
    image = firmware_images()["valid"]
    (folder / "valid.bin").write_bytes(image)
    (folder / VENDOR_SIGNATURE).write_text(vendor.sign(image) + "\n", encoding="ascii")
    (folder / VENDOR_CERTIFICATE).write_text(vendor.signing_pem(), encoding="ascii")
    return folder, vendor


def sent(run_dir: Path, case: str, action: str) -> list[dict]:
    frames = [json.loads(line) for line in (run_dir / "traces" / f"{case}.jsonl").read_text().splitlines()]
    return [f["payload"] for f in frames if f.get("type") == "frame" and f.get("direction") == "cs->cp"
            and f.get("action") == action]


def test_the_vendor_s_signature_installs_and_its_tampered_copy_is_refused(tmp_path):
    folder, vendor = vendor_firmware(tmp_path)
    run = harness_runner(tmp_path, env={"OCPP_SIM_MANUFACTURER_ROOT": str(vendor.root_certificate)})
    outcome = run(fast_pics(SEED_PICS, tmp_path), "--pki-dir", str(tmp_path / "pki"), "--firmware-dir", str(folder),
                  "-k", CASES)
    assert {c: r["verdict"] for c, r in outcome.results.items()} == {"TC_080_CS": "passed", "TC_081_CS": "passed"}, \
        outcome.results
    for case in ("TC_080_CS", "TC_081_CS"):
        assert sent(outcome.run_dir, case, "InstallCertificate") == [], "the vendor's root is the charger's already"
        update = sent(outcome.run_dir, case, "SignedUpdateFirmware")[0]     # TC_081 then tries a foreign one
        assert update["firmware"]["signingCertificate"] == vendor.signing_pem()
    signature = (folder / VENDOR_SIGNATURE).read_text().strip()
    assert sent(outcome.run_dir, "TC_080_CS", "SignedUpdateFirmware")[0]["firmware"]["signature"] == signature
    assert sent(outcome.run_dir, "TC_081_CS", "SignedUpdateFirmware")[0]["firmware"]["signature"] != signature


def test_a_charger_that_does_not_trust_the_vendor_s_root_fails(tmp_path):
    folder, _ = vendor_firmware(tmp_path)
    outcome = harness_runner(tmp_path)(fast_pics(SEED_PICS, tmp_path), "--pki-dir", str(tmp_path / "pki"),
                                       "--firmware-dir", str(folder), "-k", "TC_080_CS")
    assert outcome.verdict("TC_080_CS") == "failed"
    assert "SignedUpdateFirmware answered InvalidCertificate, expected Accepted" in outcome.reason("TC_080_CS")
