"""Faults a flow check alone does not see, shown on the wire: each deviates where the harness's evidence rules
look (what came before its cause, an unexpected reboot, late or reordered transaction messages, the energy
register, the boot state, the keys GetConfiguration returns, the answer to BootNotification)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

pytestmark = pytest.mark.asyncio

UTC = dt.timezone.utc


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def stamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def seconds_off(text: str) -> float:
    """How far a charge point's timestamp is from the test's clock (negative: behind)."""
    return (stamp(text) - dt.datetime.now(UTC)).total_seconds()


async def change(csms, key: str, value: str) -> str:
    return (await csms.call("ChangeConfiguration", {"key": key, "value": value})).payload["status"]


async def test_fault_start_before_plug_in(csms, make_sim, bench):
    sim = make_sim(csms, faults=["start-before-plug-in"])
    await bench.booted(csms, sim)
    answer = await csms.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG-R"})
    assert answer.payload == {"status": "Accepted"}
    await csms.expect("Authorize", idTag="TAG-R")
    await csms.expect("StatusNotification", connectorId=1, status="Preparing")
    await csms.expect("StartTransaction", connectorId=1, idTag="TAG-R")          # no cable was plugged in
    await csms.expect("StatusNotification", connectorId=1, status="Charging")
    assert (await sim.ok("state"))["connectors"]["1"]["ev_plugged"] is False


async def test_fault_available_before_unplug(csms, make_sim, bench):
    sim = make_sim(csms, bench.detachable_pics(), faults=["available-before-unplug"])
    await bench.booted(csms, sim, connectors=1)
    tx_id = await bench.charging(csms, sim, 1, "TAG-U")
    assert (await csms.call("UnlockConnector", {"connectorId": 1})).payload == {"status": "Unlocked"}
    await csms.expect("StopTransaction", transactionId=tx_id, reason="UnlockCommand")
    await csms.expect("StatusNotification", connectorId=1, status="Finishing")
    await csms.expect("StatusNotification", connectorId=1, status="Available")   # the cable is still in
    assert (await sim.ok("state"))["connectors"]["1"]["cp_plugged"] is True
    await sim.ok("unplug", connector=1)
    await csms.expect_none("StatusNotification", within=0.5)                      # and nothing when it is out


async def test_fault_reboots_at_connection_timeout(csms, make_sim, bench):
    sim = make_sim(csms, faults=["reboots-at-connection-timeout"])
    await bench.booted(csms, sim)
    assert await change(csms, "ConnectionTimeOut", "1") == "Accepted"
    await sim.ok("present_id_tag", id_tag="TAG-T", connector=1)
    await csms.expect("Authorize", idTag="TAG-T")
    await csms.expect("StatusNotification", connectorId=1, status="Preparing")
    await asyncio.wait_for(csms.closed.get(), 5)                                 # the crash drops the link
    await csms.next_connection(timeout=5)
    await csms.expect("BootNotification")
    await csms.expect("StatusNotification", connectorId=1, status="Available")
    assert [m.action for m in csms.history].count("BootNotification") == 2


async def test_clock_is_set_from_the_central_systems_current_time(csms, make_sim, bench):
    ahead = dt.datetime.now(UTC) + dt.timedelta(hours=1)
    csms.replies["BootNotification"] = lambda p: {"status": "Accepted", "currentTime": iso(ahead), "interval": 60}
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    status = next(m for m in csms.history if m.action == "StatusNotification")
    assert abs(seconds_off(status.payload["timestamp"]) - 3600) < 30


async def test_fault_clock_behind(csms, make_sim, bench):
    csms.heartbeat_interval = 1
    sim = make_sim(csms, faults=["clock-behind"])
    await bench.booted(csms, sim)
    await csms.expect("Heartbeat", timeout=3)                    # its currentTime does not set the clock either
    await sim.ok("plug_in", connector=1)
    preparing = await csms.expect("StatusNotification", connectorId=1, status="Preparing")
    assert abs(seconds_off(preparing.payload["timestamp"]) + 900) < 30
    await sim.ok("present_id_tag", id_tag="TAG-C", connector=1)
    start = await csms.expect("StartTransaction", idTag="TAG-C")
    assert abs(seconds_off(start.payload["timestamp"]) + 900) < 30


@pytest.mark.parametrize("faults", [(), ("queue-delivered-newest-first",)], ids=["in-order", "fault"])
async def test_queue_delivery_order_after_an_outage(csms, make_sim, bench, faults):
    sim = make_sim(csms, faults=faults)
    await bench.booted(csms, sim)
    assert await change(csms, "MeterValueSampleInterval", "1") == "Accepted"
    await bench.charging(csms, sim, 1, "TAG-Q")
    await csms.expect("MeterValues", timeout=3)
    csms.refuse = True
    await csms.drop()
    await csms.closed.get()
    await asyncio.wait_for(csms.refused.get(), 5)               # reconnect 1 s later refused; next one 2 s later
    csms.refuse = False
    await csms.next_connection(timeout=5)
    backlog = [await csms.expect("MeterValues", timeout=3) for _ in range(2)]
    first, second = (stamp(m.payload["meterValue"][0]["timestamp"]) for m in backlog)
    assert (first > second) if faults else (first < second)


async def test_fault_meter_stop_zero_after_power_loss(csms, make_sim, bench):
    sim = make_sim(csms, faults=["meter-stop-zero-after-power-loss"])        # AQ-7.2: stops after the boot
    await bench.booted(csms, sim)
    tx_id = await bench.charging(csms, sim, 1, "TAG-L")
    await sim.ok("present_id_tag", id_tag="TAG-L", connector=1)               # a local stop reads the meter
    local = await csms.expect("StopTransaction", transactionId=tx_id)
    start = next(m for m in csms.history if m.action == "StartTransaction")
    assert start.payload["meterStart"] > 0                                    # a register that can fall back
    assert local.payload["meterStop"] >= start.payload["meterStart"]
    await csms.expect("StatusNotification", connectorId=1, status="Finishing")
    await sim.ok("present_id_tag", id_tag="TAG-L", connector=1)               # the cable is still in: again
    await csms.expect("StartTransaction", idTag="TAG-L")
    await csms.expect("StatusNotification", connectorId=1, status="Charging")
    tx_id = next(t["transaction_id"] for t in (await sim.ok("state"))["transactions"])
    await sim.power_cycle()
    stop = await csms.expect("StopTransaction", transactionId=tx_id)
    assert stop.payload["reason"] == "PowerLoss" and stop.payload["meterStop"] == 0


async def test_fault_requests_while_pending(csms, make_sim):
    answers = iter(["Pending"])
    csms.replies["BootNotification"] = lambda p: {"status": next(answers, "Accepted"),
                                                  "currentTime": iso(dt.datetime.now(UTC)), "interval": 1}
    sim = make_sim(csms, faults=["requests-while-pending"])
    await sim.start()
    await csms.expect("BootNotification")
    await csms.expect("BootNotification", timeout=4)
    await csms.expect("StatusNotification", connectorId=2, status="Available")
    actions = [m.action for m in csms.history]
    second_boot = actions.index("BootNotification", 1)
    assert actions[1:second_boot] == ["StatusNotification"] * 3              # while Pending


async def test_fault_get_configuration_ignores_keys(csms, make_sim, bench):
    sim = make_sim(csms, faults=["get-configuration-ignores-keys"])
    await bench.booted(csms, sim)
    some = await csms.call("GetConfiguration", {"key": ["AuthorizeRemoteTxRequests", "Testing"]})
    assert [k["key"] for k in some.payload["configurationKey"]] == [
        "HeartbeatInterval", "MeterValueSampleInterval", "ConnectionTimeOut", "NumberOfConnectors"]
    assert not some.payload.get("unknownKey")
    values = {k["key"]: k["value"] for k in some.payload["configurationKey"]}
    assert values["NumberOfConnectors"] == "2" and values["ConnectionTimeOut"] == "30"   # real values
    everything = await csms.call("GetConfiguration", {})
    assert "AuthorizeRemoteTxRequests" in {k["key"] for k in everything.payload["configurationKey"]}


@pytest.mark.parametrize("faults", [(), ("status-before-boot-answer",)], ids=["waits", "fault"])
async def test_status_notifications_and_the_boot_answer(csms, make_sim, faults):
    csms.replies["BootNotification"] = lambda p: None           # never answered
    sim = make_sim(csms, faults=faults)
    await sim.start()
    await csms.expect("BootNotification")
    if not faults:
        await csms.expect_none("StatusNotification", within=1)
        return
    for cid in (0, 1, 2):
        await csms.expect("StatusNotification", connectorId=cid, status="Available", timeout=2)


async def test_fault_accepts_non_numeric_interval(csms, make_sim, bench):
    sim = make_sim(csms, faults=["accepts-non-numeric-interval"])
    await bench.booted(csms, sim)
    assert await change(csms, "MeterValueSampleInterval", "-1") == "Rejected"     # a number: still checked
    assert await change(csms, "HeartbeatInterval", "abc") == "Accepted"
    beats = [await csms.expect("Heartbeat", timeout=2) for _ in range(50)]
    span = beats[-1].t - beats[0].t
    assert 0 < span < 2.0                                  # fifty Heartbeats: a flood, not an interval
    assert 49 / span <= 300                                # bounded, about 250 a second at most
    assert await change(csms, "HeartbeatInterval", "60") == "Accepted"
    while not csms.inbox.empty():                          # what came before the answer
        csms.inbox.get_nowait()
    stragglers = []
    while True:                                            # at most the one already on its way
        try:
            stragglers.append(await csms.expect("Heartbeat", timeout=0.5))
        except AssertionError:
            break
        assert len(stragglers) <= 1, "Heartbeats go on after a valid HeartbeatInterval"
