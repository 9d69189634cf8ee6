"""Which security profiles a PICS claims, and the upgrade TC_083_CS tries, read from the shipped PICS files
changed one field at a time."""

from __future__ import annotations

from pathlib import Path

import yaml

from harness.pics.load import parse_pics
from harness.security_profiles import supported, upgrade_target, why_no_upgrade

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
    assert upgrade_target(pics_with(SEED, 3)) is None


def test_without_advanced_security_there_is_no_upgrade_to_3():
    pics = pics_with(DETACHABLE, 2)
    assert 3 not in supported(pics)
    assert upgrade_target(pics) is None
    assert "Advanced Security = No in certification_profiles" in why_no_upgrade(pics)


def test_a_charger_at_3_has_nothing_to_upgrade_to():
    assert "security_profile = 3 in test_setup" in why_no_upgrade(pics_with(SEED, 3))
    assert why_no_upgrade(pics_with(SEED, 2)) is None
