"""Device control through each adapter: what a vendor's bench or a person at the charger experiences."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
import yaml

from harness.csms.trace import Trace
from harness.dut import DeviceControl, plugin_manager
from harness.dut.command import CommandAdapter, CommandConfigError
from harness.dut.manual import ManualAdapter
from harness.verdicts import Inconclusive



def control(*adapters: object) -> DeviceControl:
    trace = Trace()
    trace.begin(None)
    return DeviceControl(plugin_manager(*adapters), trace)


def bench_file(tmp_path: Path, actions: dict) -> Path:
    path = tmp_path / "bench.yaml"
    path.write_text(yaml.safe_dump({"timeout_s": 5, "actions": actions}))
    return path


async def test_command_adapter_runs_argv_with_values_filled_in(tmp_path):
    log = tmp_path / "log.txt"
    script = f"import sys; open({str(log)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')"
    bench = CommandAdapter.from_file(bench_file(tmp_path, {
        "plug_in": [sys.executable, "-c", script, "plug", "{connector}", "{side}"],
        "network": [sys.executable, "-c", script, "net", "{up}"],
    }))
    dut = control(bench)
    await dut.plug_in(2, "ev")
    await dut.network(False)
    assert log.read_text().splitlines() == ["plug 2 ev", "net false"]
    assert [r["outcome"] for r in dut.trace.records] == ["done", "done"]


async def test_command_adapter_failure_is_inconclusive_with_stderr(tmp_path):
    bench = CommandAdapter.from_file(bench_file(tmp_path, {
        "power_cycle": [sys.executable, "-c", "import sys; sys.stderr.write('relay stuck'); sys.exit(3)"]}))
    with pytest.raises(Inconclusive, match="relay stuck"):
        await control(bench).power_cycle()


async def test_an_action_no_adapter_performs_is_inconclusive(tmp_path):
    bench = CommandAdapter.from_file(bench_file(tmp_path, {"plug_in": ["true"]}))
    dut = control(bench)
    with pytest.raises(Inconclusive, match="no device adapter can present idTag TAG-1 for connector 1"):
        await dut.present_id_tag("TAG-1", 1)
    assert dut.trace.records[-1]["outcome"] == "unsupported"


def test_command_adapter_names_the_bad_field(tmp_path):
    with pytest.raises(CommandConfigError, match=r"actions.teleport: unknown action"):
        CommandAdapter.from_file(bench_file(tmp_path, {"teleport": ["x"]}))
    with pytest.raises(CommandConfigError, match=r"actions.plug_in: expected a non-empty list"):
        CommandAdapter.from_file(bench_file(tmp_path, {"plug_in": "bench plug"}))


async def test_manual_adapter_says_exactly_what_to_do_and_does_not_wait():
    out = io.StringIO()
    dut = control(ManualAdapter(out=out, interactive=False))
    await dut.plug_in(1, "both")
    await dut.unplug(2, "ev")
    await dut.present_id_tag("OCTT-VALID-1", 1)
    await dut.power_cycle()
    assert out.getvalue().split("\n>>> ")[1:] == [
        "Plug the cable in at connector 1, on both the EV side and the charge point side.\n",
        "Unplug the cable at connector 2, on the EV side.\n",
        "Present idTag OCTT-VALID-1 (card or other local identification) for connector 1.\n",
        "Disconnect the charge point's power supply, wait until it is off, then reconnect it.\n",
    ]


async def test_manual_answers_from_a_file_are_evidence_in_the_trace(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({"answers": {"TC_041_CS/fault-shown": "yes", "TC_024_CS/locked": "could not do"}}))
    dut = control(ManualAdapter.from_file(answers))
    assert await dut.ask("Does the charger show a fault?", "TC_041_CS/fault-shown") is True
    with pytest.raises(Inconclusive, match="answered 'could not do'"):
        await dut.ask("Is the cable locked?", "TC_024_CS/locked")
    record = [r for r in dut.trace.records if r["action"] == "prompt"][0]
    assert record["answer"] == "yes" and record["args"]["question"] == "Does the charger show a fault?"


async def test_an_unanswerable_question_unattended_is_inconclusive():
    dut = control(ManualAdapter(out=io.StringIO(), interactive=False))
    with pytest.raises(Inconclusive, match="nobody can answer"):
        await dut.ask("Is the connector light green?", "x")


async def test_the_first_adapter_that_can_act_wins(tmp_path):
    log = tmp_path / "log.txt"
    bench = CommandAdapter.from_file(bench_file(tmp_path, {
        "plug_in": [sys.executable, "-c", f"open({str(log)!r}, 'w').write('bench')"]}))
    out = io.StringIO()
    dut = control(bench, ManualAdapter(out=out, interactive=False))
    await dut.plug_in(1)
    await dut.unplug(1)  # the bench has no unplug: the person is asked
    assert log.read_text() == "bench"
    assert "Unplug the cable at connector 1" in out.getvalue() and "Plug the cable" not in out.getvalue()
