"""The frame trace: every frame, connection event, physical action and step, as it happened.

The trace is the evidence behind a verdict and the input of the KPIs, so it is written the moment a record
exists (one JSON line, flushed), stamped with ``time.monotonic_ns()`` for durations and UTC for people.
Its format is ``docs/contracts.md`` §3.

Secrets are removed here, at the single place every record passes through: the redactor replaces each
known secret string (the Basic-auth password, AuthorizationKey values) wherever it appears.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, TextIO

REDACTED = "***"


def utc_now_iso() -> str:
    """UTC now as ISO 8601 with milliseconds and ``Z``, the format of every timestamp the harness writes."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Redactor:
    """Replaces secrets in text and in parsed payloads.

    Besides literal secrets, the value of an ``AuthorizationKey`` being set through ChangeConfiguration is a
    secret by nature, whatever it is: it is blanked both in the raw frame and in the payload.
    """

    secrets: set[str] = field(default_factory=set)

    _AUTH_KEY_IN_RAW = re.compile(r'("key"\s*:\s*"AuthorizationKey"\s*,\s*"value"\s*:\s*")([^"]*)(")')

    def add(self, secret: str | None) -> None:
        if secret:
            self.secrets.add(secret)

    def text(self, text: str) -> str:
        text = self._AUTH_KEY_IN_RAW.sub(rf"\g<1>{REDACTED}\g<3>", text)
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            if value.get("key") == "AuthorizationKey" and "value" in value:
                value = {**value, "value": REDACTED}
            return {key: self.value(item) for key, item in value.items()}
        return value


class Trace:
    """An append-only list of trace records, mirrored line by line into a JSONL file when one is attached.

    One ``Trace`` lives for the whole session; :meth:`begin` points it at a new file for each test case, so
    records between cases (reconnects, late frames) land in the session trace and are never lost.
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        self.redactor = redactor or Redactor()
        self.records: list[dict[str, Any]] = []
        self._file: TextIO | None = None
        self._seq = 0
        self._next_seq: dict[Path | None, int] = {}

    def begin(self, path: Path | None) -> None:
        """Write the following records to ``path`` (None: kept in memory only).

        ``seq`` counts on where the file left off, so a file that several sections append to (the records
        between test cases) stays numbered 0, 1, 2, … .
        """
        self.end()
        self.records = []
        self._path = path
        self._seq = self._next_seq.get(path, 0)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")

    def end(self) -> None:
        self._next_seq[getattr(self, "_path", None)] = self._seq
        if self._file is not None:
            self._file.close()
            self._file = None

    def add(self, type_: str, t_ns: int | None = None, **fields: Any) -> dict[str, Any]:
        record: dict[str, Any] = {
            "seq": self._seq,
            "t_ns": t_ns if t_ns is not None else time.monotonic_ns(),
            "utc": utc_now_iso(),
            "type": type_,
        }
        record.update(self.redactor.value(fields))
        self._seq += 1
        self.records.append(record)
        if self._file is not None:
            self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._file.flush()
        return record

    def step(self, text: str) -> None:
        self.add("step", text=text)

    def finding(self, text: str, severity: str = "error") -> None:
        self.add("finding", text=text, severity=severity)

    def frames(self, direction: str | None = None) -> Iterable[dict[str, Any]]:
        return (
            r for r in self.records if r["type"] == "frame" and (direction is None or r["direction"] == direction)
        )
