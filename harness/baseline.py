"""The reset to a known baseline that runs before every test case (OCTT's ``TC_CP_V16_000_RESET``), and the
recovery ladder when the charge point does not come back to it.

What it guarantees when a case starts: the charge point is connected and booted (Accepted), no transaction
runs, no reservation the harness made is left, every connector is Operative and Available, no cable is in,
every configuration key an earlier case changed through ``cs.configure`` has its old value back, and (with
Local Auth List Management) the local list is empty, as OCTT's reset script leaves it (SendLocalList version
0, Full, no entries). It does only what is needed, so against a charger already at rest it costs a couple of
round trips.

Rules:

- Every request of the baseline whose answer is not the expected one is a *warning* of the case (the case
  may start on a leftover list or configuration, and its reader must know), never silently ignored.
- A transaction that starts while the baseline runs is stopped too: the baseline re-checks until it holds.
- When the connectors do not come back Available within a message timeout, the baseline climbs a ladder,
  each rung traced: ChangeAvailability(0, Operative), the adapter's baseline, a soft Reset, a power cycle
  through the adapter. Only when the top rung fails is the baseline not reached: the case is inconclusive
  (and the session stops the run after two such cases in a row, :mod:`harness.session`).

Its frames go into the case's trace, numbered "baseline N", and the case's inbox starts after it.
"""

from __future__ import annotations

from typing import Awaitable, Callable

from harness.csms.station import Station
from harness.dut.control import DeviceControl
from harness.verdicts import Failed, Inconclusive

AT_REST = {"Available"}
#: How often the baseline re-checks for a transaction that started while it ran.
ROUNDS = 3

#: What OCTT's reset script sets before every case; set once per session here, and kept by the per-case
#: restoration of whatever a case changes.
SESSION_CONFIGURATION = (("MeterValueSampleInterval", "0"), ("ClockAlignedDataInterval", "0"),
                         ("LocalPreAuthorize", "false"))


async def reach_session_baseline(station: Station) -> list[str]:
    """Quiet the charger for the run: no periodic meter values, no local pre-authorization. A charger that
    refuses a key keeps its own value (a warning); the cases that depend on it set it themselves."""
    station.trace.step("session baseline: configuration of OCTT's reset script")
    warnings = []
    for key, value in SESSION_CONFIGURATION:
        response = await station.call("ChangeConfiguration", key=key, value=value, allow_error=True)
        status = response.error_code or response.payload.get("status")
        if status != "Accepted":
            warnings.append(f"session baseline: ChangeConfiguration({key}={value}) answered {status}")
    return warnings


class Baseline:
    """One reach of the baseline before one case; :attr:`warnings` says what did not go as asked."""

    def __init__(self, station: Station, dut: DeviceControl, long_timeout: float, *,
                 clear_local_list: bool = False) -> None:
        self.station = station
        self.dut = dut
        self.long_timeout = long_timeout
        self.clear_local_list = clear_local_list
        self.warnings: list[str] = []

    def warn(self, text: str) -> None:
        self.warnings.append(f"baseline: {text}")
        self.station.trace.finding(f"baseline: {text}", severity="warning")

    async def reach(self) -> list[str]:
        station = self.station
        station.trace.step("baseline: reset the charge point to a known state")
        try:
            await station.wait_booted(self.long_timeout)
            if await self._settle():
                return self.warnings
            for rung, climb in self._ladder():
                station.trace.step(f"baseline: not at rest ({self._statuses()}); recovery: {rung}")
                if await climb() and await self._settle():
                    return self.warnings
        except Failed as exc:
            raise Inconclusive(f"the baseline was not reached ({exc}); connector statuses: {self._statuses()}") \
                from None
        raise Inconclusive(f"the baseline was not reached: after a soft Reset and a power cycle the charge point is "
                           f"still not at rest; connector statuses: {self._statuses()}"
                           + (f"; open transactions: {sorted(station.transactions)}" if station.transactions else ""))

    async def _settle(self) -> bool:
        """The ordinary baseline, repeated while a transaction starts during it; True once at rest."""
        for _ in range(ROUNDS):
            await self._stop_open_transactions()
            await self._cancel_reservations()
            await self._clear_charging_profiles()
            try:
                await self.dut.baseline()
            except Inconclusive:
                pass  # an adapter without a baseline action: the statuses below tell whether it matters
            await self._make_operative()
            for refused in await self.station.restore_configuration():
                self.warn(f"{refused}; the case starts with the value an earlier case set")
            if self.clear_local_list:
                await self._empty_local_list()
            if await self._at_rest():
                return True
            if not self.station.transactions:
                return False
        return False

    def _ladder(self) -> list[tuple[str, Callable[[], Awaitable[bool]]]]:
        return [("soft Reset", self._soft_reset), ("power cycle through the device adapter", self._power_cycle)]

    async def _at_rest(self) -> bool:
        station = self.station
        try:
            await station.wait_for(lambda: not station.transactions and all(
                status in AT_REST for status in station.statuses.values()),
                "every connector to be Available", station.message_timeout)
        except Failed:
            return False
        return True

    def _statuses(self) -> str:
        return ", ".join(f"{c}: {s}" for c, s in sorted(self.station.statuses.items())) or "none reported"

    async def _stop_open_transactions(self) -> None:
        """Stop what the Central System believes runs. A transaction the charger rejects the stop of is one it
        no longer has (a case may have ended it without a StopTransaction reaching us): it is forgotten, with
        a warning, rather than blocking every later case."""
        station = self.station
        for transaction in list(station.transactions.values()):
            response = await station.call("RemoteStopTransaction", transactionId=transaction.transaction_id)
            if response["status"] != "Accepted":
                station.transactions.pop(transaction.transaction_id, None)
                self.warn(f"the charger does not know transaction {transaction.transaction_id} any more "
                          "(RemoteStopTransaction Rejected); forgotten")
        if station.transactions:
            await station.wait_for(lambda: not station.transactions, "the open transactions to stop",
                                   self.long_timeout)

    async def _cancel_reservations(self) -> None:
        """Cancel what a case reserved and left (a failed case, an expired reservation): a reserved connector
        is never Available. Rejected means the charger has it no more; either way it is forgotten."""
        station = self.station
        for reservation_id in sorted(station.reservations):
            await station.call("CancelReservation", reservationId=reservation_id, allow_error=True)
        station.reservations.clear()

    async def _clear_charging_profiles(self) -> None:
        """Clear every charging profile when a case installed any: a profile left behind would limit, or be
        stacked under, the next case's. ClearChargingProfile without criteria clears all (OCPP 1.6 §5.5);
        Unknown means none was left."""
        station = self.station
        if not station.charging_profiles:
            return
        response = await station.call("ClearChargingProfile", allow_error=True)
        status = response.error_code or response.payload.get("status")
        if status not in ("Accepted", "Unknown"):
            self.warn(f"ClearChargingProfile (all) answered {status}; the case starts with the profiles an earlier "
                      "case installed")
        station.charging_profiles.clear()

    async def _make_operative(self) -> None:
        station = self.station
        if not any(status == "Unavailable" for status in station.statuses.values()):
            return
        response = await station.call("ChangeAvailability", connectorId=0, type="Operative", allow_error=True)
        status = response.error_code or response.payload.get("status")
        if status not in ("Accepted", "Scheduled"):
            self.warn(f"ChangeAvailability(0, Operative) answered {status}")

    async def _empty_local_list(self) -> None:
        response = await self.station.call("SendLocalList", listVersion=0, updateType="Full", allow_error=True)
        status = response.error_code or response.payload.get("status")
        if status != "Accepted":
            self.warn(f"SendLocalList(0, Full, empty) answered {status}; the case starts on the list an earlier "
                      "case left")

    async def _soft_reset(self) -> bool:
        station = self.station
        boots = station.boot_count
        response = await station.call("Reset", type="Soft", allow_error=True)
        if response.error_code or response.payload.get("status") != "Accepted":
            self.warn(f"Reset(Soft) answered {response.error_code or response.payload.get('status')}")
            return False
        return await self._rebooted(boots)

    async def _power_cycle(self) -> bool:
        boots = self.station.boot_count
        try:
            await self.dut.power_cycle()
        except Inconclusive as exc:
            self.warn(f"no power cycle: {exc}")
            return False
        return await self._rebooted(boots)

    async def _rebooted(self, boots: int) -> bool:
        station = self.station
        try:
            await station.wait_for(lambda: station.boot_count > boots and station.connected,
                                   "an accepted BootNotification after the reboot", self.long_timeout)
        except Failed:
            self.warn("no accepted BootNotification after the reboot")
            return False
        return True


async def reach_baseline(station: Station, dut: DeviceControl, long_timeout: float,
                         *, clear_local_list: bool = False) -> list[str]:
    """Reach the baseline before a case; returns its warnings, raises :class:`Inconclusive` when it cannot."""
    return await Baseline(station, dut, long_timeout, clear_local_list=clear_local_list).reach()
