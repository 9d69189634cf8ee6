"""The composite schedule a conforming charger must answer to GetCompositeSchedule (§3.13.3, §5.7).

At every moment of [start, start + duration):

    limit = min(Tx level, ChargePointMaxProfile)
    Tx level = the prevailing TxProfile of the running transaction, or, when none is in force, the prevailing
               TxDefaultProfile (the connector's own, or connector 0's)

each prevailing profile being the in-force one with the highest stackLevel (:mod:`.profiles`). The time line is
cut at every instant where any candidate profile starts or stops a period, so the result is exact, not sampled.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Sequence

from .model import (CHARGE_POINT_MAX, TX, TX_DEFAULT, CompositeSchedule, Electrical, Installed, Period,
                    Transaction, round_limit, utc)
from .profiles import EPS, Piece, applies_to_connector, pieces, prevailing, surviving


def running_transaction(transactions: Sequence[Transaction], connector_id: int) -> Transaction | None:
    """The transaction on ``connector_id`` (the latest started, should the list hold more than one)."""
    mine = [t for t in transactions if t.connector_id == connector_id]
    return max(mine, key=lambda t: utc(t.started_at)) if mine else None


def _tx_profile_applies(entry: Installed, transaction: Transaction | None) -> bool:
    """§3.13.1: a TxProfile exists only with a transaction on its connector; one that names a transactionId
    applies to that transaction only (§5.16: "the transactionId MAY be used to match the profile")."""
    if transaction is None:
        return False
    wanted = entry.profile.get("transactionId")
    return wanted is None or int(wanted) == transaction.transaction_id


class _Connector:
    """The Tx-level candidates of one connector: its TxProfiles and its TxDefaultProfiles (own and connector 0's)."""

    def __init__(self, live: Sequence[Installed], connector_id: int, transaction: Transaction | None,
                 start: datetime, duration: int) -> None:
        began = transaction.started_at if transaction else None
        self.tx: list[Piece] = []
        self.default: list[Piece] = []
        for rank, entry in enumerate(live):
            purpose = entry.profile.get("chargingProfilePurpose")
            if not applies_to_connector(entry, connector_id):
                continue
            if purpose == TX and _tx_profile_applies(entry, transaction):
                self.tx += pieces(entry, rank=rank, request_start=start, duration=duration, transaction_start=began)
            elif purpose == TX_DEFAULT:
                self.default += pieces(entry, rank=rank, request_start=start, duration=duration,
                                       transaction_start=began)

    def at(self, t: float) -> Piece | None:
        """§3.13.1: a TxProfile "SHALL overrule the default charging profile" — while one is in force."""
        return prevailing(self.tx, t) or prevailing(self.default, t)

    def cuts(self) -> list[float]:
        return [x for piece in self.tx + self.default for x in (piece.begin, piece.end)]


def composite_schedule(installed: Sequence[Installed], *, connector_id: int, start: datetime, duration: int,
                       unit: str, transactions: Sequence[Transaction] = (), electrical: Electrical = Electrical(),
                       number_of_connectors: int | None = None) -> CompositeSchedule:
    """The composite schedule of ``connector_id`` over [start, start + duration), in ``unit`` ("A" or "W").

    ``installed``: every profile the charger accepted (replacements are applied here, in installed_at order);
    ``transactions``: those running now. Connector 0 (§5.7: "the total expected power or current the Charge
    Point expects to consume from the grid") is the sum over connectors 1..``number_of_connectors`` of their
    Tx level, capped by the ChargePointMaxProfile; it needs ``number_of_connectors``.

    Periods: the first at 0, one per change of limit or numberPhases (equal neighbours merged), startPeriod
    rounded to whole seconds, limits to 0.1 A / 1 W; ``limit=None`` where no profile limits the connector.
    """
    if unit not in ("A", "W"):
        raise ValueError(f"chargingRateUnit must be A or W, not {unit!r}")
    if connector_id == 0 and number_of_connectors is None:
        raise ValueError("the composite of connector 0 sums the connectors: give number_of_connectors")
    start = utc(start)
    live = surviving(installed)

    cap: list[Piece] = []
    for rank, entry in enumerate(live):
        if entry.profile.get("chargingProfilePurpose") == CHARGE_POINT_MAX and entry.connector_id == 0:
            cap += pieces(entry, rank=rank, request_start=start, duration=duration, transaction_start=None)

    targets = range(1, number_of_connectors + 1) if connector_id == 0 else (connector_id,)
    connectors = [_Connector(live, n, running_transaction(transactions, n), start, duration) for n in targets]

    cuts = sorted({0.0, float(duration)} | {x for x in [p.begin for p in cap] + [p.end for p in cap]
                                             + [x for c in connectors for x in c.cuts()] if 0 < x < duration})
    steps: list[tuple[float, float | None, int | None]] = []
    for begin, end in zip(cuts, cuts[1:]):
        if end - begin <= EPS:
            continue
        t = (begin + end) / 2
        limit, phases = _limit_at(t, connectors, prevailing(cap, t), unit, electrical, summed=connector_id == 0)
        steps.append((begin, limit, phases))
    return CompositeSchedule(connector_id, start, int(duration), unit, _periods(steps, unit, int(duration)))


def _limit_at(t: float, connectors: Sequence[_Connector], cap: Piece | None, unit: str, electrical: Electrical,
              *, summed: bool) -> tuple[float | None, int | None]:
    """min(Tx level, ChargePointMaxProfile) at t, in ``unit``; the numberPhases stated by the profiles used
    (the fewest, since a profile allowing 1 phase restricts the connector to 1), None when none states any."""

    def value(piece: Piece) -> float:
        return electrical.convert(piece.limit, piece.unit, unit, piece.phases)

    chosen = [c.at(t) for c in connectors]
    limits: list[float] = []
    stated: list[int] = []
    if summed:
        if chosen and all(piece is not None for piece in chosen):
            limits.append(sum(value(piece) for piece in chosen))  # type: ignore[arg-type]
    elif chosen[0] is not None:
        limits.append(value(chosen[0]))
        if chosen[0].phases is not None:
            stated.append(chosen[0].phases)
    if cap is not None:
        limits.append(value(cap))
        if cap.phases is not None:
            stated.append(cap.phases)
    if not limits:
        return None, None
    return min(limits), (min(stated) if stated else None)


def _periods(steps: Sequence[tuple[float, float | None, int | None]], unit: str,
             duration: int) -> tuple[Period, ...]:
    """Steps (exact begin, limit, phases) to periods: whole seconds, rounded limits, equal neighbours merged.
    Two steps that round onto the same second keep the later one (the earlier lasted under a second); a step
    that rounds onto the end of the schedule lasted under half a second and is dropped."""
    periods: list[Period] = []
    for begin, limit, phases in steps:
        second = int(math.floor(begin + 0.5))
        if second >= duration > 0:
            continue
        period = Period(second, None if limit is None else round_limit(limit, unit), phases)
        if periods and periods[-1].start_period == second:
            periods.pop()
        if periods and (periods[-1].limit, periods[-1].number_phases) == (period.limit, period.number_phases):
            continue
        periods.append(period)
    return tuple(periods)
