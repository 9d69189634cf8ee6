"""The ``command`` adapter: the vendor's bench performs each physical action with a program of its own.

``--dut-config bench.yaml`` maps actions to argv templates; each is run directly (never through a shell),
in the folder of the bench file (so ``./bench`` is the script beside it), with these placeholders filled in:

| action | placeholders |
|---|---|
| ``plug_in``, ``unplug`` | ``{connector}``, ``{side}`` (``both``, ``ev`` or ``cp``) |
| ``present_id_tag`` | ``{id_tag}``, ``{connector}`` |
| ``power_cycle``, ``baseline``, ``session_end`` | none |
| ``network`` | ``{up}``: ``true`` to restore the connection, ``false`` to cut it |
| ``fault`` | ``{connector}``, ``{error_code}``, ``{active}``: ``true`` to raise it, ``false`` to clear it |
| ``prompt`` | ``{question}`` (the text a person would read), ``{prompt_id}`` (a stable id of the question); the
  command prints ``yes``, ``no`` or ``could not do`` |
| ``session_start`` | ``{url}`` (the Central System's ws:// or wss:// URL), ``{charge_point_id}``; run once,
  after the harness listens and before it waits for the first connection (start a simulator there) |

Booleans render as ``true``/``false``. An example::

    timeout_s: 30
    actions:
      session_start: ["./bench", "start", "--url", "{url}/{charge_point_id}"]
      session_end: ["./bench", "stop"]
      plug_in: ["./bench", "plug", "--connector", "{connector}", "--side", "{side}"]
      unplug: ["./bench", "unplug", "--connector", "{connector}", "--side", "{side}"]
      present_id_tag: ["./bench", "rfid", "{id_tag}"]
      power_cycle: ["./bench", "power", "cycle"]

An action the file does not map falls through to the next adapter (or makes the case inconclusive). A
command that fails (non-zero exit, timeout) makes the case inconclusive, quoting its stderr. A
``session_start`` command must return (start the charger in the background); it has ``timeout_s`` too.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from harness.dut.hookspecs import hookimpl
from harness.verdicts import Inconclusive

ACTIONS = ("plug_in", "unplug", "present_id_tag", "power_cycle", "network", "fault", "baseline", "prompt",
           "session_start", "session_end", "security_profile")


class CommandConfigError(ValueError):
    """The bench file is malformed; the message names the field."""


@dataclass(frozen=True)
class CommandAdapter:
    actions: Mapping[str, tuple[str, ...]]
    timeout_s: float = 30.0
    cwd: Path | None = None

    @classmethod
    def from_file(cls, path: Path) -> "CommandAdapter":
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict) or not isinstance(data.get("actions"), dict):
            raise CommandConfigError(f"{path}: expected a mapping with an 'actions' mapping")
        actions: dict[str, tuple[str, ...]] = {}
        for name, argv in data["actions"].items():
            if name not in ACTIONS:
                raise CommandConfigError(f"{path}: actions.{name}: unknown action; known: {', '.join(ACTIONS)}")
            if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
                raise CommandConfigError(f"{path}: actions.{name}: expected a non-empty list of strings (argv)")
            actions[name] = tuple(argv)
        return cls(actions, float(data.get("timeout_s", 30.0)), path.parent)

    async def run(self, action: str, **values: Any) -> str:
        argv = [part.format(**{k: str(v).lower() if isinstance(v, bool) else v for k, v in values.items()})
                for part in self.actions[action]]
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=self.cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(process.communicate(), self.timeout_s)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise Inconclusive(f"{argv[0]} did not finish within {self.timeout_s:.0f} s") from None
        if process.returncode != 0:
            tail = err.decode(errors="replace").strip()[-300:]
            raise Inconclusive(f"{' '.join(argv)} exited with {process.returncode}: {tail}")
        return out.decode(errors="replace").strip()

    def _maybe(self, action: str, **values: Any):  # type: ignore[no-untyped-def]
        return self.run(action, **values) if action in self.actions else None

    @hookimpl
    def dut_plug_in(self, connector: int, side: str):  # type: ignore[no-untyped-def]
        return self._maybe("plug_in", connector=connector, side=side)

    @hookimpl
    def dut_unplug(self, connector: int, side: str):  # type: ignore[no-untyped-def]
        return self._maybe("unplug", connector=connector, side=side)

    @hookimpl
    def dut_present_id_tag(self, id_tag: str, connector: int):  # type: ignore[no-untyped-def]
        return self._maybe("present_id_tag", id_tag=id_tag, connector=connector)

    @hookimpl
    def dut_power_cycle(self):  # type: ignore[no-untyped-def]
        return self._maybe("power_cycle")

    @hookimpl
    def dut_network(self, up: bool):  # type: ignore[no-untyped-def]
        return self._maybe("network", up=up)

    @hookimpl
    def dut_fault(self, connector: int, error_code: str, active: bool):  # type: ignore[no-untyped-def]
        return self._maybe("fault", connector=connector, error_code=error_code, active=active)

    @hookimpl
    def dut_baseline(self):  # type: ignore[no-untyped-def]
        return self._maybe("baseline")

    @hookimpl
    def dut_prompt(self, question: str, prompt_id: str):  # type: ignore[no-untyped-def]
        return self._maybe("prompt", question=question, prompt_id=prompt_id)

    @hookimpl
    def dut_security_profile(self, profile: int):  # type: ignore[no-untyped-def]
        return self._maybe("security_profile", profile=profile)

    @hookimpl
    def dut_session_start(self, url: str, charge_point_id: str):  # type: ignore[no-untyped-def]
        return self._maybe("session_start", url=url, charge_point_id=charge_point_id)

    @hookimpl
    def dut_session_end(self):  # type: ignore[no-untyped-def]
        return self._maybe("session_end")
