"""The charge point's clock: OCPP timestamps are UTC, ISO 8601 with milliseconds and a Z.

The clock is the host's clock plus two offsets: the error of the charger's own clock (zero, unless the fault
``clock-behind`` sets it) and the correction taken from the Central System's ``currentTime``
(BootNotification.conf and Heartbeat.conf; OCPP 1.6 §4.2 and §4.6 recommend synchronizing with it). A
difference within ``SYNC_THRESHOLD_S`` is left alone: a currentTime may carry whole seconds only and arrives a
round trip late, and every jump of the clock would show in the intervals between the charger's timestamps. On
the Central System's host the clock is never moved. One process is one charge point: the offsets are module
state.
"""

from __future__ import annotations

import datetime as dt

UTC = dt.timezone.utc

#: A currentTime closer than this to the charger's clock does not move it.
SYNC_THRESHOLD_S = 5.0

_hardware_error = dt.timedelta(0)
_correction = dt.timedelta(0)


def now() -> dt.datetime:
    return dt.datetime.now(UTC) + _hardware_error + _correction


def set_hardware_error(error: dt.timedelta) -> None:
    """How far the charger's own clock is off before any synchronization (a fault's clock)."""
    global _hardware_error
    _hardware_error = error


def synchronize(current_time: str | None) -> bool:
    """Set the clock to the Central System's ``currentTime``; True when it was moved."""
    global _correction
    central = parse(current_time)
    if central is None:
        return False
    off = central - now()
    if abs(off.total_seconds()) <= SYNC_THRESHOLD_S:
        return False
    _correction += off
    return True


def iso(moment: dt.datetime | None = None) -> str:
    moment = (moment or now()).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def next_aligned(interval_s: int, moment: dt.datetime | None = None) -> dt.datetime:
    """The next instant after ``moment`` that is a whole number of intervals after midnight UTC."""
    moment = moment or now()
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = (moment - midnight).total_seconds()
    steps = int(elapsed // interval_s) + 1
    return midnight + dt.timedelta(seconds=steps * interval_s)
