"""The report commands on real runs: re-render a run from its files, and tell what a firmware change broke."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree

from tests.e2e.runner import ROOT, SEED_PICS, harness_runner

CASES = ("-k", "TC_019_CS or TC_021_CS")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_rerender_and_diff_two_runs(tmp_path):
    good = harness_runner(tmp_path / "good")(SEED_PICS, *CASES)
    bad = harness_runner(tmp_path / "bad")(SEED_PICS, *CASES, "--sim-fault", "change-config-not-persisted")
    assert good.exit_code == 0 and bad.exit_code == 1
    assert list(good.results) == ["TC_019_CS", "TC_021_CS"], "results.jsonl in plan order"
    _console_shows_the_failure(bad)

    for name in ("certificate.html", "certificate.md", "certificate.json", "junit.xml"):
        assert (good.run_dir / name).exists(), name
    suite = ElementTree.parse(good.run_dir / "junit.xml").getroot()
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties.get("octt_id") in {"TC_019_CS", "TC_021_CS"} and "verdict" in properties
    assert list((good.run_dir / "allure-results").glob("*-result.json"))

    (good.run_dir / "certificate.html").unlink()
    rendered = cli("report", str(good.run_dir))
    assert rendered.returncode == 0 and (good.run_dir / "certificate.html").exists()

    diff = cli("report", "diff", str(good.run_dir), str(bad.run_dir))
    assert diff.returncode == 0
    assert "TC_021_CS" in diff.stdout and "passed" in diff.stdout and "failed" in diff.stdout
    assert "TC_019_CS" not in diff.stdout.split("KPI")[0] or "unchanged" in diff.stdout


def _console_shows_the_failure(outcome) -> None:
    """The run's console (-q: only the cases to look at): the failed case's line with its full reason below,
    the summary by verdict, the report; none of pytest's dots, tracebacks or short summary."""
    lines = outcome.output.splitlines()
    at = next(i for i, line in enumerate(lines) if "TC_021_CS" in line)
    assert lines[at].startswith("[") and "Change/set Configuration  failed" in lines[at], lines[at]
    assert lines[at + 1].strip() == outcome.reason("TC_021_CS"), "the reason of results.jsonl, in full"
    counts = {v: sum(r["verdict"] == v for r in outcome.results.values()) for v in ("passed", "failed")}
    assert (f"ocpp-harness: 2 cases: {counts['passed']} passed, {counts['failed']} failed, 0 inconclusive, "
            f"0 not applicable, 0 error, 0 not run") in lines
    assert any(line.startswith("ocpp-harness: report: ") for line in lines)
    for pytest_output in ("short test summary", "Traceback", "passed in", "=====", "[100%]"):
        assert pytest_output not in outcome.output, pytest_output
