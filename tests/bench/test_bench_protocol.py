"""Benchmarks of the sans-I/O layer and the Station under load (``make bench``; numbers printed, targets
asserted loosely so a slow CI machine does not flap)."""

from __future__ import annotations

import asyncio
import json
import time
import tracemalloc

from harness.csms.trace import Trace
from harness.ocpp import PayloadValidator, parse_frame

METER_VALUES = json.dumps([2, "mv-1", "MeterValues", {
    "connectorId": 1, "transactionId": 1001,
    "meterValue": [{"timestamp": "2026-11-24T12:00:00Z", "sampledValue": [
        {"value": "1234.5", "context": "Sample.Periodic", "measurand": m, "unit": u}
        for m, u in (("Energy.Active.Import.Register", "Wh"), ("Power.Active.Import", "W"),
                     ("Current.Import", "A"), ("Voltage", "V"), ("Temperature", "Celsius"))]}]}])


def test_bench_parse_and_validate_throughput():
    validator = PayloadValidator()
    n = 20_000
    began = time.perf_counter()
    for _ in range(n):
        frame = parse_frame(METER_VALUES)
        assert not validator.request(frame.action, frame.payload)
    elapsed = time.perf_counter() - began
    print(f"\nparse + validate MeterValues (5 sampled values): {n / elapsed:,.0f} frames/s, "
          f"{elapsed / n * 1e6:.1f} µs per frame")
    assert n / elapsed > 1_000


def test_bench_trace_memory_per_frame(tmp_path):
    trace = Trace()
    trace.begin(tmp_path / "t.jsonl")
    frame = parse_frame(METER_VALUES)
    n = 20_000
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    for _ in range(n):
        trace.add("frame", direction="cp->cs", raw=METER_VALUES, message_type="CALL", unique_id="mv-1",
                  action="MeterValues", payload=frame.payload, findings=[])
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    trace.end()
    per_frame = (after - before) / n
    print(f"\ntrace: {per_frame:,.0f} bytes of memory per MeterValues frame kept; "
          f"file {(tmp_path / 't.jsonl').stat().st_size / n:,.0f} bytes per frame")
    assert per_frame < 20_000


def test_bench_expect_under_a_flood():
    """A charger floods 5,000 Heartbeats; the awaited message behind them is still found promptly."""
    from harness.csms.replies import DefaultReplies, IdTagTable
    from harness.csms.station import Station

    async def scenario() -> float:
        trace = Trace()
        trace.begin(None)
        station = Station("CP", trace=trace, validator=PayloadValidator(),
                          defaults=DefaultReplies(60, IdTagTable()), response_timeout=5, message_timeout=5)

        class Sink:
            async def send(self, _text: str) -> None:
                return None

        station._connection = Sink()  # type: ignore[assignment]  # answers go nowhere: we measure intake
        began = time.perf_counter()
        for n in range(5_000):
            await station._receive(json.dumps([2, f"hb{n}", "Heartbeat", {}]), time.monotonic_ns())
        await station._receive(json.dumps([2, "sn", "StatusNotification",
                                           {"connectorId": 1, "errorCode": "NoError", "status": "Preparing"}]),
                               time.monotonic_ns())
        await station.expect("StatusNotification", status="Preparing", timeout=1)
        return time.perf_counter() - began

    elapsed = asyncio.run(scenario())
    print(f"\n5,001 frames received, answered and searched in {elapsed:.3f} s ({5001 / elapsed:,.0f} frames/s)")
    assert elapsed < 20
