"""Applicability rules name the PICS item that excludes a case, in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.pics import load_pics
from harness.testcase import all_of, needs_answer, needs_feature, needs_hardware

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def seed():
    return load_pics(ROOT / "pics" / "bsec-22k-a2-ccs2-400s.yaml")


@pytest.fixture(scope="module")
def detachable():
    return load_pics(ROOT / "pics" / "reference-cp-detachable.yaml")


def test_needs_feature_both_ways(seed, detachable):
    assert needs_feature("LA-0")(seed) is None
    assert needs_feature("LA-0")(detachable) == "LA-0 = No: Support for Local Authorization List Management"
    assert needs_feature("LA-0", supported=False)(detachable) is None
    assert needs_feature("LA-0", supported=False)(seed) == "LA-0 = Yes: Support for Local Authorization List Management"


def test_hardware_and_answers_name_their_item(seed):
    assert needs_hardware("HFS-1")(seed) == "HFS-1 = No: Has a detachable cable"
    assert needs_hardware("HFS-1", present=False)(seed) is None
    assert needs_answer("AQ-7.1", answer=not seed.aq("AQ-7.1"))(seed).startswith("AQ-7.1 = ")


def test_all_of_gives_every_reason(detachable):
    rule = all_of(needs_feature("LA-0"), needs_feature("SC-1.1"), needs_feature("RT-0"))
    assert rule(detachable) == ("LA-0 = No: Support for Local Authorization List Management; "
                                "SC-1.1 = No: A")               # the certificate titles SC-1.1 just "A"


def test_a_case_per_rate_unit_is_one_result_per_unit_applicable_by_its_sc_item(seed, rate_unit_variants):
    """``per_rate_unit``: TC_xxx_CS[A] needs SC-1.1, TC_xxx_CS[W] needs SC-1.2, each its own id."""
    a, w = rate_unit_variants
    assert (a.id, a.base_id, w.id) == ("TC_999_CS[A]", "TC_999_CS", "TC_999_CS[W]")
    assert "SC-1.1" in a.features and "SC-1.2" in w.features
    claims = {"A": seed.feature("SC-1.1"), "W": seed.feature("SC-1.2")}
    assert (a.applies(seed) is None) == bool(claims["A"]) and (w.applies(seed) is None) == bool(claims["W"])


@pytest.fixture
def rate_unit_variants():
    """The CaseInfo of both variants, as the plugin sees them through case_info(item)."""
    from types import SimpleNamespace

    from harness.testcase import case_info, testcase

    @testcase("TC_999_CS", "A smart charging case", block="smart_charging", per_rate_unit=True)
    async def test_case(rate_unit): ...

    marks = [m for m in test_case.pytestmark if m.name == "parametrize"]
    assert marks and marks[0].args == ("rate_unit", ["A", "W"])
    return tuple(case_info(SimpleNamespace(function=test_case, callspec=SimpleNamespace(params={"rate_unit": u})))
                 for u in ("A", "W"))
