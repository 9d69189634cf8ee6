"""A whole conformance run against the reference charge point, as ``make demo`` does it: every applicable
case passes, every other one is not applicable with the PICS item that excludes it."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.runner import DETACHABLE_PICS, SEED_PICS, harness_runner

PICS = {"seed-fixed-cable": SEED_PICS, "detachable-cable": DETACHABLE_PICS}
#: The whole runs, with their arguments: the seed PICS serially and in parallel workers (the two reports must
#: say the same), the detachable one in parallel.
RUNS = {"seed-fixed-cable": (SEED_PICS, ()), "seed-parallel": (SEED_PICS, ("-n", "auto")),
        "detachable-cable": (DETACHABLE_PICS, ("-n", "auto"))}
#: the serial seed run alone takes about 300 s of case time (TC_083 waits its 60 s long operation timeout
#: for a reconnect at the old security profile that must not come)
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def full_runs(tmp_path_factory):
    """The whole runs at once (each mostly waits on the charger's timers), shared by the tests below."""
    base = tmp_path_factory.mktemp("full")
    with ThreadPoolExecutor(max_workers=len(RUNS)) as pool:
        futures = {name: pool.submit(harness_runner(base / name), pics, *args) for name, (pics, args) in RUNS.items()}
        return {name: future.result() for name, future in futures.items()}


def _summary(outcome) -> str:
    return "\n".join(f"{r['id']}: {r['verdict']} {r['reason'][:200]}" for r in outcome.results.values()
                     if r["verdict"] != "passed")


@pytest.mark.parametrize("name", RUNS)
def test_every_applicable_case_passes_against_the_reference_charge_point(full_runs, name):
    outcome = full_runs[name]
    assert outcome.results, outcome.output[-3000:]
    failing = {i: r for i, r in outcome.results.items() if r["verdict"] not in ("passed", "not_applicable")}
    assert not failing, _summary(outcome) + "\n" + outcome.output[-2000:]
    assert outcome.exit_code == 0
    for result in outcome.results.values():
        if result["verdict"] == "not_applicable":
            assert " = " in result["reason"] or "declared" in result["reason"], result
    trace = (outcome.run_dir / "traces" / "TC_003_CS.jsonl")
    if trace.exists():
        records = [json.loads(line) for line in trace.read_text().splitlines()]
        assert records[-1]["type"] == "verdict"
    run_info = json.loads((outcome.run_dir / "run.json").read_text())
    assert run_info["ended_utc"]
    assert "harness-demo-key-01" not in (outcome.run_dir / "pics.yaml").read_text()


#: What a report says about the charger, as opposed to when and how fast this run went.
REPORT_CONTENT = ("overall_verdict", "overall", "profiles", "hardware", "connectors", "features",
                  "measurands", "cipher_suites", "questions", "settings")


def test_a_parallel_run_reports_what_the_serial_run_reports(full_runs):
    """``-n auto``: one run directory, one report, the same content as the serial run's: every section about
    the charger, and every case's verdict in plan order."""
    serial, parallel = (json.loads((full_runs[name].run_dir / "certificate.json").read_text())
                        for name in ("seed-fixed-cable", "seed-parallel"))
    for section in REPORT_CONTENT:
        assert parallel[section] == serial[section], section
    # where the BootNotification was seen differs: the session trace of the worker that saw it ("_session-gw0")
    assert parallel["product"].pop("boot_notification").startswith("_session-gw")
    assert parallel["product"] == {k: v for k, v in serial["product"].items() if k != "boot_notification"}

    def verdicts(report):
        return [(c["id"], c["verdict"], c["title"], c["block"]) for c in report["cases"]]
    assert verdicts(parallel) == verdicts(serial)
    rows = [json.loads(line)["id"] for line in (full_runs["seed-parallel"].run_dir / "results.jsonl").read_text()
            .splitlines()]
    assert rows == [c["id"] for c in serial["cases"]], "results.jsonl of a parallel run is in plan order"
    workers = sorted(p.name for p in full_runs["seed-parallel"].run_dir.glob("simulator-gw*.log"))
    assert len(workers) >= 2, "each worker runs its own reference charge point"


def test_one_case_by_its_octt_id(run_harness):
    outcome = run_harness(SEED_PICS, "-k", "TC_003_CS")
    assert list(outcome.results) == ["TC_003_CS"], outcome.output[-2000:]
    assert outcome.verdict("TC_003_CS") == "passed" and outcome.exit_code == 0


def test_a_bad_pics_stops_before_anything_runs(run_harness, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(SEED_PICS.read_text().replace("C-11: true", "C-13: true"))
    outcome = run_harness(broken)
    assert outcome.exit_code == 2
    assert "optional_features.C-13" in outcome.output and "broken.yaml:" in outcome.output
    assert not outcome.run_dir.exists()
