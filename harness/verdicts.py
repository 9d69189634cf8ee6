"""The five verdicts of a test case, and the exceptions that lead to them.

- passed: the charge point did what the plan requires.
- failed: the charge point deviated; the exception message quotes the evidence. Plain ``assert`` in a test
  case also fails it, so :class:`Failed` is an ``AssertionError``.
- inconclusive: the harness could not make the case happen (an action the device adapter cannot perform, an
  operator who answered "could not do").
- not_applicable: the PICS excludes the case; the reason names the PICS item.
- error: anything else, a fault of the harness itself: a bug to fix, never to hide.
- not_run: the run stopped before the case (the charge point was stuck); the reason says after which case.
"""

from __future__ import annotations

from enum import Enum


class Verdict(str, Enum):
    PASSED = "passed"
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"
    NOT_RUN = "not_run"


class Failed(AssertionError):
    """The charge point deviated from the specification or the test plan."""


class Inconclusive(Exception):
    """The harness could not bring about what the case needs; says what and why."""


class HarnessError(Exception):
    """The harness itself misbehaved (for example it was about to send a payload that breaks the schema)."""
