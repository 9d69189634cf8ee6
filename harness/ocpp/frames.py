"""OCPP-J 1.6 RPC framing (OCPP-J 1.6 §4): WebSocket text in, a frame or a finding out. No I/O.

Rules:

- A frame is a JSON array whose first element is the MessageTypeId (§4.1.3):

  - CALL, 4 elements: ``[2, "<UniqueId>", "<Action>", {<payload>}]``
  - CALLRESULT, 3 elements: ``[3, "<UniqueId>", {<payload>}]``
  - CALLERROR, 5 elements: ``[4, "<UniqueId>", "<errorCode>", "<errorDescription>", {<errorDetails>}]``

- The UniqueId is a string of at most 36 characters (§4.1.4). The payload and errorDetails are JSON objects;
  errorCode is one of the ten 1.6 codes (§4.2.3); errorDescription is a string (may be empty).
- :func:`parse_frame` never raises on any ``str``: it returns a :data:`Frame` or exactly one
  :class:`FramingFinding`, the first rule broken in this order: JSON, array, length ≥ 1, MessageTypeId
  integer (``true`` and ``2.0`` are not integers), MessageTypeId known, length for that type, UniqueId
  string, UniqueId ≤ 36, then the remaining elements left to right.
- OCPP-J messages are JSON text, so they travel in WebSocket text frames; a binary frame is a finding
  whatever it contains (:func:`parse_frame_bytes`).
- JSON is read strictly: ``NaN``, ``Infinity`` and ``-Infinity`` (which Python's :mod:`json` accepts) are
  invalid JSON, and so is a ``\\uD800``-style escape of a lone UTF-16 surrogate (RFC 8259 §8.2): it is no
  Unicode character, cannot be written as UTF-8 (the trace, the answer), and a frame holding one is refused
  whole; its UniqueId is still recovered when that one is clean.
- Whether the Action is known, and whether the payload fits the Action's schema, is not framing: see
  :mod:`harness.ocpp.catalogue` (NotImplemented) and :mod:`harness.ocpp.validation`.
- :func:`serialize` writes whatever the frame holds, unchecked, so the harness can send invalid content on
  purpose; it only refuses what cannot be JSON at all (``NaN``, non-JSON types) with ``ValueError``/
  ``TypeError``.

Which error code a receiver answers a malformed CALL with (``FramingFinding.error_code``), from the
definitions of §4.2.3:

- **FormationViolation** ("Payload for Action is syntactically incorrect or not conform the PDU
  structure"): the text is not a JSON document (``invalid-json``, ``binary-frame``) or the payload is not a
  JSON object (``payload-not-object``).
- **ProtocolError** (the RPC envelope itself is broken, "incomplete"): the JSON is fine but the array around
  the payload is not an OCPP-J frame: ``not-an-array``, ``wrong-length``, ``message-type-not-integer``,
  ``unknown-message-type``, ``unique-id-not-string``, ``unique-id-too-long``, ``action-not-string``, and the
  CALLERROR fields ``error-code-not-string``, ``error-code-unknown``, ``error-description-not-string``,
  ``error-details-not-object``. (A CALLRESULT or CALLERROR is never answered; the code still classifies it.)

``FramingFinding.unique_id`` is the second element when it is a string (even an over-long one), so the
receiver can answer with a CALLERROR; otherwise None. ``FramingFinding.message_type_id`` is the first element
when it is an integer. Only a malformed CALL is answered (``FramingFinding.answerable``): a CALLRESULT or
CALLERROR never is, and a message whose MessageTypeId is not 2, 3 or 4 is ignored (OCPP-J 1.6 §4.1.3).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal, TypeAlias

from harness.ocpp.errors import ErrorCode

__all__ = [
    "MAX_UNIQUE_ID_LENGTH",
    "Call",
    "CallError",
    "CallResult",
    "Frame",
    "FramingFinding",
    "new_unique_id",
    "parse_frame",
    "parse_frame_bytes",
    "serialize",
]

#: OCPP-J 1.6 §4.1.4: "maximum of 36 characters, to allow for GUIDs".
MAX_UNIQUE_ID_LENGTH: Final = 36

#: How much of an offending part a finding's message quotes.
_QUOTE_LIMIT: Final = 120


@dataclass(frozen=True)
class Call:
    """``[2, "<UniqueId>", "<Action>", {<payload>}]``: a request (§4.2.1)."""

    message_type_id: ClassVar[int] = 2
    unique_id: str
    action: str
    payload: dict[str, Any]

    @property
    def kind(self) -> Literal["CALL"]:
        return "CALL"


@dataclass(frozen=True)
class CallResult:
    """``[3, "<UniqueId>", {<payload>}]``: the answer to the CALL with the same UniqueId (§4.2.2)."""

    message_type_id: ClassVar[int] = 3
    unique_id: str
    payload: dict[str, Any]

    @property
    def kind(self) -> Literal["CALLRESULT"]:
        return "CALLRESULT"


@dataclass(frozen=True)
class CallError:
    """``[4, "<UniqueId>", "<errorCode>", "<errorDescription>", {<errorDetails>}]`` (§4.2.3).

    ``error_code`` is a plain ``str`` so the harness can build CALLERRORs with wrong codes on purpose;
    :func:`parse_frame` only returns CallErrors whose code is one of :class:`ErrorCode`.
    """

    message_type_id: ClassVar[int] = 4
    unique_id: str
    error_code: str
    error_description: str
    error_details: dict[str, Any]

    @property
    def kind(self) -> Literal["CALLERROR"]:
        return "CALLERROR"


Frame: TypeAlias = Call | CallResult | CallError

FindingCode: TypeAlias = Literal[
    "invalid-json",
    "not-an-array",
    "wrong-length",
    "unknown-message-type",
    "message-type-not-integer",
    "unique-id-not-string",
    "unique-id-too-long",
    "action-not-string",
    "payload-not-object",
    "error-code-not-string",
    "error-code-unknown",
    "error-description-not-string",
    "error-details-not-object",
    "binary-frame",
]


@dataclass(frozen=True)
class FramingFinding:
    """A WebSocket message that is not a valid OCPP-J frame.

    ``code`` is a stable kebab-case id (see :data:`FindingCode`); ``message`` a sentence quoting the
    offending part; ``unique_id`` the UniqueId when it could be recovered (else None); ``error_code`` the
    code a receiver answers a malformed CALL with (table in the module docstring).
    """

    code: str
    message: str
    unique_id: str | None
    error_code: ErrorCode
    #: the MessageTypeId when the first element is an integer (2, 3, 4 or an unknown one), else None
    message_type_id: int | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.message} [{self.error_code}]"

    @property
    def answerable(self) -> bool:
        """A receiver answers this with a CALLERROR: a CALL (MessageTypeId 2) whose UniqueId was recovered.
        A broken CALLRESULT or CALLERROR is never answered; an unknown MessageTypeId is ignored (§4.1.3)."""
        return self.unique_id is not None and self.message_type_id == Call.message_type_id


_LENGTHS: Final[dict[int, int]] = {Call.message_type_id: 4, CallResult.message_type_id: 3, CallError.message_type_id: 5}
_KINDS: Final[dict[int, str]] = {2: "CALL", 3: "CALLRESULT", 4: "CALLERROR"}


def new_unique_id() -> str:
    """A fresh UniqueId: a UUID4 in its 36-character canonical form, the longest §4.1.4 allows (written from
    16 random bytes directly: a third of ``str(uuid.uuid4())``'s time, on every CALL)."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def serialize(frame: Frame) -> str:
    """The frame as compact OCPP-J text (no spaces, UTF-8 characters kept as they are).

    Content is not checked (see the module rules); ``ValueError`` for NaN/Infinity, ``TypeError`` for
    values JSON cannot hold.
    """
    elements: list[Any]
    match frame:
        case Call():
            elements = [frame.message_type_id, frame.unique_id, frame.action, frame.payload]
        case CallResult():
            elements = [frame.message_type_id, frame.unique_id, frame.payload]
        case CallError():
            elements = [
                frame.message_type_id,
                frame.unique_id,
                frame.error_code,
                frame.error_description,
                frame.error_details if frame.error_details else {},
            ]
        case _:
            raise TypeError(f"not an OCPP-J frame: {frame!r}")
    return _ENCODER.encode(elements)


#: ``json.dumps(..., separators=(",", ":"), ensure_ascii=False, allow_nan=False)``, built once
_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def parse_frame(text: str) -> Frame | FramingFinding:
    """Read one WebSocket text message as an OCPP-J frame; never raises."""
    try:
        value = _loads(text)
    except RecursionError:
        return _finding("invalid-json", f"invalid JSON: nested too deeply to read: {_quote_text(text)}")
    except ValueError as exc:  # json.JSONDecodeError and our NaN/Infinity refusal
        return _finding("invalid-json", f"invalid JSON ({_json_error(exc)}): {_quote_text(text)}")
    if _has_lone_surrogate(text, value):
        return _finding("invalid-json", "invalid JSON (an escape encodes a lone UTF-16 surrogate, which is no "
                        f"Unicode character): {_quote_text(text)}", *_ids_of(value))
    return _frame_from_value(value)


def parse_frame_bytes(data: bytes) -> FramingFinding:
    """A binary WebSocket message: always a ``binary-frame`` finding, since OCPP-J uses text frames.

    If the bytes happen to hold a JSON array with a string UniqueId (a charger sending its frames as
    binary), that UniqueId is recovered so the receiver can still answer with a CALLERROR.
    """
    ids: tuple[str | None, int | None] = (None, None)
    try:
        value = _loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        pass
    else:
        ids = _ids_of(value)
    shown = data[:_QUOTE_LIMIT]
    more = "…" if len(data) > _QUOTE_LIMIT else ""
    return _finding(
        "binary-frame",
        f"binary WebSocket frame of {len(data)} bytes where OCPP-J requires text frames: {shown!r}{more}",
        *ids,
    )


# ---------------------------------------------------------------------------------------------------------
# private


_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(text: str, value: Any) -> bool:
    """Whether a ``\\uD8xx``-``\\uDFxx`` escape left a lone surrogate in ``value`` (a pair is one character).
    Text read from a WebSocket is valid UTF-8, so escapes are the only way in; the walk runs only then."""
    if "\\u" not in text or not _SURROGATE_ESCAPE.search(text):
        return False
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _clean(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _ids_of(value: Any) -> tuple[str | None, int | None]:
    """The UniqueId (a string that UTF-8 can carry) and integer MessageTypeId of a would-be frame, or None."""
    if not isinstance(value, list) or not value:
        return None, None
    type_id = value[0] if isinstance(value[0], int) and not isinstance(value[0], bool) else None
    unique_id = value[1] if len(value) >= 2 and isinstance(value[1], str) and _clean(value[1]) else None
    return unique_id, type_id


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


#: built once: ``json.loads`` with a keyword builds a decoder per call (issue 12, harness overhead)
_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant)


def _loads(text: str) -> Any:
    if text.startswith("\ufeff"):      # json.loads's own refusal ("Unexpected UTF-8 BOM")
        return json.loads(text, parse_constant=_reject_constant)
    return _DECODER.decode(text)


def _json_error(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)


def _quote(value: Any) -> str:
    """A JSON rendering of an offending value, cut to about :data:`_QUOTE_LIMIT` characters."""
    try:
        shown = json.dumps(value, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        shown = repr(value)
    return _cut(shown)


def _quote_text(text: str) -> str:
    return repr(text[:_QUOTE_LIMIT]) + ("…" if len(text) > _QUOTE_LIMIT else "")


def _cut(shown: str) -> str:
    return shown if len(shown) <= _QUOTE_LIMIT else shown[:_QUOTE_LIMIT] + "…"


def _type_name(value: Any) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "boolean"
        case int() | float():
            return "number"
        case str():
            return "string"
        case list():
            return "array"
        case dict():
            return "object"
    return type(value).__name__


def _describe(value: Any) -> str:
    """``number 2.0``, ``string "2"``, ``array []``; ``null`` alone."""
    return "null" if value is None else f"{_type_name(value)} {_quote(value)}"


_FORMATION: Final = frozenset({"invalid-json", "binary-frame", "payload-not-object"})


def _finding(code: FindingCode, message: str, unique_id: str | None = None,
             message_type_id: int | None = None) -> FramingFinding:
    error_code = ErrorCode.FormationViolation if code in _FORMATION else ErrorCode.ProtocolError
    return FramingFinding(code, message, unique_id, error_code, message_type_id)


def _frame_from_value(value: Any) -> Frame | FramingFinding:
    if not isinstance(value, list):
        return _finding("not-an-array", f"an OCPP-J frame is a JSON array, got {_describe(value)}")
    if not value:
        return _finding("wrong-length", "empty array []: an OCPP-J frame starts with a MessageTypeId")

    unique_id = value[1] if len(value) >= 2 and isinstance(value[1], str) else None
    type_id = value[0]
    if isinstance(type_id, bool) or not isinstance(type_id, int):
        return _finding(
            "message-type-not-integer",
            f"MessageTypeId must be the integer 2, 3 or 4, got {_describe(type_id)}",
            unique_id,
        )
    if type_id not in _LENGTHS:
        return _finding(
            "unknown-message-type", f"unknown MessageTypeId {_quote(type_id)}: OCPP-J 1.6 knows 2, 3 and 4", unique_id,
            type_id,
        )
    expected = _LENGTHS[type_id]
    if len(value) != expected:
        return _finding(
            "wrong-length",
            f"a {_KINDS[type_id]} has {expected} elements, got {len(value)}: {_quote(value)}",
            unique_id,
            type_id,
        )
    if unique_id is None:
        return _finding(
            "unique-id-not-string",
            f"UniqueId must be a string, got {_describe(value[1])}",
            None,
            type_id,
        )
    if len(unique_id) > MAX_UNIQUE_ID_LENGTH:
        return _finding(
            "unique-id-too-long",
            f"UniqueId is {len(unique_id)} characters, more than {MAX_UNIQUE_ID_LENGTH}: {_quote(unique_id)}",
            unique_id,
            type_id,
        )

    if type_id == Call.message_type_id:
        _, _, action, payload = value
        if not isinstance(action, str):
            return _finding(
                "action-not-string", f"Action must be a string, got {_describe(action)}", unique_id, type_id
            )
        if not isinstance(payload, dict):
            return _payload_not_object("CALL", payload, unique_id, type_id)
        return Call(unique_id, action, payload)

    if type_id == CallResult.message_type_id:
        _, _, payload = value
        if not isinstance(payload, dict):
            return _payload_not_object("CALLRESULT", payload, unique_id, type_id)
        return CallResult(unique_id, payload)

    _, _, error_code, description, details = value
    if not isinstance(error_code, str):
        return _finding(
            "error-code-not-string",
            f"errorCode must be a string, got {_describe(error_code)}",
            unique_id,
            type_id,
        )
    if not ErrorCode.is_valid(error_code):
        return _finding(
            "error-code-unknown",
            f"errorCode {_quote(error_code)} is not one of the OCPP-J 1.6 codes: "
            + ", ".join(code.value for code in ErrorCode),
            unique_id,
            type_id,
        )
    if not isinstance(description, str):
        return _finding(
            "error-description-not-string",
            f"errorDescription must be a string, got {_describe(description)}",
            unique_id,
            type_id,
        )
    if not isinstance(details, dict):
        return _finding(
            "error-details-not-object",
            f"errorDetails must be a JSON object, got {_describe(details)}",
            unique_id,
            type_id,
        )
    return CallError(unique_id, error_code, description, details)


def _payload_not_object(kind: str, payload: Any, unique_id: str, type_id: int) -> FramingFinding:
    return _finding(
        "payload-not-object",
        f"the payload of a {kind} must be a JSON object, got {_describe(payload)}",
        unique_id,
        type_id,
    )
