"""Unit tests of the reference charge point's blocks that need no socket: the status table, the configuration
catalogue and validation, the PICS reading, the clock, the fault registry and the CLI."""

import datetime as dt
import subprocess
import sys

import pytest
import yaml

from simulator import clock
from simulator.config import Configuration, PicsError, Settings
from simulator.connectors import TRANSITIONS, Connector, Event, IllegalTransition, next_status
from simulator.faults import FAULTS, Faults, UnknownFault
from simulator.persistence import StateStore
from ocpp.v16.enums import ChargePointStatus as S


def test_simulator_never_imports_harness(bench):
    for path in (bench.REPO / "simulator").glob("*.py"):
        text = path.read_text()
        assert "import harness" not in text and "from harness" not in text, path


def test_status_table_covers_only_legal_transitions():
    assert next_status(S.available, Event.OCCUPY) == S.preparing
    assert next_status(S.preparing, Event.START) == S.charging
    assert next_status(S.charging, Event.STOP) == S.finishing
    assert next_status(S.finishing, Event.VACATE) == S.available
    with pytest.raises(IllegalTransition):
        next_status(S.available, Event.START)
    with pytest.raises(IllegalTransition):
        next_status(S.charging, Event.VACATE)
    for status, row in TRANSITIONS.items():
        assert status not in (S.unavailable, S.faulted)           # overlays, not table states
        assert all(target not in (S.unavailable, S.faulted) for target in row.values())


def test_overlays_hide_and_reveal_the_base_status(bench):
    seen = []
    spec = Settings.from_pics(bench.pics()).connectors[0]
    c = Connector(spec, listener=lambda unit: seen.append(unit.status))
    c.fire(Event.OCCUPY)
    c.set_fault("GroundFailure")
    c.fire(Event.VACATE)                  # changes the base under the fault, reported status unchanged
    c.set_fault(None)
    c.set_operative(False)
    c.set_operative(True)
    assert seen == [S.preparing, S.faulted, S.available, S.unavailable, S.available]


def test_settings_from_the_repository_pics_files(bench):
    files = sorted((bench.REPO / "pics").glob("*.yaml"))
    assert files, "no PICS in pics/"
    for path in files:
        settings = Settings.from_pics(yaml.safe_load(path.read_text()))
        assert settings.connectors and settings.charge_point_id
    bsec = bench.REPO / "pics" / "bsec-22k-a2-ccs2-400s.yaml"
    if bsec.exists():
        data = yaml.safe_load(bsec.read_text())
        s = Settings.from_pics(data)
        assert [c.fixed_cable for c in s.connectors] == [True, True]
        product = data["product"]
        assert s.vendor == (product.get("charge_point_vendor") or product["vendor_name"])[:20]   # CiString20
        assert not s.power_loss_stops_before_down


def test_detachable_pics(bench):
    s = Settings.from_pics(bench.detachable_pics())
    assert [(c.id, c.fixed_cable) for c in s.connectors] == [(1, False)]
    with pytest.raises(PicsError):
        Settings.from_pics({"product": {}})


def make_config(tmp_path, pics, faults=()):
    return Configuration(Settings.from_pics(pics), StateStore(tmp_path / "state.json"), Faults(faults))


def test_configuration_validation_and_persistence(tmp_path, bench):
    config = make_config(tmp_path, bench.pics())
    assert config.change("HeartbeatInterval", "30") == "Accepted"
    assert config.change("heartbeatinterval", "x") == "Rejected"
    assert config.change("ConnectorPhaseRotation", "0.RST,1.RST,2.TSR") == "Accepted"
    assert config.change("ConnectorPhaseRotation", "9.RST") == "Rejected"
    assert config.change("MeterValuesSampledData", ",".join(["SoC"] * 8)) == "Rejected"   # ORS-3 = 7
    assert config.change("SecurityProfile", "0") == "Rejected"                           # no downgrade
    assert config.change("AuthorizationKey", "0123456789abcdef") == "Accepted"
    again = make_config(tmp_path, bench.pics())
    assert again.get("HeartbeatInterval") == "30"
    assert again.get("AuthorizationKey") == "0123456789abcdef"
    known, unknown = again.read(None)
    assert "AuthorizationKey" not in {k["key"] for k in known}


def test_optional_keys_follow_the_pics(tmp_path, bench):
    config = make_config(tmp_path, bench.pics(**{"optional_features/C-05": True, "optional_features/C-02": True,
                                                 "feature_profiles": ["Core"]}))
    assert config.has("MinimumStatusDuration") and config.has("AllowOfflineTxForUnknownId")
    assert not config.has("LocalAuthListEnabled") and not config.has("ChargeProfileMaxStackLevel")
    assert config.get("SupportedFeatureProfiles") == "Core"
    vendor = make_config(tmp_path, bench.pics(**{"configuration_keys/VendorKey": {"access": "read-only",
                                                                                   "value": 3}}))
    assert vendor.read(["VendorKey"])[0] == [{"key": "VendorKey", "readonly": True, "value": "3"}]


def test_clock_alignment():
    moment = dt.datetime(2026, 1, 1, 12, 0, 7, 500000, tzinfo=dt.timezone.utc)
    assert clock.next_aligned(20, moment) == dt.datetime(2026, 1, 1, 12, 0, 20, tzinfo=dt.timezone.utc)
    assert clock.iso(moment) == "2026-01-01T12:00:07.500Z"


def test_fault_registry():
    assert all(name == name.lower() and " " not in name for name in FAULTS)
    with pytest.raises(UnknownFault):
        Faults(["no-such-fault"])
    with pytest.raises(KeyError):
        Faults().active("typo-in-code")


def test_cli_list_faults_and_unknown_fault(bench):
    out = subprocess.run([sys.executable, "-m", "simulator", "--list-faults"], cwd=bench.REPO,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    assert [line.split()[0] for line in out.stdout.splitlines()] == list(FAULTS)
    bad = subprocess.run([sys.executable, "-m", "simulator", "--pics", "x", "--url", "ws://h:1",
                          "--fault", "no-such-fault"], cwd=bench.REPO, capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2
    assert "no-such-fault" in bad.stderr and "skip-preparing" in bad.stderr
    missing = subprocess.run([sys.executable, "-m", "simulator", "--pics", "/nonexistent.yaml",
                              "--url", "ws://h:1"], cwd=bench.REPO, capture_output=True, text=True, timeout=30)
    assert missing.returncode == 2
