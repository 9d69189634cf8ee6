"""Named allowed behaviours of the reference charge point: the single table name -> what it does differently.

A behaviour is the opposite of a fault (``faults``): the charge point does something OCPP 1.6 allows but the
reference charge point does not do by default, as real chargers do. A conformance tool must pass it. Each
row names the test cases of the plan that must still *pass* with it; the harness's docs/faults.md (the
table "Allowed behaviours the cases must pass") is the proven version of that claim.

Behaviour code asks ``behaviours.active("name")`` exactly where the charge point does it differently; the name
is checked against this table, so a typo in the code fails loudly instead of silently never acting. A row may
name a PICS item (``needs``) without which the behaviour cannot exist on that charger (a MinimumStatusDuration
without feature C-05): ``python -m simulator`` refuses such a combination instead of ignoring the behaviour.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, NamedTuple


class Behaviour(NamedTuple):
    description: str
    passes: str             # the test cases of the plan (TC_xxx, without _CS) that must pass with it
    needs: str = ""         # a PICS optional feature (C-05 ...) the behaviour presupposes, if any


BEHAVIOURS: dict[str, Behaviour] = {
    "fixed-cable-direct-available": Behaviour(
        "with a fixed cable, a transaction that ends after the EV side was unplugged goes straight to Available "
        "(OCPP 1.6 §4.9 C1, D1, E1: no user action is left) instead of Finishing", "TC_005_2 TC_005_3"),
    "no-authorization-cache-key": Behaviour(
        "has no AuthorizationCacheEnabled configuration key (optional, §9.1.2); its Authorization Cache, where "
        "the PICS declares one (C-04), is always on", "TC_037_1 TC_039"),
    "authorize-foreign-tag-at-reservation": Behaviour(
        "sends Authorize for a card presented at a connector reserved for another idTag (§4.1: SHALL for an "
        "idTag not in the local list or cache), then refuses it", "TC_046_1"),
    "reservation-faulted-rejected": Behaviour(
        "answers ReserveNow(connectorId 0) Rejected (instead of Faulted) while every connector is Faulted",
        "TC_050_1"),
    "reservation-faulted-unavailable": Behaviour(
        "answers ReserveNow(connectorId 0) Unavailable (instead of Faulted) while every connector is Faulted",
        "TC_050_1"),
    "minimum-status-duration": Behaviour(
        "MinimumStatusDuration is 2 s by default: a status that gives way within 2 s is never reported "
        "(§4.9: the charge point MAY omit it)", "TC_015 TC_016 TC_032_1", needs="C-05"),
    "clock-aligned-without-transaction-id": Behaviour(
        "sends the clock-aligned MeterValues of a running transaction without transactionId (§4.7: it may be "
        "omitted for values from the main meter)", "TC_071"),
    "already-booted": Behaviour(
        "was booted before the run: on its first connection after it is started it sends no BootNotification "
        "(§4.2 asks for one after a reboot, not after a reconnect) and nothing else in particular; a "
        "TriggerMessage(BootNotification), a Reset or a power cycle make it boot as usual", "TC_019 TC_021"),
}

#: The default MinimumStatusDuration of the ``minimum-status-duration`` behaviour, in seconds.
MINIMUM_STATUS_DURATION_S = 2


class UnknownBehaviour(ValueError):
    """A behaviour name that is not in BEHAVIOURS."""


class Behaviours:
    """The set of allowed behaviours switched on for this run."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        names = list(names)
        unknown = [n for n in names if n not in BEHAVIOURS]
        if unknown:
            raise UnknownBehaviour(
                f"unknown behaviour(s): {', '.join(unknown)}; known: {', '.join(sorted(BEHAVIOURS))}"
            )
        self._active = frozenset(names)

    def active(self, name: str) -> bool:
        if name not in BEHAVIOURS:
            raise KeyError(f"behaviour {name!r} is not in simulator.behaviours.BEHAVIOURS")
        return name in self._active

    def missing_features(self, has_feature: Callable[[str], bool]) -> list[str]:
        """``behaviour needs FEATURE`` for each active behaviour whose PICS item ``has_feature`` denies."""
        return [f"{name} needs {BEHAVIOURS[name].needs}" for name in sorted(self._active)
                if BEHAVIOURS[name].needs and not has_feature(BEHAVIOURS[name].needs)]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._active))


def table() -> str:
    """The behaviour table as printed by ``--list-behaviours``: name, behaviour, [test cases that pass]."""
    width = max(len(n) for n in BEHAVIOURS)
    return "\n".join(f"{name:<{width}}  {b.description}  [{', '.join(b.passes.split())}]"
                     + (f" (needs {b.needs})" if b.needs else "")
                     for name, b in BEHAVIOURS.items())
