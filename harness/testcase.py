"""Declaring a conformance test case: its OCTT id, title, block, profile, and when it applies.

    @testcase("TC_003_CS", "Regular Charging Session – Plugin First", block="core",
              applies=needs_feature("C-07"), features=("C-07",))
    async def test_regular_charging_session_plugin_first(cs, dut, setup): ...

Applicability is a rule over the PICS that returns None when the case applies, or the reason it does not,
naming the PICS item ("C-07 = No: Support for local start"). Rules compose with :func:`all_of`.

A Smart Charging case runs once per charging rate unit (``per_rate_unit=True``): the test gets a ``rate_unit``
argument, "A" or "W", and each run is its own result, ``TC_056_CS[A]`` and ``TC_056_CS[W]``, applicable when the
PICS claims that unit (SC-1.1 A, SC-1.2 W), folded by the report into the certificate's Smart Charging row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest

Rule = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class CaseInfo:
    id: str
    title: str
    block: str
    profile: str
    applies: Rule
    features: tuple[str, ...]
    #: the OCTT id without a variant suffix: ``TC_056_CS`` for ``TC_056_CS[W]``
    base_id: str = ""
    #: the security profiles the case runs at (the session brings the charger to one); empty: the PICS's
    security_profiles: tuple[int, ...] = ()

    def variant(self, suffix: str, rule: Rule, feature: str) -> "CaseInfo":
        """This case run as one variant (a charging rate unit): its own id, also needing ``rule``."""
        return CaseInfo(f"{self.id}[{suffix}]", self.title, self.block, self.profile, all_of(self.applies, rule),
                        self.features + (feature,), self.id, self.security_profiles)


#: The charging rate units a Smart Charging case runs in, with the PICS item that claims each.
RATE_UNITS = {"A": "SC-1.1", "W": "SC-1.2"}


def always(_pics: Any) -> str | None:
    return None


def testcase(
    case_id: str,
    title: str,
    *,
    block: str,
    profile: str = "Core",
    applies: Rule = always,
    features: tuple[str, ...] = (),
    per_rate_unit: bool = False,
    security_profiles: tuple[int, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark an async test function as the OCTT test case ``case_id`` (``per_rate_unit``: once per charging rate
    unit, the function taking a ``rate_unit`` argument; ``security_profiles``: the profiles it runs at, one
    of which the PICS must claim, see :mod:`harness.security_profiles`)."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        rule = all_of(applies, at_security_profile(security_profiles)) if security_profiles else applies
        function.octt = CaseInfo(case_id, title, block, profile, rule, features, case_id,  # type: ignore[attr-defined]
                                 tuple(security_profiles))
        function = pytest.mark.octt(case_id)(function)
        if per_rate_unit:
            function = pytest.mark.parametrize("rate_unit", list(RATE_UNITS))(function)
        return pytest.mark.asyncio(loop_scope="session")(function)

    return decorate


testcase.__test__ = False  # type: ignore[attr-defined]  # a decorator, not a test, despite its name


def case_info(item: pytest.Item) -> CaseInfo | None:
    """The case an item runs: the function's, or its variant for a parametrized ``rate_unit``."""
    info = getattr(getattr(item, "function", None), "octt", None)
    unit = getattr(getattr(item, "callspec", None), "params", {}).get("rate_unit")
    if info is None or unit is None:
        return info
    return info.variant(unit, needs_feature(RATE_UNITS[unit]), RATE_UNITS[unit])


# ------------------------------------------------------------------------ applicability rules


def needs_feature(feature_id: str, supported: bool = True) -> Rule:
    """The PICS must state the optional feature as ``supported`` (``False``: the "not supported" variants)."""

    def rule(pics: Any) -> str | None:
        value = bool(pics.feature(feature_id))
        if value == supported:
            return None
        from harness.pics import FEATURE_TITLES

        return f"{feature_id} = {'Yes' if value else 'No'}: {FEATURE_TITLES.get(feature_id, feature_id)}"

    return rule


def needs_hardware(hfs_id: str, present: bool = True) -> Rule:
    def rule(pics: Any) -> str | None:
        value = bool(pics.hfs(hfs_id))
        if value == present:
            return None
        from harness.pics import HFS_TITLES

        return f"{hfs_id} = {'Yes' if value else 'No'}: {HFS_TITLES.get(hfs_id, hfs_id)}"

    return rule


def needs_answer(aq_id: str, answer: bool = True) -> Rule:
    def rule(pics: Any) -> str | None:
        value = bool(pics.aq(aq_id))
        if value == answer:
            return None
        from harness.pics import AQ_TITLES

        return f"{aq_id} = {'Yes' if value else 'No'}: {AQ_TITLES.get(aq_id, aq_id)}"

    return rule


def needs_key_access(key: str, access: str) -> Rule:
    """The PICS must declare configuration key ``key`` with ``access`` ("read-write")."""

    def rule(pics: Any) -> str | None:
        declared = pics.configuration_keys.get(key)
        if declared is not None and declared.access != access:
            return f"configuration key {key} is declared {declared.access}, the case needs it {access}"
        return None

    return rule


def all_of(*rules: Rule) -> Rule:
    def rule(pics: Any) -> str | None:
        reasons = [reason for r in rules if (reason := r(pics))]
        return "; ".join(reasons) or None

    return rule


def at_security_profile(profiles: tuple[int, ...]) -> Rule:
    """The case runs at one of ``profiles``, and the PICS must claim one of them."""

    def rule(pics: Any) -> str | None:
        from harness.security_profiles import why_not_at

        return why_not_at(pics, profiles)
    return rule
