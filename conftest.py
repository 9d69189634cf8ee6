"""pytest configuration of the project's own tests (``tests/``); the ini options are in pyproject.toml.

pytest loads this file in every session rooted here, ``ocpp-harness run`` included (its rootdir is this
directory, because of pyproject.toml), so nothing here touches the conformance cases of ``testcases/``: those
belong to the harness plug-in (harness/plugin.py, loaded once through its pytest11 entry point; never list
it in ``pytest_plugins`` here, it would be registered twice).

- Being the rootdir's conftest, this file puts the repository's root on ``sys.path``: ``tests.…`` and
  ``fixtures.…`` import from every test module, however pytest is started (``pytest``, ``python -m pytest``,
  from another directory).
- Markers by directory, so a quick loop can leave out the slow parts: ``e2e`` (real ``ocpp-harness run``
  subprocesses), ``browser`` (headless Chromium), ``bench``; e.g. ``pytest tests -m "not e2e"``.
- ``pytest .`` runs the project's tests and leaves ``testcases/`` alone unless ``--pics`` names a charger
  (those cases need one; ``ocpp-harness run`` always gives it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
TESTS = ROOT / "tests"
TESTCASES = ROOT / "testcases"
#: tests/<directory> → the marker its tests carry
DIRECTORY_MARKERS = {
    "e2e": "e2e: runs ocpp-harness end to end against the reference charge point (minutes)",
    "browser": "browser: opens the HTML report in headless Chromium",
    "bench": "bench: measurements (make bench), not correctness",
}


def pytest_configure(config: pytest.Config) -> None:
    for line in DIRECTORY_MARKERS.values():
        config.addinivalue_line("markers", line)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Leave testcases/ out of ``pytest .`` when no charger is named; never when it was asked for."""
    if collection_path != TESTCASES or config.getoption("pics", None):
        return None
    asked = [Path(arg.split("::")[0]).resolve() for arg in config.args]
    return None if any(path == TESTCASES or TESTCASES in path.parents for path in asked) else True


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the project's tests by directory; items outside tests/ (the conformance cases) are not touched."""
    for item in items:
        path = Path(str(item.path))
        if TESTS not in path.parents:
            continue
        directory = path.relative_to(TESTS).parts[0]
        if directory in DIRECTORY_MARKERS:
            item.add_marker(directory)
