"""The four KPIs of the certificate, measured from trace records (harness/kpi.py)."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from harness import kpi
from harness.kpi import (OCPP_RESPONSE_TIME, REMOTE_START_TO_START_TRANSACTION, REMOTE_STOP_TO_STOP_TRANSACTION,
                         TRIGGERED_FUNCTION_TIME, Sample, samples_from_trace, summarize)
from fixtures.synthetic_run import TraceBuilder


def of(kind: str, trace: TraceBuilder) -> list[Sample]:
    return [s for s in samples_from_trace("TC_X_CS", trace.records) if s.kpi == kind]


def seconds(kind: str, trace: TraceBuilder) -> list[float]:
    return [s.seconds for s in of(kind, trace)]


# ------------------------------------------------------------------------------------------ response time

def test_response_time_is_measured_for_every_harness_call_by_unique_id():
    t = TraceBuilder()
    a = t.cs_call("GetConfiguration", at_ms=0)
    b = t.cs_call("ClearCache", at_ms=10)
    t.cp_result(b, {"status": "Accepted"}, at_ms=110)     # answered out of order
    t.cp_result(a, {"configurationKey": []}, at_ms=230)
    samples = of(OCPP_RESPONSE_TIME, t)
    assert [(s.start_seq, s.end_seq, s.seconds) for s in samples] == [(0, 3, 0.23), (1, 2, 0.1)]


def test_response_time_counts_a_callerror_and_skips_an_unanswered_call():
    t = TraceBuilder()
    a = t.cs_call("DataTransfer", {"vendorId": "x"}, at_ms=0)
    t.cp_error(a, "NotImplemented", at_ms=50)
    t.cs_call("ClearCache", at_ms=60)                        # never answered
    assert seconds(OCPP_RESPONSE_TIME, t) == [0.05]


def test_response_time_ignores_calls_of_the_charge_point():
    t = TraceBuilder()
    hb = t.cp_call("Heartbeat", at_ms=0)
    t.cs_result(hb, {"currentTime": "2026-11-24T12:00:00.000Z"}, at_ms=5)
    assert of(OCPP_RESPONSE_TIME, t) == []


def test_a_sample_keeps_nanosecond_precision():
    t = TraceBuilder()
    a = t.cs_call("ClearCache", at_ns=0)
    t.cp_result(a, {"status": "Accepted"}, at_ns=1_234_567)
    [sample] = of(OCPP_RESPONSE_TIME, t)
    assert sample.seconds == 0.001234567
    assert sample.ns == 1_234_567


# ------------------------------------------------------------------------------------------ triggered function

def test_trigger_message_is_timed_to_the_requested_message():
    t = TraceBuilder()
    tm = t.cs_call("TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": 1}, at_ms=0)
    t.cp_result(tm, {"status": "Accepted"}, at_ms=100)
    t.cp_call("Heartbeat", at_ms=200)                        # not the requested message
    t.cp_call("StatusNotification", {"connectorId": 1, "status": "Available", "errorCode": "NoError"}, at_ms=670)
    [sample] = of(TRIGGERED_FUNCTION_TIME, t)
    assert (sample.seconds, sample.start_seq, sample.end_seq) == (0.67, 0, 3)


def test_the_triggered_request_may_come_before_the_callresult():
    t = TraceBuilder()
    tm = t.cs_call("TriggerMessage", {"requestedMessage": "Heartbeat"}, at_ms=0)
    t.cp_call("Heartbeat", at_ms=90)
    t.cp_result(tm, {"status": "Accepted"}, at_ms=120)
    assert seconds(TRIGGERED_FUNCTION_TIME, t) == [0.09]


def test_extended_trigger_of_sign_charge_point_certificate_is_timed_to_sign_certificate():
    t = TraceBuilder()
    et = t.cs_call("ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"}, at_ms=0)
    t.cp_result(et, {"status": "Accepted"}, at_ms=100)
    t.cp_call("SignCertificate", {"csr": "x"}, at_ms=980)
    assert seconds(TRIGGERED_FUNCTION_TIME, t) == [0.98]


def test_a_rejected_trigger_yields_no_sample():
    t = TraceBuilder()
    tm = t.cs_call("TriggerMessage", {"requestedMessage": "MeterValues"}, at_ms=0)
    t.cp_result(tm, {"status": "Rejected"}, at_ms=100)
    t.cp_call("MeterValues", {"connectorId": 1, "meterValue": []}, at_ms=5000)
    assert of(TRIGGERED_FUNCTION_TIME, t) == []


def test_change_availability_waits_for_the_status_of_its_connector():
    t = TraceBuilder()
    ca = t.cs_call("ChangeAvailability", {"connectorId": 2, "type": "Inoperative"}, at_ms=0)
    t.cp_result(ca, {"status": "Accepted"}, at_ms=100)
    t.cp_call("StatusNotification", {"connectorId": 1, "status": "Available", "errorCode": "NoError"}, at_ms=200)
    t.cp_call("StatusNotification", {"connectorId": 2, "status": "Unavailable", "errorCode": "NoError"}, at_ms=300)
    assert seconds(TRIGGERED_FUNCTION_TIME, t) == [0.3]


def test_change_availability_of_connector_zero_takes_any_status_notification():
    t = TraceBuilder()
    ca = t.cs_call("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}, at_ms=0)
    t.cp_result(ca, {"status": "Accepted"}, at_ms=100)
    t.cp_call("StatusNotification", {"connectorId": 1, "status": "Unavailable", "errorCode": "NoError"}, at_ms=250)
    assert seconds(TRIGGERED_FUNCTION_TIME, t) == [0.25]


def test_unlock_connector_is_timed_to_a_stop_transaction_or_status_notification():
    t = TraceBuilder()
    u = t.cs_call("UnlockConnector", {"connectorId": 1}, at_ms=0)
    t.cp_call("StopTransaction", {"transactionId": 5, "meterStop": 1, "timestamp": "x"}, at_ms=400)
    t.cp_result(u, {"status": "Unlocked"}, at_ms=500)
    assert seconds(TRIGGERED_FUNCTION_TIME, t) == [0.4]


def test_remote_stop_is_a_triggered_function_up_to_the_next_status_notification():
    t = TraceBuilder()
    rs = t.cs_call("RemoteStopTransaction", {"transactionId": 7}, at_ms=0)
    t.cp_result(rs, {"status": "Accepted"}, at_ms=100)
    t.cp_call("StatusNotification", {"connectorId": 1, "status": "Finishing", "errorCode": "NoError"}, at_ms=700)
    assert seconds(TRIGGERED_FUNCTION_TIME, t) == [0.7]


def test_a_dut_action_between_call_and_request_excludes_the_sample():
    t = TraceBuilder()
    ca = t.cs_call("ChangeAvailability", {"connectorId": 1, "type": "Operative"}, at_ms=0)
    t.cp_result(ca, {"status": "Accepted"}, at_ms=100)
    t.dut("plug_in", {"connector": 1}, at_ms=200)
    t.cp_call("StatusNotification", {"connectorId": 1, "status": "Preparing", "errorCode": "NoError"}, at_ms=500)
    assert of(TRIGGERED_FUNCTION_TIME, t) == []


@pytest.mark.parametrize("event", ["close", "open"])
def test_a_connection_event_between_call_and_request_excludes_the_sample(event):
    t = TraceBuilder()
    tm = t.cs_call("TriggerMessage", {"requestedMessage": "BootNotification"}, at_ms=0)
    t.cp_result(tm, {"status": "Accepted"}, at_ms=100)
    t.connection(event, at_ms=150)
    t.cp_call("BootNotification", {"chargePointVendor": "v", "chargePointModel": "m"}, at_ms=900)
    assert of(TRIGGERED_FUNCTION_TIME, t) == []


@pytest.mark.parametrize("action", sorted(kpi.EXCLUDED_TRIGGERS))
def test_firmware_diagnostics_and_reset_are_left_out(action):
    t = TraceBuilder()
    c = t.cs_call(action, {"type": "Soft"} if action == "Reset" else {}, at_ms=0)
    t.cp_result(c, {"status": "Accepted"}, at_ms=100)
    t.cp_call("StatusNotification", {"connectorId": 0, "status": "Unavailable", "errorCode": "NoError"}, at_ms=300)
    t.cp_call("BootNotification", {"chargePointVendor": "v", "chargePointModel": "m"}, at_ms=400)
    assert of(TRIGGERED_FUNCTION_TIME, t) == []
    assert seconds(OCPP_RESPONSE_TIME, t) == [0.1]         # its response time still counts


def test_no_other_call_counts_as_a_trigger():
    t = TraceBuilder()
    c = t.cs_call("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "2"}, at_ms=0)
    t.cp_result(c, {"status": "Accepted"}, at_ms=100)
    t.cp_call("StatusNotification", {"connectorId": 1, "status": "Available", "errorCode": "NoError"}, at_ms=300)
    assert of(TRIGGERED_FUNCTION_TIME, t) == []


# ------------------------------------------------------------------------------------------ remote start / stop

def _remote_start(t: TraceBuilder, status="Accepted"):
    rs = t.cs_call("RemoteStartTransaction", {"connectorId": 1, "idTag": "A"}, at_ms=0)
    t.cp_result(rs, {"status": status}, at_ms=200)


def test_remote_start_is_timed_to_the_next_start_transaction():
    t = TraceBuilder()
    _remote_start(t)
    t.cp_call("Authorize", {"idTag": "A"}, at_ms=500)
    t.cp_call("StartTransaction", {"connectorId": 1, "idTag": "A", "meterStart": 0, "timestamp": "x"}, at_ms=1840)
    [sample] = of(REMOTE_START_TO_START_TRANSACTION, t)
    assert (sample.seconds, sample.start_seq, sample.end_seq) == (1.84, 0, 3)


def test_a_rejected_remote_start_yields_no_sample():
    t = TraceBuilder()
    _remote_start(t, status="Rejected")
    t.cp_call("StartTransaction", {"connectorId": 1, "idTag": "A", "meterStart": 0, "timestamp": "x"}, at_ms=1840)
    assert of(REMOTE_START_TO_START_TRANSACTION, t) == []


def test_a_remote_start_waiting_for_a_plug_in_is_not_immediate():
    t = TraceBuilder()
    _remote_start(t)
    t.dut("plug_in", {"connector": 1}, at_ms=5000)
    t.cp_call("StartTransaction", {"connectorId": 1, "idTag": "A", "meterStart": 0, "timestamp": "x"}, at_ms=6000)
    assert of(REMOTE_START_TO_START_TRANSACTION, t) == []


def test_remote_stop_is_timed_to_the_stop_transaction_of_its_transaction():
    t = TraceBuilder()
    rs = t.cs_call("RemoteStopTransaction", {"transactionId": 42}, at_ms=0)
    t.cp_result(rs, {"status": "Accepted"}, at_ms=200)
    t.cp_call("StopTransaction", {"transactionId": 41, "meterStop": 1, "timestamp": "x"}, at_ms=900)
    t.cp_call("StopTransaction", {"transactionId": 42, "meterStop": 1, "timestamp": "x"}, at_ms=1660)
    [sample] = of(REMOTE_STOP_TO_STOP_TRANSACTION, t)
    assert (sample.seconds, sample.end_seq) == (1.66, 3)


def test_a_dut_action_before_the_stop_transaction_excludes_the_remote_stop_sample():
    t = TraceBuilder()
    rs = t.cs_call("RemoteStopTransaction", {"transactionId": 42}, at_ms=0)
    t.cp_result(rs, {"status": "Accepted"}, at_ms=200)
    t.dut("unplug", {"connector": 1}, at_ms=300)
    t.cp_call("StopTransaction", {"transactionId": 42, "meterStop": 1, "timestamp": "x"}, at_ms=1660)
    assert of(REMOTE_STOP_TO_STOP_TRANSACTION, t) == []


def test_a_rejected_remote_stop_yields_no_sample():
    t = TraceBuilder()
    rs = t.cs_call("RemoteStopTransaction", {"transactionId": 42}, at_ms=0)
    t.cp_result(rs, {"status": "Rejected"}, at_ms=200)
    t.cp_call("StopTransaction", {"transactionId": 42, "meterStop": 1, "timestamp": "x"}, at_ms=1660)
    assert of(REMOTE_STOP_TO_STOP_TRANSACTION, t) == []


def test_records_out_of_order_in_the_file_are_read_by_seq():
    t = TraceBuilder()
    a = t.cs_call("ClearCache", at_ms=0)
    t.cp_result(a, {"status": "Accepted"}, at_ms=300)
    assert [s.seconds for s in samples_from_trace("TC", list(reversed(t.records)))] == [0.3]


# ------------------------------------------------------------------------------------------ summary

def _samples(kind, ns_values):
    return [Sample(kind, "TC", ns / 1e9, i, i + 1, ns) for i, ns in enumerate(ns_values)]


def test_summary_is_in_certificate_order_with_the_certificates_names():
    names = [s.kpi for s in summarize([], {})]
    assert names == ["OCPP response timeout", "OCPP triggered function timeout",
                     "Transaction authorization time by RemoteStartTransaction",
                     "Transaction authorization end time by RemoteStopTransaction"]


def test_summary_without_samples_has_no_statistics():
    s = summarize([], {"ocpp_response_timeout": 10})[0]
    assert (s.count, s.min_s, s.max_s, s.mean_s, s.p95_s, s.exceeds_max, s.vendor_max_s) == \
           (0, None, None, None, None, False, 10.0)


def test_summary_statistics_and_nearest_rank_p95():
    samples = _samples(OCPP_RESPONSE_TIME, [ms * 1_000_000 for ms in range(20, 0, -1)])   # 1..20 ms
    s = summarize(samples, {"ocpp_response_timeout": 10})[0]
    assert (s.count, s.min_s, s.max_s, s.mean_s, s.p95_s) == (20, 0.001, 0.02, 0.0105, 0.019)
    assert not s.exceeds_max


def test_p95_of_a_single_sample_is_that_sample():
    s = summarize(_samples(REMOTE_START_TO_START_TRANSACTION, [1_840_000_000]), {})[2]
    assert (s.min_s, s.max_s, s.mean_s, s.p95_s) == (1.84, 1.84, 1.84, 1.84)


def test_mean_is_computed_in_nanoseconds():
    s = summarize(_samples(OCPP_RESPONSE_TIME, [1, 2]), {})[0]
    assert s.mean_s == 1.5e-9


def test_exceeds_max_when_the_slowest_sample_is_over_the_vendor_maximum():
    samples = _samples(TRIGGERED_FUNCTION_TIME, [9_000_000_000, 10_000_000_001])
    by_pics_key = summarize(samples, {"triggered_function_timeout": 10})[1]
    assert by_pics_key.exceeds_max and by_pics_key.vendor_max_s == 10.0
    by_id = summarize(samples, {TRIGGERED_FUNCTION_TIME: 11})[1]
    assert not by_id.exceeds_max
    exactly = summarize(_samples(TRIGGERED_FUNCTION_TIME, [10_000_000_000]), {"triggered_function_timeout": 10})[1]
    assert not exactly.exceeds_max


@given(st.lists(st.integers(min_value=0, max_value=60 * 10**9), min_size=1, max_size=200))
def test_summary_statistics_are_ordered(ns_values):
    s = summarize(_samples(OCPP_RESPONSE_TIME, ns_values), {})[0]
    assert s.count == len(ns_values)
    assert s.min_s <= s.p95_s <= s.max_s
    assert s.min_s <= s.mean_s <= s.max_s
    assert s.min_s == min(ns_values) / 1e9 and s.max_s == max(ns_values) / 1e9
