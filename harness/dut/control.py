"""The device under test, as a test case sees it: physical actions in the plan's words.

``DeviceControl`` asks the registered adapters (see :mod:`harness.dut.hookspecs`) to perform an action,
traces it, and turns "nobody can do that" into an inconclusive verdict with the reason. It never waits for
the action's effect: the test case waits for that on the wire, so a person at a real charger and a
simulator are driven the same way.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

import pluggy

from harness.csms.trace import Trace
from harness.dut.hookspecs import PROJECT, DutSpec
from harness.verdicts import Inconclusive

_DESCRIPTIONS = {
    "plug_in": "plug in the cable at connector {connector} ({side} side)",
    "unplug": "unplug the cable at connector {connector} ({side} side)",
    "present_id_tag": "present idTag {id_tag} for connector {connector}",
    "power_cycle": "power-cycle the charge point",
    "network": "{network} the charge point's network connection",
    "fault": "{fault} a fault ({error_code}) at connector {connector}",
    "baseline": "bring the charge point to its baseline",
    "security_profile": "set the charge point's security profile to {profile} out of band",
}


def plugin_manager(*adapters: object) -> pluggy.PluginManager:
    """A plug-in manager holding ``adapters``; the first registered answers first."""
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(DutSpec)
    for adapter in reversed(adapters):  # pluggy calls the last registered first
        manager.register(adapter)
    return manager


#: Physical actions that may make the charge point reboot or lose its connection (evidence rule 2).
_DISRUPTS = {"power_cycle": "reboot", "security_profile": "link"}

OnCause = Callable[..., Any]


class DeviceControl:
    """``on_cause(description, disrupts)`` is told the moment an action begins: the Central System's
    expectations after it match only what the charge point sends from then on (evidence rule 1)."""

    def __init__(self, manager: pluggy.PluginManager, trace: Trace, on_cause: OnCause | None = None,
                 settle: Callable[[], Awaitable[None]] | None = None) -> None:
        self.manager = manager
        self.trace = trace
        self.on_cause = on_cause
        #: awaited before a physical action: the charge point has finished what it was sending
        self.settle = settle

    async def _perform(self, action: str, **args: Any) -> None:
        fill = dict(args)
        if action == "network":
            fill["network"] = "restore" if args["up"] else "cut"
        if action == "fault":
            fill["fault"] = "induce" if args["active"] else "clear"
        description = _DESCRIPTIONS[action].format(**fill)
        if self.settle is not None and action != "baseline":
            await self.settle()
        if self.on_cause is not None and action != "baseline":
            disrupts = "link" if action == "network" and not args["up"] else _DISRUPTS.get(action)
            self.on_cause(description, disrupts, physical=True)
        awaitable: Awaitable[None] | None = getattr(self.manager.hook, f"dut_{action}")(**args)
        if awaitable is None:
            self.trace.add("dut", action=action, args=args, outcome="unsupported")
            raise Inconclusive(f"no device adapter can {description}")
        try:
            await awaitable
        except Inconclusive as exc:
            self.trace.add("dut", action=action, args=args, outcome="unsupported", detail=str(exc))
            raise Inconclusive(f"could not {description}: {exc}") from None
        self.trace.add("dut", action=action, args=args, outcome="done")

    async def plug_in(self, connector: int, side: str = "both") -> None:
        await self._perform("plug_in", connector=connector, side=side)

    async def unplug(self, connector: int, side: str = "both") -> None:
        await self._perform("unplug", connector=connector, side=side)

    async def present_id_tag(self, id_tag: str, connector: int) -> None:
        await self._perform("present_id_tag", id_tag=id_tag, connector=connector)

    async def power_cycle(self) -> None:
        await self._perform("power_cycle")

    async def network(self, up: bool) -> None:
        await self._perform("network", up=up)

    async def fault(self, connector: int, error_code: str, active: bool = True) -> None:
        await self._perform("fault", connector=connector, error_code=error_code, active=active)

    async def baseline(self) -> None:
        await self._perform("baseline")

    async def security_profile(self, profile: int) -> None:
        await self._perform("security_profile", profile=profile)

    async def session_start(self, url: str, charge_point_id: str) -> bool:
        """Let the bench start its charger; False when no adapter has such an action (it starts itself)."""
        return await self._optional("session_start", url=url, charge_point_id=charge_point_id)

    async def session_end(self) -> bool:
        return await self._optional("session_end")

    async def _optional(self, action: str, **args: Any) -> bool:
        awaitable = getattr(self.manager.hook, f"dut_{action}")(**args)
        if awaitable is None:
            return False
        try:
            await awaitable
        except Inconclusive as exc:
            self.trace.add("dut", action=action, args=args, outcome="failed", detail=str(exc))
            raise
        self.trace.add("dut", action=action, args=args, outcome="done")
        return True

    async def ask(self, question: str, prompt_id: str) -> bool:
        """Ask an observation only a person can make; "yes" is True, "no" False, anything else inconclusive."""
        awaitable = self.manager.hook.dut_prompt(question=question, prompt_id=prompt_id)
        if awaitable is None:
            self.trace.add("dut", action="prompt", args={"question": question, "id": prompt_id}, outcome="unsupported")
            raise Inconclusive(f"nobody can answer: {question}")
        answer = (await awaitable).strip().lower()
        self.trace.add("dut", action="prompt", args={"question": question, "id": prompt_id},
                       outcome="answered", answer=answer)
        if answer not in ("yes", "no"):
            raise Inconclusive(f"the operator answered {answer!r} to: {question}")
        return answer == "yes"
