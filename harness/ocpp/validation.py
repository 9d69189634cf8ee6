"""Payload validation against the OCPP 1.6 JSON schemas: a payload in, every violation out. No I/O
beyond reading the schema files once.

Rules:

- The schemas are the files the ``ocpp`` package ships in ``ocpp/v16/schemas`` (``<Action>.json`` for the
  request, ``<Action>Response.json`` for the response). The ``ocpp`` library's own validator is not used:
  it skips ``format`` (issue #216), stops at the first error and misspells the 1.6 error codes (#381).
- Each schema is checked by the jsonschema class its ``$schema`` names (draft-04 for the 56 OCA schemas,
  draft-06 for the 22 security-whitepaper ones), with a format checker of our own: ``date-time`` is RFC 3339
  (``rfc3339-validator``; "yesterday" fails), ``uri`` needs a scheme and no white space.
- ``multipleOf`` is decided in decimal, not binary floating point: jsonschema's own check rejects
  ``16.1`` as a multiple of ``0.1`` (16.1 / 0.1 = 161.00000000000003), a false failure on charging limits.
- Every violation is reported (``iter_errors``), one :class:`Violation` per offending field, sorted by path
  (array indices numerically). A missing required property and an extra property are reported at the
  path of that property (``$.idTagInfo.status``), the others at the path of the offending value.
- ``date-time`` without a UTC offset ("2026-11-24T12:00:00") is a violation unless the validator is built
  with ``tolerate_date_time_without_offset=True`` (many chargers send it; the run records the choice).
- Validators are built on first use and cached per (schema, tolerance), i.e. per (action, direction).
- A payload is first checked by a plain-Python predicate compiled from its schema once (:func:`_fast_check`):
  it decides "no violation" in a few microseconds, where jsonschema's ``iter_errors`` takes tens. Only a
  payload it does not pass is handed to jsonschema, which finds and words every violation; the predicate
  implements exactly the keywords the 1.6 schemas use, with jsonschema's semantics (the draft's types,
  ``$ref`` hiding its siblings, our formats and ``multipleOf``), and a schema with any other keyword is
  always left to jsonschema. ``tests/harness/ocpp/test_validation_fast.py`` checks that the two agree.

The OCPP-J 1.6 error code of each jsonschema keyword (OCPP-J 1.6 §4.2.3 definitions):

=======================  ============================  ==================================================
keyword                  error code                    why
=======================  ============================  ==================================================
``type``                 TypeConstraintViolation       "violates data type constraints ("somestring": 12)"
``required``             OccurenceConstraintViolation  a 1..1 field occurs 0 times
``minItems``             OccurenceConstraintViolation  a 1..* list occurs 0 times
``additionalProperties`` FormationViolation            a field the PDU does not have: "not conform the PDU
                                                       structure for Action"
``maxLength``            PropertyConstraintViolation   right type, invalid value
``enum``                 PropertyConstraintViolation   right type, invalid value
``multipleOf``           PropertyConstraintViolation   right type, invalid value
``format``               PropertyConstraintViolation   right type, invalid value (date-time, uri)
anything else            FormationViolation            not conform the PDU structure
=======================  ============================  ==================================================

(The ``ocpp`` library answers a missing field with ProtocolError, "Payload for Action is incomplete"; the
harness reads ``required`` as the occurrence constraint it is, as OCPP 2.0's clarified table does.)
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import numbers
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib.resources.abc import Traversable
from typing import Any, Final, Literal, TypeAlias

import jsonschema.validators
from jsonschema import Draft4Validator, Draft6Validator, FormatChecker, ValidationError
from jsonschema.protocols import Validator
from rfc3339_validator import validate_rfc3339

from harness.ocpp.errors import ErrorCode

__all__ = ["Direction", "PayloadValidator", "Violation"]

Direction: TypeAlias = Literal["request", "response"]

_QUOTE_LIMIT: Final = 120

_ERROR_CODE: Final[dict[str, ErrorCode]] = {
    "type": ErrorCode.TypeConstraintViolation,
    "required": ErrorCode.OccurenceConstraintViolation,
    "minItems": ErrorCode.OccurenceConstraintViolation,
    "additionalProperties": ErrorCode.FormationViolation,
    "maxLength": ErrorCode.PropertyConstraintViolation,
    "enum": ErrorCode.PropertyConstraintViolation,
    "multipleOf": ErrorCode.PropertyConstraintViolation,
    "format": ErrorCode.PropertyConstraintViolation,
}
_DEFAULT_ERROR_CODE: Final = ErrorCode.FormationViolation


@dataclass(frozen=True)
class Violation:
    """One field of a payload that breaks its schema.

    ``path`` is a JSON path (``$``, ``$.idTagInfo.status``, ``$.meterValue[0].sampledValue[1].value``);
    ``message`` quotes the offending value and the rule; ``error_code`` is the OCPP-J 1.6 code a receiver
    answers a CALL carrying it with.
    """

    path: str
    message: str
    error_code: ErrorCode

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [{self.error_code}]"


class PayloadValidator:
    """Checks OCPP 1.6 request and response payloads against their schemas.

    ``tolerate_date_time_without_offset``: accept date-times lacking ``Z``/``±hh:mm``. Default False, as
    the specification requires (RFC 3339).
    """

    def __init__(self, tolerate_date_time_without_offset: bool = False) -> None:
        self._tolerate = bool(tolerate_date_time_without_offset)
        #: (action, direction) -> the compiled fast check of its schema, for the actions seen so far
        self._fast: dict[tuple[str, Direction], Check] = {}

    @property
    def tolerate_date_time_without_offset(self) -> bool:
        return self._tolerate

    def request(self, action: str, payload: object) -> list[Violation]:
        """Every violation of the ``<action>.req`` schema; ``KeyError`` for an unknown action."""
        return self._check(action, "request", payload)

    def response(self, action: str, payload: object) -> list[Violation]:
        """Every violation of the ``<action>.conf`` schema; ``KeyError`` for an unknown action."""
        return self._check(action, "response", payload)

    def __repr__(self) -> str:
        return f"PayloadValidator(tolerate_date_time_without_offset={self._tolerate})"

    def _check(self, action: str, direction: Direction, payload: object) -> list[Violation]:
        fast = self._fast.get((action, direction)) if type(action) is str else None
        if fast is None:
            fast = _fast_check(_schema_name(action, direction), self._tolerate)
            if type(action) is str:
                self._fast[(action, direction)] = fast
        try:
            if fast(payload):
                return []
        except Exception:       # a payload no JSON document holds (a set, a bytes key): jsonschema judges it
            pass
        name = _schema_name(action, direction)
        validator = _validator(name, self._tolerate)
        found: list[tuple[tuple[Any, ...], Violation]] = []
        done_required: set[tuple[Any, ...]] = set()
        for error in validator.iter_errors(payload):
            for segments, violation in _violations(error, self._tolerate, done_required):
                found.append((segments, violation))
        found.sort(key=lambda item: (_sort_key(item[0]), item[1].message))
        return [violation for _, violation in found]


# ---------------------------------------------------------------------------------------------------------
# schemas and validators


def _schema_dir() -> Traversable:
    return importlib.resources.files("ocpp") / "v16" / "schemas"


@functools.cache
def _schema_names() -> frozenset[str]:
    return frozenset(entry.name.removesuffix(".json") for entry in _schema_dir().iterdir() if entry.name.endswith(".json"))


def _schema_name(action: str, direction: Direction) -> str:
    name = f"{action}Response" if direction == "response" else action
    if not isinstance(action, str) or action.endswith("Response") or name not in _schema_names():
        raise KeyError(
            f"no OCPP 1.6 {direction} schema for action {action!r}: "
            f"ocpp/v16/schemas has no {name}.json (an unknown action)"
        )
    return name


@functools.cache
def _load_schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((_schema_dir() / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def _multiple_of(validator: Validator, divisor: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    """multipleOf decided on the decimal values as written, so 16.1 is a multiple of 0.1."""
    if not validator.is_type(instance, "number"):
        return
    try:
        failed = Decimal(repr(instance)) % Decimal(repr(divisor)) != 0
    except (InvalidOperation, ValueError):  # inf, nan, divisor 0
        failed = True
    if failed:
        yield ValidationError(f"{instance!r} is not a multiple of {divisor}")


_DRAFTS: Final[dict[str, type[Validator]]] = {
    "http://json-schema.org/draft-04/schema#": jsonschema.validators.extend(
        Draft4Validator, validators={"multipleOf": _multiple_of}
    ),
    "http://json-schema.org/draft-06/schema#": jsonschema.validators.extend(
        Draft6Validator, validators={"multipleOf": _multiple_of}
    ),
}

_URI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f]*")


def _is_date_time(instance: object, tolerate_missing_offset: bool) -> bool:
    if not isinstance(instance, str):
        return True
    text = instance.upper()  # RFC 3339 §5.6 allows a lower-case "t" and "z"
    return bool(validate_rfc3339(text) or (tolerate_missing_offset and validate_rfc3339(text + "Z")))


def _lacks_only_offset(instance: object) -> bool:
    return isinstance(instance, str) and not validate_rfc3339(instance.upper()) and validate_rfc3339(instance.upper() + "Z")


def _is_uri(instance: object) -> bool:
    return not isinstance(instance, str) or _URI.fullmatch(instance) is not None


def _format_checker(tolerate_missing_offset: bool) -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date-time")(functools.partial(_is_date_time, tolerate_missing_offset=tolerate_missing_offset))
    checker.checks("uri")(_is_uri)
    return checker


@functools.cache
def _validator(name: str, tolerate_missing_offset: bool) -> Validator:
    schema = _load_schema(name)
    try:
        cls = _DRAFTS[schema.get("$schema", "")]
    except KeyError:
        raise ValueError(f"{name}.json: unsupported $schema {schema.get('$schema')!r}") from None
    cls.check_schema(schema)
    return cls(schema, format_checker=_format_checker(tolerate_missing_offset))


# ---------------------------------------------------------------------------------------------------------
# the fast path: "is it valid?" compiled to plain Python


Check: TypeAlias = "Callable[[Any], bool]"

#: keywords that constrain nothing
_ANNOTATIONS: Final = frozenset({"$schema", "$id", "id", "title", "description", "definitions", "javaType"})


class _Unsupported(Exception):
    """A keyword the fast path does not implement: the schema is left to jsonschema."""


def _always(_instance: Any) -> bool:
    return True


@functools.cache
def _fast_check(name: str, tolerate_missing_offset: bool) -> Check:
    """A predicate that is True exactly when jsonschema finds no error in the instance; for a schema using a
    keyword it does not know, a predicate that is always False (jsonschema then decides)."""
    schema = _load_schema(name)
    draft = schema.get("$schema", "")
    if draft not in _DRAFTS:
        return lambda _instance: False
    try:
        return _compile(schema, schema, draft == "http://json-schema.org/draft-04/schema#", tolerate_missing_offset, {})
    except _Unsupported:
        return lambda _instance: False


def _is_integer_draft4(instance: Any) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


def _is_integer_draft6(instance: Any) -> bool:
    return (isinstance(instance, int) and not isinstance(instance, bool)) or (
        isinstance(instance, float) and instance.is_integer())


def _is_number(instance: Any) -> bool:
    return isinstance(instance, numbers.Number) and not isinstance(instance, bool)


_TYPES: Final[dict[str, Check]] = {
    "object": lambda i: isinstance(i, dict),
    "array": lambda i: isinstance(i, list),
    "string": lambda i: isinstance(i, str),
    "boolean": lambda i: isinstance(i, bool),
    "null": lambda i: i is None,
    "number": _is_number,
}


def _compile(schema: Any, root: dict[str, Any], draft4: bool, tolerate: bool, refs: dict[str, Check]) -> Check:
    if schema is True or schema == {}:
        return _always
    if schema is False:
        return lambda _instance: False
    if not isinstance(schema, dict):
        raise _Unsupported(repr(schema))
    if "$ref" in schema:        # drafts 4 and 6: $ref hides its siblings
        return _compile_ref(schema["$ref"], root, draft4, tolerate, refs)
    unknown = set(schema) - _ANNOTATIONS - {"type", "properties", "required", "additionalProperties", "enum",
                                             "maxLength", "format", "items", "additionalItems", "minItems",
                                             "multipleOf"}
    if unknown:
        raise _Unsupported(", ".join(sorted(unknown)))

    type_name = schema.get("type")
    if type_name is None:
        is_type: Check | None = None
    elif type_name == "integer":
        is_type = _is_integer_draft4 if draft4 else _is_integer_draft6
    elif isinstance(type_name, str) and type_name in _TYPES:
        is_type = _TYPES[type_name]
    else:
        raise _Unsupported(f"type {type_name!r}")

    properties = {key: _compile(sub, root, draft4, tolerate, refs) for key, sub in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))
    additional = schema.get("additionalProperties", True)
    extra: Check | None
    if additional is True or additional == {}:
        extra = None
    elif additional is False:
        extra = lambda _value: False  # noqa: E731
    else:
        extra = _compile(additional, root, draft4, tolerate, refs)
    object_rules = bool(properties or required or extra is not None)

    if "enum" in schema:
        if not all(isinstance(value, str) for value in schema["enum"]):
            raise _Unsupported("enum of other than strings")
        enum: frozenset[str] | None = frozenset(schema["enum"])
    else:
        enum = None
    max_length = schema.get("maxLength")
    format_name = schema.get("format")
    is_format: Check | None = (functools.partial(_is_date_time, tolerate_missing_offset=tolerate)
                               if format_name == "date-time" else _is_uri if format_name == "uri" else None)
    string_rules = max_length is not None or is_format is not None

    items = schema.get("items")
    if items is not None and not isinstance(items, dict) and not isinstance(items, bool):
        raise _Unsupported("items as an array")     # then additionalItems would apply as well
    each = None if items is None else _compile(items, root, draft4, tolerate, refs)
    min_items = schema.get("minItems")
    divisor = schema.get("multipleOf")

    def check(instance: Any) -> bool:
        if is_type is not None and not is_type(instance):
            return False
        if enum is not None and not (isinstance(instance, str) and instance in enum):
            return False
        if isinstance(instance, dict):
            if object_rules:
                for key in required:
                    if key not in instance:
                        return False
                for key, value in instance.items():
                    sub = properties.get(key)
                    if sub is None:
                        if extra is not None and not extra(value):
                            return False
                    elif not sub(value):
                        return False
        elif isinstance(instance, str):
            if string_rules:
                if max_length is not None and len(instance) > max_length:
                    return False
                if is_format is not None and not is_format(instance):
                    return False
        elif isinstance(instance, list):
            if min_items is not None and len(instance) < min_items:
                return False
            if each is not None:
                for item in instance:
                    if not each(item):
                        return False
        elif divisor is not None and _is_number(instance):
            try:
                if Decimal(repr(instance)) % Decimal(repr(divisor)) != 0:
                    return False
            except (InvalidOperation, ValueError):
                return False
        return True

    return check


def _compile_ref(ref: str, root: dict[str, Any], draft4: bool, tolerate: bool, refs: dict[str, Check]) -> Check:
    if not ref.startswith("#/definitions/") or "/" in ref[len("#/definitions/"):]:
        raise _Unsupported(f"$ref {ref}")
    if ref not in refs:
        target = root.get("definitions", {}).get(ref[len("#/definitions/"):])
        if target is None:
            raise _Unsupported(f"unresolvable $ref {ref}")
        slot: list[Check] = []
        refs[ref] = lambda instance: slot[0](instance)      # a recursive definition finds itself
        slot.append(_compile(target, root, draft4, tolerate, refs))
    return refs[ref]


# ---------------------------------------------------------------------------------------------------------
# errors to violations


def _violations(
    error: ValidationError, tolerate: bool, done_required: set[tuple[Any, ...]]
) -> Iterator[tuple[tuple[Any, ...], Violation]]:
    at = tuple(error.absolute_path)
    keyword = str(error.validator)
    code = _ERROR_CODE.get(keyword, _DEFAULT_ERROR_CODE)
    value = error.instance
    rule = error.validator_value

    if keyword == "required":
        # jsonschema yields one error per missing name without saying which; report them all once.
        if at in done_required or not isinstance(value, dict):
            return
        done_required.add(at)
        for name in rule:
            if name not in value:
                yield at + (name,), Violation(_path(at + (name,)), f"{_show(name)} is a required property", code)
        return

    if keyword == "additionalProperties" and rule is False and isinstance(value, dict):
        known = error.schema.get("properties", {})
        patterns = [re.compile(p) for p in error.schema.get("patternProperties", {})]
        for name in value:
            if name not in known and not any(p.search(name) for p in patterns):
                yield at + (name,), Violation(
                    _path(at + (name,)),
                    f"{_show(name)} is not a property of this object (additionalProperties: false); "
                    f"value {_show(value[name])}",
                    code,
                )
        return

    yield at, Violation(_path(at), _message(keyword, value, rule, tolerate, error), code)


def _message(keyword: str, value: Any, rule: Any, tolerate: bool, error: ValidationError) -> str:
    match keyword:
        case "type":
            expected = repr(rule) if isinstance(rule, str) else " or ".join(repr(t) for t in rule)
            return f"{_show(value)} is not of type {expected}"
        case "enum":
            return f"{_show(value)} is not one of [{', '.join(_show(v, limit=None) for v in rule)}]"
        case "maxLength":
            return f"{_show(value)} is {len(value)} characters long, longer than maxLength {rule}"
        case "minItems":
            return f"{_show(value)} has {len(value)} items, fewer than minItems {rule}"
        case "multipleOf":
            return f"{_show(value)} is not a multiple of {rule} (multipleOf)"
        case "format" if rule == "date-time":
            if not tolerate and _lacks_only_offset(value):
                return (
                    f"{_show(value)} is not a valid 'date-time': RFC 3339 requires a UTC offset "
                    "('Z' or '+01:00')"
                )
            return f"{_show(value)} is not a valid 'date-time' (RFC 3339, e.g. '2026-11-24T12:00:00Z')"
        case "format":
            return f"{_show(value)} is not a valid {rule!r}"
    return _cut(error.message)


def _show(value: Any, limit: int | None = _QUOTE_LIMIT) -> str:
    """A value as the message quotes it: strings in single quotes, the rest as JSON; cut when long."""
    if isinstance(value, str):
        shown = repr(value)
    else:
        try:
            shown = json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError, RecursionError):
            shown = repr(value)
    return shown if limit is None else _cut(shown, limit)


def _cut(text: str, limit: int = _QUOTE_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _path(segments: tuple[Any, ...]) -> str:
    parts = ["$"]
    for segment in segments:
        if isinstance(segment, int):
            parts.append(f"[{segment}]")
        elif _IDENTIFIER.fullmatch(str(segment)):
            parts.append(f".{segment}")
        else:
            escaped = str(segment).replace("\\", "\\\\").replace("'", "\\'")
            parts.append(f"['{escaped}']")
    return "".join(parts)


def _sort_key(segments: tuple[Any, ...]) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, s, "") if isinstance(s, int) else (1, 0, str(s)) for s in segments)
