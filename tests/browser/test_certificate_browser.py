"""certificate.html in a real browser: headless Chromium lays the page out, dumps its DOM and takes a screenshot.

Needs /usr/bin/chromium (Debian: `apt-get install chromium`). Without it the test fails, unless
HARNESS_SKIP_BROWSER=1 is set, then it is skipped. No script runs in the page: what is checked is the DOM
after layout (every section present, by its `data-section` attribute, with text) and the screenshot.
"""
from __future__ import annotations

import os
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from harness.report import write_report
from fixtures.synthetic_run import write_synthetic_run
from harness.report.html import SECTIONS

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> Path:
    """The browser; a test without it fails (skips with HARNESS_SKIP_BROWSER=1)."""
    if CHROMIUM.exists() or shutil.which("chromium"):
        return CHROMIUM if CHROMIUM.exists() else Path(shutil.which("chromium"))
    if os.environ.get("HARNESS_SKIP_BROWSER") == "1":
        pytest.skip("HARNESS_SKIP_BROWSER=1 and no chromium")
    pytest.fail("headless Chromium is missing: run `apt-get install chromium` "
                "(or set HARNESS_SKIP_BROWSER=1 to skip the browser test)", pytrace=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    run_dir = write_synthetic_run(tmp_path_factory.mktemp("browser") / "run")
    return write_report(run_dir).html


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    browser = chromium()
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run([str(browser), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=60, check=True)


class Sections(HTMLParser):
    """The text inside each element carrying `data-section`, from a dumped DOM."""

    def __init__(self, dom: str):
        super().__init__(convert_charrefs=True)
        self.text: dict[str, list[str]] = {}
        self.open: list[tuple[str, str | None]] = []
        self.feed(dom)

    def handle_starttag(self, tag, attrs):
        if tag in ("meta", "br", "col", "img", "input", "hr", "link", "wbr"):
            return
        name = dict(attrs).get("data-section")
        if name:
            self.text.setdefault(name, [])
        self.open.append((tag, name))

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, name in self.open:
            if name:
                self.text[name].append(data)


def test_every_section_is_in_the_laid_out_dom_with_text(report, tmp_path):
    dom = run_chromium(tmp_path, "--dump-dom", report.as_uri()).stdout
    sections = Sections(dom).text
    assert list(sections) == [s for s, _ in SECTIONS]
    for name, chunks in sections.items():
        assert "".join(chunks).strip(), f"section {name} is empty"
    text = "".join(sections["summary"])
    assert all(profile in text for profile in ("Core", "Advanced Security", "Smart Charging"))
    assert "HFS-10" in "".join(sections["hardware"]) and "TC_071_CS" in "".join(sections["cases"])


def test_a_trace_page_lays_out_as_a_sequence(report, tmp_path):
    page = report.parent / "traces" / "TC_010_CS.html"
    dom = run_chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    sequence = "".join(Sections(dom).text["sequence"])
    for expected in ("Charge Point", "Central System (harness)", "RemoteStartTransaction", "+2.241", "plug_in"):
        assert expected in sequence


def test_the_screenshot_is_a_full_page(report, tmp_path):
    shot = tmp_path / "certificate.png"
    run_chromium(tmp_path, "--hide-scrollbars", f"--screenshot={shot}", "--window-size=1280,4000",
                 report.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 4000)
    assert len(data) > 20_000, f"screenshot of {len(data)} bytes: the page looks blank"
