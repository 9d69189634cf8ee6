"""Charging sessions: what the charge point does when a driver, an EV or the Central System acts.

This block turns physical actions (plug in, unplug, present a card, a fault) and the Central System's
session requests (RemoteStart/StopTransaction, UnlockConnector) into connector events and transactions.

Rules (OCPP 1.6 §3.6, §4.8, §5.11-5.13, §5.16, §9.1):

* A transaction starts when the vehicle is connected and an idTag is authorized for the connector, in
  either order. Authorized without a cable: Preparing, and after ConnectionTimeOut seconds without the
  vehicle the authorization lapses (Available). Presenting the same card again cancels it as well.
* During a transaction the same idTag stops it (reason Local). A different idTag is ignored (no Authorize)
  unless the transaction's idTag has a parentIdTag: then the new tag is authorized and stops the
  transaction when its parentIdTag is the same.
* RemoteStartTransaction is Accepted for a free, operative connector (connectorId 0 is Rejected, a missing
  one picks the first free connector). With AuthorizeRemoteTxRequests the idTag is authorized first, as if
  presented locally. RemoteStopTransaction is Accepted for a running transactionId only.
* EV-side disconnect: StopTransactionOnEVSideDisconnect true stops the transaction (EVDisconnected);
  false suspends it (SuspendedEV) until the EV is back. A stopped transaction shows Finishing, then
  Available once nothing is plugged; with the allowed behaviour ``fixed-cable-direct-available`` a fixed
  cable already out of the EV goes straight to Available (§4.9 C1, D1, E1).
* StartTransaction.conf not Accepted: StopTransactionOnInvalidId true stops (DeAuthorized); false
  suspends energy (SuspendedEVSE), after MaxEnergyOnInvalidId Wh when that key is set (C-03).
* An idTag accepted on a Finishing connector (the previous cable still in) starts a new session:
  Preparing, then Charging.
* UnlockConnector: NotSupported for a fixed cable or an unknown connector; a detachable cable is unlocked,
  and a running transaction is stopped first (UnlockCommand).
* A reserved connector (see reservations) admits only the reserved idTag or one with the reservation's
  parentIdTag; the session that uses a reservation carries its reservationId into StartTransaction.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Callable

from .behaviours import Behaviours
from .connectors import Event

LOG = logging.getLogger("simulator.sessions")

SIDES = ("both", "ev", "cp")


class ActionError(ValueError):
    """A physical action this charge point cannot perform."""


@dataclass
class PendingAuthorization:
    id_tag: str
    parent_id_tag: str | None
    timer: asyncio.Task | None = None
    reservation_id: int | None = None
    charging_profile: dict | None = None       # from RemoteStartTransaction


def same_tag(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.lower() == b.lower()


class Sessions:
    def __init__(self, config, connectors, meters, auth, transactions, reservations, smart, faults,
                 tasks, behaviours: Behaviours | None = None) -> None:
        self._config = config
        self._behaviours = behaviours or Behaviours()
        self._reservations = reservations
        self._smart = smart
        self._connectors = connectors
        self._meters = meters
        self._auth = auth
        self._tx = transactions
        self._faults = faults
        self._tasks = tasks
        self.pending: dict[int, PendingAuthorization] = {}
        self._flows: set[int] = set()           # connectors with an authorization in progress
        self._flow_tasks: set[asyncio.Task] = set()
        self.crash: Callable[[], None] = lambda: None     # set by the device: the firmware crashes and reboots
        transactions.on_start_answer = self._start_answered

    # -- helpers -------------------------------------------------------------------------------------------
    def _connector(self, connector_id) -> object:
        connector = self._connectors.get(connector_id) if isinstance(connector_id, int) else None
        if connector is None:
            raise ActionError(f"no connector {connector_id!r} (connectors are 1..{len(self._connectors)})")
        return connector

    def _spawn(self, coro, name: str) -> None:
        task = self._tasks.spawn(coro, name)
        self._flow_tasks.add(task)
        task.add_done_callback(self._flow_tasks.discard)

    def _usable(self, c) -> bool:
        return c.status.value not in ("Unavailable", "Faulted")

    def _startable(self, c) -> bool:
        """Nothing on the connector itself prevents a new session (reservations aside)."""
        return (self._usable(c) and self._tx.on(c.id) is None and c.id not in self.pending
                and c.id not in self._flows)

    def idle(self, c) -> bool:
        return self._startable(c) and c.base.value == "Available"

    def _reservation_allows(self, c, id_tag: str | None, parent: str | None) -> bool:
        reservation = self._reservations.on(c.id)
        if reservation is not None:
            return id_tag is not None and reservation.admits(id_tag, parent)
        whole = self._reservations.for_charge_point()
        if whole is not None and (id_tag is None or not whole.admits(id_tag, parent)):
            if self._faults.active("reservation-zero-not-enforced"):
                return True
            return any(self.idle(other) for other in self._connectors if other is not c)
        return True

    def free_for_start(self, c, id_tag: str | None = None, parent: str | None = None) -> bool:
        return self._startable(c) and self._reservation_allows(c, id_tag, parent)

    def _claim(self, c, id_tag: str, parent: str | None) -> int | None:
        """The reservation this session uses up, if any: its id goes into StartTransaction."""
        for reservation in (self._reservations.on(c.id), self._reservations.for_charge_point()):
            if reservation is not None and reservation.admits(id_tag, parent):
                self._reservations.consume(reservation)
                return reservation.reservation_id
        return None

    # -- physical actions ----------------------------------------------------------------------------------
    def plug_in(self, connector_id: int, side: str = "both") -> None:
        c = self._cable_end(connector_id, side, "plug in")
        was_occupied, was_connected = c.occupied, c.vehicle_connected
        if side in ("both", "ev"):
            c.ev_plugged = True
        if side in ("both", "cp") and not c.fixed_cable:
            c.cp_plugged = True
        tx = self._tx.on(c.id)
        if tx is not None:
            if c.vehicle_connected and not was_connected and c.base.value == "SuspendedEV":
                self._meters[c.id].start_flow()
                c.fire(Event.RESUME)
        else:
            if c.occupied and not was_occupied:
                c.fire(Event.OCCUPY)
            pending = self.pending.get(c.id)
            if c.vehicle_connected and not was_connected and pending is not None and self._usable(c):
                self._start(c, pending.id_tag, pending.parent_id_tag, pending.reservation_id,
                            pending.charging_profile)
        self._connectors.save()

    def _cable_end(self, connector_id: int, side: str, verb: str):
        """The connector of a plug or unplug action, once the side is one the connector has."""
        c = self._connector(connector_id)
        if side not in SIDES:
            raise ActionError(f"side must be one of {', '.join(SIDES)}")
        if side == "cp" and c.fixed_cable:
            raise ActionError(f"connector {c.id} has a fixed cable: there is no CP side to {verb}")
        return c

    def unplug(self, connector_id: int, side: str = "both") -> None:
        c = self._cable_end(connector_id, side, "unplug")
        was_occupied, was_connected = c.occupied, c.vehicle_connected
        if side in ("both", "ev"):
            c.ev_plugged = False
        if side in ("both", "cp"):
            c.cp_plugged = False
        tx = self._tx.on(c.id)
        if tx is not None and was_connected and not c.vehicle_connected:
            self._ev_disconnected(c, tx)
        elif tx is None and was_occupied and not c.occupied:
            self._vacated(c)
        self._connectors.save()

    def _vacated(self, c) -> None:
        if c.id in self.pending:
            return                      # still authorized, waiting for the cable
        if c.base.value in ("Preparing", "Finishing", "Reserved"):
            c.fire(Event.VACATE)

    def present_id_tag(self, id_tag: str, connector_id: int) -> None:
        c = self._connector(connector_id)
        if not isinstance(id_tag, str) or not 0 < len(id_tag) <= 20:
            raise ActionError("id_tag must be a string of 1..20 characters")
        self._spawn(self._card(c, id_tag), f"card-{c.id}")

    async def _card(self, c, id_tag: str) -> None:
        if not self._usable(c):
            LOG.info("connector %s is %s: card %s ignored", c.id, c.status.value, id_tag)
            return
        tx = self._tx.on(c.id)
        if tx is not None:
            await self._card_during_transaction(c, tx, id_tag)
            return
        pending = self.pending.get(c.id)
        if pending is not None:
            if same_tag(pending.id_tag, id_tag):
                LOG.info("connector %s: same card again, authorization cancelled", c.id)
                self._lapse(c)
            return
        if c.id in self._flows:
            return
        reservation = self._reservations.on(c.id)
        if (reservation is not None and not same_tag(reservation.id_tag, id_tag) and not reservation.parent_id_tag
                and not self._behaviours.active("authorize-foreign-tag-at-reservation")):
            LOG.info("connector %s is reserved for another idTag: card %s ignored", c.id, id_tag)
            return
        self._flows.add(c.id)
        try:
            result = await self._auth.authorize(id_tag)
        finally:
            self._flows.discard(c.id)
        if not result.accepted and not self._faults.active("starts-on-invalid-id"):
            LOG.info("idTag %s not accepted (%s, %s)", id_tag, result.status, result.source)
            return
        if self.free_for_start(c, id_tag, result.parent_id_tag):
            self._authorized(c, id_tag, result.parent_id_tag,
                             self._claim(c, id_tag, result.parent_id_tag))

    async def _card_during_transaction(self, c, tx, id_tag: str) -> None:
        if same_tag(tx.id_tag, id_tag) or self._faults.active("stop-on-foreign-tag"):
            self.stop(tx, "Local", id_tag)
            return
        if not tx.parent_id_tag:
            LOG.info("connector %s: foreign card %s ignored", c.id, id_tag)
            return
        result = await self._auth.authorize(id_tag)
        if (result.accepted and same_tag(result.parent_id_tag, tx.parent_id_tag)
                and not self._faults.active("ignores-parent-id-tag")
                and self._tx.on(c.id) is tx):
            self.stop(tx, "Local", id_tag)

    def raise_fault(self, connector_id: int, error_code: str, active: bool, info: str | None = None) -> None:
        unit = self._connectors.unit if connector_id == 0 else self._connector(connector_id)
        if active:
            if not error_code or error_code == "NoError":
                raise ActionError("a fault needs an error_code other than NoError")
            unit.set_fault(error_code, info)
            if connector_id and self._tx.on(connector_id) is not None:
                self._meters[connector_id].stop_flow()
        else:
            unit.set_fault(None)
            if connector_id and self._tx.on(connector_id) is not None and unit.base.value == "Charging":
                self._meters[connector_id].start_flow()

    # -- authorization and start ---------------------------------------------------------------------------
    def _authorized(self, c, id_tag: str, parent: str | None, reservation_id: int | None = None,
                    charging_profile: dict | None = None) -> None:
        if not self._usable(c):
            LOG.info("connector %s became %s: authorization of %s dropped", c.id, c.status.value, id_tag)
            return
        if c.vehicle_connected:
            self._start(c, id_tag, parent, reservation_id, charging_profile)
            return
        timer = None
        if not self._faults.active("ignores-connection-timeout"):
            timer = self._tasks.spawn(self._connection_timeout(c, id_tag), f"connection-timeout-{c.id}")
        self.pending[c.id] = PendingAuthorization(id_tag, parent, timer, reservation_id, charging_profile)
        c.fire(Event.AUTHORIZE)

    async def _connection_timeout(self, c, id_tag: str) -> None:
        await asyncio.sleep(self._config.get_int("ConnectionTimeOut", 60))
        pending = self.pending.get(c.id)
        if pending is not None and same_tag(pending.id_tag, id_tag) and self._tx.on(c.id) is None:
            if self._faults.active("reboots-at-connection-timeout"):
                LOG.warning("connector %s: ConnectionTimeOut, and the firmware crashes", c.id)
                self.crash()
                return
            LOG.info("connector %s: ConnectionTimeOut, authorization lapsed", c.id)
            self._lapse(c, from_timer=True)

    def _lapse(self, c, from_timer: bool = False) -> None:
        pending = self.pending.pop(c.id, None)
        if pending and pending.timer and not from_timer:
            pending.timer.cancel()
        if not c.occupied and c.base.value == "Preparing":
            c.fire(Event.DEAUTHORIZE)

    def _start(self, c, id_tag: str, parent: str | None, reservation_id: int | None = None,
               charging_profile: dict | None = None) -> None:
        pending = self.pending.pop(c.id, None)
        if pending and pending.timer:
            pending.timer.cancel()
        if c.base.value != "Preparing":          # Finishing (cable still in) or Reserved: a new session
            c.fire(Event.AUTHORIZE)
        if self._faults.active("reservation-id-missing"):
            reservation_id = None
        tx = self._tx.start(c.id, id_tag, parent or self._auth.known_parent(id_tag), reservation_id)
        if charging_profile is not None and self._smart.supported:
            self._smart.install_for_transaction(c.id, charging_profile, tx)
        else:
            self._smart.follow()
        c.fire(Event.START)

    def _start_answered(self, tx, status: str) -> None:
        if status == "Accepted" or self._tx.on(tx.connector_id) is not tx:
            return
        c = self._connectors.get(tx.connector_id)
        if self._config.get_bool("StopTransactionOnInvalidId", True):
            if self._faults.active("ignores-stop-on-invalid-id"):
                return
            self.stop(tx, "DeAuthorized")
            return
        if self._faults.active("stops-on-invalid-id-anyway"):
            self.stop(tx, "DeAuthorized")
            return
        allowance = self._config.get_int("MaxEnergyOnInvalidId", 0)        # C-03
        delivered = self._meters[c.id].energy_wh() - tx.start_wh
        if allowance > delivered and self._meters[c.id].flowing:
            self._spawn(self._suspend_after_energy(c, tx, allowance), f"max-energy-{c.id}")
        else:
            self._suspend_evse(c)

    def _suspend_evse(self, c) -> None:
        self._meters[c.id].stop_flow()
        if c.base.value in ("Charging", "SuspendedEV"):
            c.fire(Event.SUSPEND_EVSE)

    async def _suspend_after_energy(self, c, tx, allowance_wh: float) -> None:
        """MaxEnergyOnInvalidId: keep charging until that much energy went into the transaction."""
        meter = self._meters[c.id]
        while self._tx.on(c.id) is tx and meter.energy_wh() - tx.start_wh < allowance_wh:
            remaining = allowance_wh - (meter.energy_wh() - tx.start_wh)
            await asyncio.sleep(max(0.05, remaining / max(1.0, c.spec.max_power_w) * 3600.0))
        if self._tx.on(c.id) is tx:
            self._suspend_evse(c)

    # -- stop ----------------------------------------------------------------------------------------------
    def stop(self, tx, reason: str, id_tag: str | None = None, timestamp: str | None = None,
             recovered: bool = False) -> None:
        c = self._connectors.get(tx.connector_id)
        self._tx.stop(tx, reason, id_tag, timestamp, recovered=recovered)
        self._smart.transaction_ended(c.id)
        if not c.occupied and c.fixed_cable and self._behaviours.active("fixed-cable-direct-available"):
            c.fire(Event.END)           # the EV has gone with the cable's far end: nothing left to do
        else:
            c.fire(Event.STOP)
            if not c.occupied:
                c.fire(Event.VACATE)
        self._connectors.apply_scheduled(c)
        self._connectors.save()

    def stop_all(self, reason: str) -> None:
        for tx in list(self._tx.active.values()):
            self.stop(tx, reason)

    def _ev_disconnected(self, c, tx) -> None:
        if (self._config.get_bool("StopTransactionOnEVSideDisconnect", True)
                and not self._faults.active("ev-disconnect-no-stop")):
            reason = "Local" if self._faults.active("ev-disconnect-wrong-reason") else "EVDisconnected"
            self.stop(tx, reason)
        else:
            self._meters[c.id].stop_flow()
            c.fire(Event.SUSPEND_EV)

    # -- Central System requests: decide now, act after the answer -----------------------------------------
    def remote_start(self, connector_id: int | None, id_tag: str, charging_profile: dict | None = None):
        """(status, continuation or None)."""
        if self._faults.active("remote-start-rejected"):
            return "Rejected", None
        if charging_profile is not None and self._smart.supported:
            if (not self._smart.acceptable_for_remote_start(charging_profile)
                    and not self._faults.active("remote-start-profile-not-checked")):
                return "Rejected", None
        else:
            charging_profile = None
        if connector_id == 0 and not self._faults.active("accept-remote-start-connector-zero"):
            return "Rejected", None
        parent = self._auth.known_parent(id_tag)
        if connector_id in (None, 0):
            c = next((c for c in self._connectors if self.free_for_start(c, id_tag, parent)), None)
            if c is None:
                return "Rejected", None
        else:
            c = self._connectors.get(connector_id)
            if c is None:
                return "Rejected", None
            reservation = self._reservations.on(c.id)
            maybe = reservation is not None and reservation.parent_id_tag and self._startable(c)
            if (not self.free_for_start(c, id_tag, parent) and not maybe
                    and not self._faults.active("accept-remote-start-busy")):
                return "Rejected", None
        if self._tx.on(c.id) is not None:       # accepted by a fault: nothing can happen
            return "Accepted", None
        self._flows.add(c.id)
        return "Accepted", lambda: self._spawn(self._remote_flow(c, id_tag, charging_profile), f"remote-start-{c.id}")

    async def _remote_flow(self, c, id_tag: str, charging_profile: dict | None = None) -> None:
        try:
            parent = self._auth.known_parent(id_tag)
            if (self._config.get_bool("AuthorizeRemoteTxRequests", True)
                    and not self._faults.active("skip-authorize-remote")):
                result = await self._auth.authorize(id_tag)
                if not result.accepted and not self._faults.active("starts-on-invalid-id"):
                    LOG.info("remote start: idTag %s not accepted (%s)", id_tag, result.status)
                    return
                parent = result.parent_id_tag
        finally:
            self._flows.discard(c.id)
        if self.free_for_start(c, id_tag, parent):
            self._authorized(c, id_tag, parent, self._claim(c, id_tag, parent), charging_profile)
            pending = self.pending.get(c.id)
            if pending is not None and self._faults.active("start-before-plug-in"):
                LOG.info("connector %s: remote start without waiting for the cable", c.id)
                self._start(c, pending.id_tag, pending.parent_id_tag, pending.reservation_id,
                            pending.charging_profile)

    def remote_stop(self, transaction_id: int):
        tx = self._tx.by_transaction_id(transaction_id)
        if tx is None:
            return ("Accepted" if self._faults.active("accept-unknown-transaction-stop") else "Rejected"), None
        reason = "Local" if self._faults.active("wrong-stop-reason") else "Remote"
        return "Accepted", self._stopper(tx, reason)

    def _stopper(self, tx, reason: str):
        def stop_if_still_running() -> None:
            if self._tx.on(tx.connector_id) is tx:
                self.stop(tx, reason)
        return stop_if_still_running

    def unlock(self, connector_id: int):
        c = self._connectors.get(connector_id) if connector_id else None
        if c is None:
            return ("Unlocked" if self._faults.active("unlock-unknown-connector-unlocked") else "NotSupported"), None
        if c.fixed_cable:
            return ("Unlocked" if self._faults.active("unlock-fixed-cable-unlocked") else "NotSupported"), None
        if c.fault == "ConnectorLockFailure" and not self._faults.active("unlock-ignores-lock-failure"):
            return "UnlockFailed", None
        if self._faults.active("unlock-always-fails"):
            return "UnlockFailed", None
        tx = self._tx.on(c.id)
        if tx is None or self._faults.active("unlock-keeps-transaction"):
            return "Unlocked", None
        return "Unlocked", self._unlock_stopper(c, tx)

    def _unlock_stopper(self, c, tx) -> Callable[[], None]:
        """Stop the transaction to unlock (UnlockCommand). With the fault ``available-before-unplug`` the firmware
        then takes the open lock for the cable being gone: Available while the cable is still in."""
        stop = self._stopper(tx, "UnlockCommand")
        if not self._faults.active("available-before-unplug"):
            return stop

        def stop_and_free() -> None:
            stop()
            if c.base.value == "Finishing" and c.occupied:
                c.fire(Event.VACATE)
                self._connectors.save()
        return stop_and_free

    # -- lifecycle -----------------------------------------------------------------------------------------
    def recover(self, power_loss_reason: str) -> None:
        """At boot: transactions the state file still has were cut by a power loss or a crash."""
        for tx in list(self._tx.active.values()):
            self.stop(tx, power_loss_reason, timestamp=tx.updated_at, recovered=True)

    def baseline(self) -> None:
        """Back to idle the way a person would get there: pending authorizations and flows are dropped
        (their timers cancelled), faults cleared, every cable pulled out, and a transaction that survives
        that (StopTransactionOnEVSideDisconnect false) is stopped (reason Other). The Central System sees
        the natural consequences (StatusNotification Available, ...), nothing else."""
        for task in list(self._flow_tasks):
            task.cancel()
        self._flows.clear()
        for cid in list(self.pending):
            self._lapse(self._connectors.get(cid))
        self._reservations.clear()
        for unit in self._connectors.all_with_unit():
            if unit.fault:
                self.raise_fault(unit.id, None, False)
        for c in self._connectors:
            if c.ev_plugged or c.cp_plugged:
                self.unplug(c.id, "both")
        self.stop_all("Other")
