"""The command line's contract: exit codes a release pipeline gates on, and clear usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import EXIT_NOT_PASSED, EXIT_PASSED, EXIT_USAGE, exit_code_of, main

SEED = Path(__file__).resolve().parents[2] / "pics" / "bsec-22k-a2-ccs2-400s.yaml"


@pytest.mark.parametrize(("verdicts", "code"), [
    (["passed", "passed", "not_applicable"], EXIT_PASSED),
    (["passed", "failed"], EXIT_NOT_PASSED),
    (["passed", "inconclusive"], EXIT_NOT_PASSED),
    (["passed", "error"], EXIT_NOT_PASSED),
    (["not_applicable"], EXIT_NOT_PASSED),
    ([], EXIT_NOT_PASSED),
])
def test_exit_code_is_zero_only_when_every_applicable_case_passed(verdicts, code):
    assert exit_code_of([{"verdict": v} for v in verdicts]) == code


def test_pics_check_of_a_good_pics(capsys):
    assert main(["pics", "check", str(SEED)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "BSEC22K-0001" in out and "harness-demo-key-01" not in out


def test_pics_check_of_a_bad_pics_names_the_field(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SEED.read_text().replace("  HFS-8: 2", "  HFS-8: two"))
    with pytest.raises(SystemExit) as exited:
        main(["pics", "check", str(bad)])
    assert exited.value.code == EXIT_USAGE
    assert "hardware.HFS-8" in capsys.readouterr().err


def _seed_at_profile(tmp_path: Path, profile: int) -> Path:
    path = tmp_path / f"sp{profile}.yaml"
    path.write_text(SEED.read_text().replace("security_profile: 1", f"security_profile: {profile}"))
    return path


def test_pki_prepares_what_a_real_charger_must_trust(tmp_path, capsys):
    pki_dir = tmp_path / "pki"
    assert main(["pki", "--pics", str(_seed_at_profile(tmp_path, 3)), "--pki-dir", str(pki_dir)]) == EXIT_PASSED
    out = capsys.readouterr().out
    assert f"CentralSystemRootCertificate: {pki_dir / 'central-system-root-ca.pem'}" in out
    assert "(CN must be BSEC22K-0001)" in out and (pki_dir / "charge-points" / "BSEC22K-0001.pem").exists()
    assert "PRIVATE" not in out
    root = (pki_dir / "central-system-root-ca.pem").read_bytes()
    assert main(["pki", "--pics", str(_seed_at_profile(tmp_path, 2)), "--pki-dir", str(pki_dir)]) == EXIT_PASSED
    assert (pki_dir / "central-system-root-ca.pem").read_bytes() == root, "kept, not replaced"


def test_pki_is_a_usage_error_without_tls(tmp_path, capsys):
    assert main(["pki", "--pics", str(SEED), "--pki-dir", str(tmp_path / "pki")]) == EXIT_USAGE
    assert "security profile 1 (ws://): no certificates are needed" in capsys.readouterr().err
    assert not (tmp_path / "pki").exists()


def test_report_of_something_that_is_not_a_run(tmp_path):
    assert main(["report", str(tmp_path / "nothing")]) == EXIT_USAGE
    assert main(["report", "diff", str(tmp_path)]) == EXIT_USAGE
