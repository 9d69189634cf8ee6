"""The bench of the misbehaving-charger block: a real listener, a Station whose trace goes to a real file, and a
raw websockets client (subprotocol ocpp1.6) that sends whatever a buggy charger could.

Rules of the block:

- Every scenario runs in its own event loop under one ``asyncio.timeout`` (:data:`BOUND_S`): a harness that
  hangs fails the test instead of hanging it. Nothing sleeps; waits are on frames or on the Station's events.
- "Nothing was answered" is shown without waiting: a well-formed probe Heartbeat follows the bad frame, the
  Station handles a connection's frames in order, so whatever it answered the bad frame with arrives before
  the probe's answer (:func:`answers_before_probe`).
- "The next case runs": the Station ends the case, begins the next one (baseline, then the case proper) and a
  well-formed exchange is answered and expected without findings (:func:`next_case_runs`).
- The trace file must stay readable: one JSON object per line, whatever the charger sent.

Hypothesis runs derandomized (a fixed seed) with few examples (:data:`FEW`), so the block is bounded in time.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, TypeVar

from hypothesis import HealthCheck, settings
from websockets.asyncio.client import ClientConnection, connect

from harness.csms.replies import DefaultReplies, IdTagTable
from harness.csms.server import CentralSystem, Listener
from harness.csms.station import Station
from harness.csms.trace import Redactor, Trace
from harness.ocpp import ErrorCode, PayloadValidator
from harness.verdicts import Failed
from tests.harness.csms.test_station import CP_ID, PASSWORD, _auth

T = TypeVar("T")

#: No scenario may take longer than this: the harness never hangs.
BOUND_S = 10.0
#: How long an expectation of a scenario waits: a decisive finding must end it long before.
EXPECT_S = 8.0
#: A decisive finding ends the wait in progress within this (measured from the offending frame).
PROMPT_S = 2.0
NOW = "2026-11-24T12:00:00Z"
BOOT = {"chargePointVendor": "V", "chargePointModel": "M"}
CODES_16 = {code.value for code in ErrorCode}

#: Derandomized (a fixed seed), few examples, no deadline (a loaded CI machine is slow, not wrong).
FEW = settings(derandomize=True, max_examples=40, deadline=None, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@dataclass
class Bench:
    system: CentralSystem
    station: Station
    trace_path: Path

    async def connect(self) -> ClientConnection:
        """A raw charger: subprotocol ocpp1.6, Basic auth, no size limit of its own (it reads what it gets)."""
        ws = await connect(f"{self.system.url}/{CP_ID}", subprotocols=["ocpp1.6"], additional_headers=_auth(),
                           max_size=None, ping_interval=None, compression=None)
        await self.station.wait_connected(BOUND_S)
        return ws

    def trace_lines(self) -> list[dict[str, Any]]:
        """The trace file (complete once the trace has ended): each line must be one JSON object, even read
        with ``str.splitlines`` as many a JSONL reader does."""
        return [json.loads(line) for line in self.trace_path.read_text(encoding="utf-8").splitlines()]

    def records(self, type_: str) -> list[dict[str, Any]]:
        """The trace records of one type, as the trace holds them."""
        return [r for r in self.station.trace.records if r["type"] == type_]


@asynccontextmanager
async def bench(*, response_timeout: float = 1.0, message_timeout: float = EXPECT_S) -> AsyncIterator[Bench]:
    with tempfile.TemporaryDirectory(prefix="robustness-") as directory:
        trace = Trace(Redactor({PASSWORD}))
        path = Path(directory) / "trace.jsonl"
        trace.begin(path)
        table = IdTagTable()
        table.set("GOOD", "Accepted")
        station = Station(CP_ID, trace=trace, validator=PayloadValidator(), defaults=DefaultReplies(30, table),
                          response_timeout=response_timeout, message_timeout=message_timeout)
        system = CentralSystem(trace, {CP_ID: station}, {CP_ID: PASSWORD})
        await system.start(Listener(security_profile=1))
        b = Bench(system, station, path)
        try:
            yield b
        finally:
            await system.stop()
            trace.end()
        assert len(b.trace_lines()) == len(trace.records)   # every record written, one JSON object a line


def run(scenario: Callable[[Bench], Awaitable[T]], *, bound: float = BOUND_S, **options: Any) -> T:
    """Run ``scenario`` against a fresh bench in a fresh event loop, all of it within ``bound`` seconds."""

    async def main() -> T:
        async with asyncio.timeout(bound):
            async with bench(**options) as b:
                return await scenario(b)

    return asyncio.run(main())


# ------------------------------------------------------------------------------------------------ the charger


def fresh_id() -> str:
    return str(uuid.uuid4())


async def call(ws: ClientConnection, action: str, payload: dict[str, Any], unique_id: str | None = None) -> list[Any]:
    """Send a well-formed CALL and return the frame that answers it (frames before it are a test failure)."""
    unique_id = unique_id or fresh_id()
    await ws.send(json.dumps([2, unique_id, action, payload]))
    before, answer = await _until_answer(ws, unique_id)
    assert not before, f"frames the charger did not ask for came first: {before}"
    return answer


async def _until_answer(ws: ClientConnection, unique_id: str) -> tuple[list[Any], list[Any]]:
    before: list[Any] = []
    while True:
        frame = json.loads(await ws.recv())
        if isinstance(frame, list) and len(frame) > 1 and frame[1] == unique_id and frame[0] in (3, 4):
            return before, frame
        before.append(frame)


async def answers_before_probe(ws: ClientConnection) -> list[Any]:
    """What the Central System sent since the last exchange: a probe Heartbeat follows, and every frame that
    arrives before its answer is returned (the Station answers a connection's frames in order)."""
    probe = "probe-" + uuid.uuid4().hex[:24]
    await ws.send(json.dumps([2, probe, "Heartbeat", {}]))
    before, answer = await _until_answer(ws, probe)
    assert answer[0] == 3 and "currentTime" in answer[2], f"the probe Heartbeat was not answered: {answer}"
    return before


def assert_callerror(frame: Any, unique_id: str, code: str) -> None:
    """A CALLERROR of OCPP-J 1.6 §4.2.3 for ``unique_id``, with the 1.6 spelling of ``code``."""
    assert isinstance(frame, list) and len(frame) == 5, frame
    assert frame[0] == 4 and frame[1] == unique_id, frame
    assert frame[2] == code and frame[2] in CODES_16, frame
    assert isinstance(frame[3], str) and len(frame[3]) <= 255 and frame[4] == {}, frame


# ------------------------------------------------------------------------------------------------ the case


def police(station: Station) -> None:
    """The case proper has begun (after its baseline), the charger booted and accepted."""
    station.evidence.boot_answered("Accepted")
    station.begin_case(police=True)


def waiting(station: Station, action: str = "StatusNotification", **fields: Any) -> asyncio.Task[Any]:
    """A step of the case waiting for ``action`` (for :data:`EXPECT_S`) while the charger misbehaves."""
    return asyncio.create_task(station.expect(action, timeout=EXPECT_S, **fields))


async def failure_of(task: asyncio.Task[Any], within: float = PROMPT_S) -> str:
    """The reason the waiting step failed with; it must fail, and promptly (not by running out its timeout)."""
    async with asyncio.timeout(within):
        try:
            result = await task
        except Failed as failed:
            return str(failed)
    raise AssertionError(f"the step did not fail: it matched {str(result)[:500]}")


async def next_case_runs(b: Bench, ws: ClientConnection | None = None) -> None:
    """The case ends, the next one begins, and a well-formed exchange goes through it without a finding."""
    station = b.station
    station.end_case()
    station.begin_case()
    station.evidence.boot_answered("Accepted")
    station.begin_case(police=True)
    ws = ws if ws is not None else await b.connect()
    answer = await call(ws, "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"})
    assert answer[0] == 3 and answer[2] == {}, answer
    received = await station.expect("StatusNotification", connectorId=1, status="Available", timeout=PROMPT_S)
    assert received.findings == ()
    assert station.findings == [], station.findings
    station.end_case()
