"""The reference charge point's certificate store (TC_075_x, TC_076, TC_078): what it installs, lists and
deletes, with real certificates; its hash data is checked with the harness's own computation."""

from __future__ import annotations

from types import SimpleNamespace

from harness.certificate_hash import HashData, pem, test_root
from simulator.certificate_store import CertificateStore
from simulator.persistence import StateStore

KIND = "CentralSystemRootCertificate"


class Faults:
    def __init__(self, *names: str) -> None:
        self.names = set(names)

    def active(self, name: str) -> bool:
        return name in self.names


class Config:
    def __init__(self, limit: int = 0) -> None:
        self.limit = limit

    def get_int(self, key: str, default: int = 0) -> int:
        return self.limit or default


def store(tmp_path, *faults: str, limit: int = 0, ca=None, aq1: bool = False) -> CertificateStore:
    ca_file = None
    if ca is not None:
        ca_file = tmp_path / "ca.pem"
        ca_file.write_text(pem(ca))
    return CertificateStore(SimpleNamespace(aq={"AQ-1": aq1}), Config(limit), StateStore(tmp_path / "state.json"),
                            None, Faults(*faults), None, None, str(ca_file) if ca_file else None)


def test_the_ca_file_is_listed_and_an_installed_root_too(tmp_path):
    run_root, new_root = test_root("run"), test_root("new")
    certificates = store(tmp_path, ca=run_root)
    assert certificates.install(KIND, pem(new_root)) == ("Accepted", None)
    listed = [HashData.from_ocpp(d) for d in certificates.hash_data(KIND)]
    assert listed == [HashData.of(run_root), HashData.of(new_root)]
    assert certificates.hash_data("ManufacturerRootCertificate") == []


def test_delete_by_hash_data_and_the_last_root_stays_without_aq1(tmp_path):
    run_root, new_root = test_root("run"), test_root("new")
    certificates = store(tmp_path, ca=run_root)
    certificates.install(KIND, pem(new_root))
    assert certificates.delete(HashData.of(new_root).to_ocpp()) == "Accepted"
    assert certificates.delete(HashData.of(new_root).to_ocpp()) == "NotFound"
    assert certificates.delete(HashData.of(run_root).to_ocpp()) == "Failed"       # AQ-1 = No


def test_invalid_roots_are_rejected_and_a_full_store_fails(tmp_path):
    certificates = store(tmp_path, limit=1)
    assert certificates.install(KIND, pem(test_root("old", expired=True)))[0] == "Rejected"
    assert certificates.install(KIND, "junk")[0] == "Rejected"
    assert certificates.install(KIND, pem(test_root("one")))[0] == "Accepted"
    assert certificates.install(KIND, pem(test_root("two")))[0] == "Failed"


def test_faults(tmp_path):
    root = test_root("r")
    wrong = store(tmp_path / "a", "certificate-hash-over-whole-key")
    wrong.install(KIND, pem(root))
    assert HashData.from_ocpp(wrong.hash_data(KIND)[0]) != HashData.of(root)
    kept = store(tmp_path / "b", "certificate-not-deleted", aq1=True)
    kept.install(KIND, pem(root))
    assert kept.delete(HashData.of(root).to_ocpp()) == "Accepted" and kept.hash_data(KIND)


def test_every_kind_of_invalid_root_is_rejected(tmp_path):
    certificates = store(tmp_path)
    for invalid in (test_root("old", expired=True), test_root("early", not_yet_valid=True),
                    test_root("no signing", signs_certificates=False)):
        assert certificates.install(KIND, pem(invalid))[0] == "Rejected"
    assert certificates.hash_data(KIND) == []


def test_a_root_without_key_cert_sign_is_installed_when_key_usage_goes_unchecked(tmp_path):
    careless = store(tmp_path, "root-certificate-key-usage-not-checked")
    assert careless.install(KIND, pem(test_root("no signing", signs_certificates=False)))[0] == "Accepted"
    assert careless.install(KIND, pem(test_root("old", expired=True)))[0] == "Rejected"


def test_a_factory_manufacturer_root_is_listed(tmp_path):
    factory = test_root("vendor")
    path = tmp_path / "vendor.pem"
    path.write_text(pem(factory))
    certificates = CertificateStore(SimpleNamespace(aq={}), Config(), StateStore(tmp_path / "state.json"), None,
                                    Faults(), None, None, None, str(path))
    assert certificates.roots("ManufacturerRootCertificate") == [factory]
    assert certificates.hash_data(KIND) == []
