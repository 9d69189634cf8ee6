"""certificate.html, the trace pages, certificate.md and certificate.json (harness/report/html.py, markdown.py,
json_report.py)."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from harness.report import write_report
from fixtures.synthetic_run import TraceBuilder
from harness.report.html import SECTIONS
from harness.report.model import SCHEMA_VERSION

VOID = {"meta", "br", "col", "img", "input", "hr", "link", "wbr"}
EVIL = '<script>alert("x")</script> & "quoted" | piped'


class Page(HTMLParser):
    """Parses a page and checks that every element is closed in order."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}> at {self.getpos()}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)

    def with_attr(self, name: str) -> list[dict]:
        return [a for _, a in self.tags if name in a]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, seed_pics):
    from fixtures.synthetic_run import RunWriter
    run_dir = tmp_path_factory.mktemp("html") / "run"
    w = RunWriter(run_dir, seed_pics)
    t = TraceBuilder()
    t.step("step 1: <b>bold</b> step", at_ms=0)
    t.dut("plug_in", {"connector": 1}, at_ms=1)
    c = t.cs_call("DataTransfer", {"vendorId": "v", "data": EVIL}, at_ms=10)
    t.cp_result(c, {"status": "Accepted", "data": "x" * 500}, at_ms=250, findings=[f"$.data: {EVIL}"])
    t.cp_raw("<not json>", at_ms=300, findings=["frame is not JSON"])
    t.connection("close", {"code": 1006}, at_ms=400)
    t.finding("status went from <Charging> to Available", at_ms=500)
    t.verdict("failed", EVIL, at_ms=600)
    w.case("TC_062_CS", f"Data Transfer {EVIL}", "core", "Core", "failed", EVIL, trace=t)
    ok = TraceBuilder()
    ok.verdict("passed", at_ms=5)
    w.case("TC_001_CS", "Cold Boot Charge Point", "core", "Core", "passed", trace=ok)
    w.case("TC_024_CS", "Start Charging Session – Lock Failure", "core", "Core", "not_applicable", "AQ-9 = No")
    w.finish()
    paths = write_report(run_dir)
    return run_dir, paths


@pytest.fixture(scope="module")
def certificate(rendered):
    run_dir, paths = rendered
    return paths.html.read_text(encoding="utf-8")


def test_certificate_html_is_well_formed(certificate):
    page = Page(certificate)
    assert page.errors == [] and page.stack == []
    assert certificate.startswith("<!DOCTYPE html>")


def test_every_section_is_present_with_its_data_section_attribute(certificate):
    page = Page(certificate)
    sections = {a["id"]: a for t, a in page.tags if t == "section"}
    for section_id, _ in SECTIONS:
        assert sections[section_id]["data-section"] == section_id
    links = [a["href"] for a in page.with_attr("href") if a["href"].startswith("#") and not
             a["href"].startswith("#case-")]
    assert links == [f"#{s}" for s, _ in SECTIONS]                      # the table of contents, in order


def test_sections_come_in_the_order_of_the_certificate(certificate):
    positions = [certificate.index(f'id="{s}"') for s, _ in SECTIONS]
    assert positions == sorted(positions)


def test_the_page_is_self_contained(certificate):
    page = Page(certificate)
    assert not [t for t, _ in page.tags if t in ("script", "link", "img", "iframe")]
    assert not page.with_attr("src")
    assert all(not a["href"].startswith(("http:", "https:", "//")) for a in page.with_attr("href"))
    assert "<style>" in certificate and "@import" not in certificate and "url(" not in certificate


def test_everything_is_escaped(rendered, certificate):
    run_dir, paths = rendered
    assert "<script" not in certificate
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in certificate
    trace = (run_dir / "traces" / "TC_062_CS.html").read_text(encoding="utf-8")
    assert "<script" not in trace and "<b>bold</b>" not in trace and "<not json>" not in trace
    assert "&lt;b&gt;bold&lt;/b&gt;" in trace and "&lt;not json&gt;" in trace
    assert Page(trace).errors == []


def test_each_case_links_to_its_trace_page(rendered, certificate):
    run_dir, paths = rendered
    page = Page(certificate)
    ids = {a["id"] for a in page.with_attr("id")}
    assert {"case-TC_062_CS", "case-TC_001_CS", "case-TC_024_CS"} <= ids
    hrefs = [a["href"] for a in page.with_attr("href") if a["href"].startswith("traces/")]
    assert hrefs == ["traces/TC_001_CS.html", "traces/TC_062_CS.html"]          # no trace for not applicable
    assert all((run_dir / h).exists() for h in hrefs)
    assert sorted(p.name for p in paths.traces) == ["TC_001_CS.html", "TC_062_CS.html"]


def test_the_trace_page_is_a_sequence(rendered):
    run_dir, _ = rendered
    text = (run_dir / "traces" / "TC_062_CS.html").read_text(encoding="utf-8")
    page = Page(text)
    assert 'href="../certificate.html#case-TC_062_CS"' in text and 'href="TC_062_CS.jsonl"' in text
    headers = [d.strip() for d in page.text if d.strip() in ("Charge Point", "Central System (harness)")]
    assert headers == ["Charge Point", "Central System (harness)"]
    offsets = re.findall(r'<td class="t"[^>]*>([^<]*)</td>', text)
    assert offsets == ["+0.000", "+0.001", "+0.010", "+0.250", "+0.300", "+0.400", "+0.500", "+0.600"]
    classes = [a["class"] for t, a in page.tags if t == "div" and a.get("class", "").startswith("arrow")]
    assert classes == ["arrow left ", "arrow right bad", "arrow right bad"]    # harness→CP, CP→harness ×2
    wide = re.findall(r'<td colspan="3" class="wide ([a-z]+)', text)
    assert wide == ["step", "dut", "connection", "finding", "verdict"]
    assert text.count('<ul class="findings">') == 2                          # findings marked on their frames
    assert "full payload" in text                                            # the long payload folds away


def test_markdown_has_the_sections_and_escapes_cells(rendered):
    run_dir, paths = rendered
    md = paths.markdown.read_text(encoding="utf-8")
    headings = re.findall(r"^## \d+\. (.+)$", md, flags=re.M)
    assert headings == ["Product", "Test Result Summary for the Certified Functionalities", "Hardware Feature Set",
                        "Optional Features", "Metervalues", "Cipher Suites", "Additional Questions",
                        "Other Relevant Settings", "Performance Measurement Result",
                        "Test Tool and PICS Identity", "Complete Test Report"]
    assert "<script" not in md and "&lt;script&gt;" in md and "\\| piped" in md
    row = next(line for line in md.splitlines() if line.startswith("| TC_062_CS |"))
    assert row.count(" | ") == 6 and row.endswith("[trace](traces/TC_062_CS.html) |")


def test_json_is_the_model_with_a_schema_version(rendered):
    run_dir, paths = rendered
    data = json.loads(paths.json.read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION
    assert list(data) == ["schema_version", "title", "header", "overall_verdict", "overall", "status", "product",
                          "profiles", "hardware_intro", "hardware", "connectors", "features_intro", "features",
                          "measurands", "cipher_suites", "cipher_suites_negotiated", "questions_intro", "questions",
                          "settings_intro", "settings", "performance", "identity", "cases"]
    assert data["hardware"][0] == {"id": "HFS-1", "title": "Has a detachable cable", "value": "No", "group": False}
    assert data["performance"]["measured"][0]["kpi"] == "OCPP response timeout"
    assert {c["id"]: c["verdict"] for c in data["cases"]} == {
        "TC_001_CS": "passed", "TC_024_CS": "not_applicable", "TC_062_CS": "failed"}


def test_writing_twice_gives_the_same_files(rendered):
    run_dir, paths = rendered
    files = [paths.html, paths.markdown, paths.json, paths.junit, *paths.traces]
    before = {p: p.read_bytes() for p in files}
    again = write_report(run_dir)
    assert {p: p.read_bytes() for p in files} == before
    assert again.traces == paths.traces
    assert not list(run_dir.rglob("*.tmp"))
