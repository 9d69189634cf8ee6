"""``ocpp-harness``: run a conformance run, render or compare reports, check a PICS, start the simulator.

Exit codes of ``run`` (what a release pipeline gates on):

- 0: every applicable test case passed;
- 1: at least one case failed, was inconclusive, or hit a harness error — or none ran;
- 2: bad usage or a bad PICS (nothing ran);
- 130 (SIGINT, Ctrl-C) or 143 (SIGTERM): the run was interrupted; the report covers the cases that finished.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

EXIT_PASSED, EXIT_NOT_PASSED, EXIT_USAGE = 0, 1, 2


def _testcases_dir() -> Path:
    import testcases

    return Path(testcases.__file__).parent


def _load_pics_or_exit(path: str):  # type: ignore[no-untyped-def]
    from harness.pics import PicsError, load_pics

    try:
        return load_pics(path)
    except PicsError as error:
        print(f"ocpp-harness: bad PICS: {error}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    except OSError as error:
        print(f"ocpp-harness: cannot read the PICS: {error}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def exit_code_of(results: list[dict]) -> int:
    """0 only when at least one case ran and every applicable case passed."""
    applicable = [r for r in results if r.get("verdict") != "not_applicable"]
    if not applicable:
        return EXIT_NOT_PASSED
    return EXIT_PASSED if all(r.get("verdict") == "passed" for r in applicable) else EXIT_NOT_PASSED


def command_run(args: argparse.Namespace) -> int:
    """One charger's run; several ``--pics``: a run per charger at once (harness/fleet.py)."""
    every_pics = [_load_pics_or_exit(path) for path in args.pics]    # a bad one stops everything before a start
    if len(args.pics) > 1:
        return _command_fleet(args, every_pics)
    if args.dut_config and len(args.dut_config) > 1:
        print("ocpp-harness: one charger takes one --dut-config", file=sys.stderr)
        return EXIT_USAGE
    args.pics, args.dut_config = args.pics[0], (args.dut_config or [None])[0]
    return _command_one_run(args)


def _command_fleet(args: argparse.Namespace, every_pics: list) -> int:  # type: ignore[type-arg]
    from harness import fleet

    refused = fleet.refusal(args)
    if refused is None and any(file_server_env(args).get(name, "0") != "0" for name in FILE_PORT_FLAGS.values()):
        refused = ("several --pics need free file-server ports (each charger's run has its own file servers): drop "
                   "--ftp-port/--ftps-port/--http-port/--https-port")
    if refused is not None:
        print(f"ocpp-harness: {refused}", file=sys.stderr)
        return EXIT_USAGE
    return fleet.run_fleet(args, every_pics)


def _command_one_run(args: argparse.Namespace) -> int:
    import pytest

    from harness.run_dir import RunDirectory, new_run_id

    run_id = args.run_id or new_run_id()
    run_path = Path(args.report_dir) / run_id
    pytest_args = [
        str(_testcases_dir()),
        "--pics", args.pics, "--dut", args.dut, "--report-dir", args.report_dir, "--run-id", run_id,
        "--alluredir", str(run_path / "allure-results"),
        "-p", "no:cacheprovider" if args.no_cache else "cacheprovider",
        "-o", "asyncio_default_fixture_loop_scope=session",
        "-o", "asyncio_default_test_loop_scope=session",
        "--timeout", str(args.case_timeout),
        "-o", "timeout_func_only=true",   # the case timeout never counts the first-connection wait
        "--harness-console", "problems" if args.quiet else "cases",
        *(["-v", "-rfEs"] if args.verbose else ["-qq", "--no-summary"]),   # pytest's own output only with -v
    ]
    pytest_args += ["--csms-host", args.csms_host, "--csms-port", str(args.csms_port), "--pki-dir", args.pki_dir]
    file_servers = file_server_env(args)
    if args.workers and any(file_servers.get(name, "0") != "0" for name in FILE_PORT_FLAGS.values()):
        print("ocpp-harness: -n needs free file-server ports (each worker runs its own file servers): drop "
              "--ftp-port/--ftps-port/--http-port/--https-port", file=sys.stderr)
        return EXIT_USAGE
    os.environ.update(file_servers)     # harness/files.py reads them (so do the workers of -n)
    if args.dut_config:
        pytest_args += ["--dut-config", args.dut_config]
    if args.dut == "manual":
        pytest_args.append("-s")  # a person must see the prompts and answer at the terminal
    for fault in args.sim_fault:
        pytest_args += ["--sim-fault", fault]
    for behaviour in args.sim_behaviour:
        pytest_args += ["--sim-behaviour", behaviour]
    if args.sim_reply_delay_ms:
        pytest_args += ["--sim-reply-delay-ms", str(args.sim_reply_delay_ms)]
    if args.k:
        pytest_args += ["-k", args.k]
    for profile in args.profile:
        pytest_args += ["--profile", profile]
    for block in args.block:
        pytest_args += ["--block", block]
    if args.workers:
        if args.dut != "sim":
            print("ocpp-harness: -n needs --dut sim: each worker runs its own reference charge point; a real "
                  "charger is one device", file=sys.stderr)
            return EXIT_USAGE
        pytest_args += ["-n", str(auto_workers()) if args.workers == "auto" else args.workers, "--dist", "worksteal"]
    pytest_args += args.pytest_args
    code = _pytest_interruptible(pytest_args)
    from harness import interrupt

    try:
        if (stopped := interrupt.interruption()) is not None:
            return _interrupted(run_path, stopped)
        if code in (pytest.ExitCode.USAGE_ERROR, EXIT_USAGE) and not (run_path / "results.jsonl").exists():
            return EXIT_USAGE   # nothing ran: a bad PICS, or a --profile/--block that names nothing
        run = RunDirectory(run_path)
        paths = _render(run_path)
        results = run.results()
        _print_summary(results, paths)
        return exit_code_of(results)
    finally:
        interrupt.uninstall()


def _pytest_interruptible(pytest_args: list[str]) -> int:
    """pytest.main under the SIGINT/SIGTERM handlers of harness.interrupt (issue 12): a signal stops the
    case in progress and the run, and what finished is kept and reported."""
    import pytest

    from harness import interrupt

    guard = interrupt.install()
    try:
        return int(pytest.main(pytest_args))
    except KeyboardInterrupt:
        if interrupt.interruption() is None:
            raise
        return int(pytest.ExitCode.INTERRUPTED)     # the signal came before pytest could take it
    finally:
        if guard is not None:
            guard.settle()      # the report is written whatever signal comes now (the deadline holds)


def _interrupted(run_path: Path, stopped) -> int:  # type: ignore[no-untyped-def]
    """The end of an interrupted run: the report of the cases that finished, then 130 (SIGINT) or 143."""
    from harness import interrupt
    from harness.run_dir import RunDirectory

    if not (run_path / "run.json").exists():
        print(f"ocpp-harness: {stopped.summary()} before the run began: nothing to report", file=sys.stderr)
        return stopped.exit_code
    results = RunDirectory(run_path).results()
    paths = _render(run_path)
    if (guard := interrupt.guard()) is not None:
        guard.report = str(paths)
    _print_summary(results, paths)
    what = stopped.summary(interrupt.cut_off(run_path))     # a parallel run: the cases its workers cut off
    print(f"ocpp-harness: the run was {what}: the report covers the {len(results)} case"
          f"{'s' if len(results) != 1 else ''} that finished; exit code {stopped.exit_code}")
    return stopped.exit_code


#: ``run``'s file-server flags and the environment variables of harness/files.py they set.
FILE_PORT_FLAGS = {"ftp_port": "OCPP_HARNESS_FTP_PORT", "ftps_port": "OCPP_HARNESS_FTPS_PORT",
                   "http_port": "OCPP_HARNESS_HTTP_PORT", "https_port": "OCPP_HARNESS_HTTPS_PORT"}


def file_server_env(args: argparse.Namespace) -> dict[str, str]:
    """The file servers' settings the flags give (``--files-host``, ``--ftp-port``, …), as the environment
    variables harness/files.py reads; a flag not given leaves its variable as the environment has it."""
    env = {name: str(value) for flag, name in
           {**FILE_PORT_FLAGS, "files_host": "OCPP_HARNESS_FILES_HOST", "firmware_dir": "OCPP_HARNESS_FIRMWARE_DIR"}
           .items() if (value := getattr(args, flag, None)) is not None}
    return {**{k: v for k, v in os.environ.items() if k in FILE_PORT_FLAGS.values()}, **env}


def _firmware_dir(text: str) -> str:
    """A folder holding valid.bin, and the vendor's signing material whole or not at all."""
    from harness.files import check_firmware_dir
    from harness.verdicts import HarnessError

    try:
        check_firmware_dir(Path(text))
    except HarnessError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _port(text: str) -> int:
    """A TCP port, 0 for any free one."""
    if text.isdigit() and int(text) <= 65535:
        return int(text)
    raise argparse.ArgumentTypeError(f"{text!r}: give a port number from 0 (any free port) to 65535")


def auto_workers() -> int:
    """``-n auto``: three workers per core, at most 8. A case mostly waits on the charger's timers (the seed
    run: 213 s of cases, 21 s of CPU), so workers beyond the cores still shorten the run (-n 6 on 2 cores:
    49 s, against 207 s serially and 112 s with -n 2)."""
    return max(1, min(8, 3 * (os.cpu_count() or 1)))


def _workers(text: str) -> str:
    """-n: a whole number of workers from 1, or auto."""
    if text == "auto" or (text.isdigit() and int(text) >= 1):
        return text
    raise argparse.ArgumentTypeError(f"{text!r}: give a number of workers (1, 2, …) or auto")


def _print_summary(results: list[dict], report: Path) -> None:
    """The last lines of a run: every verdict's count, and the report to open."""
    from harness import console

    colour = console.wants_colour(sys.stdout)
    for line in console.summary_lines(console.count(r.get("verdict", "error") for r in results), str(report)):
        print(console.render(line, colour))


def _render(run_path: Path) -> Path:
    """Write the run's report from its files; the path of certificate.html."""
    from harness.report import write_report

    return write_report(run_path).html


def command_report(args: argparse.Namespace) -> int:
    if args.run_dir == "diff":
        if len(args.more) != 2:
            print("usage: ocpp-harness report diff RUN_A RUN_B", file=sys.stderr)
            return EXIT_USAGE
        from harness.report import diff_runs, format_diff

        print(format_diff(diff_runs(Path(args.more[0]), Path(args.more[1]))))
        return 0
    run_path = Path(args.run_dir)
    if not run_path.is_dir():
        print(f"ocpp-harness: {run_path} is not a run directory", file=sys.stderr)
        return EXIT_USAGE
    print(f"ocpp-harness: report: {_render(run_path)}")
    return 0


def command_pics(args: argparse.Namespace) -> int:
    pics = _load_pics_or_exit(args.file)
    setup = pics.test_setup
    print(f"{args.file}: valid. Config ID {pics.config_id()}; chargePointId {setup.charge_point_id}; "
          f"security profile {setup.security_profile}; connectors {list(pics.connector_ids)}")
    return 0


def command_pki(args: argparse.Namespace) -> int:
    """Prepare the PKI directory before the first run, so a real charger can be given its root first."""
    from harness.files import serves_files
    from harness.pki import TestPki
    from harness.verdicts import HarnessError

    pics = _load_pics_or_exit(args.pics)
    setup = pics.test_setup
    tls_files = [p for p in pics.ors("ORS-16", []) if p in ("HTTPS", "FTPS")] if serves_files(pics) else []
    if setup.security_profile < 2 and not tls_files:
        print(f"ocpp-harness: {args.pics} selects security profile {setup.security_profile} (ws://): no "
              "certificates are needed (nor for file transfer: ORS-16 lists no HTTPS or FTPS)", file=sys.stderr)
        return EXIT_USAGE
    try:
        pki = TestPki.for_listener(Path(args.pki_dir), args.csms_host, pics.cipher_suites)
        if setup.security_profile >= 2:
            pki.server_context(setup.security_profile, pics.cipher_suites)     # proves the files fit together
    except HarnessError as exc:
        print(f"ocpp-harness: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"PKI directory {pki.directory.resolve()} (security profile {setup.security_profile}):")
    print(f"  install on the charger as CentralSystemRootCertificate: {pki.root_certificate.resolve()}")
    if tls_files:
        print(f"  the {' and '.join(tls_files)} file servers (ORS-16) present a certificate signed by this root")
    for name, fingerprint in pki.fingerprints().items():
        print(f"  SHA-256 {name}: {fingerprint}")
    if setup.security_profile == 3:
        own = pki.charge_point(setup.charge_point_id)
        print(f"  trusted for ChargePointCertificates (CN must be {setup.charge_point_id}): "
              f"{pki.charge_point_ca.resolve()}")
        print(f"  a ChargePointCertificate for {setup.charge_point_id} signed by the root: "
              f"{own.certificate.resolve()} (key {own.private_key.resolve()})")
    return EXIT_PASSED


def simulator_parser() -> argparse.ArgumentParser:
    """``python -m simulator``'s own parser, named ``ocpp-harness sim``: one definition of its options."""
    from simulator.__main__ import build_parser

    sim = build_parser()
    sim.prog = "ocpp-harness sim"
    return sim


def command_sim(sim_argv: Sequence[str]) -> int:
    """Start the reference charge point with these arguments, as ``python -m simulator`` would; ``--help``
    and bad options are answered by the simulator's own parser before anything starts."""
    simulator_parser().parse_args(list(sim_argv))      # --help prints and exits 0; a bad option exits 2
    os.execv(sys.executable, [sys.executable, "-m", "simulator", *sim_argv])
    return EXIT_PASSED  # not reached


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="ocpp-harness", description=__doc__.split("\n")[0])
    commands = main.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the conformance test cases against a charge point")
    run.add_argument("--pics", required=True, action="append",
                     help="PICS file of the charge point under test; repeat it to run several chargers at once, "
                          "a run, a port and a report each (--dut sim or command)")
    run.add_argument("--dut", default="sim", choices=("sim", "command", "manual"),
                     help="sim: the reference charge point (default); command: your bench's commands; "
                          "manual: a person at the charger")
    run.add_argument("--dut-config", action="append",
                     help="bench commands (command) or prompt answers (manual), YAML; with several --pics, once "
                          "for all or once per charger, in the same order")
    run.add_argument("--csms-host", default="127.0.0.1",
                     help="address the mock Central System listens on (0.0.0.0 for a charger on the network)")
    run.add_argument("--csms-port", type=int, default=0,
                     help="its port (default: any free port); with several --pics, the first charger's, the next "
                          "one's +1, …")
    run.add_argument("--pki-dir", default=".harness-pki",
                     help="security profiles 2 and 3: the test PKI (root to install on the charger, server "
                          "certificate, trusted charge point CAs); created where missing, reused where present; "
                          "its root also signs the HTTPS/FTPS file servers' certificate")
    files = run.add_argument_group(
        "file servers (Firmware Management: UpdateFirmware, GetDiagnostics)",
        "The harness serves firmware and takes diagnostics uploads in the protocols of ORS-16, on 127.0.0.1 and "
        "free ports by default. HTTPS and FTPS present a certificate signed by the root of --pki-dir: the "
        "charger must trust central-system-root-ca.pem there. Each flag sets the environment variable named.")
    files.add_argument("--files-host", metavar="ADDRESS",
                       help="address the file servers listen on and that the URLs sent to the charger name: this "
                            "machine's address on the charger's network (OCPP_HARNESS_FILES_HOST)")
    files.add_argument("--ftp-port", type=_port, metavar="PORT", help="FTP port (OCPP_HARNESS_FTP_PORT; 0: any free)")
    files.add_argument("--ftps-port", type=_port, metavar="PORT",
                       help="explicit FTPS port (AUTH TLS; TLS required on control and data), a port of its own "
                            "beside --ftp-port (OCPP_HARNESS_FTPS_PORT)")
    files.add_argument("--http-port", type=_port, metavar="PORT", help="HTTP port (OCPP_HARNESS_HTTP_PORT)")
    files.add_argument("--https-port", type=_port, metavar="PORT", help="HTTPS port (OCPP_HARNESS_HTTPS_PORT)")
    files.add_argument("--firmware-dir", metavar="DIR", type=_firmware_dir,
                       help="a folder with the vendor's own valid.bin (and invalid.bin) to serve instead of the "
                            "harness's images of the reference charge point, and optionally valid.bin.sig and "
                            "signing-certificate.pem: the vendor's signature for TC_080_CS/TC_081_CS "
                            "(OCPP_HARNESS_FIRMWARE_DIR)")
    run.add_argument("-k", help="select test cases by OCTT id, block or title words (pytest -k syntax)")
    run.add_argument("--profile", action="append", default=[], metavar="PROFILE",
                     help="run only this certification profile's cases (repeatable: Core, …); the PICS still "
                          "says what the charger has")
    run.add_argument("--block", action="append", default=[], metavar="BLOCK",
                     help="run only this functional block's cases (repeatable: core, local_auth_list, "
                          "reservation, remote_trigger, …)")
    run.add_argument("--report-dir", default="reports", help="where the run directory is written")
    run.add_argument("--run-id", help="name of the run directory")
    run.add_argument("--sim-fault", action="append", default=[], metavar="NAME",
                     help="inject a named fault into the reference charge point (repeatable)")
    run.add_argument("--sim-behaviour", action="append", default=[], metavar="NAME",
                     help="make the reference charge point take an allowed variant of OCPP 1.6 (repeatable; "
                          "python -m simulator --list-behaviours)")
    run.add_argument("--sim-reply-delay-ms", type=int, default=0, help=argparse.SUPPRESS)
    run.add_argument("--case-timeout", type=float, default=600.0, help="hard limit per test case, seconds")
    run.add_argument("-n", "--workers", metavar="N", type=_workers,
                     help="run the cases in N parallel workers (auto: 3 per core, at most 8), each with its own reference "
                          "charge point and port (pytest-xdist); --dut sim only; one run directory, one report")
    run.add_argument("--no-cache", action="store_true", help="don't keep pytest's cache (no --lf next time)")
    run.add_argument("-q", "--quiet", action="store_true",
                     help="a line only for the cases that did not pass or apply (failed, inconclusive, error, not "
                          "run), then the summary")
    run.add_argument("-v", "--verbose", action="store_true",
                     help="pytest's own output too: progress, tracebacks and its short summary")
    run.add_argument("pytest_args", nargs="*", help="more pytest arguments after --, e.g. -- --lf")
    run.set_defaults(handler=command_run)

    report = commands.add_parser("report", help="render a run's report again, or compare two runs")
    report.add_argument("run_dir", help="a run directory, or 'diff'")
    report.add_argument("more", nargs="*", help="with diff: RUN_A RUN_B")
    report.set_defaults(handler=command_report)

    pics = commands.add_parser("pics", help="check a PICS file")
    pics.add_argument("action", choices=("check",))
    pics.add_argument("file")
    pics.set_defaults(handler=command_pics)

    pki = commands.add_parser("pki", help="create or show the PKI directory of security profiles 2 and 3")
    pki.add_argument("--pics", required=True, help="PICS file (security profile, C-12 suites, chargePointId)")
    pki.add_argument("--pki-dir", default=".harness-pki", help="the PKI directory (default .harness-pki)")
    pki.add_argument("--csms-host", default="127.0.0.1", help="an address the server certificate must name")
    pki.set_defaults(handler=command_pki)

    commands.add_parser("sim", add_help=False,
                        help="start the reference charge point (python -m simulator's options; sim --help)")
    return main


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sim"]:
        return command_sim(argv[1:])     # every argument belongs to the simulator, options first included
    args = parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
