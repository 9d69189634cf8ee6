"""The reference charge point's state file stays in the run directory without the AuthorizationKey."""

from __future__ import annotations

import json

from harness.dut.sim import forget_secrets


def test_a_changed_authorization_key_is_dropped_from_the_state_file(tmp_path):
    state = tmp_path / "simulator-state.json"
    state.write_text(json.dumps({"config": {"AuthorizationKey": "s3cret-key-value", "HeartbeatInterval": "2"},
                                 "meters": {"1": 304}}), encoding="utf-8")
    forget_secrets(state)
    text = state.read_text(encoding="utf-8")
    assert "s3cret-key-value" not in text
    assert json.loads(text) == {"config": {"HeartbeatInterval": "2"}, "meters": {"1": 304}}


def test_a_state_file_without_secrets_or_missing_is_left_alone(tmp_path):
    state = tmp_path / "simulator-state.json"
    state.write_text('{"config": {"HeartbeatInterval": "2"}}', encoding="utf-8")
    forget_secrets(state)
    assert state.read_text(encoding="utf-8") == '{"config": {"HeartbeatInterval": "2"}}'
    forget_secrets(tmp_path / "absent.json")
    assert not (tmp_path / "absent.json").exists()
