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
