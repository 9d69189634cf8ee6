"""The ten CALLERROR error codes of OCPP-J 1.6 (§4.2.3), spelled as the specification spells them.

Rules:

- The *value* of each member is the exact wire spelling. ``ErrorCode`` is a ``str``, so a member compares
  equal to its spelling, serialises as it with :mod:`json`, and ``str()``/f-strings give the spelling too
  (not ``ErrorCode.X``, which Python 3.11 would otherwise print for a ``(str, Enum)``).
- ``FormationViolation`` and ``OccurenceConstraintViolation`` (sic, one "r") are the 1.6 spellings. The
  ``ocpp`` library raises ``FormatViolation`` instead of ``FormationViolation`` (upstream issue #381); a
  conformance harness must neither send nor accept that spelling, so it is deliberately absent here.
  (OCPP 2.0 renamed the codes to ``FormatViolation`` and ``OccurrenceConstraintViolation``; those are not
  1.6 codes either.)
"""

from __future__ import annotations

from enum import Enum

__all__ = ["ErrorCode"]


class ErrorCode(str, Enum):
    """An OCPP-J 1.6 CALLERROR ``ErrorCode`` (OCPP-J 1.6 §4.2.3, table "Valid Error Codes")."""

    #: Requested Action is not known by receiver.
    NotImplemented = "NotImplemented"
    #: Requested Action is recognized but not supported by the receiver.
    NotSupported = "NotSupported"
    #: An internal error occurred and the receiver was not able to process the requested Action.
    InternalError = "InternalError"
    #: Payload for Action is incomplete.
    ProtocolError = "ProtocolError"
    #: During the processing of Action a security issue occurred.
    SecurityError = "SecurityError"
    #: Payload for Action is syntactically incorrect or not conform the PDU structure for Action.
    FormationViolation = "FormationViolation"
    #: Payload is syntactically correct but at least one field contains an invalid value.
    PropertyConstraintViolation = "PropertyConstraintViolation"
    #: Payload is syntactically correct but at least one of the fields violates occurence constraints.
    OccurenceConstraintViolation = "OccurenceConstraintViolation"
    #: Payload is syntactically correct but at least one of the fields violates data type constraints.
    TypeConstraintViolation = "TypeConstraintViolation"
    #: Any other error not covered by the previous ones.
    GenericError = "GenericError"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def is_valid(cls, spelling: object) -> bool:
        """True when ``spelling`` is exactly one of the ten 1.6 spellings (case-sensitive)."""
        return isinstance(spelling, str) and spelling in cls._value2member_map_
