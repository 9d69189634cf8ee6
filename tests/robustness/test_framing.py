"""Frames a buggy charger could send that are not OCPP-J (OCPP-J 1.6 §4): what the Central System answers, and
what becomes of the step waiting meanwhile.

What OCPP-J prescribes, and so what the harness must do:

- a CALL whose UniqueId can be recovered is answered with a CALLERROR carrying that UniqueId: ProtocolError for
  a broken envelope (wrong length, over-long UniqueId, Action not a string), FormationViolation for a payload
  that is not an object or a message that is not JSON text (a binary frame holding a CALL);
- nothing is answered where no UniqueId can be recovered (invalid JSON, not an array, a UniqueId that is not a
  string), nor to a CALLRESULT or CALLERROR (never answered, even broken), nor to a message whose
  MessageTypeId is not 2, 3 or 4 (§4.1.3: ignored);
- each of them is a decisive finding: the step waiting fails at once with the offending frame quoted, the
  connection stays usable and the next case runs.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.robustness.conftest import (
    FEW,
    Bench,
    answers_before_probe,
    assert_callerror,
    call,
    failure_of,
    next_case_runs,
    police,
    run,
    waiting,
)

P, F = "ProtocolError", "FormationViolation"

# ------------------------------------------------------------------------------------------------ strategies

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) \
    | st.text(max_size=12)
json_values = st.recursive(scalars, lambda children: st.lists(children, max_size=3)
                           | st.dictionaries(st.text(max_size=6), children, max_size=3), max_leaves=8)
unique_ids = st.text(min_size=1, max_size=36)
actions = st.sampled_from(["Heartbeat", "StatusNotification", "BootNotification", "Authorize"])


def parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def frame(*elements: Any) -> str:
    return json.dumps(list(elements), ensure_ascii=False)


#: (text, expected answer: (UniqueId, code) or None)
invalid_json = st.one_of(
    st.text(max_size=40).filter(lambda text: not parses(text)),
    # a frame cut short, as a charger that writes a buffer half-full would send it
    st.tuples(unique_ids, actions).map(lambda t: frame(2, t[0], t[1], {"connectorId": 1})).flatmap(
        lambda whole: st.integers(0, len(whole) - 1).map(lambda cut: whole[:cut])),
    unique_ids.map(lambda uid: f'[2,"{json.dumps(uid)[1:-1]}","Heartbeat",{{"x":NaN}}]'),
).map(lambda text: (text, None))

not_an_array = (scalars | st.dictionaries(st.text(max_size=6), json_values, max_size=4)).map(
    lambda v: (json.dumps(v, ensure_ascii=False), None))

wrong_type_ids = st.tuples(
    st.one_of(st.integers().filter(lambda n: n not in (2, 3, 4)), st.sampled_from(["2", 2.0, True, None, [2]]),
              st.text(max_size=3)),
    unique_ids, actions,
).map(lambda t: (frame(t[0], t[1], t[2], {}), None))

over_long_ids = st.tuples(st.text(min_size=37, max_size=120), actions).map(
    lambda t: (frame(2, t[0], t[1], {}), (t[0], P)))

broken_calls = st.one_of(
    # wrong number of elements
    st.tuples(unique_ids, st.lists(json_values, max_size=4).filter(lambda rest: len(rest) != 2)).map(
        lambda t: (frame(2, t[0], *t[1]), (t[0], P))),
    # Action not a string
    st.tuples(unique_ids, json_values.filter(lambda v: not isinstance(v, str))).map(
        lambda t: (frame(2, t[0], t[1], {}), (t[0], P))),
    # payload not an object
    st.tuples(unique_ids, actions, json_values.filter(lambda v: not isinstance(v, dict))).map(
        lambda t: (frame(2, t[0], t[1], t[2]), (t[0], F))),
    # UniqueId not a string: nothing to answer to
    st.tuples(json_values.filter(lambda v: not isinstance(v, str)), actions).map(
        lambda t: (frame(2, t[0], t[1], {}), None)),
)

broken_responses = st.one_of(
    st.tuples(st.sampled_from([3, 4]), unique_ids, st.lists(json_values, max_size=6)).filter(
        lambda t: len(t[2]) != {3: 1, 4: 3}[t[0]]).map(lambda t: (frame(t[0], t[1], *t[2]), None)),
    st.tuples(unique_ids, json_values.filter(lambda v: not isinstance(v, dict))).map(
        lambda t: (frame(3, t[0], t[1]), None)),
    # 2.0 spellings and misspellings are no 1.6 error codes
    st.tuples(unique_ids, st.sampled_from(["FormatViolation", "OccurrenceConstraintViolation", "notimplemented",
                                           "MessageTypeNotSupported", "", "RpcFrameworkError"])).map(
        lambda t: (frame(4, t[0], t[1], "", {}), None)),
)

#: a CALLRESULT or CALLERROR for a CALL the harness never made: well formed, answered by nothing
unsolicited = st.one_of(
    st.tuples(unique_ids, st.dictionaries(st.text(max_size=6), scalars, max_size=3)).map(
        lambda t: (frame(3, t[0], t[1]), None)),
    st.tuples(unique_ids, st.sampled_from(["GenericError", "NotImplemented", "InternalError"]),
              st.text(max_size=20)).map(lambda t: (frame(4, t[0], t[1], t[2], {}), None)),
)


# ------------------------------------------------------------------------------------------------ the scenario


async def misbehave(b: Bench, message: str | bytes, expected: tuple[str, str] | None, quote: str) -> str:
    """A step waits; the charger sends ``message``. Returns the reason the step failed with."""
    ws = await b.connect()
    police(b.station)
    step = waiting(b.station)
    await ws.send(message)
    answered = await answers_before_probe(ws)
    if expected is None:
        assert answered == [], f"{message!r} must not be answered, got {answered}"
    else:
        assert len(answered) == 1, f"{message!r} must be answered once, got {answered}"
        assert_callerror(answered[0], *expected)
    reason = await failure_of(step)
    assert reason.startswith("step 1: "), reason
    assert quote in reason, f"the reason does not quote the frame {quote!r}: {reason}"
    assert len(reason) < 2000, "the reason quotes a part of the frame, not all of it"
    await next_case_runs(b, ws)
    await ws.close()
    return reason


def check(case: tuple[str, tuple[str, str] | None]) -> str:
    text, expected = case
    return run(lambda b: misbehave(b, text, expected, quote=text[:300]))


@FEW
@given(invalid_json)
def test_invalid_json_is_not_answered_and_fails_the_step(case):
    assert "invalid-json" in check(case)


@FEW
@given(not_an_array)
def test_a_frame_that_is_not_an_array_is_not_answered(case):
    assert "not-an-array" in check(case)


@FEW
@given(wrong_type_ids)
def test_a_wrong_message_type_id_is_ignored_but_fails_the_step(case):
    reason = check(case)
    assert "unknown-message-type" in reason or "message-type-not-integer" in reason


@FEW
@given(over_long_ids)
def test_an_over_long_unique_id_gets_protocol_error(case):
    assert "unique-id-too-long" in check(case)


@FEW
@given(broken_calls)
def test_a_broken_call_gets_the_callerror_ocpp_j_prescribes(case):
    check(case)


@FEW
@given(broken_responses)
def test_a_broken_callresult_or_callerror_is_never_answered(case):
    check(case)


@FEW
@given(unsolicited)
def test_a_response_to_a_call_never_made_is_not_answered_and_fails_the_step(case):
    assert "answers no pending CALL" in check(case)


# ------------------------------------------------------------------------------------------------ binary frames


def binary_expectation(data: bytes) -> tuple[str, str] | None:
    """A binary frame holding a CALL with a string UniqueId gets FormationViolation (text frames only)."""
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=lambda name: (_ for _ in ()).throw(ValueError()))
    except (ValueError, UnicodeDecodeError):
        return None
    if (isinstance(value, list) and len(value) >= 2 and type(value[0]) is int and value[0] == 2
            and isinstance(value[1], str)):
        return value[1], F
    return None


binary_frames = st.one_of(
    st.binary(max_size=64),
    st.tuples(unique_ids, actions).map(lambda t: frame(2, t[0], t[1], {}).encode()),
    st.tuples(unique_ids, st.sampled_from([3, 4])).map(lambda t: frame(t[1], t[0], {}).encode()),
)


@FEW
@given(binary_frames)
def test_a_binary_frame_fails_the_step_and_a_call_in_it_gets_formation_violation(data):
    reason = run(lambda b: misbehave(b, data, binary_expectation(data), quote=repr(data[:300])))
    assert "binary-frame" in reason


# ------------------------------------------------------------------------------------------------ regressions


def test_lone_surrogate_escapes_neither_crash_the_connection_nor_the_trace():
    """Regression: ``"\\ud800"`` is valid JSON syntax but no character; it reached the trace file, whose UTF-8
    encoder raised, and the connection died with 1011. Now the frame is refused whole (FormationViolation when
    its UniqueId is clean), and the connection and the trace go on."""
    cases = [
        (r'[2,"lone","Authorize",{"idTag":"\ud800"}]', ("lone", F)),
        (r'[2,"\udc00","Heartbeat",{}]', None),
        (r'["\ud800",1]', None),
        (r'[3,"x",{"currentTime":"\udfff"}]', None),
    ]
    for text, expected in cases:
        reason = run(lambda b: misbehave(b, text, expected, quote=text))
        assert "lone UTF-16 surrogate" in reason
    # a pair is one character: a valid frame
    answer = run(lambda b: _connect_and(b, lambda ws: call(ws, "Authorize", {"idTag": "\ud83d\ude00"})))
    assert answer[0] == 3 and answer[2]["idTagInfo"]["status"] == "Invalid"


async def _connect_and(b: Bench, then):
    ws = await b.connect()
    try:
        return await then(ws)
    finally:
        await ws.close()


def test_a_duplicate_unique_id_is_answered_but_fails_the_step():
    """OCPP-J 1.6 §4.1.4: a CALL's message ID differs from every earlier one of its sender on the connection.
    The CALL itself is well formed, so it is answered; the reuse is a decisive finding. On a new connection
    the same ID is fine."""

    async def scenario(b: Bench) -> str:
        ws = await b.connect()
        police(b.station)
        step = waiting(b.station)
        first = await call(ws, "Heartbeat", {}, unique_id="dup-1")
        again = await call(ws, "Heartbeat", {}, unique_id="dup-1")
        assert first[0] == again[0] == 3
        reason = await failure_of(step)
        b.station.end_case()
        await ws.close()
        await b.station.wait_disconnected(2)
        b.station.begin_case()
        ws = await b.connect()
        b.station.begin_case(police=True)
        assert (await call(ws, "Heartbeat", {}, unique_id="dup-1"))[0] == 3
        assert b.station.findings == []
        await next_case_runs(b, ws)
        return reason

    reason = run(scenario)
    assert "UniqueId dup-1 was already used by an earlier CALL on this connection" in reason
    assert 'frame: [2, "dup-1", "Heartbeat", {}]' in reason


@pytest.mark.parametrize("answer", [
    '[4,"{id}","FormatViolation","OCPP 2.0 spelling",{{}}]',
    '[3,"{id}"]',
    '[3,"{id}",{{"status":"Accepted"}},{{}}]',
    '{{"status":"Accepted"}}',
    '[3,"{id}",{{"status":"Accepted"',
], ids=["2.0-error-code", "callresult-too-short", "callresult-too-long", "bare-payload", "cut-short"])
def test_a_broken_answer_to_a_call_fails_the_call_at_once_quoting_it(answer):
    """The charger answers a CALL of the harness with a frame that is not OCPP-J: the CALL fails at once with
    the frame quoted (not after the response timeout with "no response"), and nothing is sent back."""

    async def scenario(b: Bench) -> str:
        ws = await b.connect()
        police(b.station)
        pending = asyncio.create_task(b.station.call("ClearCache", timeout=8))
        request = json.loads(await ws.recv())
        text = answer.format(id=request[1])
        await ws.send(text)
        reason = await failure_of(pending)
        assert text[:300] in reason, reason
        assert await answers_before_probe(ws) == []
        await next_case_runs(b, ws)
        await ws.close()
        return reason

    assert run(scenario).startswith("step 1: the charge point sent a frame that breaks OCPP-J at +")


def test_a_reason_that_quotes_a_line_separator_stays_one_line_of_results_jsonl(tmp_path):
    """Regression: a charger's U+2028 (or U+0085, U+2029), quoted in a reason, was written raw into
    results.jsonl; readers that split lines with ``str.splitlines`` (the run directory's own, the report's)
    then lost the row, and with it the case's verdict."""
    from harness.run_dir import RunDirectory

    run_dir = RunDirectory(tmp_path)
    reason = 'step 1: …; frame: [2,"a","DataTransfer",{"vendorId":"V","data":"x\u2028y\x85z\u2029"}]'
    run_dir.append_result({"id": "TC_X", "verdict": "failed", "reason": reason})
    run_dir.append_result({"id": "TC_Y", "verdict": "passed", "reason": ""})
    assert [(row["id"], row["reason"]) for row in run_dir.results()] == [("TC_X", reason), ("TC_Y", "")]
