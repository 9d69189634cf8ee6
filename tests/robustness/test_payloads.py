"""Well-framed CALLs a buggy charger could send: payloads that break the schema, unknown actions, actions of
the other side, any payload at all, and 1 MB payloads.

What OCPP-J 1.6 §4.2.3 prescribes, in the 1.6 spellings (the harness's table is in harness/ocpp/validation.py):
a required field missing is OccurenceConstraintViolation (one "r"), a field of the wrong JSON type
TypeConstraintViolation, a value outside the field's enumeration, length or format PropertyConstraintViolation,
a field the PDU does not have FormationViolation, an unknown action NotImplemented, an action the Central
System does not take from a charge point NotSupported.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from harness.ocpp import ACTIONS, PayloadValidator, is_known, sent_by_charge_point
from tests.robustness.conftest import (
    BOOT,
    CODES_16,
    FEW,
    NOW,
    Bench,
    answers_before_probe,
    assert_callerror,
    call,
    failure_of,
    fresh_id,
    next_case_runs,
    police,
    run,
    waiting,
)

BASES: dict[str, dict[str, Any]] = {
    "Authorize": {"idTag": "GOOD"},
    "BootNotification": BOOT,
    "StatusNotification": {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
    "StartTransaction": {"connectorId": 1, "idTag": "GOOD", "meterStart": 0, "timestamp": NOW},
    "StopTransaction": {"transactionId": 1, "meterStop": 10, "timestamp": NOW},
    "MeterValues": {"connectorId": 1, "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": "1"}]}]},
    "DataTransfer": {"vendorId": "V"},
    "FirmwareStatusNotification": {"status": "Idle"},
    "DiagnosticsStatusNotification": {"status": "Idle"},
    "Heartbeat": {},
}
REQUIRED = [("Authorize", "idTag"), ("BootNotification", "chargePointVendor"), ("BootNotification", "chargePointModel"),
            ("StatusNotification", "connectorId"), ("StatusNotification", "errorCode"),
            ("StatusNotification", "status"), ("StartTransaction", "connectorId"), ("StartTransaction", "idTag"),
            ("StartTransaction", "meterStart"), ("StartTransaction", "timestamp"),
            ("StopTransaction", "transactionId"), ("StopTransaction", "meterStop"), ("StopTransaction", "timestamp"),
            ("MeterValues", "connectorId"), ("MeterValues", "meterValue"), ("DataTransfer", "vendorId"),
            ("FirmwareStatusNotification", "status"), ("DiagnosticsStatusNotification", "status")]
INTEGERS = [("StatusNotification", "connectorId"), ("StartTransaction", "connectorId"),
            ("StartTransaction", "meterStart"), ("StopTransaction", "transactionId"),
            ("StopTransaction", "meterStop"), ("MeterValues", "connectorId")]
STRINGS = [("Authorize", "idTag"), ("BootNotification", "chargePointVendor"), ("StartTransaction", "idTag"),
           ("DataTransfer", "vendorId")]                                  # no enumeration, no format
ENUMERATIONS = [("StatusNotification", "status"), ("StatusNotification", "errorCode"),
                ("FirmwareStatusNotification", "status"), ("DiagnosticsStatusNotification", "status")]
MAX_LENGTHS = [("Authorize", "idTag", 20), ("BootNotification", "chargePointVendor", 20),
               ("BootNotification", "chargePointModel", 20), ("StartTransaction", "idTag", 20),
               ("DataTransfer", "vendorId", 255), ("StatusNotification", "info", 50)]
DATE_TIMES = [("StartTransaction", "timestamp"), ("StopTransaction", "timestamp"),
              ("StatusNotification", "timestamp")]

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) \
    | st.text(max_size=10)
json_values = st.recursive(scalars, lambda children: st.lists(children, max_size=3)
                           | st.dictionaries(st.text(max_size=6), children, max_size=3), max_leaves=8)
not_integers = st.one_of(st.text(max_size=6), st.booleans(), st.none(), st.lists(st.integers(), max_size=2),
                         st.floats(allow_nan=False, allow_infinity=False), st.dictionaries(st.text(max_size=3), scalars,
                                                                                          max_size=2))
not_strings = st.one_of(st.integers(), st.booleans(), st.none(), st.lists(st.text(max_size=3), max_size=2),
                        st.floats(allow_nan=False, allow_infinity=False))
#: lower-case words are never one of the CamelCase enumeration values, nor an RFC 3339 date-time
lower_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz -", max_size=16)


def mutated(action: str, field: str, value: Any = None, *, drop: bool = False) -> dict[str, Any]:
    payload = json.loads(json.dumps(BASES[action]))
    if drop:
        del payload[field]
    else:
        payload[field] = value
    return payload


#: (action, payload, the error code OCPP-J prescribes, the JSON path the reason names)
schema_breaks = st.one_of(
    st.sampled_from(REQUIRED).map(lambda af: (af[0], mutated(*af, drop=True), "OccurenceConstraintViolation",
                                              f"$.{af[1]}")),
    st.tuples(st.sampled_from(INTEGERS), not_integers).map(
        lambda t: (t[0][0], mutated(*t[0], t[1]), "TypeConstraintViolation", f"$.{t[0][1]}")),
    st.tuples(st.sampled_from(STRINGS), not_strings).map(
        lambda t: (t[0][0], mutated(*t[0], t[1]), "TypeConstraintViolation", f"$.{t[0][1]}")),
    st.tuples(st.sampled_from(ENUMERATIONS), lower_words).map(
        lambda t: (t[0][0], mutated(*t[0], t[1]), "PropertyConstraintViolation", f"$.{t[0][1]}")),
    st.sampled_from(MAX_LENGTHS).flatmap(lambda afl: st.text(min_size=afl[2] + 1, max_size=afl[2] + 40).map(
        lambda text: (afl[0], mutated(afl[0], afl[1], text), "PropertyConstraintViolation", f"$.{afl[1]}"))),
    st.tuples(st.sampled_from(DATE_TIMES), lower_words).map(
        lambda t: (t[0][0], mutated(*t[0], t[1]), "PropertyConstraintViolation", f"$.{t[0][1]}")),
    st.tuples(st.sampled_from(sorted(BASES)), st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", max_size=10),
              json_values).map(
        lambda t: (t[0], {**BASES[t[0]], f"x_{t[1]}": t[2]}, "FormationViolation", f"$.x_{t[1]}")),
)


async def broken_call(b: Bench, action: str, payload: Any, code: str, names: str) -> str:
    ws = await b.connect()
    police(b.station)
    step = waiting(b.station)
    unique_id = fresh_id()
    text = json.dumps([2, unique_id, action, payload], ensure_ascii=False)
    await ws.send(text)
    answered = await answers_before_probe(ws)
    assert len(answered) == 1, f"{text} must be answered once, got {answered}"
    assert_callerror(answered[0], unique_id, code)
    reason = await failure_of(step)
    assert names in reason, f"the reason does not name {names}: {reason}"
    assert text[:300] in reason, f"the reason does not quote the frame: {reason}"
    await next_case_runs(b, ws)
    await ws.close()
    return reason


@FEW
@given(schema_breaks)
def test_a_payload_that_breaks_the_schema_gets_the_16_error_code(case):
    action, payload, code, path = case
    run(lambda b: broken_call(b, action, payload, code, path))


unknown_actions = st.one_of(
    st.text(min_size=1, max_size=40).filter(lambda action: not is_known(action)),
    st.sampled_from(sorted(ACTIONS)).map(str.lower),
    st.sampled_from(sorted(ACTIONS)).map(lambda action: action + " "),
    st.just("BootNotification.req"),
)


@FEW
@given(unknown_actions)
def test_an_unknown_action_gets_not_implemented(action):
    run(lambda b: broken_call(b, action, {}, "NotImplemented", f"unknown action {action}"))


@FEW
@given(st.sampled_from(sorted(a for a in ACTIONS if not sent_by_charge_point(a))))
def test_an_action_of_the_central_system_gets_not_supported(action):
    run(lambda b: broken_call(b, action, {}, "NotSupported", "is sent by a Central System"))


# ------------------------------------------------------------------------------------------------ any payload


def same_type(value: Any) -> st.SearchStrategy[Any]:
    """Another value of the JSON type of ``value``: what a charger that fills the right fields badly sends."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers() | st.sampled_from([0, -1, 2**31, 2**63, 10**30])
    if isinstance(value, str):
        return st.text(max_size=30) | st.just(value)
    if isinstance(value, list):
        return st.lists(st.fixed_dictionaries({}, optional={"timestamp": st.just(NOW) | st.text(max_size=25),
                                                            "sampledValue": st.lists(st.fixed_dictionaries(
                                                                {"value": st.text(max_size=8)},
                                                                optional={"unit": st.sampled_from(["Wh", "kWh", "W"]),
                                                                          "measurand": st.text(max_size=30)}),
                                                                max_size=2)}), max_size=2)
    return st.just(value)


def fuzzed(action: str) -> st.SearchStrategy[dict[str, Any]]:
    base = BASES[action]
    return st.fixed_dictionaries({key: same_type(value) for key, value in base.items()},
                                 optional={"transactionId": st.integers(), "reservationId": st.integers()}
                                 if action in ("StartTransaction", "MeterValues") else {})


any_calls = st.lists(st.one_of(
    st.sampled_from(sorted(BASES)).flatmap(lambda action: fuzzed(action).map(lambda p: (action, p))),
    st.tuples(st.sampled_from(sorted(BASES)), st.dictionaries(st.text(max_size=10), json_values, max_size=4)),
), min_size=1, max_size=6)


@FEW
@given(any_calls)
def test_any_payload_is_answered_with_a_valid_result_or_a_16_callerror(calls):
    """Nothing a charger sends makes the harness answer wrongly, raise, or fail to answer: each CALL gets a
    CALLRESULT that fits the action's response schema, or a CALLERROR with a 1.6 code; the harness never
    blames itself (no harness error)."""
    validator = PayloadValidator()

    async def scenario(b: Bench) -> None:
        ws = await b.connect()
        police(b.station)
        for action, payload in calls:
            answer = await call(ws, action, payload)
            if answer[0] == 3:
                assert validator.response(action, answer[2]) == [], (action, payload, answer)
            else:
                assert answer[0] == 4 and answer[2] in CODES_16, (action, payload, answer)
        assert await answers_before_probe(ws) == []
        assert b.station.harness_errors == []
        await next_case_runs(b, ws)
        await ws.close()

    run(scenario)


# ------------------------------------------------------------------------------------------------ 1 MB


MB = 1024 * 1024


def test_a_1_mb_payload_that_fits_the_schema_is_answered():
    """DataTransfer.data has no length limit: 1 MB of it is a valid CALL and is answered as any other."""

    async def scenario(b: Bench) -> None:
        ws = await b.connect()
        police(b.station)
        answer = await call(ws, "DataTransfer", {"vendorId": "V", "data": "x" * MB})
        assert answer[0] == 3 and answer[2] == {"status": "UnknownVendorId"}
        received = await b.station.expect("DataTransfer", vendorId="V", timeout=1)
        assert len(received["data"]) == MB and b.station.findings == []
        await next_case_runs(b, ws)
        await ws.close()

    run(scenario)


def test_a_1_mb_field_over_its_limit_gets_property_constraint_violation_and_a_short_quote():
    run(lambda b: broken_call(b, "StatusNotification",
                              {"connectorId": 1, "errorCode": "NoError", "status": "Available", "info": "i" * MB},
                              "PropertyConstraintViolation", "$.info"))


def test_a_1_mb_unique_id_gets_protocol_error():
    unique_id = "u" * MB
    text = json.dumps([2, unique_id, "Heartbeat", {}])

    async def scenario(b: Bench) -> str:
        ws = await b.connect()
        police(b.station)
        step = waiting(b.station)
        await ws.send(text)
        (answer,) = await answers_before_probe(ws)
        assert_callerror(answer, unique_id, "ProtocolError")
        reason = await failure_of(step)
        await next_case_runs(b, ws)
        await ws.close()
        return reason

    reason = run(scenario)
    assert "unique-id-too-long" in reason and text[:300] in reason and len(reason) < 2000


def test_a_1_mb_binary_frame_is_not_answered_and_fails_the_step():
    data = bytes(range(256)) * (MB // 256)

    async def scenario(b: Bench) -> str:
        ws = await b.connect()
        police(b.station)
        step = waiting(b.station)
        await ws.send(data)
        assert await answers_before_probe(ws) == []
        reason = await failure_of(step)
        await next_case_runs(b, ws)
        await ws.close()
        return reason

    reason = run(scenario)
    assert f"binary WebSocket frame of {MB} bytes" in reason and len(reason) < 2000


def test_a_frame_over_the_listeners_size_limit_closes_the_connection_and_fails_the_step_at_once():
    """The listener takes messages up to 4 MiB; a larger one closes the connection (1009, message too big).
    The step waiting fails at once, saying the connection closed, when and how; a reconnect is served."""

    async def scenario(b: Bench) -> str:
        ws = await b.connect()
        police(b.station)
        step = waiting(b.station)
        await ws.send(json.dumps([2, fresh_id(), "DataTransfer", {"vendorId": "V", "data": "x" * (5 * MB)}]))
        reason = await failure_of(step)
        await ws.wait_closed()
        await next_case_runs(b)
        return reason

    reason = run(scenario)
    assert "the connection closed at +" in reason and "close code 1009" in reason, reason
