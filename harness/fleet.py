"""Several chargers in one invocation: ``ocpp-harness run --pics A.yaml --pics B.yaml …``.

A lab with several chargers on its bench runs them at once, one worker per charger. Each charger gets a run
of its own, exactly as if it had been started alone: its own PICS (so its own chargePointId and security
profile), its own port, its own run directory and report, its own reference charge point or bench commands.
The runs share nothing but the terminal, so one charger that hangs or crashes never touches another's verdicts.

Why a process per charger and not one pytest-xdist session: xdist workers share one pytest configuration, and
a PICS is a session-wide option (it decides which cases exist and apply); a process per charger keeps each
run what a single run is, including its exit code, its interruption handling and ``-n`` within it.

Layout: ``<report-dir>/<run-id>/<name>/`` for each charger (``name`` is the PICS file's stem, made unique),
``<report-dir>/<run-id>/fleet.json`` listing them, and each run's console in ``console-<name>.log``; the
console shows every run's lines prefixed with its name. ``ocpp-harness report diff`` compares any two.

Ports: with ``--csms-port 0`` (the default) every run listens on a free port of its own, printed at its
start; with ``--csms-port P`` the chargers listen on P, P+1, … in the order of ``--pics`` (what a real
charger's configured URL needs). Fixed file-server ports would collide and are refused, as with ``-n``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

#: Exit codes of ``run`` (harness/cli.py): the fleet's is the worst of its runs', in this order.
SEVERITY = (2, 143, 130, 1, 0)


@dataclass
class ChargerRun:
    """One charger's run inside the fleet."""

    name: str
    pics: str
    charge_point_id: str
    csms_port: int
    dut_config: str | None
    run_dir: str
    exit_code: int | None = None
    counts: dict[str, int] = field(default_factory=dict)


def names_for(pics_files: list[str]) -> list[str]:
    """The run directory names: each PICS file's stem, with -2, -3, … where two stems are the same."""
    seen: dict[str, int] = {}
    names = []
    for path in pics_files:
        stem = Path(path).stem
        seen[stem] = seen.get(stem, 0) + 1
        names.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return names


def plan(args: argparse.Namespace, pics: list[Any], fleet_dir: Path) -> list[ChargerRun]:
    """One ChargerRun per ``--pics``, with its port and bench file."""
    configs = args.dut_config or []
    runs = []
    for index, (path, name, loaded) in enumerate(zip(args.pics, names_for(args.pics), pics)):
        runs.append(ChargerRun(
            name=name, pics=path, charge_point_id=loaded.test_setup.charge_point_id,
            csms_port=args.csms_port + index if args.csms_port else 0,
            dut_config=(configs[index] if len(configs) > 1 else configs[0]) if configs else None,
            run_dir=str(fleet_dir / name)))
    return runs


def child_argv(args: argparse.Namespace, run: ChargerRun, fleet_dir: Path) -> list[str]:
    """``ocpp-harness run`` for one charger: the fleet's options, its own PICS, port, bench file and run
    directory."""
    argv = [sys.executable, "-m", "harness", "run", "--pics", run.pics, "--dut", args.dut,
            "--csms-host", args.csms_host, "--csms-port", str(run.csms_port), "--pki-dir", args.pki_dir,
            "--report-dir", str(fleet_dir), "--run-id", run.name, "--case-timeout", str(args.case_timeout)]
    if run.dut_config:
        argv += ["--dut-config", run.dut_config]
    if args.files_host:
        argv += ["--files-host", args.files_host]
    if args.firmware_dir:
        argv += ["--firmware-dir", args.firmware_dir]
    if args.k:
        argv += ["-k", args.k]
    for option, values in (("--profile", args.profile), ("--block", args.block), ("--sim-fault", args.sim_fault),
                           ("--sim-behaviour", args.sim_behaviour)):
        for value in values:
            argv += [option, value]
    if args.workers:
        argv += ["-n", args.workers]
    for flag, on in (("--no-cache", args.no_cache), ("-q", args.quiet), ("-v", args.verbose)):
        if on:
            argv.append(flag)
    if args.pytest_args:
        argv += ["--", *args.pytest_args]
    return argv


def refusal(args: argparse.Namespace) -> str | None:
    """Why these options cannot run several chargers at once, or None."""
    if args.dut == "manual":
        return ("several --pics need --dut sim or command: a person at one terminal cannot answer the prompts of "
                "several chargers at once (run them one after the other)")
    configs = args.dut_config or []
    if len(configs) > 1 and len(configs) != len(args.pics):
        return (f"give one --dut-config for every charger ({len(args.pics)} --pics, {len(configs)} --dut-config), "
                f"or one for all")
    if args.run_id and "/" in args.run_id:
        return "--run-id names one folder (no '/')"
    return None


def run_fleet(args: argparse.Namespace, pics: list[Any]) -> int:
    """Run every charger at once; print each run's lines prefixed with its name; write fleet.json; the worst
    exit code of the runs."""
    from harness.run_dir import new_run_id

    reports = Path(args.report_dir)
    fleet_dir = reports / (args.run_id or new_run_id())
    fleet_dir.mkdir(parents=True, exist_ok=True)
    _point_latest(reports, fleet_dir)
    runs = plan(args, pics, fleet_dir)
    width = max(len(run.name) for run in runs)
    print(f"ocpp-harness: {len(runs)} chargers at once, a run each, in {fleet_dir}")
    for run in runs:
        port = run.csms_port or "a free port"
        print(f"  {run.name:<{width}}  chargePointId {run.charge_point_id}, port {port}, PICS {run.pics}")
    children = [_start(args, run, fleet_dir, width) for run in runs]
    stop = _forward_signals([process for process, _ in children])
    try:
        for run, (process, pump) in zip(runs, children):
            run.exit_code = process.wait()
            pump.join()
    finally:
        stop()
    for run in runs:
        run.counts = _counts(Path(run.run_dir))
    _write_index(fleet_dir, runs)
    _print_table(runs, width)
    return worst(run.exit_code for run in runs)


def worst(codes: Any) -> int:
    """The fleet's exit code: usage (2) over interrupted (143, 130) over not passed (1) over passed (0)."""
    codes = [1 if code is None else code for code in codes]
    for code in SEVERITY:
        if code in codes:
            return code
    return max(codes) if codes else 1


def _start(args: argparse.Namespace, run: ChargerRun, fleet_dir: Path,
           width: int) -> tuple[subprocess.Popen, threading.Thread]:
    """The charger's run as a child process; a thread copies its console to ours (prefixed) and to its log."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(child_argv(args, run, fleet_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, env=env, text=True, bufsize=1)
    log = (fleet_dir / f"console-{run.name}.log").open("w", encoding="utf-8")
    pump = threading.Thread(target=_pump, args=(process.stdout, log, f"[{run.name:<{width}}] "), daemon=True)
    pump.start()
    return process, pump


def _pump(source: IO[str], log: IO[str], prefix: str) -> None:
    with log:
        for line in source:
            log.write(line)
            sys.stdout.write(prefix + line)
            sys.stdout.flush()


def _forward_signals(processes: list[subprocess.Popen]):  # type: ignore[no-untyped-def]
    """SIGINT and SIGTERM reach every run (each ends its own way: the case cut off, its report written); the
    returned function restores the previous handlers."""
    def forward(signum: int, _frame: Any) -> None:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signum)

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    return lambda: [signal.signal(sig, handler) for sig, handler in previous.items()]


def _counts(run_dir: Path) -> dict[str, int]:
    from harness.run_dir import RunDirectory

    counts: dict[str, int] = {}
    if (run_dir / "results.jsonl").exists():
        for result in RunDirectory(run_dir).results():
            verdict = result.get("verdict", "error")
            counts[verdict] = counts.get(verdict, 0) + 1
    return counts


def _write_index(fleet_dir: Path, runs: list[ChargerRun]) -> None:
    index = {"runs": [asdict(run) for run in runs]}
    (fleet_dir / "fleet.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")


def _print_table(runs: list[ChargerRun], width: int) -> None:
    print("ocpp-harness: the chargers' runs:")
    for run in runs:
        counts = ", ".join(f"{n} {verdict.replace('_', ' ')}" for verdict, n in sorted(run.counts.items())) \
            or "no result"
        print(f"  {run.name:<{width}}  exit {run.exit_code}  {counts}  report {Path(run.run_dir) / 'certificate.html'}")
    if len(runs) >= 2:
        print(f"ocpp-harness: compare two: ocpp-harness report diff {runs[0].run_dir} {runs[1].run_dir}")


def _point_latest(reports: Path, fleet_dir: Path) -> None:
    latest = reports / "latest"
    try:
        if latest.is_symlink() or latest.exists():
            latest.unlink()
        latest.symlink_to(fleet_dir.name)
    except OSError:
        pass
