"""Wall-clock helpers: OCPP timestamps are UTC, ISO 8601 with milliseconds and a Z."""

from __future__ import annotations

import datetime as dt

UTC = dt.timezone.utc


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


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
