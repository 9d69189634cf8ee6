"""The ``manual`` adapter: a person at the charger does the physical steps.

Each action prints a prompt that says exactly what to do at which connector, and returns at once: the test
then waits for the effect on the wire (the StatusNotification after a plug-in, the BootNotification after a
power cycle), so it proceeds on the observed message, never on a key press. Observations only a person can
make are yes/no questions; their answers are evidence in the trace.

For unattended benches, answers come from a YAML file (``--dut-config answers.yaml``)::

    answers:
      TC_041_CS/fault-cleared: "yes"
    prompt_log: false      # don't print the prompts of physical actions

A question the file does not answer is asked at the terminal when there is one, else the case is
inconclusive.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, TextIO

import yaml

from harness.dut.hookspecs import hookimpl

SIDES = {"both": "on both the EV side and the charge point side", "ev": "on the EV side",
         "cp": "on the charge point side"}


def _instruction(action: str, **a: object) -> str:
    if action == "plug_in":
        return f"Plug the cable in at connector {a['connector']}, {SIDES[str(a['side'])]}."
    if action == "unplug":
        return f"Unplug the cable at connector {a['connector']}, {SIDES[str(a['side'])]}."
    if action == "present_id_tag":
        return f"Present idTag {a['id_tag']} (card or other local identification) for connector {a['connector']}."
    if action == "power_cycle":
        return "Disconnect the charge point's power supply, wait until it is off, then reconnect it."
    if action == "network":
        return "Reconnect the charge point's network." if a["up"] else "Disconnect the charge point's network (unplug Ethernet, disable the modem)."
    if action == "fault":
        verb = "Induce" if a["active"] else "Clear"
        return f"{verb} a {a['error_code']} fault at connector {a['connector']}."
    if action == "baseline":
        return "Make sure every cable is unplugged, no fault is active and the charge point is online."
    if action == "security_profile":
        return (f"Set the charge point back to security profile {a['profile']} with its service tool (OCPP cannot "
                f"lower it), and let it reconnect.")
    raise ValueError(action)


@dataclass
class ManualAdapter:
    answers: Mapping[str, str] = field(default_factory=dict)
    show_prompts: bool = True
    out: TextIO = sys.stderr
    interactive: bool = field(default_factory=lambda: sys.stdin is not None and sys.stdin.isatty())

    @classmethod
    def from_file(cls, path: Path | None) -> "ManualAdapter":
        if path is None:
            return cls()
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        answers = {str(k): str(v) for k, v in (data.get("answers") or {}).items()}
        return cls(answers, bool(data.get("prompt_log", True)))

    async def _tell(self, action: str, **args: object) -> None:
        if self.show_prompts:
            print(f"\n>>> {_instruction(action, **args)}", file=self.out, flush=True)

    async def _ask(self, question: str, prompt_id: str) -> str:
        if prompt_id in self.answers:
            return self.answers[prompt_id]
        print(f"\n??? {question} [yes/no/could not do] ", end="", file=self.out, flush=True)
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        return line.strip() or "could not do"

    @hookimpl
    def dut_plug_in(self, connector: int, side: str):  # type: ignore[no-untyped-def]
        return self._tell("plug_in", connector=connector, side=side)

    @hookimpl
    def dut_unplug(self, connector: int, side: str):  # type: ignore[no-untyped-def]
        return self._tell("unplug", connector=connector, side=side)

    @hookimpl
    def dut_present_id_tag(self, id_tag: str, connector: int):  # type: ignore[no-untyped-def]
        return self._tell("present_id_tag", id_tag=id_tag, connector=connector)

    @hookimpl
    def dut_power_cycle(self):  # type: ignore[no-untyped-def]
        return self._tell("power_cycle")

    @hookimpl
    def dut_network(self, up: bool):  # type: ignore[no-untyped-def]
        return self._tell("network", up=up)

    @hookimpl
    def dut_fault(self, connector: int, error_code: str, active: bool):  # type: ignore[no-untyped-def]
        return self._tell("fault", connector=connector, error_code=error_code, active=active)

    @hookimpl
    def dut_baseline(self):  # type: ignore[no-untyped-def]
        return self._tell("baseline")

    @hookimpl
    def dut_security_profile(self, profile: int):  # type: ignore[no-untyped-def]
        return self._tell("security_profile", profile=profile)

    @hookimpl
    def dut_prompt(self, question: str, prompt_id: str):  # type: ignore[no-untyped-def]
        if prompt_id in self.answers or self.interactive:
            return self._ask(question, prompt_id)
        return None
