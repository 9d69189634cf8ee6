"""What TLS costs (``make bench``): connection set-up and CALL round trip over ws:// (security profile 1)
and wss:// (profile 3, mutual TLS), real sockets on loopback. The KPIs are measured above this layer, so the
difference is what TLS adds to every measured response time."""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import statistics
import time
from pathlib import Path

from websockets.asyncio.client import connect

from harness.csms.replies import DefaultReplies, IdTagTable
from harness.csms.server import CentralSystem, Listener
from harness.csms.station import Station
from harness.csms.trace import Trace
from harness.ocpp import PayloadValidator
from harness.pki import TestPki

CP_ID = "CP-BENCH"
PASSWORD = "bench-password-0001"
SUITES = ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]
CONNECTIONS, CALLS = 50, 1_000


async def _measure(pki: TestPki, profile: int) -> tuple[list[float], list[float]]:
    trace = Trace()
    trace.begin(None)
    station = Station(CP_ID, trace=trace, validator=PayloadValidator(), defaults=DefaultReplies(60, IdTagTable()),
                      response_timeout=5, message_timeout=5)
    system = CentralSystem(trace, {CP_ID: station}, {CP_ID: PASSWORD})
    context = pki.server_context(profile, SUITES) if profile >= 2 else None
    await system.start(Listener(security_profile=profile, ssl_context=context))
    kwargs: dict = {"subprotocols": ["ocpp1.6"]}
    if profile == 1:
        kwargs["additional_headers"] = {"Authorization": "Basic " + base64.b64encode(
            f"{CP_ID}:{PASSWORD}".encode()).decode()}
    else:
        client = ssl.create_default_context(cafile=str(pki.root_certificate))
        credentials = pki.charge_point(CP_ID)
        client.load_cert_chain(credentials.certificate, credentials.private_key)
        kwargs["ssl"] = client
    url = f"{system.url}/{CP_ID}"
    setups = []
    for _ in range(CONNECTIONS):
        began = time.perf_counter()
        async with connect(url, **kwargs):
            setups.append(time.perf_counter() - began)
        await station.wait_disconnected(5)
    round_trips = []
    async with connect(url, **kwargs) as ws:
        await station.wait_connected(5)

        async def answer() -> None:
            async for text in ws:
                frame = json.loads(text)
                await ws.send(json.dumps([3, frame[1], {"status": "Accepted"}]))

        player = asyncio.create_task(answer())
        for _ in range(CALLS):
            response = await station.call("ClearCache")
            round_trips.append(response.elapsed_s)
        player.cancel()
    await system.stop()
    return setups, round_trips


def test_bench_tls_cost(tmp_path: Path) -> None:
    pki = TestPki.ensure(tmp_path / "pki", ["127.0.0.1"])
    results = {profile: asyncio.run(_measure(pki, profile)) for profile in (1, 3)}
    print()
    for profile, (setups, round_trips) in results.items():
        print(f"security profile {profile}: connection set-up median {statistics.median(setups) * 1e3:.2f} ms; "
              f"CALL round trip median {statistics.median(round_trips) * 1e3:.3f} ms, "
              f"p95 {statistics.quantiles(round_trips, n=20)[-1] * 1e3:.3f} ms ({CALLS} calls)")
    added = statistics.median(results[3][1]) - statistics.median(results[1][1])
    print(f"TLS adds {added * 1e3:.3f} ms to the median measured response time")
    assert added < 0.005
