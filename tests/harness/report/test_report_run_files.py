"""Reading a run directory, finished or cut off (harness/report/run_files.py)."""
from __future__ import annotations

import json
import logging

import pytest

from harness.report import write_report
from datetime import timedelta

from fixtures.synthetic_run import UTC0, TraceBuilder
from harness.report.model import NOTHING_FINISHED, build_report
from harness.report.run_files import read_run


def test_a_finished_run_reads_back(make_run, case_factory):
    run_dir = make_run([case_factory("TC_001_CS"), case_factory("TC_024_CS", "not_applicable", reason="AQ-9 = No")])
    files = read_run(run_dir)
    assert [r["id"] for r in files.results] == ["TC_001_CS", "TC_024_CS"]
    assert set(files.traces) == {"TC_001_CS"}
    assert files.run["run_id"] and files.pics["product"]["device_type"] == "Charging Station"
    assert files.warnings == [] and files.unfinished == []
    assert build_report(files).status.state == "complete"


def test_a_truncated_last_result_line_is_skipped_with_a_warning(make_run, case_factory, caplog):
    run_dir = make_run([case_factory("TC_001_CS"), case_factory("TC_003_CS", "failed", reason="step 2")],
                       finished=False)
    with (run_dir / "results.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"id": "TC_010_CS", "title": "Remote Start Charging Sess')      # killed mid-write
    with caplog.at_level(logging.WARNING, logger="harness.report.run_files"):
        files = read_run(run_dir)
    assert [r["id"] for r in files.results] == ["TC_001_CS", "TC_003_CS"]
    assert any("line 3" in w and "truncated" in w for w in files.warnings)
    assert "truncated" in caplog.text
    report = build_report(files)
    assert report.status.state == "interrupted"
    assert "2 test cases that finished" in report.status.message
    assert report.overall_verdict == "Fail"


def test_a_broken_line_in_the_middle_is_skipped_too(make_run, case_factory):
    run_dir = make_run([case_factory("TC_001_CS")])
    path = run_dir / "results.jsonl"
    path.write_text("[1, 2]\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    files = read_run(run_dir)
    assert [r["id"] for r in files.results] == ["TC_001_CS"]
    assert any("line 1" in w and "not a JSON object" in w for w in files.warnings)


def test_a_truncated_trace_keeps_its_complete_records(make_run, case_factory):
    t = TraceBuilder()
    c = t.cs_call("ClearCache", at_ms=0)
    t.cp_result(c, {"status": "Accepted"}, at_ms=300)
    run_dir = make_run([case_factory("TC_001_CS", trace=t)])
    with (run_dir / "traces" / "TC_001_CS.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"seq": 2, "t_ns": 12')
    files = read_run(run_dir)
    assert [r["seq"] for r in files.traces["TC_001_CS"]] == [0, 1]
    assert any("traces/TC_001_CS.jsonl" in w for w in files.warnings)


def test_a_trace_without_result_is_an_unfinished_case(make_run, case_factory):
    t = TraceBuilder()
    t.step("step 1: RemoteStartTransaction", at_ms=0)
    run_dir = make_run([case_factory("TC_001_CS")], finished=False, unfinished={"TC_010_CS": t})
    files = read_run(run_dir)
    assert files.unfinished == ["TC_010_CS"]
    assert "TC_010_CS" in files.traces
    report = build_report(files)
    assert report.status.unfinished == ["TC_010_CS"] and report.status.state == "interrupted"
    paths = write_report(run_dir)
    assert run_dir / "traces" / "TC_010_CS.html" in paths.traces
    assert "did not finish" in (run_dir / "traces" / "TC_010_CS.html").read_text(encoding="utf-8")


def test_a_run_without_results_says_nothing_finished(make_run):
    run_dir = make_run([], finished=False)
    (run_dir / "results.jsonl").unlink(missing_ok=True)
    paths = write_report(run_dir)
    report = build_report(read_run(run_dir))
    assert report.status.state == "empty" and report.status.message == NOTHING_FINISHED
    assert report.overall_verdict == "Not tested"
    assert all(p.verdict == "Not tested" for p in report.profiles)
    assert NOTHING_FINISHED in paths.html.read_text(encoding="utf-8")
    assert NOTHING_FINISHED in paths.markdown.read_text(encoding="utf-8")


def test_an_empty_directory_still_renders(tmp_path):
    paths = write_report(tmp_path)
    assert paths.html.exists() and paths.junit.exists()
    assert {"run.json is missing", "pics.yaml is missing: the PICS sections are empty",
            "results.jsonl is missing: no test case finished"} <= set(paths.warnings)


def test_a_missing_directory_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_report(tmp_path / "nope")


def test_unreadable_run_json_and_pics_are_warnings(make_run, case_factory):
    run_dir = make_run([case_factory("TC_001_CS")])
    (run_dir / "run.json").write_text("{", encoding="utf-8")
    (run_dir / "pics.yaml").write_text("a: [", encoding="utf-8")
    files = read_run(run_dir)
    assert files.run == {} and files.pics == {}
    assert any("run.json is unreadable" in w for w in files.warnings)
    assert any("pics.yaml is unreadable" in w for w in files.warnings)
    report = build_report(files)
    assert report.identity.run_id == run_dir.name
    assert [r.value for r in report.hardware] == ["—"] * 10


def test_a_case_that_ended_twice_keeps_the_later_result(make_run, case_factory):
    run_dir = make_run([case_factory("TC_001_CS", "failed", reason="first"), case_factory("TC_001_CS")])
    files = read_run(run_dir)
    assert [(r["id"], r["verdict"]) for r in files.results] == [("TC_001_CS", "passed")]
    assert any("ended twice" in w for w in files.warnings)


def test_an_unknown_verdict_counts_as_error(make_run, case_factory):
    run_dir = make_run([case_factory("TC_001_CS", "skipped")])
    [result] = read_run(run_dir).results
    assert result["verdict"] == "error" and "skipped" in result["reason"]


def test_a_trace_path_outside_the_run_directory_is_ignored(make_run, case_factory, tmp_path):
    outside = tmp_path / "elsewhere.jsonl"
    outside.write_text(json.dumps({"seq": 0, "t_ns": 1, "type": "step", "text": "secret"}) + "\n")
    run_dir = make_run([case_factory("TC_001_CS")])
    line = json.loads((run_dir / "results.jsonl").read_text())
    line["trace"] = "../elsewhere.jsonl"
    (run_dir / "results.jsonl").write_text(json.dumps(line) + "\n")
    (run_dir / "traces" / "TC_001_CS.jsonl").unlink()
    files = read_run(run_dir)
    assert files.traces == {}
    assert any("outside the run directory" in w for w in files.warnings)


def test_a_session_trace_is_the_harnesss_own_and_holds_the_first_boot(make_run, case_factory):
    session = TraceBuilder()
    session.connection("open", {"path": "/BSEC22K-0001"}, at_ms=0)
    session.cp_call("BootNotification", {"chargePointVendor": "BLUESKY", "chargePointModel": "First"}, at_ms=10)
    later = TraceBuilder(utc0=UTC0 + timedelta(seconds=30))
    later.cp_call("BootNotification", {"chargePointVendor": "BLUESKY", "chargePointModel": "Second"}, at_ms=0)
    run_dir = make_run([case_factory("TC_001_CS", trace=later)], unfinished={"_session": session})
    files = read_run(run_dir)
    assert (files.session, files.unfinished, files.warnings) == (["_session"], [], [])
    report = build_report(files)
    assert report.status.state == "complete" and report.status.session == ["_session"]
    assert (report.product.model, report.product.boot_notification) == ("First", "_session, seq 1")
    paths = write_report(run_dir)
    page = (run_dir / "traces" / "_session.html").read_text(encoding="utf-8")
    assert "outside any test case" in page and run_dir / "traces" / "_session.html" in paths.traces
    assert 'href="traces/_session.html"' in paths.html.read_text(encoding="utf-8")
