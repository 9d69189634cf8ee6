"""Wall time of whole conformance runs against the reference charge point (``make bench``).

The target of issue 12: every case of each shipped PICS (Firmware Management and Smart Charging included) in at
most 60 s on the 2-core machine with ``-n auto``. A serial run of the seed PICS takes about four minutes; the
first nine Core cases stay measured serially, the figure a single charger on a bench gives."""

from __future__ import annotations

import time

import pytest

from tests.e2e.runner import DETACHABLE_PICS, SEED_PICS, harness_runner

FIRST_NINE = ("TC_001_CS or TC_002_CS or TC_003_CS or TC_004_1_CS or TC_010_CS or TC_011_1_CS or TC_012_CS "
              "or TC_019_CS or TC_021_CS")


@pytest.mark.parametrize(("name", "pics", "options", "target_s"), [
    ("first nine Core cases, serial", SEED_PICS, ("-k", FIRST_NINE), 30),
    ("every case, seed PICS, -n auto", SEED_PICS, ("-n", "auto"), 60),
    ("every case, detachable-cable PICS, -n auto", DETACHABLE_PICS, ("-n", "auto"), 60),
])
def test_bench_run_wall_time(tmp_path, name, pics, options, target_s):
    began = time.perf_counter()
    outcome = harness_runner(tmp_path)(pics, *options)
    elapsed = time.perf_counter() - began
    ran = [r for r in outcome.results.values() if r["verdict"] != "not_applicable"]
    slowest = sorted(ran, key=lambda r: -r["duration_s"])[:3]
    print(f"\n{name}: {len(ran)} cases run, {len(outcome.results) - len(ran)} not applicable, "
          f"{elapsed:.1f} s wall time (target {target_s} s); slowest: "
          + ", ".join(f"{r['id']} {r['duration_s']:.1f} s" for r in slowest))
    assert all(r["verdict"] == "passed" for r in ran)
    assert elapsed < target_s
