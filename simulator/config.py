"""Configuration of the reference charge point: the PICS as settings, and the OCPP configuration keys.

Two things live here:

* ``Settings``: what the PICS says about this charger (identity, connectors, profiles, optional features,
  additional questions, ORS limits). Read once with ``yaml.safe_load``; immutable.
* ``Configuration``: the OCPP configuration keys (OCPP 1.6 §9 plus the security whitepaper), each with its
  accessibility, default, and value validation. Values changed by the Central System persist in the state
  file. The PICS ``configuration_keys`` section overrides a key's default and accessibility, and may add
  vendor keys.

Rules:

* Keys are matched case-insensitively (CiString) and answered with their canonical spelling.
* A read-only key is never changed by ChangeConfiguration (Rejected); an unknown key is NotSupported; an
  invalid value is Rejected; a valid value of a read-write key is Accepted (RebootRequired when the key is
  declared so).
* ``AuthorizationKey`` is write-only: it is never returned by GetConfiguration, with or without keys.
* A GetConfiguration asking for more keys than GetConfigurationMaxKeys (ORS-1) is answered with a CALLERROR
  OccurenceConstraintViolation (raised by the handler; 1.6 spells it so): the specification bounds the
  request and defines no partial answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from .behaviours import MINIMUM_STATUS_DURATION_S

ALL_MEASURANDS = (
    "Energy.Active.Import.Register", "Energy.Active.Export.Register",
    "Energy.Reactive.Import.Register", "Energy.Reactive.Export.Register",
    "Energy.Active.Import.Interval", "Energy.Active.Export.Interval",
    "Energy.Reactive.Import.Interval", "Energy.Reactive.Export.Interval",
    "Power.Active.Import", "Power.Active.Export", "Power.Reactive.Import", "Power.Reactive.Export",
    "Power.Offered", "Power.Factor", "Current.Import", "Current.Export", "Current.Offered",
    "Voltage", "Frequency", "Temperature", "SoC", "RPM",
)
DEFAULT_MEASURANDS = (
    "Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage",
    "Power.Offered", "Current.Offered", "Temperature", "SoC",
)
PROFILES = ("Core", "FirmwareManagement", "LocalAuthListManagement", "Reservation", "SmartCharging",
            "RemoteTrigger")
PHASE_ROTATIONS = ("NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS", "TSR")

R, RW, W = "R", "RW", "W"


class PicsError(ValueError):
    """The PICS file cannot configure a charge point."""


# ---------------------------------------------------------------------------------------------------------
# Settings: the PICS
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConnectorSpec:
    id: int
    fixed_cable: bool
    phases: int = 3
    current: str = "AC"
    max_current_a: float = 16.0
    voltage_v: float = 230.0

    @property
    def max_power_w(self) -> float:
        return self.phases * self.max_current_a * self.voltage_v


@dataclass(frozen=True)
class Settings:
    charge_point_id: str
    password: str | None
    security_profile: int
    vendor: str                     # chargePointVendor (CiString20)
    model: str
    firmware_version: str
    serial_number: str | None
    connectors: tuple[ConnectorSpec, ...]
    feature_profiles: tuple[str, ...]
    features: dict[str, Any] = field(default_factory=dict)      # C-xx, LA-0, R-x, SC-x: bool
    aq: dict[str, Any] = field(default_factory=dict)            # AQ-x
    ors: dict[str, Any] = field(default_factory=dict)           # ORS-x
    sampled_measurands: tuple[str, ...] = DEFAULT_MEASURANDS
    aligned_measurands: tuple[str, ...] = DEFAULT_MEASURANDS
    declared_keys: dict[str, dict] = field(default_factory=dict)
    response_timeout: float = 10.0
    vendor_name: str = ""           # the vendor's name as on the certificate (CpoName)
    cipher_suites: tuple[str, ...] = ()     # C-12, IANA names: what it offers over TLS

    def feature(self, name: str, default: bool = False) -> bool:
        return bool(self.features.get(name, default))

    def ors_value(self, name: str, default: Any) -> Any:
        value = self.ors.get(name)
        return default if value is None else value

    def connector(self, connector_id: int) -> ConnectorSpec | None:
        return next((c for c in self.connectors if c.id == connector_id), None)

    @property
    def power_loss_stops_before_down(self) -> bool:
        """AQ-7.1: backup power, StopTransaction(PowerLoss) before going down (else after, AQ-7.2)."""
        return bool(self.aq.get("AQ-7.1", False))

    @classmethod
    def from_pics(cls, pics: dict) -> "Settings":
        if not isinstance(pics, dict):
            raise PicsError("the PICS is not a mapping")
        product = pics.get("product") or {}
        setup = pics.get("test_setup") or {}
        hardware = pics.get("hardware") or {}
        for key, where in (("vendor_name", product), ("charge_point_model", product),
                           ("charge_point_id", setup)):
            if not where.get(key):
                raise PicsError(f"the PICS lacks {key}")
        default_fixed = bool(hardware.get("HFS-2", not hardware.get("HFS-1", False)))
        default_phases = 3 if hardware.get("HFS-7") else 2 if hardware.get("HFS-6") else 1 \
            if hardware.get("HFS-5") else 3
        specs = []
        for entry in hardware.get("connectors") or []:
            cable = str(entry.get("cable", "")).lower()
            fixed = "fixed" in cable if cable else default_fixed
            specs.append(ConnectorSpec(id=int(entry["id"]), fixed_cable=fixed,
                                       phases=int(entry.get("phases", default_phases)),
                                       current=str(entry.get("current", "AC")),
                                       max_current_a=float(entry.get("max_current_a", 16.0))))
        if not specs:
            count = int(hardware.get("HFS-8", 1))
            specs = [ConnectorSpec(id=i, fixed_cable=default_fixed, phases=default_phases)
                     for i in range(1, count + 1)]
        ids = [c.id for c in specs]
        if sorted(ids) != list(range(1, len(ids) + 1)):
            raise PicsError(f"connector ids must be 1..n, got {ids}")
        profiles = tuple(pics.get("feature_profiles") or ("Core",))
        bad = [p for p in profiles if p not in PROFILES]
        if bad:
            raise PicsError(f"unknown feature profile(s) {bad}")
        measurands = pics.get("measurands") or {}

        def declared(section: str) -> tuple[str, ...]:
            entry = measurands.get(section) or {}
            names = list(entry.get("declared") or []) + list(entry.get("tested") or [])
            names = [n for n in dict.fromkeys(names) if n in ALL_MEASURANDS]
            return tuple(names) or DEFAULT_MEASURANDS

        perf = pics.get("performance") or {}
        password = setup.get("basic_auth_password")
        return cls(
            charge_point_id=str(setup["charge_point_id"]),
            password=None if password is None else str(password),
            security_profile=int(setup.get("security_profile", 0)),
            vendor=str(product.get("charge_point_vendor") or product["vendor_name"])[:20],
            vendor_name=str(product["vendor_name"]),
            model=str(product["charge_point_model"])[:20],
            firmware_version=str(product.get("firmware_version", "sim-1.0"))[:50],
            serial_number=(str(product["serial_number"])[:25] if product.get("serial_number") else None),
            connectors=tuple(sorted(specs, key=lambda c: c.id)),
            feature_profiles=profiles,
            features={str(k): v for k, v in (pics.get("optional_features") or {}).items()},
            aq={str(k): v for k, v in (pics.get("additional_questions") or {}).items()},
            ors={str(k): v for k, v in (pics.get("ors") or {}).items()},
            sampled_measurands=declared("C-09.1"),
            aligned_measurands=declared("C-09.2"),
            declared_keys={str(k): dict(v or {}) for k, v in (pics.get("configuration_keys") or {}).items()},
            response_timeout=float(perf.get("ocpp_response_timeout", 10)),
            cipher_suites=tuple(str(s) for s in pics.get("cipher_suites") or ()),
        )


# ---------------------------------------------------------------------------------------------------------
# The key catalogue
# ---------------------------------------------------------------------------------------------------------

@dataclass
class KeySpec:
    name: str
    kind: str                       # bool, int, measurands, csl, rotation, str, profile-list
    access: str                     # R, RW, W
    default: str
    lo: int | None = None
    hi: int | None = None
    choices: tuple[str, ...] = ()   # measurands allowed
    max_items_key: str | None = None
    reboot_required: bool = False
    zero_ok: bool = False           # 0 means "off" whatever the lower bound


def _bool(value: bool) -> str:
    return "true" if value else "false"


def build_catalogue(s: Settings) -> list[KeySpec]:
    """The keys this charger has, in the order GetConfiguration lists them."""
    n = len(s.connectors)
    all_measurands = tuple(dict.fromkeys(s.sampled_measurands + s.aligned_measurands))
    rotation = ",".join(f"{c.id}.{'RST' if c.phases == 3 else 'NotApplicable'}" for c in s.connectors)
    ors = s.ors_value
    keys: list[KeySpec] = []
    add = keys.append
    # Core (OCPP 1.6 §9.1)
    if s.feature("C-02"):
        add(KeySpec("AllowOfflineTxForUnknownId", "bool", RW, "false"))
    if s.feature("C-04", True):
        add(KeySpec("AuthorizationCacheEnabled", "bool", RW, "true"))
    add(KeySpec("AuthorizeRemoteTxRequests", "bool", RW, "true"))
    add(KeySpec("ClockAlignedDataInterval", "int", RW, "0", 0, 86400))
    add(KeySpec("ConnectionTimeOut", "int", RW, "60", 1, 86400))
    add(KeySpec("ConnectorPhaseRotation", "rotation", RW, rotation, max_items_key="ConnectorPhaseRotationMaxLength"))
    add(KeySpec("ConnectorPhaseRotationMaxLength", "int", R, str(n + 1)))
    add(KeySpec("GetConfigurationMaxKeys", "int", R, str(ors("ORS-1", 50))))
    add(KeySpec("HeartbeatInterval", "int", RW, "300", int(ors("ORS-6", 0)), int(ors("ORS-7", 86400))))
    add(KeySpec("LocalAuthorizeOffline", "bool", RW, _bool(s.feature("C-01", True))))
    add(KeySpec("LocalPreAuthorize", "bool", RW, "false"))
    if s.feature("C-03"):
        add(KeySpec("MaxEnergyOnInvalidId", "int", RW, "0", 0, 10**9))
    add(KeySpec("MeterValuesAlignedData", "measurands", RW, "Energy.Active.Import.Register",
                choices=s.aligned_measurands, max_items_key="MeterValuesAlignedDataMaxLength"))
    add(KeySpec("MeterValuesAlignedDataMaxLength", "int", R, str(ors("ORS-2", len(s.aligned_measurands)))))
    add(KeySpec("MeterValuesSampledData", "measurands", RW, "Energy.Active.Import.Register",
                choices=s.sampled_measurands, max_items_key="MeterValuesSampledDataMaxLength"))
    add(KeySpec("MeterValuesSampledDataMaxLength", "int", R, str(ors("ORS-3", len(s.sampled_measurands)))))
    add(KeySpec("MeterValueSampleInterval", "int", RW, "60", int(ors("ORS-4", 0)), int(ors("ORS-5", 86400)),
                zero_ok=True))
    if s.feature("C-05"):
        add(KeySpec("MinimumStatusDuration", "int", RW, "0", 0, 3600))
    add(KeySpec("NumberOfConnectors", "int", R, str(n)))
    add(KeySpec("ResetRetries", "int", RW, "3", 0, 100))
    add(KeySpec("StopTransactionMaxMeterValues", "int", R, str(ors("ORS-8", 10))))
    add(KeySpec("StopTransactionOnEVSideDisconnect", "bool", RW, "true"))
    add(KeySpec("StopTransactionOnInvalidId", "bool", RW, "true"))
    add(KeySpec("StopTxnAlignedData", "measurands", RW, "", choices=all_measurands,
                max_items_key="StopTxnAlignedDataMaxLength"))
    add(KeySpec("StopTxnAlignedDataMaxLength", "int", R, str(ors("ORS-9", len(all_measurands)))))
    add(KeySpec("StopTxnSampledData", "measurands", RW, "", choices=all_measurands,
                max_items_key="StopTxnSampledDataMaxLength"))
    add(KeySpec("StopTxnSampledDataMaxLength", "int", R, str(ors("ORS-10", len(all_measurands)))))
    add(KeySpec("SupportedFeatureProfiles", "profile-list", R, ",".join(s.feature_profiles)))
    add(KeySpec("SupportedFeatureProfilesMaxLength", "int", R, str(len(PROFILES))))
    add(KeySpec("TransactionMessageAttempts", "int", RW, "3", 0, 100))
    add(KeySpec("TransactionMessageRetryInterval", "int", RW, "20", 0, 86400))
    add(KeySpec("UnlockConnectorOnEVSideDisconnect", "bool", RW, _bool(s.feature("C-10.1", False))))
    add(KeySpec("WebSocketPingInterval", "int", RW, str(ors("ORS-11", 0)), 0, 86400))
    # Local Auth List Management (§9.2)
    if "LocalAuthListManagement" in s.feature_profiles:
        add(KeySpec("LocalAuthListEnabled", "bool", RW, "true"))
        add(KeySpec("LocalAuthListMaxLength", "int", R, str(ors("ORS-12", 1000))))
        add(KeySpec("SendLocalListMaxLength", "int", R, str(ors("ORS-13", 100))))
    # Reservation (§9.3)
    if "Reservation" in s.feature_profiles:
        add(KeySpec("ReserveConnectorZeroSupported", "bool", R, _bool(s.feature("R-1"))))
    # Smart Charging (§9.4)
    if "SmartCharging" in s.feature_profiles:
        units = [u for u, f in (("Current", "SC-1.1"), ("Power", "SC-1.2")) if s.feature(f, True)]
        add(KeySpec("ChargeProfileMaxStackLevel", "int", R, str(ors("ORS-14", 10))))
        add(KeySpec("ChargingScheduleAllowedChargingRateUnit", "csl", R, ",".join(units) or "Current"))
        add(KeySpec("ChargingScheduleMaxPeriods", "int", R, str(ors("ORS-15", 10))))
        add(KeySpec("ConnectorSwitch3to1PhaseSupported", "bool", R, "false"))
        add(KeySpec("MaxChargingProfilesInstalled", "int", R, str(ors("ORS-19", 10))))
    if "FirmwareManagement" in s.feature_profiles:
        protocols = ors("ORS-16", ["FTP"])
        if isinstance(protocols, str):
            protocols = [protocols]
        add(KeySpec("SupportedFileTransferProtocols", "csl", R, ",".join(protocols)))
    # Security whitepaper
    add(KeySpec("AuthorizationKey", "str", W, s.password or "", 16, 40))
    add(KeySpec("SecurityProfile", "int", RW, str(s.security_profile), 0, 3))
    add(KeySpec("CpoName", "str", RW, (s.vendor_name or s.vendor)[:50], 0, 50))
    if "ORS-17" in s.ors:
        add(KeySpec("CertificateSignedMaxChainSize", "int", R, str(ors("ORS-17", 10000))))
    if "ORS-18" in s.ors:
        add(KeySpec("CertificateStoreMaxLength", "int", R, str(ors("ORS-18", 50))))
    return _apply_declarations(keys, s.declared_keys)


def with_behaviours(keys: list[KeySpec], behaviours) -> list[KeySpec]:
    """The catalogue as the allowed behaviours change it: ``no-authorization-cache-key`` drops the optional
    AuthorizationCacheEnabled (the cache, if any, is then always on: §9.1.2); ``minimum-status-duration``
    makes MinimumStatusDuration (present with C-05) default to a few seconds."""
    if behaviours is None:
        return keys
    if behaviours.active("no-authorization-cache-key"):
        keys = [k for k in keys if k.name != "AuthorizationCacheEnabled"]
    if behaviours.active("minimum-status-duration"):
        for k in keys:
            if k.name == "MinimumStatusDuration":
                k.default = str(MINIMUM_STATUS_DURATION_S)
    return keys


_ACCESS = {"read-only": R, "readonly": R, "r": R, "read-write": RW, "readwrite": RW, "rw": RW,
           "write-only": W, "w": W}


def _apply_declarations(keys: list[KeySpec], declared: dict[str, dict]) -> list[KeySpec]:
    by_name = {k.name.lower(): k for k in keys}
    for name, decl in declared.items():
        spec = by_name.get(name.lower())
        if spec is None:
            spec = KeySpec(name, "str", RW, "", 0, 500)
            keys.append(spec)
            by_name[name.lower()] = spec
        if "access" in decl:
            access = _ACCESS.get(str(decl["access"]).strip().lower())
            if access is None:
                raise PicsError(f"configuration_keys.{name}.access: unknown {decl['access']!r}")
            spec.access = access
        if "value" in decl:
            value = decl["value"]
            spec.default = _bool(value) if isinstance(value, bool) else str(value)
        if decl.get("reboot_required"):
            spec.reboot_required = True
    return keys


# ---------------------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------------------

class ConfigurationStatus:
    ACCEPTED = "Accepted"
    REJECTED = "Rejected"
    REBOOT_REQUIRED = "RebootRequired"
    NOT_SUPPORTED = "NotSupported"


_INT = re.compile(r"^[0-9]{1,10}$")
#: fault ``get-configuration-ignores-keys``: what it answers to any GetConfiguration with a key list
FIXED_KEYS = ("HeartbeatInterval", "MeterValueSampleInterval", "ConnectionTimeOut", "NumberOfConnectors")


def is_integer(text: str) -> bool:
    """The text is a whole number (any sign), as an integer key's value must at least be."""
    return re.fullmatch(r"\s*[+-]?[0-9]+\s*", text) is not None


class Configuration:
    """The configuration keys with their current values; changes persist in the state file."""

    def __init__(self, settings: Settings, store, faults, behaviours=None) -> None:
        self.settings = settings
        self._store = store
        self._faults = faults
        self._specs = {k.name: k for k in with_behaviours(build_catalogue(settings), behaviours)}
        self._lower = {name.lower(): name for name in self._specs}
        self._values = {name: spec.default for name, spec in self._specs.items()}
        for name, value in (store.data.get("config") or {}).items():
            if name in self._values:
                self._values[name] = value
        self._listeners: dict[str, list[Callable[[str], None]]] = {}
        #: whether the charger could use a security profile now (its CA file for 2, also its certificate for
        #: 3): the station tells; the whitepaper asks a charger to reject an upgrade it is not ready for
        self.profile_ready: Callable[[int], bool] = lambda profile: False

    # -- lookup --------------------------------------------------------------------------------------------
    def canonical(self, key: str) -> str | None:
        return self._lower.get(key.lower())

    def spec(self, key: str) -> KeySpec | None:
        name = self.canonical(key)
        return self._specs[name] if name else None

    def has(self, key: str) -> bool:
        return self.canonical(key) is not None

    def get(self, key: str, default: str | None = None) -> str | None:
        name = self.canonical(key)
        return self._values[name] if name else default

    def get_int(self, key: str, default: int = 0) -> int:
        value = self.get(key)
        try:
            return int(value) if value not in (None, "") else default
        except ValueError:
            return default

    def get_bool(self, key: str, default: bool = False) -> bool:
        value = self.get(key)
        return default if value is None else value.strip().lower() == "true"

    def get_list(self, key: str) -> list[str]:
        value = self.get(key) or ""
        return [item.strip() for item in value.split(",") if item.strip()]

    def snapshot(self) -> dict[str, str]:
        """Every readable value (for the control channel's ``state``)."""
        return {n: v for n, v in self._values.items() if self._specs[n].access != W}

    # -- GetConfiguration ----------------------------------------------------------------------------------
    def read(self, keys: Iterable[str] | None) -> tuple[list[dict], list[str]]:
        reveal_key = self._faults.active("authorization-key-readable")

        def entry(name: str) -> dict:
            spec = self._specs[name]
            return {"key": name, "readonly": spec.access == R, "value": self._values[name]}

        def readable(name: str) -> bool:
            return self._specs[name].access != W or (reveal_key and name == "AuthorizationKey")

        if not keys:
            names = [n for n in self._specs if readable(n)]
            if self._faults.active("missing-config-key"):
                names = [n for n in names if n != "ConnectionTimeOut"]
            return [entry(n) for n in names], []
        if self._faults.active("get-configuration-ignores-keys"):
            return [entry(n) for n in FIXED_KEYS if n in self._specs], []
        known, unknown = [], []
        for key in keys:
            name = self.canonical(key)
            if name is not None and readable(name):
                known.append(entry(name))
            else:
                unknown.append(key)
        return known, unknown

    # -- ChangeConfiguration -------------------------------------------------------------------------------
    def change(self, key: str, value: str) -> str:
        name = self.canonical(key)
        if name is None:
            if self._faults.active("accepts-unknown-config-key"):
                return ConfigurationStatus.ACCEPTED
            return ConfigurationStatus.NOT_SUPPORTED
        spec = self._specs[name]
        if spec.access == R:
            if self._faults.active("readonly-config-accepted"):
                return ConfigurationStatus.ACCEPTED
            return ConfigurationStatus.REJECTED
        normalized = self.validate(spec, value)
        if (normalized is None and spec.kind == "int" and isinstance(value, str) and not is_integer(value)
                and self._faults.active("accepts-non-numeric-interval")):
            self.set(name, value)          # no parser check: the text is stored as it came
            return ConfigurationStatus.ACCEPTED
        if normalized is None:
            if self._faults.active("accepts-invalid-config-value"):
                return ConfigurationStatus.ACCEPTED
            return ConfigurationStatus.REJECTED
        if self._faults.active("change-config-not-persisted"):
            return ConfigurationStatus.ACCEPTED
        self.set(name, normalized)
        return ConfigurationStatus.REBOOT_REQUIRED if spec.reboot_required else ConfigurationStatus.ACCEPTED

    def set(self, key: str, value: str) -> None:
        """Set a value (from the Central System or the charger itself) and persist it."""
        name = self.canonical(key)
        if name is None:
            raise KeyError(key)
        old = self._values[name]
        self._values[name] = value
        self._store.data.setdefault("config", {})[name] = value
        self._store.save()
        if old != value:
            for callback in list(self._listeners.get(name, [])):
                callback(value)

    def on_change(self, key: str, callback: Callable[[str], None]) -> None:
        name = self.canonical(key)
        if name is None:
            return
        self._listeners.setdefault(name, []).append(callback)

    def validate(self, spec: KeySpec, value: str) -> str | None:
        """The normalized value, or None when the value is not valid for the key."""
        if not isinstance(value, str):
            return None
        value = value.strip()
        kind = spec.kind
        if kind == "bool":
            return value.lower() if value.lower() in ("true", "false") else None
        if kind == "int":
            if not _INT.match(value):
                return None
            number = int(value)
            if number == 0 and spec.zero_ok:
                return "0"
            if (spec.lo is not None and number < spec.lo) or (spec.hi is not None and number > spec.hi):
                return None
            if spec.name == "SecurityProfile" and number != self.get_int("SecurityProfile"):
                # no downgrade (Security Whitepaper); an upgrade only when its prerequisites are met
                return str(number) if number > self.get_int("SecurityProfile") and self.profile_ready(number) else None
            return str(number)
        if kind == "str":
            lo, hi = spec.lo or 0, spec.hi if spec.hi is not None else 500
            return value if lo <= len(value) <= hi else None
        items = [item.strip() for item in value.split(",")] if value else []
        if any(not item for item in items):
            return None
        if spec.max_items_key and len(items) > self.get_int(spec.max_items_key, 10**6):
            return None
        if kind == "measurands":
            return ",".join(items) if all(i in spec.choices for i in items) else None
        if kind == "rotation":
            ids = {str(c.id) for c in self.settings.connectors} | {"0"}
            for item in items:
                cid, _, rotation = item.rpartition(".")
                if rotation not in PHASE_ROTATIONS or (cid and cid not in ids):
                    return None
            return ",".join(items)
        return ",".join(items)
