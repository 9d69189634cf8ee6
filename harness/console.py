"""The console of ``ocpp-harness run``: what a person at the bench reads while the run goes on.

One line per case the moment it ends (progress count, OCTT id, title, verdict, duration), the full reason
under a case that failed, was inconclusive, hit a harness error or was not run, and at the end the count of
each verdict and where the report is. The reason is the very text of ``results.jsonl``'s ``reason``: a
person must be able to act on it without opening the report, so it is never shortened.

Everything here is a pure function of the verdict data (the fields of a ``results.jsonl`` row), so the
format is tested without pytest or a charger; the plug-in and the CLI only write the lines out.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Iterable, Mapping, TextIO

#: The verdicts in the order the summary gives them (the order of docs/contracts.md).
VERDICTS = ("passed", "failed", "inconclusive", "not_applicable", "error", "not_run")
#: Verdicts whose reason is written in full on the lines under the case: what a person must act on.
REASON_BELOW = frozenset({"failed", "inconclusive", "error", "not_run"})
#: ANSI colour of each verdict word on a terminal (none when the output is a file or a pipe).
COLOURS = {"passed": "green", "failed": "red", "inconclusive": "yellow", "not_applicable": "dim",
           "error": "magenta", "not_run": "yellow"}
ANSI = {"green": "32", "red": "31", "yellow": "33", "magenta": "35", "dim": "2", "bold": "1"}
REASON_INDENT = " " * 8
#: The id column is as wide as the longest OCTT id (TC_043_3_CS), so the titles line up.
ID_WIDTH = 11
#: "C-07 = No: Support for local start": the PICS item and its answer, then the item's title.
PICS_ITEM_TITLE = re.compile(r"\b([A-Z]{1,3}-[0-9][0-9.]* = (?:Yes|No)): [^;]*")


@dataclass(frozen=True)
class Segment:
    """A piece of a console line; ``colour`` is a key of :data:`ANSI`, or None for plain text."""

    text: str
    colour: str | None = None


Line = tuple[Segment, ...]


def label(verdict: str) -> str:
    """"not_applicable" → "not applicable": people read words, results.jsonl keeps the identifiers."""
    return verdict.replace("_", " ")


def progress(done: int, total: int) -> str:
    """``[ 7/77]``: the count is padded to the total's width so the ids line up."""
    width = len(str(max(total, done)))
    return f"[{done:>{width}}/{total}]"


def duration(seconds: float | None) -> str:
    """Seconds with two decimals below a minute, whole seconds above (a reset case takes minutes)."""
    if seconds is None:
        return ""
    return f"{seconds:.2f} s" if seconds < 60 else f"{seconds:.0f} s"


def case_lines(result: Mapping[str, object], done: int, total: int, *, quiet: bool = False,
               repeated_reason: bool = False) -> list[Line]:
    """The lines of one finished case.

    A not-applicable case is one line with its PICS reason in brackets (no duration: it did not run), so it
    never looks like an inconclusive one, whose reason stands on its own lines below. ``repeated_reason``:
    the reason is the one just shown (every case after a stuck charger is "not run" for the same reason),
    so it is not written again. ``quiet``: only the cases a person must look at.
    """
    verdict = str(result.get("verdict", "error"))
    reason = str(result.get("reason") or "")
    if quiet and verdict in ("passed", "not_applicable"):
        return []
    head: list[Segment] = [Segment(f"{progress(done, total)} {str(result.get('id', '?')):<{ID_WIDTH}}  "
                                   f"{result.get('title', '')}  "),
                           Segment(label(verdict), COLOURS.get(verdict))]
    if verdict == "not_applicable":
        head.append(Segment(f"  ({compact(reason)})" if reason else "", "dim"))
        return [tuple(head)]
    seconds = result.get("duration_s")
    if isinstance(seconds, (int, float)) and verdict != "not_run":
        head.append(Segment(f"  {duration(float(seconds))}"))
    lines: list[Line] = [tuple(head)]
    if verdict in REASON_BELOW and reason:
        text = "(the same reason as above)" if repeated_reason else reason
        lines += [(Segment(REASON_INDENT + part),) for part in text.splitlines()]
    return lines


def compact(reason: str) -> str:
    """A not-applicable reason without the titles of the PICS items it names ("C-07 = No"): the item is
    what a person checks; results.jsonl and the report keep the whole text."""
    return PICS_ITEM_TITLE.sub(r"\1", reason)


def count(verdicts: Iterable[str]) -> dict[str, int]:
    """How many cases ended with each verdict, every verdict present (0 included)."""
    counts = dict.fromkeys(VERDICTS, 0)
    for verdict in verdicts:
        counts[verdict] = counts.get(verdict, 0) + 1
    return counts


def summary_lines(counts: Mapping[str, int], report: str | None) -> list[Line]:
    """The end of the run: every verdict with its count (zeros too, so the line always reads the same) and
    the path of the report."""
    total = sum(counts.values())
    parts: list[Segment] = [Segment(f"ocpp-harness: {total} case{'s' if total != 1 else ''}: ")]
    for index, verdict in enumerate(sorted(counts, key=_summary_rank)):
        n = counts[verdict]
        parts.append(Segment(f"{n} {label(verdict)}", COLOURS.get(verdict) if n else None))
        if index < len(counts) - 1:
            parts.append(Segment(", "))
    lines: list[Line] = [tuple(parts)]
    if total == 0:
        lines.append((Segment("ocpp-harness: no case ran"),))
    if report:
        lines.append((Segment(f"ocpp-harness: report: {report}"),))
    return lines


def _summary_rank(verdict: str) -> tuple[int, str]:
    return (VERDICTS.index(verdict) if verdict in VERDICTS else len(VERDICTS), verdict)


def render(line: Line, colour: bool) -> str:
    """The text of a line; ANSI colours only when ``colour`` (a terminal that wants them)."""
    if not colour:
        return "".join(segment.text for segment in line)
    return "".join(f"\x1b[{ANSI[s.colour]}m{s.text}\x1b[0m" if s.colour and s.text else s.text for s in line)


def wants_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour on a terminal only, and never with ``NO_COLOR`` set (https://no-color.org); ``FORCE_COLOR``
    or ``PY_COLORS=1`` force it (as for pytest)."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR") or env.get("PY_COLORS") == "1":
        return True
    if env.get("PY_COLORS") == "0" or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
