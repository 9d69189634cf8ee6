from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from tests.e2e.runner import RunOutcome, harness_runner


@pytest.fixture
def run_harness(tmp_path: Path) -> Callable[..., RunOutcome]:
    return harness_runner(tmp_path)
