"""No false fails: each row of the table "Allowed behaviours the cases must pass" in ``docs/faults.md`` switches
on a named allowed behaviour of the reference charge point (something OCPP 1.6 permits), and the cases the row
names must end passed.

The rows are read from the document itself, as ``test_faults.py`` reads the faults above them, so the table a
reader trusts is the table CI proves.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.e2e.runner import DETACHABLE_PICS, ROOT, SEED_PICS, RunOutcome, harness_runner

FAULTS_DOC = ROOT / "docs" / "faults.md"
SECTION = "## Allowed behaviours the cases must pass"
ROW = re.compile(r"^\|\s*`(?P<name>[a-z0-9-]+)`\s*\|(?P<what>[^|]*)\|(?P<cases>[^|]*)\|(?P<pics>[^|]*)\|\s*$")
#: The PICS cell: a base file, optionally "+ KEY read-write" (a variant the run declares), then a comment.
PICS_CELL = re.compile(r"^\s*(?P<base>seed|detachable)(?:\s*\+\s*(?P<key>[A-Za-z]+)\s+(?P<access>read-write|read-only))?"
                       r"\s*(?:\(.*\))?\s*$")
PICS = {"seed": SEED_PICS, "detachable": DETACHABLE_PICS}
#: Rows run concurrently: each mostly waits on the charger's timers, so a few at a time fit two cores.
WORKERS = int(os.environ.get("HARNESS_E2E_WORKERS", "4"))


@dataclass(frozen=True)
class Row:
    behaviour: str
    cases: tuple[str, ...]
    base: str
    key: str | None = None
    access: str | None = None

    def label(self) -> str:
        variant = f" + {self.key} {self.access}" if self.key else ""
        return f"{self.behaviour} [{self.base}{variant}] {' '.join(self.cases)}"


def behaviour_rows() -> list[Row]:
    """The rows of the behaviours table (only that section of the document)."""
    text = FAULTS_DOC.read_text(encoding="utf-8")
    assert SECTION in text, f"{FAULTS_DOC} has no section {SECTION!r}"
    rows = []
    for line in text.split(SECTION, 1)[1].splitlines():
        if line.startswith("## "):
            break
        match = ROW.match(line)
        if not match:
            continue
        pics = PICS_CELL.match(match["pics"])
        assert pics, f"unreadable PICS cell {match['pics']!r} in: {line}"
        rows.append(Row(match["name"], tuple(re.findall(r"TC_\d{3}(?:_\d)?_CS", match["cases"])), pics["base"],
                        pics["key"], pics["access"]))
    return rows


ROWS = behaviour_rows()


def listed_behaviours() -> dict[str, str]:
    """``python -m simulator --list-behaviours``: name -> its line."""
    out = subprocess.run([sys.executable, "-m", "simulator", "--list-behaviours"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    return {line.split()[0]: line for line in out.splitlines() if line.strip()}


def test_the_behaviour_table_names_every_behaviour_and_its_cases():
    """Every behaviour of the simulator has a row, every row names a real behaviour, and the cases of the
    rows are the ones the simulator's table says must pass with it."""
    assert ROWS, f"no rows parsed from the section {SECTION!r} of {FAULTS_DOC}"
    listed = listed_behaviours()
    assert {row.behaviour for row in ROWS} == set(listed)
    for name, line in listed.items():
        documented = {case for row in ROWS if row.behaviour == name for case in row.cases}
        promised = {f"{case}_CS" for case in re.findall(r"TC_\d{3}(?:_\d)?(?=[,\]])", line)}
        assert documented == promised, f"{name}: docs/faults.md names {sorted(documented)}, the simulator {sorted(promised)}"


def test_the_fault_table_does_not_read_the_behaviour_rows():
    """``test_faults.py`` reads rows anywhere in the document: a behaviour row it took for a fault would be
    expected to fail."""
    from tests.e2e.test_faults import ROWS as FAULT_ROWS

    assert not {fault for fault, _, _ in FAULT_ROWS} & {row.behaviour for row in ROWS}


def row_pics(row: Row, workdir: Path) -> Path:
    """The PICS of a row: its base file, with the configuration key the row declares otherwise."""
    source = PICS[row.base]
    if row.key is None:
        return source
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    keys = data.setdefault("configuration_keys", {})
    keys[row.key] = {**(keys.get(row.key) or {}), "access": row.access}
    path = workdir / f"{row.base}-{row.key}-{row.access}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _run_row(tmp_path: Path, index: int, row: Row) -> RunOutcome:
    workdir = tmp_path / f"row{index}"
    workdir.mkdir()
    return harness_runner(workdir)(row_pics(row, workdir), "--sim-behaviour", row.behaviour,
                                   "-k", " or ".join(row.cases))


def test_every_allowed_behaviour_passes(tmp_path, subtests):
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(pool.map(lambda item: _run_row(tmp_path, *item), enumerate(ROWS)))
    for row, outcome in zip(ROWS, outcomes):
        with subtests.test(msg=row.label()):
            for case in row.cases:
                assert case in outcome.results, f"{case} did not run: {outcome.output[-1500:]}"
                assert outcome.verdict(case) == "passed", (
                    f"{case} with behaviour {row.behaviour}: {outcome.verdict(case)} {outcome.reason(case)}")
            assert outcome.exit_code == 0, outcome.output[-1500:]
