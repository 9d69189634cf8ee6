"""pytest glue: options, the harness session, per-case fixtures, applicability and verdicts.

The plug-in is inert unless ``--pics`` is given, so it never touches other test suites. With it:

- ``pytest_configure`` loads the PICS (a bad one stops pytest with exit code 2 and the field named) and opens
  the run directory;
- each OCTT test case (``@testcase``) is selectable by its id (``-k TC_003_CS``) and block;
- a case the PICS excludes is skipped as *not applicable*, with the PICS item that excludes it;
- before each case the charge point is brought to its baseline; the case's frames are traced to
  ``traces/<id>.jsonl``;
- the verdict (passed, failed, inconclusive, not applicable, error) is appended to ``results.jsonl`` the
  moment the case ends.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
import pytest_asyncio

from harness.csms.trace import utc_now_iso
from harness.session import HarnessSession, SessionOptions
from harness.testcase import CaseInfo, case_info
from harness.verdicts import Failed, HarnessError, Inconclusive, Verdict

SESSION = pytest.StashKey[HarnessSession]()
PHASES = pytest.StashKey[dict[str, tuple[Verdict, str]]]()
NOT_APPLICABLE = pytest.StashKey[str]()
NOT_RUN = pytest.StashKey[str]()
STARTED = pytest.StashKey[tuple[float, str]]()


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
    config.stash[SESSION] = HarnessSession.open(pics, options)


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION, None)
    if session is not None:
        session.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        info = case_info(item)
        if info is not None:
            item.extra_keyword_matches.update({info.id, info.block})
    _select_scope(config, items)


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
    else:
        phases[call.when] = _classify(call.excinfo, call.when)
        if call.excinfo is not None and call.excinfo.errisinstance(Inconclusive):
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0, f"inconclusive: {call.excinfo.value}")
    if call.when == "teardown":
        _finish_case(item, info, session, phases)
    return report


def _finish_case(item: pytest.Item, info: CaseInfo, session: HarnessSession,
                 phases: dict[str, tuple[Verdict, str]]) -> None:
    verdict, reason = Verdict.PASSED, ""
    for when in ("setup", "call", "teardown"):
        phase_verdict, phase_reason = phases.get(when, (Verdict.PASSED, ""))
        if phase_verdict is not Verdict.PASSED:
            verdict, reason = phase_verdict, phase_reason
            break
    if verdict is Verdict.PASSED:
        verdict, reason = session.findings_verdict()
    started_monotonic, started_utc = item.stash.get(STARTED, (time.monotonic(), utc_now_iso()))
    session.finish_case(info, verdict, reason, started_utc, time.monotonic() - started_monotonic)


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
