"""The certificate-abstract model of one run, built from the files of its run directory.

Sections come in the order of the seed certificate's "Abstract of the Test Report". Values that come from
the PICS are written as the certificate writes them ("Yes"/"No", numbers, lists); what the run measured or
observed sits beside them (verdicts, features exercised by a passed case, measurands seen on the wire, KPIs).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness import kpi
from harness.pki import CIPHER_SUITES
from harness.report import certificate_text as text
from harness.report.run_files import RunFiles, read_run, safe_name

SCHEMA_VERSION = 1
NOT_DECLARED = "—"
DEFAULT_MEASURAND = "Energy.Active.Import.Register"
NOTHING_FINISHED = "No test case finished in this run."


# ------------------------------------------------------------------------------------------ dataclasses

@dataclass
class Entry:
    label: str
    value: str


@dataclass
class Row:
    id: str
    title: str
    value: str                  # as on the certificate; "" for a group row; NOT_DECLARED when the PICS lacks it
    group: bool = False


@dataclass
class FeatureRow(Row):
    supported: bool | None = None
    exercised_by: list[str] = field(default_factory=list)   # passed cases that list this feature id
    exercised: bool = field(init=False)

    def __post_init__(self) -> None:
        self.exercised = bool(self.exercised_by)


@dataclass
class FeatureTable:
    profile: str
    heading: str
    rows: list[FeatureRow]


@dataclass
class ProductField:
    label: str
    reported: str | None        # in the charger's BootNotification
    declared: str | None        # in the PICS
    mismatch: bool
    note: str = ""


@dataclass
class Product:
    vendor: str                 # chargePointVendor as reported (the PICS value when no BootNotification was seen)
    model: str                  # chargePointModel as reported (idem)
    firmware_version: str       # firmwareVersion as reported (idem)
    vendor_name: str            # PICS: the vendor's name as on the certificate
    product_designation: str    # PICS
    device_type: str            # PICS
    boot_notification: str | None   # where the reported values come from: "TC_001_CS, seq 3"
    fields: list[ProductField]      # reported against declared
    other_reported: dict[str, Any]  # the other BootNotification fields (serial numbers, meter, …)

    @property
    def mismatches(self) -> list[ProductField]:
        return [f for f in self.fields if f.mismatch]


@dataclass
class Counts:
    passed: int = 0
    failed: int = 0
    inconclusive: int = 0
    not_applicable: int = 0
    error: int = 0
    not_run: int = 0

    @property
    def ran(self) -> int:
        return self.passed + self.failed + self.inconclusive + self.error

    @property
    def total(self) -> int:
        return self.ran + self.not_applicable + self.not_run

    def add(self, verdict: str) -> None:
        setattr(self, verdict, getattr(self, verdict) + 1)


def profile_verdict(counts: Counts) -> str:
    """Pass: every applicable case passed and at least one ran. Fail: any failed, inconclusive, error or not
    run (a run that stopped early proves nothing of the cases it did not reach)."""
    if counts.failed or counts.inconclusive or counts.error or counts.not_run:
        return "Fail"
    return "Pass" if counts.passed else "Not tested"


@dataclass
class ProfileResult:
    profile: str
    description: str
    claimed: bool               # the PICS claims the profile
    verdict: str                # Pass / Fail / Not tested
    counts: Counts


@dataclass
class Connector:
    connector: str
    current: str
    phases: str
    type: str
    cable_type: str


@dataclass
class MeasurandRow:
    id: str
    title: str
    tested: list[str]           # PICS: tested during certification
    declared: list[str]         # PICS: supported according to vendor
    observed: list[str]         # seen in MeterValues / StopTransaction frames of this run
    group: bool = False


@dataclass
class SettingsGroup:
    heading: str
    rows: list[Row]


@dataclass
class VendorMaximum:
    name: str
    max_value: float | None
    unit: str
    description: str


@dataclass
class Performance:
    intro: str
    maxima: list[VendorMaximum]
    measured: list[kpi.KpiSummary]
    slowest: dict[str, str]     # KPI name -> "TC_010_CS seq 12" where its max was measured
    communication_technology: str


@dataclass
class Identity:
    tool: str                   # "ocpp-harness 0.1.0": stands where the certificate names the OCTT version
    run_id: str                 # stands where the certificate gives the OCTT instance id
    started_utc: str | None
    ended_utc: str | None
    config_id: str
    pics_path: str
    pics_sha256: str
    firmware_image_sha256: str
    dut_adapter: str
    security_profile: str
    tolerate_date_time_without_offset: str
    command: str
    reference_certificate: list[Entry]   # the certificate the PICS was taken from, if any


@dataclass
class CaseRow:
    id: str
    title: str
    block: str
    profile: str
    verdict: str
    reason: str
    duration_s: float | None
    started_utc: str | None
    trace: str | None           # the .jsonl, relative to the run directory
    trace_page: str | None      # traces/<id>.html, relative to the run directory
    features: list[str]
    warnings: list[str] = field(default_factory=list)   # the baseline before it: answers not as asked
    security_profile: int | None = None     # the profile the listener served when the case began


@dataclass
class RunStatus:
    state: str                  # complete / interrupted / empty
    message: str
    unfinished: list[str]       # cases with a trace and no result
    session: list[str]          # traces of the harness outside any case (traces/_session.jsonl)
    warnings: list[str]


@dataclass
class Report:
    schema_version: int
    title: str
    header: list[Entry]
    overall_verdict: str
    overall: Counts
    status: RunStatus
    product: Product
    profiles: list[ProfileResult]
    hardware_intro: str
    hardware: list[Row]
    connectors: list[Connector]
    features_intro: str
    features: list[FeatureTable]
    measurands: list[MeasurandRow]
    cipher_suites: FeatureRow
    cipher_suites_negotiated: list[str]     # "<IANA suite> (<TLS version>)" of every wss:// connection
    questions_intro: str
    questions: list[Row]
    settings_intro: str
    settings: list[SettingsGroup]
    performance: Performance
    identity: Identity
    cases: list[CaseRow]

    def to_dict(self) -> dict:
        return _plain(asdict(self))


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# ------------------------------------------------------------------------------------------ formatting

def display(value) -> str:
    """A PICS value as the certificate writes it."""
    if value is None:
        return NOT_DECLARED
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(display(v) for v in value) if value else NOT_DECLARED
    return str(value)


def _text(value, default: str = "") -> str:
    return default if value is None else str(value)


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _strings(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [] if value is None else [str(value)]


def natural_key(case_id: str) -> tuple[tuple[int, ...], str]:
    """The order of the test plan: by the numbers of the OCTT id, TC_004_CS < TC_004_1_CS < TC_004_2_CS <
    TC_005_1_CS < TC_043_CS < TC_043_1_CS, and the checks beyond the plan (SC_PROP_1) after every OCTT case;
    the run (harness/plugin.py) and every report list cases so."""
    numbers = tuple(int(number) for number in re.findall(r"\d+", case_id))
    return (0 if case_id.startswith("TC_") else 1, *numbers), case_id


# ------------------------------------------------------------------------------------------ sections

def _product(files: RunFiles, case_order: list[str]) -> Product:
    declared = _mapping(files.pics.get("product"))
    # the earliest BootNotification of the run, whichever trace holds it (the session's, usually)
    boots = [(str(r.get("utc") or ""), rank, int(r.get("seq", 0)), case_id, r)
             for rank, case_id in enumerate(case_order) for r in files.traces.get(case_id, [])
             if r.get("type") == "frame" and r.get("direction") == "cp->cs" and r.get("message_type") == "CALL"
             and r.get("action") == "BootNotification" and isinstance(r.get("payload"), dict)]
    boot, where = {}, None
    if boots:
        *_, case_id, record = min(boots, key=lambda b: b[:3])
        boot, where = record["payload"], f"{case_id}, seq {record.get('seq')}"

    def compare(label, reported_key, declared_value, limit):
        reported = boot.get(reported_key)
        reported = None if reported is None else str(reported)
        declared_value = None if declared_value is None else str(declared_value)
        mismatch = reported is not None and declared_value is not None and reported != declared_value
        note = ""
        if mismatch and len(declared_value) > limit and declared_value.startswith(reported):
            note = (f"the PICS value is longer than the {limit} characters BootNotification allows; "
                    "the charger reports its start")
        elif reported is None:
            note = "no BootNotification in the traces" if where is None else "not in the BootNotification"
        return ProductField(label, reported, declared_value, mismatch, note)

    # charge_point_vendor/_model: what the charger sends (CiString20); older PICS only have the certificate's names
    fields = [
        compare("Vendor (chargePointVendor)", "chargePointVendor",
                declared.get("charge_point_vendor", declared.get("vendor_name")), 20),
        compare("Model (chargePointModel)", "chargePointModel",
                declared.get("charge_point_model", declared.get("product_designation")), 20),
        compare("Firmware version (firmwareVersion)", "firmwareVersion", declared.get("firmware_version"), 50),
    ]
    shown = [f.reported if f.reported is not None else (f.declared or NOT_DECLARED) for f in fields]
    other = {k: v for k, v in boot.items() if k not in ("chargePointVendor", "chargePointModel", "firmwareVersion")}
    return Product(
        vendor=shown[0], model=shown[1], firmware_version=shown[2],
        vendor_name=display(declared.get("vendor_name", shown[0])),
        product_designation=display(declared.get("product_designation")),
        device_type=display(declared.get("device_type")),
        boot_notification=where, fields=fields, other_reported=other)


def _profile_of(result: dict) -> str:
    profile = result.get("profile")
    if isinstance(profile, str) and profile:
        return text.PROFILE_ALIASES.get(profile, profile)
    return text.BLOCK_PROFILES.get(str(result.get("block")), "Core")


def _profiles(files: RunFiles) -> list[ProfileResult]:
    claimed = {str(k): bool(v) for k, v in _mapping(files.pics.get("certification_profiles")).items()}
    counts: dict[str, Counts] = {}
    for result in files.results:
        if _profile_of(result) != text.BEYOND_PLAN:
            counts.setdefault(_profile_of(result), Counts()).add(result["verdict"])
    descriptions = dict(text.PROFILES)
    names = [p for p, _ in text.PROFILES] + sorted((set(claimed) | set(counts)) - set(descriptions))
    rows = []
    for name in names:
        if not claimed.get(name) and name not in counts:
            continue
        c = counts.get(name, Counts())
        rows.append(ProfileResult(name, descriptions.get(name, ""), claimed.get(name, False), profile_verdict(c), c))
    return rows


def _hardware(pics: dict) -> tuple[list[Row], list[Connector]]:
    hardware = _mapping(pics.get("hardware"))
    rows = [Row(item.id, item.title, display(hardware.get(item.id))) for item in text.HARDWARE]
    connectors = []
    for c in hardware.get("connectors") or []:
        c = _mapping(c)
        connectors.append(Connector(display(c.get("id")), display(c.get("current")), display(c.get("phases")),
                                    display(c.get("type")), display(c.get("cable"))))
    return rows, connectors


def _exercised(files: RunFiles) -> dict[str, list[str]]:
    by_feature: dict[str, list[str]] = {}
    for result in files.results:
        if result.get("verdict") == "passed":
            for feature in _strings(result.get("features")):
                by_feature.setdefault(feature, []).append(result["id"])
    return {k: sorted(v, key=natural_key) for k, v in by_feature.items()}


def _features(pics: dict, exercised: dict[str, list[str]]) -> list[FeatureTable]:
    declared = _mapping(pics.get("optional_features"))
    tables = []
    for spec in text.FEATURE_TABLES:
        rows = []
        for item in spec.items:
            if item.group:
                children = [k for k in exercised if k.startswith(item.id + ".")]
                rows.append(FeatureRow(item.id, item.title, "", True, None,
                                       sorted({c for k in children for c in exercised[k]}, key=natural_key)))
                continue
            value = declared.get(item.id)
            rows.append(FeatureRow(item.id, item.title, display(value), False,
                                   value if isinstance(value, bool) else None, exercised.get(item.id, [])))
        tables.append(FeatureTable(spec.profile, spec.heading, rows))
    return tables


def _observed_measurands(files: RunFiles) -> dict[str, set[str]]:
    """Measurands seen in MeterValues and StopTransaction frames: clock-aligned ones (context Sample.Clock)
    count for C-09.2, every other context (default Sample.Periodic) for C-09.1."""
    seen = {"C-09.1": set(), "C-09.2": set()}
    for records in files.traces.values():
        for record in records:
            if not (record.get("type") == "frame" and record.get("direction") == "cp->cs"
                    and record.get("message_type") == "CALL"):
                continue
            payload = _mapping(record.get("payload"))
            if record.get("action") == "MeterValues":
                meter_values = payload.get("meterValue")
            elif record.get("action") == "StopTransaction":
                meter_values = payload.get("transactionData")
            else:
                continue
            for meter_value in meter_values if isinstance(meter_values, list) else []:
                sampled = _mapping(meter_value).get("sampledValue")
                for value in sampled if isinstance(sampled, list) else []:
                    value = _mapping(value)
                    row = "C-09.2" if value.get("context") == "Sample.Clock" else "C-09.1"
                    seen[row].add(str(value.get("measurand") or DEFAULT_MEASURAND))
    return seen


def _measurands(files: RunFiles) -> list[MeasurandRow]:
    declared = _mapping(files.pics.get("measurands"))
    observed = _observed_measurands(files)
    rows = []
    for item in text.MEASURANDS:
        if item.group:
            rows.append(MeasurandRow(item.id, item.title, [], [], [], True))
            continue
        entry = _mapping(declared.get(item.id))
        tested = _strings(entry.get("tested"))
        order: dict[str, int] = {}
        for m in tested + _strings(entry.get("declared")):
            order.setdefault(m, len(order))
        rows.append(MeasurandRow(item.id, item.title, tested, _strings(entry.get("declared")),
                                 sorted(observed[item.id], key=lambda m: (order.get(m, len(order)), m))))
    return rows


def _cipher_suites(pics: dict) -> FeatureRow:
    suites = _strings(pics.get("cipher_suites"))
    return FeatureRow(text.CIPHER_SUITES.id, text.CIPHER_SUITES.title,
                      " ".join(suites) if suites else NOT_DECLARED, False, bool(suites))


def _negotiated_cipher_suites(files: RunFiles) -> list[str]:
    """What the charger really negotiated, from the listener's ``open`` records (empty over ws://)."""
    iana = {openssl: name for name, (openssl, _) in CIPHER_SUITES.items()}
    seen: dict[str, None] = {}
    for records in files.traces.values():
        for record in records:
            detail = _mapping(record.get("detail"))
            if record.get("type") == "connection" and record.get("event") == "open" and detail.get("cipher"):
                seen[f"{iana.get(detail['cipher'], detail['cipher'])} ({detail.get('tls_version')})"] = None
    return list(seen)


def _rows(items, values: dict) -> list[Row]:
    return [Row(i.id, i.title, "" if i.group else display(values.get(i.id)), i.group) for i in items]


def _performance(files: RunFiles, samples: list[kpi.Sample]) -> Performance:
    declared = _mapping(files.pics.get("performance"))
    maxima = []
    for d in kpi.KPIS:
        value = declared.get(d.pics_key)
        value = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        maxima.append(VendorMaximum(d.name, value, "seconds", d.description))
    slowest: dict[str, str] = {}
    for d in kpi.KPIS:
        mine = [s for s in samples if s.kpi == d.key]
        if mine:
            worst = max(mine, key=lambda s: s.nanoseconds)
            slowest[d.name] = f"{worst.case_id} seq {worst.start_seq}→{worst.end_seq}"
    return Performance(text.PERFORMANCE_INTRO, maxima, kpi.summarize(samples, declared), slowest,
                       display(declared.get("communication_technology")))


def _identity(files: RunFiles) -> Identity:
    run, pics = files.run, files.pics
    certificate = _mapping(pics.get("certificate"))
    labels = (("number", "Certificate Number"), ("holder", "Certificate Holder"),
              ("certification_date", "Certification Date"), ("test_laboratory", "Test laboratory"),
              ("test_report_reference", "Test Report Reference"), ("config_id", "Config ID"),
              ("octt_version", "OCTT Version"), ("octt_instance_id", "OCTT Instance ID"),
              ("reference_specification", "Reference specification"))
    command = run.get("command")
    return Identity(
        tool=f"ocpp-harness {_text(run.get('tool_version'), '(unknown version)')}",
        run_id=_text(run.get("run_id"), files.run_dir.name),
        started_utc=run.get("started_utc"), ended_utc=run.get("ended_utc"),
        config_id=_text(run.get("config_id"), _text(certificate.get("config_id"), NOT_DECLARED)),
        pics_path=_text(run.get("pics_path"), NOT_DECLARED),
        pics_sha256=_text(run.get("pics_sha256"), NOT_DECLARED),
        firmware_image_sha256=_text(_mapping(pics.get("product")).get("firmware_image_sha256"), NOT_DECLARED),
        dut_adapter=_text(run.get("dut_adapter"), NOT_DECLARED),
        security_profile=_text(run.get("security_profile"), NOT_DECLARED),
        tolerate_date_time_without_offset=display(run.get("tolerate_date_time_without_offset")),
        command=" ".join(str(a) for a in command) if isinstance(command, list) else _text(command, NOT_DECLARED),
        reference_certificate=[Entry(label, str(certificate[key])) for key, label in labels if key in certificate])


def _cases(files: RunFiles) -> list[CaseRow]:
    """In plan order (by OCTT id): a block whose ids interleave with another's gets a heading each time."""
    rows = []
    for r in files.results:
        case_id = r["id"]
        duration = r.get("duration_s")
        has_trace = case_id in files.traces
        rows.append(CaseRow(
            id=case_id, title=_text(r.get("title")), block=_text(r.get("block"), "other"),
            profile=_profile_of(r), verdict=r["verdict"], reason=_text(r.get("reason")),
            duration_s=float(duration) if isinstance(duration, (int, float)) else None,
            started_utc=r.get("started_utc"), trace=r.get("trace") if has_trace else None,
            trace_page=f"traces/{safe_name(case_id)}.html" if has_trace else None,
            features=_strings(r.get("features")), warnings=_strings(r.get("warnings")),
            security_profile=r["security_profile"] if isinstance(r.get("security_profile"), int) else None))
    rows.sort(key=lambda c: natural_key(c.id))
    return rows


def _status(files: RunFiles) -> RunStatus:
    finished = len(files.results)
    if not finished:
        state, message = "empty", NOTHING_FINISHED
    elif files.run.get("ended_utc") is None or files.unfinished:
        state = "interrupted"
        message = (f"The run did not end normally: this report covers the {finished} test case"
                   f"{'s' if finished != 1 else ''} that finished.")
        interrupted = files.run.get("interrupted")
        if isinstance(interrupted, dict) and interrupted.get("reason"):
            message += f" It was {interrupted['reason']}."     # "interrupted by SIGINT at +1.2 s of TC_002_CS
    else:
        state, message = "complete", f"The run ended; {finished} test case{'s' if finished != 1 else ''} finished."
    return RunStatus(state, message, list(files.unfinished), list(files.session), list(files.warnings))


# ------------------------------------------------------------------------------------------ the report

def collect_samples(files: RunFiles) -> list[kpi.Sample]:
    samples = []
    for case_id, records in files.traces.items():
        samples.extend(kpi.samples_from_trace(case_id, records))
    return samples


def build_report(files: RunFiles) -> Report:
    pics = files.pics
    case_order = files.session + [r["id"] for r in files.results] + files.unfinished
    overall = Counts()
    for result in files.results:
        overall.add(result["verdict"])
    product = _product(files, case_order)
    hardware, connectors = _hardware(pics)
    identity = _identity(files)
    started = identity.started_utc or ""
    header = [
        Entry("Test tool", identity.tool),
        Entry("Test Report Reference", identity.run_id),
        Entry("Test date", started[:10] if started else NOT_DECLARED),
        Entry("Product Designation", product.product_designation),
        Entry("Vendor name", product.vendor_name),
        Entry("Device Under Test", product.device_type),
        Entry("Firmware Version", product.firmware_version),
        Entry("Config ID", identity.config_id),
        Entry("Reported vendor", product.vendor),
        Entry("Reported model", product.model),
    ]
    return Report(
        schema_version=SCHEMA_VERSION,
        title="Abstract of the Test Report",
        header=header,
        overall_verdict=profile_verdict(overall),
        overall=overall,
        status=_status(files),
        product=product,
        profiles=_profiles(files),
        hardware_intro=text.HARDWARE_INTRO,
        hardware=hardware,
        connectors=connectors,
        features_intro=text.FEATURES_INTRO,
        features=_features(pics, _exercised(files)),
        measurands=_measurands(files),
        cipher_suites=_cipher_suites(pics),
        cipher_suites_negotiated=_negotiated_cipher_suites(files),
        questions_intro=text.QUESTIONS_INTRO,
        questions=_rows(text.QUESTIONS, _mapping(pics.get("additional_questions"))),
        settings_intro=text.SETTINGS_INTRO,
        settings=[SettingsGroup(h, _rows(items, _mapping(pics.get("ors")))) for h, items in text.SETTINGS_GROUPS],
        performance=_performance(files, collect_samples(files)),
        identity=identity,
        cases=_cases(files),
    )


def load_report(run_dir: Path) -> tuple[Report, RunFiles]:
    files = read_run(run_dir)
    return build_report(files), files

