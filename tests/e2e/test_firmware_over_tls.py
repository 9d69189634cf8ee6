"""Firmware Management over the TLS file servers (issue 9): with ORS-16 listing only FTPS, or only HTTPS, the
five cases run end to end against the reference charge point, which trusts the run PKI's root; the bytes move
over that protocol (the trace's file records say so) and no password reaches a trace."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.e2e.runner import SEED_PICS, harness_runner

FIRMWARE_CASES = ("TC_044_1_CS", "TC_044_2_CS", "TC_044_3_CS", "TC_045_1_CS", "TC_045_2_CS")


@pytest.mark.parametrize("protocol", ["FTPS", "HTTPS"])
def test_the_firmware_cases_pass_over_a_tls_file_server(tmp_path, protocol):
    data = yaml.safe_load(SEED_PICS.read_text(encoding="utf-8"))
    data["ors"]["ORS-16"] = [protocol]
    pics = tmp_path / f"seed-{protocol.lower()}.yaml"
    pics.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    outcome = harness_runner(tmp_path)(pics, "--block", "firmware", "--pki-dir", str(tmp_path / "pki"))
    assert {case: outcome.verdict(case) for case in FIRMWARE_CASES} == dict.fromkeys(FIRMWARE_CASES, "passed"), \
        outcome.output[-2000:]
    records = [json.loads(line) for line in
               (outcome.run_dir / "traces" / "TC_044_1_CS.jsonl").read_text(encoding="utf-8").splitlines()]
    transfers = [r for r in records if r.get("type") == "file"]
    assert transfers and {r["protocol"] for r in transfers} == {protocol}
    assert any(r.get("event") == "end" and r.get("sha256") for r in transfers), transfers
    text = (outcome.run_dir / "traces" / "TC_044_1_CS.jsonl").read_text(encoding="utf-8")
    if protocol == "FTPS":
        assert "ftps://harness:***@" in text     # the per-run FTP password is redacted where the URL is traced
    for trace in (outcome.run_dir / "traces").glob("*.jsonl"):
        assert data["test_setup"]["basic_auth_password"] not in trace.read_text(encoding="utf-8")
