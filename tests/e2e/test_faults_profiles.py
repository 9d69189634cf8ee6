"""The rows of ``docs/faults.md`` beyond Core (Firmware Management, Local Authorization List, Reservation,
Remote Trigger, Smart Charging): each injected fault fails the cases it names. The table and the Core rows are
proven in ``test_faults.py``; a file of their own lets ``make test``'s workers prove both halves side by side."""

from __future__ import annotations

import pytest

from tests.e2e.test_faults import core_rows, prove


@pytest.mark.timeout(600)
def test_every_fault_beyond_core_is_caught(tmp_path, subtests):
    prove(core_rows(False), tmp_path, subtests)
