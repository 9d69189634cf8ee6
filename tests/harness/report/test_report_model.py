"""The certificate-abstract model built from a run (harness/report/model.py)."""
from __future__ import annotations

import copy

import pytest

from harness.report import write_report
from fixtures.synthetic_run import TraceBuilder
from harness.report.model import Counts, build_report, profile_verdict
from harness.report.run_files import read_run


def report_of(run_dir):
    return build_report(read_run(run_dir))


# ------------------------------------------------------------------------------------------ profile verdicts

@pytest.mark.parametrize("counts, verdict", [
    (Counts(), "Not tested"),
    (Counts(not_applicable=4), "Not tested"),
    (Counts(passed=3, not_applicable=2), "Pass"),
    (Counts(passed=3, failed=1), "Fail"),
    (Counts(passed=3, inconclusive=1), "Fail"),
    (Counts(passed=3, error=1), "Fail"),
    (Counts(error=1), "Fail"),
])
def test_profile_verdict(counts, verdict):
    assert profile_verdict(counts) == verdict


def test_profiles_count_their_cases_and_group_the_core_blocks(make_run, case_factory):
    run_dir = make_run([
        case_factory("TC_001_CS"),
        case_factory("TC_024_CS", "not_applicable", reason="AQ-9 = No"),
        case_factory("TC_043_CS", block="local_auth_list", profile="Local Auth List Management"),
        case_factory("TC_049_CS", "inconclusive", block="reservation", profile="Reservation"),
        case_factory("TC_054_CS", block="remote_trigger", profile="Remote Trigger"),
        case_factory("TC_044_1_CS", "error", block="firmware", profile="Firmware Management"),
        case_factory("TC_056_CS", block="smart_charging", profile="Smart Charging"),
        case_factory("TC_066_CS", "failed", block="smart_charging", profile="Smart Charging", reason="step 3"),
    ])
    profiles = {p.profile: p for p in report_of(run_dir).profiles}
    assert list(profiles) == ["Core", "Advanced Security", "Smart Charging"]
    core = profiles["Core"].counts
    assert (core.passed, core.failed, core.inconclusive, core.not_applicable, core.error) == (3, 0, 1, 1, 1)
    assert profiles["Core"].verdict == "Fail"
    assert profiles["Advanced Security"].verdict == "Not tested"     # claimed, nothing ran
    assert profiles["Smart Charging"].verdict == "Fail"


def test_a_profile_the_pics_does_not_claim_appears_only_when_cases_of_it_finished(make_run, case_factory, seed_pics):
    pics = copy.deepcopy(seed_pics)
    pics["certification_profiles"] = {"Core": True, "Advanced Security": False, "Smart Charging": False}
    report = report_of(make_run([case_factory("TC_001_CS"),
                                 case_factory("TC_056_CS", block="smart_charging", profile="Smart Charging")],
                                pics=pics))
    rows = {p.profile: p for p in report.profiles}
    assert list(rows) == ["Core", "Smart Charging"]
    assert not rows["Smart Charging"].claimed and rows["Smart Charging"].verdict == "Pass"


def test_overall_verdict_passes_only_when_every_applicable_case_passed(make_run, case_factory):
    assert report_of(make_run([case_factory("TC_001_CS"),
                               case_factory("TC_024_CS", "not_applicable")])).overall_verdict == "Pass"
    assert report_of(make_run([case_factory("TC_001_CS"),
                               case_factory("TC_041_CS", "inconclusive")])).overall_verdict == "Fail"


# ------------------------------------------------------------------------------------------ product

def _boot_trace(vendor, model, firmware="9b|Inx1.6-t07", **more):
    t = TraceBuilder()
    t.connection("open", at_ms=0)
    uid = t.cp_call("BootNotification", {"chargePointVendor": vendor, "chargePointModel": model,
                                         "firmwareVersion": firmware, **more}, at_ms=10)
    t.cs_result(uid, {"status": "Accepted", "currentTime": "2026-11-24T12:00:00.000Z", "interval": 2}, at_ms=12)
    return t


def test_product_is_what_the_charger_reported_with_mismatches_flagged(make_run, case_factory):
    t = _boot_trace("BLUESKY", "BSEC-22K(A)2(CCS2)X", firmware="9c", chargePointSerialNumber="S1")
    run_dir = make_run([case_factory("TC_001_CS", trace=t)])
    report = report_of(run_dir)
    product = report.product
    assert (product.vendor, product.model, product.firmware_version) == ("BLUESKY", "BSEC-22K(A)2(CCS2)X", "9c")
    assert (product.vendor_name, product.product_designation, product.device_type) == \
           ("WENZHOU BLUESKY ENERGY TECHNOLOGY CO.,LTD", "BSEC-22K(A)2(CCS2)400S", "Charging Station")
    assert product.boot_notification == "TC_001_CS, seq 1"
    assert product.other_reported == {"chargePointSerialNumber": "S1"}
    fields = {f.label.split()[0]: f for f in product.fields}
    assert not fields["Vendor"].mismatch
    assert fields["Model"].mismatch and (fields["Model"].reported, fields["Model"].declared) == \
           ("BSEC-22K(A)2(CCS2)X", "BSEC-22K(A)2(CCS2)")
    assert fields["Firmware"].mismatch and fields["Firmware"].declared == "9b|Inx1.6-t07"
    header = {e.label: e.value for e in report.header}
    assert (header["Vendor name"], header["Firmware Version"], header["Reported vendor"], header["Reported model"]) \
        == ("WENZHOU BLUESKY ENERGY TECHNOLOGY CO.,LTD", "9c", "BLUESKY", "BSEC-22K(A)2(CCS2)X")
    html = write_report(run_dir).html.read_text(encoding="utf-8")
    assert html.count('<span class="mismatch">mismatch</span>') == 2


def test_a_pics_without_the_reported_names_compares_with_the_certificates_names(make_run, case_factory, seed_pics):
    pics = copy.deepcopy(seed_pics)
    del pics["product"]["charge_point_vendor"], pics["product"]["charge_point_model"]
    t = _boot_trace("WENZHOU BLUESKY ENER", "BSEC-22K(A)2(CCS2)40")
    fields = report_of(make_run([case_factory("TC_001_CS", trace=t)], pics=pics)).product.fields
    assert fields[0].mismatch and "20 characters" in fields[0].note        # the name does not fit CiString20
    assert fields[1].declared == "BSEC-22K(A)2(CCS2)400S" and "20 characters" in fields[1].note


def test_the_first_boot_notification_of_the_run_is_taken(make_run, case_factory):
    run_dir = make_run([case_factory("TC_001_CS", trace=_boot_trace("First", "M1")),
                        case_factory("TC_002_CS", trace=_boot_trace("Second", "M2"))])
    assert report_of(run_dir).product.vendor == "First"


def test_without_a_boot_notification_the_pics_values_stand_in(make_run, case_factory):
    product = report_of(make_run([case_factory("TC_001_CS")])).product
    assert product.boot_notification is None
    assert (product.vendor, product.model) == ("BLUESKY", "BSEC-22K(A)2(CCS2)")
    assert not product.mismatches
    assert all(f.reported is None and f.note == "no BootNotification in the traces" for f in product.fields)


# ------------------------------------------------------------------------------------------ features, measurands

def test_a_feature_is_exercised_only_by_a_passed_case(make_run, case_factory):
    run_dir = make_run([case_factory("TC_003_CS", features=["C-07", "C-08"]),
                        case_factory("TC_038_CS", "failed", features=["C-08", "C-01"]),
                        case_factory("TC_005_2_CS", features=["C-06.2", "C-10.2"])])
    rows = {row.id: row for table in report_of(run_dir).features for row in table.rows}
    assert rows["C-07"].exercised_by == ["TC_003_CS"] and rows["C-07"].exercised
    assert rows["C-08"].exercised_by == ["TC_003_CS"]
    assert rows["C-01"].exercised_by == [] and not rows["C-01"].exercised
    assert rows["C-06"].group and rows["C-06"].exercised_by == ["TC_005_2_CS"]
    assert rows["C-04"].supported is True and rows["C-02"].supported is False


def test_measurands_observed_in_meter_values_and_stop_transaction(make_run, case_factory):
    t = TraceBuilder()
    t.cp_call("MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": "x", "sampledValue": [
        {"value": "1", "measurand": "Voltage"},                               # default context: Sample.Periodic
        {"value": "2", "measurand": "SoC", "context": "Sample.Periodic"},
        {"value": "3", "measurand": "Current.Import", "context": "Sample.Clock"},
        {"value": "4", "context": "Sample.Clock"}]}]}, at_ms=0)                # default measurand
    t.cp_call("StopTransaction", {"transactionId": 1, "meterStop": 5, "timestamp": "x", "transactionData": [
        {"timestamp": "x", "sampledValue": [{"value": "5", "measurand": "Temperature",
                                             "context": "Transaction.End"}]}]}, at_ms=10)
    t.cs_call("SetChargingProfile", {"meterValue": [{"sampledValue": [{"measurand": "Frequency"}]}]}, at_ms=20)
    rows = {m.id: m for m in report_of(make_run([case_factory("TC_070_CS", trace=t)])).measurands}
    assert rows["C-09.1"].observed == ["Temperature", "Voltage", "SoC"]      # in the order of the PICS lists
    assert rows["C-09.2"].observed == ["Current.Import", "Energy.Active.Import.Register"]
    assert rows["C-09.1"].tested[0] == "Current.Import"                      # tested stays the PICS list


# ------------------------------------------------------------------------------------------ performance, cases

def test_performance_is_measured_from_every_trace_and_flags_the_maximum(make_run, case_factory, seed_pics):
    pics = copy.deepcopy(seed_pics)
    pics["performance"]["ocpp_response_timeout"] = 1
    fast, slow = TraceBuilder(), TraceBuilder()
    fast.cp_result(fast.cs_call("ClearCache", at_ms=0), {"status": "Accepted"}, at_ms=230)
    slow.cp_result(slow.cs_call("ClearCache", at_ms=0), {"status": "Accepted"}, at_ms=1170)
    report = report_of(make_run([case_factory("TC_061_2_CS", trace=fast), case_factory("TC_019_CS", trace=slow)],
                                pics=pics))
    response = report.performance.measured[0]
    assert (response.count, response.min_s, response.max_s, response.mean_s) == (2, 0.23, 1.17, 0.7)
    assert response.exceeds_max and response.vendor_max_s == 1.0
    assert report.performance.slowest["OCPP response timeout"] == "TC_019_CS seq 0→1"
    assert [m.max_value for m in report.performance.maxima] == [1.0, 10.0, 10.0, 10.0]
    assert all(k.count == 0 and not k.exceeds_max for k in report.performance.measured[1:])


def test_cases_are_listed_in_the_order_of_the_test_plan(make_run, case_factory):
    """By the numbers of the OCTT id, whatever the block (the run writes results.jsonl in that order too)."""
    run_dir = make_run([case_factory("TC_056_CS", block="smart_charging", profile="Smart Charging"),
                        case_factory("TC_010_CS"), case_factory("TC_004_2_CS"), case_factory("TC_004_1_CS"),
                        case_factory("TC_043_1_CS", block="local_auth_list"),
                        case_factory("TC_043_CS", block="local_auth_list"),
                        case_factory("TC_008_1_CS", block="local_auth_list"),
                        case_factory("TC_024_CS", "not_applicable", reason="AQ-9 = No")])
    cases = report_of(run_dir).cases
    assert [c.id for c in cases] == ["TC_004_1_CS", "TC_004_2_CS", "TC_008_1_CS", "TC_010_CS", "TC_024_CS",
                                     "TC_043_CS", "TC_043_1_CS", "TC_056_CS"]
    na = cases[4]
    assert (na.verdict, na.reason, na.trace, na.trace_page) == ("not_applicable", "AQ-9 = No", None, None)
    assert cases[0].trace_page == "traces/TC_004_1_CS.html" and cases[0].trace == "traces/TC_004_1_CS.jsonl"


def test_identity_comes_from_run_json_and_pics(make_run, case_factory):
    identity = report_of(make_run([case_factory("TC_001_CS")], run_id="20261124-130000-ffffff")).identity
    assert identity.tool == "ocpp-harness 0.1.0" and identity.run_id == "20261124-130000-ffffff"
    assert identity.config_id == "5629363E-C23A458C" and len(identity.pics_sha256) == 64
    assert identity.firmware_image_sha256.startswith("e92c8423")
    assert identity.command.startswith("ocpp-harness run --pics")
