"""Manual mode, followed by a "person": a program that reads only the harness's prompts and does what they
say to the reference charge point (through its control channel, as a person would with their hands).

It proves the prompts are complete and exact (which connector, which side, which idTag), and that the
harness proceeds on what it sees on the wire, not on a key press.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sys

from harness.dut.sim import SimulatorAdapter, SimulatorConfig
from tests.e2e.runner import ROOT, SEED_PICS, fast_pics

SIDES = {"on both the EV side and the charge point side": "both", "on the EV side": "ev",
         "on the charge point side": "cp"}
INSTRUCTIONS = [
    (re.compile(r"Plug the cable in at connector (\d+), (.+)\."),
     lambda m: ("plug_in", {"connector": int(m[1]), "side": SIDES[m[2]]})),
    (re.compile(r"Unplug the cable at connector (\d+), (.+)\."),
     lambda m: ("unplug", {"connector": int(m[1]), "side": SIDES[m[2]]})),
    (re.compile(r"Present idTag (\S+) .* for connector (\d+)\."),
     lambda m: ("present_id_tag", {"id_tag": m[1], "connector": int(m[2])})),
    (re.compile(r"Make sure every cable is unplugged"), lambda m: ("baseline", {})),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def follow_prompts(tmp_path) -> tuple[int, list[str]]:
    port = free_port()
    pics = fast_pics(SEED_PICS, tmp_path, message_timeout=None, security_profile=1)   # the person's charger: ws://
    harness = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "harness", "run", "--pics", str(pics), "--dut", "manual",
        "--csms-port", str(port), "-k", "TC_003_CS or TC_010_CS", "--report-dir", str(tmp_path / "reports"),
        "--run-id", "run", "--no-cache", cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.DEVNULL)
    person = SimulatorAdapter(SimulatorConfig(pics, f"ws://127.0.0.1:{port}", tmp_path / "state.json",
                                              tmp_path / "simulator.log"))
    done: list[str] = []
    try:
        await person.start()
        assert harness.stdout is not None
        while line := (await asyncio.wait_for(harness.stdout.readline(), 120)).decode():
            if not line.startswith(">>> "):
                continue
            for pattern, action in INSTRUCTIONS:
                if match := pattern.search(line):
                    name, args = action(match)
                    await person.request(name, **args)
                    done.append(name)
                    break
            else:
                raise AssertionError(f"a prompt the person could not follow: {line!r}")
        return await harness.wait(), done
    finally:
        if harness.returncode is None:
            harness.kill()
        await person.stop()


def test_a_person_following_the_prompts_passes_the_cases(tmp_path):
    exit_code, done = asyncio.run(follow_prompts(tmp_path))
    results = [json.loads(line) for line in (tmp_path / "reports" / "run" / "results.jsonl").read_text().splitlines()]
    assert {r["id"]: r["verdict"] for r in results} == {"TC_003_CS": "passed", "TC_010_CS": "passed"}
    assert exit_code == 0
    assert {"plug_in", "present_id_tag", "baseline"} <= set(done)
