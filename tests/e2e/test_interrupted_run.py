"""An interrupted run (issue 12): SIGINT (Ctrl-C) or SIGTERM in the middle of ``ocpp-harness run``.

``ocpp-harness run`` is a real subprocess against the real reference charge point; the test waits for the
events of the run itself (a case's line on the console, the next case's trace file), never for a fixed
time, sends the signal while a case is in progress, then checks what a person and a release gate see: the
process ends within 5 s with 130 (SIGINT) or 143 (SIGTERM), the finished verdicts are kept, the case in
progress is marked as interrupted (a trace without a result, ending with the reason; no row of its own),
the report of what finished is written and says the run was interrupted, and nothing the run started is
left: no reference charge point process, no listening port.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import pytest

from tests.e2e.runner import ROOT, SEED_PICS, fast_pics

#: The promise of issue 12: the process ends this long after the signal at the latest.
EXIT_WITHIN_S = 5.0
#: The run's start (collection, the reference charge point's boot) and its first case, on two busy cores.
FIRST_CASE_WITHIN_S = 120.0
#: The next case's trace appears as soon as the first case's line is written.
NEXT_CASE_WITHIN_S = 30.0
#: A quick case to finish, a slow one to interrupt (it waits out the charger's ConnectionTimeOut), and one
#: that must never start.
FINISHED, INTERRUPTED, NEVER_STARTED = "TC_003_CS", "TC_004_2_CS", "TC_010_CS"


@dataclass
class LiveRun:
    """``ocpp-harness run`` in progress: its process (in a session of its own, like a job started from a
    shell), its run directory, and its console lines as they come."""

    process: subprocess.Popen[str]
    run_dir: Path
    lines: "queue.Queue[str | None]" = field(default_factory=queue.Queue)
    output: list[str] = field(default_factory=list)

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_until(self, condition: Callable[[], bool], within_s: float, what: str) -> None:
        """Until ``condition`` holds, waking at every console line (and at least every 50 ms, for files)."""
        deadline = time.monotonic() + within_s
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None and self.lines.empty():
                pytest.fail(f"{what} did not happen within {within_s:.0f} s; output so far:\n{self.text}")
            try:
                line = self.lines.get(timeout=min(0.05, remaining))
            except queue.Empty:
                continue
            if line is not None:
                self.output.append(line)

    def finish(self, within_s: float) -> float:
        """Wait for the process to end; the seconds it took."""
        started = time.monotonic()
        try:
            self.process.wait(timeout=within_s)
        except subprocess.TimeoutExpired:
            pytest.fail(f"ocpp-harness run did not end within {within_s:.0f} s of the signal; output:\n{self.text}")
        took = time.monotonic() - started
        while (line := self.lines.get(timeout=10)) is not None:
            self.output.append(line)
        return took

    @property
    def text(self) -> str:
        return "".join(self.output)


@pytest.fixture
def live_run(tmp_path: Path) -> Iterator[Callable[[], LiveRun]]:
    runs: list[LiveRun] = []

    def start() -> LiveRun:
        pics = fast_pics(SEED_PICS, tmp_path)
        reports = tmp_path / "reports"
        command = [sys.executable, "-m", "harness", "run", "--pics", str(pics), "--dut", "sim",
                   "--report-dir", str(reports), "--run-id", "run", "--no-cache",
                   "-k", f"{FINISHED} or {INTERRUPTED} or {NEVER_STARTED}"]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
        run = LiveRun(process, reports / "run")
        runs.append(run)
        threading.Thread(target=run.read, daemon=True).start()
        return run

    yield start
    for run in runs:                       # a failed test leaves nothing running behind it
        if run.process.poll() is None:
            os.killpg(run.process.pid, signal.SIGKILL)
            run.process.wait(timeout=10)
        for pid in simulator_pids(run.run_dir):
            os.killpg(pid, signal.SIGKILL)


def simulator_pids(run_dir: Path) -> list[int]:
    """The live reference charge point processes of this run: ``python -m simulator --state-file <run dir>/…``
    (a zombie does not count: it is dead, waiting for its parent)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue                       # ended meanwhile
        if b"simulator" in argv and str(run_dir).encode() in b" ".join(argv) and state != "Z":
            pids.append(int(entry.name))
    return pids


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def listening_ports(run_dir: Path) -> dict[str, int]:
    """What the run listened on, from its session trace: the Central System and the file servers."""
    ports = {}
    for line in (run_dir / "traces" / "_session.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("type") == "connection" and record.get("event") == "listening":
            ports["Central System"] = urlsplit(record["detail"]["url"]).port
        if record.get("type") == "file" and record.get("event") == "listening":
            ports[record["protocol"]] = urlsplit(record["url"]).port
    return ports


def refused(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def results(run_dir: Path) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in (run_dir / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    return {row["id"]: row for row in rows}


def interrupt_in_the_middle(run: LiveRun, number: signal.Signals) -> float:
    """Wait until the first case has finished and the second is under way, send the signal; the seconds from
    the signal to the end of the process."""
    run.wait_until(lambda: re.search(rf"{FINISHED}\b.*\bpassed\b", run.text) is not None, FIRST_CASE_WITHIN_S,
                   f"the console line of {FINISHED}")
    trace = run.run_dir / "traces" / f"{INTERRUPTED}.jsonl"
    run.wait_until(lambda: trace.exists() and trace.stat().st_size > 0, NEXT_CASE_WITHIN_S,
                   f"the start of {INTERRUPTED}")
    simulators = simulator_pids(run.run_dir)
    assert len(simulators) == 1, f"expected one reference charge point running, found {simulators}"
    run.simulator = simulators[0]  # type: ignore[attr-defined]
    if number is signal.SIGINT:
        os.killpg(run.process.pid, number)     # Ctrl-C: the terminal signals the whole foreground job
    else:
        os.kill(run.process.pid, number)       # kill, a CI runner's timeout: the process alone
    took = run.finish(EXIT_WITHIN_S)
    print(f"{number.name}: ocpp-harness run ended {took:.2f} s after the signal")
    return took


def assert_interrupted_run(run: LiveRun, name: str, exit_code: int, took: float) -> None:
    assert took <= EXIT_WITHIN_S
    assert run.process.returncode == exit_code, run.text

    # every finished verdict is kept; the interrupted case has no row; no case started after it
    rows = results(run.run_dir)
    assert rows[FINISHED]["verdict"] == "passed"
    assert INTERRUPTED not in rows and NEVER_STARTED not in rows
    assert not (run.run_dir / "traces" / f"{NEVER_STARTED}.jsonl").exists()

    # the interrupted case is marked: its trace ends with the reason; run.json names it
    last = json.loads((run.run_dir / "traces" / f"{INTERRUPTED}.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert last["type"] == "finding" and last["interrupted"] == name
    assert re.fullmatch(rf"interrupted by {name} at \+\d+\.\d s of the case", last["text"])
    info = json.loads((run.run_dir / "run.json").read_text(encoding="utf-8"))
    assert info["ended_utc"] is None
    assert info["interrupted"]["signal"] == name and info["interrupted"]["case"] == INTERRUPTED

    # the console says so, under the case's own line and at the end
    assert re.search(rf"{INTERRUPTED}\b.*\binterrupted\b.*\n\s+interrupted by {name} at \+\d+\.\d s of the case",
                     run.text), run.text
    assert f"the run was interrupted by {name} at +" in run.text
    assert f"exit code {exit_code}" in run.text

    # the report of what finished, which says the run was interrupted
    certificate = json.loads((run.run_dir / "certificate.json").read_text(encoding="utf-8"))
    assert certificate["status"]["state"] == "interrupted"
    assert certificate["status"]["unfinished"] == [INTERRUPTED]
    assert [case["id"] for case in certificate["cases"]] == [FINISHED]
    markdown = (run.run_dir / "certificate.md").read_text(encoding="utf-8")
    assert "The run did not end normally" in markdown and f"Started but did not finish: {INTERRUPTED}" in markdown
    assert f"It was interrupted by {name} at +" in markdown and f"s of {INTERRUPTED}." in markdown
    assert "The run did not end normally" in (run.run_dir / "certificate.html").read_text(encoding="utf-8")

    # nothing the run started is left: the reference charge point, the Central System, the file servers
    simulator = run.simulator  # type: ignore[attr-defined]
    assert not alive(simulator), f"the reference charge point (pid {simulator}) survived"
    assert simulator_pids(run.run_dir) == []
    ports = listening_ports(run.run_dir)
    assert "Central System" in ports and {"FTP", "HTTP"} & set(ports), ports    # the seed PICS: FTP (ORS-16)
    assert all(refused(port) for port in ports.values()), ports


def test_ctrl_c_stops_the_case_in_progress_keeps_what_finished_and_reports_it(
        live_run: Callable[[], LiveRun]) -> None:
    run = live_run()
    took = interrupt_in_the_middle(run, signal.SIGINT)
    assert_interrupted_run(run, "SIGINT", 130, took)


def test_sigterm_does_the_same_and_exits_143(live_run: Callable[[], LiveRun]) -> None:
    run = live_run()
    took = interrupt_in_the_middle(run, signal.SIGTERM)
    assert_interrupted_run(run, "SIGTERM", 143, took)
