"""The console of ``ocpp-harness run`` (harness/console.py): what a person reads while a run goes on."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness import console, plugin
from harness.pics import load_pics
from harness.session import HarnessSession, SessionOptions
from harness.testcase import CaseInfo, always
from harness.verdicts import Verdict

TITLE = "Remote Start Charging Session – Cable Plugged in First"


def text(lines: list[console.Line]) -> list[str]:
    return [console.render(line, colour=False) for line in lines]


def result(verdict: str, reason: str = "", **fields: object) -> dict:
    return {"id": "TC_010_CS", "title": TITLE, "verdict": verdict, "reason": reason, "duration_s": 0.0213,
            **fields}


def test_a_passed_case_is_one_line_with_progress_id_title_verdict_and_duration():
    assert text(console.case_lines(result("passed"), 12, 77)) == [
        f"[12/77] TC_010_CS    {TITLE}  passed  0.02 s"]


def test_the_progress_count_is_padded_so_the_ids_line_up():
    assert console.progress(3, 77) == "[ 3/77]" and console.progress(77, 77) == "[77/77]"


def test_the_reason_of_a_failed_case_stands_below_in_full_never_cut():
    reason = "step 5: expected StatusNotification(status=Charging) within 10.0 s; " + "received x " * 60
    lines = text(console.case_lines(result("failed", reason), 1, 1))
    assert lines[0].endswith("failed  0.02 s")
    assert lines[1:] == [console.REASON_INDENT + reason]


def test_a_reason_of_several_lines_keeps_them_all():
    lines = text(console.case_lines(result("error", "harness error: one\ntwo\nthree"), 1, 1))
    assert [line.strip() for line in lines[1:]] == ["harness error: one", "two", "three"]


def test_inconclusive_never_looks_like_not_applicable():
    inconclusive = text(console.case_lines(result("inconclusive", "the adapter cannot plug in"), 4, 9))
    not_applicable = text(console.case_lines(result("not_applicable", "C-07 = No: Support for local start"), 5, 9))
    assert "inconclusive" in inconclusive[0] and inconclusive[1].strip() == "the adapter cannot plug in"
    assert not_applicable == [f"[5/9] TC_010_CS    {TITLE}  not applicable  (C-07 = No)"]
    assert "s" not in not_applicable[0].rsplit(")", 1)[1], "no duration: a case that does not apply did not run"


def test_a_not_applicable_reason_is_compact_the_pics_items_without_their_titles():
    reason = ("HFS-1 = No: Has a detachable cable; C-10.1 = No: Support for unlocking connector when cable "
              "disconnected on EV side; configuration key X is declared read-only, the case needs it read-write")
    assert console.compact(reason) == ("HFS-1 = No; C-10.1 = No; configuration key X is declared read-only, "
                                       "the case needs it read-write")
    assert console.compact("AQ-7.1 = Yes: Is it a question?") == "AQ-7.1 = Yes"


def test_not_run_says_why_once_then_refers_to_it():
    why = "the run stopped: the charge point is stuck after TC_003_CS"
    first = text(console.case_lines(result("not_run", why), 5, 9))
    again = text(console.case_lines(result("not_run", why), 6, 9, repeated_reason=True))
    assert first[1].strip() == why and again[1].strip() == "(the same reason as above)"
    assert "s" not in first[0].split("not run")[1]


def test_quiet_shows_only_what_a_person_must_look_at():
    assert console.case_lines(result("passed"), 1, 2, quiet=True) == []
    assert console.case_lines(result("not_applicable", "x"), 1, 2, quiet=True) == []
    assert len(console.case_lines(result("failed", "why"), 2, 2, quiet=True)) == 2


def test_a_long_run_s_duration_is_whole_seconds():
    assert console.duration(0.0213) == "0.02 s" and console.duration(312.6) == "313 s"


def test_the_summary_gives_every_verdict_in_order_and_the_report():
    counts = console.count(["passed"] * 60 + ["failed", "failed", "inconclusive"] + ["not_applicable"] * 14)
    assert text(console.summary_lines(counts, "reports/x/certificate.html")) == [
        "ocpp-harness: 77 cases: 60 passed, 2 failed, 1 inconclusive, 14 not applicable, 0 error, 0 not run",
        "ocpp-harness: report: reports/x/certificate.html"]


def test_the_summary_of_a_run_where_nothing_ran():
    assert text(console.summary_lines(console.count([]), None))[1] == "ocpp-harness: no case ran"


def test_colour_only_on_a_terminal_and_never_with_no_color():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert console.wants_colour(Tty(), {}) and not console.wants_colour(io.StringIO(), {})
    assert not console.wants_colour(Tty(), {"NO_COLOR": "1"})
    assert console.wants_colour(io.StringIO(), {"FORCE_COLOR": "1"})
    coloured = console.render(console.case_lines(result("failed", "why"), 1, 1)[0], colour=True)
    assert "\x1b[31mfailed\x1b[0m" in coloured
    assert "\x1b" not in console.render(console.case_lines(result("failed", "why"), 1, 1)[0], colour=False)


def test_ten_cases_of_a_failing_charger_fit_on_one_screen():
    rows = [result("failed" if n % 2 else "passed", "step 3: expected Authorize within 4.0 s; received nothing")
            for n in range(10)]
    lines = [line for n, row in enumerate(rows, 1) for line in text(console.case_lines(row, n, 10))]
    assert len(lines) <= 24 - 4, "ten cases and the summary fit a 24-line terminal"


# ------------------------------------------------------------------ the plug-in's side (harness/plugin.py)

SEED = Path(__file__).resolve().parents[2] / "pics" / "bsec-22k-a2-ccs2-400s.yaml"
INFO = CaseInfo("TC_010_CS", TITLE, "core", "Core", always, ())
TRACEBACK = 'Traceback (most recent call last):\n  File "x.py", line 1, in f\nTypeError: boom\n'


def _session(tmp_path: Path) -> HarnessSession:
    return HarnessSession.open(load_pics(SEED), SessionOptions(pics_path=SEED, report_dir=tmp_path, run_id="run"))


def _item(tracebacks: dict[str, str]) -> SimpleNamespace:
    item = SimpleNamespace(stash=pytest.Stash(), config=SimpleNamespace(stash=pytest.Stash()))
    item.stash[plugin.TRACEBACKS] = tracebacks
    return item


def _records(session: HarnessSession) -> list[dict]:
    lines = session.run.trace_file(INFO.id).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_an_error_writes_its_traceback_into_the_case_trace_and_the_console_shows_the_row(tmp_path):
    session = _session(tmp_path)
    session.trace.begin(session.run.trace_file(INFO.id))            # as begin_case does
    row = plugin._finish_case(_item({"call": TRACEBACK}), INFO, session,
                              {"setup": (Verdict.PASSED, ""), "call": (Verdict.ERROR, "TypeError: boom")})
    records = _records(session)
    assert [r["type"] for r in records] == ["traceback", "verdict"]
    assert records[0]["text"] == TRACEBACK and records[0]["phase"] == "call"
    assert [row] == session.run.results(), "the console shows exactly the row of results.jsonl"


def test_a_case_whose_set_up_failed_before_its_trace_began_still_gets_its_traceback(tmp_path):
    session = _session(tmp_path)
    plugin._finish_case(_item({"setup": TRACEBACK}), INFO, session,
                        {"setup": (Verdict.ERROR, "harness error: boom")})
    assert [r["type"] for r in _records(session)] == ["traceback", "verdict"]
    assert session.run.results()[0]["trace"] == "traces/TC_010_CS.jsonl"


def test_a_failed_case_has_no_traceback_record(tmp_path):
    session = _session(tmp_path)
    session.trace.begin(session.run.trace_file(INFO.id))
    row = plugin._finish_case(_item({}), INFO, session, {"call": (Verdict.FAILED, "step 2: expected X")})
    assert [r["type"] for r in _records(session)] == ["verdict"]
    assert row["reason"] == "step 2: expected X"
