"""End to end through the real pytest plugin: ``ocpp-harness run`` in a subprocess, the command adapter's bench
starting a scripted raw charger (:mod:`tests.robustness.raw_charger`) that misbehaves during one case.

The misbehaving case fails at once (not after the response timeout) with the offending frame quoted, the
next case runs and passes, and the report is written: results.jsonl and certificate.html.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import yaml

from harness.pics import load_pics
from tests.e2e.runner import SEED_PICS, fast_pics, harness_runner
from tests.robustness import raw_charger

#: The whole run: session start, two baselines, two short cases, the report. Generous for two shared cores.
RUN_BOUND_S = 60


def bench(tmp_path: Path) -> Path:
    pics = load_pics(SEED_PICS)
    setup = pics.test_setup
    script = str(Path(raw_charger.__file__).resolve())
    data = {"timeout_s": 20, "actions": {
        "session_start": [sys.executable, script, "start", "{url}", "{charge_point_id}",
                          setup.basic_auth_password, str(len(pics.connector_ids)), str(tmp_path)],
        "session_end": [sys.executable, script, "stop", str(tmp_path)]}}
    path = tmp_path / "bench.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_case_the_charger_misbehaves_in_fails_the_next_runs_and_the_report_is_written(tmp_path):
    run = harness_runner(tmp_path)
    began = time.monotonic()
    try:
        outcome = run(fast_pics(SEED_PICS, tmp_path, security_profile=1), "--dut", "command", "--dut-config", str(bench(tmp_path)),
                      "-k", "TC_019_CS or TC_021_CS")
    finally:        # should the run not have ended the charger (session_end), end it by its pid
        subprocess.run([sys.executable, raw_charger.__file__, "stop", str(tmp_path)], check=False, timeout=10)
    elapsed = time.monotonic() - began
    assert set(outcome.results) == {"TC_019_CS", "TC_021_CS"}, outcome.output[-3000:]
    assert outcome.verdict("TC_019_CS") == "failed", outcome.reason("TC_019_CS")
    reason = outcome.reason("TC_019_CS")
    assert reason.startswith("step 1: the charge point sent a frame that breaks OCPP-J at +"), reason
    assert raw_charger.MISBEHAVIOUR in reason and "error-code-unknown" in reason, reason
    assert outcome.results["TC_019_CS"]["duration_s"] < 10, "the case waited out a timeout instead of failing"
    assert outcome.verdict("TC_021_CS") == "passed", outcome.reason("TC_021_CS")
    assert (outcome.run_dir / "certificate.html").is_file()
    assert outcome.exit_code == 1, outcome.output[-2000:]
    print(f"\nTC_019_CS: {reason}\nrun: {elapsed:.1f} s")
    assert elapsed < RUN_BOUND_S, f"the run took {elapsed:.1f} s"
