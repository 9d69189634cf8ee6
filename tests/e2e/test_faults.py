"""Every conformance test case can fail: each row of ``docs/faults.md`` injects a named fault into the
reference charge point, and the cases the row names must end failed, with a reason that names the step.

The rows are read from the document itself, so the table a reader trusts is the table CI proves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.runner import DETACHABLE_PICS, ROOT, SEED_PICS, fast_pics

FAULTS_DOC = ROOT / "docs" / "faults.md"
ROW = re.compile(r"^\|\s*`(?P<fault>[a-z0-9-]+)`\s*\|(?P<what>[^|]*)\|(?P<cases>[^|]*)\|\s*(?P<pics>seed|detachable)\s*\|")
PICS = {"seed": SEED_PICS, "detachable": DETACHABLE_PICS}


def fault_rows() -> list[tuple[str, tuple[str, ...], str]]:
    rows = []
    for line in FAULTS_DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            cases = tuple(re.findall(r"TC_\d{3}(?:_\d)?_CS", match["cases"]))
            rows.append((match["fault"], cases, match["pics"]))
    return rows


ROWS = fault_rows()


def test_the_fault_table_is_not_empty_and_names_real_faults():
    import subprocess
    import sys

    assert ROWS, f"no rows parsed from {FAULTS_DOC}"
    listed = subprocess.run([sys.executable, "-m", "simulator", "--list-faults"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    known = {line.split()[0] for line in listed.splitlines() if line.strip()}
    assert {fault for fault, _, _ in ROWS} <= known


@pytest.mark.parametrize(("fault", "cases", "pics"), ROWS, ids=[f"{f}-{p}" for f, _, p in ROWS])
def test_the_fault_is_caught(run_harness, tmp_path, fault, cases, pics):
    outcome = run_harness(fast_pics(PICS[pics], tmp_path), "--sim-fault", fault, "-k", " or ".join(cases))
    for case in cases:
        assert case in outcome.results, f"{case} did not run: {outcome.output[-1500:]}"
        assert outcome.verdict(case) == "failed", (
            f"{case} with fault {fault}: {outcome.verdict(case)} {outcome.reason(case)}")
        assert outcome.reason(case), case
    assert outcome.exit_code == 1
