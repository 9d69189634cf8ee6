"""OCPP-J 1.6 framing (§4): what a receiver makes of every text a peer may send."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.ocpp import (
    MAX_UNIQUE_ID_LENGTH,
    Call,
    CallError,
    CallResult,
    ErrorCode,
    FramingFinding,
    new_unique_id,
    parse_frame,
    parse_frame_bytes,
    serialize,
)

UID36 = "u" * 36
UID37 = "u" * 37


def assert_finding(text: str, code: str, *, unique_id: str | None, error_code: ErrorCode) -> FramingFinding:
    finding = parse_frame(text)
    assert isinstance(finding, FramingFinding), f"{text!r} parsed as {finding!r}"
    assert (finding.code, finding.unique_id, finding.error_code) == (code, unique_id, error_code), finding
    return finding


def assert_round_trip(frame: Call | CallResult | CallError) -> None:
    assert parse_frame(serialize(frame)) == frame


# --- findings ------------------------------------------------------------------------------------------

P, F = ErrorCode.ProtocolError, ErrorCode.FormationViolation

FINDINGS = [
    # text, code, recovered unique id, error code, part of the text the message quotes
    ('[2,"a","Heartbeat",{}', "invalid-json", None, F, '[2,"a","Heartbeat",{}'),
    ("", "invalid-json", None, F, "''"),
    ('[2,"a","Heartbeat",{"x":NaN}]', "invalid-json", None, F, "NaN"),
    ('[2,"a","Heartbeat",{"x":Infinity}]', "invalid-json", None, F, "Infinity"),
    ('{"messageTypeId":2}', "not-an-array", None, P, '{"messageTypeId": 2}'),
    ('"Heartbeat"', "not-an-array", None, P, '"Heartbeat"'),
    ("null", "not-an-array", None, P, "null"),
    ("[]", "wrong-length", None, P, "[]"),
    ('[2,"a","Heartbeat"]', "wrong-length", "a", P, "got 3"),
    ('[2,"a","Heartbeat",{},{}]', "wrong-length", "a", P, "got 5"),
    ('[3,"a"]', "wrong-length", "a", P, "a CALLRESULT has 3 elements"),
    ('[4,"a","GenericError",""]', "wrong-length", "a", P, "a CALLERROR has 5 elements"),
    ('[6,"a","Heartbeat",{}]', "unknown-message-type", "a", P, "6"),
    ('[0]', "unknown-message-type", None, P, "0"),
    ('["2","a","Heartbeat",{}]', "message-type-not-integer", "a", P, 'string "2"'),
    ('[2.0,"a","Heartbeat",{}]', "message-type-not-integer", "a", P, "2.0"),
    ('[true,"a","Heartbeat",{}]', "message-type-not-integer", "a", P, "true"),
    ('[null]', "message-type-not-integer", None, P, "null"),
    ('[2,17,"Heartbeat",{}]', "unique-id-not-string", None, P, "number 17"),
    ('[3,null,{}]', "unique-id-not-string", None, P, "null"),
    (f'[2,"{UID37}","Heartbeat",{{}}]', "unique-id-too-long", UID37, P, "37 characters"),
    ('[2,"a",7,{}]', "action-not-string", "a", P, "number 7"),
    ('[2,"a",null,{}]', "action-not-string", "a", P, "null"),
    ('[2,"a","Heartbeat",[]]', "payload-not-object", "a", F, "array []"),
    ('[2,"a","Heartbeat",null]', "payload-not-object", "a", F, "null"),
    ('[3,"a","ok"]', "payload-not-object", "a", F, 'string "ok"'),
    ('[4,"a",500,"",{}]', "error-code-not-string", "a", P, "number 500"),
    ('[4,"a","FormatViolation","",{}]', "error-code-unknown", "a", P, '"FormatViolation"'),
    ('[4,"a","OccurrenceConstraintViolation","",{}]', "error-code-unknown", "a", P, "OccurrenceConstraint"),
    ('[4,"a","genericerror","",{}]', "error-code-unknown", "a", P, '"genericerror"'),
    ('[4,"a","GenericError",null,{}]', "error-description-not-string", "a", P, "null"),
    ('[4,"a","GenericError","",null]', "error-details-not-object", "a", P, "null"),
    ('[4,"a","GenericError","",[]]', "error-details-not-object", "a", P, "array []"),
]


@pytest.mark.parametrize(("text", "code", "unique_id", "error_code", "quoted"), FINDINGS)
def test_finding(text: str, code: str, unique_id: str | None, error_code: ErrorCode, quoted: str) -> None:
    finding = assert_finding(text, code, unique_id=unique_id, error_code=error_code)
    assert quoted in finding.message


def test_every_finding_code_is_covered() -> None:
    codes = {row[1] for row in FINDINGS} | {"binary-frame"}
    assert codes == {
        "invalid-json", "not-an-array", "wrong-length", "unknown-message-type", "message-type-not-integer",
        "unique-id-not-string", "unique-id-too-long", "action-not-string", "payload-not-object",
        "error-code-not-string", "error-code-unknown", "error-description-not-string",
        "error-details-not-object", "binary-frame",
    }  # fmt: skip


def test_message_quotes_are_cut() -> None:
    text = json.dumps([2, "a", "Heartbeat", ["x" * 10_000]])
    finding = assert_finding(text, "payload-not-object", unique_id="a", error_code=F)
    assert len(finding.message) < 250
    assert finding.message.endswith("…")


def test_deep_nesting_is_invalid_json_not_a_crash() -> None:
    assert_finding("[" * 100_000, "invalid-json", unique_id=None, error_code=F)


def test_unique_id_of_36_characters_is_accepted() -> None:
    assert parse_frame(f'[2,"{UID36}","Heartbeat",{{}}]') == Call(UID36, "Heartbeat", {})


def test_unknown_action_is_not_a_framing_matter() -> None:
    assert parse_frame('[2,"a","MakeCoffee",{}]') == Call("a", "MakeCoffee", {})


def test_finding_str_names_code_and_error_code() -> None:
    finding = assert_finding("[]", "wrong-length", unique_id=None, error_code=P)
    assert str(finding).startswith("wrong-length: ")
    assert str(finding).endswith("[ProtocolError]")


# --- binary frames -------------------------------------------------------------------------------------


def test_binary_frame_is_a_finding_and_keeps_the_unique_id() -> None:
    finding = parse_frame_bytes(b'[2,"abc","Heartbeat",{}]')
    assert (finding.code, finding.unique_id, finding.error_code) == ("binary-frame", "abc", F)
    assert "24 bytes" in finding.message


@pytest.mark.parametrize("data", [b"", b"\xff\xfe\x00", b'{"a":1}', b"[" * 10_000])
def test_binary_frame_without_unique_id(data: bytes) -> None:
    finding = parse_frame_bytes(data)
    assert (finding.code, finding.unique_id) == ("binary-frame", None)


# --- frames, serialisation, unique ids -----------------------------------------------------------------


def test_frames_parse() -> None:
    assert parse_frame('[2,"1","BootNotification",{"chargePointVendor":"V"}]') == Call(
        "1", "BootNotification", {"chargePointVendor": "V"}
    )
    assert parse_frame('[3, "1", {"status": "Accepted"}]') == CallResult("1", {"status": "Accepted"})
    assert parse_frame('[4,"1","NotImplemented","",{}]') == CallError("1", "NotImplemented", "", {})


def test_kinds_and_message_type_ids() -> None:
    frames = [Call("1", "Heartbeat", {}), CallResult("1", {}), CallError("1", "GenericError", "", {})]
    assert [(f.kind, f.message_type_id) for f in frames] == [("CALL", 2), ("CALLRESULT", 3), ("CALLERROR", 4)]


def test_serialize_is_compact_and_keeps_unicode() -> None:
    assert serialize(Call("1", "DataTransfer", {"vendorId": "Ü", "data": "a b"})) == (
        '[2,"1","DataTransfer",{"vendorId":"Ü","data":"a b"}]'
    )
    assert serialize(CallResult("1", {})) == '[3,"1",{}]'


def test_serialize_empty_error_details_as_object() -> None:
    assert serialize(CallError("1", ErrorCode.NotImplemented, "no", {})) == '[4,"1","NotImplemented","no",{}]'


def test_serialize_sends_what_it_is_given() -> None:
    """The harness may send wrong frames on purpose: no checks on content."""
    assert serialize(CallError("x" * 40, "Bogus", "", {})) == f'[4,"{"x" * 40}","Bogus","",{{}}]'


def test_serialize_refuses_nan() -> None:
    with pytest.raises(ValueError):
        serialize(CallResult("1", {"limit": float("nan")}))


@pytest.mark.parametrize(
    "frame",
    [
        Call("a", "StartTransaction", {"connectorId": 1, "meterStart": 0, "timestamp": "2026-11-24T12:00:00Z"}),
        CallResult("a", {"transactionId": 7, "idTagInfo": {"status": "Accepted"}}),
        CallError("a", "PropertyConstraintViolation", "idTag too long", {"path": "$.idTag"}),
        CallError("a", "GenericError", "", {}),
    ],
    ids=["CALL", "CALLRESULT", "CALLERROR", "CALLERROR-empty"],
)
def test_round_trip(frame: Call | CallResult | CallError) -> None:
    assert_round_trip(frame)


def test_new_unique_id() -> None:
    ids = {new_unique_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) <= MAX_UNIQUE_ID_LENGTH for i in ids)
    uid = new_unique_id()
    assert parse_frame(serialize(Call(uid, "Heartbeat", {}))) == Call(uid, "Heartbeat", {})


def test_error_code_spellings() -> None:
    assert str(ErrorCode.FormationViolation) == "FormationViolation"
    assert f"{ErrorCode.OccurenceConstraintViolation}" == "OccurenceConstraintViolation"
    assert json.dumps(ErrorCode.ProtocolError) == '"ProtocolError"'
    assert len(ErrorCode) == 10
    assert not ErrorCode.is_valid("FormatViolation")


# --- properties ----------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(), children, max_size=6),
    max_leaves=25,
)
payloads = st.dictionaries(st.text(max_size=12), json_values, max_size=5)
unique_ids = st.text(max_size=MAX_UNIQUE_ID_LENGTH)
# Arrays that look like frames, so the property reaches the checks past the message type.
frame_like = st.lists(json_values, max_size=6).flatmap(
    lambda rest: st.sampled_from([2, 3, 4, 5, "2", 2.0]).map(lambda t: [t, *rest])
)
frames = st.one_of(
    st.builds(Call, unique_ids, st.text(max_size=40), payloads),
    st.builds(CallResult, unique_ids, payloads),
    st.builds(CallError, unique_ids, st.sampled_from([c.value for c in ErrorCode]), st.text(max_size=40), payloads),
)


def assert_parses_without_raising(text: str) -> None:
    result = parse_frame(text)
    assert isinstance(result, Call | CallResult | CallError | FramingFinding)
    if isinstance(result, FramingFinding):
        assert result.message
        assert result.error_code in (ErrorCode.ProtocolError, ErrorCode.FormationViolation)


@given(st.text())
def test_parse_frame_never_raises_on_text(text: str) -> None:
    assert_parses_without_raising(text)


@given(json_values | frame_like)
def test_parse_frame_never_raises_on_json(value: Any) -> None:
    assert_parses_without_raising(json.dumps(value, ensure_ascii=False))


@given(frames)
def test_valid_frames_round_trip(frame: Call | CallResult | CallError) -> None:
    assert_round_trip(frame)
