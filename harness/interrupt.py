"""Interrupted runs (issue 12): SIGINT or SIGTERM in the middle of ``ocpp-harness run``.

What a signal does, whatever the run is doing at that moment:

- the case in progress is cancelled (its asyncio task, the one the event loop is driving), so it ends within
  milliseconds; it gets no verdict: its trace ends with "interrupted by SIGINT at +12.3 s of the case" and has
  no row in ``results.jsonl``, which is what the report calls a case that "started but did not finish";
- no further case starts (pytest's ``session.shouldstop``);
- what the run started is stopped as on a normal end: the reference charge point, the Central System, the
  file servers; ``run.json`` records the interruption (and keeps ``ended_utc`` null: the run did not end);
- the report of what finished is written, and ``ocpp-harness run`` exits 130 (SIGINT) or 143 (SIGTERM).

Bounded: a watchdog thread started with the first signal kills what the harness started (the reference charge
point's process group) and exits at :data:`HARD_STOP_AFTER_S` if the orderly stop has not finished, so the
process always ends within :data:`DEADLINE_S`. A second signal stops at once the same way.

This module knows nothing of pytest: the plug-in tells it which case runs (:meth:`InterruptGuard.begin_case`)
and listens for the interruption (:meth:`InterruptGuard.on_interrupt`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Callable, Iterator, Mapping

from harness import console
from harness.csms.trace import utc_now_iso

#: ``ocpp-harness run``'s exit code after each signal: 128 + the signal's number, the code a shell gives a
#: command that a signal ended (what CI systems show for a cancelled job), and never 1, so a gate can tell a
#: run that was stopped from outside (a partial report) from a complete run a charger did not pass.
EXIT_CODES = {"SIGINT": 130, "SIGTERM": 143}
SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: The promise: the process ends this long after the first signal at the latest.
DEADLINE_S = 5.0
#: Where the watchdog stops waiting for the orderly stop: kill what the harness started, exit.
HARD_STOP_AFTER_S = 4.5
#: How often the watchdog cancels again a case task that swallowed its cancellation.
RECANCEL_EVERY_S = 0.5
#: The same signal again this soon is the same interruption (Ctrl-C reaches the workers of a parallel run
#: from the terminal and from the controller, which forwards it), not a request to stop at once.
DUPLICATE_WITHIN_S = 1.0
#: The code of asyncio.Runner.run, which pytest-asyncio runs every async fixture and test in: its local
#: ``task`` is the task asyncio's own SIGINT handling would cancel (Runner._on_sigint).
_RUNNER_RUN = asyncio.Runner.run.__code__


class CaseInterrupted(Exception):
    """Raised into a case that the signal caught outside its asyncio task (between two of its phases)."""


class Interrupted(KeyboardInterrupt):
    """Raised where the signal caught pytest's own code (collection, between two cases, a parallel run's
    controller): pytest stops as on Ctrl-C, without a traceback of where the signal happened to land."""


@dataclass
class Interruption:
    """One signal's story: which, when, and which case it cut off (None: between cases, or at the start)."""

    signal: str
    monotonic: float
    utc: str
    case_id: str | None = None
    case_started: float | None = None
    #: True once the case in progress was actually stopped (its task cancelled, or a phase refused)
    stopped_case: bool = False

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.signal, 1)

    @property
    def into_case_s(self) -> float | None:
        if self.case_started is None:
            return None
        return max(0.0, self.monotonic - self.case_started)

    @property
    def reason(self) -> str:
        """The case's mark: "interrupted by SIGINT at +12.3 s of the case"."""
        if self.into_case_s is None:
            return f"interrupted by {self.signal}"
        return f"interrupted by {self.signal} at +{self.into_case_s:.1f} s of the case"

    def summary(self, cut_off: list[str] | None = None) -> str:
        """For the run: "interrupted by SIGINT at +12.3 s of TC_002_CS". ``cut_off``: the cases a parallel
        run's workers cut off (its controller runs none)."""
        if self.case_id is not None and self.stopped_case:
            return f"interrupted by {self.signal} at +{self.into_case_s or 0.0:.1f} s of {self.case_id}"
        if cut_off:
            return f"interrupted by {self.signal} (cut off: {', '.join(cut_off)})"
        return f"interrupted by {self.signal}; no case was cut off"

    def run_info(self, cut_off: list[str] | None = None) -> dict[str, Any]:
        """What ``run.json`` records under ``"interrupted"``."""
        info = {"signal": self.signal, "utc": self.utc, "case": self.case_id if self.stopped_case else None,
                "into_case_s": round(self.into_case_s, 3) if self.stopped_case and self.into_case_s is not None
                else None, "reason": self.summary(cut_off)}
        return info if cut_off is None else {**info, "cut_off": cut_off}


def cut_off(run_dir: Path) -> list[str]:
    """The cases of a run directory that began and have no result: the ones a signal cut off (in a parallel
    run, one per worker), in the order of their traces' names."""
    finished = set()
    with contextlib.suppress(OSError):
        for line in (run_dir / "results.jsonl").read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError, AttributeError):
                finished.add(json.loads(line).get("id"))
    return sorted(path.stem for path in (run_dir / "traces").glob("*.jsonl")
                  if not path.stem.startswith("_") and path.stem not in finished)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc; none where there is no /proc)."""
    found = []
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rpartition(b")")[2].split()
            except OSError:
                continue                    # ended meanwhile
            if len(fields) > 1 and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def runner_task(frame: FrameType | None) -> "asyncio.Future[Any] | None":
    """The task an ``asyncio.Runner`` on the interrupted thread's stack is driving, or None: the test or
    fixture coroutine pytest-asyncio runs (and not the Central System's connection handlers beside it)."""
    while frame is not None:
        if frame.f_code is _RUNNER_RUN:
            task = frame.f_locals.get("task")
            return task if isinstance(task, asyncio.Future) else None
        frame = frame.f_back
    return None


@dataclass
class InterruptGuard:
    """The SIGINT and SIGTERM handlers of a run. ``exit``, ``kill`` and ``clock`` are there for the tests."""

    deadline_s: float = HARD_STOP_AFTER_S
    recancel_every_s: float = RECANCEL_EVERY_S
    exit: Callable[[int], Any] = os._exit
    kill: Callable[[int, int], None] = os.killpg
    clock: Callable[[], float] = time.monotonic
    interruption: Interruption | None = None
    #: process groups the harness started (the reference charge point): killed on a hard stop
    process_groups: set[int] = field(default_factory=set)
    _listeners: list[Callable[[Interruption], None]] = field(default_factory=list)
    _case: tuple[str, float] | None = None
    _shielded: int = 0
    _cancelled: "asyncio.Future[Any] | None" = None
    _previous: dict[int, Any] = field(default_factory=dict)
    _stderr: int | None = None
    _watchdog: threading.Thread | None = None
    _ended: threading.Event = field(default_factory=threading.Event)
    #: the report, once written: a hard stop after it says so
    report: str | None = None
    #: the controller of a parallel run: pass the signal on to the workers (each stops its own case and
    #: reference charge point), which a SIGTERM sent to the controller alone would not reach
    forward_to_children: bool = False
    #: a worker of a parallel run: the controller tells the person (one notice, not one per worker)
    quiet: bool = False

    # ----------------------------------------------------------------- install

    def install(self) -> bool:
        """Take SIGINT and SIGTERM (main thread only: False elsewhere, e.g. an embedding that runs pytest in
        a thread, where the default behaviour stays)."""
        if threading.current_thread() is not threading.main_thread():
            return False
        for number in SIGNALS:
            self._previous[number] = signal.getsignal(number)
            signal.signal(number, self._handle)
        # pytest captures fd 2 during each case: notices go to the stderr the run was started with
        self._stderr = os.dup(2)
        return True

    def uninstall(self) -> None:
        """Give the signals back; a process group the harness started and never stopped dies here, so no
        reference charge point outlives the run."""
        for group in sorted(self.process_groups):
            with contextlib.suppress(OSError):
                self.kill(group, signal.SIGKILL)
        self.process_groups.clear()
        for number, previous in self._previous.items():
            if signal.getsignal(number) == self._handle:
                signal.signal(number, previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()
        self._ended.set()
        if self._stderr is not None:
            os.close(self._stderr)
            self._stderr = None

    def on_interrupt(self, listener: Callable[[Interruption], None]) -> None:
        """``listener(interruption)`` runs inside the signal handler: it must only set flags."""
        self._listeners.append(listener)

    # ----------------------------------------------------------------- what runs

    def begin_case(self, case_id: str, started_monotonic: float) -> None:
        self._case = (case_id, started_monotonic)

    def end_case(self) -> None:
        self._case = None

    @property
    def in_case(self) -> bool:
        return self._case is not None

    @contextlib.contextmanager
    def shielded(self) -> Iterator[None]:
        """The orderly stop and the report: a signal here is recorded, and cancels nothing."""
        self._shielded += 1
        try:
            yield
        finally:
            self._shielded -= 1

    def settle(self) -> None:
        """The run's cases are over (pytest's session finish, the report): from here on a signal cancels
        nothing and raises nothing; it is recorded, and the deadline holds."""
        self._shielded += 1

    def check(self) -> None:
        """Before each phase and each fixture of a case: a case the signal caught outside its asyncio task
        (pytest between two of its fixtures or phases) goes no further."""
        interruption = self.interruption
        if interruption is not None and self._case is not None and interruption.case_id == self._case[0] \
                and not self._shielded:
            interruption.stopped_case = True
            raise CaseInterrupted(interruption.reason)

    def track(self, pid: int) -> None:
        """A process group the harness started (``start_new_session``): a hard stop kills it."""
        self.process_groups.add(pid)

    def untrack(self, pid: int) -> None:
        self.process_groups.discard(pid)

    # ----------------------------------------------------------------- the signal

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.interruption is not None:
            if name == self.interruption.signal and self.clock() - self.interruption.monotonic < DUPLICATE_WITHIN_S:
                return
            self.hard_stop(f"{name} again: stopped at once")
            return
        case_id, started = self._case if self._case is not None else (None, None)
        interruption = Interruption(name, self.clock(), utc_now_iso(), case_id, started)
        self.interruption = interruption
        self.say(f"ocpp-harness: {name}: stopping the case in progress and what the run started (the reference "
                 f"charge point, the file servers), then writing the report of what finished ({name} again: stop at "
                 "once, without the report)")
        self._start_watchdog()
        if self.forward_to_children:
            for child in children(os.getpid()):
                with contextlib.suppress(OSError):
                    os.kill(child, signum)
        raising = self._stop_what_runs(interruption, frame)
        for listener in self._listeners:
            listener(interruption)
        if raising:
            raise Interrupted(f"interrupted by {name}")   # pytest's own code: it stops, tears down, reports

    def _stop_what_runs(self, interruption: Interruption, frame: FrameType | None) -> bool:
        """Cancel the task of the case in progress; True where the signal must rather raise
        KeyboardInterrupt (outside any case and any event loop: collection, between two cases)."""
        if self._shielded:
            return False                            # the orderly stop is already under way: let it finish
        task = runner_task(frame)
        if task is not None:
            if task.cancel(interruption.reason):
                interruption.stopped_case = self._case is not None
                self._cancelled = task
                task.get_loop().call_soon_threadsafe(lambda: None)   # wake a selector that waits long
            return False
        return self._case is None       # in a case between two phases: check() stops it before the next one

    def say(self, text: str) -> None:
        """A line on the run's own stderr, safe inside a signal handler (one ``write``, no Python buffer)."""
        if self._stderr is None or self.quiet:
            return
        with contextlib.suppress(OSError):
            os.write(self._stderr, (text + "\n").encode("utf-8", "replace"))

    # ----------------------------------------------------------------- the deadline

    def _start_watchdog(self) -> None:
        self._watchdog = threading.Thread(target=self._watch, name="ocpp-harness-interrupt", daemon=True)
        self._watchdog.start()

    def _watch(self) -> None:
        """Wait for the process to end (``uninstall`` or exit); cancel again a case that swallowed its
        cancellation; at the deadline, stop hard."""
        assert self.interruption is not None
        until = self.interruption.monotonic + self.deadline_s
        while (remaining := until - self.clock()) > 0:
            if self._ended.wait(min(self.recancel_every_s, remaining)):
                return
            task = self._cancelled
            if task is not None and not task.done() and not self._shielded:
                with contextlib.suppress(RuntimeError):      # the loop closed meanwhile
                    task.get_loop().call_soon_threadsafe(task.cancel, self.interruption.reason)
        self.hard_stop(f"the orderly stop did not finish within {self.deadline_s:.1f} s of {self.interruption.signal}")

    def hard_stop(self, why: str) -> None:
        """Kill what the harness started and exit now; the report can be rendered later from the run
        directory (``ocpp-harness report RUN_DIR``)."""
        for group in sorted(self.process_groups):
            with contextlib.suppress(OSError):
                self.kill(group, signal.SIGKILL)
        code = self.interruption.exit_code if self.interruption is not None else 1
        report = (f"the report is {self.report}" if self.report else
                  "the report was not written (ocpp-harness report RUN_DIR renders it)")
        self.say(f"ocpp-harness: {why}; the reference charge point was killed; {report}; exit code {code}")
        self.exit(code)


def case_lines(case: Mapping[str, Any], done: int, total: int) -> list[console.Line]:
    """The console's lines for the case a signal cut off, in the form of a finished case's lines:
    ``[ 2/82] TC_002_CS    Cold Boot Charge Point – Pending  interrupted  1.20 s`` and the reason below."""
    head = (console.Segment(f"{console.progress(done, total)} {str(case.get('id', '?')):<{console.ID_WIDTH}}  "
                            f"{case.get('title', '')}  "),
            console.Segment("interrupted", "yellow"),
            console.Segment(f"  {console.duration(case.get('duration_s'))}" if case.get("duration_s") is not None
                            else ""))
    return [head, (console.Segment(console.REASON_INDENT + str(case.get("reason", ""))),)]


#: The guard of this process, while one is installed.
_guard: InterruptGuard | None = None


def install() -> InterruptGuard | None:
    """Install the process's guard (once); None where signals cannot be taken (not the main thread)."""
    global _guard
    if _guard is None:
        guard = InterruptGuard()
        if not guard.install():
            return None
        _guard = guard
    return _guard


def uninstall() -> None:
    global _guard
    if _guard is not None:
        _guard.uninstall()
        _guard = None


def guard() -> InterruptGuard | None:
    return _guard


def interruption() -> Interruption | None:
    return _guard.interruption if _guard is not None else None


def track(pid: int) -> None:
    if _guard is not None:
        _guard.track(pid)


def untrack(pid: int) -> None:
    if _guard is not None:
        _guard.untrack(pid)
