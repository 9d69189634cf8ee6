"""What a test case expects of a message: an action and a subset of its payload.

Rules:

- A payload matches when every expected field is present and equal; nested objects match as subsets, lists
  must be equal.
- An expected value may be a :class:`Predicate` (``one_of("Finishing", "Preparing")``, ``not_equal("NoError")``,
  ``present()``) for the places where the plan allows several values.
- Descriptions read like the plan: ``StatusNotification(connectorId=1, status=Charging)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class Predicate:
    """A named test on one field value."""

    description: str
    test: Callable[[Any], bool]

    def __call__(self, value: Any) -> bool:
        return self.test(value)


def one_of(*values: Any) -> Predicate:
    return Predicate(" or ".join(map(str, values)), lambda v: v in values)


def not_equal(value: Any) -> Predicate:
    return Predicate(f"not {value}", lambda v: v != value)


def present() -> Predicate:
    return Predicate("present", lambda v: v is not None)


_MISSING = object()


def _matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, Predicate):
        return actual is not _MISSING and expected(actual)
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            _matches(value, actual.get(key, _MISSING)) for key, value in expected.items()
        )
    return actual is not _MISSING and expected == actual


def _show(value: Any) -> str:
    if isinstance(value, Predicate):
        return value.description
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


@dataclass(frozen=True)
class MessageSpec:
    """An expected CALL from the charge point: its action and the payload fields that matter."""

    action: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def matches(self, action: str | None, payload: Any) -> bool:
        return action == self.action and _matches(dict(self.fields), payload)

    def describe(self) -> str:
        inner = ", ".join(f"{key}={_show(value)}" for key, value in self.fields.items())
        return f"{self.action}({inner})"

    def differences(self, payload: Any) -> list[str]:
        """How ``payload`` differs from what is expected, field by field: "without transactionId",
        "status=SuspendedEV, expected Charging"."""
        actual = payload if isinstance(payload, Mapping) else {}
        found = []
        for key, expected in self.fields.items():
            value = actual.get(key, _MISSING)
            if value is _MISSING:
                found.append(f"without {key}")
            elif not _matches(expected, value):
                found.append(f"{key}={_show(value)}, expected {_show(expected)}")
        return found


def summarize(action: str | None, payload: Any, limit: int = 160) -> str:
    """A compact one-line form of a received message for failure messages."""
    if isinstance(payload, Mapping):
        inner = ", ".join(f"{key}={_show(value)}" for key, value in payload.items())
    else:
        inner = _show(payload)
    text = f"{action}({inner})"
    return text if len(text) <= limit else text[: limit - 1] + "…"
