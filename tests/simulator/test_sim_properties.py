"""Property: whatever a driver, an EV and the Central System do, in any order, the charge point's session
logic never fires an illegal status transition and its connectors stay consistent with their transactions.

The device runs in-process and offline (no Central System), authorizing offline; each step awaits the flows it
started, so no test time is spent sleeping."""

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.config import Settings
from simulator.device import Device
from simulator.faults import Faults
from simulator.persistence import StateStore
from simulator.sessions import ActionError

TRANSACTION_STATUSES = {"Charging", "SuspendedEV", "SuspendedEVSE"}

connector = st.integers(min_value=0, max_value=3)
side = st.sampled_from(["both", "ev", "cp"])
tag = st.sampled_from(["TAG-1", "TAG-2", "tag-1"])
action = st.one_of(
    st.tuples(st.just("plug_in"), connector, side),
    st.tuples(st.just("unplug"), connector, side),
    st.tuples(st.just("card"), connector, tag),
    st.tuples(st.just("fault"), connector, st.booleans()),
    st.tuples(st.just("remote_start"), connector, tag),
    st.tuples(st.just("remote_stop"), connector),
    st.tuples(st.just("availability"), connector, st.booleans()),
    st.tuples(st.just("unlock"), connector),
    st.tuples(st.just("invalid_answer"), connector),
    st.tuples(st.just("config"), st.sampled_from(["StopTransactionOnEVSideDisconnect", "StopTransactionOnInvalidId"]),
              st.booleans()),
    st.tuples(st.just("baseline")),
    st.tuples(st.just("reserve"), connector, tag, st.integers(min_value=1, max_value=3)),
    st.tuples(st.just("cancel"), st.integers(min_value=1, max_value=3)),
)


async def run(pics: dict, store_path, steps) -> None:
    store_path.unlink(missing_ok=True)
    device = Device(Settings.from_pics(pics), StateStore(store_path), Faults())
    device.config.set("AllowOfflineTxForUnknownId", "true")
    device.config.set("StopTransactionOnEVSideDisconnect", "true")
    device.power_up()
    sessions, tx = device.sessions, device.transactions
    try:
        for step in steps:
            kind = step[0]
            try:
                if kind == "plug_in":
                    sessions.plug_in(step[1], step[2])
                elif kind == "unplug":
                    sessions.unplug(step[1], step[2])
                elif kind == "card":
                    sessions.present_id_tag(step[2], step[1])
                elif kind == "fault":
                    sessions.raise_fault(step[1], "GroundFailure" if step[2] else None, step[2])
                elif kind == "remote_start":
                    _, then = sessions.remote_start(step[1], step[2])
                    then and then()
                elif kind == "remote_stop":
                    running = tx.on(step[1])
                    if running is not None:
                        running.transaction_id = running.transaction_id or 1000 + running.local_id
                        _, then = sessions.remote_stop(running.transaction_id)
                        then and then()
                elif kind == "availability":
                    device.connectors.change_availability(
                        step[1], "Operative" if step[2] else "Inoperative", busy=lambda c: tx.on(c) is not None)
                elif kind == "unlock":
                    _, then = sessions.unlock(step[1])
                    then and then()
                elif kind == "invalid_answer":
                    running = tx.on(step[1])
                    if running is not None:
                        tx.on_start_answer(running, "Invalid")
                elif kind == "config" and device.config.spec(step[1]).access == "RW":
                    device.config.set(step[1], "true" if step[2] else "false")
                elif kind == "baseline":
                    sessions.baseline()
                elif kind == "reserve":
                    device.reservations.reserve(step[1], "2099-01-01T00:00:00Z", step[2], step[3], None,
                                                is_free=sessions.idle)
                elif kind == "cancel":
                    device.reservations.cancel(step[1])
            except ActionError:
                pass                                  # e.g. the CP side of a fixed cable, connector 0
            flows = list(sessions._flow_tasks)
            if flows:
                await asyncio.gather(*flows)
            for c in device.connectors:
                running = tx.on(c.id)
                base = c.base.value
                if running is not None:
                    assert base in TRANSACTION_STATUSES, (step, c.snapshot())
                else:
                    assert base not in TRANSACTION_STATUSES, (step, c.snapshot())
                    reserved = device.reservations.on(c.id) is not None
                    assert (base == "Reserved") == reserved, (step, c.snapshot())
                    if not c.occupied and c.id not in sessions.pending and not reserved:
                        assert base == "Available", (step, c.snapshot())
                    if c.occupied and not reserved:
                        assert base in ("Preparing", "Finishing"), (step, c.snapshot())
                assert c.status.value == ("Faulted" if c.fault else "Unavailable" if not c.operative else base)
    finally:
        await device.shutdown()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(action, max_size=25))
def test_fixed_cable_sessions_stay_consistent(tmp_path, bench, steps):
    asyncio.run(run(bench.pics(**{"optional_features/C-02": True}), tmp_path / "state.json", steps))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(action, max_size=25))
def test_detachable_cable_sessions_stay_consistent(tmp_path, bench, steps):
    asyncio.run(run(bench.detachable_pics(**{"optional_features/C-02": True}), tmp_path / "state.json", steps))
