"""Status reporting: turns connector status changes into StatusNotification.req.

* Only a ready link (connected, boot Accepted) carries a StatusNotification; a change that happens while
  offline or before the boot (or whose notification was lost with the connection) is reported later: all
  connectors after an Accepted boot, and after a reconnect every connector whose status differs from the
  last one the Central System received.
* MinimumStatusDuration (C-05), when set, delays a report until the status has been stable that long;
  a status that does not last is never reported.
* The named faults that hide a status (``skip-preparing``, ``no-charging-status``, ``no-faulted-status``,
  ``no-status-connector-zero``) act here and count the status as reported; ``requests-while-pending`` sends
  every status while the boot is Pending (``report_before_accepted``).
"""

from __future__ import annotations

import asyncio
import logging

from ocpp.v16 import call

from . import clock
from .link import Offline

LOG = logging.getLogger("simulator.status")

_HIDING_FAULTS = {"Preparing": "skip-preparing", "Charging": "no-charging-status", "Faulted": "no-faulted-status"}


class StatusReporter:
    def __init__(self, link, config, faults) -> None:
        self._link = link
        self._config = config
        self._faults = faults
        self._last_sent: dict[int, tuple[str, str]] = {}
        self._timers: dict[int, asyncio.TimerHandle] = {}

    def changed(self, unit) -> None:
        """A connector's (or connector 0's) reported status or error code changed."""
        delay = self._config.get_int("MinimumStatusDuration", 0)
        if delay > 0:
            old = self._timers.pop(unit.id, None)
            if old:
                old.cancel()
            stamp = clock.iso()
            self._timers[unit.id] = asyncio.get_running_loop().call_later(
                delay, self._report_if_changed, unit, stamp)
            return
        self._report(unit)

    def _report_if_changed(self, unit, stamp: str | None = None) -> None:
        self._timers.pop(unit.id, None)
        if self._last_sent.get(unit.id) != (unit.status.value, unit.error_code):
            self._report(unit, stamp)

    def _report(self, unit, stamp: str | None = None, *, initial: bool = False) -> None:
        status, error = unit.status.value, unit.error_code
        if not self._link.ready:
            return
        hiding = _HIDING_FAULTS.get(status)
        hidden = (hiding and self._faults.active(hiding)) or (
            initial and unit.id == 0 and self._faults.active("no-status-connector-zero"))
        self._last_sent[unit.id] = (status, error)
        if hidden:
            LOG.info("fault: StatusNotification(%s, %s) not sent", unit.id, status)
            return
        info = getattr(unit, "fault_info", None) if error != "NoError" else None
        try:
            fut = self._link.submit(call.StatusNotification(
                connector_id=unit.id, error_code=error, status=status, timestamp=stamp or clock.iso(),
                info=info))
        except Offline:
            self._last_sent.pop(unit.id, None)
            return
        fut.add_done_callback(lambda f: self._sent(unit.id, (status, error), f))

    def _sent(self, unit_id: int, reported: tuple[str, str], fut) -> None:
        """A StatusNotification lost with the connection is reported again after the reconnect."""
        if fut.cancelled():
            return
        if isinstance(fut.exception(), Offline) and self._last_sent.get(unit_id) == reported:
            self._last_sent.pop(unit_id, None)

    def report_all(self, units) -> None:
        """After an Accepted boot: every connector, 0 first."""
        for unit in units:
            self._report(unit, initial=True)

    @staticmethod
    def notification(unit) -> call.StatusNotification:
        """The StatusNotification that reports ``unit`` as it is now."""
        error = unit.error_code
        info = getattr(unit, "fault_info", None) if error != "NoError" else None
        return call.StatusNotification(connector_id=unit.id, error_code=error, status=unit.status.value,
                                       timestamp=clock.iso(), info=info)

    def report_before_accepted(self, units) -> None:
        """Fault ``requests-while-pending``: every connector's status, although the boot is not Accepted. Nothing
        counts as reported: the Accepted boot reports them all again."""
        for unit in units:
            try:
                fut = self._link.submit(self.notification(unit), before_accepted=True)
            except Offline:
                return
            fut.add_done_callback(lambda f: f.cancelled() or f.exception())    # an answer nobody waits for

    def report_changed(self, units) -> None:
        """After a reconnect: the connectors whose status changed while offline."""
        for unit in units:
            if self._last_sent.get(unit.id) != (unit.status.value, unit.error_code):
                self._report(unit)

    def assume_reported(self, units) -> None:
        """Behaviour ``already-booted``: the statuses as they are now reached a Central System before this
        process started; a reconnect reports only what changes from here."""
        for unit in units:
            self._last_sent[unit.id] = (unit.status.value, unit.error_code)

    def trigger(self, unit) -> None:
        """TriggerMessage(StatusNotification): report now, whatever was sent before."""
        self._report(unit)

    def cancel(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
