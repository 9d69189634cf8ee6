"""The energy meter of each connector and the sampled values it reports.

Energy accumulates while energy flows (status Charging) at the connector's maximum power
(phases x max current x 230 V), or at the limit of a charging profile in force when that is lower, so the
register increases plausibly and monotonically over time; it
persists in the state file across reboots. Units follow OCPP 1.6 §7.31 (Wh, varh, W, var, A, V, Celsius,
Percent); SoC is reported with location EV, Temperature with location Body, the rest at the Outlet
(the default, not written).
"""

from __future__ import annotations

import time

UNITS = {
    "Energy.Active.Import.Register": "Wh", "Energy.Active.Export.Register": "Wh",
    "Energy.Active.Import.Interval": "Wh", "Energy.Active.Export.Interval": "Wh",
    "Energy.Reactive.Import.Register": "varh", "Energy.Reactive.Export.Register": "varh",
    "Energy.Reactive.Import.Interval": "varh", "Energy.Reactive.Export.Interval": "varh",
    "Power.Active.Import": "W", "Power.Active.Export": "W", "Power.Offered": "W",
    "Power.Reactive.Import": "var", "Power.Reactive.Export": "var",
    "Current.Import": "A", "Current.Export": "A", "Current.Offered": "A",
    "Voltage": "V", "Temperature": "Celsius", "SoC": "Percent",
}
LOCATIONS = {"SoC": "EV", "Temperature": "Body"}
BATTERY_WH = 60_000.0
SOC_AT_START = 20.0
#: The register of a new state file: a meter leaves the factory tested, not at 0, and a register at 0 could
#: not show a reading that falls back to 0 (fault ``meter-stop-zero-after-power-loss``).
INITIAL_REGISTER_WH = 1250.0


class Meter:
    def __init__(self, spec, store) -> None:
        self.connector_id = spec.id
        self.spec = spec
        self._store = store
        meters = store.data.get("meters") or {}
        self._energy_wh = float(meters.get(str(spec.id), INITIAL_REGISTER_WH))
        self._flowing_since: float | None = None
        self._limit_w: float | None = None          # a charging profile's limit in force
        self._last_interval_wh: dict[str, float] = {}

    @property
    def flowing(self) -> bool:
        return self._flowing_since is not None

    @property
    def power_w(self) -> float:
        """The power drawn while energy flows: the maximum, or less under a charging profile."""
        if self._limit_w is None:
            return self.spec.max_power_w
        return max(0.0, min(self.spec.max_power_w, self._limit_w))

    def set_power_limit(self, limit_w: float | None) -> None:
        if limit_w == self._limit_w:
            return
        if self._flowing_since is not None:         # bank the energy drawn at the old power
            self._energy_wh = self.energy_wh()
            self._flowing_since = time.monotonic()
        self._limit_w = limit_w

    def energy_wh(self) -> float:
        energy = self._energy_wh
        if self._flowing_since is not None:
            energy += self.power_w * (time.monotonic() - self._flowing_since) / 3600.0
        return energy

    def meter_reading(self) -> int:
        """The register as the integer Wh of StartTransaction/StopTransaction, to the nearest Wh: cut down, it
        could read below the decimal reading a MeterValues just reported."""
        return round(self.energy_wh())

    def start_flow(self) -> None:
        if self._flowing_since is None:
            self._flowing_since = time.monotonic()

    def stop_flow(self) -> None:
        if self._flowing_since is not None:
            self._energy_wh = self.energy_wh()
            self._flowing_since = None
        self.persist()

    def persist(self) -> None:
        self._store.data.setdefault("meters", {})[str(self.connector_id)] = round(self.energy_wh(), 3)
        self._store.save()

    def _value(self, measurand: str, tx_start_wh: float | None, context: str) -> str:
        flowing = self.flowing
        spec = self.spec
        if measurand == "Energy.Active.Import.Register":
            return f"{self.energy_wh():.1f}"
        if measurand.endswith(".Interval") and measurand.startswith("Energy.Active.Import"):
            now = self.energy_wh()
            last = self._last_interval_wh.get(context, tx_start_wh if tx_start_wh is not None else now)
            self._last_interval_wh[context] = now
            return f"{max(0.0, now - last):.1f}"
        if measurand.startswith("Energy."):
            return "0.0"
        if measurand == "Power.Active.Import":
            return f"{self.power_w if flowing else 0.0:.1f}"
        if measurand == "Power.Offered":
            return f"{self.power_w:.1f}"
        if measurand == "Current.Import":
            return f"{self.power_w / (spec.voltage_v * spec.phases) if flowing else 0.0:.1f}"
        if measurand == "Current.Offered":
            return f"{self.power_w / (spec.voltage_v * spec.phases):.1f}"
        if measurand == "Voltage":
            return f"{spec.voltage_v:.1f}"
        if measurand == "Frequency":
            return "50.0"
        if measurand == "Power.Factor":
            return "1.00"
        if measurand == "Temperature":
            return f"{25.0 + (3.0 if flowing else 0.0):.1f}"
        if measurand == "SoC":
            delivered = self.energy_wh() - (tx_start_wh if tx_start_wh is not None else self.energy_wh())
            return f"{min(100.0, SOC_AT_START + 100.0 * delivered / BATTERY_WH):.1f}"
        if measurand == "RPM":
            return "1200" if flowing else "0"
        return "0.0"

    def sample(self, measurands: list[str], context: str, tx_start_wh: float | None = None) -> list[dict]:
        """One sampledValue (snake_case keys, as the ``ocpp`` dataclasses take them) per measurand."""
        values = []
        for measurand in measurands or ["Energy.Active.Import.Register"]:
            value = {"value": self._value(measurand, tx_start_wh, context), "context": context,
                     "measurand": measurand}
            if measurand in LOCATIONS:
                value["location"] = LOCATIONS[measurand]
            if measurand in UNITS:
                value["unit"] = UNITS[measurand]
            values.append(value)
        return values
