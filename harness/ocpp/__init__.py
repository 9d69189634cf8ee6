"""OCPP-J 1.6 without I/O: text in, frames or findings out; payloads in, violations out.

The layer's rule: nothing here opens a socket, starts a task, sleeps or reads a clock. Everything is a pure
function of its input (the schema files of the ``ocpp`` package are read once, lazily), so the link to the
device under test, the reference charge point and the test cases can all share one reading of the
specification, and every rule is tested by feeding it text.

- :mod:`harness.ocpp.frames`: OCPP-J RPC framing (CALL, CALLRESULT, CALLERROR) and its findings.
- :mod:`harness.ocpp.errors`: the ten CALLERROR codes, spelled as 1.6 spells them.
- :mod:`harness.ocpp.catalogue`: every action, who sends it, its feature profile.
- :mod:`harness.ocpp.validation`: payloads against the JSON schemas, every violation with its JSON path.
"""

from harness.ocpp.catalogue import (
    ACTIONS,
    PROFILE_OF,
    PROFILES,
    Sender,
    is_known,
    sent_by_central_system,
    sent_by_charge_point,
)
from harness.ocpp.errors import ErrorCode
from harness.ocpp.frames import (
    MAX_UNIQUE_ID_LENGTH,
    Call,
    CallError,
    CallResult,
    Frame,
    FramingFinding,
    new_unique_id,
    parse_frame,
    parse_frame_bytes,
    serialize,
)
from harness.ocpp.validation import Direction, PayloadValidator, Violation

__all__ = [
    "ACTIONS",
    "MAX_UNIQUE_ID_LENGTH",
    "PROFILES",
    "PROFILE_OF",
    "Call",
    "CallError",
    "CallResult",
    "Direction",
    "ErrorCode",
    "Frame",
    "FramingFinding",
    "PayloadValidator",
    "Sender",
    "Violation",
    "is_known",
    "new_unique_id",
    "parse_frame",
    "parse_frame_bytes",
    "sent_by_central_system",
    "sent_by_charge_point",
    "serialize",
]
