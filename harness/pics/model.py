"""The PICS model: frozen dataclasses mirroring the sections of a PICS file, and the certificate's id tables.

Optional features, additional questions and other relevant settings stay keyed by their certificate ids
(`pics.feature("C-07")`, `pics.aq("AQ-7.2")`, `pics.ors("ORS-1")`) because test cases and reports speak those ids.
Titles are copied verbatim from the abstract of the seed certificate (shared/seed-certificate.txt), typos included.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

REDACTED = "***"

# --------------------------------------------------------------------------------------------- id tables
CERTIFICATION_PROFILES = ("Core", "Advanced Security", "Smart Charging")

PROFILE_DESCRIPTIONS: dict[str, str] = {
    "Core": "Basic Charging Station, functionality for booting, authorization, configuration, transactions, "
            "remote control, secure firmware updates and Security Profile 2.",
    "Advanced Security": "Support for TLS with client authentication.",
    "Smart Charging": "Support for Smart Charging, to control charging.",
    # Not on the certificate (they count as Core features there); our wording.
    "Firmware Management": "Support for firmware updates and diagnostics uploads through a file server "
                           "designated by the Central System.",
    "Local Auth List Management": "Support for a local authorization list that the Central System sends and "
                                  "versions, used to authorize idTags without asking the Central System.",
    "Reservation": "Support for reserving a connector, or the entire Charging Station, for one idTag.",
    "Remote Trigger": "Support for the Central System asking the Charging Station to send a given message now.",
}

# The values of the SupportedFeatureProfiles configuration key (OCPP 1.6 §9.1).
FEATURE_PROFILES = ("Core", "FirmwareManagement", "LocalAuthListManagement", "Reservation", "SmartCharging",
                    "RemoteTrigger")

HFS_TITLES: dict[str, str] = {
    "HFS-1": "Has a detachable cable",
    "HFS-2": "Has a fixed cable",
    "HFS-3": "Has AC support",
    "HFS-4": "Has DC support",
    "HFS-5": "Has 1 phase support",
    "HFS-6": "Has 2 phase support",
    "HFS-7": "Has 3 phase support",
    "HFS-8": "No. Connectors",
    "HFS-9": "Communication technology",
    "HFS-10": "RFID readers",
}
_HFS_ATTRIBUTES = ("detachable_cable", "fixed_cable", "ac", "dc", "phases_1", "phases_2", "phases_3",
                   "connector_count", "communication_technology", "rfid_readers")
#: HFS id -> (attribute of `Hardware`, certificate title)
HFS_FIELDS: dict[str, tuple[str, str]] = {
    hid: (attr, title) for (hid, title), attr in zip(HFS_TITLES.items(), _HFS_ATTRIBUTES)}

FEATURE_TITLES: dict[str, str] = {
    "C-01": "Support for offline authorization of transactions",
    "C-02": "Support for allowing Offline Authorization for Unknown Ids",
    "C-03": "Support for maximizing energy for invalid ids",
    "C-04": "Authorization Cache",
    "C-05": "Support to limit StatusNotifications",
    "C-06": "Authorization status after cable disconnected on EV side",
    "C-06.1": "Support for maintaining authorization when cable disconnected on EV side",
    "C-06.2": "Support for not maintaining authorization when cable disconnected on EV side",
    "C-07": "Support for local start",
    "C-08": "Support for local stop",
    "C-09": "Supported MeterValue Measurands",
    "C-09.1": "MeterValuesSampled Data",
    "C-09.2": "MeterValuesAligned Data",
    "C-10": "Unlocking of connector when cable disconnected on EV side",
    "C-10.1": "Support for unlocking connector when cable disconnected on EV side",
    "C-10.2": "Support for not unlocking when cable disconnected on EV side",
    "C-11": "Support for Security Profile 1: Unsecured Transport with Basic Authentication",
    "C-12": "Supported Cipher Suites",
    "LA-0": "Support for Local Authorization List Management",
    "RT-0": "Support for Remote Trigger",
    "R-0": "Support for Reservations",
    "R-1": "Support reservations of entire Charging Station",
    "SC-1": "Supported charging rate units",
    "SC-1.1": "A",
    "SC-1.2": "W",
}
#: certificate rows that only head a group of sub-items
FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    "C-06": ("C-06.1", "C-06.2"), "C-09": ("C-09.1", "C-09.2"), "C-10": ("C-10.1", "C-10.2"),
    "SC-1": ("SC-1.1", "SC-1.2")}
#: the ids under `measurands:` and the id of `cipher_suites:`
MEASURAND_IDS = ("C-09.1", "C-09.2")
CIPHER_SUITES_ID = "C-12"
#: the yes/no ids under `optional_features:`
FEATURE_IDS: tuple[str, ...] = tuple(
    i for i in FEATURE_TITLES if i not in FEATURE_GROUPS and i not in MEASURAND_IDS and i != CIPHER_SUITES_ID)
#: the table of the certificate each feature id is listed in
FEATURE_SECTIONS: dict[str, str] = {
    i: ("Local Authorization List Management" if i.startswith("LA-") else "Remote Trigger" if i.startswith("RT-")
        else "Reservations" if i.startswith("R-") else "Smart Charging" if i.startswith("SC-") else "Core")
    for i in FEATURE_TITLES}

AQ_TITLES: dict[str, str] = {
    "AQ-1": "Can the last CentralSystemRootCertificate can be removed?",
    "AQ-2": "Does the Charging Station have a cable lock, which prevents the EV driver to connect the EV and EVSE "
            "before authorization?",
    "AQ-3": "Can the last ChargePointCertificate be removed?",
    "AQ-4": "Is your Charging Station able to download firmware while there is an ongoing transaction?",
    "AQ-5": "Does your Charging Station enforce a selection of EVSE prior to authorization?",
    "AQ-6": "Does your Charging Station support charging an EV using IEC 61851-1?",
    "AQ-7": "Reporting of StopTransaction after power loss",
    "AQ-7.1": "Charge Point configured to report StopTransaction before going down.",
    "AQ-7.2": "Charge Point configured to report StopTransaction after going down and being back online again.",
    "AQ-9": "Does your Charging Station have at least one connector with an mechanized locking mechanism on "
            "Charging Station side?",
    "AQ-11": "Does your Charging Station support an authorization method, that does not rely on the communication "
             "between EV and Charging Station?",
}
AQ_GROUPS: dict[str, tuple[str, ...]] = {"AQ-7": ("AQ-7.1", "AQ-7.2")}
AQ_IDS: tuple[str, ...] = tuple(i for i in AQ_TITLES if i not in AQ_GROUPS)

ORS_TITLES: dict[str, str] = {
    "ORS-1": "GetConfigurationMaxKeys",
    "ORS-2": "MeterValuesAlignedDataMaxLength",
    "ORS-3": "MeterValuesSampledDataMaxLength",
    "ORS-4": "Minimum MeterValueSampleInterval supported",
    "ORS-5": "Maximum MeterValueSampleInterval supported",
    "ORS-6": "Minimum HeartbeatInterval supported",
    "ORS-7": "Maximum HeartbeatInterval supported",
    "ORS-8": "StopTransactionMaxMeterValues",
    "ORS-9": "StopTxnAlignedDataMaxLength",
    "ORS-10": "StopTxnSampledDataMaxLength",
    "ORS-11": "WebSocketPingInterval",
    "ORS-12": "LocalAuthListMaxLength",
    "ORS-13": "SendLocalListMaxLength",
    "ORS-14": "ChargingProfileMaxStackLevel",
    "ORS-15": "ChargingScheduleMaxPeriods",
    "ORS-16": "Supported file transfer protocols",
    "ORS-17": "CertificateSignedMaxChainSize",
    "ORS-18": "CertificateStoreMaxLength",
    "ORS-19": "MaxChargingProfilesInstalled",
}
#: ORS ids whose value is a list of strings (all others are integers)
ORS_LIST_IDS = ("ORS-16",)
#: ORS ids required only when a feature profile is supported (all others are always required)
ORS_REQUIRED_BY_PROFILE: dict[str, str] = {
    "ORS-12": "LocalAuthListManagement", "ORS-13": "LocalAuthListManagement",
    "ORS-14": "SmartCharging", "ORS-15": "SmartCharging", "ORS-19": "SmartCharging",
    "ORS-16": "FirmwareManagement"}

#: attribute of `Performance` -> (certificate name, certificate description)
PERFORMANCE_TITLES: dict[str, tuple[str, str]] = {
    "ocpp_response_timeout": (
        "OCPP response timeout",
        "The timeout used for exchanging OCPP response messages. Messages to the DUT can be handled within this "
        "timeout."),
    "triggered_function_timeout": (
        "OCPP triggered function timeout",
        "The timeout used for when waiting for an OCPP function with its corresponding request message. Messages "
        "to the DUT can be handled within this timeout. This value excludes firmware, diagnostics and rebooting"),
    "remote_start_to_start_transaction": (
        "Transaction authorization time by RemoteStartTransaction",
        "The time between the RemoteStartTransaction.req message and the corresponding StartTransaction.req. Only "
        "cases where the RemoteStartTransaction immediately results in an authorization followed by a "
        "StartTransaction.req are included."),
    "remote_stop_to_stop_transaction": (
        "Transaction authorization end time by RemoteStopTransaction",
        "The time between the RemoteStopTransaction.req message and the corresponding StopTransaction.req. Only "
        "cases where the RemoteStopTransaction immediately results in an end of the authorization followed by a "
        "StopTransaction.req are included."),
}

SECURITY_PROFILES: dict[int, str] = {
    0: "plain ws:// without authentication",
    1: "ws:// with HTTP Basic authentication",
    2: "TLS (wss://) with HTTP Basic authentication",
    3: "TLS (wss://) with client certificate",
}

# OCPP 1.6 vocabularies.
MEASURANDS = (
    "Current.Export", "Current.Import", "Current.Offered", "Energy.Active.Export.Register",
    "Energy.Active.Import.Register", "Energy.Reactive.Export.Register", "Energy.Reactive.Import.Register",
    "Energy.Active.Export.Interval", "Energy.Active.Import.Interval", "Energy.Reactive.Export.Interval",
    "Energy.Reactive.Import.Interval", "Frequency", "Power.Active.Export", "Power.Active.Import", "Power.Factor",
    "Power.Offered", "Power.Reactive.Export", "Power.Reactive.Import", "RPM", "SoC", "Temperature", "Voltage")
FILE_TRANSFER_PROTOCOLS = ("FTP", "FTPS", "HTTP", "HTTPS", "SFTP")
CURRENT_TYPES = ("AC", "DC")
#: connector types as the certificate writes them (OCPP 2.0.1 ConnectorEnumType: c… = with cable, s… = socket)
CONNECTOR_TYPES = (
    "cCCS1", "cCCS2", "cG105", "cTesla", "cType1", "cType2", "s309-1P-16A", "s309-1P-32A", "s309-3P-16A",
    "s309-3P-32A", "sBS1361", "sCEE-7-7", "sType2", "sType3", "Other1PhMax16A", "Other1PhOver16A", "Other3Ph",
    "Pan", "wInductive", "wResonant", "Undetermined", "Unknown")
CABLE_TYPES = ("Fixed Cable", "Detachable Cable", "Socket")
CONFIGURATION_KEY_ACCESS = ("read-only", "read-write", "write-only")
#: configuration keys whose value is a secret (never in a report, a log or the config id)
SECRET_CONFIGURATION_KEYS = ("AuthorizationKey",)


def title(item_id: str) -> str:
    """The certificate title of any HFS, feature, AQ or ORS id, or of a certification/feature profile."""
    for table in (HFS_TITLES, FEATURE_TITLES, AQ_TITLES, ORS_TITLES, PROFILE_DESCRIPTIONS):
        if item_id in table:
            return table[item_id]
    raise KeyError(f"unknown PICS id {item_id!r}")


# --------------------------------------------------------------------------------------------- dataclasses
@dataclass(frozen=True)
class Product:
    vendor_name: str
    product_designation: str
    charge_point_vendor: str                    # as reported in BootNotification
    charge_point_model: str                     # as reported in BootNotification
    firmware_version: str | None = None         # optional in BootNotification, so in the PICS too
    device_type: str = "Charging Station"
    serial_number: str | None = None            # chargePointSerialNumber (optional)
    firmware_image_sha256: str | None = None


@dataclass(frozen=True)
class CertificateInfo:
    number: str
    holder: str | None = None
    certification_date: str | None = None
    reference_specification: str | None = None
    test_laboratory: str | None = None
    laboratory_location: str | None = None
    test_location: str | None = None
    test_report_reference: str | None = None
    config_id: str | None = None
    octt_version: str | None = None
    octt_instance_id: str | None = None


@dataclass(frozen=True)
class Connector:
    id: int
    current: str            # "AC" | "DC"
    phases: int             # 1..3 (0 for DC)
    type: str               # certificate vocabulary: cType2, sType2, cCCS2, …
    cable: str              # "Fixed Cable" | "Detachable Cable" | "Socket"
    max_current_a: float | None = None      # optional

    @property
    def has_fixed_cable(self) -> bool:
        return self.cable == "Fixed Cable"


@dataclass(frozen=True)
class Hardware:
    detachable_cable: bool          # HFS-1
    fixed_cable: bool               # HFS-2
    ac: bool                        # HFS-3
    dc: bool                        # HFS-4
    phases_1: bool                  # HFS-5
    phases_2: bool                  # HFS-6
    phases_3: bool                  # HFS-7
    connector_count: int            # HFS-8
    communication_technology: tuple[str, ...]   # HFS-9
    rfid_readers: str               # HFS-10
    connectors: tuple[Connector, ...]

    def hfs(self, hfs_id: str) -> bool | int | str | tuple[str, ...]:
        if hfs_id not in HFS_FIELDS:
            raise KeyError(f"unknown HFS id {hfs_id!r}; known ids: {', '.join(HFS_FIELDS)}")
        return getattr(self, HFS_FIELDS[hfs_id][0])


@dataclass(frozen=True)
class MeasurandSupport:
    tested: tuple[str, ...]     # "Tested During Certification"
    declared: tuple[str, ...]   # "Supported According to Vendor"


@dataclass(frozen=True)
class Measurands:
    sampled: MeasurandSupport   # C-09.1 MeterValuesSampled Data
    aligned: MeasurandSupport   # C-09.2 MeterValuesAligned Data

    def by_id(self, item_id: str) -> MeasurandSupport:
        return {"C-09.1": self.sampled, "C-09.2": self.aligned}[item_id]


@dataclass(frozen=True)
class Performance:
    """The vendor's maxima in seconds (first table of "Performance Measurement Result")."""
    ocpp_response_timeout: float
    triggered_function_timeout: float
    remote_start_to_start_transaction: float
    remote_stop_to_stop_transaction: float
    communication_technology: str


@dataclass(frozen=True)
class IdTags:
    valid: str
    valid_2: str
    invalid: str
    blocked: str
    expired: str
    parent_id_tag: str
    with_parent: tuple[str, ...]    # idTags sharing `parent_id_tag`


@dataclass(frozen=True)
class Intervals:
    heartbeat: int
    boot_retry: int
    meter_value_sample: int
    clock_aligned_data: int
    connection_timeout: int


@dataclass(frozen=True)
class Timeouts:
    message: float
    long_operation: float
    physical_action: float = 120.0


@dataclass(frozen=True)
class TestSetup:
    __test__ = False    # not a pytest test class
    charge_point_id: str
    security_profile: int
    basic_auth_password: str | None = field(repr=False)
    connector_id: int
    id_tags: IdTags
    unknown_transaction_id: int
    intervals: Intervals
    timeouts: Timeouts
    tolerate_date_time_without_offset: bool = False
    clock_skew_tolerance: float = 60.0
    boot_answer_delay: float = 1.0
    nominal_voltage: float = 230.0
    schedule_time_deviation: float = 2.0
    property_examples: int = 6


@dataclass(frozen=True)
class ConfigurationKeyDeclaration:
    access: Literal["read-only", "read-write", "write-only"]
    value: str | None = None
    secret: bool = False

    @property
    def read_only(self) -> bool:
        return self.access == "read-only"

    def __repr__(self) -> str:
        value = REDACTED if self.secret and self.value is not None else self.value
        return f"ConfigurationKeyDeclaration(access={self.access!r}, value={value!r}, secret={self.secret})"


_SecretMode = Literal["keep", "redact", "omit"]
_NO_DEFAULT: Any = object()


@dataclass(frozen=True)
class Pics:
    pics_version: int
    product: Product
    certificate: CertificateInfo | None
    certification_profiles: Mapping[str, bool]
    feature_profiles: tuple[str, ...]
    hardware: Hardware
    optional_features: Mapping[str, bool]
    measurands: Measurands
    cipher_suites: tuple[str, ...]
    additional_questions: Mapping[str, bool]
    other_relevant_settings: Mapping[str, int | tuple[str, ...]]
    performance: Performance
    configuration_keys: Mapping[str, ConfigurationKeyDeclaration]
    test_setup: TestSetup
    source: str = field(default="<memory>", compare=False)
    sha256: str = field(default="", compare=False)          # of the file bytes
    text: str | None = field(default=None, repr=False, compare=False)
    secret_spans: tuple[tuple[int, int], ...] = field(default=(), repr=False, compare=False)

    def __hash__(self) -> int:
        return hash(self.config_id())

    # ---- lookups by certificate id
    def feature(self, feature_id: str) -> bool:
        """Optional feature by id; a group id (C-06, C-10, SC-1, C-09, C-12) is true when any item is."""
        if feature_id in self.optional_features:
            return self.optional_features[feature_id]
        if feature_id in MEASURAND_IDS:
            return bool(self.measurands.by_id(feature_id).declared)
        if feature_id == CIPHER_SUITES_ID:
            return bool(self.cipher_suites)
        if feature_id in FEATURE_GROUPS:
            return any(self.feature(i) for i in FEATURE_GROUPS[feature_id])
        raise KeyError(f"unknown feature id {feature_id!r}; known ids: {', '.join(FEATURE_TITLES)}")

    def aq(self, aq_id: str) -> bool:
        if aq_id in self.additional_questions:
            return self.additional_questions[aq_id]
        if aq_id in AQ_GROUPS:
            return any(self.additional_questions[i] for i in AQ_GROUPS[aq_id])
        raise KeyError(f"unknown additional question id {aq_id!r}; known ids: {', '.join(AQ_TITLES)}")

    def ors(self, ors_id: str, default: Any = _NO_DEFAULT) -> int | list[str]:
        """An ORS value; ORS-16 is a list. Raises KeyError when the PICS does not state it (and no default)."""
        if ors_id in self.other_relevant_settings:
            value = self.other_relevant_settings[ors_id]
            return list(value) if isinstance(value, tuple) else value
        if ors_id not in ORS_TITLES:
            raise KeyError(f"unknown ORS id {ors_id!r}; known ids: {', '.join(ORS_TITLES)}")
        if default is not _NO_DEFAULT:
            return default
        raise KeyError(f"{ors_id} ({ORS_TITLES[ors_id]}) is not stated in {self.source}")

    def hfs(self, hfs_id: str) -> bool | int | str | tuple[str, ...]:
        return self.hardware.hfs(hfs_id)

    def value(self, item_id: str) -> Any:
        """The stated value of any HFS, feature, AQ or ORS id."""
        if item_id in HFS_FIELDS:
            return self.hfs(item_id)
        if item_id in FEATURE_TITLES:
            return self.feature(item_id)
        if item_id in AQ_TITLES:
            return self.aq(item_id)
        if item_id in ORS_TITLES:
            return self.ors(item_id, None)
        raise KeyError(f"unknown PICS id {item_id!r}")

    def statement(self, item_id: str) -> str:
        """`"HFS-1 Has a detachable cable = No"`: an id, its certificate title and the stated value."""
        value = self.value(item_id)
        if isinstance(value, bool):
            shown = "Yes" if value else "No"
        elif isinstance(value, (list, tuple)):
            shown = ", ".join(value)
        else:
            shown = "not stated" if value is None else str(value)
        return f"{item_id} {title(item_id)} = {shown}"

    # ---- predicates for applicability, in the test plan's words
    @property
    def has_fixed_cable(self) -> bool:                      # HFS-2
        return self.hardware.fixed_cable

    @property
    def has_detachable_cable(self) -> bool:                 # HFS-1
        return self.hardware.detachable_cable

    @property
    def supports_offline_authorization(self) -> bool:       # C-01
        return self.optional_features["C-01"]

    @property
    def supports_offline_authorization_for_unknown_ids(self) -> bool:   # C-02
        return self.optional_features["C-02"]

    @property
    def has_authorization_cache(self) -> bool:              # C-04
        return self.optional_features["C-04"]

    @property
    def supports_local_start(self) -> bool:                 # C-07
        return self.optional_features["C-07"]

    @property
    def supports_local_stop(self) -> bool:                  # C-08
        return self.optional_features["C-08"]

    @property
    def supports_reservation_of_charge_point(self) -> bool:
        return self.optional_features["R-1"]

    @property
    def charging_rate_units(self) -> tuple[str, ...]:       # SC-1.1 / SC-1.2
        return tuple(u for u, i in (("A", "SC-1.1"), ("W", "SC-1.2")) if self.optional_features[i])

    @property
    def connector_ids(self) -> tuple[int, ...]:
        return tuple(c.id for c in self.hardware.connectors)

    def connector(self, connector_id: int) -> Connector:
        for c in self.hardware.connectors:
            if c.id == connector_id:
                return c
        raise KeyError(f"connector {connector_id} is not in {self.source}; connectors: {self.connector_ids}")

    def supports_profile(self, profile: str) -> bool:
        """Feature profile by its OCPP name ("SmartCharging") or its report name ("Smart Charging")."""
        name = profile.replace(" ", "")
        if name not in FEATURE_PROFILES:
            raise ValueError(f"unknown feature profile {profile!r}; known: {', '.join(FEATURE_PROFILES)}")
        return name in self.feature_profiles

    # ---- secrets, identity, serialisation
    def secrets(self) -> frozenset[str]:
        """Every secret string of this PICS (for redaction of logs, traces and reports)."""
        found = {self.test_setup.basic_auth_password}
        found.update(d.value for d in self.configuration_keys.values() if d.secret)
        return frozenset(s for s in found if s and s != REDACTED)

    def config_id(self) -> str:
        """`XXXXXXXX-XXXXXXXX`: SHA-256 of the canonical JSON of the content, without `certificate` and secrets."""
        content = self.to_dict(secrets="omit")
        content.pop("certificate", None)
        blob = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256(blob.encode("utf-8")).hexdigest().upper()
        return f"{digest[:8]}-{digest[8:16]}"

    def to_dict(self, *, secrets: _SecretMode = "redact") -> dict[str, Any]:
        """The PICS as plain data in the file's layout (lists for tuples); secrets kept, redacted or omitted."""
        def secret(value: str | None) -> str | None:
            if value is None or secrets == "keep":
                return value
            return REDACTED if secrets == "redact" else None

        def plain(obj: Any) -> dict[str, Any]:
            return {k: list(v) if isinstance(v, tuple) else v for k, v in vars(obj).items() if v is not None}

        hw = self.hardware
        hardware: dict[str, Any] = {hid: hw.hfs(hid) for hid in HFS_FIELDS}
        hardware["HFS-9"] = list(hw.communication_technology)
        hardware["connectors"] = [plain(c) for c in hw.connectors]
        keys: dict[str, Any] = {}
        for name, decl in self.configuration_keys.items():
            entry: dict[str, Any] = {"access": decl.access}
            value = secret(decl.value) if decl.secret else decl.value
            if value is not None:
                entry["value"] = value
            keys[name] = entry
        ts = self.test_setup
        setup: dict[str, Any] = {"charge_point_id": ts.charge_point_id, "security_profile": ts.security_profile}
        if secret(ts.basic_auth_password) is not None:
            setup["basic_auth_password"] = secret(ts.basic_auth_password)
        setup.update(connector_id=ts.connector_id, id_tags=plain(ts.id_tags),
                     unknown_transaction_id=ts.unknown_transaction_id, intervals=plain(ts.intervals),
                     timeouts=plain(ts.timeouts),
                     tolerate_date_time_without_offset=ts.tolerate_date_time_without_offset,
                     clock_skew_tolerance=ts.clock_skew_tolerance, boot_answer_delay=ts.boot_answer_delay,
                     nominal_voltage=ts.nominal_voltage, schedule_time_deviation=ts.schedule_time_deviation,
                     property_examples=ts.property_examples)
        out: dict[str, Any] = {"pics_version": self.pics_version, "product": plain(self.product)}
        if self.certificate is not None:
            out["certificate"] = plain(self.certificate)
        out.update(
            certification_profiles=dict(self.certification_profiles),
            feature_profiles=list(self.feature_profiles),
            hardware=hardware,
            optional_features=dict(self.optional_features),
            measurands={i: plain(self.measurands.by_id(i)) for i in MEASURAND_IDS},
            cipher_suites=list(self.cipher_suites),
            additional_questions=dict(self.additional_questions),
            ors={k: list(v) if isinstance(v, tuple) else v for k, v in self.other_relevant_settings.items()},
            performance=plain(self.performance),
            configuration_keys=keys,
            test_setup=setup,
        )
        return out

    def redacted_yaml(self) -> str:
        """The PICS text with every secret replaced by "***" (comments kept); for `reports/<run>/pics.yaml`."""
        from .load import redact_text   # the YAML knowledge lives in load.py
        return redact_text(self)
