"""End to end: ``ocpp-harness run`` as a user runs it, a real subprocess against the real reference charge point.

``run_harness`` runs the CLI and returns the parsed results of its run directory, so a test reads as
"these cases, with this fault, end with these verdicts".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

ROOT = Path(__file__).resolve().parents[2]
SEED_PICS = ROOT / "pics" / "bsec-22k-a2-ccs2-400s.yaml"
DETACHABLE_PICS = ROOT / "pics" / "reference-cp-detachable.yaml"
RUN_TIMEOUT_S = 600


@dataclass
class RunOutcome:
    exit_code: int
    run_dir: Path
    results: dict[str, dict]
    output: str

    def verdict(self, case_id: str) -> str:
        return self.results[case_id]["verdict"]

    def reason(self, case_id: str) -> str:
        return self.results[case_id]["reason"]


def fast_pics(source: Path, tmp_path: Path, message_timeout: int | None = 4,
              security_profile: int | None = None) -> Path:
    """The PICS with a shorter per-message timeout: a faulty charger is found out sooner (``None`` keeps it).

    ``security_profile`` overrides the PICS's: a scripted charger that speaks plain ws:// needs 1 (the seed
    starts at 2, as its certificate says).
    """
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    if message_timeout is not None:
        data["test_setup"]["timeouts"]["message"] = message_timeout
    if security_profile is not None:
        data["test_setup"]["security_profile"] = security_profile
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def harness_runner(tmp_path: Path, env: dict[str, str] | None = None) -> Callable[..., RunOutcome]:
    """``run(pics, *args)`` runs ``ocpp-harness run`` in a subprocess with its reports under ``tmp_path``
    (``env``: variables added to the environment, which the reference charge point inherits)."""

    def run(pics: Path, *args: str) -> RunOutcome:
        reports = tmp_path / "reports"
        command = [sys.executable, "-m", "harness", "run", "--pics", str(pics), "--dut", "sim",
                   "--report-dir", str(reports), "--run-id", "run", "--no-cache", "-q", *args]
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
        run_dir = reports / "run"
        results = {}
        results_file = run_dir / "results.jsonl"
        if results_file.exists():
            for line in results_file.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                results[row["id"]] = row
        return RunOutcome(completed.returncode, run_dir, results, completed.stdout + completed.stderr)

    return run
