"""The reference charge point's certificate renewal (TC_074_CS, TC_077_CS): its CSR, and which
CertificateSigned chains it accepts, with real keys from the harness's CA."""

from __future__ import annotations

import os
from types import SimpleNamespace

from cryptography import x509

from harness.csr import INVALID_CERTIFICATES, Csr, issue, issue_from_unknown_ca
from harness.pki import TestPki
from simulator.certificate_signing import CertificateSigning

CP_ID = "CP-1"


class Config:
    def __init__(self, **values: str) -> None:
        self.values = values

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def get_int(self, key: str, default: int = 0) -> int:
        return int(self.values.get(key, default))


class Faults:
    def __init__(self, *names: str) -> None:
        self.names = set(names)

    def active(self, name: str) -> bool:
        return name in self.names


def signing(tmp_path, *faults: str):
    pki = TestPki.ensure(tmp_path / "pki", ["localhost"])
    reconnects = []
    station = SimpleNamespace(ca_file=str(pki.root_certificate), state_path=str(tmp_path / "state.json"),
                              client_certificate=None, reconnect=lambda: reconnects.append(1))
    unit = CertificateSigning(SimpleNamespace(charge_point_id=CP_ID), Config(CpoName="Acme CPO"), None,
                              Faults(*faults), None, None, station)
    return unit, pki, station


def test_the_csr_names_the_cpo_and_the_charge_point(tmp_path):
    unit, _, _ = signing(tmp_path)
    assert Csr.parse(unit.csr()).problems(CP_ID, "Acme CPO") == []
    unit, _, _ = signing(tmp_path, "csr-without-cpo-name")
    assert Csr.parse(unit.csr()).problems(CP_ID, "Acme CPO")


def test_a_chain_from_the_trusted_root_is_accepted_installed_and_used(tmp_path):
    unit, pki, station = signing(tmp_path)
    chain, leaf = issue(pki, Csr.parse(unit.csr()).request)
    status, then = unit.certificate_signed(chain)
    assert status == "Accepted" and then is station.reconnect
    certificate, key = station.client_certificate
    assert x509.load_pem_x509_certificates(open(certificate, "rb").read())[0] == leaf
    assert os.stat(key).st_mode & 0o077 == 0


def test_a_chain_from_an_unknown_ca_or_for_another_key_is_rejected(tmp_path):
    unit, pki, station = signing(tmp_path)
    csr = Csr.parse(unit.csr()).request
    assert unit.certificate_signed(issue_from_unknown_ca(csr))[0] == "Rejected"
    other, _, _ = signing(tmp_path / "other")
    foreign_key_chain, _ = issue(pki, Csr.parse(other.csr()).request)
    assert unit.certificate_signed(foreign_key_chain)[0] == "Rejected"
    assert unit.certificate_signed("not a certificate")[0] == "Rejected"
    assert station.client_certificate is None


def test_every_invalid_certificate_of_tc_077_is_rejected(tmp_path):
    unit, pki, station = signing(tmp_path)
    for kind, (_, make) in INVALID_CERTIFICATES.items():
        assert unit.certificate_signed(make(pki, Csr.parse(unit.csr()).request))[0] == "Rejected", kind
    assert station.client_certificate is None


def test_checking_only_the_chain_accepts_all_but_the_unknown_ca(tmp_path):
    unit, pki, _ = signing(tmp_path, "charge-point-certificate-only-chain-checked")
    accepted = [kind for kind, (_, make) in INVALID_CERTIFICATES.items()
                if unit.certificate_signed(make(pki, Csr.parse(unit.csr()).request))[0] == "Accepted"]
    assert accepted == ["expired", "another charge point", "no digitalSignature"]


def test_faults_accept_what_they_should_not(tmp_path):
    unit, _, _ = signing(tmp_path, "invalid-charge-point-certificate-accepted")
    assert unit.certificate_signed(issue_from_unknown_ca(Csr.parse(unit.csr()).request))[0] == "Accepted"
    unit, pki, station = signing(tmp_path / "b", "signed-certificate-not-used")
    status, then = unit.certificate_signed(issue(pki, Csr.parse(unit.csr()).request)[0])
    assert status == "Accepted" and then is None and station.client_certificate is None


async def test_a_certificate_valid_from_a_moment_later_is_used_from_then(tmp_path):
    """The whitepaper: the charger switches to the new certificate as soon as its Not valid before is
    reached; a certificate not valid yet is accepted, not installed at once."""
    import asyncio
    import datetime as dt

    from harness.csr import _client_certificate, _pem

    unit, pki, station = signing(tmp_path)
    unit._tasks = SimpleNamespace(spawn=lambda coroutine, name: asyncio.create_task(coroutine))
    root_key, root = pki._root()
    now = dt.datetime.now(dt.timezone.utc)
    leaf = _client_certificate(Csr.parse(unit.csr()).request, root_key, root,
                               valid=(now + dt.timedelta(seconds=1), now + dt.timedelta(days=1)))
    status, then = unit.certificate_signed(_pem(leaf, root))
    assert status == "Accepted" and station.client_certificate is None
    await asyncio.wait_for(then(), timeout=5)
    assert x509.load_pem_x509_certificates(open(station.client_certificate[0], "rb").read())[0] == leaf
