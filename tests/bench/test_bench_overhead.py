"""Harness overhead (issue 12 point 4, ``make bench``): the CALL round trip through ``Station.call`` against a
bare websockets round trip, side by side in one event loop (see :mod:`tests.bench.roundtrip`).

Target: the harness's round trip at most 2× the bare one at p50 and at p99. Five rounds of 1,000 alternating
pairs per kind of CALL; every round is printed and the median round is judged, so a stall of the shared
machine in one round does not decide (a harness that is really slower fails every round).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.bench.roundtrip import measure, median_round, summarize

TARGET = 2.0
ROUNDS, CALLS = 5, 1_000


def test_bench_call_round_trip_overhead(tmp_path: Path) -> None:
    results = asyncio.run(measure(CALLS, tmp_path, rounds=ROUNDS))
    print()
    verdicts = []
    for kind, per_round in results.items():
        rounds = [summarize(samples) for samples in per_round]
        for number, one in enumerate(rounds, 1):
            print(f"CALL round trip, {kind}, round {number}: {one}")
        median = median_round(rounds)
        print(f"CALL round trip, {kind}, median round: {median} (target ≤ {TARGET}x at p50 and p99)")
        verdicts.append((kind, median))
    for kind, median in verdicts:
        assert median.ratio_p50 <= TARGET, f"{kind}: p50 {median.ratio_p50:.2f}x the bare round trip"
        assert median.ratio_p99 <= TARGET, f"{kind}: p99 {median.ratio_p99:.2f}x the bare round trip"
