"""Compare two runs: which verdicts changed, which cases ran in one run only, how the KPIs moved."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness import kpi
from harness.report.formatting import secs
from harness.report.model import collect_samples, natural_key
from harness.report.run_files import RunFiles, read_run


@dataclass
class VerdictChange:
    id: str
    title: str
    before: str
    after: str
    reason_before: str
    reason_after: str


@dataclass
class CaseOnly:
    id: str
    title: str
    verdict: str


@dataclass
class KpiMove:
    kpi: str
    count_before: int
    count_after: int
    before: dict[str, float | None]       # min / max / mean, seconds
    after: dict[str, float | None]
    delta_ms: dict[str, float | None]     # after - before, milliseconds
    delta_pct: dict[str, float | None]    # relative to before, percent


@dataclass
class RunDiff:
    run_before: str
    run_after: str
    changed: list[VerdictChange] = field(default_factory=list)
    only_before: list[CaseOnly] = field(default_factory=list)
    only_after: list[CaseOnly] = field(default_factory=list)
    unchanged: int = 0
    kpis: list[KpiMove] = field(default_factory=list)


_STATS = ("min", "max", "mean")


def _stats(summary: kpi.KpiSummary) -> dict[str, float | None]:
    return {"min": summary.min_s, "max": summary.max_s, "mean": summary.mean_s}


def _summaries(files: RunFiles) -> list[kpi.KpiSummary]:
    performance = files.pics.get("performance")
    return kpi.summarize(collect_samples(files), performance if isinstance(performance, dict) else {})


def _kpi_move(before: kpi.KpiSummary, after: kpi.KpiSummary) -> KpiMove:
    b, a = _stats(before), _stats(after)
    delta_ms, delta_pct = {}, {}
    for stat in _STATS:
        if b[stat] is None or a[stat] is None:
            delta_ms[stat] = delta_pct[stat] = None
            continue
        delta_ms[stat] = (a[stat] - b[stat]) * 1000
        delta_pct[stat] = (a[stat] - b[stat]) / b[stat] * 100 if b[stat] else None
    return KpiMove(before.kpi, before.count, after.count, b, a, delta_ms, delta_pct)


def diff_files(before: RunFiles, after: RunFiles) -> RunDiff:
    old = {r["id"]: r for r in before.results}
    new = {r["id"]: r for r in after.results}
    d = RunDiff(str(before.run.get("run_id") or before.run_dir.name), str(after.run.get("run_id") or after.run_dir.name))
    for case_id in sorted(old.keys() | new.keys(), key=natural_key):
        o, n = old.get(case_id), new.get(case_id)
        if o is None:
            d.only_after.append(CaseOnly(case_id, str(n.get("title") or ""), n["verdict"]))
        elif n is None:
            d.only_before.append(CaseOnly(case_id, str(o.get("title") or ""), o["verdict"]))
        elif o["verdict"] != n["verdict"]:
            d.changed.append(VerdictChange(case_id, str(n.get("title") or o.get("title") or ""), o["verdict"],
                                           n["verdict"], str(o.get("reason") or ""), str(n.get("reason") or "")))
        else:
            d.unchanged += 1
    d.kpis = [_kpi_move(b, a) for b, a in zip(_summaries(before), _summaries(after))]
    return d


def diff_runs(before: Path, after: Path) -> RunDiff:
    return diff_files(read_run(Path(before)), read_run(Path(after)))


def _signed(value: float | None, unit: str) -> str:
    return "n/a" if value is None else f"{value:+.1f}{unit}"


def format_diff(d: RunDiff) -> str:
    lines = [f"Runs compared: {d.run_before} → {d.run_after}", ""]
    lines.append(f"Verdict changes ({len(d.changed)}):")
    for c in d.changed:
        lines.append(f"  {c.id}  {c.before} → {c.after}  {c.title}".rstrip())
        if c.reason_before:
            lines.append(f"      before: {c.reason_before}")
        if c.reason_after:
            lines.append(f"      after:  {c.reason_after}")
    if not d.changed:
        lines.append("  none")
    for label, cases in ((f"Only in {d.run_before}", d.only_before), (f"Only in {d.run_after}", d.only_after)):
        lines.append(f"{label} ({len(cases)}):")
        lines += [f"  {c.id}  {c.verdict}  {c.title}".rstrip() for c in cases] or ["  none"]
    lines.append(f"Unchanged verdicts: {d.unchanged}")
    lines += ["", "KPI moves (seconds; delta in ms and %):"]
    for m in d.kpis:
        lines.append(f"  {m.kpi} (samples {m.count_before} → {m.count_after})")
        for stat in _STATS:
            lines.append(f"    {stat:<4} {secs(m.before[stat]):>7} → {secs(m.after[stat]):>7}  "
                         f"{_signed(m.delta_ms[stat], ' ms')}  {_signed(m.delta_pct[stat], ' %')}")
    return "\n".join(lines) + "\n"
