"""Transactions: start/stop records, meter values, transaction ids, and the transaction message queue.

Rules (OCPP 1.6 §3.6, §4.7, §4.8, §4.10, §5.x and §9.1):

* StartTransaction, StopTransaction and the MeterValues of a transaction are *transaction messages*: they
  go through ``TransactionQueue``, a persistent FIFO delivered in order whenever the link is ready, so a
  transaction started or stopped offline (or before a power cut) is reported after the reconnect/boot.
  A message the Central System fails to process (CALLERROR or no answer) is retried after
  TransactionMessageRetryInterval x attempts, at most TransactionMessageAttempts times, then dropped.
  Being offline costs no attempt.
* The transactionId comes from StartTransaction.conf; messages queued before it is known get it when they
  are sent (they follow the StartTransaction in the queue).
* Sampled meter values: every MeterValueSampleInterval seconds from the start of the transaction,
  context Sample.Periodic, one sampledValue per measurand of MeterValuesSampledData (0 = off).
  Clock-aligned: every ClockAlignedDataInterval seconds after midnight UTC, context Sample.Clock, the
  measurands of MeterValuesAlignedData, timestamped with the aligned instant (0 = off). They carry the
  transactionId, except with the allowed behaviour ``clock-aligned-without-transaction-id`` (§4.7: it may
  be omitted for values from the main meter); they are queued like the others either way.
* StopTransaction.transactionData: Transaction.Begin/End samples of StopTxnSampledData and the clock-aligned
  samples of StopTxnAlignedData, at most StopTransactionMaxMeterValues meterValue elements.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass, field

from ocpp.v16 import call

from . import clock
from .behaviours import Behaviours
from .authorization import normalize_info
from .link import CallFailed, Offline

LOG = logging.getLogger("simulator.transactions")


@dataclass
class Transaction:
    local_id: int
    connector_id: int
    id_tag: str
    meter_start: int
    start_wh: float
    started_at: str
    parent_id_tag: str | None = None
    transaction_id: int | None = None
    reservation_id: int | None = None
    updated_at: str | None = None
    begin_values: list = field(default_factory=list)      # StopTxnSampledData at the start
    aligned_values: list = field(default_factory=list)    # StopTxnAlignedData samples

    def snapshot(self) -> dict:
        return {"transaction_id": self.transaction_id, "connector_id": self.connector_id,
                "id_tag": self.id_tag, "parent_id_tag": self.parent_id_tag,
                "meter_start": self.meter_start, "started_at": self.started_at, "local_id": self.local_id}


class TransactionQueue:
    """The persistent, ordered queue of transaction messages (the offline queue)."""

    def __init__(self, config, store, link, faults, resolve_id, on_result) -> None:
        self._config = config
        self._store = store
        self._link = link
        self._faults = faults
        self._resolve_id = resolve_id        # local_id -> transactionId or None
        self._on_result = on_result          # (entry, result) -> None
        self._inflight: asyncio.Task | None = None
        self._retry: asyncio.TimerHandle | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._backlog = False                # messages were held back while the link was not ready
        link.on_ready(self.pump)

    @property
    def entries(self) -> list[dict]:
        return self._store.section("queue", list)

    def __len__(self) -> int:
        return len(self.entries)

    def enqueue(self, action: str, local_id: int, payload: dict, *, with_transaction_id: bool = True) -> None:
        if not self._link.ready and self._faults.active("no-offline-queue"):
            LOG.info("fault no-offline-queue: %s dropped", action)
            return
        counters = self._store.section("counters")
        counters["message"] = counters.get("message", 0) + 1
        entry = {"seq": counters["message"], "action": action, "local_id": local_id, "payload": payload,
                 "attempts": 0}
        if not with_transaction_id:
            entry["without_transaction_id"] = True
        self.entries.append(entry)
        self._store.save()
        self.pump()

    def clear(self) -> None:
        self._store.data["queue"] = []
        self._store.save()
        if self._inflight:
            self._inflight.cancel()
            self._inflight = None
        if self._retry:
            self._retry.cancel()
            self._retry = None
        self._idle.set()

    def _build(self, entry: dict):
        payload = dict(entry["payload"])
        if entry["action"] != "StartTransaction" and not entry.get("without_transaction_id"):
            tx_id = self._resolve_id(entry["local_id"])
            if tx_id is not None:
                payload["transaction_id"] = tx_id
            elif entry["action"] == "StopTransaction":
                payload["transaction_id"] = -1     # the start was never confirmed
        return getattr(call, entry["action"])(**payload)

    def pump(self) -> None:
        """Send the head of the queue if nothing is in flight and the link is ready."""
        if self._inflight is not None or self._retry is not None:
            return
        if not self.entries:
            self._idle.set()
            return
        self._idle.clear()
        if not self._link.ready:
            self._backlog = True
            return
        if self._backlog:
            self._backlog = False
            self._reorder_backlog()
        entry = self.entries[0]
        try:
            fut = self._link.submit(self._build(entry))
        except Offline:
            return
        self._inflight = asyncio.ensure_future(self._finish(entry, fut))

    def _reorder_backlog(self) -> None:
        """Fault ``queue-delivered-newest-first``: the messages held back while offline are read back from the end
        of the store, so the backlog goes out newest first (what is queued afterwards follows it in order)."""
        if self._faults.active("queue-delivered-newest-first") and len(self.entries) > 1:
            self.entries.reverse()
            self._store.save()

    async def _finish(self, entry: dict, fut) -> None:
        retry_in = None
        try:
            result = await fut
        except Offline:
            self._inflight = None                 # sent again once the link is ready
        except CallFailed as exc:
            self._inflight = None
            entry["attempts"] += 1
            allowed = max(1, self._config.get_int("TransactionMessageAttempts", 3))
            if entry["attempts"] >= allowed:
                LOG.warning("%s dropped after %d attempts (%s)", entry["action"], entry["attempts"], exc)
                self._pop(entry)
            else:
                self._store.save()
                retry_in = self._config.get_int("TransactionMessageRetryInterval", 20) * entry["attempts"]
        except BaseException:
            self._inflight = None
            raise
        else:
            self._inflight = None
            self._pop(entry)
            try:
                self._on_result(entry, result)    # may queue more (a StopTransaction): sent in order
            except Exception:
                LOG.exception("handling the answer to %s", entry["action"])
        if retry_in is not None:
            self._retry = asyncio.get_running_loop().call_later(retry_in, self._retry_now)
        else:
            self.pump()

    def _retry_now(self) -> None:
        self._retry = None
        self.pump()

    def _pop(self, entry: dict) -> None:
        if self.entries and self.entries[0] is entry:
            self.entries.pop(0)
        elif entry in self.entries:
            self.entries.remove(entry)
        self._store.save()

    async def drained(self, timeout: float) -> bool:
        if not self.entries:
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False


class Transactions:
    """The running transactions of the charge point and their meter values."""

    def __init__(self, settings, config, store, link, faults, meters, auth, tasks,
                 behaviours: Behaviours | None = None) -> None:
        self._settings = settings
        self._behaviours = behaviours or Behaviours()
        self._config = config
        self._store = store
        self._faults = faults
        self._meters = meters
        self._auth = auth
        self._tasks = tasks
        self.active: dict[int, Transaction] = {}
        self._known_ids: dict[int, int] = {}       # local_id -> transactionId, stopped ones too
        self._samplers: dict[int, asyncio.Task] = {}
        self._aligned_task: asyncio.Task | None = None
        self.on_start_answer = None                 # (tx, status) -> None, set by sessions
        self.before_sample = None                   # () -> None: smart charging sets the meters' limits
        self.queue = TransactionQueue(config, store, link, faults, self._resolve_id, self._handle_result)
        for raw in store.data.get("transactions") or []:
            tx = Transaction(**raw)
            self.active[tx.connector_id] = tx
        for key, value in (store.data.get("transaction_ids") or {}).items():
            self._known_ids[int(key)] = value
        config.on_change("MeterValueSampleInterval", lambda _v: self._restart_samplers())
        config.on_change("ClockAlignedDataInterval", lambda _v: self.start_aligned())

    # -- lookups -------------------------------------------------------------------------------------------
    def on(self, connector_id: int) -> Transaction | None:
        return self.active.get(connector_id)

    def by_transaction_id(self, transaction_id: int) -> Transaction | None:
        return next((t for t in self.active.values() if t.transaction_id == transaction_id), None)

    def _resolve_id(self, local_id: int) -> int | None:
        return self._known_ids.get(local_id)

    def save(self) -> None:
        self._store.data["transactions"] = [asdict(t) for t in self.active.values()]
        self._store.data["transaction_ids"] = {str(k): v for k, v in self._known_ids.items()}
        self._store.save()

    # -- start / stop --------------------------------------------------------------------------------------
    def start(self, connector_id: int, id_tag: str, parent_id_tag: str | None,
              reservation_id: int | None = None) -> Transaction:
        meter = self._meters[connector_id]
        counters = self._store.section("counters")
        counters["transaction"] = counters.get("transaction", 0) + 1
        started = clock.iso()
        tx = Transaction(local_id=counters["transaction"], connector_id=connector_id, id_tag=id_tag,
                         meter_start=meter.meter_reading(), start_wh=meter.energy_wh(), started_at=started,
                         parent_id_tag=parent_id_tag, reservation_id=reservation_id, updated_at=started)
        stop_sampled = self._config.get_list("StopTxnSampledData")
        if stop_sampled:
            tx.begin_values = [{"timestamp": started,
                                "sampled_value": meter.sample(stop_sampled, "Transaction.Begin", tx.start_wh)}]
        self.active[connector_id] = tx
        self.save()
        payload = {"connector_id": connector_id, "id_tag": id_tag, "meter_start": tx.meter_start,
                   "timestamp": started}
        if reservation_id is not None:
            payload["reservation_id"] = reservation_id
        self.queue.enqueue("StartTransaction", tx.local_id, payload)
        meter.start_flow()
        self._start_sampler(tx)
        return tx

    def stop(self, tx: Transaction, reason: str, id_tag: str | None = None,
             timestamp: str | None = None, recovered: bool = False) -> None:
        """End the transaction: queue StopTransaction with its transactionData. ``recovered``: a transaction
        a power loss cut, stopped at the next power-up."""
        self._stop_sampler(tx.connector_id)
        meter = self._meters[tx.connector_id]
        meter.stop_flow()
        stamp = timestamp or clock.iso()
        reading = meter.meter_reading()
        if recovered and self._faults.active("meter-stop-zero-after-power-loss"):
            reading = 0                   # the meter is read before its driver is up again
        payload = {"meter_stop": reading, "timestamp": stamp, "reason": reason}
        if id_tag:
            payload["id_tag"] = id_tag
        data = self._transaction_data(tx, stamp)
        if data:
            payload["transaction_data"] = data
        self.active.pop(tx.connector_id, None)
        self.save()
        self.queue.enqueue("StopTransaction", tx.local_id, payload)

    def discard(self, tx: Transaction) -> None:
        """Forget a transaction without any message (baseline)."""
        self._stop_sampler(tx.connector_id)
        self._meters[tx.connector_id].stop_flow()
        self.active.pop(tx.connector_id, None)
        self.save()

    def _transaction_data(self, tx: Transaction, stamp: str) -> list[dict]:
        values = list(tx.begin_values) + list(tx.aligned_values)
        stop_sampled = self._config.get_list("StopTxnSampledData")
        if stop_sampled:
            values.append({"timestamp": stamp, "sampled_value": self._meters[tx.connector_id].sample(
                stop_sampled, "Transaction.End", tx.start_wh)})
        limit = self._config.get_int("StopTransactionMaxMeterValues", 0) or len(values)
        if len(values) > limit:
            values = values[:limit - 1] + values[-1:] if limit > 1 else values[-1:]
        return values

    def _handle_result(self, entry: dict, result) -> None:
        action = entry["action"]
        if action == "StartTransaction":
            self._known_ids[entry["local_id"]] = result.transaction_id
            info = normalize_info(result.id_tag_info)
            tx = next((t for t in self.active.values() if t.local_id == entry["local_id"]), None)
            if tx is not None:
                tx.transaction_id = result.transaction_id
                if info.get("parent_id_tag") and not tx.parent_id_tag:
                    tx.parent_id_tag = info["parent_id_tag"]
            self.save()
            self._auth.remember(entry["payload"]["id_tag"], info)
            if tx is not None and self.on_start_answer is not None:
                self.on_start_answer(tx, info["status"])
        elif action == "StopTransaction":
            info = getattr(result, "id_tag_info", None)
            if info and entry["payload"].get("id_tag"):
                self._auth.remember(entry["payload"]["id_tag"], normalize_info(info))

    # -- meter values --------------------------------------------------------------------------------------
    def send_meter_values(self, tx: Transaction, measurands: list[str], context: str,
                          timestamp: str | None = None, *, with_transaction_id: bool = True) -> None:
        if self.before_sample is not None:
            self.before_sample()
        meter = self._meters[tx.connector_id]
        stamp = timestamp or clock.iso()
        payload = {"connector_id": tx.connector_id,
                   "meter_value": [{"timestamp": stamp,
                                    "sampled_value": meter.sample(measurands, context, tx.start_wh)}]}
        tx.updated_at = stamp
        meter.persist()
        self.save()
        self.queue.enqueue("MeterValues", tx.local_id, payload, with_transaction_id=with_transaction_id)

    def _start_sampler(self, tx: Transaction) -> None:
        self._stop_sampler(tx.connector_id)
        self._samplers[tx.connector_id] = self._tasks.spawn(self._sample_loop(tx), f"sampler-{tx.connector_id}")

    def _stop_sampler(self, connector_id: int) -> None:
        task = self._samplers.pop(connector_id, None)
        if task is not None:
            task.cancel()

    def _restart_samplers(self) -> None:
        for tx in list(self.active.values()):
            self._start_sampler(tx)

    def resume(self) -> None:
        """After a boot with transactions kept running: restart their samplers."""
        for tx in self.active.values():
            self._start_sampler(tx)

    async def _sample_loop(self, tx: Transaction) -> None:
        interval = self._config.get_int("MeterValueSampleInterval", 0)
        if self._faults.active("meter-values-wrong-interval"):
            interval *= 2
        if interval <= 0:
            return
        loop = asyncio.get_running_loop()
        origin = loop.time()
        step = 0
        context = "Sample.Clock" if self._faults.active("meter-values-wrong-context") else "Sample.Periodic"
        while True:
            step += 1
            await asyncio.sleep(max(0.0, origin + step * interval - loop.time()))
            measurands = self._config.get_list("MeterValuesSampledData")
            if self._faults.active("meter-values-missing-measurand"):
                measurands = ["Energy.Active.Import.Register"]
            self.send_meter_values(tx, measurands, context)

    def start_aligned(self) -> None:
        if self._aligned_task is not None:
            self._aligned_task.cancel()
        self._aligned_task = self._tasks.spawn(self._aligned_loop(), "clock-aligned")

    async def _aligned_loop(self) -> None:
        interval = self._config.get_int("ClockAlignedDataInterval", 0)
        if interval <= 0:
            return
        offset = min(interval / 2.0, 7.0) if self._faults.active("clock-aligned-not-aligned") else 0.0
        while True:
            target = clock.next_aligned(interval)
            wake = target.timestamp() + offset
            await asyncio.sleep(max(0.0, wake - clock.now().timestamp()))
            stamp = clock.iso(target if not offset else clock.now())
            measurands = self._config.get_list("MeterValuesAlignedData")
            stop_aligned = self._config.get_list("StopTxnAlignedData")
            for tx in list(self.active.values()):
                if measurands:
                    self.send_meter_values(tx, measurands, "Sample.Clock", stamp, with_transaction_id=not
                                           self._behaviours.active("clock-aligned-without-transaction-id"))
                if stop_aligned:
                    meter = self._meters[tx.connector_id]
                    tx.aligned_values.append({"timestamp": stamp, "sampled_value": meter.sample(
                        stop_aligned, "Sample.Clock", tx.start_wh)})
                    self.save()
