"""The run directory of a parallel run: workers append to one results.jsonl and keep their own run information;
the controller merges both, so the directory reads like a serial run's."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from harness.report.model import natural_key
from harness.run_dir import RunDirectory


def _append_many(path: str, worker: str, count: int) -> None:
    run = RunDirectory(Path(path), worker)
    for index in range(count):
        run.append_result({"id": f"TC_{index:03d}_CS", "worker": worker, "reason": "x" * 20_000})


def test_workers_appending_at_once_never_interleave_their_lines(tmp_path):
    """Lines longer than any buffer (20 kB), from four processes at once: every line still parses."""
    run = RunDirectory.create(tmp_path, "run")
    with ProcessPoolExecutor(4) as pool:
        list(pool.map(_append_many, [str(run.path)] * 4, ["gw0", "gw1", "gw2", "gw3"], [25] * 4))
    lines = run.results_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 100 and all(json.loads(line)["reason"] == "x" * 20_000 for line in lines)


def test_the_controller_merges_worker_information_and_sorts_results_in_plan_order(tmp_path):
    controller = RunDirectory.create(tmp_path, "run")
    controller.write_run_info({"run_id": "run"})
    first, second = RunDirectory(controller.path, "gw0"), RunDirectory(controller.path, "gw1")
    first.write_run_info({"session_warnings": ["gw0: HeartbeatInterval refused"], "session_start": "assumed booted"})
    second.write_run_info({"session_warnings": ["gw1: HeartbeatInterval refused"]})
    for run, case in ((second, "TC_010_CS"), (first, "SC_PROP_1[A]"), (first, "TC_004_2_CS"), (second, "TC_004_CS")):
        run.append_result({"id": case})
    assert not (controller.path / "run.json").read_text().count("session_warnings")

    controller.merge_workers(natural_key)

    info = controller.read_run_info()
    assert info["run_id"] == "run"
    assert info["session_warnings"] == ["gw0: HeartbeatInterval refused", "gw1: HeartbeatInterval refused"]
    assert info["session_start"] == ["gw0: assumed booted"]
    assert [r["id"] for r in controller.results()] == ["TC_004_CS", "TC_004_2_CS", "TC_010_CS", "SC_PROP_1[A]"]
