"""When SetChargingProfile must be Rejected, may be, or must be Accepted (OCPP 1.6 §3.13.1, §3.13.5, §5.16,
§9.4)."""

from __future__ import annotations

import pytest

from harness.smart_charging import ProfileLimits, Transaction, may_reject_reason, rejection_reason
from tests.harness.smart_charging.sc_builders import S, at, cpmax, profile, tx_default

LIMITS = ProfileLimits(max_stack_level=3, max_periods=5, allowed_units=frozenset({"A"}), max_profiles_installed=3)
RUNNING = (Transaction(7, 1, S),)


def reason(body, connector=1, *, transactions=RUNNING, limits=LIMITS, **kw):
    return rejection_reason(body, connector, limits=limits, transactions=transactions, number_of_connectors=2, **kw)


def test_a_valid_profile_has_no_reason():
    assert reason(profile(1, "TxDefaultProfile", 0, [(0, 6)])) is None
    assert reason(profile(1, "ChargePointMaxProfile", 3, [(0, 6)] * 1), 0) is None
    assert reason(profile(1, "TxProfile", 0, [(0, 6)], transaction_id=7)) is None
    assert reason(profile(1, "TxProfile", 0, [(0, 6)], kind="Relative")) is None


@pytest.mark.parametrize("body, connector, fragment", [
    (profile(1, "ChargePointMaxProfile", 0, [(0, 6)]), 1, "ChargePointMaxProfile can only be set"),
    (profile(1, "TxProfile", 0, [(0, 6)]), 0, "TxProfile SHALL only be set at Charge Point ConnectorId >0"),
    (profile(1, "TxProfile", 0, [(0, 6)]), 2, "no transaction on connector 2"),
    (profile(1, "TxProfile", 0, [(0, 6)], transaction_id=8), 1, "transactionId 8, while transaction 7 runs"),
    (profile(1, "TxDefaultProfile", 4, [(0, 6)]), 1, "stackLevel 4 outside 0..ChargeProfileMaxStackLevel (3)"),
    (profile(1, "TxDefaultProfile", -1, [(0, 6)]), 1, "stackLevel -1"),
    (profile(1, "TxDefaultProfile", 0, [(0, 6)], unit="W"), 1, "chargingRateUnit W not in"),
    (profile(1, "TxDefaultProfile", 0, [(i * 10, 6) for i in range(6)]), 1, "more than ChargingScheduleMaxPeriods"),
    (profile(1, "TxDefaultProfile", 0, [(0, 6)]), 3, "connectorId 3 is not a connector"),
    (profile(1, "TxDefaultProfile", 0, [(0, 6)]), -1, "connectorId -1 is not a connector"),
])
def test_must_reject(body, connector, fragment):
    assert fragment in reason(body, connector)


def test_a_tx_profile_without_any_transaction_must_be_rejected():
    assert "no transaction" in reason(profile(1, "TxProfile", 0, [(0, 6)], transaction_id=7), transactions=())


def test_max_charging_profiles_installed_counts_what_remains_after_replacements():
    three = [tx_default(1, 1, 0, [(0, 6)]), tx_default(1, 2, 1, [(0, 6)]), cpmax(3, 0, [(0, 16)])]
    fourth = profile(4, "TxDefaultProfile", 2, [(0, 6)])
    assert "4 profiles would be installed, more than MaxChargingProfilesInstalled (3)" in \
        reason(fourth, installed=three, at=S)
    same_stack = profile(4, "TxDefaultProfile", 1, [(0, 8)])
    assert reason(same_stack, installed=three, at=S) is None
    same_id = profile(2, "TxDefaultProfile", 3, [(0, 8)])
    assert reason(same_id, installed=three, at=S) is None


def test_expired_profiles_do_not_count():
    three = [tx_default(1, 1, 0, [(0, 6)]), tx_default(1, 2, 1, [(0, 6)], valid_to=at(-1), installed_at=at(-9)),
             cpmax(3, 0, [(0, 16)])]
    assert reason(profile(4, "TxDefaultProfile", 2, [(0, 6)]), installed=three, at=S) is None


def test_limits_from_the_configuration_keys():
    limits = ProfileLimits.from_configuration({"ChargeProfileMaxStackLevel": "8",
                                               "ChargingScheduleAllowedChargingRateUnit": "Current, Power",
                                               "ChargingScheduleMaxPeriods": "24",
                                               "MaxChargingProfilesInstalled": "10"})
    assert limits == ProfileLimits(8, 24, frozenset({"A", "W"}), 10)
    assert ProfileLimits.from_configuration({"ChargeProfileMaxStackLevel": 2, "ChargingScheduleMaxPeriods": 5,
                                             "ChargingScheduleAllowedChargingRateUnit": "Power"}) == \
        ProfileLimits(2, 5, frozenset({"W"}), None)


# -- may reject -------------------------------------------------------------------------------------------

def test_an_ordinary_profile_is_not_questionable():
    assert may_reject_reason(profile(1, "TxDefaultProfile", 0, [(0, 6), (60, 10, 1)]), 1) is None
    assert may_reject_reason(profile(1, "TxProfile", 0, [(0, 6)], kind="Relative"), 1) is None
    assert may_reject_reason(profile(1, "TxDefaultProfile", 0, [(0, 6)], kind="Recurring",
                                     recurrency="Weekly"), 1) is None


@pytest.mark.parametrize("body, fragment", [
    (profile(1, "TxDefaultProfile", 0, [(5, 6)]), "SHALL always be 0"),
    (profile(1, "TxDefaultProfile", 0, [(0, 6), (60, 8), (60, 9)]), "not strictly ascending"),
    (profile(1, "TxDefaultProfile", 0, []), "no chargingSchedulePeriod"),
    (profile(1, "TxDefaultProfile", 0, [(0, -1)]), "negative limit"),
    (profile(1, "TxDefaultProfile", 0, [(0, 6, 4)]), "numberPhases outside 1..3"),
    (profile(1, "TxDefaultProfile", 0, [(0, 6)], kind="Recurring"), "without a recurrencyKind"),
    (profile(1, "TxDefaultProfile", 0, [(0, 6)], start=None), "Absolute without startSchedule"),
    (profile(1, "TxDefaultProfile", 0, [(0, 6)], kind="Recurring", recurrency="Daily", start=None),
     "Recurring without startSchedule"),
    (profile(1, "TxDefaultProfile", 0, [(0, 6)], kind="Relative", start=S), "Relative with a startSchedule"),
    (profile(1, "ChargePointMaxProfile", 0, [(0, 6)], kind="Relative"), "Relative ChargePointMaxProfile"),
    (profile(1, "TxDefaultProfile", 0, [(0, 6)], transaction_id=7), "transactionId on a TxDefaultProfile"),
    (profile(1, "TxDefaultProfile", 0, [(0, 6)], valid_from=at(10), valid_to=at(10)), "never valid"),
])
def test_may_reject(body, fragment):
    assert fragment in may_reject_reason(body, 1)
