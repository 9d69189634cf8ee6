"""SIGINT and SIGTERM in the middle of a run (harness/interrupt.py, issue 12): what the handlers do wherever the
signal lands. Real signals, sent to this process with ``signal.raise_signal`` (delivered before it returns) or
from a loop callback; the exit and the kill of a hard stop are recorded instead of done."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest

from harness import console, interrupt
from harness.interrupt import CaseInterrupted, InterruptGuard, Interruption


class Recorder:
    """The exit and the kill of a hard stop, recorded; ``exited`` is set when the guard would have exited."""

    def __init__(self) -> None:
        self.codes: list[int] = []
        self.killed: list[tuple[int, int]] = []
        self.exited = threading.Event()

    def exit(self, code: int) -> None:
        self.codes.append(code)
        self.exited.set()

    def kill(self, group: int, number: int) -> None:
        self.killed.append((group, number))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def guard(recorder: Recorder) -> Iterator[InterruptGuard]:
    guard = InterruptGuard(deadline_s=30.0, exit=recorder.exit, kill=recorder.kill)
    assert guard.install()
    try:
        yield guard
    finally:
        guard.uninstall()


def test_the_reason_names_the_signal_and_the_time_into_the_case() -> None:
    stopped = Interruption("SIGINT", monotonic=112.34, utc="2026-01-01T00:00:00.000Z", case_id="TC_010_CS",
                           case_started=100.0, stopped_case=True)
    assert stopped.reason == "interrupted by SIGINT at +12.3 s of the case"
    assert stopped.summary() == "interrupted by SIGINT at +12.3 s of TC_010_CS"
    assert stopped.exit_code == 130
    assert stopped.run_info() == {"signal": "SIGINT", "utc": "2026-01-01T00:00:00.000Z", "case": "TC_010_CS",
                                  "into_case_s": 12.34, "reason": "interrupted by SIGINT at +12.3 s of TC_010_CS"}


def test_sigterm_exits_143_and_a_signal_between_cases_cuts_no_case_off() -> None:
    stopped = Interruption("SIGTERM", monotonic=5.0, utc="u")
    assert stopped.exit_code == 143
    assert stopped.summary() == "interrupted by SIGTERM; no case was cut off"
    assert stopped.run_info()["case"] is None and stopped.run_info()["into_case_s"] is None


def test_the_controller_of_a_parallel_run_names_the_cases_its_workers_cut_off(tmp_path: Path) -> None:
    (tmp_path / "traces").mkdir()
    for name in ("_session-gw0", "_session-gw1", "TC_001_CS", "TC_003_CS", "TC_011_2_CS"):
        (tmp_path / "traces" / f"{name}.jsonl").write_text("{}\n", encoding="utf-8")
    (tmp_path / "results.jsonl").write_text('{"id": "TC_003_CS", "verdict": "passed"}\n{"trunc', encoding="utf-8")
    cut = interrupt.cut_off(tmp_path)
    assert cut == ["TC_001_CS", "TC_011_2_CS"]
    stopped = Interruption("SIGINT", monotonic=5.0, utc="u")
    assert stopped.summary(cut) == "interrupted by SIGINT (cut off: TC_001_CS, TC_011_2_CS)"
    assert stopped.run_info(cut)["cut_off"] == cut and stopped.run_info(cut)["reason"] == stopped.summary(cut)
    assert interrupt.cut_off(tmp_path / "no-such-run") == []


def test_the_runner_task_is_the_one_asyncio_runner_drives() -> None:
    async def case() -> bool:
        return interrupt.runner_task(sys._getframe()) is asyncio.current_task()

    with asyncio.Runner() as runner:
        assert runner.run(case())
    assert interrupt.runner_task(sys._getframe()) is None


def test_a_signal_in_a_case_cancels_its_task_and_only_it(guard: InterruptGuard) -> None:
    """The case's task is cancelled at once (the loop is woken); a task beside it (a connection handler)
    goes on; the listener hears of it."""
    heard: list[Interruption] = []
    guard.on_interrupt(heard.append)
    beside_done = asyncio.Event()

    async def case() -> None:
        async def beside() -> None:
            await asyncio.sleep(0)
            beside_done.set()

        asyncio.get_running_loop().call_soon(signal.raise_signal, signal.SIGTERM)
        other = asyncio.ensure_future(beside())
        await asyncio.Event().wait()        # a step that waits for what never comes
        await other

    guard.begin_case("TC_004_2_CS", guard.clock())
    with asyncio.Runner() as runner:
        with pytest.raises(asyncio.CancelledError):
            runner.run(case())
        runner.run(asyncio.wait_for(beside_done.wait(), 1.0))
    stopped = guard.interruption
    assert stopped is not None and stopped.signal == "SIGTERM" and stopped.stopped_case
    assert stopped.case_id == "TC_004_2_CS" and stopped.reason.startswith("interrupted by SIGTERM at +0.")
    assert heard == [stopped]


def test_outside_a_case_and_any_loop_the_signal_raises_keyboard_interrupt(guard: InterruptGuard) -> None:
    """Collection, or between two cases: pytest's own handling of KeyboardInterrupt stops and reports."""
    with pytest.raises(interrupt.Interrupted, match="^interrupted by SIGINT$"):
        signal.raise_signal(signal.SIGINT)
    assert guard.interruption is not None and not guard.interruption.stopped_case


def test_between_two_phases_of_a_case_the_next_phase_is_refused(guard: InterruptGuard) -> None:
    """No task to cancel (pytest is writing a report): nothing is raised into pytest's code; the next
    phase of the case is refused instead."""
    guard.begin_case("TC_010_CS", guard.clock())
    signal.raise_signal(signal.SIGINT)                       # no exception here
    with pytest.raises(CaseInterrupted, match="interrupted by SIGINT at"):
        guard.check()
    assert guard.interruption is not None and guard.interruption.stopped_case


def test_a_shielded_stop_is_not_cancelled(guard: InterruptGuard) -> None:
    async def stop() -> str:
        asyncio.get_running_loop().call_soon(signal.raise_signal, signal.SIGINT)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return "stopped"

    guard.begin_case("TC_010_CS", guard.clock())
    with guard.shielded(), asyncio.Runner() as runner:
        assert runner.run(stop()) == "stopped"
    assert guard.interruption is not None and not guard.interruption.stopped_case


def test_after_settle_a_signal_is_only_recorded(guard: InterruptGuard) -> None:
    guard.settle()
    signal.raise_signal(signal.SIGTERM)                      # the report is being written: no exception
    assert guard.interruption is not None and guard.interruption.signal == "SIGTERM"


def test_a_second_signal_kills_what_the_harness_started_and_exits_at_once(guard: InterruptGuard,
                                                                          recorder: Recorder) -> None:
    guard.settle()
    guard.track(4242)
    signal.raise_signal(signal.SIGINT)
    assert recorder.codes == []
    signal.raise_signal(signal.SIGTERM)
    assert recorder.codes == [130]                          # the first signal's code
    assert recorder.killed == [(4242, signal.SIGKILL)]


def test_the_same_signal_again_within_a_second_is_the_same_interruption(recorder: Recorder) -> None:
    """Ctrl-C reaches a worker of a parallel run twice: from the terminal, and forwarded by the controller."""
    now = [100.0]
    guard = InterruptGuard(deadline_s=30.0, exit=recorder.exit, kill=recorder.kill, clock=lambda: now[0])
    assert guard.install()
    try:
        guard.settle()
        signal.raise_signal(signal.SIGINT)
        now[0] += interrupt.DUPLICATE_WITHIN_S / 2
        signal.raise_signal(signal.SIGINT)
        assert recorder.codes == []
        now[0] += interrupt.DUPLICATE_WITHIN_S
        signal.raise_signal(signal.SIGINT)                  # a person who means it
        assert recorder.codes == [130]
    finally:
        guard.uninstall()


def test_the_controller_of_a_parallel_run_finds_its_workers() -> None:
    worker = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        assert worker.pid in interrupt.children(os.getpid())
        assert worker.pid not in interrupt.children(worker.pid)
    finally:
        worker.communicate(b"", timeout=10)


def test_the_watchdog_stops_hard_at_the_deadline(recorder: Recorder) -> None:
    guard = InterruptGuard(deadline_s=0.2, exit=recorder.exit, kill=recorder.kill)
    assert guard.install()
    try:
        guard.settle()
        guard.track(4343)
        signal.raise_signal(signal.SIGTERM)
        assert recorder.exited.wait(5.0), "the watchdog did not stop the process"
        assert recorder.codes == [143] and recorder.killed == [(4343, signal.SIGKILL)]
    finally:
        guard.uninstall()


def test_the_watchdog_cancels_again_a_case_that_swallowed_its_cancellation(recorder: Recorder) -> None:
    guard = InterruptGuard(deadline_s=10.0, recancel_every_s=0.05, exit=recorder.exit, kill=recorder.kill)
    assert guard.install()
    swallowed = []

    async def stubborn() -> None:
        asyncio.get_running_loop().call_soon(signal.raise_signal, signal.SIGINT)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            swallowed.append(True)                       # a bug in a case: it goes on waiting
        await asyncio.Event().wait()

    try:
        guard.begin_case("TC_001_CS", guard.clock())
        with asyncio.Runner() as runner, pytest.raises(asyncio.CancelledError):
            runner.run(stubborn())
    finally:
        guard.uninstall()
    assert swallowed == [True] and recorder.codes == []


def test_uninstall_restores_the_handlers_and_kills_a_process_group_never_stopped(recorder: Recorder) -> None:
    before = {number: signal.getsignal(number) for number in interrupt.SIGNALS}
    guard = InterruptGuard(exit=recorder.exit, kill=recorder.kill)
    assert guard.install()
    guard.track(11)
    guard.track(12)
    guard.untrack(12)                                     # stopped properly
    guard.uninstall()
    assert {number: signal.getsignal(number) for number in interrupt.SIGNALS} == before
    assert recorder.killed == [(11, signal.SIGKILL)]


def test_not_installed_outside_the_main_thread() -> None:
    installed: list[bool] = []
    thread = threading.Thread(target=lambda: installed.append(InterruptGuard().install()))
    thread.start()
    thread.join(5)
    assert installed == [False]


def test_the_notice_goes_to_the_stderr_the_run_began_with(recorder: Recorder) -> None:
    """pytest points fd 2 elsewhere while a case runs: the notice still reaches the run's own stderr."""
    read, write = os.pipe()
    saved = os.dup(2)
    guard = InterruptGuard(exit=recorder.exit, kill=recorder.kill)
    try:
        os.dup2(write, 2)                   # the stderr the run began with
        assert guard.install()
        os.dup2(saved, 2)                   # a case's capture takes fd 2 over
        guard.say("ocpp-harness: a notice")
    finally:
        os.dup2(saved, 2)
        guard.uninstall()
        os.close(saved)
        os.close(write)
    with os.fdopen(read) as pipe:
        assert pipe.read() == "ocpp-harness: a notice\n"


def test_the_console_line_of_the_interrupted_case() -> None:
    lines = interrupt.case_lines({"id": "TC_004_2_CS", "title": "Regular Charging Session – ConnectionTimeOut",
                                  "reason": "interrupted by SIGINT at +1.2 s of the case", "duration_s": 1.234},
                                 2, 82)
    assert [console.render(line, colour=False) for line in lines] == [
        "[ 2/82] TC_004_2_CS  Regular Charging Session – ConnectionTimeOut  interrupted  1.23 s",
        "        interrupted by SIGINT at +1.2 s of the case",
    ]


def test_the_module_guard_is_installed_once_and_tracks_for_the_simulator_adapter() -> None:
    assert interrupt.guard() is None
    first = interrupt.install()
    try:
        assert first is not None and interrupt.install() is first
        interrupt.track(os.getpid() + 10_000_000)       # no such group: uninstall's kill fails quietly
        assert interrupt.interruption() is None
    finally:
        interrupt.uninstall()
    assert interrupt.guard() is None
