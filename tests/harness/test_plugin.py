"""The parallel run's order (harness/plugin.py): cases dealt longest first into equal shares for worksteal."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from harness.plugin import snake_shares


def test_the_longest_cases_start_on_different_workers_and_shares_are_equal():
    ranked = ["39", "37_2", "37_1", "36", "38", "1", "2", "3", "4"]   # longest first
    order = snake_shares(ranked, 3)
    shares = [order[0:3], order[3:6], order[6:9]]
    assert [share[0] for share in shares] == ["39", "37_2", "37_1"]     # one long case at each worker's start
    assert shares == [["39", "1", "2"], ["37_2", "38", "3"], ["37_1", "36", "4"]]


@given(st.lists(st.integers(0, 30), max_size=60), st.integers(1, 8))
def test_every_case_is_dealt_once_and_the_loads_stay_close(durations, workers):
    ranked = sorted(durations, reverse=True)
    order = snake_shares(ranked, workers)
    assert sorted(order) == sorted(ranked)
    size = -(-len(ranked) // workers)
    sums = [sum(order[i:i + size]) for i in range(0, len(order), size)] if ranked else []
    if len(sums) > 1 and len(ranked) % workers == 0:
        assert max(sums) - min(sums) <= 2 * max(ranked)    # a snake's loads differ by at most two cases
