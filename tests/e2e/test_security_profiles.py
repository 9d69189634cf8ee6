"""Core cases over wss://: security profile 2 (TLS + Basic auth) and 3 (mutual TLS) with the reference charge
point, end to end, including the reconnection after a hard reset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from harness.pki import CIPHER_SUITES
from testcases.security.test_connection_security import NEW_AUTHORIZATION_KEY
from tests.e2e.runner import DETACHABLE_PICS, SEED_PICS, fast_pics, harness_runner

CASES = "TC_001_CS or TC_003_CS or TC_013_CS"


def _at_profile(source: Path, tmp_path: Path, profile: int) -> Path:
    path = fast_pics(source, tmp_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["test_setup"]["security_profile"] = profile
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("source", "profile"), [(SEED_PICS, 2), (DETACHABLE_PICS, 3)], ids=["sp2", "sp3"])
def test_core_cases_pass_over_tls(source: Path, profile: int, tmp_path: Path) -> None:
    run = harness_runner(tmp_path)
    pki_dir = tmp_path / "pki"
    outcome = run(_at_profile(source, tmp_path, profile), "--pki-dir", str(pki_dir), "-k", CASES)
    assert outcome.exit_code == 0, outcome.output
    assert {r["verdict"] for r in outcome.results.values()} == {"passed"}, outcome.results

    report = json.loads((outcome.run_dir / "certificate.json").read_text(encoding="utf-8"))
    assert report["cipher_suites_negotiated"] == ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (TLSv1.2)"]
    recorded = json.loads((outcome.run_dir / "run.json").read_text(encoding="utf-8"))["pki"]
    rsa_too = source == DETACHABLE_PICS         # its C-12 adds an RSA suite: a second server certificate
    assert set(recorded) == {"directory", "central-system-root-ca.pem", "central-system.pem",
                             *(["central-system-rsa.pem"] if rsa_too else [])}

    opened = [json.loads(line)["detail"] for trace in (outcome.run_dir / "traces").glob("*.jsonl")
              for line in trace.read_text(encoding="utf-8").splitlines() if '"event": "open"' in line]
    assert len(opened) >= 2, "the hard reset reconnects over TLS"
    if profile == 3:
        assert {d["client_certificate_cn"] for d in opened} == {yaml.safe_load(
            source.read_text(encoding="utf-8"))["test_setup"]["charge_point_id"]}

    everything = b"".join(p.read_bytes() for p in outcome.run_dir.rglob("*") if p.is_file())
    assert b"PRIVATE KEY" not in everything
    assert any(pki_dir.glob("*.key")), "the keys stay in the PKI directory"


def test_a_charger_without_the_root_is_told_why_it_never_booted(tmp_path: Path) -> None:
    """The most common TLS set-up mistake in a lab: the report says what the listener saw, not just a timeout."""
    pics = _at_profile(SEED_PICS, tmp_path, 2)
    data = yaml.safe_load(pics.read_text(encoding="utf-8"))
    data["test_setup"]["timeouts"]["long_operation"] = 5
    pics.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    run = harness_runner(tmp_path)
    outcome = run(pics, "--pki-dir", str(tmp_path / "pki"), "-k", "TC_001_CS",
                  "--sim-fault", "central-system-root-not-installed")
    assert outcome.exit_code == 1, outcome.output
    assert outcome.verdict("TC_001_CS") == "inconclusive"
    reason = outcome.reason("TC_001_CS")
    assert "waited 5.0 s for the charge point to connect" in reason
    assert "TLS handshake(s) began and none completed: it does not trust" in reason
    assert "central-system-root-ca.pem" in reason


#: the profiles each security case runs at (testcases/security), as results.jsonl must record them
RUNS_AT = {"TC_073_CS": {1, 2}, "TC_074_CS": {3}, "TC_075_1_CS": {2, 3}, "TC_075_2_CS": {2, 3}, "TC_076_CS": {2, 3},
           "TC_077_CS": {3}, "TC_078_CS": {2, 3}, "TC_083_CS": {1, 2}, "TC_084_CS": {2, 3},
           "TC_085_CS": {1, 2}, "TC_086_CS": {2}, "TC_087_CS": {3}}


@pytest.mark.parametrize(("source", "profile"), [(SEED_PICS, 2), (DETACHABLE_PICS, 3)], ids=["sp2", "sp3"])
def test_security_cases_pass_over_tls(source: Path, profile: int, tmp_path: Path) -> None:
    """The security block in one run, each case at its own profile: the listener and the charger move up
    in band (ChangeConfiguration SecurityProfile) and down out of band (the reference charge point's control
    channel) between cases; TC_084 (a downgrade is Rejected) applies from profile 2, GetLog uploads over the
    run's file servers with the run's own PKI."""
    run = harness_runner(tmp_path)
    outcome = run(_at_profile(source, tmp_path, profile), "--pki-dir", str(tmp_path / "pki"),
                  "-k", " or ".join(sorted(RUNS_AT)) + " or TC_079_CS or TC_080_CS or TC_081_CS")
    assert outcome.exit_code == 0, outcome.output
    verdicts = {case: r["verdict"] for case, r in outcome.results.items()}
    assert set(verdicts.values()) == {"passed"}, verdicts
    for case, profiles in RUNS_AT.items():
        ran_at = outcome.results[case]["security_profile"]
        assert ran_at in profiles and (profile in profiles) <= (ran_at == profile), (case, ran_at)
    claimed = yaml.safe_load(source.read_text(encoding="utf-8"))["cipher_suites"]
    for case in ("TC_086_CS", "TC_087_CS"):      # each claimed suite alone, ECDSA and RSA ones alike
        opened = {json.loads(line)["detail"].get("cipher") for line in (outcome.run_dir / "traces" / f"{case}.jsonl")
                  .read_text(encoding="utf-8").splitlines() if '"event": "open"' in line}
        assert {CIPHER_SUITES[s][0] for s in claimed} <= opened, (case, opened)

    secrets = [b"PRIVATE KEY", yaml.safe_load(source.read_text(encoding="utf-8"))["test_setup"][
        "basic_auth_password"].encode(), NEW_AUTHORIZATION_KEY.encode(), bytes.fromhex(NEW_AUTHORIZATION_KEY)]
    for path in (p for p in outcome.run_dir.rglob("*") if p.is_file()):
        content = path.read_bytes()
        assert not [s for s in secrets if s in content], f"a secret in {path}"


@pytest.mark.parametrize(("source", "profile"), [(DETACHABLE_PICS, 1), (SEED_PICS, 2)], ids=["1to2", "2to3"])
def test_the_security_profile_upgrade_passes_and_is_undone(source: Path, profile: int, tmp_path: Path) -> None:
    """TC_083 raises the charger's profile and restarts the listener; the next case finds both back at the
    PICS's profile (set out of band through the device adapter, as OCPP cannot lower it)."""
    pics = _at_profile(source, tmp_path, profile)
    data = yaml.safe_load(pics.read_text(encoding="utf-8"))
    data["test_setup"]["timeouts"]["long_operation"] = 12      # the quiet wait at the old profile is this long
    pics.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    outcome = harness_runner(tmp_path)(pics, "--pki-dir", str(tmp_path / "pki"), "-k", "TC_083_CS or TC_085_CS")
    assert outcome.exit_code == 0, outcome.output
    assert outcome.verdict("TC_083_CS") == outcome.verdict("TC_085_CS") == "passed", outcome.results
    opened = [json.loads(line)["detail"] for line in (outcome.run_dir / "traces" / "TC_083_CS.jsonl")
              .read_text(encoding="utf-8").splitlines() if '"event": "open"' in line]
    assert opened[-1]["security_profile"] == profile + 1
    after = [json.loads(line)["detail"] for line in (outcome.run_dir / "traces" / "TC_085_CS.jsonl")
             .read_text(encoding="utf-8").splitlines() if '"event": "open"' in line]
    assert {d["security_profile"] for d in after} == {profile}
