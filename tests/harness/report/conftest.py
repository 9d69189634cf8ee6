"""Synthetic run directories for the report's tests.

`make_run(cases, ...)` writes run.json, pics.yaml (the seed PICS, password redacted unless `redact=False`),
results.jsonl and one trace per case, with frames whose t_ns the test controls through
`fixtures.synthetic_run.TraceBuilder`.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fixtures.synthetic_run import SEED_PICS, RunWriter, TraceBuilder


@pytest.fixture(scope="session")
def seed_pics() -> dict:
    return yaml.safe_load(SEED_PICS.read_text(encoding="utf-8"))


def case(case_id, verdict="passed", *, title=None, block="core", profile="Core", reason="", trace=None,
         features=(), duration_s=None) -> dict:
    """One case for make_run; a passed/failed/… case without a trace gets a one-record trace."""
    if trace is None and verdict != "not_applicable":
        trace = TraceBuilder()
        trace.verdict(verdict, reason, at_ms=10)
    return {"case_id": case_id, "title": title or f"Title of {case_id}", "block": block, "profile": profile,
            "verdict": verdict, "reason": reason, "trace": trace, "features": list(features),
            "duration_s": duration_s}


@pytest.fixture
def make_run(tmp_path, seed_pics):
    counter = iter(range(1, 1000))

    def make(cases=(), *, name=None, pics=None, finished=True, redact=True, run_id=None,
             unfinished: dict[str, TraceBuilder] | None = None) -> Path:
        number = next(counter)
        run_dir = tmp_path / (name or f"run{number}")
        writer = RunWriter(run_dir, seed_pics if pics is None else pics, redact=redact,
                           run_id=run_id or f"20261124-1200{number:02d}-abc{number:03d}")
        for c in cases:
            writer.case(**c)
        for case_id, trace in (unfinished or {}).items():
            writer.unfinished(case_id, trace)
        if finished:
            writer.finish()
        return run_dir

    return make


@pytest.fixture
def case_factory():
    return case
