"""What a buggy charger does to the connection rather than to a frame: floods it, falls silent, drops it in the
middle of a step, reconnects in a storm, or reboots in the middle of a transaction.

For each: the harness neither crashes nor hangs, the step waiting ends failed with a reason that says what
happened and when (not by running out its timeout, unless silence is what happened), and the next case runs.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from websockets.exceptions import ConnectionClosed

from harness.verdicts import Failed
from tests.robustness.conftest import (
    BOOT,
    NOW,
    Bench,
    answers_before_probe,
    call,
    failure_of,
    fresh_id,
    next_case_runs,
    police,
    run,
    waiting,
)

HEARTBEATS = 1000
STORM = 50


def test_a_flood_of_1000_heartbeats_is_answered_in_full_and_in_order(capsys):
    """A charger that accepted HeartbeatInterval=abc may send Heartbeats as fast as it can: each is answered,
    in order, and the harness is still there afterwards."""

    async def scenario(b: Bench) -> float:
        ws = await b.connect()
        police(b.station)
        ids = [f"hb-{n}" for n in range(HEARTBEATS)]
        began = time.perf_counter()
        for unique_id in ids:
            await ws.send(json.dumps([2, unique_id, "Heartbeat", {}]))
        answers = [json.loads(await ws.recv()) for _ in ids]
        elapsed = time.perf_counter() - began
        assert [a[1] for a in answers] == ids
        assert all(a[0] == 3 and "currentTime" in a[2] for a in answers)
        assert b.station.findings == []
        assert sum(1 for r in b.records("frame") if r["action"] == "Heartbeat") == 2 * HEARTBEATS
        await next_case_runs(b, ws)
        await ws.close()
        return elapsed

    elapsed = run(scenario)
    with capsys.disabled():
        print(f"\n{HEARTBEATS} Heartbeats answered in {elapsed:.3f} s ({HEARTBEATS / elapsed:.0f}/s)")


def test_silence_fails_the_step_after_its_timeout_and_says_nothing_came():
    async def scenario(b: Bench) -> tuple[str, str, str]:
        ws = await b.connect()
        police(b.station)
        with pytest.raises(Failed) as expected:
            await b.station.expect("StatusNotification", status="Charging", timeout=0.3)
        with pytest.raises(Failed) as called:
            await b.station.call("ClearCache", timeout=0.3)
        assert json.loads(await ws.recv())[2] == "ClearCache"          # it came, and the charger kept silent
        b.station.end_case()
        b.station.begin_case()
        with pytest.raises(Failed) as booted:
            await b.station.wait_booted(0.3)
        await next_case_runs(b, ws)
        await ws.close()
        return str(expected.value), str(called.value), str(booted.value)

    expected, called, booted = run(scenario)
    assert expected == "step 1: expected StatusNotification(status=Charging) within 0.3 s; received nothing"
    assert called == "step 2: ClearCache.req: no response within 0.3 s"
    assert booted == "waited 0.3 s for an accepted BootNotification"


@pytest.mark.parametrize("how", ["close", "abort"])
def test_a_disconnect_in_the_middle_of_a_step_fails_it_at_once_saying_when(how):
    """The charger closes the connection (with a close frame, or by dropping TCP) while a step waits: the step
    fails at once with the time and the close code; the charger reconnects and the next case runs."""

    async def scenario(b: Bench) -> str:
        ws = await b.connect()
        police(b.station)
        step = waiting(b.station)
        if how == "close":
            await ws.close(code=1001, reason="going away")
        else:
            ws.transport.abort()
        reason = await failure_of(step)
        await b.station.wait_disconnected(2)
        await next_case_runs(b)
        return reason

    reason = run(scenario)
    assert reason.startswith("step 1: the connection closed at +") and "which the case did not ask for" in reason
    if how == "close":
        assert "the charge point closed it: close code 1001 'going away'" in reason, reason
    else:
        assert "no closing handshake: close code 1006" in reason, reason


@pytest.mark.parametrize("in_case", [True, False], ids=["in-the-case", "in-the-baseline"])
def test_a_disconnect_in_the_middle_of_a_call_fails_it_at_once_saying_when(in_case):
    """In the case proper the loss of the connection is itself decisive (the case did not ask for it); in the
    baseline, where a reboot may be on purpose, the CALL still fails at once, saying the connection closed."""

    async def scenario(b: Bench) -> str:
        ws = await b.connect()
        b.station.begin_case()
        if in_case:
            police(b.station)
        pending = asyncio.create_task(b.station.call("ClearCache", timeout=8))
        request = json.loads(await ws.recv())
        assert request[2] == "ClearCache"
        await ws.close()
        reason = await failure_of(pending)
        await b.station.wait_disconnected(2)
        await next_case_runs(b)
        return reason

    reason = run(scenario)
    if in_case:
        assert reason.startswith("step 1: the connection closed at +"), reason
        assert reason.endswith("which the case did not ask for (the charge point closed it: close code 1000)")
    else:
        assert reason.startswith("baseline 1: ClearCache.req: the connection closed at +"), reason
        assert reason.endswith("(the charge point closed it: close code 1000) before the response"), reason


def test_a_reconnect_storm_leaves_one_working_connection():
    """50 connections opened and closed back to back, then one that stays: it is served, every open and close
    is traced, and the next case runs. During a case the first drop fails the step at once."""

    async def scenario(b: Bench) -> str:
        police(b.station)
        step = waiting(b.station)
        for _ in range(STORM):
            ws = await b.connect()
            await ws.close()
        reason = await failure_of(step)
        b.station.end_case()
        ws = await b.connect()
        assert (await call(ws, "BootNotification", BOOT))[2]["status"] == "Accepted"
        await next_case_runs(b, ws)
        await ws.close()
        await b.station.wait_disconnected(2)
        events = [r["event"] for r in b.records("connection")]
        assert events.count("open") == STORM + 1 and events.count("close") == STORM + 1
        return reason

    reason = run(scenario)
    assert "the connection closed at +" in reason


def test_a_storm_of_concurrent_connections_answers_each_call_on_its_own_socket():
    """50 connections of one chargePointId at once: each new one supersedes the one before, in the order they
    arrived, and a CALL is answered on the socket it came on or not at all (never on another charger's).
    Regression: two connections arriving while a third was being closed both took over; the later one's
    frames were then answered on the earlier one's socket."""

    async def chatter(ws, n: int) -> list[str]:
        """Send a Heartbeat; return the UniqueIds of what this socket received (empty if it was superseded)."""
        seen = []
        try:
            await ws.send(json.dumps([2, f"storm-{n}", "Heartbeat", {}]))
            async with asyncio.timeout(3):
                seen.append(json.loads(await ws.recv())[1])
        except ConnectionClosed:
            pass
        return seen

    async def scenario(b: Bench) -> None:
        sockets = await asyncio.gather(*(b.connect() for _ in range(STORM)))
        seen = await asyncio.gather(*(chatter(ws, n) for n, ws in enumerate(sockets)))
        for n, ids in enumerate(seen):
            assert ids in ([], [f"storm-{n}"]), f"socket {n} received {ids}"
        open_now = [n for n, ws in enumerate(sockets) if ws.state.name == "OPEN"]
        assert len(open_now) == 1, f"open: {open_now}"
        last = sockets[open_now[0]]
        assert seen[open_now[0]] == [f"storm-{open_now[0]}"]
        assert b.station.connected and b.station._connection.remote_address[1] == last.local_address[1]
        await next_case_runs(b, last)
        for ws in sockets:
            await ws.close()

    run(scenario)


def test_a_boot_in_the_middle_of_a_transaction_is_answered_and_fails_the_step_at_once():
    """A charger that reboots while charging: its BootNotification is answered (Accepted: the Central System
    has no reason to refuse it), and the step waiting fails at once, naming the reboot, when, and the
    transaction it interrupted."""

    async def scenario(b: Bench) -> str:
        ws = await b.connect()
        police(b.station)
        start = await call(ws, "StartTransaction", {"connectorId": 1, "idTag": "GOOD", "meterStart": 0,
                                                    "timestamp": NOW})
        transaction = start[2]["transactionId"]
        assert b.station.transactions[transaction].connector_id == 1
        step = waiting(b.station, "StatusNotification", status="Charging")
        boot = await call(ws, "BootNotification", BOOT)
        assert boot[0] == 3 and boot[2]["status"] == "Accepted"
        reason = await failure_of(step)
        assert str(transaction) in reason
        assert await answers_before_probe(ws) == []
        await next_case_runs(b, ws)
        await ws.close()
        return reason

    reason = run(scenario)
    assert reason.startswith("step 1: the charge point rebooted (BootNotification at +"), reason
    assert "which the case did not ask for, in the middle of transaction 1001" in reason, reason
