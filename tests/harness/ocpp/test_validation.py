"""Payloads against the OCPP 1.6 schemas: every violation, its JSON path and its OCPP-J error code."""

from __future__ import annotations

import importlib.resources
from typing import Any

import pytest

from harness.ocpp import ErrorCode, PayloadValidator, Violation
from harness.ocpp import validation

STRICT = PayloadValidator()
TOLERANT = PayloadValidator(tolerate_date_time_without_offset=True)

TYPE = ErrorCode.TypeConstraintViolation
OCCURENCE = ErrorCode.OccurenceConstraintViolation
PROPERTY = ErrorCode.PropertyConstraintViolation
FORMATION = ErrorCode.FormationViolation

SCHEMA_NAMES = sorted(
    entry.name.removesuffix(".json")
    for entry in (importlib.resources.files("ocpp") / "v16" / "schemas").iterdir()
    if entry.name.endswith(".json")
)


def check(action: str, payload: Any, *, response: bool = False, validator: PayloadValidator = STRICT) -> list[Violation]:
    return validator.response(action, payload) if response else validator.request(action, payload)


def assert_valid(action: str, payload: Any, **kwargs: Any) -> None:
    assert check(action, payload, **kwargs) == []


def assert_violations(action: str, payload: Any, expected: list[tuple[str, ErrorCode]], **kwargs: Any) -> list[Violation]:
    """The (path, error code) of every violation, in the order reported."""
    found = check(action, payload, **kwargs)
    assert [(v.path, v.error_code) for v in found] == expected, found
    return found


def meter_value(*values: dict[str, Any], timestamp: str = "2026-11-24T12:00:00Z") -> dict[str, Any]:
    return {"timestamp": timestamp, "sampledValue": list(values)}


def start_transaction(timestamp: str) -> dict[str, Any]:
    return {"connectorId": 1, "idTag": "04E8A2", "meterStart": 0, "timestamp": timestamp}


def charging_profile(*limits: float) -> dict[str, Any]:
    periods = [{"startPeriod": 60 * i, "limit": limit} for i, limit in enumerate(limits)]
    return {
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": 1,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": periods},
        },
    }


# --- valid payloads ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "payload", "response"),
    [
        ("BootNotification", {"chargePointVendor": "Vendor", "chargePointModel": "Model", "firmwareVersion": "1.0"}, False),
        ("BootNotification", {"status": "Accepted", "currentTime": "2026-11-24T12:00:00.123Z", "interval": 300}, True),
        ("StartTransaction", start_transaction("2026-11-24T12:00:00+01:00"), False),
        ("MeterValues", {
            "connectorId": 1,
            "transactionId": 7,
            "meterValue": [
                meter_value({"value": "1234"}, {"value": "16.1", "measurand": "Current.Import", "phase": "L1", "unit": "A"}),
                meter_value({"value": "99", "context": "Sample.Periodic", "location": "Outlet"}),
            ],
        }, False),
        ("SetChargingProfile", charging_profile(16.1, 32, 6.0), False),
        ("SignCertificate", {"csr": "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----"}, False),
        ("GetInstalledCertificateIds", {"status": "Accepted", "certificateHashData": [
            {"hashAlgorithm": "SHA256", "issuerNameHash": "a", "issuerKeyHash": "b", "serialNumber": "c"},
        ]}, True),
        ("GetDiagnostics", {"location": "ftp://user:pw@10.0.0.1/diag/"}, False),
        ("Heartbeat", {}, False),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_valid_payload_passes(action: str, payload: dict[str, Any], response: bool) -> None:
    assert_valid(action, payload, response=response)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_schema_compiles(name: str) -> None:
    action = name.removesuffix("Response")
    check(action, {}, response=name.endswith("Response"))
    check(action, {}, response=name.endswith("Response"), validator=TOLERANT)


# --- one violation of each kind ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "payload", "path", "error_code", "message"),
    [
        ("StartTransaction", {**start_transaction("2026-11-24T12:00:00Z"), "connectorId": "1"},
         "$.connectorId", TYPE, "'1' is not of type 'integer'"),
        ("StartTransaction", {**start_transaction("2026-11-24T12:00:00Z"), "meterStart": 1.5},
         "$.meterStart", TYPE, "1.5 is not of type 'integer'"),
        ("Heartbeat", [], "$", TYPE, "[] is not of type 'object'"),
        ("MeterValues", {"connectorId": 1, "meterValue": [meter_value({"unit": "Wh"})]},
         "$.meterValue[0].sampledValue[0].value", OCCURENCE, "'value' is a required property"),
        ("MeterValues", {"connectorId": 1, "meterValue": []}, "$.meterValue", OCCURENCE, "[] has 0 items, fewer than minItems 1"),
        ("Heartbeat", {"time": "now"}, "$.time", FORMATION, "'time' is not a property of this object"),
        ("Authorize", {"idTag": "X" * 21}, "$.idTag", PROPERTY, "is 21 characters long, longer than maxLength 20"),
        ("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Charging "},
         "$.status", PROPERTY, "'Charging ' is not one of ['Available', 'Preparing', 'Charging',"),
        ("SetChargingProfile", charging_profile(16.15), "$.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit",
         PROPERTY, "16.15 is not a multiple of 0.1"),
        ("StartTransaction", start_transaction("yesterday"), "$.timestamp", PROPERTY, "'yesterday' is not a valid 'date-time'"),
        ("GetDiagnostics", {"location": "diag upload"}, "$.location", PROPERTY, "'diag upload' is not a valid 'uri'"),
        ("DeleteCertificate", {"certificateHashData": {
            "hashAlgorithm": "MD5", "issuerNameHash": "a", "issuerKeyHash": "b", "serialNumber": "c"}},
         "$.certificateHashData.hashAlgorithm", PROPERTY, "'MD5' is not one of ['SHA256', 'SHA384', 'SHA512']"),
    ],
    ids=["type", "integer", "root-type", "required", "minItems", "additionalProperties", "maxLength", "enum",
         "multipleOf", "format", "uri", "draft6-ref-enum"],
)
def test_violation(action: str, payload: Any, path: str, error_code: ErrorCode, message: str) -> None:
    (violation,) = assert_violations(action, payload, [(path, error_code)])
    assert message in violation.message


def test_response_with_misspelt_status_fails() -> None:
    (violation,) = assert_violations(
        "Authorize", {"idTagInfo": {"status": "Acepted"}}, [("$.idTagInfo.status", PROPERTY)], response=True
    )
    assert violation.message == "'Acepted' is not one of ['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx']"


def test_response_missing_required_field_is_reported_at_its_path() -> None:
    assert_violations("Authorize", {"idTagInfo": {}}, [("$.idTagInfo.status", OCCURENCE)], response=True)


def test_multiple_violations_are_all_reported_sorted_by_path() -> None:
    found = assert_violations(
        "MeterValues",
        {
            "connectorId": "1",
            "zzz": True,
            "meterValue": [
                meter_value(*([{"value": "1"}] * 2), {"value": 3}, *([{"value": "1"}] * 7), {"unit": "Wh"}),
                meter_value({"value": "1"}, timestamp="2026-11-24T12:00:00"),
            ],
        },
        [
            ("$.connectorId", TYPE),
            ("$.meterValue[0].sampledValue[2].value", TYPE),
            ("$.meterValue[0].sampledValue[10].value", OCCURENCE),
            ("$.meterValue[1].timestamp", PROPERTY),
            ("$.zzz", FORMATION),
        ],
    )
    assert "'2026-11-24T12:00:00'" in found[3].message


def test_every_missing_required_property_is_reported() -> None:
    assert_violations(
        "BootNotification", {}, [("$.chargePointModel", OCCURENCE), ("$.chargePointVendor", OCCURENCE)]
    )


def test_each_extra_property_is_reported_with_its_value() -> None:
    found = assert_violations("Heartbeat", {"b": 1, "a b": None}, [("$['a b']", FORMATION), ("$.b", FORMATION)])
    assert "value null" in found[0].message


def test_long_values_are_cut_in_messages() -> None:
    (violation,) = check("SignCertificate", {"csr": "A" * 6000})
    assert violation.error_code == PROPERTY
    assert "6000 characters long, longer than maxLength 5500" in violation.message
    assert len(violation.message) < 250


def test_violation_str() -> None:
    (violation,) = check("Authorize", {"idTag": 5})
    assert str(violation) == "$.idTag: 5 is not of type 'string' [TypeConstraintViolation]"


# --- date-time -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "timestamp",
    ["2026-11-24T12:00:00Z", "2026-11-24T12:00:00.123Z", "2026-11-24T12:00:00+01:00", "2026-11-24T12:00:00-05:30",
     "2026-11-24t12:00:00z", "2024-02-29T00:00:00Z"],
)
def test_date_time_passes(timestamp: str) -> None:
    assert_valid("StartTransaction", start_transaction(timestamp))


@pytest.mark.parametrize(
    "timestamp",
    ["yesterday", "", "2026-11-24", "12:00:00Z", "2026-11-24 12:00:00Z", "2026-02-30T12:00:00Z",
     "2026-11-24T25:00:00Z", "2026-11-24T12:00:00+0100", "1732449600"],
)
@pytest.mark.parametrize("validator", [STRICT, TOLERANT], ids=["strict", "tolerant"])
def test_date_time_fails(timestamp: str, validator: PayloadValidator) -> None:
    assert_violations("StartTransaction", start_transaction(timestamp), [("$.timestamp", PROPERTY)], validator=validator)


def test_date_time_without_offset_fails_by_default() -> None:
    assert STRICT.tolerate_date_time_without_offset is False
    (violation,) = assert_violations("StartTransaction", start_transaction("2026-11-24T12:00:00"), [("$.timestamp", PROPERTY)])
    assert "requires a UTC offset" in violation.message


@pytest.mark.parametrize("timestamp", ["2026-11-24T12:00:00", "2026-11-24T12:00:00.5"])
def test_date_time_without_offset_passes_when_tolerated(timestamp: str) -> None:
    assert_valid("StartTransaction", start_transaction(timestamp), validator=TOLERANT)
    assert_valid("Authorize", {"idTagInfo": {"status": "Accepted", "expiryDate": timestamp}}, response=True,
                 validator=TOLERANT)


# --- unknown actions and caching -----------------------------------------------------------------------


@pytest.mark.parametrize("action", ["MakeCoffee", "heartbeat", "AuthorizeResponse", "", "../BootNotification"])
def test_unknown_action_raises_key_error(action: str) -> None:
    with pytest.raises(KeyError, match="unknown action"):
        STRICT.request(action, {})
    with pytest.raises(KeyError, match="unknown action"):
        STRICT.response(action, {})


def test_validators_are_cached_per_schema_and_tolerance() -> None:
    assert validation._validator("Authorize", False) is validation._validator("Authorize", False)
    assert validation._validator("Authorize", False) is not validation._validator("AuthorizeResponse", False)
    assert validation._validator("Authorize", False) is not validation._validator("Authorize", True)
