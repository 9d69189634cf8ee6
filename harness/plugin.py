"""pytest glue: options, the harness session, per-case fixtures, applicability and verdicts.

The plug-in is inert unless ``--pics`` is given, so it never touches other test suites. With it:

- ``pytest_configure`` loads the PICS (a bad one stops pytest with exit code 2 and the field named) and opens
  the run directory;
- each OCTT test case (``@testcase``) is selectable by its id (``-k TC_003_CS``) and block;
- a case the PICS excludes is skipped as *not applicable*, with the PICS item that excludes it;
- before each case the charge point is brought to its baseline; the case's frames are traced to
  ``traces/<id>.jsonl``;
- the verdict (passed, failed, inconclusive, not applicable, error) is appended to ``results.jsonl`` the
  moment the case ends; an error's traceback goes into the case's trace;
- cases run in plan order (by OCTT id), and ``--harness-console`` (set by ``ocpp-harness run``) writes a
  line per case as it ends (harness/console.py) in place of pytest's progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
import traceback
from pathlib import Path
from typing import Any, AsyncIterator, Generator

import pytest
import pytest_asyncio

from harness import console, interrupt
from harness.csms.trace import utc_now_iso
from harness.run_dir import RunDirectory
from harness.session import HarnessSession, SessionOptions
from harness.testcase import CaseInfo, case_info
from harness.verdicts import Failed, HarnessError, Inconclusive, Verdict

SESSION = pytest.StashKey[HarnessSession]()
#: the run directory, in the controller of a parallel run (which has no session of its own)
CONTROLLER = pytest.StashKey["RunDirectory"]()
PHASES = pytest.StashKey[dict[str, tuple[Verdict, str]]]()
NOT_APPLICABLE = pytest.StashKey[str]()
NOT_RUN = pytest.StashKey[str]()
STARTED = pytest.StashKey[tuple[float, str]]()
TRACEBACKS = pytest.StashKey[dict[str, str]]()
#: the signal that cut the case off (issue 12): it gets no verdict and no row in results.jsonl
INTERRUPTED = pytest.StashKey[interrupt.Interruption]()
#: the plug-in installed the signal handlers itself (pytest run directly, not by ocpp-harness run)
OWN_GUARD = pytest.StashKey[bool]()
#: Where the frames that run every test case live: left out of an error's traceback.
RUNNER_FRAMES = ("/_pytest/", "/pluggy/", "/pytest_asyncio/", "/pytest_timeout", "/asyncio/")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ocpp-harness", "OCPP 1.6J conformance harness")
    group.addoption("--pics", help="PICS file of the charge point under test; enables the harness")
    group.addoption("--dut", default="sim", choices=("sim", "command", "manual"),
                    help="how physical actions are performed (default: sim, the reference charge point)")
    group.addoption("--dut-config", help="adapter configuration: bench commands (command) or answers (manual)")
    group.addoption("--csms-host", default="127.0.0.1", help="address the mock Central System listens on")
    group.addoption("--csms-port", type=int, default=0, help="port of the mock Central System (0: any free)")
    group.addoption("--report-dir", default="reports", help="where run directories are written")
    group.addoption("--pki-dir", default=".harness-pki",
                    help="test PKI for security profiles 2 and 3: created where missing, reused where present")
    group.addoption("--run-id", help="name of the run directory (default: time stamp and random suffix)")
    group.addoption("--sim-fault", action="append", default=[],
                    help="a named fault to inject into the reference charge point (repeatable)")
    group.addoption("--profile", action="append", default=[],
                    help="run only the cases of this certification profile (repeatable)")
    group.addoption("--block", action="append", default=[],
                    help="run only the cases of this functional block (repeatable)")
    group.addoption("--sim-behaviour", action="append", default=[],
                    help="an allowed behaviour variant of the reference charge point (repeatable)")
    group.addoption("--sim-reply-delay-ms", type=int, default=0,
                    help="make the reference charge point delay each response by this many milliseconds")
    group.addoption("--harness-console", default="off", choices=("off", "cases", "problems"),
                    help="a line per case as it ends, reasons below, instead of pytest's progress (cases: every "
                         "case; problems: only the cases that did not pass or apply); ocpp-harness run sets it")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "octt(id): an OCTT conformance test case of the certification test plan")
    if not config.getoption("pics", None):
        return
    from harness.pics import PicsError, load_pics

    try:
        pics = load_pics(config.getoption("pics"))
    except PicsError as error:
        pytest.exit(f"bad PICS: {error}", returncode=2)
    options = SessionOptions(
        pics_path=Path(config.getoption("pics")),
        dut=config.getoption("dut"),
        dut_config=Path(config.getoption("dut_config")) if config.getoption("dut_config") else None,
        csms_host=config.getoption("csms_host"),
        csms_port=config.getoption("csms_port"),
        report_dir=Path(config.getoption("report_dir")),
        run_id=config.getoption("run_id"),
        pki_dir=Path(config.getoption("pki_dir")),
        sim_faults=tuple(config.getoption("sim_fault")),
        sim_behaviours=tuple(config.getoption("sim_behaviour")),
        sim_reply_delay_ms=config.getoption("sim_reply_delay_ms"),
    )
    worker = getattr(config, "workerinput", {}).get("workerid")
    if worker is None and parallel(config):
        config.stash[CONTROLLER] = _prepare_parallel_run(pics, options)
    else:
        config.stash[SESSION] = HarnessSession.open(pics, options, worker)
    config.stash[OWN_GUARD] = interrupt.guard() is None
    guard = interrupt.install()
    if guard is not None:
        guard.forward_to_children, guard.quiet = CONTROLLER in config.stash, worker is not None
        config.pluginmanager.register(RunInterrupts(guard), "ocpp-harness-interrupts")
    mode = config.getoption("harness_console", "off")
    if mode != "off" and worker is None:
        config.pluginmanager.register(CaseConsole(config, quiet=mode == "problems"), "ocpp-harness-console")


def parallel(config: pytest.Config) -> bool:
    """pytest-xdist runs the cases in worker processes (``-n N``): this process is their controller."""
    return bool(getattr(config.option, "numprocesses", None)) and getattr(config.option, "dist", "no") != "no"


def _prepare_parallel_run(pics: Any, options: SessionOptions) -> "RunDirectory":
    """A parallel run: the controller creates the run directory (and the test PKI, which the workers would
    otherwise race to create) before the workers start; each worker then runs its own session, reference
    charge point and listener on a port of its own."""
    if options.dut != "sim":
        pytest.exit("-n (parallel workers) needs --dut sim: each worker runs its own reference charge point; a "
                    "real charger is one device (run several PICS files, one per charger, instead)", returncode=2)
    if options.csms_port:
        pytest.exit("-n (parallel workers) needs --csms-port 0: each worker listens on a free port of its own",
                    returncode=2)
    if pics.test_setup.security_profile >= 2:
        from harness.pki import TestPki

        TestPki.for_listener(options.pki_dir, options.csms_host, pics.cipher_suites)
    return HarnessSession.prepare_run(pics, options)


def pytest_unconfigure(config: pytest.Config) -> None:
    stopped = interrupt.interruption()
    session = config.stash.get(SESSION, None)
    if session is not None:
        session.close(stopped.run_info() if stopped else None)
    run = config.stash.get(CONTROLLER, None)
    if run is not None:
        from harness.report.model import natural_key

        run.merge_workers(natural_key)
        run.write_run_info({"interrupted": stopped.run_info(interrupt.cut_off(run.path))} if stopped
                           else {"ended_utc": utc_now_iso()})
        _remember_durations(config, run.results())
    elif session is not None and not hasattr(config, "workerinput"):
        _remember_durations(config, session.run.results())
    if config.stash.get(OWN_GUARD, False):
        interrupt.uninstall()


# ------------------------------------------------------------------------ interrupted runs (issue 12)


class RunInterrupts:
    """The pytest side of harness.interrupt, registered with the harness (``--pics``): where a SIGINT or
    SIGTERM stops a case, and what is never cut off."""

    def __init__(self, guard: interrupt.InterruptGuard) -> None:
        self.guard = guard

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """No case starts after the one in progress."""
        self.guard.on_interrupt(lambda stopped: setattr(session, "shouldstop", stopped.summary()))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        return (yield from self._interruptible(item))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        return (yield from self._interruptible(item))

    @pytest.hookimpl(tryfirst=True)
    def pytest_fixture_setup(self) -> None:
        """A case the signal caught between two of its fixtures sets up no more of them."""
        self.guard.check()

    def _interruptible(self, item: pytest.Item) -> Generator[None, None, None]:
        """A case's set-up or steps: a case the signal caught between its set-up and its steps does not begin
        them; one the signal cancelled ends as a skip (which pytest reports without formatting the traceback
        of the cancellation: that alone can take half a second) and is marked as interrupted."""
        info = case_info(item)
        try:
            if info is not None:
                self.guard.check()
            return (yield)
        except (asyncio.CancelledError, interrupt.CaseInterrupted):
            stopped = self.guard.interruption
            if info is None or stopped is None or not stopped.stopped_case:
                raise
            item.stash[INTERRUPTED] = stopped
            raise pytest.skip.Exception(stopped.reason, _use_item_location=True) from None

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self) -> Generator[None, None, None]:
        """A case's teardown (and, after the last case, the session's stop) is never cut off: it is what an
        interrupted run needs done."""
        with self.guard.shielded():
            return (yield)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """From here on (the session's stop, junit, allure, the report) a signal only hurries the end along."""
        self.guard.settle()
        if self.guard.interruption is not None and "hypothesis" not in sys.modules:
            # hypothesis's terminal summary imports all of hypothesis (1-3 s on 2 busy cores) to report on
            # tests that never used it: an interrupted run has no time for that (its deadline is 5 s)
            session.config.pluginmanager.set_blocked("hypothesispytest")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _plan_order(items)
    if hasattr(config, "workerinput"):
        _balanced_order(config, items)
    for item in items:
        info = case_info(item)
        if info is not None:
            item.extra_keyword_matches.update({info.id, info.base_id or info.id, info.block})
    _select_scope(config, items)


def _plan_order(items: list[pytest.Item]) -> None:
    """Run (and so write results.jsonl) in the order of the test plan, TC_001 < TC_002 < … < TC_004_1 <
    TC_004_2, not in the alphabetical order of the files; anything that is not an OCTT case keeps its place
    after them. The report sorts with the same key."""
    if not any(case_info(item) is not None for item in items):
        return
    from harness.report.model import natural_key

    items.sort(key=lambda item: (0, natural_key(info.id)) if (info := case_info(item)) else (1, []))


#: pytest's cache key of the cases' durations in the last runs of a PICS (seconds, by case id)
DURATIONS = "ocpp_harness/durations/"


def _durations_key(config: pytest.Config) -> str:
    """Durations depend on the PICS (what applies, its timeouts): one cache entry per PICS file."""
    return DURATIONS + Path(str(config.getoption("pics"))).stem


def _balanced_order(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A parallel run's order, for pytest-xdist's ``worksteal`` scheduler, which first gives each worker an
    equal, contiguous share of the list and later moves the tail of the longest queue to an idle worker. The
    cases are dealt longest first, as the last runs of this PICS measured them (pytest's cache), in a snake
    (1…N, N…1) into one share per worker, each share longest first: every worker starts with a like load, and
    the short cases are the ones moved. Without that, plan order clusters the long offline cases (TC_036 …
    TC_039) in one share (the seed PICS: 57 s against 48 s). A case never measured counts as the longest; no
    cache keeps the plan's order. Every worker reads the same cache, so every worker collects the same order,
    as xdist requires; results.jsonl and the report keep the plan's order."""
    cache = getattr(config, "cache", None)
    known = cache.get(_durations_key(config), {}) if cache is not None else {}
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    if not isinstance(known, dict) or not known or workers < 2:
        return
    longest = max((v for v in known.values() if isinstance(v, (int, float))), default=0.0)

    def expected(item: pytest.Item) -> float:
        info = case_info(item)
        value = known.get(info.id) if info is not None else 0.0
        return float(value) if isinstance(value, (int, float)) else float(longest) + 1

    items[:] = snake_shares(sorted(items, key=lambda item: -expected(item)), workers)   # stable sort


def snake_shares(ranked: list[Any], workers: int) -> list[Any]:
    """``ranked`` (longest first) dealt 1…N, N…1, 1…N … into ``workers`` shares, the shares one after the
    other: equal counts (as worksteal splits), like sums, each share longest first."""
    shares: list[list[Any]] = [[] for _ in range(workers)]
    for rank, item in enumerate(ranked):
        lap, seat = divmod(rank, workers)
        shares[seat if lap % 2 == 0 else workers - 1 - seat].append(item)
    return [item for share in shares for item in share]


def _remember_durations(config: pytest.Config, results: list[dict[str, Any]]) -> None:
    """The run's case durations join pytest's cache for :func:`_balanced_order` (not-applicable cases take
    no time and are kept at 0)."""
    cache = getattr(config, "cache", None)
    if cache is None or not results:
        return
    known = cache.get(_durations_key(config), {})
    known = dict(known) if isinstance(known, dict) else {}
    for result in results:
        if isinstance(result.get("duration_s"), (int, float)) and isinstance(result.get("id"), str):
            known[result["id"]] = round(float(result["duration_s"]), 2)
    cache.set(_durations_key(config), known)


def _select_scope(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--profile``/``--block``: the run's scope, apart from the PICS (which keeps saying what the charger
    has). Cases outside it are deselected: not run and not reported."""
    profiles, blocks = set(config.getoption("profile") or ()), set(config.getoption("block") or ())
    if not profiles and not blocks:
        return
    infos = [info for item in items if (info := case_info(item)) is not None]
    for chosen, known, what in ((profiles, {i.profile for i in infos}, "--profile"),
                                (blocks, {i.block for i in infos}, "--block")):
        if chosen - known:
            raise pytest.UsageError(f"{what} {', '.join(sorted(chosen - known))}: no such "
                                    f"{what[2:]}; known: {', '.join(sorted(known))}")
    keep, drop = [], []
    for item in items:
        info = case_info(item)
        inside = info is None or ((not profiles or info.profile in profiles) and (not blocks or info.block in blocks))
        (keep if inside else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_runtest_setup(item: pytest.Item) -> None:
    info = case_info(item)
    session = item.config.stash.get(SESSION, None)
    item.stash[STARTED] = (time.monotonic(), utc_now_iso())
    if info is None or session is None:
        return
    guard = interrupt.guard()
    if guard is not None:
        guard.begin_case(info.id, item.stash[STARTED][0])
    reason = info.applies(session.pics)
    if reason:
        item.stash[NOT_APPLICABLE] = reason
        pytest.skip(f"not applicable: {reason}")
    if session.stuck:
        item.stash[NOT_RUN] = session.stuck
        pytest.skip(f"not run: {session.stuck}")


def _classify(excinfo: pytest.ExceptionInfo[BaseException] | None, when: str) -> tuple[Verdict, str]:
    if excinfo is None:
        return Verdict.PASSED, ""
    error = excinfo.value
    message = str(error).strip() or type(error).__name__
    if isinstance(error, Inconclusive):
        return Verdict.INCONCLUSIVE, message
    if isinstance(error, pytest.skip.Exception):
        return Verdict.INCONCLUSIVE, message
    if isinstance(error, HarnessError):
        return Verdict.ERROR, f"harness error: {message}"
    if isinstance(error, (Failed, AssertionError)) and when == "call":
        return Verdict.FAILED, message
    if isinstance(error, (Failed, AssertionError)) and when == "setup":
        return Verdict.INCONCLUSIVE, f"set-up: {message}"
    return Verdict.ERROR, f"{type(error).__name__}: {message}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    info = case_info(item)
    session = item.config.stash.get(SESSION, None)
    if info is None or session is None:
        return report
    phases = item.stash.setdefault(PHASES, {})
    if call.when == "setup" and NOT_APPLICABLE in item.stash:
        phases["setup"] = (Verdict.NOT_APPLICABLE, item.stash[NOT_APPLICABLE])
    elif call.when == "setup" and NOT_RUN in item.stash:
        phases["setup"] = (Verdict.NOT_RUN, item.stash[NOT_RUN])
    elif call.when in ("setup", "call") and (stopped := item.stash.get(INTERRUPTED, None)) is not None:
        if call.when not in phases:
            phases[call.when] = (Verdict.NOT_RUN, stopped.reason)
            session.interrupt_case(info, stopped.reason, stopped.signal)    # its trace ends here, with why
        report.longrepr = (str(item.path), item.location[1] or 0, stopped.reason)
    else:
        phases[call.when] = _classify(call.excinfo, call.when)
        if phases[call.when][0] is Verdict.ERROR and call.excinfo is not None:
            item.stash.setdefault(TRACEBACKS, {})[call.when] = _traceback_text(call.excinfo)
        if call.excinfo is not None and call.excinfo.errisinstance(Inconclusive):
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0, f"inconclusive: {call.excinfo.value}")
    if call.when == "teardown":
        try:
            if INTERRUPTED in item.stash:
                result, cut_off = _interrupt_case(item, info, session, item.stash[INTERRUPTED]), True
            else:
                result, cut_off = _finish_case(item, info, session, phases), False
        finally:
            if (guard := interrupt.guard()) is not None:
                guard.end_case()
        notices, session.notices[:] = list(session.notices), []
        report.user_properties.append((RESULT_PROPERTY, {"result": result, "notices": notices,
                                                         **({"interrupted": True} if cut_off else {})}))
    return report


def _interrupt_case(item: pytest.Item, info: CaseInfo, session: HarnessSession,
                    stopped: interrupt.Interruption) -> dict[str, Any]:
    """The case the signal cut off gets no verdict and no row in results.jsonl (the report lists it as
    started but not finished): the console's line for it, in the fields of a row."""
    started_monotonic, started_utc = item.stash.get(STARTED, (time.monotonic(), utc_now_iso()))
    return {"id": info.id, "title": info.title, "verdict": "interrupted", "reason": stopped.reason,
            "started_utc": started_utc, "duration_s": round(stopped.monotonic - started_monotonic, 3)}


def _finish_case(item: pytest.Item, info: CaseInfo, session: HarnessSession,
                 phases: dict[str, tuple[Verdict, str]]) -> dict[str, Any]:
    """Decide the verdict, write it to results.jsonl; the row written (the console shows exactly it)."""
    verdict, reason, ended_in = Verdict.PASSED, "", ""
    for when in ("setup", "call", "teardown"):
        phase_verdict, phase_reason = phases.get(when, (Verdict.PASSED, ""))
        if phase_verdict is not Verdict.PASSED:
            verdict, reason, ended_in = phase_verdict, phase_reason, when
            break
    if verdict is Verdict.PASSED:
        verdict, reason = session.findings_verdict()
    text = item.stash.get(TRACEBACKS, {}).get(ended_in)
    if verdict is Verdict.ERROR and text:
        _trace_traceback(session, info, ended_in, text)
    started_monotonic, started_utc = item.stash.get(STARTED, (time.monotonic(), utc_now_iso()))
    session.finish_case(info, verdict, reason, started_utc, time.monotonic() - started_monotonic)
    return _last_result(session, info)


def _traceback_text(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """The Python traceback of a harness error, from the first frame outside pytest's and pluggy's runner
    (those frames are the same for every case and hide the one that matters)."""
    tb = excinfo.tb
    while tb is not None and any(part in tb.tb_frame.f_code.co_filename for part in RUNNER_FRAMES):
        tb = tb.tb_next
    return "".join(traceback.format_exception(excinfo.type, excinfo.value, tb or excinfo.tb))


def _trace_traceback(session: HarnessSession, info: CaseInfo, phase: str, text: str) -> None:
    """An error verdict is a harness bug: its traceback goes into the case's trace, where whoever fixes it
    looks, whatever the console shows. A case whose set-up failed before its trace began (the session could
    not start) gets a trace file of its own for it; finish_case moves the trace back to the session's."""
    path = session.run.trace_file(info.id)
    if not path.exists():
        session.trace.begin(path)
    session.trace.add("traceback", phase=phase, text=text)


def _last_result(session: HarnessSession, info: CaseInfo) -> dict[str, Any]:
    """The row results.jsonl just received for the case: the console shows exactly what the file says."""
    for row in reversed(session.run.results()):
        if row.get("id") == info.id:
            return row
    return {"id": info.id, "title": info.title, "verdict": Verdict.ERROR.value, "reason": "no result written"}


# ------------------------------------------------------------------------ console


CONSOLE = pytest.StashKey["CaseConsole"]()
#: the user property of a case's teardown report that carries its results.jsonl row and the session's notices
#: to the console, in this process or, in a parallel run, from the worker to the controller
RESULT_PROPERTY = "ocpp_harness_result"


class CaseConsole:
    """``ocpp-harness run``'s console (the lines of :mod:`harness.console`) in place of pytest's progress
    dots and summaries, which a person at a charger cannot act on; ``-v`` brings pytest's back beside it."""

    def __init__(self, config: pytest.Config, quiet: bool) -> None:
        self.config, self.quiet = config, quiet
        self.total = self.done = 0
        self.last_not_run: str | None = None
        config.stash[CONSOLE] = self

    @property
    def pytest_output(self) -> bool:
        return self.config.get_verbosity() > 0

    def write(self, lines: list[console.Line]) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            for line in lines:
                print(console.render(line, console.wants_colour(sys.stdout)), flush=True)
            return
        colour = self.config.get_terminal_writer().hasmarkup
        for line in lines:
            reporter.write_line(console.render(line, colour))
        reporter.flush()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = sum(1 for item in session.items if case_info(item) is not None)

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """A parallel run: every worker collects the same cases; the controller counts them once."""
        self.total = self.total or len(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == RESULT_PROPERTY:
                if value["notices"]:
                    self.write([(console.Segment(notice),) for notice in value["notices"]])
                if value.get("interrupted"):
                    self.done += 1
                    self.write(interrupt.case_lines(value["result"], self.done, max(self.total, self.done)))
                else:
                    self.case_ended(value["result"])

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A test module that cannot even be imported is a harness bug: say so whatever the verbosity."""
        if report.failed and not self.pytest_output:
            self.write([(console.Segment(f"ocpp-harness: cannot collect {report.nodeid}:", "red"),),
                        *[(console.Segment(line),) for line in report.longreprtext.splitlines()]])

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report: pytest.TestReport,
                                 config: pytest.Config) -> Generator[None, Any, Any]:
        """Keep pytest's counting, drop its letters and words (the case lines say it) unless -v."""
        status = yield
        if self.pytest_output:
            return status
        return (status[0], "", "")

    def case_ended(self, result: dict[str, Any]) -> None:
        self.done += 1
        reason = str(result.get("reason") or "")
        repeated = result.get("verdict") == Verdict.NOT_RUN.value and reason == self.last_not_run
        if result.get("verdict") == Verdict.NOT_RUN.value:
            self.last_not_run = reason
        self.write(console.case_lines(result, self.done, max(self.total, self.done), quiet=self.quiet,
                                      repeated_reason=repeated))


# ------------------------------------------------------------------------ fixtures


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def harness_session(pytestconfig: pytest.Config) -> AsyncIterator[HarnessSession]:
    """The mock Central System and the device under test, started once for the run."""
    session = pytestconfig.stash.get(SESSION, None)
    if session is None:
        raise pytest.UsageError("OCPP test cases need --pics FILE (see `ocpp-harness run --help`)")
    try:
        await session.start()
        yield session
    finally:
        guard = interrupt.guard()
        with guard.shielded() if guard is not None else contextlib.nullcontext():
            await session.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def octt_case(request: pytest.FixtureRequest, harness_session: HarnessSession) -> AsyncIterator[CaseInfo]:
    """Begin the case's trace, bring the charge point to its baseline, and start the case's inbox."""
    info = case_info(request.node)
    assert info is not None, "octt_case is for functions decorated with @testcase"
    await harness_session.begin_case(info)
    yield info
    harness_session.attach_trace_to_allure(info)


@pytest.fixture
def cs(octt_case: CaseInfo, harness_session: HarnessSession) -> Any:
    """The Central System's side of the charge point under test (a :class:`harness.csms.station.Station`)."""
    return harness_session.station


@pytest.fixture
def dut(octt_case: CaseInfo, harness_session: HarnessSession) -> Any:
    """Physical actions on the device under test (a :class:`harness.dut.DeviceControl`)."""
    return harness_session.dut


@pytest.fixture
def setup(harness_session: HarnessSession) -> Any:
    """The test set-up of the PICS: chargePointId, connector under test, idTags, intervals, timeouts."""
    return harness_session.pics.test_setup


@pytest.fixture
def pics(harness_session: HarnessSession) -> Any:
    """The whole PICS of the charge point under test."""
    return harness_session.pics


@pytest.fixture
def basic_auth(octt_case: CaseInfo, harness_session: HarnessSession) -> Generator[Any, None, None]:
    """The listener's HTTP Basic auth for the charger under test (a :class:`harness.csms.basic_auth.BasicAuth`):
    the AuthorizationKey it accepts (a case that changes the charger's key expects the new one) and the
    connection attempts it saw; the PICS's password is expected again after the case."""
    from harness.csms.basic_auth import BasicAuth

    session = harness_session
    setup = session.pics.test_setup
    credentials = BasicAuth(session.central, setup.charge_point_id, session.trace, setup.basic_auth_password)
    try:
        yield credentials
    finally:
        credentials.restore()


@pytest.fixture
def listener(octt_case: CaseInfo, harness_session: HarnessSession) -> Any:
    """The Central System's listener (a :class:`harness.security_profiles.ListenerSwitch`), for a case that
    restarts it at another security profile (TC_083_CS)."""
    from harness.security_profiles import ListenerSwitch

    return ListenerSwitch(harness_session)


@pytest.fixture
def firmware_signer(octt_case: CaseInfo, harness_session: HarnessSession) -> Any:
    """The harness as firmware manufacturer (a :class:`harness.firmware_signature.FirmwareSigner`): its
    ManufacturerRootCertificate and the signatures of the served images, kept in the PKI directory; or the
    vendor's own signature from ``--firmware-dir`` (:class:`~harness.firmware_signature.VendorSignature`)."""
    from harness.firmware_signature import signer_for

    files = harness_session.files
    return signer_for(harness_session.options.pki_dir, files.options.firmware_dir if files else None)


@pytest.fixture
def pki(octt_case: CaseInfo, harness_session: HarnessSession) -> Any:
    """The run's PKI (a :class:`harness.pki.TestPki`), the CA of the Central System and of the charge point
    certificates, for a case that issues certificates (TC_074_CS); a run over ws:// has none, and the case
    is inconclusive saying so (its applicability asks for security profile 3, which needs the PKI)."""
    if harness_session.pki is None:
        raise Inconclusive("the run has no PKI (security profiles 2 and 3 make one from --pki-dir)")
    return harness_session.pki


@pytest.fixture
def files(octt_case: CaseInfo, harness_session: HarnessSession) -> Any:
    """The run's file servers (a :class:`harness.files.FileServers`): the URLs a case hands the charger
    (``firmware_url``, ``missing_url``, ``upload_url``, ``refusing_upload_url``) and what arrived there."""
    if harness_session.files is None:
        raise HarnessError("no file servers in this run: the PICS claims neither the FirmwareManagement profile "
                           "nor the security whitepaper")
    return harness_session.files
