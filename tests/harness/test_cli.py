"""The command line's contract: exit codes a release pipeline gates on, and clear usage errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import EXIT_NOT_PASSED, EXIT_PASSED, EXIT_USAGE, exit_code_of, main
from harness.report.model import natural_key

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
    path.write_text(SEED.read_text().replace("security_profile: 2", f"security_profile: {profile}"))
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
    assert main(["pki", "--pics", str(_seed_at_profile(tmp_path, 1)), "--pki-dir", str(tmp_path / "pki")]) == EXIT_USAGE
    assert "security profile 1 (ws://): no certificates are needed" in capsys.readouterr().err
    assert not (tmp_path / "pki").exists()


def test_report_of_something_that_is_not_a_run(tmp_path):
    assert main(["report", str(tmp_path / "nothing")]) == EXIT_USAGE
    assert main(["report", "diff", str(tmp_path)]) == EXIT_USAGE


def test_sim_help_is_the_simulator_s_own(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["sim", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ocpp-harness sim") and "--list-faults" in out and "--control-port" in out


def test_sim_rejects_what_the_simulator_does_not_know(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["sim", "--no-such-option"])
    assert exited.value.code == EXIT_USAGE
    assert "ocpp-harness sim: error: unrecognized arguments: --no-such-option" in capsys.readouterr().err


def _pytest_args_of_run(monkeypatch, tmp_path, *more: str) -> list[str]:
    """The arguments `ocpp-harness run` gives pytest (pytest itself is not run)."""
    seen: list[list[str]] = []

    def fake_main(args):
        seen.append(list(args))
        return pytest.ExitCode.USAGE_ERROR

    monkeypatch.setattr(pytest, "main", fake_main)
    assert main(["run", "--pics", str(SEED), "--report-dir", str(tmp_path), *more]) == EXIT_USAGE
    return seen[0]


def test_run_shows_its_own_console_and_not_pytest_s_unless_verbose(monkeypatch, tmp_path):
    args = _pytest_args_of_run(monkeypatch, tmp_path)
    assert args[args.index("--harness-console") + 1] == "cases"
    assert "-qq" in args and "--no-summary" in args and "-v" not in args
    verbose = _pytest_args_of_run(monkeypatch, tmp_path, "-v")
    assert "-v" in verbose and "-rfEs" in verbose and "--no-summary" not in verbose
    quiet = _pytest_args_of_run(monkeypatch, tmp_path, "-q")
    assert quiet[quiet.index("--harness-console") + 1] == "problems"


def test_cases_run_in_the_order_of_the_test_plan(tmp_path):
    """Collected (not run) with the plug-in: TC_001 < TC_002 < … < TC_004_1 < TC_004_2 < TC_005_1, not the
    alphabetical order of the files (test_cache.py before test_cold_boot.py)."""
    root = SEED.parents[1]
    listed = subprocess.run([sys.executable, "-m", "pytest", "testcases", "--collect-only", "-q", "-p",
                             "no:cacheprovider", "--pics", str(SEED), "--report-dir", str(tmp_path)],
                            cwd=root, capture_output=True, text=True, timeout=120)
    functions = [line.split("::")[1] for line in listed.stdout.splitlines() if "::" in line]
    ids = [_octt_id(root, name) for name in functions]
    assert len(ids) > 70 and ids[:5] == ["TC_001_CS", "TC_002_CS", "TC_003_CS", "TC_004_1_CS", "TC_004_2_CS"]
    assert ids == sorted(ids, key=natural_key)


def _octt_id(root: Path, function: str) -> str:
    """The OCTT id a test function of testcases/ is declared with; a case run per charging rate unit
    (``test_x[A]``) gets the unit's suffix, as its result does (``TC_056_CS[A]``)."""
    name, bracket, unit = function.partition("[")
    for path in (root / "testcases").rglob("test_*.py"):
        text = path.read_text(encoding="utf-8")
        at = text.find(f"def {name}(")
        if at >= 0:
            return text[:at].rsplit("@testcase(", 1)[1].split('"')[1] + bracket + unit
    raise AssertionError(function)


@pytest.mark.parametrize("workers", ["0", "two", "-1"])
def test_workers_must_be_a_number_from_one_or_auto(workers, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["run", "--pics", str(SEED), "-n", workers])
    assert exited.value.code == EXIT_USAGE
    assert "give a number of workers (1, 2, …) or auto" in capsys.readouterr().err


def test_parallel_workers_need_the_reference_charge_point(tmp_path, capsys):
    code = main(["run", "--pics", str(SEED), "--dut", "manual", "-n", "2", "--report-dir", str(tmp_path)])
    assert code == EXIT_USAGE
    assert "-n needs --dut sim" in capsys.readouterr().err
    assert not any(tmp_path.iterdir()), "nothing ran, no run directory"


def test_auto_workers_outnumber_the_cores_within_a_bound():
    from harness.cli import auto_workers

    assert 1 <= auto_workers() <= 8
