"""The ``sim`` adapter: drives the project's reference charge point, a real subprocess, through its control
channel (``docs/contracts.md`` §4).

A power cycle is what it is on a real charger: the process is told the power fails (so a charger with backup
power can stop its transactions), then killed, then started again with the same command line; it resumes
from its state file.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import interrupt
from harness.dut.hookspecs import hookimpl
from harness.pki import ChargePointCredentials
from harness.verdicts import HarnessError, Inconclusive

START_TIMEOUT_S = 20.0
REQUEST_TIMEOUT_S = 30.0


@dataclass
class SimulatorConfig:
    pics_path: Path
    url: str
    state_file: Path
    log_file: Path
    faults: tuple[str, ...] = ()
    #: allowed behaviours (OCPP permits them; the cases must pass): ``python -m simulator --list-behaviours``
    behaviours: tuple[str, ...] = ()
    reply_delay_ms: int = 0
    extra_args: tuple[str, ...] = ()
    ca_file: Path | None = None
    client_certificate: ChargePointCredentials | None = None

    def argv(self) -> list[str]:
        argv = [sys.executable, "-m", "simulator", "--pics", str(self.pics_path), "--url", self.url,
                "--state-file", str(self.state_file)]
        for fault in self.faults:
            argv += ["--fault", fault]
        for behaviour in self.behaviours:
            argv += ["--behaviour", behaviour]
        if self.reply_delay_ms:
            argv += ["--reply-delay-ms", str(self.reply_delay_ms)]
        if self.ca_file is not None:
            argv += ["--ca-file", str(self.ca_file)]
        if self.client_certificate is not None:
            argv += ["--cert-file", str(self.client_certificate.certificate),
                     "--key-file", str(self.client_certificate.private_key)]
        return argv + list(self.extra_args)


@dataclass
class SimulatorAdapter:
    config: SimulatorConfig
    _process: asyncio.subprocess.Process | None = None
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def start(self) -> None:
        self.config.log_file.parent.mkdir(parents=True, exist_ok=True)
        log = self.config.log_file.open("ab")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._process = await asyncio.create_subprocess_exec(
            *self.config.argv(), stdout=asyncio.subprocess.PIPE, stderr=log, env=env,
            start_new_session=True,
        )
        log.close()
        interrupt.track(self._process.pid)     # an interrupted run kills it whatever else happens
        try:
            await self._connect()
        except BaseException:                  # cancelled (an interrupted run), or it never started
            await self.stop()
            raise

    async def _connect(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        try:
            line = await asyncio.wait_for(self._process.stdout.readline(), START_TIMEOUT_S)
        except TimeoutError:
            raise HarnessError(f"the reference charge point did not start within {START_TIMEOUT_S} s; "
                               f"see {self.config.log_file}") from None
        text = line.decode().strip()
        if not text.startswith("CONTROL "):
            code = await self._process.wait()
            raise HarnessError(f"the reference charge point exited ({code}) instead of starting: "
                               f"{text or 'no output'}; see {self.config.log_file}")
        host, _, port = text.split(" ", 1)[1].rpartition(":")
        self._reader, self._writer = await asyncio.open_connection(host, int(port))

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._process is not None and self._process.returncode is None:
            os.killpg(self._process.pid, signal.SIGKILL)
            await self._process.wait()
        if self._process is not None:
            interrupt.untrack(self._process.pid)
        self._process = None
        forget_secrets(self.config.state_file)

    async def request(self, action: str, **args: Any) -> dict[str, Any]:
        async with self._lock:
            if self._writer is None or self._reader is None:
                raise HarnessError("the reference charge point is not running")
            request_id = next(self._ids)
            self._writer.write((json.dumps({"id": request_id, "action": action, **args}) + "\n").encode())
            await self._writer.drain()
            line = await asyncio.wait_for(self._reader.readline(), REQUEST_TIMEOUT_S)
        if not line:
            raise HarnessError(f"the reference charge point closed its control channel during {action}")
        response = json.loads(line)
        if response.get("id") != request_id:
            raise HarnessError(f"control channel out of step: sent id {request_id}, got {response!r}")
        if not response.get("ok"):
            raise Inconclusive(response.get("error", "refused"))
        return response

    async def power_cycle(self) -> None:
        await self.request("power_off")
        await self.stop()
        await self.start()

    @hookimpl
    def dut_plug_in(self, connector: int, side: str):  # type: ignore[no-untyped-def]
        return self.request("plug_in", connector=connector, side=side)

    @hookimpl
    def dut_unplug(self, connector: int, side: str):  # type: ignore[no-untyped-def]
        return self.request("unplug", connector=connector, side=side)

    @hookimpl
    def dut_present_id_tag(self, id_tag: str, connector: int):  # type: ignore[no-untyped-def]
        return self.request("present_id_tag", id_tag=id_tag, connector=connector)

    @hookimpl
    def dut_power_cycle(self):  # type: ignore[no-untyped-def]
        return self.power_cycle()

    @hookimpl
    def dut_network(self, up: bool):  # type: ignore[no-untyped-def]
        return self.request("network", up=up)

    @hookimpl
    def dut_fault(self, connector: int, error_code: str, active: bool):  # type: ignore[no-untyped-def]
        return self.request("fault", connector=connector, error_code=error_code, active=active)

    @hookimpl
    def dut_baseline(self):  # type: ignore[no-untyped-def]
        return self.request("baseline")

    @hookimpl
    def dut_security_profile(self, profile: int):  # type: ignore[no-untyped-def]
        return self.request("security_profile", profile=profile)

    @hookimpl
    def dut_prompt(self, question: str, prompt_id: str):  # type: ignore[no-untyped-def]
        return None  # a simulator has no eyes: observations are made on the wire


#: Configuration keys whose values are secrets (docs/contracts.md: never in a run directory).
SECRET_KEYS = ("AuthorizationKey",)


def forget_secrets(state_file: Path) -> None:
    """The reference charge point keeps a changed AuthorizationKey in its state file, as a charger keeps it in
    its storage (TC_073 changes it). The file stays in the run directory as evidence, so once the charge point
    has stopped the key is dropped from it: a later start takes the PICS password, which is what the harness
    expects of a session anyway."""
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    config = state.get("config") if isinstance(state, dict) else None
    if isinstance(config, dict) and any(key in config for key in SECRET_KEYS):
        for key in SECRET_KEYS:
            config.pop(key, None)
        state_file.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")

