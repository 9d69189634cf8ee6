"""The layout of a PICS file, declared once: it validates a file (`PICS_SPEC.check`) and generates the JSON Schema.

A spec's `check(c, value, path)` returns the cleaned value, or `_BAD` after recording its problem with
`c.err(path, problem)` (`c` is the loader's checker). Checks relating several fields are in load.py.
"""
from __future__ import annotations

import datetime as _dt
import difflib
import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

from . import model as m

PathT = tuple[Any, ...]
_BAD: Any = object()        # a value was rejected (its error is recorded)
_ABSENT: Any = object()     # no default: an optional field that stays absent
SEED_HINT = "start from pics/bsec-22k-a2-ccs2-400s.yaml"


def _dotted(path: PathT) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) and not isinstance(p, bool) else ("." if out else "") + str(p)
    return out


def _describe(v: Any) -> str:
    if v is None:
        return "nothing (null)"
    if isinstance(v, bool):
        return f"the boolean {str(v).lower()}"
    if isinstance(v, int):
        return f"the integer {v}"
    if isinstance(v, float):
        return f"the number {v}"
    if isinstance(v, str):
        return f"the string {v!r}"
    if isinstance(v, (_dt.date, _dt.datetime)):
        return f"the date {v.isoformat()}"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a mapping"
    return f"a {type(v).__name__}"


def _suggest(word: Any, known: Sequence[str]) -> str | None:
    word = str(word)
    for k in known:
        if k.lower() == word.lower():
            return k
    lowered = {k.lower(): k for k in known}
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[hits[0]] if hits else None


# --------------------------------------------------------------------------------------------- field specs
class Spec:
    def check(self, c: _Checker, v: Any, path: PathT) -> Any:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError


class Bool(Spec):
    def check(self, c, v, path):
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and v.strip().lower() in ("true", "false", "yes", "no"):
            hint = "remove the quotes"
        else:
            hint = "write true or false"
        c.err(path, f"expected true or false, got {_describe(v)}; {hint}")
        return _BAD

    def schema(self):
        return {"type": "boolean"}


class Int(Spec):
    def __init__(self, lo: int | None = None, hi: int | None = None, choices: Sequence[int] | None = None,
                 hint: str = "") -> None:
        self.lo, self.hi, self.choices, self.hint = lo, hi, choices, hint

    def check(self, c, v, path):
        if isinstance(v, bool) or not isinstance(v, int):
            hint = "remove the quotes" if isinstance(v, str) and re.fullmatch(r"\s*-?\d+\s*", v) else \
                "write a whole number"
            c.err(path, f"expected an integer, got {_describe(v)}; {hint}")
            return _BAD
        if self.choices is not None and v not in self.choices:
            c.err(path, f"{v} is out of range: must be one of {', '.join(map(str, self.choices))}{self.hint}")
        elif self.lo is not None and v < self.lo:
            c.err(path, f"{v} is out of range: must be >= {self.lo}{self.hint}")
        elif self.hi is not None and v > self.hi:
            c.err(path, f"{v} is out of range: must be <= {self.hi}{self.hint}")
        else:
            return v
        return _BAD

    def schema(self):
        s: dict[str, Any] = {"type": "integer"}
        if self.choices is not None:
            s["enum"] = list(self.choices)
        if self.lo is not None:
            s["minimum"] = self.lo
        if self.hi is not None:
            s["maximum"] = self.hi
        return s


class Num(Spec):
    """A quantity > 0 (integer or decimal), in seconds unless told otherwise."""

    def __init__(self, unit: str = "seconds") -> None:
        self.unit = unit

    def check(self, c, v, path):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            c.err(path, f"expected a number of {self.unit}, got {_describe(v)}; write e.g. 10 or 2.5")
            return _BAD
        if v <= 0:
            c.err(path, f"{v} is out of range: must be > 0 {self.unit}")
            return _BAD
        return float(v)

    def schema(self):
        return {"type": "number", "exclusiveMinimum": 0}


class Str(Spec):
    def __init__(self, *, min_len: int = 1, max_len: int | None = None, choices: Sequence[str] | None = None,
                 pattern: str | None = None, pattern_hint: str = "", why: str = "", nullable: bool = False,
                 date: bool = False) -> None:
        self.min_len, self.max_len, self.choices, self.pattern = min_len, max_len, choices, pattern
        self.pattern_hint, self.why, self.nullable, self.date = pattern_hint, why, nullable, date

    def check(self, c, v, path):
        if v is None and self.nullable:
            return None
        if self.date and isinstance(v, _dt.date) and not isinstance(v, _dt.datetime):
            v = v.isoformat()
        if not isinstance(v, str):
            if isinstance(v, (bool, int, float, _dt.date)):
                hint = f'put it in quotes: "{c.raw(path) or v}"' if self.echo else "put it in quotes"
            else:
                hint = "write a single text value"
            c.err(path, f"expected a string, got {_describe(v)}; {hint}")
            return _BAD
        if self.choices is not None and v not in self.choices:
            s = _suggest(v, self.choices)
            c.err(path, f"{v!r} is not allowed" + (f"; did you mean {s!r}?" if s else "") +
                  f" Allowed: {', '.join(self.choices)}")
            return _BAD
        if not v and self.min_len:
            c.err(path, "must not be empty")
        elif len(v) < self.min_len:
            c.err(path, f"{self.shown(v)} is {len(v)} characters long: at least {self.min_len} are needed{self.why}")
        elif self.max_len is not None and len(v) > self.max_len:
            c.err(path, f"{self.shown(v)} is {len(v)} characters long: at most {self.max_len} are allowed{self.why}")
        elif self.pattern is not None and not re.fullmatch(self.pattern, v):
            c.err(path, f"{self.shown(v)} is malformed: {self.pattern_hint}")
        else:
            return v
        return _BAD

    echo = True     # may messages repeat the value?

    def shown(self, v: str) -> str:
        return repr(v)

    def schema(self):
        s: dict[str, Any] = {"type": ["string", "null"] if self.nullable else "string"}
        if self.choices is not None:
            s["enum"] = list(self.choices) + ([None] if self.nullable else [])
        if self.min_len:
            s["minLength"] = self.min_len
        if self.max_len is not None:
            s["maxLength"] = self.max_len
        if self.pattern is not None:
            s["pattern"] = f"^(?:{self.pattern})$"
        return s


class Secret(Str):
    """A password; "***" (a redacted copy, as in reports/<run>/pics.yaml) passes when loading with allow_redacted."""

    def check(self, c, v, path):
        if v == m.REDACTED and c.allow_redacted:
            return v
        if not isinstance(v, str):
            c.err(path, "expected a string; put the password in quotes")     # without echoing it
            return _BAD
        return super().check(c, v, path)

    echo = False

    def shown(self, v: str) -> str:
        return "the password"    # never echo a secret

    def schema(self):
        return {"anyOf": [super().schema(), {"const": m.REDACTED}]}


class StrList(Spec):
    def __init__(self, item: Str, *, min_items: int = 0, unique: bool = True) -> None:
        self.item, self.min_items, self.unique = item, min_items, unique

    def check(self, c, v, path):
        if isinstance(v, str):
            c.err(path, f"expected a list, got {_describe(v)}; write it as a list: [{v}]")
            return _BAD
        if not isinstance(v, list):
            c.err(path, f"expected a list of strings, got {_describe(v)}; write e.g. [A, B]")
            return _BAD
        out, ok = [], True
        for i, item in enumerate(v):
            r = self.item.check(c, item, path + (i,))
            if r is _BAD:
                ok = False
            elif self.unique and r in out:
                c.err(path + (i,), f"duplicate entry {r!r}; list it once")
                ok = False
            else:
                out.append(r)
        if len(v) < self.min_items:
            c.err(path, f"needs at least {self.min_items} entr{'y' if self.min_items == 1 else 'ies'}")
            ok = False
        return tuple(out) if ok else _BAD

    def schema(self):
        s: dict[str, Any] = {"type": "array", "items": self.item.schema()}
        if self.min_items:
            s["minItems"] = self.min_items
        if self.unique:
            s["uniqueItems"] = True
        return s


class ListOf(Spec):
    def __init__(self, item: Spec, *, min_items: int = 0) -> None:
        self.item, self.min_items = item, min_items

    def check(self, c, v, path):
        if not isinstance(v, list):
            c.err(path, f"expected a list, got {_describe(v)}; write one `- …` entry per line")
            return _BAD
        out = [self.item.check(c, item, path + (i,)) for i, item in enumerate(v)]
        if len(v) < self.min_items:
            c.err(path, f"needs at least {self.min_items} entr{'y' if self.min_items == 1 else 'ies'}")
            return _BAD
        return _BAD if any(r is _BAD for r in out) else tuple(out)

    def schema(self):
        return {"type": "array", "items": self.item.schema(), "minItems": self.min_items}


@dataclass
class F:
    """A field of an `Obj`: its spec, whether it must be given, its default, and its title for messages."""
    spec: Spec
    required: bool = True
    default: Any = _ABSENT
    title: str = ""


class Obj(Spec):
    def __init__(self, fields: dict[str, F], *, noun: str = "key", special: dict[str, str] | None = None,
                 extra_schema: dict[str, Any] | None = None) -> None:
        self.fields, self.noun, self.special, self.extra_schema = fields, noun, special or {}, extra_schema or {}

    def check(self, c, v, path):
        where = f"`{_dotted(path)}:`" if path else "the top level"
        if not isinstance(v, dict):
            c.err(path, f"expected a mapping (`key: value` lines) at {where}, got {_describe(v)}" +
                  ("" if path else f"; {SEED_HINT}"))
            return _BAD
        known = list(self.fields)
        missing = [n for n, f in self.fields.items() if f.required and n not in v]
        explained: set[str] = set()     # missing fields that an unknown key's suggestion already points to
        for k in v:
            if k in self.fields:
                continue
            if k in self.special:
                c.err(path + (k,), self.special[k], at="key")
                continue
            s = _suggest(k, known)
            hint = f" (did you mean {s!r}?)" if s else ""
            if s in missing:
                hint = f" (did you mean {s!r}? {s} is missing)"
                explained.add(s)
            noun_plural = "ids" if self.noun.endswith("id") else "keys"
            c.err(path + (k,), f"unknown {self.noun} {str(k)!r}{hint}; known {noun_plural}: {', '.join(known)}; "
                               "correct the spelling or remove the line", at="key")
        out: dict[str, Any] = {}
        for name, f in self.fields.items():
            if name in v:
                r = f.spec.check(c, v[name], path + (name,))
                if r is not _BAD:
                    out[name] = r
            elif f.required and name not in explained:
                example = f"`{name}: true` or `{name}: false`" if isinstance(f.spec, Bool) else f"`{name}: …`"
                what = f.title.removeprefix(f"{name}: ")
                c.err(path + (name,), f"missing required field {name!r}" + (f" ({what})" if what else "") +
                      f"; add {example} under {where}", line=c.doc.line(path, "key") if path else None)
            elif f.default is not _ABSENT:
                out[name] = f.default
        return out

    def schema(self):
        s: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}
        for name, f in self.fields.items():
            prop = f.spec.schema()
            if f.title:
                prop = {"description": f.title, **prop}
            s["properties"][name] = prop
        required = [n for n, f in self.fields.items() if f.required]
        if required:
            s["required"] = required
        s.update(self.extra_schema)
        return s


class DictOf(Spec):
    """A mapping with free keys (configuration key names) and one spec for every value."""

    def __init__(self, value: Spec, *, key_pattern: str, key_hint: str) -> None:
        self.value, self.key_pattern, self.key_hint = value, key_pattern, key_hint

    def check(self, c, v, path):
        if v is None:
            return {}
        if not isinstance(v, dict):
            c.err(path, f"expected a mapping, got {_describe(v)}")
            return _BAD
        out = {}
        for k, item in v.items():
            if not isinstance(k, str) or not re.fullmatch(self.key_pattern, k):
                c.err(path + (k,), f"{str(k)!r} is not a valid name: {self.key_hint}", at="key")
                continue
            r = self.value.check(c, item, path + (k,))
            if r is not _BAD:
                out[k] = r
        return out

    def schema(self):
        return {"type": "object", "propertyNames": {"pattern": self.key_pattern},
                "additionalProperties": self.value.schema()}


# --------------------------------------------------------------------------------------------- the PICS layout
_ID_TAG = Str(max_len=20, why=" (an idTag is a CiString20)")
_NAME = Str(max_len=200)


def _bools(titles: dict[str, str], ids: Sequence[str]) -> dict[str, F]:
    return {i: F(Bool(), title=f"{i}: {titles[i]}") for i in ids}


def _group_hint(group: str, items: Sequence[str], section: str = "") -> str:
    return (f"{group} is a group heading on the certificate, not a yes/no item; state its items "
            f"{' and '.join(items)} instead") if not section else f"{group} belongs under `{section}:`, not here"


PICS_SPEC = Obj({
    "pics_version": F(Int(choices=(1,), hint=" (this harness reads PICS format version 1)")),
    "product": F(Obj({
        "vendor_name": F(_NAME, title="Vendor name, as on the certificate; also sent as CpoName"),
        "product_designation": F(_NAME),
        # What the charger reports in BootNotification (CiString20 each); the certificate's vendor name and
        # designation are longer than that, so they are separate fields.
        "charge_point_vendor": F(Str(max_len=20, why=" (BootNotification chargePointVendor is a CiString20)"),
                                 title="chargePointVendor as the charger reports it"),
        "charge_point_model": F(Str(max_len=20, why=" (BootNotification chargePointModel is a CiString20)"),
                                title="chargePointModel as the charger reports it"),
        "firmware_version": F(Str(max_len=50, why=" (BootNotification firmwareVersion is a CiString50)"),
                              required=False, default=None,
                              title="firmwareVersion as the charger reports it (optional in BootNotification)"),
        "device_type": F(_NAME, required=False, default="Charging Station"),
        "serial_number": F(Str(max_len=25, why=" (BootNotification chargePointSerialNumber is a CiString25)"),
                           required=False, default=None, title="chargePointSerialNumber, when the charger sends one"),
        "firmware_image_sha256": F(_NAME, required=False, default=None,
                                   title="as printed on the certificate (which may hold typos)"),
    })),
    "certificate": F(Obj({
        "number": F(_NAME),
        "holder": F(_NAME, required=False, default=None),
        "certification_date": F(Str(date=True, pattern=r"\d{4}-\d{2}-\d{2}", pattern_hint="write YYYY-MM-DD"),
                                required=False, default=None),
        "reference_specification": F(Str(max_len=500), required=False, default=None),
        "test_laboratory": F(_NAME, required=False, default=None),
        "laboratory_location": F(_NAME, required=False, default=None),
        "test_location": F(_NAME, required=False, default=None),
        "test_report_reference": F(_NAME, required=False, default=None),
        "config_id": F(Str(pattern=r"[0-9A-F]{8}-[0-9A-F]{8}", pattern_hint="write 8 hex digits, a dash, 8 hex "
                                                                             "digits, upper case"),
                       required=False, default=None, title="the laboratory's Config ID"),
        "octt_version": F(_NAME, required=False, default=None),
        "octt_instance_id": F(_NAME, required=False, default=None),
    }), required=False, default=None, title="the certificate this PICS comes from (absent for an uncertified CP)"),
    "certification_profiles": F(Obj({p: F(Bool(), title=m.PROFILE_DESCRIPTIONS[p])
                                      for p in m.CERTIFICATION_PROFILES}, noun="certification profile")),
    "feature_profiles": F(StrList(Str(choices=m.FEATURE_PROFILES), min_items=1),
                          title="the value of the SupportedFeatureProfiles configuration key"),
    "hardware": F(Obj({
        **{hid: F(Bool(), title=f"{hid}: {t}") for hid, t in list(m.HFS_TITLES.items())[:7]},
        "HFS-8": F(Int(lo=1), title="HFS-8: No. Connectors"),
        "HFS-9": F(StrList(Str(max_len=100), min_items=1), title="HFS-9: Communication technology"),
        "HFS-10": F(Str(max_len=100), title="HFS-10: RFID readers"),
        "connectors": F(ListOf(Obj({
            "id": F(Int(lo=1)),
            "current": F(Str(choices=m.CURRENT_TYPES)),
            "phases": F(Int(lo=0, hi=3, hint=" (1, 2 or 3 for AC; 0 for DC)")),
            "type": F(Str(choices=m.CONNECTOR_TYPES)),
            "cable": F(Str(choices=m.CABLE_TYPES)),
            "max_current_a": F(Num("A"), required=False, default=None, title="maximum current in A (optional)"),
        }), min_items=1)),
    })),
    "optional_features": F(Obj(_bools(m.FEATURE_TITLES, m.FEATURE_IDS), noun="feature id", special={
        "C-06": _group_hint("C-06", m.FEATURE_GROUPS["C-06"]),
        "C-10": _group_hint("C-10", m.FEATURE_GROUPS["C-10"]),
        "SC-1": _group_hint("SC-1", m.FEATURE_GROUPS["SC-1"]),
        "C-09": _group_hint("C-09", (), "measurands"), "C-09.1": _group_hint("C-09.1", (), "measurands"),
        "C-09.2": _group_hint("C-09.2", (), "measurands"), "C-12": _group_hint("C-12", (), "cipher_suites")})),
    "measurands": F(Obj({i: F(Obj({
        "tested": F(StrList(Str(choices=m.MEASURANDS)), title="Tested During Certification"),
        "declared": F(StrList(Str(choices=m.MEASURANDS)), title="Supported According to Vendor"),
    }), title=f"{i}: {m.FEATURE_TITLES[i]}") for i in m.MEASURAND_IDS}, noun="measurand id")),
    "cipher_suites": F(StrList(Str(pattern=r"TLS_[A-Z0-9_]+", pattern_hint="write the IANA name, e.g. "
                                                                           "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")),
                       title="C-12: Supported Cipher Suites"),
    "additional_questions": F(Obj(_bools(m.AQ_TITLES, m.AQ_IDS), noun="additional question id",
                                  special={"AQ-7": _group_hint("AQ-7", m.AQ_GROUPS["AQ-7"])})),
    "ors": F(Obj({i: F(StrList(Str(choices=m.FILE_TRANSFER_PROTOCOLS), min_items=1) if i in m.ORS_LIST_IDS
                       else Int(lo=0), required=i not in m.ORS_REQUIRED_BY_PROFILE, title=f"{i}: {t}")
                  for i, t in m.ORS_TITLES.items()}, noun="ORS id")),
    "performance": F(Obj({
        **{k: F(Num(), title=f"{name} (max, seconds)") for k, (name, _) in m.PERFORMANCE_TITLES.items()},
        "communication_technology": F(Str(max_len=100),
                                      title="Communication technology used during performance measurement"),
    })),
    "configuration_keys": F(DictOf(Obj({
        "access": F(Str(choices=m.CONFIGURATION_KEY_ACCESS)),
        "value": F(Str(min_len=0, max_len=500, nullable=True), required=False, default=None),
    }), key_pattern=r"[A-Za-z][A-Za-z0-9_.-]{0,49}", key_hint="a configuration key name (CiString50)"),
        required=False, default={}, title="configuration keys whose access or default the vendor declares"),
    "test_setup": F(Obj({
        "charge_point_id": F(Str(max_len=48, pattern=r"[A-Za-z0-9._~-]+",
                                 pattern_hint="use letters, digits and . _ ~ - only (it is a URL path segment "
                                              "and the Basic-auth user name)")),
        "security_profile": F(Int(choices=tuple(m.SECURITY_PROFILES), hint=" (" + "; ".join(
            f"{k} = {v}" for k, v in m.SECURITY_PROFILES.items()) + ")")),
        "basic_auth_password": F(Secret(min_len=16, max_len=40, why=" (AuthorizationKey: 16 to 40 characters)"),
                                 required=False, default=None,
                                 title="AuthorizationKey, the Basic-auth password (security profiles 1 and 2)"),
        "connector_id": F(Int(lo=1), title="the connector the test cases use"),
        "id_tags": F(Obj({
            "valid": F(_ID_TAG), "valid_2": F(_ID_TAG), "invalid": F(_ID_TAG), "blocked": F(_ID_TAG),
            "expired": F(_ID_TAG), "parent_id_tag": F(_ID_TAG),
            "with_parent": F(StrList(_ID_TAG, min_items=2), title="idTags sharing parent_id_tag"),
        })),
        "unknown_transaction_id": F(Int()),
        "intervals": F(Obj({k: F(Int(lo=0), title=t) for k, t in (
            ("heartbeat", "HeartbeatInterval, seconds; within [ORS-6, ORS-7]"),
            ("boot_retry", "interval of a Rejected or Pending BootNotification.conf, seconds"),
            ("meter_value_sample", "MeterValueSampleInterval, seconds; within [ORS-4, ORS-5]"),
            ("clock_aligned_data", "ClockAlignedDataInterval, seconds"),
            ("connection_timeout", "ConnectionTimeOut, seconds"))})),
        "timeouts": F(Obj({"message": F(Num(), title="default wait for one expected message, seconds"),
                           "long_operation": F(Num(), title="reboots, reconnects, file transfers, seconds"),
                           "physical_action": F(Num(), required=False, default=120.0,
                                                title="manual mode: the wait for the first effect of a physical "
                                                      "action a person performs, seconds")})),
        "tolerate_date_time_without_offset": F(Bool(), required=False, default=False),
        "clock_skew_tolerance": F(Num(), required=False, default=60.0,
                                  title="how far a transaction message's own timestamp may lie before the start of "
                                        "the case before it counts as a late delivery, seconds"),
        "boot_answer_delay": F(Num(), required=False, default=1.0,
                               title="how long the Central System waits before it answers a BootNotification inside "
                                     "a case, so a request sent before the answer shows, seconds"),
        "nominal_voltage": F(Num(), required=False, default=230.0,
                             title="Smart Charging: the nominal voltage per phase that converts A and W "
                                   "(W = A x voltage x phases), volts"),
        "schedule_time_deviation": F(Num(), required=False, default=2.0,
                                     title="Smart Charging: the plan's max time deviation, how far a composite "
                                           "schedule's scheduleStart may lie from the request, seconds"),
        "property_examples": F(Int(lo=1), required=False, default=6,
                               title="Smart Charging: how many generated profile sets the property block SC_PROP_1 "
                                     "tries (per charging rate unit); a fixed seed keeps them reproducible"),
    }, extra_schema={"if": {"properties": {"security_profile": {"enum": [1, 2]}}, "required": ["security_profile"]},
                     "then": {"required": ["basic_auth_password"]}})),
})


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a PICS file; `pics/schema.json` is this, written out."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "OCPP 1.6J PICS (ocpp-harness)",
            "description": "Protocol Implementation Conformance Statement of a charge point. Checks that relate "
                           "several fields (contradictions, ranges set by ORS values) are made by harness.pics.",
            **PICS_SPEC.schema()}
