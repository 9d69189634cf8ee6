"""The evidence rules as statements, without a socket (harness/csms/evidence.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from harness.csms.evidence import Evidence, energy_readings_wh, get_configuration_finding, transaction_timestamp

START = datetime(2026, 12, 3, 12, 0, 0, tzinfo=timezone.utc)
S = 1_000_000_000


def stamp(offset_s: float) -> str:
    return (START + timedelta(seconds=offset_s)).isoformat().replace("+00:00", "Z")


def policing(tolerance: float = 60.0) -> Evidence:
    evidence = Evidence(tolerance)
    evidence.boot_answered("Accepted")
    evidence.begin_case(10 * S, START, origin_ns=10 * S)
    return evidence


def meter_values(transaction: int, wh: str, offset_s: float = 0, unit: str | None = None) -> dict:
    sampled = {"value": wh, **({"unit": unit} if unit else {})}
    return {"connectorId": 1, "transactionId": transaction,
            "meterValue": [{"timestamp": stamp(offset_s), "sampledValue": [sampled]}]}


# ------------------------------------------------------------------------ rule 2: unexpected reboot


def test_a_reboot_the_case_did_not_ask_for_is_a_finding():
    evidence = policing()
    finding = evidence.boot_received(17_900_000_000)
    assert finding == "the charge point rebooted (BootNotification at +7.900 s), which the case did not ask for"


def test_a_power_cycle_licenses_one_reboot_until_the_boot_is_accepted():
    evidence = policing()
    evidence.cause("power-cycle the charge point", 11 * S, "reboot")
    assert evidence.connection_lost(12 * S) is None
    assert evidence.boot_received(13 * S) is None
    evidence.boot_answered("Pending")
    assert evidence.boot_received(14 * S) is None          # the retry after Pending is still the same reboot
    evidence.boot_answered("Accepted")
    assert evidence.boot_received(20 * S) is not None      # a second one is not
    assert evidence.connection_lost(21 * S) == "the connection closed at +11.000 s, which the case did not ask for"


def test_a_network_cut_licenses_the_loss_of_the_connection_but_not_a_reboot():
    evidence = policing()
    evidence.cause("cut the charge point's network connection", 11 * S, "link")
    assert evidence.connection_lost(12 * S) is None
    assert evidence.boot_received(13 * S) is not None


def test_outside_a_case_nothing_is_policed():
    evidence = policing()
    evidence.end_case()
    assert evidence.boot_received(11 * S) is None
    assert evidence.connection_lost(12 * S) is None


@pytest.mark.parametrize(("action", "payload", "disrupts"), [
    ("Reset", {"type": "Hard"}, "reboot"),
    ("TriggerMessage", {"requestedMessage": "BootNotification"}, "reboot"),
    ("TriggerMessage", {"requestedMessage": "Heartbeat"}, None),
    ("ChangeConfiguration", {"key": "AuthorizationKey", "value": "x"}, "link"),
    ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "5"}, None),
])
def test_which_calls_may_reboot_or_reconnect_the_charge_point(action, payload, disrupts):
    assert Evidence.disruption_of_call(action, payload) == disrupts


# ------------------------------------------------------------------------ rule 3: late delivery, rule 4: order


def test_a_transaction_message_older_than_the_case_is_a_late_delivery():
    evidence = policing(tolerance=60)
    late = evidence.late_delivery("StartTransaction", {"timestamp": stamp(-900)})
    assert late is not None and "900 s before this case began" in late and "clock-skew tolerance 60 s" in late
    assert evidence.late_delivery("StartTransaction", {"timestamp": stamp(-59)}) is None
    assert evidence.late_delivery("MeterValues", {"connectorId": 1, "meterValue": [
        {"timestamp": stamp(-900), "sampledValue": [{"value": "1"}]}]}) is None   # no transactionId: not one


def test_transaction_messages_delivered_newest_first_are_out_of_order():
    evidence = policing()
    assert evidence.request_received("StopTransaction", {"transactionId": 9, "meterStop": 5, "timestamp": stamp(30)},
                                     11 * S) == []
    [finding] = evidence.request_received("MeterValues", meter_values(9, "4", offset_s=20), 12 * S)
    assert finding.startswith("transaction messages out of order: MeterValues at +2.000 s carries timestamp")
    assert "older than the StopTransaction delivered before it" in finding


def test_the_order_restarts_at_an_accepted_boot_since_a_charger_may_set_its_clock_then():
    evidence = policing()
    evidence.request_received("MeterValues", meter_values(9, "4", offset_s=30), 11 * S)
    evidence.cause("power-cycle", 12 * S, "reboot")
    evidence.boot_received(13 * S)
    evidence.boot_answered("Accepted")
    assert evidence.request_received("MeterValues", meter_values(9, "5", offset_s=10), 14 * S) == []


# ------------------------------------------------------------------------ rule 5: energy register


def test_the_energy_register_may_not_go_down_within_a_transaction():
    evidence = policing()
    evidence.transaction_started(1004, 304)
    assert evidence.request_received("MeterValues", meter_values(1004, "0.5", 1, unit="kWh"), 11 * S) == []
    [finding] = evidence.request_received(
        "StopTransaction", {"transactionId": 1004, "meterStop": 0, "timestamp": stamp(2)}, 12 * S)
    assert finding == ("the energy register went down within transaction 1004: meterStop 0 Wh in StopTransaction "
                       "at +2.000 s, after Energy.Active.Import.Register 500 Wh in MeterValues at +1.000 s; the "
                       "register is cumulative and never decreases during a transaction")


def test_transaction_data_is_compared_with_the_meter_start_only():
    evidence = policing()
    evidence.transaction_started(7, 100)
    evidence.request_received("MeterValues", meter_values(7, "300", 1), 11 * S)
    stop = {"transactionId": 7, "meterStop": 400, "timestamp": stamp(3),
            "transactionData": [{"timestamp": stamp(0.5), "sampledValue": [{"value": "200"}]}]}
    assert evidence.request_received("StopTransaction", stop, 12 * S) == []


def test_energy_readings_are_only_the_register_without_phase():
    values = [{"timestamp": stamp(0), "sampledValue": [
        {"value": "1.5", "unit": "kWh"}, {"value": "7", "measurand": "Power.Active.Import", "unit": "W"},
        {"value": "3", "phase": "L1"}, {"value": "oops"}]}]
    assert energy_readings_wh(values) == [1500.0]


# ------------------------------------------------------------------------ rule 6: boot state


def test_a_request_before_the_answer_to_the_boot_is_a_finding():
    evidence = policing()
    evidence.cause("power-cycle", 11 * S, "reboot")
    evidence.boot_received(12 * S)
    [finding] = evidence.request_received("StatusNotification", {}, 12_002_000_000)
    assert finding.startswith("StatusNotification at +2.002 s was sent before the answer to its BootNotification "
                              "(received at +2.000 s, not yet answered)")
    evidence.boot_answered("Accepted")
    assert evidence.request_received("StatusNotification", {}, 13 * S) == []


def test_while_pending_only_triggered_requests_may_be_sent():
    evidence = policing()
    evidence.boot_answered("Pending")
    evidence.trigger_accepted("StatusNotification")
    assert evidence.request_received("StatusNotification", {}, 11 * S) == []
    [finding] = evidence.request_received("StatusNotification", {}, 12 * S)
    assert "while its boot was Pending, and no TriggerMessage asked for it" in finding


def test_while_rejected_no_request_may_be_sent():
    evidence = policing()
    evidence.boot_answered("Rejected")
    [finding] = evidence.request_received("Heartbeat", {}, 11 * S)
    assert "Heartbeat at +1.000 s was sent while its boot was Rejected" in finding


# ------------------------------------------------------------------------ rule 7: GetConfiguration keys


def test_get_configuration_returns_exactly_the_keys_asked_for():
    right = {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "5"}],
             "unknownKey": ["Foo"]}
    assert get_configuration_finding(["HeartbeatInterval", "Foo"], right) is None
    assert get_configuration_finding(["heartbeatinterval", "foo"], right) is None   # keys are case-insensitive
    fixed = {"configurationKey": [{"key": k, "readonly": False, "value": "1"} for k in
                                  ("HeartbeatInterval", "MeterValueSampleInterval", "NumberOfConnectors")]}
    finding = get_configuration_finding(["MeterValueSampleInterval"], fixed)
    assert finding is not None
    assert "returned keys that were not asked for: HeartbeatInterval, NumberOfConnectors" in finding
    finding = get_configuration_finding(["ConnectionTimeOut"], {"configurationKey": []})
    assert "returned ConnectionTimeOut neither in configurationKey nor in unknownKey" in finding


def test_transaction_timestamps():
    assert transaction_timestamp("Heartbeat", {}) is None
    assert transaction_timestamp("StartTransaction", {"timestamp": "2026-12-03T12:00:00"}) == START   # no offset
