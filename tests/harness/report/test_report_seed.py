"""Every row of the seed certificate's abstract is in the report of a run over the seed PICS, with the
certificate's title and the same value wherever the value comes from the PICS.

The expectation is parsed from the certificate text itself (fixtures/seed-certificate-abstract.txt).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.report import write_report
from fixtures.synthetic_run import TraceBuilder
from harness.report.model import build_report
from harness.report.run_files import read_run

SEED = Path(__file__).resolve().parents[3] / "fixtures" / "seed-certificate-abstract.txt"
ROW_ID = re.compile(r"^(HFS|C|LA|RT|R|SC|AQ|ORS)-\d+(\.\d+)?$")


class Seed:
    """The abstract as rows of tab-separated cells, each ID row with the table header and heading above it."""

    def __init__(self, text: str):
        self.rows: dict[str, list[str]] = {}
        self.header_of: dict[str, list[str]] = {}
        self.heading_of: dict[str, str] = {}
        self.fields: dict[str, str] = {}
        self.connectors: list[list[str]] = []
        self.profiles: dict[str, list[str]] = {}
        self.maxima: dict[str, list[str]] = {}
        self.measured_names: list[str] = []
        header, heading = None, None
        for line in text.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            cells = line.split("\t")
            first = cells[0].strip()
            if len(cells) == 1:
                heading = first
            elif first in ("ID", "Connector", "Name", "Certification Profile"):
                header = cells
            elif ROW_ID.match(first):
                assert first not in self.rows, f"{first} twice in the seed"
                self.rows[first], self.header_of[first], self.heading_of[first] = cells, header, heading
            elif header and header[0] == "Connector":
                self.connectors.append(cells)
            elif header and header[0] == "Certification Profile":
                self.profiles[first] = cells
            elif header and header[:2] == ["Name", "Max Value"] and len(cells) == len(header):
                self.maxima[first] = cells
            elif header and header[:2] == ["Name", "Min Value"] and len(cells) == len(header):
                self.measured_names.append(first)
            else:
                self.fields[first.rstrip(":")] = cells[1]

    def ids(self, prefix: str) -> list[str]:
        return [i for i in self.rows if i.split("-")[0] == prefix]


@pytest.fixture(scope="module")
def seed() -> Seed:
    return Seed(SEED.read_text(encoding="utf-8"))


def test_the_seed_parses_into_every_table_of_the_abstract(seed):
    # a guard on the parser: the counts of the certificate's tables
    assert len(seed.ids("HFS")) == 10 and len(seed.ids("AQ")) == 11 and len(seed.ids("ORS")) == 19
    assert len(seed.ids("C")) == 18 and len(seed.connectors) == 2 and len(seed.profiles) == 3
    assert len(seed.maxima) == 4 and len(seed.measured_names) == 4


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory, seed_pics):
    """A finished run over the seed PICS: every profile passed; the charger reports the PICS identity."""
    from fixtures.synthetic_run import RunWriter
    run_dir = tmp_path_factory.mktemp("seed") / "run"
    w = RunWriter(run_dir, seed_pics)
    product = seed_pics["product"]
    t = TraceBuilder()
    boot = t.cp_call("BootNotification", {"chargePointVendor": product["charge_point_vendor"],
                                          "chargePointModel": product["charge_point_model"],
                                          "firmwareVersion": product["firmware_version"]}, at_ms=0)
    t.cs_result(boot, {"status": "Accepted", "currentTime": "2026-11-24T12:00:00.000Z", "interval": 2}, at_ms=2)
    w.case("TC_001_CS", "Cold Boot Charge Point", "core", "Core", "passed", trace=t)
    for case_id, block, profile in (("TC_043_CS", "local_auth_list", "Local Auth List Management"),
                                    ("TC_056_CS", "smart_charging", "Smart Charging"),
                                    ("TC_087_CS", "security", "Advanced Security")):
        t = TraceBuilder()
        t.verdict("passed", at_ms=1)
        w.case(case_id, f"Title of {case_id}", block, profile, "passed", trace=t)
    w.finish()
    write_report(run_dir)
    return run_dir


@pytest.fixture(scope="module")
def report(seed_run):
    return build_report(read_run(seed_run))


@pytest.fixture(scope="module")
def markdown(seed_run) -> str:
    return (seed_run / "certificate.md").read_text(encoding="utf-8")


def md_row(*cells) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"


# ------------------------------------------------------------------------------------------ header and product

def test_header_values_from_the_pics(seed, report):
    header = {f.label: f.value for f in report.header}
    for label in ("Product Designation", "Vendor name", "Device Under Test", "Config ID"):
        assert header[label] == seed.fields[label], label
    # The certificate's PDF text lost the "|" of the firmware version ("9b|Inx1.6-t07" on its first page).
    assert header["Firmware Version"].replace("|", " ") == seed.fields["Firmware Version"]
    assert not report.product.mismatches


def test_tool_identity_keeps_the_pics_certificate_lines(seed, report):
    reference = {f.label: f.value for f in report.identity.reference_certificate}
    assert reference["OCTT Version"] == seed.fields["OCTT Version"]
    assert reference["OCTT Instance ID"] == seed.fields["OCTT Instance ID"]
    assert reference["Test Report Reference"] == seed.fields["Test Report Reference"]
    assert reference["Test laboratory"] == seed.fields["Test laboratory"]
    assert report.identity.firmware_image_sha256 == seed.fields["Firmware image hash"]
    assert report.identity.tool == "ocpp-harness 0.1.0"


# ------------------------------------------------------------------------------------------ profiles

def test_profile_rows_have_the_certificates_descriptions_and_pass(seed, report):
    rows = {p.profile: p for p in report.profiles}
    assert list(rows) == list(seed.profiles)
    for name, (_, result, description) in seed.profiles.items():
        assert rows[name].description == description
        assert rows[name].verdict == result == "Pass"
        assert rows[name].claimed


# ------------------------------------------------------------------------------------------ hardware

def test_every_hardware_row(seed, report, markdown):
    rows = {r.id: r for r in report.hardware}
    assert list(rows) == seed.ids("HFS")
    for hfs in seed.ids("HFS"):
        _, title, value = seed.rows[hfs]
        assert (rows[hfs].title, rows[hfs].value) == (title, value), hfs
        assert md_row(hfs, title, value) in markdown


def test_every_connector_row(seed, report, markdown):
    got = [[c.connector, c.current, c.phases, c.type, c.cable_type] for c in report.connectors]
    assert got == seed.connectors
    for row in seed.connectors:
        assert md_row(*row) in markdown


# ------------------------------------------------------------------------------------------ optional features

def _feature_rows(report):
    return {row.id: (table, row) for table in report.features for row in table.rows}


def test_every_optional_feature_row_under_its_table_heading(seed, report, markdown):
    rows = _feature_rows(report)
    expected = [i for i in seed.rows if i.split("-")[0] in ("C", "LA", "RT", "R", "SC")
                and not i.startswith(("C-09", "C-12"))]
    assert list(rows) == expected
    for feature in expected:
        _, title, value = seed.rows[feature]
        table, row = rows[feature]
        assert (row.title, row.value) == (title, value), feature
        assert row.group == (value == ""), feature
        assert table.heading == seed.header_of[feature][1], feature
        assert md_row(feature, title, value, row.exercised_by and ", ".join(row.exercised_by)
                      or ("" if row.group else "—")) in markdown


def test_feature_tables_stand_under_their_certification_profile(seed, report):
    for table in report.features:
        for row in table.rows:
            assert seed.heading_of[row.id] in (table.profile, "Optional Features"), row.id


def test_measurand_rows(seed, report):
    rows = {m.id: m for m in report.measurands}
    assert list(rows) == ["C-09", "C-09.1", "C-09.2"]
    assert rows["C-09"].group and rows["C-09"].title == seed.rows["C-09"][1]
    for m in ("C-09.1", "C-09.2"):
        _, title, tested, declared = seed.rows[m]
        assert rows[m].title == title
        assert rows[m].tested == tested.split()
        assert rows[m].declared == declared.split()


def test_cipher_suites_row(seed, report, markdown):
    _, title, value = seed.rows["C-12"]
    assert (report.cipher_suites.title, report.cipher_suites.value) == (title, value)
    assert md_row("C-12", title, value) in markdown
    assert report.cipher_suites_negotiated == []                     # this run was over ws://
    assert "|  | Negotiated in this run | none (ws://) |" in markdown


# ------------------------------------------------------------------------------------------ questions, settings

def test_every_additional_question(seed, report, markdown):
    rows = {q.id: q for q in report.questions}
    assert list(rows) == seed.ids("AQ")
    for aq in seed.ids("AQ"):
        _, question, answer = seed.rows[aq]
        assert (rows[aq].title, rows[aq].value) == (question, answer), aq
        assert md_row(aq, question, answer) in markdown


def test_every_other_relevant_setting_in_its_group(seed, report, markdown):
    rows = {row.id: (group.heading, row) for group in report.settings for row in group.rows}
    assert list(rows) == seed.ids("ORS")
    for ors in seed.ids("ORS"):
        _, title, value = seed.rows[ors]
        heading, row = rows[ors]
        assert (row.title, row.value) == (title, value), ors
        assert heading == seed.header_of[ors][1], ors
        assert md_row(ors, title, value) in markdown


# ------------------------------------------------------------------------------------------ performance

def test_vendor_maxima_and_measured_rows(seed, report):
    maxima = {m.name: m for m in report.performance.maxima}
    assert list(maxima) == list(seed.maxima)
    for name, (_, max_value, unit, description) in seed.maxima.items():
        assert (maxima[name].max_value, maxima[name].unit, maxima[name].description) == \
               (float(max_value), unit, description)
    assert [k.kpi for k in report.performance.measured] == seed.measured_names
    assert report.performance.communication_technology == \
        seed.fields["Communication technology used during performance measurement"]


def test_no_row_of_the_seed_is_missing(seed, report):
    ids = ({r.id for r in report.hardware} | set(_feature_rows(report)) | {m.id for m in report.measurands}
           | {report.cipher_suites.id} | {q.id for q in report.questions}
           | {r.id for g in report.settings for r in g.rows})
    assert set(seed.rows) - ids == set()
