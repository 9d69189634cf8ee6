"""Loading a PICS file: YAML -> validated `Pics`, with every problem reported at once, each with field and line.

The file's layout is declared once in spec.py (`PICS_SPEC`), which also generates `pics/schema.json`
(`json_schema()`). Checks that relate several fields are in `_cross_check` below.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Sequence

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from harness.pki import CIPHER_SUITES

from . import model as m
from .spec import _BAD, PICS_SPEC, SEED_HINT, PathT, _dotted, json_schema

_AUTO: Any = object()

__all__ = ["PicsError", "json_schema", "load_pics", "parse_pics", "redact_text"]


# --------------------------------------------------------------------------------------------- the error
class PicsError(Exception):
    """A PICS file that cannot be used. `errors` lists every problem; the first one's fields are on the exception."""

    def __init__(self, source: str, field: str, line: int | None, problem: str,
                 errors: Sequence[PicsError] | None = None) -> None:
        super().__init__(source, field, line, problem)
        self.source, self.field, self.line, self.problem = source, field, line, problem
        self.errors: list[PicsError] = list(errors) if errors else [self]

    def __reduce__(self):
        return type(self), (self.source, self.field, self.line, self.problem,
                            self.errors if self.errors != [self] else None)

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source

    def summary(self) -> str:
        """This one problem: `pics/x.yaml:42: optional_features.C-13: unknown feature id 'C-13'; …`."""
        return ": ".join(p for p in (self.location, self.field, self.problem) if p)

    def __str__(self) -> str:
        if len(self.errors) == 1:
            return self.errors[0].summary()
        lines = [f"{self.source}: {len(self.errors)} problems; fix them all, then load the file again:"]
        lines += [f"  {e.summary()}" for e in self.errors]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------- YAML with lines
@dataclass
class _Doc:
    key_line: dict[PathT, int] = field(default_factory=dict)
    value_line: dict[PathT, int] = field(default_factory=dict)
    span: dict[PathT, tuple[int, int]] = field(default_factory=dict)     # scalar text offsets
    duplicates: list[tuple[PathT, int, int]] = field(default_factory=list)

    def line(self, path: PathT, at: str = "value") -> int | None:
        first, second = (self.key_line, self.value_line) if at == "key" else (self.value_line, self.key_line)
        while True:
            for table in (first, second):
                if path in table:
                    return table[path]
            if not path:
                return None
            path = path[:-1]


def _compose(text: str) -> tuple[Any, _Doc]:
    # libyaml (10x faster) when its marks' indexes are certainly character offsets, i.e. for ASCII text.
    loader_class = yaml.CSafeLoader if text.isascii() and hasattr(yaml, "CSafeLoader") else yaml.SafeLoader
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        doc = _Doc()
        return (None if node is None else _construct(loader, node, (), doc, frozenset())), doc
    finally:
        loader.dispose()


def _construct(loader: Any, node: Node, path: PathT, doc: _Doc, stack: frozenset[int]) -> Any:
    if id(node) in stack:
        raise yaml.constructor.ConstructorError(None, None, "an alias refers to a node that contains it",
                                                node.start_mark)
    doc.value_line[path] = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for knode, vnode in node.value:
            key = loader.construct_object(knode, deep=True)
            try:
                hash(key)
            except TypeError:
                key = str(key)
            p = path + (key,)
            if key in out:
                doc.duplicates.append((p, knode.start_mark.line + 1, doc.key_line[p]))
            doc.key_line[p] = knode.start_mark.line + 1
            out[key] = _construct(loader, vnode, p, doc, stack | {id(node)})
        return out
    if isinstance(node, SequenceNode):
        return [_construct(loader, item, path + (i,), doc, stack | {id(node)}) for i, item in enumerate(node.value)]
    doc.span[path] = (node.start_mark.index, node.end_mark.index)
    return loader.construct_object(node, deep=True)


# --------------------------------------------------------------------------------------------- the checker
class _Checker:
    def __init__(self, source: str, text: str, doc: _Doc, allow_redacted: bool) -> None:
        self.source, self.text, self.doc, self.allow_redacted = source, text, doc, allow_redacted
        self.errors: list[PicsError] = []

    def err(self, path: PathT, problem: str, *, at: str = "value", line: Any = _AUTO) -> None:
        """Record a problem; its line is that of `path` (of its key with at="key") unless `line` is given."""
        if line is _AUTO:
            line = self.doc.line(path, at)
        self.errors.append(PicsError(self.source, _dotted(path), line, problem))

    def raw(self, path: PathT) -> str | None:
        span = self.doc.span.get(path)
        return self.text[span[0]:span[1]] if span else None

    def exception(self) -> PicsError:
        errors = sorted(self.errors, key=lambda e: (e.line is None, e.line or 0))
        if len(errors) == 1:
            return errors[0]
        first = errors[0]
        return PicsError(first.source, first.field, first.line, first.problem, errors)


# --------------------------------------------------------------------------------------------- cross-field checks
_BOOLEAN_CONFIGURATION_KEYS = frozenset((
    "AllowOfflineTxForUnknownId", "AuthorizationCacheEnabled", "AuthorizeRemoteTxRequests", "LocalAuthorizeOffline",
    "LocalPreAuthorize", "StopTransactionOnEVSideDisconnect", "StopTransactionOnInvalidId",
    "UnlockConnectorOnEVSideDisconnect", "LocalAuthListEnabled", "ReserveConnectorZeroSupported",
    "AdditionalRootCertificateCheck"))
# read-only key value -> the feature it rules out
_KEY_RULES_OUT = {("StopTransactionOnEVSideDisconnect", "true"): "C-06.1",
                  ("StopTransactionOnEVSideDisconnect", "false"): "C-06.2",
                  ("UnlockConnectorOnEVSideDisconnect", "true"): "C-10.2",
                  ("UnlockConnectorOnEVSideDisconnect", "false"): "C-10.1"}


def _cross_check(c: _Checker, d: dict[str, Any]) -> None:     # noqa: C901 - a flat list of rules
    hw, feat, aq = d.get("hardware", {}), d.get("optional_features", {}), d.get("additional_questions", {})
    ors, setup, profiles = d.get("ors", {}), d.get("test_setup", {}), d.get("feature_profiles")
    yes = {k for k, v in {**feat, **aq}.items() if v is True}

    def line_of(path: PathT) -> int | None:
        return c.doc.line(path)

    def both(section: str, a: str, b: str, what: str) -> None:
        if a in yes and b in yes:
            c.err((section, a), f"{a} and {b} (line {line_of((section, b))}) are both true, but {what}; "
                                f"set one of them to false")

    # hardware
    if hw.get("HFS-1") is not None and hw.get("HFS-1") == hw.get("HFS-2"):
        c.err(("hardware", "HFS-1"), f"HFS-1 (detachable cable) and HFS-2 (fixed cable, line "
              f"{line_of(('hardware', 'HFS-2'))}) are both {str(hw['HFS-1']).lower()}; exactly one must be true")
    if hw.get("HFS-3") is False and hw.get("HFS-4") is False:
        c.err(("hardware", "HFS-3"), "HFS-3 (AC) and HFS-4 (DC) are both false; at least one must be true")
    if hw.get("HFS-3") is True and not any(hw.get(f"HFS-{n}") for n in (5, 6, 7)) and \
            all(f"HFS-{n}" in hw for n in (5, 6, 7)):
        c.err(("hardware", "HFS-5"), "HFS-3 (AC support) is true but none of HFS-5/6/7 (1, 2, 3 phases) is")
    connectors = hw.get("connectors")
    if connectors is not None and "HFS-8" in hw and hw["HFS-8"] != len(connectors):
        c.err(("hardware", "HFS-8"), f"HFS-8 (No. Connectors) is {hw['HFS-8']} but {len(connectors)} connector"
              f"{'s are' if len(connectors) != 1 else ' is'} listed under hardware.connectors; make them agree")
    for i, con in enumerate(connectors or ()):
        if not all(k in con for k in ("id", "current", "phases", "type", "cable")):
            continue        # already reported
        at = ("hardware", "connectors", i)
        if con["id"] != i + 1:
            c.err(at + ("id",), f"connector {con['id']} is listed as entry {i + 1}; number the connectors 1, 2, 3 "
                                f"… in order (OCPP connectorIds start at 1)")
        if (con["current"] == "AC" and hw.get("HFS-3") is False) or (con["current"] == "DC" and hw.get("HFS-4") is
                                                                      False):
            c.err(at + ("current",), f"connector {con['id']} is {con['current']} but "
                  f"{'HFS-3 (AC support)' if con['current'] == 'AC' else 'HFS-4 (DC support)'} is false")
        if con["current"] == "AC" and con["phases"] == 0:
            c.err(at + ("phases",), f"connector {con['id']} is AC: phases must be 1, 2 or 3")
        elif con["current"] == "AC" and hw.get(phase_id := f"HFS-{4 + con['phases']}") is False:
            c.err(at + ("phases",), f"connector {con['id']} has {con['phases']} phase(s) but {phase_id} "
                                    f"({m.HFS_TITLES[phase_id]}) is false")
        fixed = con["cable"] == "Fixed Cable"
        if hw.get("HFS-2" if fixed else "HFS-1") is False:
            c.err(at + ("cable",), f"connector {con['id']} has cable {con['cable']!r} but "
                  f"{'HFS-2 (fixed cable)' if fixed else 'HFS-1 (detachable cable)'} is false")
        if (fixed and con["type"].startswith("s")) or (not fixed and con["type"].startswith("c")):
            c.err(at + ("type",), f"connector type {con['type']!r} contradicts cable {con['cable']!r} (c… types "
                                  "come with a cable, s… types are sockets)")
    perf_tech = d.get("performance", {}).get("communication_technology")
    if perf_tech is not None and "HFS-9" in hw and perf_tech not in hw["HFS-9"]:
        c.err(("performance", "communication_technology"), f"{perf_tech!r} is not one of the communication "
              f"technologies of HFS-9 ({', '.join(hw['HFS-9'])})")

    # features, additional questions, profiles
    ev_side_key = (d.get("configuration_keys") or {}).get("StopTransactionOnEVSideDisconnect") or {}
    if ev_side_key.get("access") != "read-write":   # a read-write key lets one charger do either, as configured
        both("optional_features", "C-06.1", "C-06.2", "a charger either keeps or ends the authorization when the "
             "cable is disconnected on the EV side (unless StopTransactionOnEVSideDisconnect is declared read-write "
             "in configuration_keys)")
    both("optional_features", "C-10.1", "C-10.2", "a charger either unlocks the connector or not when the cable is "
         "disconnected on the EV side")
    both("additional_questions", "AQ-7.1", "AQ-7.2", "the StopTransaction after a power loss is sent either before "
         "going down or after coming back")
    if feat.get("R-1") is True and feat.get("R-0") is False:
        c.err(("optional_features", "R-1"), "R-1 (reservation of the entire Charging Station) is true but R-0 "
                                            "(reservations) is false; set R-0 to true or R-1 to false")
    if feat.get("C-01") is True and all(feat.get(i) is False for i in ("C-02", "C-04", "LA-0")):
        c.err(("optional_features", "C-01"), "C-01 (offline authorization) is true but the charger has no means "
              "for it: C-02 (unknown ids), C-04 (authorization cache) and LA-0 (local list) are all false")
    if profiles is not None:
        if "Core" not in profiles:
            c.err(("feature_profiles",), "Core is missing: every OCPP 1.6 charger supports the Core profile")
        for fid, profile in (("LA-0", "LocalAuthListManagement"), ("RT-0", "RemoteTrigger"), ("R-0", "Reservation")):
            if fid in feat and feat[fid] != (profile in profiles):
                c.err(("optional_features", fid), f"{fid} ({m.FEATURE_TITLES[fid]}) is {str(feat[fid]).lower()} "
                      f"but feature_profiles {'does not list' if feat[fid] else 'lists'} {profile}; make them agree")
        smart = "SmartCharging" in profiles
        units = [i for i in m.FEATURE_GROUPS["SC-1"] if i in feat]
        if len(units) == 2 and smart and not any(feat[i] for i in units):
            c.err(("optional_features", "SC-1.1"), "feature_profiles lists SmartCharging but neither SC-1.1 (A) nor "
                                                   "SC-1.2 (W) is true; state the charging rate units supported")
        for i in units:
            if feat[i] and not smart:
                c.err(("optional_features", i), f"{i} (charging rate unit {m.FEATURE_TITLES[i]}) is true but "
                      "feature_profiles does not list SmartCharging")
        if d.get("certification_profiles", {}).get("Smart Charging") is True and not smart:
            c.err(("certification_profiles", "Smart Charging"), "the Smart Charging certification profile is "
                  "claimed but feature_profiles does not list SmartCharging")
        if "ors" in d:
            for oid, profile in m.ORS_REQUIRED_BY_PROFILE.items():
                if profile in profiles and oid not in ors:
                    c.err(("ors", oid), f"missing required field {oid!r} ({m.ORS_TITLES[oid]}): it is required "
                          f"because feature_profiles lists {profile}; add `{oid}: …` under `ors:`",
                          line=c.doc.line(("ors",), "key"))

    # measurands
    for mid in m.MEASURAND_IDS:
        ms = d.get("measurands", {}).get(mid)
        if ms and "tested" in ms and "declared" in ms:
            for i, name in enumerate(ms["tested"]):
                if name not in ms["declared"]:
                    c.err(("measurands", mid, "tested", i), f"{name} was tested but is not declared; add it to "
                          f"measurands.{mid}.declared")

    # ORS ranges
    for lo, hi in (("ORS-4", "ORS-5"), ("ORS-6", "ORS-7")):
        if lo in ors and hi in ors and ors[lo] > ors[hi]:
            c.err(("ors", lo), f"{lo} ({m.ORS_TITLES[lo]}) = {ors[lo]} is above {hi} ({m.ORS_TITLES[hi]}) = {ors[hi]}")
    # ORS-16: the Firmware Management cases hand the charger URLs of the harness's own file servers
    from harness.files import SERVED_PROTOCOLS, unserved_reason
    if isinstance(profiles, tuple) and "FirmwareManagement" in profiles and isinstance(ors.get("ORS-16"), tuple):
        for i, protocol in enumerate(ors["ORS-16"]):
            why = unserved_reason(protocol) if isinstance(protocol, str) else None
            if why is not None:
                c.err(("ors", "ORS-16", i), f"ORS-16 ({m.ORS_TITLES['ORS-16']}) lists {protocol}, which the "
                      f"harness cannot serve for the Firmware Management cases ({why}); list only "
                      f"{', '.join(SERVED_PROTOCOLS)}")

    # test setup
    sp = setup.get("security_profile")
    if sp in (1, 2) and setup.get("basic_auth_password") is None and \
            ("test_setup", "basic_auth_password") not in c.doc.value_line:
        c.err(("test_setup", "basic_auth_password"), f"missing required field 'basic_auth_password': security "
              f"profile {sp} uses HTTP Basic authentication; add `basic_auth_password: …` (16 to 40 characters) "
              "under `test_setup:`", line=c.doc.line(("test_setup", "security_profile")))
    if sp == 1 and feat.get("C-11") is False:
        c.err(("test_setup", "security_profile"), "security profile 1 is selected but C-11 (Security Profile 1) is "
                                                  "false; choose another profile or set C-11 to true")
    if sp in (2, 3) and d.get("cipher_suites") == ():
        c.err(("test_setup", "security_profile"), f"security profile {sp} needs TLS but cipher_suites (C-12) is "
                                                  "empty; list the supported cipher suites")
    if sp in (2, 3) and isinstance(d.get("cipher_suites"), tuple):
        for i, suite in enumerate(d["cipher_suites"]):
            if isinstance(suite, str) and suite not in CIPHER_SUITES:
                c.err(("cipher_suites", i), f"security profile {sp} is served with the C-12 suites, and the "
                      f"harness cannot offer {suite}; the ones it can: {', '.join(CIPHER_SUITES)}")
    cid = setup.get("connector_id")
    if cid is not None and connectors and all(isinstance(x, dict) and "id" in x for x in connectors):
        ids = [x["id"] for x in connectors]
        if cid not in ids:
            c.err(("test_setup", "connector_id"), f"connector {cid} is not among the connectors of "
                  f"hardware.connectors ({', '.join(map(str, ids))}); pick one of them")
    intervals = setup.get("intervals", {})
    for key, lo, hi in (("heartbeat", "ORS-6", "ORS-7"), ("meter_value_sample", "ORS-4", "ORS-5")):
        v = intervals.get(key)
        if v is not None and lo in ors and hi in ors and not ors[lo] <= v <= ors[hi]:
            c.err(("test_setup", "intervals", key), f"{v} is out of range: the charger supports {ors[lo]} to "
                  f"{ors[hi]} seconds ({lo} to {hi})")
    timeouts = setup.get("timeouts", {})
    if "message" in timeouts and "long_operation" in timeouts and timeouts["long_operation"] < timeouts["message"]:
        c.err(("test_setup", "timeouts", "long_operation"), "is shorter than timeouts.message")
    seen: dict[str, PathT] = {}
    for key, tag in setup.get("id_tags", {}).items():
        for j, t in enumerate(tag if isinstance(tag, tuple) else (tag,)):
            at = ("test_setup", "id_tags", key) + ((j,) if isinstance(tag, tuple) else ())
            if t in seen:
                c.err(at, f"{t!r} is also {_dotted(seen[t])}; every test idTag must be different")
            else:
                seen[t] = at

    # configuration keys
    for name, decl in d.get("configuration_keys", {}).items():
        if "access" not in decl:
            continue
        value = decl.get("value")
        if name in _BOOLEAN_CONFIGURATION_KEYS and value is not None and value not in ("true", "false"):
            c.err(("configuration_keys", name, "value"), f"{name} is a boolean key: write \"true\" or \"false\"")
        ruled_out = _KEY_RULES_OUT.get((name, value))
        if decl["access"] == "read-only" and ruled_out and feat.get(ruled_out) is True:
            c.err(("optional_features", ruled_out), f"{ruled_out} ({m.FEATURE_TITLES[ruled_out]}) is true, but "
                  f"{name} is read-only with value {value!r} (line {line_of(('configuration_keys', name))})")


# --------------------------------------------------------------------------------------------- building the model
def _build(d: dict[str, Any], source: str, sha256: str, text: str, doc: _Doc) -> m.Pics:
    hw, ts, ms = d["hardware"], d["test_setup"], d["measurands"]
    secret_paths = [("test_setup", "basic_auth_password")] + [
        ("configuration_keys", k, "value") for k in d["configuration_keys"] if k in m.SECRET_CONFIGURATION_KEYS]
    return m.Pics(
        pics_version=d["pics_version"],
        product=m.Product(**d["product"]),
        certificate=None if d["certificate"] is None else m.CertificateInfo(**d["certificate"]),
        certification_profiles=MappingProxyType(dict(d["certification_profiles"])),
        feature_profiles=d["feature_profiles"],
        hardware=m.Hardware(**{attr: hw[hid] for hid, (attr, _) in m.HFS_FIELDS.items()},
                            connectors=tuple(m.Connector(**con) for con in hw["connectors"])),
        optional_features=MappingProxyType(dict(d["optional_features"])),
        measurands=m.Measurands(sampled=m.MeasurandSupport(**ms["C-09.1"]),
                                aligned=m.MeasurandSupport(**ms["C-09.2"])),
        cipher_suites=d["cipher_suites"],
        additional_questions=MappingProxyType(dict(d["additional_questions"])),
        other_relevant_settings=MappingProxyType(dict(d["ors"])),
        performance=m.Performance(**d["performance"]),
        configuration_keys=MappingProxyType({
            k: m.ConfigurationKeyDeclaration(access=v["access"], value=v["value"],
                                             secret=k in m.SECRET_CONFIGURATION_KEYS)
            for k, v in d["configuration_keys"].items()}),
        test_setup=m.TestSetup(
            charge_point_id=ts["charge_point_id"], security_profile=ts["security_profile"],
            basic_auth_password=ts["basic_auth_password"], connector_id=ts["connector_id"],
            id_tags=m.IdTags(**ts["id_tags"]), unknown_transaction_id=ts["unknown_transaction_id"],
            intervals=m.Intervals(**ts["intervals"]), timeouts=m.Timeouts(**ts["timeouts"]),
            tolerate_date_time_without_offset=ts["tolerate_date_time_without_offset"],
            clock_skew_tolerance=ts["clock_skew_tolerance"], boot_answer_delay=ts["boot_answer_delay"],
            nominal_voltage=ts["nominal_voltage"], schedule_time_deviation=ts["schedule_time_deviation"],
            property_examples=ts["property_examples"]),
        source=source, sha256=sha256, text=text,
        secret_spans=tuple(sorted(doc.span[p] for p in secret_paths if p in doc.span)),
    )


# --------------------------------------------------------------------------------------------- public entry points
def parse_pics(text: str, source: str = "<string>", *, allow_redacted: bool = False,
               sha256: str | None = None) -> m.Pics:
    """Parse and validate PICS YAML text. Raises `PicsError` listing every problem.

    `allow_redacted`: accept "***" for secrets (a PICS copied into a report). `sha256`: of the file bytes
    (default: of `text` encoded as UTF-8)."""
    try:
        data, doc = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = "; ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise PicsError(source, "", mark.line + 1 if mark else None,
                        f"not valid YAML: {detail}; check the indentation and the quoting around this line") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise PicsError(source, "", None, f"not valid YAML: {exc}") from None
    if data is None:
        raise PicsError(source, "", None, f"the file is empty; {SEED_HINT}")
    c = _Checker(source, text, doc, allow_redacted)
    for path, line, first in doc.duplicates:
        c.err(path, f"duplicate key {str(path[-1])!r} (first on line {first}); YAML keeps only the last one, so "
                    "delete one of them", line=line)
    clean = PICS_SPEC.check(c, data, ())
    if clean is not _BAD:
        _cross_check(c, clean)
    if c.errors:
        raise c.exception()
    return _build(clean, source, sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(), text, doc)


def load_pics(path: str | Path, *, allow_redacted: bool = False) -> m.Pics:
    """Read, parse and validate a PICS file. Raises `PicsError` (also for an unreadable file)."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PicsError(source, "", None, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise PicsError(source, "", line, "not UTF-8 text; save the file as UTF-8") from None
    return parse_pics(text, source, allow_redacted=allow_redacted, sha256=hashlib.sha256(raw).hexdigest())


def redact_text(pics: m.Pics) -> str:
    """`pics.redacted_yaml()`: the original text (comments kept) with each secret scalar replaced by "***"."""
    secrets = pics.secrets()
    fallback = yaml.safe_dump(pics.to_dict(secrets="redact"), sort_keys=False, allow_unicode=True, width=120)
    if pics.text is None:
        return fallback
    text = pics.text
    for start, end in sorted(set(pics.secret_spans), reverse=True):
        if text[start:end].lstrip()[:1] in ("&", "!", "|", ">"):   # anchors, tags, block scalars: keep it simple
            return fallback
        text = text[:start] + '"***"' + text[end:]
    for s in secrets:
        text = text.replace(s, m.REDACTED)     # also in comments
    try:
        check = parse_pics(text, pics.source, allow_redacted=True)
    except PicsError:
        return fallback
    if check.secrets() or any(s in text for s in secrets):
        return fallback
    return text
