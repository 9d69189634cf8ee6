"""Read a run directory (docs/contracts.md §1–§3) into plain data, tolerating a run that was interrupted.

Nothing here raises on a partial run: a missing or unreadable file, a truncated last line of results.jsonl or
of a trace, and a trace without a result are all reported in `RunFiles.warnings` (and logged) instead.
A trace whose name starts with "_" (`traces/_session.jsonl`) is the harness's own, outside any test case.
Every secret is masked on the way in (`redact.Secrets`); `RunFiles.secrets` keeps what was seen so each
rendering can be scrubbed once more before it is written.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from harness.report.redact import Secrets

log = logging.getLogger(__name__)

VERDICTS = ("passed", "failed", "inconclusive", "not_applicable", "error", "not_run")
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]")


def safe_name(case_id: str) -> str:
    """A file name for a case id (OCTT ids are already safe; anything else is made so)."""
    name = _SAFE_ID.sub("_", str(case_id)).lstrip(".")
    return name or "case"


@dataclass
class RunFiles:
    run_dir: Path
    run: dict = field(default_factory=dict)
    pics: dict = field(default_factory=dict)
    results: list[dict] = field(default_factory=list)
    traces: dict[str, list[dict]] = field(default_factory=dict)   # case id -> records, by seq
    unfinished: list[str] = field(default_factory=list)            # traces with no result: cases cut off
    session: list[str] = field(default_factory=list)               # traces of the harness outside any case
    warnings: list[str] = field(default_factory=list)
    secrets: Secrets = field(default_factory=Secrets)

    def warn(self, message: str) -> None:
        log.warning("%s: %s", self.run_dir, message)
        self.warnings.append(message)


def read_run(run_dir: Path) -> RunFiles:
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"not a run directory: {run_dir}")
    files = RunFiles(run_dir=run_dir)
    files.run = _read_json_object(files, run_dir / "run.json")
    files.pics = files.secrets.scrub_pics(_read_pics(files, run_dir / "pics.yaml"))
    files.results = _read_results(files, run_dir / "results.jsonl")
    _read_traces(files)
    return files


def _read_json_object(files: RunFiles, path: Path) -> dict:
    if not path.exists():
        files.warn(f"{path.name} is missing")
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        files.warn(f"{path.name} is unreadable ({exc})")
        return {}
    if not isinstance(data, dict):
        files.warn(f"{path.name} is not a JSON object")
        return {}
    return data


def _read_pics(files: RunFiles, path: Path) -> dict:
    if not path.exists():
        files.warn("pics.yaml is missing: the PICS sections are empty")
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        files.warn(f"pics.yaml is unreadable ({exc})")
        return {}
    if not isinstance(data, dict):
        files.warn("pics.yaml is not a mapping")
        return {}
    return data


def _read_jsonl(files: RunFiles, path: Path) -> list[dict]:
    """The JSON objects of a .jsonl file; a broken line is skipped with a warning (the last one: truncated)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        files.warn(f"{path.name} is unreadable ({exc})")
        return []
    lines = text.splitlines()
    objects = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            last = number == len(lines)
            files.warn(f"{path.relative_to(files.run_dir)}: line {number} skipped, "
                       + ("truncated (the run was interrupted)" if last else "not a JSON object"))
            continue
        objects.append(obj)
    return objects


def _read_results(files: RunFiles, path: Path) -> list[dict]:
    if not path.exists():
        files.warn("results.jsonl is missing: no test case finished")
        return []
    results: dict[str, dict] = {}
    for obj in _read_jsonl(files, path):
        case_id = obj.get("id")
        if not isinstance(case_id, str) or not case_id:
            files.warn("results.jsonl: a result without an id was skipped")
            continue
        if obj.get("verdict") not in VERDICTS:
            files.warn(f"results.jsonl: {case_id} has the unknown verdict {obj.get('verdict')!r}; taken as error")
            obj = {**obj, "verdict": "error",
                   "reason": obj.get("reason") or f"unknown verdict {obj.get('verdict')!r}"}
        if case_id in results:
            files.warn(f"results.jsonl: {case_id} ended twice; the later result is kept")
            del results[case_id]
        results[case_id] = obj
    return list(results.values())


def _trace_path(files: RunFiles, result: dict) -> Path | None:
    rel = result.get("trace")
    if not isinstance(rel, str) or not rel:
        return None
    path = (files.run_dir / rel).resolve()
    if not path.is_relative_to(files.run_dir.resolve()):
        files.warn(f"{result.get('id')}: trace path {rel!r} points outside the run directory; ignored")
        return None
    return path


def _read_traces(files: RunFiles) -> None:
    paths: dict[str, Path] = {}
    for result in files.results:
        path = _trace_path(files, result)
        if path is not None:
            paths[result["id"]] = path
    known = {p.resolve() for p in paths.values()}
    trace_dir = files.run_dir / "traces"
    if trace_dir.is_dir():
        for path in sorted(trace_dir.glob("*.jsonl")):
            if path.resolve() not in known and path.stem not in paths:
                paths[path.stem] = path
                # "_session" and the like: what the harness did between cases (boot, baseline)
                (files.session if path.stem.startswith("_") else files.unfinished).append(path.stem)
    if files.unfinished:
        files.warn("a trace without a result (the case did not finish): " + ", ".join(files.unfinished))

    raw: dict[str, list[dict]] = {}
    for case_id, path in paths.items():
        if not path.exists():
            files.warn(f"{case_id}: trace {path.name} is missing")
            continue
        records = [r for r in _read_jsonl(files, path) if isinstance(r.get("seq"), int)]
        records.sort(key=lambda r: r["seq"])
        raw[case_id] = records
        for record in records:
            files.secrets.learn_from_record(record)
    files.traces = {case_id: [files.secrets.scrub_record(r) for r in records] for case_id, records in raw.items()}
