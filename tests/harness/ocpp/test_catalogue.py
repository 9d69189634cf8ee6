"""The catalogue of OCPP 1.6 actions: complete, with the right sender and profile."""

from __future__ import annotations

import importlib.resources
from collections import Counter

import pytest

from harness.ocpp import (
    ACTIONS,
    PROFILE_OF,
    PROFILES,
    Sender,
    is_known,
    sent_by_central_system,
    sent_by_charge_point,
)

SCHEMA_FILES = {
    entry.name.removesuffix(".json")
    for entry in (importlib.resources.files("ocpp") / "v16" / "schemas").iterdir()
    if entry.name.endswith(".json")
}


def test_catalogue_covers_exactly_the_schema_files() -> None:
    requests = {name for name in SCHEMA_FILES if not name.endswith("Response")}
    assert set(ACTIONS) == requests
    assert SCHEMA_FILES == requests | {f"{action}Response" for action in ACTIONS}


def test_28_core_spec_actions_and_11_security_actions() -> None:
    assert len(ACTIONS) == 39
    assert sum(profile == "Security" for profile in PROFILE_OF.values()) == 11


def test_profiles() -> None:
    assert set(PROFILE_OF) == set(ACTIONS)
    assert Counter(PROFILE_OF.values()) == {
        "Core": 16,
        "FirmwareManagement": 4,
        "LocalAuthListManagement": 2,
        "Reservation": 2,
        "SmartCharging": 3,
        "RemoteTrigger": 1,
        "Security": 11,
    }
    assert PROFILES == (
        "Core", "FirmwareManagement", "LocalAuthListManagement", "Reservation", "SmartCharging", "RemoteTrigger",
        "Security",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("action", "by_cp", "by_cs"),
    [
        ("BootNotification", True, False),
        ("StatusNotification", True, False),
        ("StopTransaction", True, False),
        ("DiagnosticsStatusNotification", True, False),
        ("RemoteStartTransaction", False, True),
        ("TriggerMessage", False, True),
        ("GetCompositeSchedule", False, True),
        ("DataTransfer", True, True),
        ("SignCertificate", True, False),
        ("SecurityEventNotification", True, False),
        ("SignedFirmwareStatusNotification", True, False),
        ("CertificateSigned", False, True),
        ("ExtendedTriggerMessage", False, True),
        ("SignedUpdateFirmware", False, True),
        ("MakeCoffee", False, False),
    ],
)
def test_direction(action: str, by_cp: bool, by_cs: bool) -> None:
    assert (sent_by_charge_point(action), sent_by_central_system(action)) == (by_cp, by_cs)


def test_only_data_transfer_goes_both_ways() -> None:
    both = {a for a, senders in ACTIONS.items() if senders == {Sender.CHARGE_POINT, Sender.CENTRAL_SYSTEM}}
    assert both == {"DataTransfer"}
    assert all(senders for senders in ACTIONS.values())


def test_is_known() -> None:
    assert is_known("Heartbeat")
    assert not is_known("heartbeat")
    assert not is_known("HeartbeatResponse")


def test_catalogue_is_read_only() -> None:
    with pytest.raises(TypeError):
        ACTIONS["MakeCoffee"] = frozenset({Sender.CHARGE_POINT})  # type: ignore[index]
