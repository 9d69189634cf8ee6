"""The connector status transitions of OCPP 1.6 (§4.9, StatusNotification), written as a table.

Rules:

1. A connector's first status after a (re)connection or a BootNotification may be anything: the charger may
   have rebooted or changed state while offline, and the spec does not require it to report intermediate
   states it never had a chance to send.
2. After that, each new status must be a transition the table allows. Reporting the same status again is no
   transition and is allowed (the charger may repeat itself, e.g. with a new errorCode).
3. Connector 0 (the charge point as a whole) may only be Available, Unavailable or Faulted.

The cells of the specification's table are named by a letter for the old state (A = Available … I =
Faulted) and a digit for the new one (1 = Available … 9 = Faulted); the comments below list them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STATUSES = ("Available", "Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Reserved",
            "Unavailable", "Faulted")

#: old status → the statuses it may change to.
TRANSITIONS: dict[str, frozenset[str]] = {
    # A2 A3 A4 A5 A7 A8 A9
    "Available": frozenset({"Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Reserved", "Unavailable",
                            "Faulted"}),
    # B1 B3 B4 B5 B6 B9
    "Preparing": frozenset({"Available", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Faulted"}),
    # C1 C4 C5 C6 C8 C9
    "Charging": frozenset({"Available", "SuspendedEV", "SuspendedEVSE", "Finishing", "Unavailable", "Faulted"}),
    # D1 D3 D5 D6 D8 D9
    "SuspendedEV": frozenset({"Available", "Charging", "SuspendedEVSE", "Finishing", "Unavailable", "Faulted"}),
    # E1 E3 E4 E6 E8 E9
    "SuspendedEVSE": frozenset({"Available", "Charging", "SuspendedEV", "Finishing", "Unavailable", "Faulted"}),
    # F1 F2 F8 F9
    "Finishing": frozenset({"Available", "Preparing", "Unavailable", "Faulted"}),
    # G1 G2 G8 G9
    "Reserved": frozenset({"Available", "Preparing", "Unavailable", "Faulted"}),
    # H1 H2 H3 H4 H5 H9
    "Unavailable": frozenset({"Available", "Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Faulted"}),
    # I1 … I8
    "Faulted": frozenset({"Available", "Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing",
                          "Reserved", "Unavailable"}),
}

CONNECTOR_ZERO_STATUSES = frozenset({"Available", "Unavailable", "Faulted"})


def allowed(old: str, new: str) -> bool:
    return old == new or new in TRANSITIONS.get(old, frozenset())


@dataclass
class ConnectorStatusChecker:
    """Follows the statuses a charger reports and names every illegal one."""

    last: dict[int, str] = field(default_factory=dict)

    def restart(self) -> None:
        """A boot or a new connection: the next status of each connector starts afresh (rule 1)."""
        self.last.clear()

    def observe(self, connector_id: int, status: str) -> str | None:
        """Record ``status`` for ``connector_id``; return a finding when it breaks a rule, else None."""
        previous = self.last.get(connector_id)
        self.last[connector_id] = status
        if connector_id == 0 and status not in CONNECTOR_ZERO_STATUSES:
            return (f"connector 0 reported {status}; the charge point as a whole can only be "
                    f"{', '.join(sorted(CONNECTOR_ZERO_STATUSES))} (OCPP 1.6 §7.7)")
        if previous is not None and not allowed(previous, status):
            return (f"connector {connector_id} went from {previous} to {status}, a transition OCPP 1.6 §4.9 "
                    "does not allow")
        return None
