"""The frame trace: every frame, connection event, physical action and step, as it happened.

The trace is the evidence behind a verdict and the input of the KPIs, so it is written the moment a record
exists (one JSON line), stamped with ``time.monotonic_ns()`` for durations and UTC for people.
Its format is ``docs/contracts.md`` §3.

Every record is written at once; when it reaches the disk (issue 12, harness overhead):

- a finding, a connection event, a physical action, a verdict, any record but a frame or a step, is flushed
  at once, with everything written before it;
- a frame or a step (the records of every CALL round trip) is flushed with the next such record, at the end
  of the section (:meth:`Trace.end`: the end of each case, and of the run, interrupted or not), or at most
  :data:`FLUSH_INTERVAL_S` after it was written (a timer on the running event loop; with no loop running in
  the thread, at once). So a CALL round trip costs no flush of its own where it cost three, every record
  keeps its own ``t_ns`` stamped when the frame was read or sent, and a run cut off by SIGINT/SIGTERM loses
  nothing (the session closes the file); only a process killed outright may lose its last 0.1 s of frames.

Secrets are removed here, at the single place every record passes through: the redactor replaces each
known secret string (the Basic-auth password, AuthorizationKey values) wherever it appears. A record is
first written as JSON as it is; only when that text holds a secret or the word ``AuthorizationKey`` is the
record walked and redacted (the result is the same, the walk is skipped for the frames that need none).
A record keeps the payload objects it was given (the wire's dicts, which nothing changes afterwards).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, TextIO

REDACTED = "***"


#: Characters JSON leaves unescaped that ``str.splitlines`` (and so many a JSONL reader) takes for line ends.
_LINE_BREAKS_IN_JSON = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


#: How long a frame may wait in the file's buffer before it is flushed (see the module's docstring).
FLUSH_INTERVAL_S = 0.1

#: ``json.dumps(value, ensure_ascii=False)`` without building an encoder per call; a circular value raises
#: RecursionError instead of ValueError (:meth:`Trace.add` then takes the general path, which raises as before)
_encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
#: a string as ``json.dumps(text, ensure_ascii=False)`` writes it
_encode_string = json.encoder.encode_basestring

#: the record types flushed by the timer rather than at once (see the module's docstring)
_BUFFERED = frozenset({"frame", "step"})


def json_line(value: Any) -> str:
    """``value`` as one JSONL line (with its ``\\n``): UTF-8 characters kept, except U+0085, U+2028 and U+2029,
    which are escaped so a line a charger's payload holds them in stays one line for every reader."""
    return _line(json.dumps(value, ensure_ascii=False))


def _line(dumped: str) -> str:
    """The JSONL line of a ``json.dumps(..., ensure_ascii=False)`` text (the translation only when needed)."""
    if "\x85" in dumped or "\u2028" in dumped or "\u2029" in dumped:
        dumped = dumped.translate(_LINE_BREAKS_IN_JSON)
    return dumped + "\n"


_utc_second: tuple[int, str] = (-1, "")


def utc_now_iso() -> str:
    """UTC now as ISO 8601 with milliseconds and ``Z``, the format of every timestamp the harness writes."""
    global _utc_second
    seconds, ns = divmod(time.time_ns(), 1_000_000_000)
    if _utc_second[0] != seconds:   # formatted once a second: three records per CALL round trip need it
        _utc_second = (seconds, datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{_utc_second[1]}.{ns // 1_000_000:03d}Z"


@dataclass
class Redactor:
    """Replaces secrets in text and in parsed payloads.

    Besides literal secrets, the value of an ``AuthorizationKey`` being set through ChangeConfiguration is a
    secret by nature, whatever it is: it is blanked both in the raw frame and in the payload.
    """

    secrets: set[str] = field(default_factory=set)
    #: each secret as it appears inside a JSON string (ensure_ascii=False), for :meth:`touches`
    _escaped: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    _AUTH_KEY_IN_RAW = re.compile(r'("key"\s*:\s*"AuthorizationKey"\s*,\s*"value"\s*:\s*")([^"]*)(")')

    def add(self, secret: str | None) -> None:
        if secret:
            self.secrets.add(secret)

    def touches(self, dumped: str) -> bool:
        """Whether redacting could change the value whose ``json.dumps(..., ensure_ascii=False)`` is ``dumped``:
        JSON writes a string character by character, so a string holding a secret shows the secret's own
        JSON form, and an AuthorizationKey (in a raw frame or as a ``key``) shows the word."""
        if "AuthorizationKey" in dumped:
            return True
        for secret in self.secrets:
            escaped = self._escaped.get(secret)
            if escaped is None:
                escaped = self._escaped[secret] = json.dumps(secret, ensure_ascii=False)[1:-1]
            if escaped in dumped:
                return True
        return False

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
        self._flush_timer: asyncio.TimerHandle | None = None
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
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def flush(self) -> None:
        """Put every record written so far on the disk."""
        if self._file is not None:
            self._file.flush()

    def add(self, type_: str, t_ns: int | None = None, **fields: Any) -> dict[str, Any]:
        record: dict[str, Any] = {
            "seq": self._seq,
            "t_ns": t_ns if t_ns is not None else time.monotonic_ns(),
            "utc": utc_now_iso(),
            "type": type_,
        }
        record.update(fields)
        try:
            if type_ == "step" and len(fields) == 1 and type(fields.get("text")) is str \
                    and type(record["t_ns"]) is int:
                # what json.dumps writes for this record, a step of every CALL, without the encoder's set-up
                dumped: str | None = (f'{{"seq": {record["seq"]}, "t_ns": {record["t_ns"]}, "utc": '
                                      f'"{record["utc"]}", "type": "step", "text": {_encode_string(fields["text"])}}}')
            else:
                dumped = _encode(record)
        except (TypeError, ValueError, RecursionError):
            dumped = None
        if dumped is None or self.redactor.touches(dumped):
            record.update(self.redactor.value(fields))
            dumped = None
        self._seq += 1
        self.records.append(record)
        if self._file is not None:
            self._file.write(json_line(record) if dumped is None else _line(dumped))
            if type_ in _BUFFERED:
                self._flush_later()
            else:
                self._file.flush()
        return record

    def _flush_later(self) -> None:
        if self._flush_timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:        # no event loop in this thread: nothing would run the timer
            self._file.flush()  # type: ignore[union-attr]
            return
        self._flush_timer = loop.call_later(FLUSH_INTERVAL_S, self._timed_flush)

    def _timed_flush(self) -> None:
        self._flush_timer = None
        self.flush()

    def step(self, text: str) -> None:
        self.add("step", text=text)

    def finding(self, text: str, severity: str = "error") -> None:
        self.add("finding", text=text, severity=severity)

    def frames(self, direction: str | None = None) -> Iterable[dict[str, Any]]:
        return (
            r for r in self.records if r["type"] == "frame" and (direction is None or r["direction"] == direction)
        )
