"""junit.xml from results.jsonl (harness/report/junit.py)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from harness.report import write_report


def test_junit_has_a_suite_per_block_and_the_verdict_mapping(make_run, case_factory):
    run_dir = make_run([
        case_factory("TC_001_CS", duration_s=1.5),
        case_factory("TC_010_CS", "failed", reason='step 5: expected <Charging>; received "Available"'),
        case_factory("TC_041_CS", "inconclusive", reason="the adapter cannot raise a fault"),
        case_factory("TC_024_CS", "not_applicable", reason="AQ-9 = No"),
        case_factory("TC_044_1_CS", "error", block="firmware", profile="Firmware Management",
                     reason="KeyError: 'x'"),
        case_factory("TC_056_CS", block="smart_charging", profile="Smart Charging", features=["SC-1.1"]),
    ])
    root = ET.parse(write_report(run_dir).junit).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("6", "1", "1", "2")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert sorted(suites) == ["core", "firmware", "smart_charging"]
    core = suites["core"]
    assert (core.get("tests"), core.get("failures"), core.get("errors"), core.get("skipped")) == ("4", "1", "0", "2")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert all(c.get("classname") == s.get("name") for s in suites.values() for c in s.findall("testcase"))
    assert cases["TC_001_CS"].get("time") == "1.500"
    assert [child.tag for child in cases["TC_001_CS"]] == ["properties", "system-out"]      # passed: no verdict element

    props = {p.get("name"): p.get("value") for p in cases["TC_056_CS"].find("properties")}
    assert props == {"octt_id": "TC_056_CS", "block": "smart_charging", "profile": "Smart Charging",
                     "verdict": "passed", "title": "Title of TC_056_CS", "features": "SC-1.1"}

    failure = cases["TC_010_CS"].find("failure")
    assert failure.get("message") == 'step 5: expected <Charging>; received "Available"'
    assert cases["TC_044_1_CS"].find("error").get("message") == "KeyError: 'x'"
    assert cases["TC_041_CS"].find("skipped").attrib == {
        "message": "inconclusive: the adapter cannot raise a fault", "type": "inconclusive"}
    assert cases["TC_024_CS"].find("skipped").get("message") == "not applicable: AQ-9 = No"
    assert cases["TC_024_CS"].find("system-out") is None                     # no trace for not applicable
    assert cases["TC_010_CS"].find("system-out").text == \
        "trace: traces/TC_010_CS.jsonl\ntrace page: traces/TC_010_CS.html\n"


def test_junit_of_a_run_without_results_is_an_empty_testsuites(make_run):
    run_dir = make_run([])
    root = ET.parse(write_report(run_dir).junit).getroot()
    assert root.get("tests") == "0" and root.findall("testsuite") == []


def test_junit_survives_control_characters_in_a_reason(make_run, case_factory):
    run_dir = make_run([case_factory("TC_062_CS", "failed", reason="received \x00\x1b[31m bytes")])
    root = ET.parse(write_report(run_dir).junit).getroot()
    assert root.find(".//failure").get("message") == "received \ufffd\ufffd[31m bytes"
