"""Which security profiles a PICS claims, and the upgrade TC_083_CS tries, read from the shipped PICS files
changed one field at a time."""

from __future__ import annotations

from pathlib import Path

import yaml

from harness.pics.load import parse_pics
from harness.security_profiles import profile_for, supported, upgrade_target, why_no_upgrade, why_not_at

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "pics" / "bsec-22k-a2-ccs2-400s.yaml"
DETACHABLE = ROOT / "pics" / "reference-cp-detachable.yaml"


def pics_with(source: Path, profile: int, **claims: bool):
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["test_setup"]["security_profile"] = profile
    data["certification_profiles"].update(claims)
    return parse_pics(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_the_seed_claims_all_three_and_upgrades_one_step():
    assert supported(pics_with(SEED, 1)) == {1, 2, 3}
    assert upgrade_target(pics_with(SEED, 1)) == 2
    assert upgrade_target(pics_with(SEED, 2)) == 3


def test_without_advanced_security_there_is_no_upgrade_to_3():
    pics = pics_with(DETACHABLE, 2)
    assert 3 not in supported(pics)
    assert upgrade_target(pics) is None
    assert ("from security profile 2 (the one it runs at) to 3, which the PICS does not claim: Advanced Security = No "
            "in certification_profiles") in why_no_upgrade(pics)


def test_a_charger_at_3_upgrades_from_2_which_it_is_set_back_to():
    assert upgrade_target(pics_with(SEED, 3)) == 3
    assert why_no_upgrade(pics_with(SEED, 2)) is None


def test_each_case_runs_at_the_runs_profile_when_it_can_else_the_nearest_claimed_one():
    at_1, at_3 = pics_with(SEED, 1), pics_with(SEED, 3)
    assert profile_for(at_1, ()) == 1 and profile_for(at_3, ()) == 3
    assert profile_for(at_1, (2, 3)) == 2            # up, in band
    assert profile_for(at_3, (1, 2)) == 2            # down, out of band
    without_c11 = pics_with(DETACHABLE, 2)
    assert ("runs at security profile 3, which the PICS does not claim: Advanced Security = No in "
            "certification_profiles (test_setup.security_profile = 2)") in why_not_at(without_c11, (3,))
