"""The KPIs measure the charger, not the harness: with the reference charge point holding every response back
by a known 200 ms, the measured OCPP response times move by 200 ms, and each response is timed within 2 ms of
the moment the charger really sent it.

The charger's own send time is the oracle: the reference charge point logs, for every delayed CALLRESULT, the
``time.monotonic_ns()`` just before it wrote it to the socket (CLOCK_MONOTONIC is one clock for every process
of the machine; the frame left no earlier), and the harness stamps each frame when its bytes are read off
the socket, so stamp minus that time bounds the harness's own delay from above. On a loaded machine
(CI runs four workers on two cores) the charger's own 200 ms may come out a few ms longer, which is the
charger's time, and the harness must measure it as such: comparing two runs' medians once missed by 2.1 ms
for that reason."""

from __future__ import annotations

import json
import re
import statistics

from harness.kpi import OCPP_RESPONSE_TIME, samples_from_trace
from tests.e2e.runner import SEED_PICS

DELAY_S = 0.200
TOLERANCE_S = 0.002
SENT = re.compile(r"CALLRESULT (\S+) sent at monotonic_ns (\d+)")


def response_times(outcome) -> list[float]:
    seconds = []
    for trace in sorted((outcome.run_dir / "traces").glob("TC_*.jsonl")):
        records = [json.loads(line) for line in trace.read_text().splitlines()]
        seconds += [s.seconds for s in samples_from_trace(trace.stem, records) if s.kpi == OCPP_RESPONSE_TIME]
    return seconds


def arrival_lags(outcome) -> list[float]:
    """For each delayed CALLRESULT: when the harness stamped it, minus when the charger sent it (seconds)."""
    sent = {m[1]: int(m[2]) for m in SENT.finditer((outcome.run_dir / "simulator.log").read_text())}
    lags = []
    for trace in (outcome.run_dir / "traces").glob("TC_*.jsonl"):
        for line in trace.read_text().splitlines():
            record = json.loads(line)
            if record.get("message_type") == "CALLRESULT" and record.get("direction") == "cp->cs" \
                    and record.get("unique_id") in sent:
                lags.append((record["t_ns"] - sent[record["unique_id"]]) / 1e9)
    return lags


def test_response_time_kpi_is_accurate_to_2_ms(tmp_path):
    from tests.e2e.runner import harness_runner

    cases = ("-k", "TC_019_CS or TC_021_CS")
    prompt = response_times(harness_runner(tmp_path / "prompt")(SEED_PICS, *cases))
    delayed_run = harness_runner(tmp_path / "delayed")(SEED_PICS, *cases, "--sim-reply-delay-ms", "200")
    delayed = response_times(delayed_run)
    assert len(prompt) >= 5 and len(delayed) >= 5
    assert min(delayed) >= DELAY_S, "a response measured faster than the charger could have sent it"
    lags = arrival_lags(delayed_run)
    assert len(lags) >= 5, "the reference charge point logged no send times"
    assert min(lags) >= 0, "a response stamped before the charger sent it"
    assert statistics.median(lags) <= TOLERANCE_S, (
        f"responses stamped {statistics.median(lags) * 1000:.3f} ms (median) after the charger sent them")
    shift = statistics.median(delayed) - statistics.median(prompt)
    assert abs(shift - DELAY_S) <= 10 * TOLERANCE_S, f"median moved by {shift * 1000:.3f} ms for a 200 ms delay"
