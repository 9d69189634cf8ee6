"""The CALL round trip, harness against bare websockets, side by side in one event loop (issue 12 point 4).

Two servers listen on loopback in the same process, each with one raw websockets client that answers
every CALL at once (parse, answer, send). The calls alternate: one bare, one through ``Station.call``, so
whatever load the machine is under falls on both alike.

- bare: the server sends ``json.dumps([2, id, action, payload])`` on a plain websockets connection, waits
  for the text of the answer and ``json.loads`` it: the least any OCPP-J server does.
- harness: ``await station.call(action, payload)`` in a case that is policing (evidence rules on), the
  trace attached to a file as in a run: the step record, the request validated, the CALL traced and sent,
  the answer parsed, validated, traced and correlated by unique id.

Each side's time is the wall time of the whole call, read with ``time.perf_counter_ns`` around it. The
calls run in rounds; each round has its own p50 and p99 of both sides, so a stall of the machine (another
process taking both cores for a few milliseconds) spoils one round's p99, not the verdict: the test takes the
median round and prints every one.
Used by ``test_bench_overhead.py`` and by ``python -m tests.bench.roundtrip [--profile]`` (cProfile of the
harness side).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import pstats
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from harness.csms.replies import DefaultReplies, IdTagTable
from harness.csms.server import CentralSystem, Listener
from harness.csms.station import Station
from harness.csms.trace import Trace
from harness.ocpp import PayloadValidator

CP_ID = "CP-OVERHEAD"

#: (action, request payload, the charger's answer): a bare one and one with a payload to validate
CALLS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "ClearCache": ("ClearCache", {}, {"status": "Accepted"}),
    "GetConfiguration": ("GetConfiguration", {"key": ["HeartbeatInterval"]},
                         {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]}),
}


@dataclass
class Samples:
    bare_ns: list[int]
    harness_ns: list[int]


async def _answer(ws: Any, replies: dict[str, dict[str, Any]]) -> None:
    """A charger that answers every CALL at once."""
    async for text in ws:
        frame = json.loads(text)
        await ws.send(json.dumps([3, frame[1], replies[frame[2]]]))


async def measure(calls: int, trace_dir: Path, kinds: tuple[str, ...] = tuple(CALLS), warmup: int = 200,
                  rounds: int = 1, profiler: cProfile.Profile | None = None) -> dict[str, list[Samples]]:
    """``rounds`` of ``calls`` round trips of each kind on each side, alternating bare and harness."""
    replies = {action: answer for action, _, answer in CALLS.values()}
    trace = Trace()
    trace.begin(trace_dir / "overhead.jsonl")
    station = Station(CP_ID, trace=trace, validator=PayloadValidator(), defaults=DefaultReplies(60, IdTagTable()),
                      response_timeout=5, message_timeout=5)
    system = CentralSystem(trace, {CP_ID: station}, {CP_ID: None})
    await system.start(Listener())

    bare_connection: asyncio.Future[ServerConnection] = asyncio.get_running_loop().create_future()
    bare_closed = asyncio.Event()

    async def bare_handler(connection: ServerConnection) -> None:
        bare_connection.set_result(connection)
        await bare_closed.wait()

    bare_server = await serve(bare_handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"], compression=None,
                              ping_interval=None, max_size=4 * 1024 * 1024)
    bare_port = bare_server.sockets[0].getsockname()[1]
    options: dict[str, Any] = {"subprotocols": ["ocpp1.6"], "compression": None, "ping_interval": None}
    ids = itertools.count()
    try:
        async with connect(f"{system.url}/{CP_ID}", **options) as harness_ws, \
                connect(f"ws://127.0.0.1:{bare_port}/{CP_ID}", **options) as bare_ws:
            players = [asyncio.create_task(_answer(ws, replies)) for ws in (harness_ws, bare_ws)]
            await station.wait_connected(5)
            station.begin_case(police=True)
            bare = await bare_connection
            results: dict[str, list[Samples]] = {kind: [] for kind in kinds}

            async def bare_call(action: str, payload: dict[str, Any]) -> None:
                await bare.send(json.dumps([2, f"b{next(ids)}", action, payload]))
                json.loads(await bare.recv())

            for number in range(rounds):
                for kind in kinds:
                    action, payload, _ = CALLS[kind]
                    samples = Samples([], [])
                    for n in range(-warmup if number == 0 else 0, calls):
                        began = time.perf_counter_ns()
                        await bare_call(action, payload)
                        middle = time.perf_counter_ns()
                        if profiler is not None:
                            profiler.enable()
                        await station.call(action, payload)
                        if profiler is not None:
                            profiler.disable()
                        ended = time.perf_counter_ns()
                        if n >= 0:
                            samples.bare_ns.append(middle - began)
                            samples.harness_ns.append(ended - middle)
                        if n % 200 == 199:     # a case is not 10,000 steps long: keep the inbox and trace bounded
                            station.begin_case(police=True)
                            trace.records.clear()
                    results[kind].append(samples)
            for player in players:
                player.cancel()
    finally:
        bare_closed.set()
        bare_server.close()
        await bare_server.wait_closed()
        await system.stop()
        trace.end()
    return results


def percentile(values: list[int], p: float) -> float:
    """The p-th percentile (nearest rank) in ms."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] / 1e6


@dataclass
class Round:
    bare_p50: float
    harness_p50: float
    bare_p99: float
    harness_p99: float

    @property
    def ratio_p50(self) -> float:
        return self.harness_p50 / self.bare_p50

    @property
    def ratio_p99(self) -> float:
        return self.harness_p99 / self.bare_p99

    def __str__(self) -> str:
        return (f"p50 bare {self.bare_p50:.3f} ms, harness {self.harness_p50:.3f} ms ({self.ratio_p50:.2f}x); "
                f"p99 bare {self.bare_p99:.3f} ms, harness {self.harness_p99:.3f} ms ({self.ratio_p99:.2f}x)")


def summarize(samples: Samples) -> Round:
    return Round(percentile(samples.bare_ns, 50), percentile(samples.harness_ns, 50),
                 percentile(samples.bare_ns, 99), percentile(samples.harness_ns, 99))


def median_round(rounds: list[Round]) -> Round:
    """The round whose worse ratio (p50 or p99) is the median one."""
    ordered = sorted(rounds, key=lambda r: max(r.ratio_p50, r.ratio_p99))
    return ordered[len(ordered) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile the harness side only")
    args = parser.parse_args()
    profiler = cProfile.Profile() if args.profile else None
    with tempfile.TemporaryDirectory() as tmp:
        results = asyncio.run(measure(args.calls, Path(tmp), rounds=args.rounds, profiler=profiler))
    for kind, per_round in results.items():
        rounds = [summarize(samples) for samples in per_round]
        for number, one in enumerate(rounds, 1):
            print(f"{kind:17} round {number}: {one}")
        print(f"{kind:17} median  : {median_round(rounds)}")
    if profiler is not None:
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
