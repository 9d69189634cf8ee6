"""Comparing two runs (harness/report/diff.py)."""
from __future__ import annotations

import pytest

from harness.report import diff_runs, format_diff
from fixtures.synthetic_run import TraceBuilder


def _response(ms: float) -> TraceBuilder:
    t = TraceBuilder()
    t.cp_result(t.cs_call("ClearCache", at_ms=0), {"status": "Accepted"}, at_ms=ms)
    return t


def test_diff_of_two_runs(make_run, case_factory):
    before = make_run([case_factory("TC_001_CS", trace=_response(200)),
                       case_factory("TC_010_CS", "failed", reason="step 5: no StartTransaction"),
                       case_factory("TC_012_CS"),
                       case_factory("TC_099_CS")], run_id="20261124-100000-aaaaaa")
    after = make_run([case_factory("TC_001_CS", trace=_response(250)),
                      case_factory("TC_010_CS"),
                      case_factory("TC_012_CS", "inconclusive", reason="operator could not unplug"),
                      case_factory("TC_100_CS", "not_applicable", reason="HFS-1 = No")],
                     run_id="20261124-110000-bbbbbb")
    d = diff_runs(before, after)
    assert (d.run_before, d.run_after) == ("20261124-100000-aaaaaa", "20261124-110000-bbbbbb")
    assert [(c.id, c.before, c.after, c.reason_before, c.reason_after) for c in d.changed] == [
        ("TC_010_CS", "failed", "passed", "step 5: no StartTransaction", ""),
        ("TC_012_CS", "passed", "inconclusive", "", "operator could not unplug")]
    assert [(c.id, c.verdict) for c in d.only_before] == [("TC_099_CS", "passed")]
    assert [(c.id, c.verdict) for c in d.only_after] == [("TC_100_CS", "not_applicable")]
    assert d.unchanged == 1

    response = d.kpis[0]
    assert response.kpi == "OCPP response timeout" and (response.count_before, response.count_after) == (1, 1)
    assert response.delta_ms["mean"] == pytest.approx(50.0) and response.delta_pct["max"] == pytest.approx(25.0)
    assert d.kpis[1].delta_ms == {"min": None, "max": None, "mean": None}      # no samples on either side

    text = format_diff(d)
    assert "Runs compared: 20261124-100000-aaaaaa → 20261124-110000-bbbbbb" in text
    assert "TC_010_CS  failed → passed" in text and "before: step 5: no StartTransaction" in text
    assert "TC_012_CS  passed → inconclusive" in text and "after:  operator could not unplug" in text
    assert "Only in 20261124-100000-aaaaaa (1):\n  TC_099_CS  passed" in text
    assert "Only in 20261124-110000-bbbbbb (1):\n  TC_100_CS  not_applicable" in text
    assert "mean   0.200 →   0.250  +50.0 ms  +25.0 %" in text


def test_diff_of_a_run_with_itself_has_no_change(make_run, case_factory):
    run_dir = make_run([case_factory("TC_001_CS", trace=_response(200))])
    d = diff_runs(run_dir, run_dir)
    assert d.changed == [] and d.only_before == [] and d.only_after == [] and d.unchanged == 1
    assert d.kpis[0].delta_ms["max"] == 0.0
    assert "Verdict changes (0):\n  none" in format_diff(d)
