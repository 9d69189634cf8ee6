"""The report of a run: the certificate abstract (HTML, Markdown, JSON), JUnit XML, one page per trace.

Everything is computed from the files of the run directory (docs/contracts.md), so any run, finished or cut
off, can be rendered again after the fact:

    write_report(run_dir) -> ReportPaths      # idempotent; never raises on a partial run
    diff_runs(a, b) -> RunDiff; format_diff(d) -> str
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from harness.report.diff import RunDiff, diff_runs, format_diff
from harness.report.html import render_certificate, render_trace
from harness.report.json_report import render_json
from harness.report.junit import render_junit
from harness.report.markdown import render_markdown
from harness.report.model import Report, build_report
from harness.report.run_files import RunFiles, read_run, safe_name

__all__ = ["ReportPaths", "RunDiff", "diff_runs", "format_diff", "write_report", "Report", "build_report",
           "read_run"]


@dataclass
class ReportPaths:
    html: Path
    markdown: Path
    json: Path
    junit: Path
    traces: list[Path] = field(default_factory=list)   # traces/<id>.html
    warnings: list[str] = field(default_factory=list)  # what was odd about the run directory


def _write(path: Path, content: str, files: RunFiles) -> Path:
    """Write atomically, after the last redaction pass, so a reader never sees half a file or a secret."""
    content = files.secrets.scrub_text(content)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_report(run_dir: Path) -> ReportPaths:
    run_dir = Path(run_dir)
    files = read_run(run_dir)
    report = build_report(files)
    run_id = report.identity.run_id
    paths = ReportPaths(
        html=_write(run_dir / "certificate.html", render_certificate(report), files),
        markdown=_write(run_dir / "certificate.md", render_markdown(report), files),
        json=_write(run_dir / "certificate.json", render_json(report), files),
        junit=_write(run_dir / "junit.xml", render_junit(files.results, run_id), files),
        warnings=list(files.warnings),
    )
    cases = {c.id: c for c in report.cases}
    raw_names = {r["id"]: Path(str(r.get("trace"))).name for r in files.results if r.get("trace")}
    for case_id, records in files.traces.items():
        raw_name = raw_names.get(case_id, f"{case_id}.jsonl")
        page = render_trace(case_id, records, cases.get(case_id), run_id, raw_name)
        paths.traces.append(_write(run_dir / "traces" / f"{safe_name(case_id)}.html", page, files))
    return paths
