"""The reset to a known baseline that runs before every test case (OCTT's ``TC_CP_V16_000_RESET``).

What it guarantees when a case starts: the charge point is connected and booted (Accepted), no transaction
runs, no reservation the harness made is left, every connector is Operative and Available, no cable is in, every configuration key an earlier case
changed through ``cs.configure`` has its old value back, and (with Local Auth List Management) the local
list is empty, as OCTT's reset script leaves it (SendLocalList version 0, Full, no entries). It does only what is needed, so against a
charger already at rest it costs a couple of round trips.

Its frames go into the case's trace (they are evidence too), but the case's inbox starts after it.
"""

from __future__ import annotations

from harness.csms.station import Station
from harness.dut.control import DeviceControl
from harness.verdicts import Failed, Inconclusive

AT_REST = {"Available"}

#: What OCTT's reset script sets before every case; set once per session here, and kept by the per-case
#: restoration of whatever a case changes.
SESSION_CONFIGURATION = (("MeterValueSampleInterval", "0"), ("ClockAlignedDataInterval", "0"),
                         ("LocalPreAuthorize", "false"))


async def reach_session_baseline(station: Station) -> None:
    """Quiet the charger for the run: no periodic meter values, no local pre-authorization. A charger that
    refuses a key keeps its own value; the cases that depend on it set it themselves."""
    station.trace.step("session baseline: configuration of OCTT's reset script")
    for key, value in SESSION_CONFIGURATION:
        await station.call("ChangeConfiguration", key=key, value=value)


async def _cancel_reservations(station: Station) -> None:
    """Cancel what a case reserved and left (a failed case, an expired reservation): a reserved connector is
    never Available. Rejected means the charger has it no more; either way it is forgotten."""
    for reservation_id in sorted(station.reservations):
        await station.call("CancelReservation", reservationId=reservation_id, allow_error=True)
    station.reservations.clear()


async def _stop_open_transactions(station: Station, long_timeout: float) -> None:
    """Stop what the Central System believes runs. A transaction the charger rejects the stop of is one it
    no longer has (a case may have ended it without a StopTransaction reaching us): it is forgotten, with a
    warning in the trace, rather than blocking every later case."""
    for transaction in list(station.transactions.values()):
        response = await station.call("RemoteStopTransaction", transactionId=transaction.transaction_id)
        if response["status"] != "Accepted":
            station.transactions.pop(transaction.transaction_id, None)
            station.trace.finding(f"baseline: the charger does not know transaction {transaction.transaction_id} "
                                  "any more (RemoteStopTransaction Rejected); forgotten", severity="warning")
    await station.wait_for(lambda: not station.transactions, "the open transactions to stop", long_timeout)


async def reach_baseline(station: Station, dut: DeviceControl, long_timeout: float,
                         *, clear_local_list: bool = False) -> None:
    station.trace.step("baseline: reset the charge point to a known state")
    try:
        await station.wait_booted(long_timeout)
        await _stop_open_transactions(station, long_timeout)
        await _cancel_reservations(station)
        try:
            await dut.baseline()
        except Inconclusive:
            pass  # an adapter without a baseline action: the statuses below tell whether it matters
        unavailable = [c for c, status in station.statuses.items() if status == "Unavailable"]
        if unavailable:
            await station.call("ChangeAvailability", connectorId=0, type="Operative")
        await station.restore_configuration()
        if clear_local_list:
            await station.call("SendLocalList", listVersion=0, updateType="Full")
        await station.wait_for(
            lambda: all(status in AT_REST for c, status in station.statuses.items()),
            "every connector to be Available", long_timeout,
        )
    except Failed as exc:
        known = ", ".join(f"{c}: {s}" for c, s in sorted(station.statuses.items()))
        raise Inconclusive(f"the baseline was not reached ({exc}); connector statuses: {known}") from None
