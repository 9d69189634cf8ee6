"""The fast path of payload validation (issue 12, harness overhead) says "valid" exactly when jsonschema does.

The compiled predicate (``validation._fast_check``) only decides that a payload has no violation; a payload it
does not pass goes to jsonschema. So it must never pass a payload jsonschema faults (a missed violation), and
should pass every payload jsonschema passes (else the fast path is no faster). Hypothesis builds payloads near
each of the 78 schemas: mostly conforming, with a wrong type, a value out of its enum, an over-long string, a
bad date-time, a missing or an extra property here and there.
"""

from __future__ import annotations

import importlib.resources
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.ocpp import validation

SCHEMA_NAMES = sorted(
    entry.name.removesuffix(".json")
    for entry in (importlib.resources.files("ocpp") / "v16" / "schemas").iterdir()
    if entry.name.endswith(".json")
)

JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([1.0, 2.5, 16.1, -0.0]),
                 st.text(max_size=3), st.just([]), st.just({}), st.just({"x": 1}))
DATE_TIMES = st.sampled_from(["2026-11-24T12:00:00Z", "2026-11-24T12:00:00.123+01:00", "2026-11-24t12:00:00z"])
BAD_DATE_TIMES = st.sampled_from(["2026-11-24T12:00:00", "yesterday", "2026-13-24T12:00:00Z", ""])
URIS = st.sampled_from(["ftp://host/file", "https://h/p?q=1", "x:"])
BAD_URIS = st.sampled_from(["no scheme", "a b:c", ""])


def sometimes(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` most of the time; ``bad`` or junk one time in eight each."""
    return st.integers(0, 7).flatmap(lambda n: bad if n == 0 else JUNK if n == 1 else good)


def near(schema: Any, root: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values that mostly conform to ``schema``, and sometimes break one rule."""
    if isinstance(schema, dict) and "$ref" in schema:
        schema = root["definitions"][schema["$ref"].rsplit("/", 1)[-1]]
    if not isinstance(schema, dict) or depth > 6:
        return JUNK
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        required = [k for k in schema.get("required", []) if k in props]
        optional = [k for k in props if k not in required]
        conforming = st.fixed_dictionaries(
            {k: near(props[k], root, depth + 1) for k in required},
            optional={k: near(props[k], root, depth + 1) for k in optional})

        @st.composite
        def broken(draw: st.DrawFn) -> dict[str, Any]:
            value = dict(draw(conforming))
            if value and draw(st.booleans()):
                value.pop(draw(st.sampled_from(sorted(value))))
            else:
                value[draw(st.sampled_from(["extra", *props]))] = draw(JUNK)
            return value

        good = conforming
    elif kind == "array":
        good = st.lists(near(schema.get("items", {}), root, depth + 1), max_size=3)
        broken = lambda: st.just([])  # noqa: E731  (minItems)
    elif kind == "string":
        if "enum" in schema:
            good = st.sampled_from(schema["enum"])
        elif schema.get("format") == "date-time":
            good = st.one_of(DATE_TIMES, BAD_DATE_TIMES) if depth else DATE_TIMES
        elif schema.get("format") == "uri":
            good = st.one_of(URIS, BAD_URIS) if depth else URIS
        else:
            limit = schema.get("maxLength", 10)
            good = st.one_of(st.text(max_size=3), st.just("x" * limit), st.just("é" * limit))
        broken = lambda: st.one_of(st.just("x" * (schema.get("maxLength", 0) + 1)), st.just("NotAnEnumValue"),  # noqa: E731
                                   BAD_DATE_TIMES, BAD_URIS)
    elif kind == "integer":
        good = st.integers(-2, 50)
        broken = lambda: st.sampled_from([3.0, 3.5, True])  # noqa: E731
    elif kind == "number":
        good = st.one_of(st.integers(-2, 50), st.sampled_from([16.1, 0.1, 7.25, 1e-7, 32.0]))
        broken = lambda: st.sampled_from([0.15, False, "1"])  # noqa: E731
    elif kind == "boolean":
        good = st.booleans()
        broken = lambda: st.sampled_from([0, 1, "true"])  # noqa: E731
    else:
        return JUNK
    return sometimes(good, broken())


def _schema(name: str) -> dict[str, Any]:
    return json.loads((importlib.resources.files("ocpp") / "v16" / "schemas" / f"{name}.json").read_text("utf-8"))


def test_every_schema_compiles_to_the_fast_path() -> None:
    """No schema of 1.6 is left to jsonschema alone (a keyword the fast path lacks would make it slow)."""
    for name in SCHEMA_NAMES:
        schema = _schema(name)
        validation._compile(schema, schema, schema["$schema"].endswith("draft-04/schema#"), False, {})


@settings(derandomize=True, max_examples=3_000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data(), st.sampled_from(SCHEMA_NAMES), st.booleans())
def test_the_fast_path_agrees_with_jsonschema(data: st.DataObject, name: str, tolerate: bool) -> None:
    schema = _schema(name)
    payload = data.draw(near(schema, schema))
    slow_valid = not any(True for _ in validation._validator(name, tolerate).iter_errors(payload))
    assert validation._fast_check(name, tolerate)(payload) == slow_valid, (name, payload)


def test_valid_and_invalid_examples_agree() -> None:
    cases = [
        ("MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": "2026-11-24T12:00:00Z", "sampledValue": [
            {"value": "1", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]}),
        ("MeterValues", {"connectorId": 1, "meterValue": []}),
        ("MeterValues", {"connectorId": True, "meterValue": [{"timestamp": "x", "sampledValue": []}]}),
        ("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": {
            "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute", "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 16.1}]}}}),
        ("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": {
            "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute", "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 16.15}]}}}),
        ("GetInstalledCertificateIdsResponse", {"status": "Accepted", "certificateHashData": [
            {"hashAlgorithm": "SHA256", "issuerNameHash": "a", "issuerKeyHash": "b", "serialNumber": "c"}]}),
        ("GetInstalledCertificateIdsResponse", {"status": "Accepted", "certificateHashData": [{"hashAlgorithm": "MD5"}]}),
        ("Heartbeat", []),
        ("Heartbeat", {}),
        ("HeartbeatResponse", {"currentTime": "2026-11-24T12:00:00"}),
    ]
    for name, payload in cases:
        for tolerate in (False, True):
            slow_valid = not any(True for _ in validation._validator(name, tolerate).iter_errors(payload))
            assert validation._fast_check(name, tolerate)(payload) == slow_valid, (name, payload, tolerate)
