"""The counterexample printer: one readable line per profile."""

from __future__ import annotations

from harness.smart_charging import describe_profiles
from tests.harness.smart_charging.sc_builders import S, at, cpmax, tx, tx_default


def test_each_profile_on_a_line_by_purpose_connector_and_stack():
    text = describe_profiles([
        tx(1, 3, 0, [(0, 8), (50, 11)], kind="Relative", duration=260, transaction_id=7),
        tx_default(1, 2, 1, [(0, 6), (60, 10, 1)], duration=300, valid_to=at(400), min_rate=4),
        tx_default(1, 4, 0, [(0, 16)], kind="Recurring", recurrency="Daily", installed_at=at(-60)),
        cpmax(1, 0, [(0, 10)], unit="W"),
    ])
    assert text.splitlines() == [
        "ChargePointMaxProfile #1 stack 0 on connector 0, Absolute from 2024-05-01T12:00:00Z: 0:10 W "
        "(installed 2024-05-01T12:00:00Z)",
        "TxDefaultProfile #4 stack 0 on connector 1, Recurring Daily from 2024-05-01T12:00:00Z: 0:16 A "
        "(installed 2024-05-01T11:59:00Z)",
        "TxDefaultProfile #2 stack 1 on connector 1, Absolute from 2024-05-01T12:00:00Z for 300 s: 0:6 A, "
        "60:10 A/1ph (validTo 2024-05-01T12:06:40Z, minChargingRate 4, installed 2024-05-01T12:00:00Z)",
        "TxProfile #3 stack 0 on connector 1, Relative (no startSchedule) for 260 s: 0:8 A, 50:11 A "
        "(transactionId 7, installed 2024-05-01T12:00:00Z)",
    ]


def test_no_profiles_and_another_separator():
    assert describe_profiles([]) == "no profiles"
    two = [tx_default(0, 1, 0, [(0, 6)]), tx_default(1, 2, 0, [(0, 7)], installed_at=S)]
    assert describe_profiles(two, sep="; ").count("; ") == 1
