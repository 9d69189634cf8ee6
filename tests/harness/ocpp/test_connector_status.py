"""The connector status table: the spec's cells, and the checker's rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.ocpp.connector_status import STATUSES, TRANSITIONS, ConnectorStatusChecker, allowed

# The cells of OCPP 1.6 §4.9 that are NOT in the table (besides staying in the same state).
FORBIDDEN = {
    ("Available", "Finishing"), ("Preparing", "Reserved"), ("Preparing", "Unavailable"),
    ("Charging", "Preparing"), ("Charging", "Reserved"), ("SuspendedEV", "Preparing"),
    ("SuspendedEV", "Reserved"), ("SuspendedEVSE", "Preparing"), ("SuspendedEVSE", "Reserved"),
    ("Finishing", "Charging"), ("Finishing", "SuspendedEV"), ("Finishing", "SuspendedEVSE"),
    ("Finishing", "Reserved"), ("Reserved", "Charging"), ("Reserved", "SuspendedEV"),
    ("Reserved", "SuspendedEVSE"), ("Reserved", "Finishing"), ("Unavailable", "Finishing"),
    ("Unavailable", "Reserved"),
}


def test_table_covers_every_status_and_only_known_ones():
    assert set(TRANSITIONS) == set(STATUSES)
    assert all(targets <= set(STATUSES) for targets in TRANSITIONS.values())


@pytest.mark.parametrize("old", STATUSES)
@pytest.mark.parametrize("new", STATUSES)
def test_each_cell_of_the_spec(old, new):
    assert allowed(old, new) == (old == new or (old, new) not in FORBIDDEN)


def test_a_normal_session_raises_no_finding():
    checker = ConnectorStatusChecker()
    for status in ("Available", "Preparing", "Charging", "SuspendedEV", "Charging", "Finishing", "Available"):
        assert checker.observe(1, status) is None


def test_an_illegal_transition_is_named():
    checker = ConnectorStatusChecker()
    checker.observe(1, "Charging")
    finding = checker.observe(1, "Preparing")
    assert finding == "connector 1 went from Charging to Preparing, a transition OCPP 1.6 §4.9 does not allow"


def test_after_restart_any_first_status_is_allowed():
    checker = ConnectorStatusChecker()
    checker.observe(1, "Charging")
    checker.restart()
    assert checker.observe(1, "Preparing") is None


def test_connector_zero_can_only_be_available_unavailable_or_faulted():
    checker = ConnectorStatusChecker()
    assert checker.observe(0, "Unavailable") is None
    assert "connector 0 reported Charging" in (checker.observe(0, "Charging") or "")


@given(st.lists(st.sampled_from(STATUSES), max_size=30))
def test_findings_are_exactly_the_disallowed_steps(sequence):
    checker = ConnectorStatusChecker()
    findings = [checker.observe(2, status) for status in sequence]
    expected = [None] + [None if allowed(a, b) else "x" for a, b in zip(sequence, sequence[1:])]
    assert [f is None for f in findings] == [e is None for e in expected[: len(sequence)]]
