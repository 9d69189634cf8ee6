"""The four key performance indicators of an OCPP 1.6 certificate, measured from trace records.

A trace is the list of records of one test case (docs/contracts.md §3); every record carries `seq` and a
monotonic `t_ns`. A sample is the time between two frames of the same trace, kept in integer nanoseconds
until the final division into seconds.

Rules (the certificate's definitions; how OCTT measures them is not public, so these are ours):

KPI id                              from (a harness CALL, cs->cp)       to (a charge-point frame, cp->cs)
ocpp_response_time                  every CALL                          the CALLRESULT/CALLERROR, same unique id
triggered_function_time             a CALL of TRIGGER_RULES answered    the first CALL the rule `matches`
                                    with a status the rule `accepted`
remote_start_to_start_transaction   RemoteStartTransaction, Accepted    the next StartTransaction CALL
remote_stop_to_stop_transaction     RemoteStopTransaction, Accepted     the StopTransaction of its transactionId

Every KPI but the response time takes a sample only when no `dut` record (a physical action or a prompt) and
no `connection` record (close, open) lies between the two frames: then the CALL alone caused the request.
Left out of `triggered_function_time` (the certificate excludes firmware, diagnostics and rebooting):
EXCLUDED_TRIGGERS.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

NS_PER_S = 1_000_000_000

OCPP_RESPONSE_TIME = "ocpp_response_time"
TRIGGERED_FUNCTION_TIME = "triggered_function_time"
REMOTE_START_TO_START_TRANSACTION = "remote_start_to_start_transaction"
REMOTE_STOP_TO_STOP_TRANSACTION = "remote_stop_to_stop_transaction"


@dataclass(frozen=True)
class KpiDefinition:
    key: str          # our id, used in Sample.kpi
    pics_key: str     # the key of the vendor maximum under `performance:` in the PICS
    name: str         # the certificate's name
    description: str  # the certificate's description


# In certificate order, with the certificate's names and descriptions.
KPIS: tuple[KpiDefinition, ...] = (
    KpiDefinition(
        OCPP_RESPONSE_TIME, "ocpp_response_timeout", "OCPP response timeout",
        "The timeout used for exchanging OCPP response messages. Messages to the DUT can be handled within "
        "this timeout."),
    KpiDefinition(
        TRIGGERED_FUNCTION_TIME, "triggered_function_timeout", "OCPP triggered function timeout",
        "The timeout used for when waiting for an OCPP function with its corresponding request message. "
        "Messages to the DUT can be handled within this timeout. This value excludes firmware, diagnostics "
        "and rebooting"),
    KpiDefinition(
        REMOTE_START_TO_START_TRANSACTION, "remote_start_to_start_transaction",
        "Transaction authorization time by RemoteStartTransaction",
        "The time between the RemoteStartTransaction.req message and the corresponding StartTransaction.req. "
        "Only cases where the RemoteStartTransaction immediately results in an authorization followed by a "
        "StartTransaction.req are included."),
    KpiDefinition(
        REMOTE_STOP_TO_STOP_TRANSACTION, "remote_stop_to_stop_transaction",
        "Transaction authorization end time by RemoteStopTransaction",
        "The time between the RemoteStopTransaction.req message and the corresponding StopTransaction.req. "
        "Only cases where the RemoteStopTransaction immediately results in an end of the authorization "
        "followed by a StopTransaction.req are included."),
)


@dataclass(frozen=True)
class TriggerRule:
    """A harness CALL that should make the charge point send a request of its own."""
    accepted: frozenset[str]                          # CALLRESULT statuses under which the function runs
    matches: Callable[[dict, str, dict], bool]        # (CALL payload, CP action, CP payload) -> is the request


# ExtendedTriggerMessage names one message after the function, not after the request it causes.
_EXTENDED_TRIGGER_REQUEST = {"SignChargePointCertificate": "SignCertificate"}


def _requested(call: dict, action: str, _payload: dict) -> bool:
    return action == call.get("requestedMessage")


def _extended_requested(call: dict, action: str, _payload: dict) -> bool:
    wanted = call.get("requestedMessage")
    return action == _EXTENDED_TRIGGER_REQUEST.get(wanted, wanted)


def _status_of_connector(call: dict, action: str, payload: dict) -> bool:
    connector = call.get("connectorId", 0)
    return action == "StatusNotification" and (connector == 0 or payload.get("connectorId") == connector)


TRIGGER_RULES: dict[str, TriggerRule] = {
    "TriggerMessage": TriggerRule(frozenset({"Accepted"}), _requested),
    "ExtendedTriggerMessage": TriggerRule(frozenset({"Accepted"}), _extended_requested),
    "ChangeAvailability": TriggerRule(frozenset({"Accepted"}), _status_of_connector),
    "RemoteStopTransaction": TriggerRule(
        frozenset({"Accepted"}), lambda call, action, payload: action == "StatusNotification"),
    "UnlockConnector": TriggerRule(
        frozenset({"Unlocked", "UnlockFailed"}),
        lambda call, action, payload: action in ("StatusNotification", "StopTransaction")),
}

EXCLUDED_TRIGGERS = frozenset({"UpdateFirmware", "SignedUpdateFirmware", "GetDiagnostics", "GetLog", "Reset"})


@dataclass(frozen=True)
class Sample:
    kpi: str
    case_id: str
    seconds: float
    start_seq: int
    end_seq: int
    ns: int | None = None   # the exact duration; `seconds` is ns / 1e9

    @property
    def nanoseconds(self) -> int:
        return self.ns if self.ns is not None else round(self.seconds * NS_PER_S)


@dataclass(frozen=True)
class KpiSummary:
    kpi: str                    # the certificate's name
    vendor_max_s: float | None
    count: int
    min_s: float | None
    max_s: float | None
    mean_s: float | None
    p95_s: float | None
    exceeds_max: bool
    key: str = ""               # our id (KpiDefinition.key)


# --------------------------------------------------------------------------------------------------- samples

def _frame(record: dict, direction: str, message_types: tuple[str, ...]) -> bool:
    return (record.get("type") == "frame" and record.get("direction") == direction
            and record.get("message_type") in message_types)


def _payload(record: dict) -> dict:
    payload = record.get("payload")
    return payload if isinstance(payload, dict) else {}


def _sample(kpi: str, case_id: str, start: dict, end: dict) -> Sample:
    ns = int(end["t_ns"]) - int(start["t_ns"])
    return Sample(kpi, case_id, ns / NS_PER_S, int(start["seq"]), int(end["seq"]), ns)


def _answers(records: list[dict]) -> dict[int, int]:
    """Index of each harness CALL -> index of the CALLRESULT/CALLERROR with its unique id, in one pass."""
    pending: dict[object, int] = {}
    answers: dict[int, int] = {}
    for j, record in enumerate(records):
        if _frame(record, "cs->cp", ("CALL",)):
            pending[record.get("unique_id")] = j
        elif _frame(record, "cp->cs", ("CALLRESULT", "CALLERROR")) and record.get("unique_id") in pending:
            answers[pending.pop(record.get("unique_id"))] = j
    return answers


def _status(records: list[dict], answer: int | None) -> str | None:
    if answer is None or records[answer].get("message_type") != "CALLRESULT":
        return None
    return _payload(records[answer]).get("status")


def _interrupts(record: dict) -> bool:
    """A record after which the charge point's request is no longer the effect of the CALL alone."""
    return record.get("type") in ("dut", "connection")


def _first_request(records: list[dict], i: int, is_request: Callable[[str, dict], bool]) -> int | None:
    """First CP CALL after index i that is_request accepts, unless a dut or connection record comes first."""
    for j in range(i + 1, len(records)):
        record = records[j]
        if _interrupts(record):
            return None
        if _frame(record, "cp->cs", ("CALL",)) and is_request(record.get("action"), _payload(record)):
            return j
    return None


def samples_from_trace(case_id: str, records: Iterable[Mapping]) -> list[Sample]:
    """Every KPI sample of one trace, ordered by KPI (certificate order) then by the seq of the CALL."""
    recs = [dict(r) for r in records
            if isinstance(r, Mapping) and isinstance(r.get("t_ns"), int) and isinstance(r.get("seq"), int)]
    recs.sort(key=lambda r: int(r["seq"]))
    found: dict[str, list[Sample]] = {d.key: [] for d in KPIS}
    answers = _answers(recs)
    for i, rec in enumerate(recs):
        if not _frame(rec, "cs->cp", ("CALL",)):
            continue
        action, call = rec.get("action"), _payload(rec)
        answer = answers.get(i)
        if answer is not None:
            found[OCPP_RESPONSE_TIME].append(_sample(OCPP_RESPONSE_TIME, case_id, rec, recs[answer]))
        status = _status(recs, answer)

        rule = TRIGGER_RULES.get(action) if action not in EXCLUDED_TRIGGERS else None
        if rule is not None and status in rule.accepted:
            j = _first_request(recs, i, lambda a, p: rule.matches(call, a, p))
            if j is not None:
                found[TRIGGERED_FUNCTION_TIME].append(_sample(TRIGGERED_FUNCTION_TIME, case_id, rec, recs[j]))

        if action == "RemoteStartTransaction" and status == "Accepted":
            j = _first_request(recs, i, lambda a, p: a == "StartTransaction")
            if j is not None:
                found[REMOTE_START_TO_START_TRANSACTION].append(
                    _sample(REMOTE_START_TO_START_TRANSACTION, case_id, rec, recs[j]))

        if action == "RemoteStopTransaction" and status == "Accepted":
            tx = call.get("transactionId")
            j = _first_request(recs, i, lambda a, p: a == "StopTransaction" and p.get("transactionId") == tx)
            if j is not None:
                found[REMOTE_STOP_TO_STOP_TRANSACTION].append(
                    _sample(REMOTE_STOP_TO_STOP_TRANSACTION, case_id, rec, recs[j]))
    return [s for d in KPIS for s in found[d.key]]


# --------------------------------------------------------------------------------------------------- summary

def _vendor_max(definition: KpiDefinition, vendor_maxima: Mapping) -> float | None:
    for key in (definition.key, definition.pics_key, definition.name):
        value = vendor_maxima.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def _p95_ns(sorted_ns: list[int]) -> int:
    """Nearest-rank 95th percentile: the smallest sample with at least 95 % of the samples at or below it."""
    return sorted_ns[max(0, math.ceil(0.95 * len(sorted_ns)) - 1)]


def summarize(samples: Iterable[Sample], vendor_maxima: Mapping | None = None) -> list[KpiSummary]:
    """One summary per KPI, in certificate order. `vendor_maxima` is keyed by KPI id, PICS key or name
    (the PICS `performance:` mapping can be passed as is)."""
    vendor_maxima = vendor_maxima or {}
    by_kpi: dict[str, list[int]] = {d.key: [] for d in KPIS}
    for sample in samples:
        if sample.kpi in by_kpi:
            by_kpi[sample.kpi].append(sample.nanoseconds)
    summaries = []
    for d in KPIS:
        ns = sorted(by_kpi[d.key])
        vendor_max = _vendor_max(d, vendor_maxima)
        if not ns:
            summaries.append(KpiSummary(d.name, vendor_max, 0, None, None, None, None, False, d.key))
            continue
        max_s = ns[-1] / NS_PER_S
        summaries.append(KpiSummary(
            kpi=d.name, vendor_max_s=vendor_max, count=len(ns),
            min_s=ns[0] / NS_PER_S, max_s=max_s, mean_s=sum(ns) / len(ns) / NS_PER_S,
            p95_s=_p95_ns(ns) / NS_PER_S,
            exceeds_max=vendor_max is not None and ns[-1] > vendor_max * NS_PER_S,
            key=d.key))
    return summaries
