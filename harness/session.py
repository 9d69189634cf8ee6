"""One conformance run: the PICS, the run directory, the mock Central System, and the device under test.

The pytest plug-in drives it; it knows nothing of pytest, so the same session could be driven by another
runner.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.baseline import reach_baseline, reach_session_baseline
from harness.csms.replies import DefaultReplies, IdTagTable
from harness.csms.server import CentralSystem, Listener
from harness.csms.station import Station
from harness.csms.trace import Redactor, Trace, utc_now_iso
from harness.dut.control import DeviceControl, plugin_manager
from harness.files import FileServers, files_for_run
from harness.pki import TestPki
from harness.security_profiles import profile_for, supported
from harness.ocpp import PayloadValidator
from harness.run_dir import RunDirectory
from harness.testcase import CaseInfo
from harness.verdicts import Failed, HarnessError, Inconclusive, Verdict

SESSION_TRACE = "_session"
#: Cases in a row whose baseline could not be reached before the run stops: the charger is stuck.
STUCK_AFTER = 2
#: A person needs time to point a real charger at the harness and switch it on.
MANUAL_FIRST_CONNECTION_S = 600.0


@dataclass(frozen=True)
class SessionOptions:
    pics_path: Path
    dut: str = "sim"
    dut_config: Path | None = None
    csms_host: str = "127.0.0.1"
    csms_port: int = 0
    report_dir: Path = Path("reports")
    run_id: str | None = None
    sim_faults: tuple[str, ...] = ()
    sim_behaviours: tuple[str, ...] = ()
    sim_reply_delay_ms: int = 0
    pki_dir: Path = Path(".harness-pki")


#: Before a physical action the harness waits until the charger has been silent this long (at most the
#: limit): a frame it sends before the action then arrives before it, as with a person at a real bench.
SETTLE_WINDOW_S = 0.1
SETTLE_LIMIT_S = 1.0
#: How often manual mode tells the person how long the harness still waits.
COUNTDOWN_EVERY_S = 15.0


async def countdown(what: str, seconds: float) -> None:
    """Manual mode: tell the person at the charger how long the harness still waits for ``what``. A display
    ticker that the wait cancels the moment the effect arrives; it waits for nothing itself."""
    remaining = seconds
    while remaining > 0:
        print(f"    waiting up to {remaining:.0f} s for {what}", file=sys.stderr, flush=True)
        step = min(COUNTDOWN_EVERY_S, remaining)
        await asyncio.sleep(step)
        remaining -= step


def id_tag_table(id_tags: Any) -> IdTagTable:
    """The Central System's judgement of the PICS's idTags."""
    table = IdTagTable()
    table.set(id_tags.valid, "Accepted")
    table.set(id_tags.valid_2, "Accepted")
    table.set(id_tags.invalid, "Invalid")
    table.set(id_tags.blocked, "Blocked")
    table.set(id_tags.expired, "Expired")
    for child in id_tags.with_parent:
        table.set(child, "Accepted", id_tags.parent_id_tag)
    return table


class HarnessSession:
    def __init__(self, pics: Any, options: SessionOptions, run: RunDirectory) -> None:
        self.pics = pics
        self.options = options
        self.run = run
        setup = pics.test_setup
        redactor = Redactor()
        for secret in pics.secrets():
            redactor.add(secret)
        self.trace = Trace(redactor)
        #: the harness's own trace between cases; one per worker of a parallel run
        self.session_trace = SESSION_TRACE if run.worker is None else f"{SESSION_TRACE}-{run.worker}"
        self.trace.begin(run.trace_file(self.session_trace))
        self.validator = PayloadValidator(setup.tolerate_date_time_without_offset)
        self.station = Station(
            setup.charge_point_id,
            trace=self.trace,
            validator=self.validator,
            defaults=DefaultReplies(setup.intervals.heartbeat, id_tag_table(setup.id_tags)),
            response_timeout=float(pics.performance.ocpp_response_timeout),
            message_timeout=float(setup.timeouts.message),
            clock_skew_tolerance=float(setup.clock_skew_tolerance),
            boot_answer_delay=float(setup.boot_answer_delay),
        )
        self.central = CentralSystem(self.trace, {setup.charge_point_id: self.station},
                                     {setup.charge_point_id: setup.basic_auth_password})
        self.adapter: Any = None
        self.pki: TestPki | None = None
        #: the security profile the listener serves now: the PICS's, or the one a case upgraded to
        self.security_profile: int = pics.test_setup.security_profile
        self._case_profile: int = self.security_profile
        #: the run's FTP/HTTP file servers (Firmware Management), or None when the PICS does not claim it
        self.files: FileServers | None = None
        self.dut = self._device_control(plugin_manager())
        #: warnings of the baseline before the current case (requests not answered as asked)
        self.case_warnings: list[str] = []
        #: why the run stopped early (the charger is stuck), or None: every later case is "not run"
        self.stuck: str | None = None
        #: what the console must tell a person once, before the next case line
        self.notices: list[str] = []
        self._baseline_failures = 0
        self._last_reached: str | None = None

    def _device_control(self, manager: Any) -> DeviceControl:
        """Physical actions wait for the charger to fall silent first and are causes of what follows."""
        return DeviceControl(manager, self.trace, self.station.mark_cause,
                             lambda: self.station.quiet(SETTLE_WINDOW_S, SETTLE_LIMIT_S))

    @classmethod
    def open(cls, pics: Any, options: SessionOptions, worker: str | None = None) -> "HarnessSession":
        """The session of a serial run (which creates the run directory), or of one worker of a parallel run
        (which joins the directory its controller created with :meth:`prepare_run`)."""
        if worker is not None:
            return cls(pics, options, RunDirectory(options.report_dir / str(options.run_id), worker))
        return cls(pics, options, cls.prepare_run(pics, options))

    @staticmethod
    def prepare_run(pics: Any, options: SessionOptions) -> RunDirectory:
        """The run directory, its redacted PICS and run.json: a serial run's session, or the controller of a
        parallel run, before any worker starts."""
        run = RunDirectory.create(options.report_dir, options.run_id)
        (run.path / "pics.yaml").write_text(pics.redacted_yaml(), encoding="utf-8")
        run.write_run_info({
            "run_id": run.path.name,
            "pics_path": str(options.pics_path),
            "pics_sha256": hashlib.sha256(options.pics_path.read_bytes()).hexdigest(),
            "config_id": pics.config_id(),
            "dut_adapter": options.dut,
            "sim_faults": list(options.sim_faults),
            "sim_behaviours": list(options.sim_behaviours),
            "security_profile": pics.test_setup.security_profile,
            "tolerate_date_time_without_offset": pics.test_setup.tolerate_date_time_without_offset,
        })
        return run

    # ----------------------------------------------------------------- start and stop

    async def start(self) -> None:
        setup = self.pics.test_setup
        await self.central.start(self._listener())
        self.trace.add("connection", event="listening",
                       detail={"url": self.central.url, "security_profile": setup.security_profile})
        self.run.write_run_info({"csms_url": self.central.url})     # where this run's charger connects
        self.files = files_for_run(self.pics, self.trace, self.run.path, self.options.pki_dir)   # issue 9
        self.adapter = await self._start_adapter()
        self.dut = self._device_control(plugin_manager(self.adapter))
        if self.options.dut == "manual":
            self.station.physical_timeout = float(setup.timeouts.physical_action)
            self.station.countdown = countdown
        await self.dut.session_start(self.central.url, setup.charge_point_id)
        first = MANUAL_FIRST_CONNECTION_S if self.options.dut == "manual" else float(setup.timeouts.long_operation)
        try:
            await self.station.wait_connected(first)
            await self._booted()
        except Failed as failure:
            raise Failed(f"{failure}; {self._why_no_connection()}") from None
        warnings = await reach_session_baseline(self.station)
        if warnings:
            self.run.write_run_info({"session_warnings": warnings})

    async def _booted(self) -> None:
        """A connected charger that sends no BootNotification within a message timeout may simply be booted
        already (OCPP asks for a BootNotification after a reboot, not after a reconnect). Ask it for one with
        TriggerMessage where RT-0 is claimed, else power-cycle it where the adapter can; otherwise go on with
        the charger as it is, and say so once."""
        setup = self.pics.test_setup
        station, long_wait = self.station, float(setup.timeouts.long_operation)
        try:
            await station.wait_booted(float(setup.timeouts.message))
            return
        except Failed:
            pass
        if self.pics.feature("RT-0"):
            response = await station.call("TriggerMessage", requestedMessage="BootNotification", allow_error=True)
            if response.payload.get("status") == "Accepted":
                await station.wait_booted(long_wait)
                return
        if await self._power_cycled(long_wait):
            return
        note = ("the charge point was connected but sent no BootNotification (it was booted before the run); "
                "the run goes on with it as it is: the BootNotification it reported is unknown")
        # the session starts inside the first case's set-up, where pytest captures print(): the console says it
        self.notices.append(f"ocpp-harness: {note}")
        self.trace.finding(note, severity="warning")
        self.run.write_run_info({"session_start": note})
        station.assume_booted()

    async def _power_cycled(self, timeout: float) -> bool:
        try:
            await self.dut.power_cycle()
        except Inconclusive:
            return False
        await self.station.wait_booted(timeout)
        return True

    def _why_no_connection(self) -> str:
        """What the listener saw of a charger that never booted: the question a lab engineer asks first."""
        events = [r for r in self.trace.records if r["type"] == "connection"]
        refused = [r["detail"] for r in events if r["event"] == "refused"]
        hellos = sum(1 for r in events if r["event"] == "tls-client-hello")
        opened = sum(1 for r in events if r["event"] == "open")
        if opened:
            return "the charge point connected but sent no BootNotification that was accepted"
        if refused:
            return f"its last attempt was refused with {refused[-1]['status']}: {refused[-1]['reason']}"
        if hellos and self.pki is not None:
            why = f"it does not trust {self.pki.root_certificate}"
            if self.pics.test_setup.security_profile == 3:
                why += f", or presented no certificate that chains to {self.pki.charge_point_ca}"
            return f"{hellos} TLS handshake(s) began and none completed: {why}"
        return f"no connection attempt reached {self.central.url}"

    def _listener(self, profile: int | None = None, suites: tuple[str, ...] | None = None) -> Listener:
        """ws:// at security profiles 0 and 1; wss:// from the PKI directory at 2 and 3, offering the C-12
        suites (or only ``suites``, TC_086_CS and TC_087_CS try each). The PKI is made at the start when the
        PICS claims a TLS profile."""
        host, port = self.options.csms_host, self.options.csms_port
        profile = self.pics.test_setup.security_profile if profile is None else profile
        if self.pki is None and max(supported(self.pics) | {profile}) >= 2:
            self.pki = TestPki.for_listener(self.options.pki_dir, host, self.pics.cipher_suites)
            self.run.write_run_info({"pki": {"directory": str(self.options.pki_dir), **self.pki.fingerprints()}})
        if profile < 2:
            return Listener(host, port, profile)
        assert self.pki is not None
        return Listener(host, port, profile, self.pki.server_context(profile, suites or self.pics.cipher_suites))

    async def switch_listener(self, profile: int, suites: tuple[str, ...] | None = None) -> None:
        """Listen anew at ``profile`` on the same port (TC_083_CS), offering only ``suites`` if given; the
        charger's connection is closed."""
        await self.central.restart(self._listener(profile, suites))
        self.security_profile = profile
        self.trace.add("connection", event="listening", detail={"url": self.central.url, "security_profile": profile})

    async def _bring_to_profile(self, wanted: int) -> list[str]:
        """Before a case: the charger and the listener at the profile the case runs at (the PICS's, unless
        the case runs at another, :func:`harness.security_profiles.profile_for`). Up in band, as a Central
        System does it: ChangeConfiguration(SecurityProfile), and the charger reconnects with it (Security
        Whitepaper); down out of band, through the device adapter (OCPP cannot lower it; a case such as
        TC_083_CS may have raised it). Without an adapter that can lower it, the run goes on at the higher
        profile, and says so."""
        current = self.security_profile
        if current == wanted:
            return []
        self.trace.step(f"baseline: the charge point to security profile {wanted} (from {current})")
        if wanted > current:
            response = await self.station.call("ChangeConfiguration", key="SecurityProfile", value=str(wanted),
                                               allow_error=True)
            status = response.error_code or response.payload.get("status")
            if status != "Accepted":
                raise Inconclusive(f"the case runs at security profile {wanted}, and ChangeConfiguration"
                                   f"(SecurityProfile={wanted}) answered {status}")
        else:
            try:
                await self.dut.security_profile(wanted)
            except Inconclusive as exc:
                note = (f"the charge point stays at security profile {current}: {exc} (OCPP cannot lower it); "
                        f"the cases that run at {wanted} run at {current}")
                if f"ocpp-harness: {note}" not in self.notices:
                    self.notices.append(f"ocpp-harness: {note}")
                return [f"baseline: {note}"]
        await self.switch_listener(wanted)
        try:
            await self.station.wait_connected(float(self.pics.test_setup.timeouts.long_operation))
        except Failed as failure:
            raise Inconclusive(f"the charge point did not reconnect at security profile {wanted} "
                               f"({'upgraded in band' if wanted > current else 'set out of band'}): {failure}") from None
        return []

    def _own(self, name: str) -> str:
        """A file of this session's own in the run directory: ``simulator.log``, or ``simulator-gw1.log`` for
        a worker of a parallel run (each runs its own reference charge point)."""
        if self.run.worker is None:
            return name
        stem, dot, suffix = name.partition(".")
        return f"{stem}-{self.run.worker}{dot}{suffix}"

    async def _start_adapter(self) -> Any:
        if self.options.dut == "sim":
            from harness.dut.sim import SimulatorAdapter, SimulatorConfig

            adapter = SimulatorAdapter(SimulatorConfig(
                pics_path=self.options.pics_path.resolve(),
                url=self.central.url,
                state_file=self.run.path / self._own("simulator-state.json"),
                log_file=self.run.path / self._own("simulator.log"),
                faults=self.options.sim_faults,
                behaviours=self.options.sim_behaviours,
                reply_delay_ms=self.options.sim_reply_delay_ms,
                ca_file=self.pki.root_certificate if self.pki else (self.files and self.files.root_certificate),
                client_certificate=self.pki.charge_point(self.pics.test_setup.charge_point_id)
                if self.pki and 3 in supported(self.pics) else None,
            ))
            await adapter.start()
            return adapter
        if self.options.dut == "command":
            from harness.dut.command import CommandAdapter

            if self.options.dut_config is None:
                raise HarnessError("--dut command needs --dut-config BENCH.yaml (see harness/dut/command.py)")
            return CommandAdapter.from_file(self.options.dut_config)
        from harness.dut.manual import ManualAdapter

        adapter = ManualAdapter.from_file(self.options.dut_config)
        print(f"\nPoint the charge point at {self.central.url}/{self.pics.test_setup.charge_point_id} "
              "(subprotocol ocpp1.6) and switch it on.", flush=True)
        if self.pki is not None:
            print(f"It must trust {self.pki.root_certificate.resolve()} (install it as "
                  "CentralSystemRootCertificate).", flush=True)
            if self.pics.test_setup.security_profile == 3:
                print(f"Its ChargePointCertificate must chain to a CA in {self.pki.charge_point_ca.resolve()} "
                      f"and have CN={self.pics.test_setup.charge_point_id}.", flush=True)
        return adapter

    async def stop(self) -> None:
        self.station.end_case()
        try:
            await self.dut.session_end()
        except Inconclusive as exc:
            self.trace.finding(f"session_end: {exc}", severity="warning")
        stop = getattr(self.adapter, "stop", None)
        if stop is not None:
            await stop()
        await self.central.stop()
        if self.files is not None:                                            # issue 9: file servers
            await self.files.stop()

    def close(self, interrupted: dict[str, Any] | None = None) -> None:
        """``interrupted``: the signal that stopped the run (issue 12); ``ended_utc`` then stays null, and
        the report says the run did not end normally."""
        self.trace.end()
        if interrupted is not None:
            self.run.write_run_info({"interrupted": interrupted})
        elif self.run.worker is None:
            self.run.write_run_info({"ended_utc": utc_now_iso()})

    # ----------------------------------------------------------------- cases

    async def begin_case(self, info: CaseInfo) -> None:
        self.trace.begin(self.run.trace_file(info.id))
        self.trace.step(f"{info.id} — {info.title}")
        self.station.begin_case()
        self.station.harness_errors.clear()
        self.case_warnings = []
        try:
            moved = await self._bring_to_profile(profile_for(self.pics, info.security_profiles))
            self.case_warnings = moved + await reach_baseline(
                self.station, self.dut, float(self.pics.test_setup.timeouts.long_operation),
                clear_local_list=self.pics.supports_profile("LocalAuthListManagement"))
        except Inconclusive as stuck:
            self._baseline_failures += 1
            if self._baseline_failures >= STUCK_AFTER:
                since = f"after {self._last_reached}" if self._last_reached else "from the start of the run"
                self.stuck = (f"the run stopped: the charge point is stuck {since}; the baseline was not reached "
                              f"before {info.id} either ({stuck})")
            raise
        self._baseline_failures = 0
        self._last_reached = info.id
        self._case_profile = self.security_profile          # the profile the case starts at, for its row
        self.station.begin_case(police=True, origin_ns=self.trace.records[0]["t_ns"] if self.trace.records else None)

    def findings_verdict(self) -> tuple[Verdict, str]:
        """A case whose steps all passed still fails when a frame of the charger broke the rules."""
        if self.station.harness_errors:
            return Verdict.ERROR, f"harness error: {self.station.harness_errors[0]}"
        if self.station.findings:
            return Verdict.FAILED, self.station.findings[0]
        if self.station.status_findings:
            return Verdict.FAILED, f"illegal connector status: {self.station.status_findings[0]}"
        for record in self.trace.frames("cp->cs"):
            if record.get("findings"):
                return Verdict.FAILED, (f"the charge point sent a frame that breaks OCPP-J: "
                                        f"{'; '.join(record['findings'])}; frame: {record['raw'][:300]}")
        return Verdict.PASSED, ""

    def finish_case(self, info: CaseInfo, verdict: Verdict, reason: str, started_utc: str, duration_s: float) -> None:
        self.station.end_case()
        applicable = verdict not in (Verdict.NOT_APPLICABLE, Verdict.NOT_RUN)
        if applicable:
            self.trace.add("verdict", verdict=verdict.value, reason=reason)
        self.trace.begin(self.run.trace_file(self.session_trace))
        self.run.append_result({
            "id": info.id,
            "title": info.title,
            "block": info.block,
            "profile": info.profile,
            "verdict": verdict.value,
            "reason": self.trace.redactor.text(reason),
            "started_utc": started_utc,
            "duration_s": round(duration_s, 3),
            "trace": f"traces/{info.id}.jsonl" if applicable else None,
            "features": list(info.features),
            **({"security_profile": self._case_profile} if applicable else {}),
            **({"warnings": [self.trace.redactor.text(w) for w in self.case_warnings]} if self.case_warnings else {}),
        })
        self.case_warnings = []

    def interrupt_case(self, info: CaseInfo, reason: str, signal_name: str) -> None:
        """The case a signal cut off (issue 12): no verdict and no row in results.jsonl, so the report lists
        it as started but not finished; its trace (or the session's, if it had none yet) ends with why."""
        self.station.end_case()
        own = self.run.trace_file(info.id).exists()
        self.trace.add("finding", text=reason if own else f"{info.id}: {reason}", severity="warning",
                       interrupted=signal_name)
        self.trace.begin(self.run.trace_file(self.session_trace))
        self.case_warnings = []

    def attach_trace_to_allure(self, info: CaseInfo) -> None:
        try:
            import allure
        except ImportError:
            return
        allure.dynamic.title(f"{info.id} — {info.title}")
        allure.dynamic.label("octt_id", info.id)
        allure.dynamic.feature(info.block)
        allure.dynamic.label("profile", info.profile)
        path = self.run.trace_file(info.id)
        if path.exists():
            allure.attach.file(str(path), name=f"{info.id} trace", attachment_type="application/json",
                               extension="jsonl")
