"""The device-control extension point: one hook per physical action on the device under test.

A device adapter is a plug-in object implementing some of these hooks. Every hook is ``firstresult``: the
first plug-in that can perform the action returns an awaitable that performs it; a plug-in that cannot
returns None and the next one is asked. When no plug-in performs an action, the case is inconclusive.

A vendor's bench adapter is one file::

    from harness.dut import hookimpl

    class MyBench:
        @hookimpl
        def dut_plug_in(self, connector, side):
            return my_bench.plug(connector)        # any awaitable

Sides: ``"both"`` (the EV and the charge point side), ``"ev"`` (the EV end of the cable), ``"cp"`` (the
charge point end of a detachable cable).
"""

from __future__ import annotations

from typing import Awaitable

import pluggy

PROJECT = "ocpp_harness_dut"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class DutSpec:
    @hookspec(firstresult=True)
    def dut_plug_in(self, connector: int, side: str) -> Awaitable[None] | None:
        """Plug a cable in at ``connector``, on ``side``."""

    @hookspec(firstresult=True)
    def dut_unplug(self, connector: int, side: str) -> Awaitable[None] | None:
        """Unplug the cable of ``connector`` on ``side``."""

    @hookspec(firstresult=True)
    def dut_present_id_tag(self, id_tag: str, connector: int) -> Awaitable[None] | None:
        """Present ``id_tag`` at the reader (a card, a button: any local identification), meaning ``connector``."""

    @hookspec(firstresult=True)
    def dut_power_cycle(self) -> Awaitable[None] | None:
        """Remove the charge point's power and restore it."""

    @hookspec(firstresult=True)
    def dut_network(self, up: bool) -> Awaitable[None] | None:
        """Cut (``up=False``) or restore the charge point's network connection."""

    @hookspec(firstresult=True)
    def dut_fault(self, connector: int, error_code: str, active: bool) -> Awaitable[None] | None:
        """Induce (or clear) a fault at ``connector`` that the charger reports with ``error_code``."""

    @hookspec(firstresult=True)
    def dut_baseline(self) -> Awaitable[None] | None:
        """Bring the device to the known baseline before a case: cables out, no faults, network up."""

    @hookspec(firstresult=True)
    def dut_prompt(self, question: str, prompt_id: str) -> Awaitable[str] | None:
        """Ask an observation of a person or a bench: the awaitable returns ``"yes"``, ``"no"`` or
        ``"could not do"``."""

    @hookspec(firstresult=True)
    def dut_security_profile(self, profile: int) -> Awaitable[None] | None:
        """Set the charger's security profile out of band (a service tool, a bench script), also to a lower
        one, which OCPP forbids (Security Whitepaper): how the run puts the charger back to its PICS's
        profile after a case upgraded it (TC_083_CS). The charger then reconnects with it."""

    @hookspec(firstresult=True)
    def dut_session_start(self, url: str, charge_point_id: str) -> Awaitable[None] | None:
        """The Central System listens at ``url``: start the charger (or point it there), once per run. A
        bench that starts its charger itself need not implement it."""

    @hookspec(firstresult=True)
    def dut_session_end(self) -> Awaitable[None] | None:
        """The run is over: stop the charger the bench started."""
