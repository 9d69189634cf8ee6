"""Security profiles 2 and 3 as a charger meets them: real TLS handshakes against the mock Central System."""

from __future__ import annotations

import base64
import ssl
from pathlib import Path
from typing import AsyncIterator

import pytest
import pytest_asyncio
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake, InvalidStatus

from harness.csms.replies import DefaultReplies, IdTagTable
from harness.csms.server import CentralSystem, Listener
from harness.csms.station import Station
from harness.csms.trace import Redactor, Trace
from harness.ocpp import PayloadValidator
from harness.pki import TestPki

CP_ID = "CP-TLS-1"
PASSWORD = "a-secret-key-0123"
SUITES = ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return TestPki.ensure(tmp_path_factory.mktemp("pki") / "pki", ["127.0.0.1"])


async def _central(pki: TestPki, profile: int) -> tuple[CentralSystem, Trace]:
    trace = Trace(Redactor({PASSWORD}))
    trace.begin(None)
    station = Station(CP_ID, trace=trace, validator=PayloadValidator(),
                      defaults=DefaultReplies(30, IdTagTable()), response_timeout=1.0, message_timeout=1.0)
    system = CentralSystem(trace, {CP_ID: station}, {CP_ID: PASSWORD})
    await system.start(Listener(security_profile=profile, ssl_context=pki.server_context(profile, SUITES)))
    return system, trace


@pytest_asyncio.fixture
async def profile_2(pki: TestPki) -> AsyncIterator[tuple[CentralSystem, Trace]]:
    system, trace = await _central(pki, 2)
    yield system, trace
    await system.stop()


@pytest_asyncio.fixture
async def profile_3(pki: TestPki) -> AsyncIterator[tuple[CentralSystem, Trace]]:
    system, trace = await _central(pki, 3)
    yield system, trace
    await system.stop()


def _client(pki: TestPki, trust: bool = True, certificate_of: str | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki.root_certificate) if trust else None)
    if certificate_of is not None:
        credentials = pki.charge_point(certificate_of)
        context.load_cert_chain(credentials.certificate, credentials.private_key)
    return context


AUTH = {"Authorization": "Basic " + base64.b64encode(f"{CP_ID}:{PASSWORD}".encode()).decode()}


def _events(trace: Trace) -> list[tuple[str, dict]]:
    return [(r["event"], r["detail"]) for r in trace.records if r["type"] == "connection"]


async def test_profile_2_admits_a_charger_that_trusts_the_root_and_records_the_suite(pki, profile_2) -> None:
    system, trace = profile_2
    assert system.url.startswith("wss://")
    async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], additional_headers=AUTH,
                       ssl=_client(pki)) as ws:
        assert ws.subprotocol == "ocpp1.6"
    opened = [d for e, d in _events(trace) if e == "open"]
    assert opened[0]["tls_version"] == "TLSv1.2"
    assert opened[0]["cipher"] == "ECDHE-ECDSA-AES128-GCM-SHA256"
    assert opened[0]["authorization"] == "Basic ***"


async def test_profile_2_still_requires_basic_auth(pki, profile_2) -> None:
    system, _ = profile_2
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], ssl=_client(pki)):
            pass
    assert refused.value.response.status_code == 401


async def test_a_charger_that_does_not_trust_the_root_leaves_a_client_hello_in_the_trace(pki, profile_2) -> None:
    system, trace = profile_2
    with pytest.raises(ssl.SSLCertVerificationError):
        async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], additional_headers=AUTH,
                           ssl=_client(pki, trust=False)):
            pass
    assert [e for e, _ in _events(trace)] == ["tls-client-hello"]


async def test_tls_13_only_charger_is_refused(pki, profile_2) -> None:
    """The server speaks TLS 1.2 with the C-12 suites; a charger that cannot is not admitted."""
    system, _ = profile_2
    context = _client(pki)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    with pytest.raises((ssl.SSLError, ConnectionError)):
        async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], additional_headers=AUTH,
                           ssl=context):
            pass


async def test_profile_3_admits_the_charge_point_certificate_of_the_charger(pki, profile_3) -> None:
    system, trace = profile_3
    async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], ssl=_client(pki, certificate_of=CP_ID)):
        pass
    opened = [d for e, d in _events(trace) if e == "open"]
    assert opened[0]["client_certificate_cn"] == CP_ID
    assert "authorization" not in opened[0]


async def test_profile_3_refuses_a_certificate_that_names_another_charger(pki, profile_3) -> None:
    system, trace = profile_3
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"],
                           ssl=_client(pki, certificate_of="SOMEONE-ELSE")):
            pass
    assert refused.value.response.status_code == 403
    reasons = [d["reason"] for e, d in _events(trace) if e == "refused"]
    assert reasons == ["the client certificate's CN SOMEONE-ELSE is not the chargePointId CP-TLS-1"]


async def test_profile_3_refuses_a_charger_without_certificate(pki, profile_3) -> None:
    system, trace = profile_3
    with pytest.raises((ssl.SSLError, ConnectionError, InvalidStatus, EOFError)):
        async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], ssl=_client(pki)) as ws:
            await ws.recv()
    assert "open" not in [e for e, _ in _events(trace)]


async def test_profile_3_refuses_a_certificate_from_an_untrusted_ca(pki, profile_3, tmp_path: Path) -> None:
    stranger = TestPki.ensure(tmp_path / "other", ["127.0.0.1"]).charge_point(CP_ID)
    system, trace = profile_3
    context = _client(pki)
    context.load_cert_chain(stranger.certificate, stranger.private_key)
    with pytest.raises((ssl.SSLError, ConnectionError, InvalidStatus, EOFError)):
        async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], ssl=context) as ws:
            await ws.recv()
    assert "open" not in [e for e, _ in _events(trace)]


async def test_the_listener_switches_profile_on_the_same_port(pki) -> None:
    """TC_083 upgrades a charger from profile 1 to 2: the same Central System, same port, now wss:// only."""
    system, trace = await _central(pki, 2)
    await system.restart(Listener(security_profile=1))
    port = system.port
    try:
        assert system.url == f"ws://127.0.0.1:{port}"
        async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], additional_headers=AUTH):
            pass
        await system.restart(Listener(security_profile=2, ssl_context=pki.server_context(2, SUITES)))
        assert system.url == f"wss://127.0.0.1:{port}"
        with pytest.raises((InvalidHandshake, OSError, EOFError)):        # a plain client meets TLS
            async with connect(f"ws://127.0.0.1:{port}/{CP_ID}", subprotocols=["ocpp1.6"], additional_headers=AUTH):
                pass
        async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], additional_headers=AUTH,
                           ssl=_client(pki)):
            pass
        profiles = [d["security_profile"] for e, d in _events(trace) if e == "open"]
        assert profiles == [1, 2]
    finally:
        await system.stop()


@pytest.mark.parametrize(("suite", "key"), [("ECDHE-ECDSA-AES128-GCM-SHA256", ec.EllipticCurvePublicKey),
                                            ("ECDHE-RSA-AES128-GCM-SHA256", rsa.RSAPublicKey),
                                            ("AES128-GCM-SHA256", rsa.RSAPublicKey)])
async def test_one_listener_serves_ecdsa_and_rsa_suites(tmp_path: Path, suite: str, key: type) -> None:
    """C-12 mixing the kinds: the listener holds both server certificates and presents the one the suite the
    charger offers authenticates with."""
    mixed = ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
             "TLS_RSA_WITH_AES_128_GCM_SHA256"]
    pki = TestPki.for_listener(tmp_path / "pki", "127.0.0.1", mixed)
    trace = Trace(Redactor({PASSWORD}))
    trace.begin(None)
    station = Station(CP_ID, trace=trace, validator=PayloadValidator(),
                      defaults=DefaultReplies(30, IdTagTable()), response_timeout=1.0, message_timeout=1.0)
    system = CentralSystem(trace, {CP_ID: station}, {CP_ID: PASSWORD})
    await system.start(Listener(security_profile=2, ssl_context=pki.server_context(2, mixed)))
    try:
        client = _client(pki)
        client.set_ciphers(suite)
        client.maximum_version = ssl.TLSVersion.TLSv1_2
        async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"], additional_headers=AUTH,
                           ssl=client) as ws:
            der = ws.transport.get_extra_info("ssl_object").getpeercert(binary_form=True)
        assert isinstance(x509.load_der_x509_certificate(der).public_key(), key)
        assert [d["cipher"] for e, d in _events(trace) if e == "open"] == [suite]
    finally:
        await system.stop()
