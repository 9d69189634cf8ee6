"""Checks several test cases make, written once: boot retries, heartbeat periods, status groups."""

from __future__ import annotations

from typing import Iterable

from harness.csms.station import Received, Station

#: How far a measured interval may stray from the configured one (OCTT's peers allow ±1 s).
INTERVAL_TOLERANCE_S = 1.0
#: Clock granularity allowance for "no earlier than" checks.
EARLY_TOLERANCE_S = 0.1


async def expect_boot_retry(cs: Station, first: Received, interval: int, status: str) -> Received:
    """The next BootNotification comes no earlier than ``interval`` after ``first`` was answered ``status``,
    and nothing else is sent in between (OCPP 1.6 §4.2)."""
    second = await cs.expect("BootNotification", timeout=interval + cs.message_timeout)
    gap = (second.t_ns - first.t_ns) / 1e9
    cs.require(gap >= interval - EARLY_TOLERANCE_S,
               f"BootNotification retried {gap:.3f} s after the {status} one; the interval was {interval} s")
    between = [r.action for r in cs.since(first) if r.seq < second.seq]
    cs.require(not between, f"while {status} the charge point sent {', '.join(between)}")
    return second


async def expect_heartbeat_period(cs: Station, interval: int) -> float:
    """Two consecutive Heartbeats are ``interval`` seconds apart (± :data:`INTERVAL_TOLERANCE_S`)."""
    wait = interval + INTERVAL_TOLERANCE_S + cs.message_timeout
    first = await cs.expect("Heartbeat", timeout=wait)
    second = await cs.expect("Heartbeat", timeout=wait)
    period = (second.t_ns - first.t_ns) / 1e9
    cs.require(abs(period - interval) <= INTERVAL_TOLERANCE_S,
               f"Heartbeats {period:.3f} s apart; the HeartbeatInterval is {interval} s")
    return period


async def expect_status_all(cs: Station, connectors: Iterable[int], status: str) -> tuple[Received, ...]:
    """A StatusNotification with ``status`` for each of ``connectors``, in any order."""
    return await cs.expect_all(*(cs.message("StatusNotification", connectorId=c, status=status) for c in connectors))


def no_message(cs: Station, action: str, since: Received | None = None) -> None:
    """Fail when ``action`` was sent in this case (after ``since``)."""
    sent = [r for r in cs.since(since) if r.action == action]
    cs.require(not sent, f"the charge point sent {action} ({sent[0].payload if sent else ''}), which it must not")
