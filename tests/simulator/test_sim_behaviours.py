"""The allowed behaviours of the reference charge point: the table and its CLI, and each behaviour doing, for
real, what OCPP 1.6 allows (the harness's side is tests/e2e/test_behaviours.py: the cases pass with it)."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys

import pytest

from simulator.behaviours import BEHAVIOURS, MINIMUM_STATUS_DURATION_S, Behaviours, UnknownBehaviour
from simulator.config import Configuration, Settings
from simulator.faults import FAULTS, Faults
from simulator.persistence import StateStore


def behaviour_args(*names: str) -> list[str]:
    return [arg for name in names for arg in ("--behaviour", name)]


async def next_messages(csms, count: int, timeout: float = 5) -> list[tuple[str, dict]]:
    """The next ``count`` CALLs of the charge point (Heartbeat and MeterValues aside), in arrival order: for
    messages the specification lets come in either order (StopTransaction and a status)."""
    messages = []
    while len(messages) < count:
        message = await asyncio.wait_for(csms.inbox.get(), timeout)
        if message.action not in ("Heartbeat", "MeterValues"):
            messages.append((message.action, message.payload))
    return messages


def make_config(tmp_path, pics, *behaviours: str) -> Configuration:
    return Configuration(Settings.from_pics(pics), StateStore(tmp_path / "state.json"), Faults(),
                         Behaviours(behaviours))


# ------------------------------------------------------------------------------------------ the table and CLI


def test_the_table_is_well_formed_and_apart_from_the_faults():
    assert all(name == name.lower() and " " not in name for name in BEHAVIOURS)
    assert not set(BEHAVIOURS) & set(FAULTS), "a behaviour is allowed, a fault is not: never both"
    assert all(b.passes.split() and all(case.startswith("TC_") for case in b.passes.split())
               for b in BEHAVIOURS.values())


def test_unknown_names_are_rejected_loudly():
    with pytest.raises(UnknownBehaviour, match="no-such-behaviour"):
        Behaviours(["no-such-behaviour"])
    with pytest.raises(KeyError):
        Behaviours().active("typo-in-code")
    assert not Behaviours().active("minimum-status-duration")
    assert Behaviours(["minimum-status-duration"]).active("minimum-status-duration")


def test_a_behaviour_names_the_pics_item_it_needs():
    behaviours = Behaviours(["minimum-status-duration", "fixed-cable-direct-available"])
    assert behaviours.missing_features(lambda feature: False) == ["minimum-status-duration needs C-05"]
    assert behaviours.missing_features(lambda feature: True) == []


def test_cli_list_behaviours_and_errors(bench, tmp_path):
    listed = subprocess.run([sys.executable, "-m", "simulator", "--list-behaviours"], cwd=bench.REPO,
                            capture_output=True, text=True, timeout=30)
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == list(BEHAVIOURS)
    unknown = subprocess.run([sys.executable, "-m", "simulator", "--pics", "x", "--url", "ws://h:1",
                              *behaviour_args("no-such-behaviour")], cwd=bench.REPO, capture_output=True, text=True,
                             timeout=30)
    assert unknown.returncode == 2
    assert "no-such-behaviour" in unknown.stderr and "minimum-status-duration" in unknown.stderr
    import yaml

    pics = tmp_path / "pics.yaml"
    pics.write_text(yaml.safe_dump(bench.pics()))                           # C-05 = No
    impossible = subprocess.run([sys.executable, "-m", "simulator", "--pics", str(pics), "--url", "ws://h:1",
                                 *behaviour_args("minimum-status-duration")], cwd=bench.REPO, capture_output=True,
                                text=True, timeout=30)
    assert impossible.returncode == 2
    assert "minimum-status-duration needs C-05" in impossible.stderr


# ------------------------------------------------------------------------------------------ configuration


def test_no_authorization_cache_key(tmp_path, bench):
    config = make_config(tmp_path, bench.pics(), "no-authorization-cache-key")
    assert not config.has("AuthorizationCacheEnabled")
    assert config.change("AuthorizationCacheEnabled", "false") == "NotSupported"
    assert make_config(tmp_path, bench.pics()).has("AuthorizationCacheEnabled")


def test_minimum_status_duration_default(tmp_path, bench):
    pics = bench.pics(**{"optional_features/C-05": True})
    assert make_config(tmp_path, pics, "minimum-status-duration").get("MinimumStatusDuration") == str(
        MINIMUM_STATUS_DURATION_S)
    assert make_config(tmp_path / "plain", pics).get("MinimumStatusDuration") == "0"


# ------------------------------------------------------------------------------------------ on the wire


@pytest.mark.asyncio
async def test_no_authorization_cache_key_keeps_the_cache_on(csms, make_sim, bench):
    """Without the key the cache is always on: the answer to an Authorize is cached."""
    sim = make_sim(csms, extra=behaviour_args("no-authorization-cache-key"))
    await bench.booted(csms, sim)
    answer = await csms.call("GetConfiguration", {"key": ["AuthorizationCacheEnabled"]})
    assert answer.payload["unknownKey"] == ["AuthorizationCacheEnabled"]
    await sim.ok("present_id_tag", id_tag="TAG-CACHED", connector=1)
    await csms.expect("Authorize", idTag="TAG-CACHED")
    await csms.expect("StatusNotification", connectorId=1, status="Preparing")    # the answer was taken in
    state = await sim.ok("state")
    assert state["cache_size"] == 1


@pytest.mark.asyncio
async def test_fixed_cable_direct_available(csms, make_sim, bench):
    """C1: EV-side unplug with StopTransactionOnEVSideDisconnect true, Charging -> Available, no Finishing."""
    sim = make_sim(csms, extra=behaviour_args("fixed-cable-direct-available"))
    await bench.booted(csms, sim)
    await bench.charging(csms, sim, connector=1)
    await sim.ok("unplug", connector=1, side="ev")
    messages = dict(await next_messages(csms, 2))
    assert messages["StopTransaction"]["reason"] == "EVDisconnected"
    assert messages["StatusNotification"]["status"] == "Available"


@pytest.mark.asyncio
async def test_fixed_cable_direct_available_after_suspended_ev(csms, make_sim, bench):
    """D1: StopTransactionOnEVSideDisconnect false, EV-side unplug (SuspendedEV), remote stop -> Available."""
    data = bench.pics(**{"configuration_keys/StopTransactionOnEVSideDisconnect": {"access": "read-write",
                                                                                   "value": "false"}})
    sim = make_sim(csms, data, extra=behaviour_args("fixed-cable-direct-available"))
    await bench.booted(csms, sim)
    transaction = await bench.charging(csms, sim, connector=1)
    await sim.ok("unplug", connector=1, side="ev")
    await csms.expect("StatusNotification", connectorId=1, status="SuspendedEV")
    assert (await csms.call("RemoteStopTransaction", {"transactionId": transaction})).payload["status"] == "Accepted"
    messages = dict(await next_messages(csms, 2))
    assert messages["StopTransaction"]["reason"] == "Remote"
    assert messages["StatusNotification"]["status"] == "Available"


@pytest.mark.asyncio
async def test_minimum_status_duration_hides_a_short_finishing(csms, make_sim, bench):
    """MinimumStatusDuration 2 s by default: a Finishing that the unplug ends within a second is never sent,
    the Available that lasts is, no earlier than 2 s after it began."""
    sim = make_sim(csms, bench.detachable_pics(**{"optional_features/C-05": True}),
                   extra=behaviour_args("minimum-status-duration"))
    await bench.booted(csms, sim, connectors=1)
    await sim.ok("plug_in", connector=1)
    await csms.expect("StatusNotification", connectorId=1, status="Preparing", timeout=MINIMUM_STATUS_DURATION_S + 3)
    await sim.ok("present_id_tag", id_tag="TAG-MSD", connector=1)
    transaction = (await csms.expect("StartTransaction")).payload
    await csms.expect("StatusNotification", connectorId=1, status="Charging", timeout=MINIMUM_STATUS_DURATION_S + 3)
    state = await sim.ok("state")
    transaction_id = state["transactions"][0]["transaction_id"]
    assert (await csms.call("RemoteStopTransaction", {"transactionId": transaction_id})).payload["status"] == "Accepted"
    stop = await csms.expect("StopTransaction")
    await sim.ok("unplug", connector=1)                                       # Finishing ends at once
    available = await csms.expect("StatusNotification", connectorId=1, timeout=MINIMUM_STATUS_DURATION_S + 3)
    assert available.payload["status"] == "Available"
    assert available.t - stop.t >= MINIMUM_STATUS_DURATION_S - 0.1
    assert transaction["idTag"] == "TAG-MSD"


@pytest.mark.asyncio
async def test_clock_aligned_without_transaction_id(csms, make_sim, bench):
    sim = make_sim(csms, extra=behaviour_args("clock-aligned-without-transaction-id"))
    await bench.booted(csms, sim)
    assert (await csms.call("ChangeConfiguration", {"key": "ClockAlignedDataInterval", "value": "1"})
            ).payload["status"] == "Accepted"
    await bench.charging(csms, sim, connector=1)
    values = await csms.expect("MeterValues", connectorId=1, timeout=3)
    assert "transactionId" not in values.payload
    sample = values.payload["meterValue"][0]
    assert sample["sampledValue"][0]["context"] == "Sample.Clock"
    assert dt.datetime.fromisoformat(sample["timestamp"].replace("Z", "+00:00")).microsecond == 0


@pytest.mark.asyncio
@pytest.mark.parametrize("behaviour, answer", [("reservation-faulted-rejected", "Rejected"),
                                               ("reservation-faulted-unavailable", "Unavailable"),
                                               (None, "Faulted")])
async def test_reservation_of_a_faulted_charge_point(csms, make_sim, bench, behaviour, answer):
    sim = make_sim(csms, extra=behaviour_args(behaviour) if behaviour else [])
    await bench.booted(csms, sim)
    for connector in (1, 2):
        await sim.ok("fault", connector=connector, error_code="GroundFailure", active=True)
        await csms.expect("StatusNotification", connectorId=connector, status="Faulted")
    expiry = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    reply = await csms.call("ReserveNow", {"connectorId": 0, "expiryDate": expiry, "idTag": "TAG-R",
                                           "reservationId": 90})
    assert reply.payload == {"status": answer}


# ------------------------------------------------------------------------------------------ already booted


def quick_heartbeat(bench) -> dict:
    """A PICS whose charger sends a Heartbeat every second: its first frame on a quiet connection."""
    return bench.pics(**{"configuration_keys/HeartbeatInterval": {"access": "read-write", "value": "1"}})


async def connected_quietly(csms, sim) -> None:
    """Started already booted: its first frame is a Heartbeat (so it counts itself Accepted), and nothing
    before it (a BootNotification would be the very first frame of a booting charger)."""
    await sim.start()
    await csms.expect("Heartbeat", timeout=5)
    assert [m.action for m in csms.history] == ["Heartbeat"]


@pytest.mark.asyncio
async def test_already_booted_connects_without_boot_until_triggered(csms, make_sim, bench):
    sim = make_sim(csms, quick_heartbeat(bench), extra=behaviour_args("already-booted"))
    await connected_quietly(csms, sim)
    answer = await csms.call("TriggerMessage", {"requestedMessage": "BootNotification"})
    assert answer.payload == {"status": "Accepted"}
    boot = await csms.expect("BootNotification")
    assert boot.payload["chargePointModel"] == "SimModel-22"


@pytest.mark.asyncio
async def test_already_booted_boots_after_a_power_cycle(csms, make_sim, bench):
    """The power cut is marked in the state file, so the restarted process boots although the behaviour is
    still on its command line."""
    sim = make_sim(csms, quick_heartbeat(bench), extra=behaviour_args("already-booted"))
    await connected_quietly(csms, sim)
    await sim.power_cycle()
    await csms.expect("BootNotification")
    for connector in (0, 1, 2):
        await csms.expect("StatusNotification", connectorId=connector)


@pytest.mark.asyncio
async def test_already_booted_boots_after_a_reset(csms, make_sim, bench):
    sim = make_sim(csms, quick_heartbeat(bench), extra=behaviour_args("already-booted"))
    await connected_quietly(csms, sim)
    assert (await csms.call("Reset", {"type": "Soft"})).payload == {"status": "Accepted"}
    await csms.expect("BootNotification")
    await csms.expect("StatusNotification", connectorId=0)
