"""A trace as a sequence diagram: one row per record, Charge Point on the left, Central System on the right.

Frames sit in the column of their sender with an arrow towards the receiver; dut actions, steps, connection
events, findings and the verdict are full-width rows. Times are seconds since the first record of the case.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from harness.kpi import NS_PER_S

COMPACT_LIMIT = 160


@dataclass
class TimelineRow:
    kind: str                   # frame / dut / step / connection / finding / verdict / traceback / other
    seq: int
    offset: str                 # "+1.234"
    side: str = ""              # frames: "cp" (sent by the charge point) or "cs" (sent by the harness)
    arrow: str = ""
    message_type: str = ""
    action: str = ""
    unique_id: str = ""
    compact: str = ""           # the payload in one line, cut at COMPACT_LIMIT
    full: str = ""              # the payload pretty-printed, when the compact form was cut
    findings: list[str] = field(default_factory=list)
    text: str = ""              # full-width rows
    tone: str = ""              # "bad" / "warn" / "ok" / "" for colouring
    utc: str = ""


def _json_line(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _compact(record: dict) -> tuple[str, str]:
    payload = record.get("payload")
    if record.get("message_type") == "CALLERROR":
        body = f"{record.get('error_code') or ''} {_json_line(payload) if payload else ''}".strip()
    elif payload is not None:
        body = _json_line(payload)
    else:
        body = str(record.get("raw") or "")
    if len(body) <= COMPACT_LIMIT:
        return body, ""
    full = json.dumps(payload, ensure_ascii=False, indent=2) if isinstance(payload, dict) else body
    return body[:COMPACT_LIMIT - 1] + "…", full


def _args(args) -> str:
    if not isinstance(args, dict) or not args:
        return ""
    return " " + ", ".join(f"{k}={v}" for k, v in args.items())


def timeline(records: list[dict]) -> list[TimelineRow]:
    t0 = next((r["t_ns"] for r in records if isinstance(r.get("t_ns"), int)), None)
    rows = []
    for r in records:
        t = r.get("t_ns")
        offset = f"+{(t - t0) / NS_PER_S:.3f}" if isinstance(t, int) and t0 is not None else ""
        row = TimelineRow(kind=str(r.get("type") or "other"), seq=r.get("seq", -1), offset=offset,
                          utc=str(r.get("utc") or ""))
        kind = row.kind
        if kind == "frame":
            from_cp = r.get("direction") == "cp->cs"
            row.side = "cp" if from_cp else "cs"
            row.arrow = "→" if from_cp else "←"
            row.message_type = str(r.get("message_type") or "unparsable")
            row.action = str(r.get("action") or "")
            row.unique_id = str(r.get("unique_id") or "")
            row.compact, row.full = _compact(r)
            row.findings = [str(f) for f in r.get("findings") or []]
            row.tone = "bad" if row.findings or row.message_type in ("CALLERROR", "unparsable") else ""
        elif kind == "dut":
            outcome = r.get("outcome") or ""
            answer = f" — answer: {r.get('answer')}" if r.get("answer") not in (None, "") else ""
            row.text = f"DUT {r.get('action')}{_args(r.get('args'))} → {outcome}{answer}"
            row.tone = "warn" if outcome == "unsupported" else ""
        elif kind == "step":
            row.text = str(r.get("text") or "")
        elif kind == "connection":
            detail = r.get("detail")
            detail = _json_line(detail) if isinstance(detail, (dict, list)) else str(detail or "")
            row.text = f"connection {r.get('event')}" + (f": {detail}" if detail else "")
            row.tone = "bad" if r.get("event") == "refused" else ""
        elif kind == "finding":
            row.text = str(r.get("text") or "")
            row.tone = "bad" if r.get("severity", "error") == "error" else "warn"
        elif kind == "verdict":
            verdict = str(r.get("verdict") or "")
            row.text = verdict + (f": {r.get('reason')}" if r.get("reason") else "")
            row.tone = {"passed": "ok", "not_applicable": ""}.get(verdict, "bad")
        elif kind == "traceback":                     # a harness error: the Python traceback, as it was
            row.text, row.tone = str(r.get("text") or ""), "bad"
        else:
            row.text = _json_line({k: v for k, v in r.items() if k not in ("seq", "t_ns", "utc")})
        rows.append(row)
    return rows
