"""Connectors: the status state machine (as a table), the physical cable state, availability.

Rules of the status machine (OCPP 1.6 §4.9 and the status table of §7.7):

1. A connector's reported status has two layers. The *base* status follows the table TRANSITIONS below,
   driven by events; nothing else ever changes it. Over it lie two *overlays*: a raised fault shows
   ``Faulted`` and an Inoperative connector shows ``Unavailable`` (fault first). Clearing an overlay reveals
   the base status as it is now, which is how a connector "returns to its previous status" after a fault.
2. Events are facts about the charge point, not wishes:
   OCCUPY   the first cable end went in (nothing was plugged before);
   VACATE   the last cable end came out (nothing is plugged now);
   AUTHORIZE an idTag was accepted for this connector and no transaction runs yet;
   DEAUTHORIZE that authorization ended without a transaction (ConnectionTimeOut, the same card again);
   START / STOP a transaction started / ended; SUSPEND_EV, SUSPEND_EVSE, RESUME: energy stops / flows;
   END     a transaction ended and nothing is left for the user to do (a fixed cable already out of the EV:
           C1, D1, E1 of §4.9, the allowed behaviour ``fixed-cable-direct-available``), instead of STOP;
   RESERVE / UNRESERVE a reservation was made / ended.
   ``Connector`` turns physical changes into events: it emits VACATE only when nothing is plugged any more,
   and DEAUTHORIZE moves out of Preparing only when nothing is plugged (a plugged cable keeps it Preparing).
3. A pair (status, event) absent from the table is a bug of the charge point's logic: ``IllegalTransition``
   is raised and nothing changes. Self-transitions that are legal are listed explicitly.
4. An Inoperative change for a connector with a running transaction is *scheduled* and applied when the
   transaction ends (ChangeAvailability answers Scheduled). Availability persists across reboots.
5. Connector 0 (the charge point) is Available, Unavailable (ChangeAvailability(0, Inoperative)) or
   Faulted (a fault raised on connector 0); it has no base machine.
"""

from __future__ import annotations

import enum
import logging
from typing import Callable, Iterable

from ocpp.v16.enums import ChargePointStatus as S

LOG = logging.getLogger("simulator.connectors")


class Event(str, enum.Enum):
    OCCUPY = "occupy"
    VACATE = "vacate"
    AUTHORIZE = "authorize"
    DEAUTHORIZE = "deauthorize"
    START = "start"
    SUSPEND_EV = "suspend_ev"
    SUSPEND_EVSE = "suspend_evse"
    RESUME = "resume"
    STOP = "stop"
    END = "end"
    RESERVE = "reserve"
    UNRESERVE = "unreserve"


E = Event
TRANSITIONS: dict[S, dict[Event, S]] = {
    S.available: {
        E.OCCUPY: S.preparing, E.AUTHORIZE: S.preparing, E.RESERVE: S.reserved,
    },
    S.preparing: {
        E.OCCUPY: S.preparing, E.AUTHORIZE: S.preparing, E.VACATE: S.available,
        E.DEAUTHORIZE: S.available, E.START: S.charging,
    },
    S.charging: {
        E.SUSPEND_EV: S.suspended_ev, E.SUSPEND_EVSE: S.suspended_evse, E.RESUME: S.charging,
        E.STOP: S.finishing, E.END: S.available,
    },
    S.suspended_ev: {
        E.SUSPEND_EV: S.suspended_ev, E.SUSPEND_EVSE: S.suspended_evse, E.RESUME: S.charging,
        E.STOP: S.finishing, E.END: S.available,
    },
    S.suspended_evse: {
        E.SUSPEND_EVSE: S.suspended_evse, E.SUSPEND_EV: S.suspended_ev, E.RESUME: S.charging,
        E.STOP: S.finishing, E.END: S.available,
    },
    S.finishing: {
        E.VACATE: S.available, E.OCCUPY: S.preparing, E.AUTHORIZE: S.preparing,
    },
    S.reserved: {
        E.UNRESERVE: S.available, E.AUTHORIZE: S.preparing, E.OCCUPY: S.reserved,
        E.VACATE: S.reserved,
    },
}
TRANSACTION_STATUSES = frozenset({S.charging, S.suspended_ev, S.suspended_evse})


class IllegalTransition(RuntimeError):
    """The charge point's logic fired an event its connector's status does not allow."""


def next_status(status: S, event: Event) -> S:
    try:
        return TRANSITIONS[status][event]
    except KeyError:
        raise IllegalTransition(f"{event.value} is not allowed in status {status.value}") from None


StatusListener = Callable[["Connector"], None]


class Connector:
    """One connector: physical cable ends, base status, overlays."""

    def __init__(self, spec, listener: StatusListener | None = None) -> None:
        self.id: int = spec.id
        self.spec = spec
        self.fixed_cable: bool = spec.fixed_cable
        self.ev_plugged = False
        self.cp_plugged = False            # detachable cables only
        self.base: S = S.available
        self.fault: str | None = None      # ChargePointErrorCode while a fault is raised
        self.fault_info: str | None = None
        self.operative = True
        self.scheduled: str | None = None  # "Operative"/"Inoperative" to apply when the transaction ends
        self._listener = listener

    # -- physical state ------------------------------------------------------------------------------------
    @property
    def occupied(self) -> bool:
        """Some cable end is in (the connector is no longer free for a new user)."""
        return self.ev_plugged or (not self.fixed_cable and self.cp_plugged)

    @property
    def vehicle_connected(self) -> bool:
        """The EV is connected to the charge point: energy could flow."""
        return self.ev_plugged and (self.fixed_cable or self.cp_plugged)

    # -- status --------------------------------------------------------------------------------------------
    @property
    def status(self) -> S:
        if self.fault:
            return S.faulted
        if not self.operative:
            return S.unavailable
        return self.base

    @property
    def error_code(self) -> str:
        return self.fault or "NoError"

    def fire(self, event: Event) -> S:
        before = self.status
        self.base = next_status(self.base, event)
        LOG.debug("connector %s: %s -> base %s", self.id, event.value, self.base.value)
        self._changed(before)
        return self.status

    def restore(self, base: S) -> None:
        """Set the base status without an event (state file at boot, baseline)."""
        self.base = base

    def set_fault(self, error_code: str | None, info: str | None = None) -> None:
        before = self.status
        self.fault, self.fault_info = error_code, info if error_code else None
        self._changed(before, force=error_code is not None)

    def set_operative(self, operative: bool) -> None:
        before = self.status
        self.operative = operative
        self._changed(before)

    def _changed(self, before: S, force: bool = False) -> None:
        if (force or self.status != before) and self._listener is not None:
            self._listener(self)

    def snapshot(self) -> dict:
        return {"status": self.status.value, "base": self.base.value, "error_code": self.error_code,
                "ev_plugged": self.ev_plugged, "cp_plugged": self.cp_plugged,
                "fixed_cable": self.fixed_cable, "operative": self.operative, "scheduled": self.scheduled}


class ChargePointUnit:
    """Connector 0: the charge point as a whole."""

    id = 0

    def __init__(self, listener: StatusListener | None = None) -> None:
        self.operative = True
        self.fault: str | None = None
        self.fault_info: str | None = None
        self._listener = listener

    @property
    def status(self) -> S:
        if self.fault:
            return S.faulted
        return S.available if self.operative else S.unavailable

    @property
    def error_code(self) -> str:
        return self.fault or "NoError"

    def set_operative(self, operative: bool) -> None:
        before = self.status
        self.operative = operative
        if self.status != before and self._listener:
            self._listener(self)

    def set_fault(self, error_code: str | None, info: str | None = None) -> None:
        self.fault, self.fault_info = error_code, info if error_code else None
        if self._listener:
            self._listener(self)

    def snapshot(self) -> dict:
        return {"status": self.status.value, "error_code": self.error_code, "operative": self.operative}


class Connectors:
    """All connectors of the charge point, their persisted cable and availability state."""

    def __init__(self, settings, store, faults, listener: StatusListener | None = None) -> None:
        self._store = store
        self._faults = faults
        self.unit = ChargePointUnit(listener)
        self._by_id = {spec.id: Connector(spec, listener) for spec in settings.connectors}
        self._load()

    # -- access --------------------------------------------------------------------------------------------
    def __iter__(self):
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, connector_id: int) -> Connector | None:
        return self._by_id.get(connector_id)

    def all_with_unit(self) -> list:
        return [self.unit, *self._by_id.values()]

    # -- persistence ---------------------------------------------------------------------------------------
    def _load(self) -> None:
        availability = self._store.data.get("availability") or {}
        if self._faults.active("forgets-availability-after-reboot"):
            availability = {}
        self.unit.operative = availability.get("0", "Operative") == "Operative"
        scheduled = availability.get("scheduled") or {}
        cables = self._store.data.get("cables") or {}
        for c in self:
            c.operative = availability.get(str(c.id), "Operative") == "Operative"
            c.scheduled = scheduled.get(str(c.id))
            cable = cables.get(str(c.id)) or {}
            c.ev_plugged = bool(cable.get("ev", False))
            c.cp_plugged = bool(cable.get("cp", False)) and not c.fixed_cable
            if cable.get("base") == S.finishing.value and c.occupied:
                c.restore(S.finishing)
            elif c.occupied:
                c.restore(S.preparing)
            else:
                c.restore(S.available)

    def save(self) -> None:
        availability = {"0": "Operative" if self.unit.operative else "Inoperative"}
        scheduled = {}
        cables = {}
        for c in self:
            availability[str(c.id)] = "Operative" if c.operative else "Inoperative"
            if c.scheduled:
                scheduled[str(c.id)] = c.scheduled
            cables[str(c.id)] = {"ev": c.ev_plugged, "cp": c.cp_plugged, "base": c.base.value}
        availability["scheduled"] = scheduled
        self._store.data["availability"] = availability
        self._store.data["cables"] = cables
        self._store.save()

    # -- ChangeAvailability (OCPP 1.6 §5.2) ----------------------------------------------------------------
    def change_availability(self, connector_id: int, kind: str, busy: Callable[[int], bool]) -> str:
        """Apply or schedule an availability change; answer Accepted, Scheduled or Rejected."""
        operative = kind == "Operative"
        if connector_id == 0:
            targets: Iterable[Connector] = list(self)
        else:
            connector = self.get(connector_id)
            if connector is None:
                return "Rejected"
            targets = [connector]
        scheduled = False
        if connector_id == 0 and not (operative and self._stuck(self.unit)):
            self.unit.set_operative(operative)
        for c in targets:
            if busy(c.id) and not operative:
                c.scheduled = kind
                scheduled = True
            elif operative and self._stuck(c):
                continue
            else:
                c.scheduled = None
                c.set_operative(operative)
        self.save()
        if scheduled and self._faults.active("change-availability-not-scheduled"):
            return "Accepted"
        return "Scheduled" if scheduled else "Accepted"

    def _stuck(self, unit) -> bool:
        """Fault ``stuck-unavailable``: an Inoperative unit never becomes Operative again; the state file keeps
        it Inoperative, so no reboot or power cycle helps either."""
        return self._faults.active("stuck-unavailable") and not unit.operative

    def apply_scheduled(self, connector: Connector) -> None:
        """Called when a connector's transaction has ended."""
        if connector.scheduled:
            connector.set_operative(connector.scheduled == "Operative")
            connector.scheduled = None
            self.save()
