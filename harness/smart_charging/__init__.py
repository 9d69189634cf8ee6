"""The composite-schedule oracle: OCPP 1.6 §3.13 Smart Charging as pure functions, no I/O.

Given what a charger accepted (:class:`Installed`) and what runs on it (:class:`Transaction`), the oracle says
what GetCompositeSchedule must answer (:func:`composite_schedule`), judges an answer period by period
(:func:`compare`), and says when SetChargingProfile must be Rejected (:func:`rejection_reason`) or may be
(:func:`may_reject_reason`).

Why it exists apart from the reference charge point (simulator/smart_charging.py): it is a second, independent
reading of the spec; a misreading in one shows up as a disagreement instead of hiding in both. It never imports
the simulator. Its rules and every choice where the spec is silent: docs/smart_charging.md.
"""

from .compare import compare, to_answer
from .composite import composite_schedule, running_transaction
from .describe import describe_periods, describe_profile, describe_profiles
from .model import (CHARGE_POINT_MAX, PURPOSES, TX, TX_DEFAULT, CompositeSchedule, Electrical, Installed, Period,
                    Transaction, format_time, parse_time)
from .profiles import surviving
from .rejection import ProfileLimits, may_reject_reason, rejection_reason

__all__ = [
    "CHARGE_POINT_MAX", "PURPOSES", "TX", "TX_DEFAULT",
    "CompositeSchedule", "Electrical", "Installed", "Period", "ProfileLimits", "Transaction",
    "compare", "composite_schedule", "describe_periods", "describe_profile", "describe_profiles",
    "format_time", "may_reject_reason", "parse_time", "rejection_reason", "running_transaction", "surviving",
    "to_answer",
]
