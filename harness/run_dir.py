"""The run directory, ``reports/<run-id>/`` (``docs/contracts.md`` §1–2).

Results are appended to ``results.jsonl`` the moment each case ends, and flushed, so an interrupted run keeps
everything it measured; ``ocpp-harness report RUN_DIR`` renders whatever is there.
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
from harness.csms.trace import utc_now_iso


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


@dataclass
class RunDirectory:
    path: Path

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

    def write_run_info(self, info: dict[str, Any]) -> None:
        base = {"tool_version": __version__, "command": sys.argv, "started_utc": utc_now_iso(), "ended_utc": None}
        previous = self.read_run_info()
        merged = {**base, **previous, **info}
        tmp = self.path / "run.json.tmp"
        tmp.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, self.path / "run.json")

    def read_run_info(self) -> dict[str, Any]:
        path = self.path / "run.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def append_result(self, result: dict[str, Any]) -> None:
        with self.results_file.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(result, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

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
