"""A fleet of lightweight charge points for the scale benchmark (issue 12 point 5): one process, one raw
websockets client per chargePointId, each running the Core happy path while the Central System drives it.

Run as ``python -m tests.bench.fleet --url ws://127.0.0.1:PORT --count N --delay-ms D --out FILE``; it runs
in its own process (a charger is another machine: its work must not sit on the harness's event loop). With
several ``--url`` (several harness processes), charger i connects to the i-th modulo their number.

Each charger connects (at most ``--connect-parallel`` handshakes at a time), sends BootNotification,
StatusNotification(Available) and Authorize, then answers the Central System's CALLs, every one after the
injected response delay (``--delay-ms``), and does what a real charger does after the answer:

- GetConfiguration: the keys asked for (HeartbeatInterval known, the others unknown);
- RemoteStartTransaction: Accepted, then StatusNotification(Preparing), Authorize, StartTransaction,
  StatusNotification(Charging) and two MeterValues;
- RemoteStopTransaction: Accepted, then StopTransaction, StatusNotification(Finishing) and (Available);
- TriggerMessage(Heartbeat): Accepted, then a Heartbeat.

The charger's own CALLs wait for their answer one at a time (OCPP-J 1.6 §4.1.1). For every CALL of the
Central System the charger writes down when it read it and when its answer went out (``time.monotonic_ns``,
the same clock as the harness's on one machine), so the benchmark can tell the harness's distortion of a
measured response time from the charger's own lateness. At the end (the harness closes every connection),
the fleet writes ``{"holds": {cp_id: {unique_id: [read_ns, answered_ns]}}, "errors": [...]}`` to ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.frames import DATA_OPCODES

ID_TAG = "SCALE-TAG-1"


def charge_point_ids(count: int) -> list[str]:
    return [f"CP-SCALE-{n:04d}" for n in range(count)]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class StampedClient(ClientConnection):
    """Stamps each message when its bytes are read off the socket (as the harness's listener does), so the
    time a CALL waited for the fleet's event loop counts as the fleet's, not as the harness's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrivals: list[int] = []
        self._read_ns = 0

    def data_received(self, data: bytes) -> None:
        self._read_ns = time.monotonic_ns()
        super().data_received(data)

    def process_event(self, event: Any) -> None:
        if getattr(event, "fin", False) and getattr(event, "opcode", None) in DATA_OPCODES:
            self.arrivals.append(self._read_ns)
        super().process_event(event)


class Charger:
    def __init__(self, cp_id: str, delay_s: float, errors: list[str]) -> None:
        self.cp_id = cp_id
        self.delay_s = delay_s
        self.errors = errors
        self.holds: dict[str, list[int]] = {}
        self._ids = itertools.count()
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._meter = 0
        self._transaction: int | None = None
        self._ws: ClientConnection | None = None

    async def run(self, url: str, handshakes: asyncio.Semaphore, connected: asyncio.Event | None) -> None:
        async with handshakes:
            ws = await connect(f"{url}/{self.cp_id}", subprotocols=["ocpp1.6"], compression=None,
                               ping_interval=None, open_timeout=60, max_size=4 * 1024 * 1024,
                               create_connection=StampedClient)
        self._ws = ws
        reader = asyncio.create_task(self._read(ws))
        try:
            await self.request("BootNotification", {"chargePointVendor": "Bench", "chargePointModel": "Fleet"})
            await self.status(0, "Available")
            await self.status(1, "Available")
            await self.request("Authorize", {"idTag": ID_TAG})
            await reader
        except ConnectionClosed:
            pass
        finally:
            reader.cancel()
            for task in list(self._tasks):
                task.cancel()

    async def _read(self, ws: ClientConnection) -> None:
        arrivals = ws.arrivals  # type: ignore[attr-defined]
        try:
            async for text in ws:
                read_ns = arrivals.pop(0) if arrivals else time.monotonic_ns()
                frame = json.loads(text)
                if frame[0] == 2:
                    self.holds[frame[1]] = [read_ns, 0]
                    task = asyncio.create_task(self._answer(frame[1], frame[2], frame[3]))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                elif frame[1] in self._pending:
                    future = self._pending.pop(frame[1])
                    if frame[0] == 3:
                        future.set_result(frame[2])
                    else:
                        future.set_exception(RuntimeError(f"{self.cp_id}: CALLERROR {frame[2:]}"))
        except ConnectionClosed:
            pass

    async def request(self, action: str, payload: dict[str, Any]) -> Any:
        assert self._ws is not None
        async with self._lock:       # one CALL of the charger outstanding at a time
            unique_id = f"{self.cp_id}-{next(self._ids)}"
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._pending[unique_id] = future
            await self._ws.send(json.dumps([2, unique_id, action, payload]))
            return await asyncio.wait_for(future, 30)

    async def status(self, connector: int, status: str) -> None:
        await self.request("StatusNotification", {"connectorId": connector, "errorCode": "NoError",
                                                  "status": status, "timestamp": _now()})

    async def _answer(self, unique_id: str, action: str, payload: dict[str, Any]) -> None:
        assert self._ws is not None
        try:
            await asyncio.sleep(self.delay_s)
            answer, then = self._decide(action, payload)
            await self._ws.send(json.dumps([3, unique_id, answer]))
            self.holds[unique_id][1] = time.monotonic_ns()
            if then is not None:
                await then
        except ConnectionClosed:
            pass
        except Exception as exc:  # noqa: BLE001  (a benchmark reports, it does not hide)
            self.errors.append(f"{self.cp_id} {action}: {exc!r}")

    def _decide(self, action: str, payload: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        if action == "GetConfiguration":
            keys = payload.get("key", [])
            known = [{"key": k, "readonly": False, "value": "300"} for k in keys if k == "HeartbeatInterval"]
            unknown = [k for k in keys if k != "HeartbeatInterval"]
            return {"configurationKey": known, **({"unknownKey": unknown} if unknown else {})}, None
        if action == "RemoteStartTransaction":
            return {"status": "Accepted"}, self._start(payload)
        if action == "RemoteStopTransaction":
            return {"status": "Accepted"}, self._stop()
        if action == "TriggerMessage" and payload.get("requestedMessage") == "Heartbeat":
            return {"status": "Accepted"}, self.request("Heartbeat", {})
        return {"status": "Rejected"}, None

    async def _start(self, payload: dict[str, Any]) -> None:
        connector = payload.get("connectorId", 1)
        await self.status(connector, "Preparing")
        await self.request("Authorize", {"idTag": payload["idTag"]})
        started = await self.request("StartTransaction", {"connectorId": connector, "idTag": payload["idTag"],
                                                          "meterStart": self._meter, "timestamp": _now()})
        self._transaction = started["transactionId"]
        await self.status(connector, "Charging")
        for _ in range(2):
            self._meter += 100
            await self.request("MeterValues", {"connectorId": connector, "transactionId": self._transaction,
                                               "meterValue": [{"timestamp": _now(), "sampledValue": [
                                                   {"value": str(self._meter), "measurand": "Energy.Active.Import.Register",
                                                    "unit": "Wh", "context": "Sample.Periodic"}]}]})

    async def _stop(self) -> None:
        self._meter += 50
        await self.request("StopTransaction", {"transactionId": self._transaction, "meterStop": self._meter,
                                               "timestamp": _now(), "reason": "Remote"})
        self._transaction = None
        await self.status(1, "Finishing")
        await self.status(1, "Available")


async def run_fleet(urls: list[str], count: int, delay_s: float, connect_parallel: int) -> dict[str, Any]:
    errors: list[str] = []
    chargers = [Charger(cp_id, delay_s, errors) for cp_id in charge_point_ids(count)]
    handshakes = asyncio.Semaphore(connect_parallel)
    outcomes = await asyncio.gather(*(c.run(urls[n % len(urls)], handshakes, None) for n, c in enumerate(chargers)),
                                    return_exceptions=True)
    errors.extend(f"{c.cp_id}: {o!r}" for c, o in zip(chargers, outcomes) if isinstance(o, BaseException))
    return {"holds": {c.cp_id: c.holds for c in chargers}, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, action="append")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=20.0)
    parser.add_argument("--connect-parallel", type=int, default=50)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result = asyncio.run(run_fleet(args.url, args.count, args.delay_ms / 1000, args.connect_parallel))
    args.out.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
