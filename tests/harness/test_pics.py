"""harness.pics: the PICS model, loading, validation errors (field + line), config id, redaction, JSON Schema."""
from __future__ import annotations

import copy
import json
import pickle
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.pics import (
    AQ_TITLES, FEATURE_TITLES, HFS_FIELDS, HFS_TITLES, ORS_TITLES, PROFILE_DESCRIPTIONS, Connector, Pics, PicsError,
    json_schema, load_pics, parse_pics, title,
)

ROOT = Path(__file__).resolve().parents[2]
SEED_PATH = ROOT / "pics" / "bsec-22k-a2-ccs2-400s.yaml"
REF_PATH = ROOT / "pics" / "reference-cp-detachable.yaml"
SCHEMA_PATH = ROOT / "pics" / "schema.json"
CERTIFICATE = Path("/work/shared/seed-certificate.txt")
SEED = SEED_PATH.read_text(encoding="utf-8")
PASSWORD = "harness-demo-key-01"

needs_certificate = pytest.mark.skipif(not CERTIFICATE.exists(), reason="shared/seed-certificate.txt not present")


@pytest.fixture(scope="module")
def seed() -> Pics:
    return load_pics(SEED_PATH)


@pytest.fixture(scope="module")
def ref() -> Pics:
    return load_pics(REF_PATH)


def edit(old: str, new: str, text: str = SEED) -> str:
    assert text.count(old) == 1, f"{old!r} must occur exactly once in the seed"
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing `needle` (starting with it, if `needle` starts with ^)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(needle[1:]) if needle.startswith("^") else needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def test_a_cipher_suite_the_harness_cannot_offer_stops_a_tls_run(tmp_path: Path) -> None:
    text = edit("- TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "- TLS_CHACHA20_POLY1305_SHA256")
    one_error(tmp_path, text, "cipher_suites[1]", "TLS_CHACHA20_POLY1305_SHA256", "cannot offer TLS_CHACHA20")
    (tmp_path / "sp1.yaml").write_text(edit("security_profile: 2", "security_profile: 1", text), encoding="utf-8")
    load_pics(tmp_path / "sp1.yaml")           # over ws:// the declared suites are only reported


def errors_of(tmp_path: Path, text: str) -> tuple[PicsError, dict[str, PicsError]]:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PicsError) as info:
        load_pics(path)
    err = info.value
    return err, {e.field: e for e in err.errors}


def one_error(tmp_path: Path, text: str, field: str, needle: str, *fragments: str) -> PicsError:
    """Loading `text` fails with an error on `field`, at the line holding `needle`, whose problem has `fragments`."""
    err, _ = errors_of(tmp_path, text)
    candidates = [e for e in err.errors if e.field == field]
    assert candidates, f"no error on {field}; got:\n{err}"
    matching = [e for e in candidates if all(f in e.problem for f in fragments)]
    assert matching, f"no error on {field} says {fragments}; got:\n{err}"
    e = matching[0]
    assert e.line == line_of(text, needle), str(e)
    assert e.source == str(tmp_path / "x.yaml")
    return e


def drop_line(text: str, needle: str) -> str:
    lines = text.splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if needle in line]
    assert len(hits) == 1, needle
    del lines[hits[0]]
    return "".join(lines)


# ------------------------------------------------------------------------------------------ shipped files
def test_both_shipped_pics_load(seed: Pics, ref: Pics) -> None:
    assert seed.source == str(SEED_PATH) and ref.source == str(REF_PATH)
    assert re.fullmatch(r"[0-9a-f]{64}", seed.sha256)
    assert seed.config_id() != ref.config_id()


def test_schema_file_is_in_sync_and_valid_draft_2020_12() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema == json_schema(), "pics/schema.json is stale: regenerate it from harness.pics.json_schema()"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", [SEED_PATH, REF_PATH], ids=lambda p: p.name)
def test_shipped_pics_validate_against_schema(path: Path) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def test_schema_rejects_what_the_loader_rejects() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    for text in (edit("C-11: true", "C-13: true"), edit("    heartbeat: 2", "    heartbeet: 2"),
                 edit("C-01: true", "C-01: 1"), edit('basic_auth_password: "harness-demo-key-01"', "x: 1"),
                 edit("security_profile: 2", "security_profile: 4"), edit('valid: "OCTT-VALID-1"', "valid: " + "V" * 21)):
        assert list(validator.iter_errors(yaml.safe_load(text))), text


# ------------------------------------------------------------------------------------------ the seed model
def test_seed_certificate_and_product(seed: Pics) -> None:
    cert = seed.certificate
    assert cert is not None
    assert cert.config_id == "5629363E-C23A458C"
    assert cert.number == "OCA.0016.1193.CS"
    assert cert.holder == "WENZHOU BLUESKY ENERGY TECHNOLOGY CO.,LTD"
    assert cert.certification_date == "2026-01-30"
    assert cert.test_laboratory == "DNV Singapore Pte Ltd"
    assert cert.test_report_reference == "PICS_PRJ_10576992_AC"
    assert cert.octt_version == "Release_2025-11_v3"
    assert cert.octt_instance_id == "341870e80ca16f1a69fd7246f502e765"
    assert seed.product.product_designation == "BSEC-22K(A)2(CCS2)400S"
    assert seed.product.firmware_version == "9b|Inx1.6-t07"
    assert seed.product.firmware_image_sha256.startswith("e92c84236eae16ca")
    assert dict(seed.certification_profiles) == {"Core": True, "Advanced Security": True, "Smart Charging": True}


def test_seed_hardware(seed: Pics) -> None:
    hw = seed.hardware
    assert (hw.detachable_cable, hw.fixed_cable, hw.ac, hw.dc) == (False, True, True, False)
    assert (hw.phases_1, hw.phases_2, hw.phases_3) == (False, False, True)
    assert hw.connector_count == 2 and seed.connector_ids == (1, 2)
    assert hw.communication_technology == ("Mobile Network", "WiFi", "Ethernet")
    assert seed.hfs("HFS-9") == ("Mobile Network", "WiFi", "Ethernet")
    assert hw.rfid_readers == "Single"
    assert hw.connectors[1] == Connector(id=2, current="AC", phases=3, type="cType2", cable="Fixed Cable")
    assert seed.connector(1).has_fixed_cable
    assert HFS_FIELDS["HFS-9"] == ("communication_technology", "Communication technology")
    assert HFS_FIELDS["HFS-1"] == ("detachable_cable", "Has a detachable cable")


def test_seed_measurands_ciphers_ors_performance(seed: Pics) -> None:
    tested = ("Current.Import", "Temperature", "Energy.Active.Import.Register", "Power.Offered", "Voltage",
              "Power.Active.Import", "SoC")
    declared = ("Current.Import", "Energy.Active.Import.Register", "Power.Active.Import", "Temperature", "SoC",
                "Voltage", "Power.Offered")
    for support in (seed.measurands.sampled, seed.measurands.aligned, seed.measurands.by_id("C-09.2")):
        assert support.tested == tested and support.declared == declared
    assert seed.cipher_suites == ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
    assert seed.ors("ORS-16") == ["FTP"]
    assert (seed.ors("ORS-1"), seed.ors("ORS-5"), seed.ors("ORS-12"), seed.ors("ORS-19")) == (55, 86400, 5000, 20)
    perf = seed.performance
    assert (perf.ocpp_response_timeout, perf.triggered_function_timeout, perf.remote_start_to_start_transaction,
            perf.remote_stop_to_stop_transaction) == (10.0, 10.0, 10.0, 10.0)
    assert perf.communication_technology == "Ethernet"


def test_seed_features_questions_and_predicates(seed: Pics) -> None:
    assert seed.feature("C-11") and not seed.feature("C-02") and seed.feature("C-06.2") and not seed.feature("C-06.1")
    assert seed.feature("C-06") and seed.feature("SC-1") and seed.feature("C-09") and seed.feature("C-12")
    assert seed.aq("AQ-7.2") and not seed.aq("AQ-7.1") and seed.aq("AQ-7") and seed.aq("AQ-11")
    assert seed.has_fixed_cable and not seed.has_detachable_cable
    assert seed.supports_local_start and seed.supports_local_stop
    assert seed.has_authorization_cache and seed.supports_offline_authorization
    assert seed.supports_profile("SmartCharging") and seed.supports_profile("Smart Charging")
    assert seed.supports_profile("LocalAuthListManagement") and seed.charging_rate_units == ("A", "W")
    assert seed.configuration_keys["StopTransactionOnEVSideDisconnect"].read_only
    assert seed.configuration_keys["StopTransactionOnEVSideDisconnect"].value == "true"
    ts = seed.test_setup
    assert (ts.charge_point_id, ts.security_profile, ts.connector_id) == ("BSEC22K-0001", 2, 1)
    assert ts.id_tags.with_parent == ("OCTT-CHILD-1", "OCTT-CHILD-2") and ts.intervals.heartbeat == 2
    assert ts.timeouts.long_operation == 60.0 and ts.tolerate_date_time_without_offset is False
    assert seed.statement("HFS-1") == "HFS-1 Has a detachable cable = No"
    assert seed.statement("ORS-16") == "ORS-16 Supported file transfer protocols = FTP"


def test_lookups_of_unknown_ids_explain_themselves(seed: Pics) -> None:
    with pytest.raises(KeyError, match="C-13.*known ids: C-01"):
        seed.feature("C-13")
    with pytest.raises(KeyError, match="AQ-8"):
        seed.aq("AQ-8")
    with pytest.raises(KeyError, match="ORS-99"):
        seed.ors("ORS-99")
    with pytest.raises(ValueError, match="known: Core"):
        seed.supports_profile("Advanced Security")
    assert title("C-07") == "Support for local start" and title("Core") == PROFILE_DESCRIPTIONS["Core"]


def test_pics_is_immutable(seed: Pics) -> None:
    with pytest.raises(AttributeError):
        seed.test_setup = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        seed.optional_features["C-01"] = False  # type: ignore[index]
    assert hash(seed) == hash(load_pics(SEED_PATH)) and seed == load_pics(SEED_PATH)


def _certificate_rows() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in CERTIFICATE.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if re.fullmatch(r"(HFS|C|LA|RT|R|SC|AQ|ORS)-[0-9.]+", cells[0]) and len(cells) >= 3:
            rows[cells[0]] = (cells[1], cells[2])
    return rows


@needs_certificate
def test_titles_are_copied_exactly_from_the_certificate() -> None:
    rows = _certificate_rows()
    for table in (HFS_TITLES, FEATURE_TITLES, AQ_TITLES, ORS_TITLES):
        for item_id, item_title in table.items():
            assert rows[item_id][0] == item_title, item_id
    text = CERTIFICATE.read_text(encoding="utf-8")
    for profile in ("Core", "Advanced Security", "Smart Charging"):
        assert f"{profile}\tPass\t{PROFILE_DESCRIPTIONS[profile]}" in text


@needs_certificate
def test_every_value_of_the_certificate_is_in_the_seed_model(seed: Pics) -> None:
    checked = 0
    for item_id, (_, answer) in _certificate_rows().items():
        if item_id in ("C-09.1", "C-09.2"):
            tested, declared = answer, _certificate_line(item_id).split("\t")[3]
            support = seed.measurands.by_id(item_id)
            assert (" ".join(support.tested), " ".join(support.declared)) == (tested, declared)
        elif item_id == "C-12":
            assert " ".join(seed.cipher_suites) == answer
        elif answer in ("Yes", "No"):
            assert seed.value(item_id) is (answer == "Yes"), item_id
        elif item_id == "HFS-9":
            assert ", ".join(seed.hfs(item_id)) == answer
        elif answer:
            assert str(seed.value(item_id)) == answer or seed.value(item_id) == [answer], item_id
        else:
            continue    # group headings
        checked += 1
    assert checked == 10 + 18 + 3 + 10 + 19      # HFS, yes/no features, C-09.1/C-09.2/C-12, AQ, ORS


def _certificate_line(item_id: str) -> str:
    return next(ln for ln in CERTIFICATE.read_text(encoding="utf-8").splitlines() if ln.startswith(item_id + "\t"))


# ------------------------------------------------------------------------------------------ the reference PICS
def test_reference_pics_claims_the_opposite_options(seed: Pics, ref: Pics) -> None:
    assert ref.certificate is None
    assert ref.has_detachable_cable and not ref.has_fixed_cable
    assert ref.hardware.connectors == (Connector(1, "AC", 1, "sType2", "Detachable Cable"),)
    for item_id in ("HFS-1", "HFS-2", "HFS-5", "HFS-7", "C-06.1", "C-06.2", "C-10.1", "C-10.2", "C-02", "C-03",
                    "C-05", "AQ-7.1", "AQ-7.2", "AQ-9"):
        assert ref.value(item_id) != seed.value(item_id), item_id
    assert not ref.supports_profile("SmartCharging") and ref.charging_rate_units == ()
    assert ref.ors("ORS-14", None) is None
    with pytest.raises(KeyError, match="not stated"):
        ref.ors("ORS-14")
    assert ref.test_setup.charge_point_id == "REFCP-DETACH-01" and ref.test_setup.security_profile == 1
    assert ref.configuration_keys["StopTransactionOnEVSideDisconnect"].access == "read-write"
    assert ref.configuration_keys["UnlockConnectorOnEVSideDisconnect"].access == "read-write"
    assert (ref.product.vendor_name, ref.product.charge_point_vendor, ref.product.charge_point_model) == (
        "OCPP Harness Project", "OCPP Harness", "RefCP detachable")


def test_boot_notification_identity_fits_cistring20(tmp_path: Path) -> None:
    text = SEED_PATH.read_text().replace('charge_point_model: "BSEC-22K(A)2(CCS2)"', 'charge_point_model: "' + "M" * 21 + '"')
    with pytest.raises(PicsError) as error:
        parse_pics(text, "seed.yaml")
    assert error.value.field == "product.charge_point_model" and "CiString20" in str(error.value)


# ------------------------------------------------------------------------------------------ errors: field + line
def test_unknown_feature_id(tmp_path: Path) -> None:
    text = edit("C-11: true", "C-13: true")
    e = one_error(tmp_path, text, "optional_features.C-13", "C-13: true", "unknown feature id 'C-13'",
                  "; known ids: C-01, C-02", "did you mean 'C-11'?")
    assert e.summary().startswith(f"{tmp_path / 'x.yaml'}:{line_of(text, 'C-13')}: optional_features.C-13: ")
    assert len(errors_of(tmp_path, text)[0].errors) == 1     # "C-11 is missing" is part of the same problem
    one_error(tmp_path, text, "optional_features.C-13", "C-13", "did you mean 'C-11'? C-11 is missing")
    text = drop_line(SEED, "C-11: true")
    one_error(tmp_path, text, "optional_features.C-11", "^optional_features:", "missing required field 'C-11' "
              "(Support for Security Profile 1: Unsecured Transport with Basic Authentication)",
              "add `C-11: true` or `C-11: false` under `optional_features:`")


def test_unknown_key_has_a_suggestion(tmp_path: Path) -> None:
    one_error(tmp_path, edit("    heartbeat: 2", "    heartbeet: 2"), "test_setup.intervals.heartbeet", "heartbeet",
              "unknown key 'heartbeet'", "did you mean 'heartbeat'?")
    one_error(tmp_path, edit("hardware:", "hardwre:"), "hardwre", "hardwre:", "did you mean 'hardware'?")
    one_error(tmp_path, edit("AQ-9: false", "aq-9: false"), "additional_questions.aq-9", "aq-9",
              "unknown additional question id", "did you mean 'AQ-9'?")


def test_unknown_hfs_and_ors_ids(tmp_path: Path) -> None:
    one_error(tmp_path, edit("HFS-10: Single", "HFS-11: Single"), "hardware.HFS-11", "HFS-11", "did you mean")
    one_error(tmp_path, edit("ORS-19: 20", "ORS-20: 20"), "ors.ORS-20", "ORS-20", "unknown ORS id 'ORS-20'")


def test_group_heading_used_as_a_feature(tmp_path: Path) -> None:
    one_error(tmp_path, edit("C-06.1: false", "C-06: false"), "optional_features.C-06", "C-06: false",
              "group heading", "C-06.1 and C-06.2")


@pytest.mark.parametrize(("old", "new", "field", "fragment"), [
    ("C-01: true", "C-01: 1", "optional_features.C-01", "expected true or false, got the integer 1"),
    ("AQ-6: true", 'AQ-6: "true"', "additional_questions.AQ-6", "remove the quotes"),
    ("HFS-8: 2", 'HFS-8: "2"', "hardware.HFS-8", "expected an integer, got the string '2'; remove the quotes"),
    ('charge_point_id: "BSEC22K-0001"', "charge_point_id: 12345", "test_setup.charge_point_id",
     'put it in quotes: "12345"'),
    ("HFS-9: [Mobile Network, WiFi, Ethernet]", "HFS-9: Ethernet", "hardware.HFS-9", "write it as a list: [Ethernet]"),
    ("ORS-16: [FTP]", "ORS-16: [FTPX]", "ors.ORS-16[0]", "did you mean 'FTP'?"),
    ("ocpp_response_timeout: 10", "ocpp_response_timeout: fast", "performance.ocpp_response_timeout",
     "expected a number of seconds"),
    ("  Core: true", "  Core: yes please", "certification_profiles.Core", "expected true or false"),
])
def test_wrong_type(tmp_path: Path, old: str, new: str, field: str, fragment: str) -> None:
    one_error(tmp_path, edit(old, new), field, new.strip(), fragment)


def test_yes_no_are_booleans(tmp_path: Path) -> None:
    pics = parse_pics(edit("C-01: true", "C-01: yes").replace("C-02: false", "C-02: no"))
    assert pics.feature("C-01") is True and pics.feature("C-02") is False


def test_missing_field(tmp_path: Path) -> None:
    one_error(tmp_path, drop_line(SEED, "  connector_id: 1"), "test_setup.connector_id", "test_setup:",
              "missing required field 'connector_id'", "under `test_setup:`")
    one_error(tmp_path, drop_line(SEED, "blocked:"), "test_setup.id_tags.blocked", "  id_tags:",
              "missing required field 'blocked'")
    one_error(tmp_path, drop_line(SEED, "ORS-14:"), "ors.ORS-14",
              "^ors:", "missing required field 'ORS-14'", "SmartCharging")
    one_error(tmp_path, drop_line(SEED, "basic_auth_password:"), "test_setup.basic_auth_password",
              "security_profile: 2", "missing required field 'basic_auth_password'", "security profile 2")


def test_missing_top_level_section_has_no_line(tmp_path: Path) -> None:
    text = SEED[:SEED.index("performance:")] + SEED[SEED.index("# Configuration keys"):]
    _, by_field = errors_of(tmp_path, text)
    assert by_field["performance"].line is None and "missing required field 'performance'" in str(by_field)


@pytest.mark.parametrize(("old", "new", "field", "fragment"), [
    ("HFS-1: false", "HFS-1: true", "hardware.HFS-1", "both true"),
    ("HFS-2: true", "HFS-2: false", "hardware.HFS-1", "both false"),
    ("C-06.1: false", "C-06.1: true", "optional_features.C-06.1", "C-06.1 and C-06.2"),
    ("C-10.1: false", "C-10.1: true", "optional_features.C-10.1", "C-10.1 and C-10.2"),
    ("AQ-7.1: false", "AQ-7.1: true", "additional_questions.AQ-7.1", "AQ-7.1 and AQ-7.2"),
    ("R-0: true", "R-0: false", "optional_features.R-1", "R-1 (reservation of the entire Charging Station)"),
])
def test_contradiction(tmp_path: Path, old: str, new: str, field: str, fragment: str) -> None:
    anchor = field.split(".", 1)[1] + ":"
    one_error(tmp_path, edit(old, new), field, anchor, fragment)


def test_read_only_key_contradicts_feature(tmp_path: Path) -> None:
    text = edit("C-06.1: false", "C-06.1: true").replace("C-06.2: true", "C-06.2: false")
    one_error(tmp_path, text, "optional_features.C-06.1", "C-06.1:", "StopTransactionOnEVSideDisconnect is read-only")


@pytest.mark.parametrize(("old", "new", "field", "fragment"), [
    ("security_profile: 2", "security_profile: 4", "test_setup.security_profile", "must be one of 0, 1, 2, 3"),
    ("  connector_id: 1", "  connector_id: 3", "test_setup.connector_id", "not among the connectors"),
    ("HFS-8: 2", "HFS-8: 3", "hardware.HFS-8", "2 connectors are listed"),
    ("    heartbeat: 2", "    heartbeat: 90000", "test_setup.intervals.heartbeat", "0 to 86400 seconds (ORS-6 to ORS-7)"),
    ("    meter_value_sample: 2", "    meter_value_sample: -1", "test_setup.intervals.meter_value_sample", ">= 0"),
    ('valid: "OCTT-VALID-1"', 'valid: "OCTT-VALID-1-TOO-LONG-X"', "test_setup.id_tags.valid", "CiString20"),
    (PASSWORD, "short", "test_setup.basic_auth_password", "16 to 40 characters"),
    ("ORS-4: 0 ", "ORS-4: 90000 ", "ors.ORS-4", "is above ORS-5"),
    ('invalid: "OCTT-INVALID"', 'invalid: "OCTT-VALID-2"', "test_setup.id_tags.invalid", "must be different"),
    ("{id: 2, current: AC, phases: 3", "{id: 2, current: AC, phases: 1", "hardware.connectors[1].phases", "HFS-5"),
    ("{id: 1, current: AC, phases: 3, type: cType2", "{id: 1, current: AC, phases: 3, type: sType2",
     "hardware.connectors[0].type", "s… types are sockets"),
    ("communication_technology: Ethernet", "communication_technology: LoRa", "performance.communication_technology",
     "HFS-9"),
])
def test_out_of_range(tmp_path: Path, old: str, new: str, field: str, fragment: str) -> None:
    one_error(tmp_path, edit(old, new), field, new.strip(), fragment)


def test_all_errors_are_reported_in_line_order(tmp_path: Path) -> None:
    text = edit("C-01: true", "C-01: 1")
    text = edit("security_profile: 2", "security_profile: 7", text)
    text = edit("HFS-4: false", "HFS-4: nope", text)
    err, by_field = errors_of(tmp_path, text)
    assert list(by_field) == ["hardware.HFS-4", "optional_features.C-01", "test_setup.security_profile"]
    assert [e.line for e in err.errors] == [line_of(text, "HFS-4"), line_of(text, "C-01"), line_of(text, "security_")]
    assert (err.field, err.line) == ("hardware.HFS-4", line_of(text, "HFS-4"))
    message = str(err)
    assert message.startswith(f"{tmp_path / 'x.yaml'}: 3 problems; fix them all")
    assert all(e.summary() in message for e in err.errors)


def test_yaml_syntax_error_and_duplicate_key(tmp_path: Path) -> None:
    text = edit("  HFS-3: true ", "  HFS-3: [true ")
    err, _ = errors_of(tmp_path, text)
    assert err.field == "" and "not valid YAML" in err.problem and err.line is not None
    text = edit("  C-05: false", "  C-05: false\n  C-04: true")
    err, _ = errors_of(tmp_path, text)
    assert (err.field, err.line) == ("optional_features.C-04", line_of(text, "C-05") + 1)   # the second C-04
    assert f"duplicate key 'C-04' (first on line {line_of(text, 'C-04')})" in err.problem


def test_not_a_mapping_empty_unreadable(tmp_path: Path) -> None:
    with pytest.raises(PicsError, match="expected a mapping"):
        parse_pics("- a\n- b\n")
    with pytest.raises(PicsError, match="empty"):
        parse_pics("# nothing\n")
    with pytest.raises(PicsError, match="cannot read"):
        load_pics(tmp_path / "missing.yaml")
    (tmp_path / "bin.yaml").write_bytes(b"pics_version: 1\n\xff\xfe\n")
    with pytest.raises(PicsError, match="UTF-8") as info:
        load_pics(tmp_path / "bin.yaml")
    assert info.value.line == 2


def test_pics_error_pickles(tmp_path: Path) -> None:
    err, _ = errors_of(tmp_path, edit("C-01: true", "C-01: 1").replace("HFS-4: false", "HFS-4: 2"))
    copy = pickle.loads(pickle.dumps(err))
    assert str(copy) == str(err) and len(copy.errors) == 2


# ------------------------------------------------------------------------------------------ config id, secrets
def test_config_id_format_and_stability(seed: Pics) -> None:
    assert re.fullmatch(r"[0-9A-F]{8}-[0-9A-F]{8}", seed.config_id())
    assert parse_pics(SEED).config_id() == seed.config_id()
    reformatted = yaml.safe_dump(yaml.safe_load(SEED), sort_keys=True)     # no comments, other layout
    assert parse_pics(reformatted).config_id() == seed.config_id()


def test_config_id_ignores_certificate_and_password(seed: Pics) -> None:
    no_cert = SEED[:SEED.index("certificate:")] + SEED[SEED.index("certification_profiles:"):]
    assert parse_pics(no_cert).certificate is None
    assert parse_pics(no_cert).config_id() == seed.config_id()
    assert parse_pics(edit('number: "OCA.0016.1193.CS"', 'number: "OCA.9999"')).config_id() == seed.config_id()
    assert parse_pics(edit(PASSWORD, "another-password-0042")).config_id() == seed.config_id()
    assert parse_pics(edit("C-05: false", "C-05: true")).config_id() != seed.config_id()
    assert parse_pics(edit("heartbeat: 2", "heartbeat: 3")).config_id() != seed.config_id()


def test_redacted_yaml_has_no_password(seed: Pics) -> None:
    red = seed.redacted_yaml()
    assert PASSWORD not in red and 'basic_auth_password: "***"' in red
    assert "# AuthorizationKey; never written" in red         # comments kept
    assert parse_pics(red, allow_redacted=True).config_id() == seed.config_id()
    with pytest.raises(PicsError, match="16 to 40"):
        parse_pics(red)
    assert seed.secrets() == frozenset({PASSWORD})
    assert PASSWORD not in repr(seed) and PASSWORD not in json.dumps(seed.to_dict())
    assert seed.to_dict(secrets="keep")["test_setup"]["basic_auth_password"] == PASSWORD
    for wrong in ("1234567890123456789", "short-pw"):     # an error message never repeats the password
        with pytest.raises(PicsError) as info:
            parse_pics(edit(f'"{PASSWORD}"', wrong))
        assert wrong not in str(info.value) and "basic_auth_password" in str(info.value)


def test_authorization_key_configuration_value_is_a_secret(seed: Pics) -> None:
    key = "key-in-config-0123456789"
    text = edit("  AuthorizeRemoteTxRequests:", f'  AuthorizationKey: {{access: write-only, value: "{key}"}}\n'
                                               "  AuthorizeRemoteTxRequests:")
    text = text.replace("# How the harness", f"# the key is {key}\n# How the harness")
    pics = parse_pics(text)
    assert pics.secrets() == frozenset({PASSWORD, key})
    red = pics.redacted_yaml()
    assert key not in red and PASSWORD not in red and key not in repr(pics)
    assert parse_pics(red, allow_redacted=True).configuration_keys["AuthorizationKey"].value == "***"
    other = parse_pics(text.replace(key, "another-key-987654321"))
    assert other.config_id() == pics.config_id()


def test_non_ascii_text_lines_and_redaction(tmp_path: Path) -> None:
    text = edit('vendor_name: "WENZHOU BLUESKY ENERGY TECHNOLOGY CO.,LTD"', 'vendor_name: "Ladesäulen GmbH – Zürich"')
    pics = parse_pics(text)
    assert pics.product.vendor_name == "Ladesäulen GmbH – Zürich"
    assert PASSWORD not in pics.redacted_yaml() and "Zürich" in pics.redacted_yaml()
    one_error(tmp_path, edit("C-11: true", "C-13: true", text), "optional_features.C-13", "C-13", "unknown feature")


def test_to_dict_round_trips(seed: Pics, ref: Pics) -> None:
    for pics in (seed, ref):
        again = parse_pics(yaml.safe_dump(pics.to_dict(secrets="keep")))
        assert again == pics and again.config_id() == pics.config_id()


# ------------------------------------------------------------------------------------------ robustness
def _key_paths(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix + (k,)
            yield from _key_paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield prefix + (i,)
            yield from _key_paths(v, prefix + (i,))


SEED_DATA = yaml.safe_load(SEED)
SEED_PATHS = list(_key_paths(SEED_DATA))


def _mutated(path, value=None, delete=True):
    data = copy.deepcopy(SEED_DATA)
    parent = data
    for p in path[:-1]:
        parent = parent[p]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))


def _loads_or_pics_error(text: str) -> None:
    try:
        parse_pics(text)
    except PicsError as err:
        assert err.errors and all(e.problem for e in err.errors)
        str(err)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEED_PATHS))
def test_deleting_any_key_never_crashes(path) -> None:
    _loads_or_pics_error(_mutated(path))


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 100000), st.floats(allow_nan=True),
                     st.text(max_size=30), st.lists(st.text(max_size=5), max_size=3),
                     st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEED_PATHS), _SCALARS)
def test_replacing_any_value_never_crashes(path, value) -> None:
    _loads_or_pics_error(_mutated(path, value, delete=False))


def test_both_c06_items_are_true_for_a_charger_whose_key_is_read_write(tmp_path: Path) -> None:
    """One charger can keep or end the authorization, as StopTransactionOnEVSideDisconnect says: both items."""
    text = edit("C-06.1: false", "C-06.1: true").replace(
        'StopTransactionOnEVSideDisconnect: {access: read-only, value: "true"}',
        'StopTransactionOnEVSideDisconnect: {access: read-write, value: "true"}')
    path = tmp_path / "both.yaml"
    path.write_text(text, encoding="utf-8")
    pics = load_pics(path)
    assert pics.feature("C-06.1") and pics.feature("C-06.2")


def test_an_uncertified_charger_needs_no_certificate_nor_firmware_version(tmp_path: Path) -> None:
    text = drop_line(SEED, "firmware_version:")
    text = text[:text.index("certificate:")] + text[text.index("certification_profiles:"):]
    path = tmp_path / "uncertified.yaml"
    path.write_text(text, encoding="utf-8")
    pics = load_pics(path)
    assert pics.certificate is None and pics.product.firmware_version is None
