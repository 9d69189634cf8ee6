"""Several chargers in one invocation (harness/fleet.py): two reference charge points at once, a run, a port
and a report each, the worst exit code, and ``report diff`` of the two runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

from tests.e2e.runner import ROOT, RUN_TIMEOUT_S, SEED_PICS, fast_pics

CASES = "TC_001_CS or TC_003_CS"


def _second_charger(tmp_path):
    """The seed PICS under another chargePointId and file name: the second charger of the bench."""
    data = yaml.safe_load(SEED_PICS.read_text(encoding="utf-8"))
    data["test_setup"]["charge_point_id"] = "BENCH-CP-2"
    path = tmp_path / "second-charger.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", "run", "--dut", "sim", "--report-dir",
                           str(tmp_path / "reports"), "--run-id", "bench", "--no-cache", "-q", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_two_chargers_at_once_get_a_run_a_port_and_a_report_each(tmp_path):
    first, second = fast_pics(SEED_PICS, tmp_path), _second_charger(tmp_path)
    done = _run(tmp_path, "--pics", str(first), "--pics", str(second), "--sim-fault", "boot-ignores-interval",
                "-k", CASES)
    fleet = tmp_path / "reports" / "bench"
    index = json.loads((fleet / "fleet.json").read_text(encoding="utf-8"))
    runs = {run["name"]: run for run in index["runs"]}
    assert set(runs) == {first.stem, "second-charger"}, done.stdout + done.stderr
    assert runs["second-charger"]["charge_point_id"] == "BENCH-CP-2"
    for name, run in runs.items():
        assert (fleet / name / "certificate.html").exists()
        results = [json.loads(line) for line in (fleet / name / "results.jsonl").read_text().splitlines()]
        assert {r["id"] for r in results} == {"TC_001_CS", "TC_003_CS"}
        assert run["exit_code"] == 1 and run["counts"] == {"failed": 1, "passed": 1}   # the fault fails TC_001
        assert (fleet / f"console-{name}.log").read_text(encoding="utf-8")
    ports = {json.loads((fleet / name / "run.json").read_text())["csms_url"].rsplit(":", 1)[1] for name in runs}
    assert len(ports) == 2, "each charger listens on a port of its own"
    assert done.returncode == 1
    assert f"[{first.stem}" in done.stdout and "[second-charger" in done.stdout   # lines prefixed by charger
    assert "ocpp-harness report diff" in done.stdout

    diff = subprocess.run([sys.executable, "-m", "harness", "report", "diff", str(fleet / first.stem),
                           str(fleet / "second-charger")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert diff.returncode == 0, diff.stderr
    assert "Verdict changes (0)" in diff.stdout and "Unchanged verdicts: 2" in diff.stdout, diff.stdout


def test_a_bad_pics_among_several_stops_everything_before_a_start(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("pics_version: 1\nproduct: {}\n", encoding="utf-8")
    done = _run(tmp_path, "--pics", str(SEED_PICS), "--pics", str(broken))
    assert done.returncode == 2
    assert "bad PICS" in done.stderr
    assert not (tmp_path / "reports").exists()


def test_several_chargers_cannot_share_a_person(tmp_path):
    done = _run(tmp_path, "--pics", str(SEED_PICS), "--pics", str(SEED_PICS), "--dut", "manual")
    assert done.returncode == 2 and "a person at one terminal" in done.stderr
