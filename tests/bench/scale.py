"""Many chargers at once on the harness (issue 12 point 5): the KPI distortion and the memory per charger.

``python -m tests.bench.scale --count N`` is one harness process: a Central System (harness.csms) with N
stations, each with its own chargePointId and its own trace file, as a run writes it. A fleet of N raw
websockets charge points (:mod:`tests.bench.fleet`) runs in another process and connects to it. Every
station runs the Core happy path at the same time as all the others, ``--iterations`` times, as a test case
would: GetConfiguration; RemoteStartTransaction and the StartTransaction and MeterValues it brings;
TriggerMessage(Heartbeat) and the Heartbeat; RemoteStopTransaction and the StopTransaction. The fleet answers
every CALL after the injected delay (``--delay-ms``). Before each step it starts, a station pauses 0 to
2 × ``--think-ms`` (a test case waits for a physical action, a person, a meter interval): the pace sets the
load, which the output states in frames per second.

``--procs P`` is the next step when one process is the limit: P harness processes (one per core), each
serving its share of the chargePointIds on its own port, as ``ocpp-harness run -n P`` gives every xdist worker
its own Central System; one fleet connects charger i to process i mod P.

What it reports (one JSON object on stdout):

- the KPI distortion: each OCPP response time exactly as :func:`harness.kpi.samples_from_trace` takes it from
  the trace, minus the injected delay; p50, p99 and max, in ms. It is what a certificate would show beyond the
  charger's own time, whoever caused it;
- the same minus the time the fleet really held each CALL (read to answer, on the fleet's clock, which is the
  harness's: one machine, one CLOCK_MONOTONIC), and its two halves, harness to fleet and fleet to harness:
  the fleet's own lateness taken out;
- the memory per charger: the harness processes' RSS growth from before the stations were made to the end of
  the run (stations, connections, inboxes, the trace records of the whole scenario), divided by N, and the same
  once all had booted (connected and idle);
- the load (frames per second through the harness), its CPU time, the wall time, and every failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

from harness.csms.replies import DefaultReplies, IdTagTable
from harness.csms.server import CentralSystem, Listener
from harness.csms.station import Station
from harness.csms.trace import Trace
from harness.kpi import OCPP_RESPONSE_TIME, samples_from_trace
from harness.ocpp import PayloadValidator
from tests.bench.fleet import ID_TAG, charge_point_ids

ROOT = Path(__file__).resolve().parents[2]
#: CALLs of the Central System per iteration of the happy path (each one KPI sample)
CALLS_PER_ITERATION = 4


def rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def quantile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def drive(station: Station, iterations: int, think_s: float, rng: random.Random) -> None:
    """The Core happy path, as a test case drives it, with a pause of 0 to 2 × ``think_s`` before each step
    the Central System starts (without pauses every station starts its next step the instant the last one
    ended, which measures the harness's throughput, not its distortion of a response time)."""

    async def pause() -> None:
        if think_s > 0:
            await asyncio.sleep(rng.uniform(0, 2 * think_s))

    await station.wait_booted(60)
    station.begin_case(police=True)
    for _ in range(iterations):
        await pause()
        await station.call("GetConfiguration", key=["HeartbeatInterval"])
        await pause()
        await station.call("RemoteStartTransaction", connectorId=1, idTag=ID_TAG)
        await station.expect("StartTransaction", connectorId=1, idTag=ID_TAG)
        await station.expect("MeterValues", connectorId=1)
        await station.expect("MeterValues", connectorId=1)
        (transaction_id,) = station.transactions
        await pause()
        await station.call("TriggerMessage", requestedMessage="Heartbeat")
        await station.expect("Heartbeat")
        await pause()
        await station.call("RemoteStopTransaction", transactionId=transaction_id)
        await station.expect("StopTransaction", transactionId=transaction_id)
        await station.expect("StatusNotification", connectorId=1, status="Available")
    station.end_case()


async def serve_and_drive(ids: list[str], iterations: int, think_ms: float, trace_dir: Path,
                          listening: Callable[[str], Awaitable[None]]) -> dict[str, Any]:
    """One harness process: stations for ``ids``, a listener, the scenario on every station once the fleet
    (started by ``listening(url)``) has connected; returns the raw samples of its stations."""
    rss_before = rss_bytes()
    validator = PayloadValidator()
    server_trace = Trace()
    server_trace.begin(None)
    stations: dict[str, Station] = {}
    for cp_id in ids:
        trace = Trace()
        trace.begin(trace_dir / f"{cp_id}.jsonl")
        stations[cp_id] = Station(cp_id, trace=trace, validator=validator,
                                  defaults=DefaultReplies(300, IdTagTable({ID_TAG: {"status": "Accepted"}})),
                                  response_timeout=30, message_timeout=30)
    system = CentralSystem(server_trace, stations, {cp_id: None for cp_id in stations})
    await system.start(Listener())
    await listening(system.url)
    began, cpu_began = time.perf_counter(), time.process_time()
    failures: list[str] = []
    rss_booted = 0

    async def one(station: Station) -> None:
        try:
            await drive(station, iterations, think_ms / 1000, random.Random(station.charge_point_id))
        except Exception as exc:  # noqa: BLE001  (reported, and the benchmark fails on it)
            failures.append(f"{station.charge_point_id}: {exc}")

    async def booted() -> None:
        nonlocal rss_booted
        await asyncio.gather(*(s.wait_booted(60) for s in stations.values()), return_exceptions=True)
        rss_booted = rss_bytes()

    await asyncio.gather(booted(), *(one(s) for s in stations.values()))
    wall_s, cpu_s = time.perf_counter() - began, time.process_time() - cpu_began
    rss_after = rss_bytes()
    await system.stop()
    samples, frames = [], 0
    for cp_id, station in stations.items():
        station.trace.end()
        records = station.trace.records
        frames += sum(1 for r in records if r["type"] == "frame")
        by_seq = {r["seq"]: r for r in records}
        for sample in samples_from_trace(cp_id, records):
            if sample.kpi == OCPP_RESPONSE_TIME:
                call, answer = by_seq[sample.start_seq], by_seq[sample.end_seq]
                samples.append([cp_id, call["unique_id"], sample.nanoseconds, call["t_ns"], answer["t_ns"]])
    return {"samples": samples, "frames": frames, "wall_s": wall_s, "cpu_s": cpu_s, "failures": failures,
            "rss_growth": rss_after - rss_before, "rss_growth_booted": rss_booted - rss_before}


async def _start_fleet(urls: list[str], count: int, delay_ms: float, out: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.bench.fleet", *(a for url in urls for a in ("--url", url)),
        "--count", str(count), "--delay-ms", str(delay_ms), "--out", str(out), cwd=ROOT)


async def run(count: int, iterations: int, delay_ms: float, think_ms: float, trace_dir: Path,
              procs: int = 1) -> dict[str, Any]:
    """The whole measurement: ``procs`` harness processes (1: this one), the fleet, the figures."""
    ids = charge_point_ids(count)
    out = trace_dir / "fleet.json"
    fleet: list[asyncio.subprocess.Process] = []
    if procs == 1:
        async def listening(url: str) -> None:
            fleet.append(await _start_fleet([url], count, delay_ms, out))

        parts = [await serve_and_drive(ids, iterations, think_ms, trace_dir, listening)]
    else:
        workers = [await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.bench.scale", "--worker", "--count", str(count), "--procs", str(procs),
            "--index", str(index), "--iterations", str(iterations), "--think-ms", str(think_ms),
            "--trace-dir", str(trace_dir), stdout=asyncio.subprocess.PIPE, cwd=ROOT, limit=64 * 1024 * 1024)
            for index in range(procs)]
        urls = [json.loads(await w.stdout.readline())["url"] for w in workers]  # type: ignore[union-attr]
        fleet.append(await _start_fleet(urls, count, delay_ms, out))
        parts = [json.loads(await w.stdout.readline()) for w in workers]  # type: ignore[union-attr]
        for worker in workers:
            await worker.wait()
    await asyncio.wait_for(fleet[0].wait(), 60)
    holds = json.loads(out.read_text(encoding="utf-8"))

    injected_ns = round(delay_ms * 1e6)
    distortion, harness_only, outbound, inbound = [], [], [], []
    for cp_id, unique_id, measured_ns, call_ns, answer_ns in (s for part in parts for s in part["samples"]):
        distortion.append((measured_ns - injected_ns) / 1e6)
        read_ns, answered_ns = holds["holds"].get(cp_id, {}).get(unique_id, (0, 0))
        if answered_ns:
            harness_only.append((measured_ns - (answered_ns - read_ns)) / 1e6)
            outbound.append((read_ns - call_ns) / 1e6)
            inbound.append((answer_ns - answered_ns) / 1e6)
    failures = [f for part in parts for f in part["failures"]][:10] + holds["errors"][:10]
    expected = count * iterations * CALLS_PER_ITERATION
    if len(distortion) != expected:
        failures.append(f"{len(distortion)} response-time samples where {expected} were expected")

    def stats(values: list[float]) -> dict[str, float]:
        if not values:
            return {"p50": float("nan"), "p99": float("nan"), "max": float("nan")}
        return {"p50": statistics.median(values), "p99": quantile(values, 99), "max": max(values)}

    wall_s = max(part["wall_s"] for part in parts)
    frames = sum(part["frames"] for part in parts)
    return {
        "chargers": count,
        "procs": procs,
        "iterations": iterations,
        "injected_delay_ms": delay_ms,
        "think_ms": think_ms,
        "samples": len(distortion),
        "frames": frames,
        "frames_per_s": frames / wall_s,
        "wall_s": wall_s,
        "harness_cpu_s": sum(part["cpu_s"] for part in parts),
        "distortion_ms": stats(distortion),
        "harness_only_ms": stats(harness_only),
        "outbound_ms": stats(outbound),
        "inbound_ms": stats(inbound),
        "memory_per_charger_kib": sum(part["rss_growth"] for part in parts) / count / 1024,
        "memory_per_charger_booted_kib": sum(part["rss_growth_booted"] for part in parts) / count / 1024,
        "failures": failures,
    }


async def _worker(args: argparse.Namespace) -> None:
    async def listening(url: str) -> None:
        print(json.dumps({"url": url}), flush=True)

    ids = charge_point_ids(args.count)[args.index::args.procs]
    part = await serve_and_drive(ids, args.iterations, args.think_ms, Path(args.trace_dir), listening)
    print(json.dumps(part), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--procs", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--delay-ms", type=float, default=20.0)
    parser.add_argument("--think-ms", type=float, default=0.0)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--index", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--trace-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(_worker(args))
        return
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(asyncio.run(run(args.count, args.iterations, args.delay_ms, args.think_ms, Path(tmp),
                                         args.procs))))


if __name__ == "__main__":
    main()
