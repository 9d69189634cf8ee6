"""certificate.html and one traces/<id>.html per case: self-contained pages (inline CSS, no script).

Everything is escaped by jinja2's autoescape; nothing is marked safe except the stylesheet of the package.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from harness.report import certificate_text as text
from harness.report import formatting as fmt
from harness.report.model import CaseRow, Report
from harness.report.run_files import safe_name
from harness.report.sequence import timeline

TEMPLATES = Path(__file__).parent / "templates"

SECTIONS = (
    ("product", "Product"),
    ("summary", "Test Result Summary"),
    ("hardware", "Hardware Feature Set"),
    ("features", "Optional Features"),
    ("measurands", "Metervalues"),
    ("ciphers", "Cipher Suites"),
    ("questions", "Additional Questions"),
    ("settings", "Other Relevant Settings"),
    ("performance", "Performance"),
    ("identity", "Tool and PICS Identity"),
    ("cases", "Complete Test Report"),
)

@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=False, lstrip_blocks=False)
    env.filters.update(
        secs=fmt.secs, number=fmt.number, duration=fmt.duration, safe_name=safe_name,
        verdict_label=fmt.verdict_label, block_label=fmt.block_label,
        css_class=lambda v: str(v).replace(" ", "-"),
    )
    return env


def _css() -> Markup:
    return Markup((TEMPLATES / "style.css").read_text(encoding="utf-8"))


def render_certificate(report: Report) -> str:
    return environment().get_template("certificate.html.j2").render(
        report=report, sections=SECTIONS, css=_css(),
        communication_label=text.COMMUNICATION_TECHNOLOGY_LABEL)


def render_trace(case_id: str, records: list[dict], case: CaseRow | None, run_id: str, raw_name: str) -> str:
    """The page of one trace; `raw_name` is the file name of its .jsonl, next to the page. A trace without a
    case is the harness's own ("_session") or a case the run did not finish."""
    subtitle = ("the harness's own trace, outside any test case" if case_id.startswith("_")
                else "did not finish")
    return environment().get_template("trace.html.j2").render(
        case_id=case_id, case=case, rows=timeline(records), run_id=run_id, raw_name=raw_name, subtitle=subtitle,
        css=_css())
