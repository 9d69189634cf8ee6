"""A run that starts on a charger already booted, recovers from or stops at a charger stuck in a state, warns of
a baseline request answered otherwise than asked, and gives a slow person the time they need.

Each test is ``ocpp-harness run`` as a real subprocess against the real reference charge point, with an
allowed behaviour (``already-booted``) or a fault of the run's own robustness (``stuck-unavailable``,
``local-list-full-update-fails``; docs/faults.md) switched on, and a few cases selected to keep it short.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.dut.sim import SimulatorAdapter, SimulatorConfig
from tests.e2e.runner import ROOT, SEED_PICS, RunOutcome, fast_pics
from tests.e2e.test_manual_mode import INSTRUCTIONS, free_port

#: What the harness prints when it goes on with a charger whose boot it never saw.
GOES_ON = "ocpp-harness: the charge point was connected but sent no BootNotification"
#: The bound on a run that stops at a stuck charger: two failed baselines (each a message timeout per rung)
#: and the rest "not run"; generous for CI on two shared cores.
STUCK_RUN_BOUND_S = 150
#: How long the slow person takes to plug the cable in: longer than the message timeout of the run.
SLOW_PERSON_S = 15


def session_records(outcome: RunOutcome) -> list[dict[str, Any]]:
    path = outcome.run_dir / "traces" / "_session.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_info(outcome: RunOutcome) -> dict[str, Any]:
    return json.loads((outcome.run_dir / "run.json").read_text(encoding="utf-8"))


def triggered_boot(records: list[dict[str, Any]]) -> bool:
    """The harness asked for the boot: TriggerMessage(BootNotification) went to the charger."""
    return any(r["type"] == "frame" and r.get("direction") == "cs->cp" and r.get("action") == "TriggerMessage"
               and r.get("payload", {}).get("requestedMessage") == "BootNotification" for r in records)


def power_cycled(records: list[dict[str, Any]]) -> bool:
    return any(r["type"] == "dut" and r.get("action") == "power_cycle" and r.get("outcome") == "done"
               for r in records)


def booted_after(records: list[dict[str, Any]], index: int) -> bool:
    """A BootNotification of the charger came after record ``index`` of the session trace."""
    return any(r["type"] == "frame" and r.get("direction") == "cp->cs" and r.get("action") == "BootNotification"
               for r in records[index + 1:])


def without_remote_trigger(pics: Path, tmp_path: Path) -> Path:
    """The PICS claiming no Remote Trigger (RT-0 false, and so no RemoteTrigger feature profile)."""
    data = yaml.safe_load(pics.read_text(encoding="utf-8"))
    data["optional_features"]["RT-0"] = False
    data["feature_profiles"] = [p for p in data["feature_profiles"] if p != "RemoteTrigger"]
    path = tmp_path / "no-remote-trigger.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def assert_passed(outcome: RunOutcome, *cases: str) -> None:
    for case in cases:
        assert case in outcome.results, f"{case} did not run: {outcome.output[-2000:]}"
        assert outcome.verdict(case) == "passed", f"{case}: {outcome.verdict(case)} {outcome.reason(case)}"
    assert outcome.exit_code == 0, outcome.output[-2000:]


# ------------------------------------------------------------------------------------------ already booted


def test_an_already_booted_charger_is_asked_for_its_boot(tmp_path, run_harness):
    """RT-0 claimed: TriggerMessage(BootNotification) gets the boot, no power cycle, no "going on" note."""
    outcome = run_harness(fast_pics(SEED_PICS, tmp_path), "--sim-behaviour", "already-booted",
                          "-k", "TC_019_CS or TC_021_CS")
    assert_passed(outcome, "TC_019_CS", "TC_021_CS")
    records = session_records(outcome)
    assert triggered_boot(records) and not power_cycled(records)
    trigger = next(i for i, r in enumerate(records) if r.get("action") == "TriggerMessage")
    assert booted_after(records, trigger)
    assert GOES_ON not in outcome.output and "session_start" not in run_info(outcome)


def test_an_already_booted_charger_is_power_cycled_without_remote_trigger(tmp_path, run_harness):
    """RT-0 false: the sim adapter's power cycle reboots it, no TriggerMessage is sent."""
    pics = without_remote_trigger(fast_pics(SEED_PICS, tmp_path), tmp_path)
    outcome = run_harness(pics, "--sim-behaviour", "already-booted", "-k", "TC_019_CS or TC_021_CS")
    assert_passed(outcome, "TC_019_CS", "TC_021_CS")
    records = session_records(outcome)
    assert power_cycled(records) and not triggered_boot(records)
    cycle = next(i for i, r in enumerate(records) if r["type"] == "dut" and r.get("action") == "power_cycle")
    assert booted_after(records, cycle)
    assert GOES_ON not in outcome.output and "session_start" not in run_info(outcome)


BENCH_SCRIPT = '''\
"""A bench of the command adapter: starts the reference charge point already booted, stops it by its pid."""
import os, signal, subprocess, sys
from pathlib import Path

here = Path(__file__).parent
if sys.argv[1] == "start":
    log = open(here / "simulator.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "simulator", "--pics", sys.argv[3], "--url", sys.argv[2],
                                "--state-file", str(here / "state.json"), "--behaviour", "already-booted"],
                               cwd=sys.argv[4], stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    (here / "simulator.pid").write_text(str(process.pid))
else:
    os.kill(int((here / "simulator.pid").read_text()), signal.SIGKILL)
'''


def command_bench(tmp_path: Path, pics: Path) -> Path:
    """A bench that can start and stop the charger, and nothing else: no power cycle."""
    (tmp_path / "bench.py").write_text(BENCH_SCRIPT, encoding="utf-8")
    bench = {"timeout_s": 30, "actions": {
        "session_start": [sys.executable, "bench.py", "start", "{url}", str(pics), str(ROOT)],
        "session_end": [sys.executable, "bench.py", "stop"]}}
    path = tmp_path / "bench.yaml"
    path.write_text(yaml.safe_dump(bench), encoding="utf-8")
    return path


def kill_bench_simulator(tmp_path: Path) -> None:
    """Stop the simulator the bench started, by its pid, should the run not have done so."""
    pid_file = tmp_path / "simulator.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def taken_as_it_is(tmp_path_factory: pytest.TempPathFactory) -> RunOutcome:
    """One run (shared by the two tests below) with no RT-0 and no adapter that can power-cycle: the command
    adapter's bench only starts the charger, already booted, and stops it."""
    workdir = tmp_path_factory.mktemp("taken-as-it-is")
    pics = without_remote_trigger(fast_pics(SEED_PICS, workdir, security_profile=1), workdir)
    reports = workdir / "reports"
    command = [sys.executable, "-m", "harness", "run", "--pics", str(pics), "--dut", "command",
               "--dut-config", str(command_bench(workdir, pics)), "--report-dir", str(reports),
               "--run-id", "run", "--no-cache", "-q", "-k", "TC_019_CS or TC_021_CS"]
    try:
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    finally:
        kill_bench_simulator(workdir)
    lines = (reports / "run" / "results.jsonl").read_text(encoding="utf-8").splitlines()
    results = {row["id"]: row for row in map(json.loads, lines)}
    return RunOutcome(completed.returncode, reports / "run", results, completed.stdout + completed.stderr)


def test_an_already_booted_charger_without_trigger_or_power_cycle_is_taken_as_it_is(taken_as_it_is):
    """The run goes on with the charger as it is and records so: a warning in the session trace and
    ``session_start`` in run.json."""
    assert_passed(taken_as_it_is, "TC_019_CS", "TC_021_CS")
    records = session_records(taken_as_it_is)
    assert not triggered_boot(records) and not power_cycled(records)
    assert any(r["type"] == "finding" and r.get("severity") == "warning" and "sent no BootNotification" in r["text"]
               for r in records)
    assert "sent no BootNotification" in run_info(taken_as_it_is)["session_start"]


def test_going_on_with_an_already_booted_charger_is_said_once_on_the_console(taken_as_it_is):
    assert taken_as_it_is.output.count(GOES_ON) == 1, taken_as_it_is.output


# ------------------------------------------------------------------------------------------ a stuck charger


def test_a_charger_stuck_unavailable_stops_the_run(tmp_path, run_harness):
    """TC_034_CS leaves the charge point Inoperative (its baseline restores it); with the fault it stays
    Unavailable through every rung of the ladder, so the next two baselines fail and the run stops: the
    rest is not run, with one reason naming the case after which it was stuck."""
    selected = ["TC_034_CS", "TC_040_1_CS", "TC_040_2_CS", "TC_061_1_CS", "TC_062_CS"]
    started = time.monotonic()
    outcome = run_harness(fast_pics(SEED_PICS, tmp_path), "--sim-fault", "stuck-unavailable",
                          "-k", " or ".join(selected))
    wall_s = time.monotonic() - started
    assert sorted(outcome.results) == sorted(selected), outcome.output[-2000:]
    verdicts = {case: outcome.verdict(case) for case in selected}
    assert verdicts == {"TC_034_CS": "passed", "TC_040_1_CS": "inconclusive", "TC_040_2_CS": "inconclusive",
                        "TC_061_1_CS": "not_run", "TC_062_CS": "not_run"}, outcome.output[-2000:]
    for case in ("TC_040_1_CS", "TC_040_2_CS"):
        assert outcome.reason(case).startswith("the baseline was not reached"), outcome.reason(case)
    reasons = {outcome.reason(case) for case in ("TC_061_1_CS", "TC_062_CS")}
    assert len(reasons) == 1
    assert reasons.pop().startswith("the run stopped: the charge point is stuck after TC_034_CS")
    assert outcome.exit_code == 1
    assert (outcome.run_dir / "certificate.html").is_file()
    assert wall_s < STUCK_RUN_BOUND_S, f"the stuck run took {wall_s:.0f} s"


# ------------------------------------------------------------------------------------------ baseline warnings


def test_a_failed_local_list_reset_is_a_warning_of_the_case(tmp_path, run_harness):
    outcome = run_harness(fast_pics(SEED_PICS, tmp_path), "--sim-fault", "local-list-full-update-fails",
                          "-k", "TC_043_CS")
    assert_passed(outcome, "TC_043_CS")
    warnings = outcome.results["TC_043_CS"].get("warnings", [])
    assert any(w.startswith("baseline: SendLocalList(0, Full, empty) answered Failed") for w in warnings), warnings


# ------------------------------------------------------------------------------------------ a slow person


async def slow_person(tmp_path: Path, pics: Path) -> tuple[int, list[str]]:
    """Manual mode followed by a person who takes SLOW_PERSON_S to plug the cable in; the rest at once.
    Returns the harness's exit code and every line it printed (stdout and stderr)."""
    port = free_port()
    harness = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "harness", "run", "--pics", str(pics), "--dut", "manual", "--csms-port", str(port),
        "-k", "TC_003_CS", "--report-dir", str(tmp_path / "reports"), "--run-id", "run", "--no-cache",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.DEVNULL)
    person = SimulatorAdapter(SimulatorConfig(pics, f"ws://127.0.0.1:{port}", tmp_path / "state.json",
                                              tmp_path / "simulator.log"))
    lines: list[str] = []
    try:
        await person.start()
        assert harness.stdout is not None
        while line := (await asyncio.wait_for(harness.stdout.readline(), 180)).decode():
            lines.append(line)
            if line.startswith(">>> "):
                await follow(person, line)
        return await harness.wait(), lines
    finally:
        if harness.returncode is None:
            harness.kill()
        await person.stop()


async def follow(person: SimulatorAdapter, prompt: str) -> None:
    for pattern, action in INSTRUCTIONS:
        if match := pattern.search(prompt):
            name, args = action(match)
            if name == "plug_in":
                # The person is slow on purpose: this pause is what the test is about (longer than the run's
                # message timeout, well inside its physical-action timeout).
                await asyncio.sleep(SLOW_PERSON_S)
            await person.request(name, **args)
            return
    raise AssertionError(f"a prompt the person could not follow: {prompt!r}")


def test_a_slow_person_is_given_the_physical_action_timeout(tmp_path):
    pics = fast_pics(SEED_PICS, tmp_path, security_profile=1)      # the person's charger speaks ws://
    exit_code, lines = asyncio.run(slow_person(tmp_path, pics))
    output = "".join(lines)
    results = [json.loads(line) for line in (tmp_path / "reports" / "run" / "results.jsonl").read_text().splitlines()]
    assert {r["id"]: r["verdict"] for r in results} == {"TC_003_CS": "passed"}, output[-3000:]
    assert exit_code == 0
    assert any(line.lstrip().startswith("waiting up to") for line in lines), output[-3000:]
