"""Every conformance test case can fail: each row of ``docs/faults.md`` injects a named fault into the
reference charge point, and the cases the row names must end failed, with a reason that names the step.

The rows are read from the document itself, so the table a reader trusts is the table CI proves.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tests.e2e.runner import DETACHABLE_PICS, ROOT, SEED_PICS, fast_pics, harness_runner

FAULTS_DOC = ROOT / "docs" / "faults.md"
#: the PICS column: ``seed`` or ``detachable``, optionally run at another security profile (``seed at SP2``)
ROW = re.compile(r"^\|\s*`(?P<fault>[a-z0-9-]+)`\s*\|(?P<what>[^|]*)\|(?P<cases>[^|]*)\|"
                 r"\s*(?P<pics>(?:seed|detachable)(?: at SP[23])?)\s*\|")
PICS = {"seed": SEED_PICS, "detachable": DETACHABLE_PICS}
#: an OCTT case (TC_066_CS), a block beyond the plan (SC_PROP_1), either in one charging rate unit ([A], [W])
CASE_ID = r"(?:TC_\d{3}(?:_\d)?_CS|SC_PROP_\d+)(?:\[[AW]\])?"


def fault_rows() -> list[tuple[str, tuple[str, ...], str]]:
    rows = []
    for line in FAULTS_DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            cases = tuple(re.findall(CASE_ID, match["cases"]))
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


#: Rows run concurrently: each mostly waits out a message timeout, so a few at a time fit two cores.
WORKERS = int(os.environ.get("HARNESS_E2E_WORKERS", "4"))


def _run_row(tmp_path: Path, index: int, fault: str, cases: tuple[str, ...], pics: str):
    workdir = tmp_path / f"row{index}"
    workdir.mkdir()
    selected = dict.fromkeys(base_id(case) for case in cases)     # -k takes no brackets: both rate units run
    source, _, profile = pics.partition(" at SP")
    path, extra = fast_pics(PICS[source], workdir), []
    if profile:                     # over TLS: the run's own PKI, in the row's directory
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["test_setup"]["security_profile"] = int(profile)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        extra = ["--pki-dir", str(workdir / "pki")]
    return harness_runner(workdir)(path, "--sim-fault", fault, *extra, "-k", " or ".join(selected))


def base_id(case: str) -> str:
    """``TC_066_CS`` of the variant ``TC_066_CS[W]`` (a Smart Charging case run in one charging rate unit)."""
    return case.split("[", 1)[0]


def prove(rows: list[tuple[str, tuple[str, ...], str]], tmp_path: Path, subtests) -> None:  # type: ignore[no-untyped-def]
    """Run every row (``WORKERS`` at a time) and check that each case it names failed, naming the step."""
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(pool.map(lambda item: _run_row(tmp_path, item[0], *item[1]), enumerate(rows)))
    for (fault, cases, pics), outcome in zip(rows, outcomes):
        with subtests.test(msg=f"{fault} [{pics}] {' '.join(cases)}"):
            for case in cases:
                assert case in outcome.results, f"{case} did not run: {outcome.output[-1500:]}"
                assert outcome.verdict(case) == "failed", (
                    f"{case} with fault {fault}: {outcome.verdict(case)} {outcome.reason(case)}")
                assert outcome.reason(case).startswith("step ") or "illegal" in outcome.reason(case), (
                    f"{case}: the reason should name the step: {outcome.reason(case)}")
            assert outcome.exit_code == 1


def core_rows(core: bool) -> list[tuple[str, tuple[str, ...], str]]:
    """The rows whose cases are all Core cases (``core``), or the others. Two halves in two files, so that
    ``make test``'s workers (``--dist loadfile``) prove them side by side."""
    ids = _case_ids(ROOT / "testcases" / "core")
    return [row for row in ROWS if all(base_id(case) in ids for case in row[1]) == core]


#: Each half runs some fifty short runs of the harness, four at a time: longer than the usual case timeout.
@pytest.mark.timeout(600)
def test_every_core_fault_is_caught(tmp_path, subtests):
    prove(core_rows(True), tmp_path, subtests)


def _case_ids(folder: Path) -> set[str]:
    found: set[str] = set()
    for path in folder.rglob("test_*.py"):
        found.update(re.findall(r'@testcase\(\s*"(TC_[0-9_]+_CS|SC_PROP_[0-9]+)"', path.read_text(encoding="utf-8")))
    return found


def test_every_case_has_a_fault_that_it_catches():
    """The evidence covers every case of testcases/ (the whole Core profile among them) and every block beyond
    the plan (SC_PROP_1): each is in a row."""
    covered = {base_id(case) for _, cases, _ in ROWS for case in cases}
    every = _case_ids(ROOT / "testcases")
    assert len(_case_ids(ROOT / "testcases" / "core")) == 51
    assert not every - covered, f"cases without a fault that proves they can fail: {sorted(every - covered)}"
