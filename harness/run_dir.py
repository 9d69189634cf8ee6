"""The run directory, ``reports/<run-id>/`` (``docs/contracts.md`` §1–2).

Results are appended to ``results.jsonl`` the moment each case ends, and flushed, so an interrupted run keeps
everything it measured; ``ocpp-harness report RUN_DIR`` renders whatever is there.

A parallel run (``ocpp-harness run -n N``, pytest-xdist) shares one run directory: the controller creates it,
each worker (``worker`` = "gw0", "gw1", …) appends its results to the same ``results.jsonl`` (one ``write`` per
line on a file opened for appending, which the kernel never interleaves) and keeps its own run information in
``workers/<worker>.json``; at the end the controller merges them (:meth:`RunDirectory.merge_workers`) and
rewrites ``results.jsonl`` in plan order, so the directory reads like a serial run's.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness import __version__
from harness.csms.trace import json_line, utc_now_iso


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


@dataclass
class RunDirectory:
    path: Path
    #: the pytest-xdist worker writing through this object ("gw0"), or None (a serial run, or the controller)
    worker: str | None = None

    @classmethod
    def create(cls, reports: Path, run_id: str | None = None) -> "RunDirectory":
        path = reports / (run_id or new_run_id())
        (path / "traces").mkdir(parents=True, exist_ok=True)
        latest = reports / "latest"
        try:
            if latest.is_symlink() or latest.exists():
                latest.unlink()
            latest.symlink_to(path.name)
        except OSError:
            pass  # a file system without symlinks: the run directory is still printed
        return cls(path)

    @property
    def results_file(self) -> Path:
        return self.path / "results.jsonl"

    def trace_file(self, case_id: str) -> Path:
        return self.path / "traces" / f"{case_id}.jsonl"

    @property
    def info_file(self) -> Path:
        return self.path / "run.json" if self.worker is None else self.path / "workers" / f"{self.worker}.json"

    def write_run_info(self, info: dict[str, Any]) -> None:
        base = ({"tool_version": __version__, "command": sys.argv, "started_utc": utc_now_iso(), "ended_utc": None}
                if self.worker is None else {})
        previous = self.read_run_info()
        merged = {**base, **previous, **info}
        target = self.info_file
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, target)

    def read_run_info(self) -> dict[str, Any]:
        path = self.info_file
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def append_result(self, result: dict[str, Any]) -> None:
        """One line, one ``write`` on a file opened for appending: workers of a parallel run never interleave."""
        line = json_line(result).encode("utf-8")
        descriptor = os.open(self.results_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, line)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def merge_workers(self, order: Any) -> None:
        """The controller of a parallel run, at its end: the workers' run information into ``run.json``
        (lists joined, in worker order) and ``results.jsonl`` rewritten sorted by ``order`` (the plan's)."""
        merged: dict[str, Any] = {}
        for path in sorted((self.path / "workers").glob("*.json")):
            info = json.loads(path.read_text(encoding="utf-8"))
            for key, value in info.items():
                if isinstance(value, list):
                    merged.setdefault(key, []).extend(value)
                elif isinstance(value, str) and key == "session_start":
                    merged.setdefault(key, []).append(f"{path.stem}: {value}")
                else:
                    merged.setdefault(key, value)
        if merged:
            self.write_run_info(merged)
        rows = sorted(self.results(), key=lambda row: order(str(row.get("id", ""))))
        if rows:
            tmp = self.path / "results.jsonl.tmp"
            tmp.write_text("".join(json_line(r) for r in rows), encoding="utf-8")
            os.replace(tmp, self.results_file)

    def results(self) -> list[dict[str, Any]]:
        if not self.results_file.exists():
            return []
        rows = []
        for line in self.results_file.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # the last line of an interrupted run
        return rows
