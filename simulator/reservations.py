"""Reservations (the Reservation profile; OCPP 1.6 §3.13, §5.3 CancelReservation, §5.13 ReserveNow).

Rules:

* ReserveNow on connector N answers, in this order: Rejected (no such connector), Faulted, Unavailable,
  Occupied (the connector is not Available, or reserved under another reservationId), else Accepted and
  the connector goes Reserved until the expiryDate, a CancelReservation, or the start of a session by the
  reserved idTag. A ReserveNow with the reservationId of an existing reservation replaces it.
* Only the reserved idTag, or an idTag whose parentIdTag equals the reservation's parentIdTag, may use a
  reserved connector. Another card is refused without Authorize when the reservation has no parentIdTag
  (nothing could match); with one, the card is authorized and its parentIdTag compared. (With the allowed
  behaviour ``authorize-foreign-tag-at-reservation`` the other card is authorized first, as §4.1 lets a
  charger do for any presented idTag, and then refused.)
* Connector 0 (only with ReserveConnectorZeroSupported): no connector shows Reserved; a session by another
  idTag is refused when it would leave no free connector for the reserved one. Answers: Unavailable (the
  charge point or every connector Inoperative), Faulted (every connector faulted; Rejected or Unavailable
  with the allowed behaviours ``reservation-faulted-rejected`` / ``-unavailable``), Occupied (none free).
* The StartTransaction of a session that uses a reservation carries its reservationId; the reservation ends.
* Reservations are volatile: a reboot forgets them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from . import clock
from .behaviours import Behaviours
from .connectors import Event

LOG = logging.getLogger("simulator.reservations")


@dataclass
class Reservation:
    reservation_id: int
    connector_id: int
    id_tag: str
    parent_id_tag: str | None
    expiry: str
    timer: asyncio.Task | None = None

    def admits(self, id_tag: str, parent_id_tag: str | None) -> bool:
        if id_tag.lower() == self.id_tag.lower():
            return True
        return bool(self.parent_id_tag and parent_id_tag and parent_id_tag.lower() == self.parent_id_tag.lower())


class Reservations:
    def __init__(self, settings, config, connectors, faults, tasks, behaviours: Behaviours | None = None) -> None:
        self.supported = "Reservation" in settings.feature_profiles
        self._behaviours = behaviours or Behaviours()
        self._config = config
        self._connectors = connectors
        self._faults = faults
        self._tasks = tasks
        self._by_connector: dict[int, Reservation] = {}

    def on(self, connector_id: int) -> Reservation | None:
        return self._by_connector.get(connector_id)

    def for_charge_point(self) -> Reservation | None:
        return self._by_connector.get(0)

    def snapshot(self) -> list[dict]:
        return [{"reservation_id": r.reservation_id, "connector_id": r.connector_id, "id_tag": r.id_tag,
                 "expiry": r.expiry} for r in self._by_connector.values()]

    # -- ReserveNow / CancelReservation ---------------------------------------------------------------------
    def reserve(self, connector_id: int, expiry_date: str, id_tag: str, reservation_id: int,
                parent_id_tag: str | None, is_free) -> str:
        expiry = clock.parse(expiry_date)
        if expiry is None:
            return "Rejected"
        existing = self._find(reservation_id)
        if connector_id == 0:
            status = self._check_charge_point(is_free, existing)
        else:
            status = self._check_connector(connector_id, existing)
        if status != "Accepted":
            if status != "Rejected" and self._faults.active("reservation-status-not-checked"):
                return "Accepted"          # ... and reserves nothing
            return status
        if existing is not None:
            self._end(existing, reveal=existing.connector_id != connector_id)
        if self._faults.active("reservation-drops-parent-id-tag"):
            parent_id_tag = None
        reservation = Reservation(reservation_id, connector_id, id_tag, parent_id_tag, clock.iso(expiry))
        self._by_connector[connector_id] = reservation
        if not self._faults.active("reservation-never-expires"):
            delay = max(0.0, (expiry - clock.now()).total_seconds())
            reservation.timer = self._tasks.spawn(self._expire(reservation, delay), f"reservation-{reservation_id}")
        if connector_id and self._connectors.get(connector_id).base.value != "Reserved":
            self._connectors.get(connector_id).fire(Event.RESERVE)
        return "Accepted"

    def _check_connector(self, connector_id: int, existing: Reservation | None) -> str:
        c = self._connectors.get(connector_id)
        if c is None:
            return "Rejected"
        if c.fault:
            return "Faulted"
        if not c.operative or not self._connectors.unit.operative:
            return "Unavailable"
        current = self._by_connector.get(connector_id)
        if current is not None and (existing is None or current is not existing):
            return "Occupied"
        if c.base.value not in ("Available", "Reserved") or (c.base.value == "Reserved" and current is None):
            return "Occupied"
        return "Accepted"

    def _check_charge_point(self, is_free, existing: Reservation | None) -> str:
        if not self._config.get_bool("ReserveConnectorZeroSupported", False):
            return "Rejected"
        connectors = list(self._connectors)
        if not self._connectors.unit.operative or all(not c.operative for c in connectors):
            return "Unavailable"
        if self._connectors.unit.fault or all(c.fault for c in connectors):
            return self._faulted_answer()
        current = self._by_connector.get(0)
        if current is not None and current is not existing:
            return "Occupied"
        if not any(is_free(c) for c in connectors):
            return "Occupied"
        return "Accepted"

    def _faulted_answer(self) -> str:
        """ReserveNow(0) while no connector can charge for a fault: Faulted, or another refusal that OCPP 1.6
        §5.13 also allows (an allowed behaviour)."""
        if self._behaviours.active("reservation-faulted-rejected"):
            return "Rejected"
        if self._behaviours.active("reservation-faulted-unavailable"):
            return "Unavailable"
        return "Faulted"

    def cancel(self, reservation_id: int) -> str:
        reservation = self._find(reservation_id)
        if reservation is None:
            return "Rejected"
        if not self._faults.active("cancel-reservation-ignored"):
            self._end(reservation, reveal=True)
        return "Accepted"

    def _find(self, reservation_id: int) -> Reservation | None:
        return next((r for r in self._by_connector.values() if r.reservation_id == reservation_id), None)

    # -- use and end ----------------------------------------------------------------------------------------
    def consume(self, reservation: Reservation) -> None:
        """A session of the reserved idTag starts authorizing: the reservation is used up (the caller moves
        the connector from Reserved to Preparing)."""
        self._end(reservation, reveal=False)

    def _end(self, reservation: Reservation, reveal: bool) -> None:
        if self._by_connector.get(reservation.connector_id) is reservation:
            del self._by_connector[reservation.connector_id]
        if reservation.timer is not None and reservation.timer is not asyncio.current_task():
            reservation.timer.cancel()
        if reveal and reservation.connector_id:
            c = self._connectors.get(reservation.connector_id)
            if c.base.value == "Reserved":
                c.fire(Event.UNRESERVE)
                if c.occupied:
                    c.fire(Event.OCCUPY)

    async def _expire(self, reservation: Reservation, delay: float) -> None:
        await asyncio.sleep(delay)
        LOG.info("reservation %s expired", reservation.reservation_id)
        self._end(reservation, reveal=True)

    def clear(self) -> None:
        for reservation in list(self._by_connector.values()):
            self._end(reservation, reveal=True)
