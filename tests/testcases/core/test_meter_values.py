"""check_spacing of TC_070/TC_071: the charger's sample timestamps, one interval apart, allowing for a step of
the host's clock (seen in CI: NTP stepped the clock +2.4 s in the middle of TC_070)."""

from __future__ import annotations

import pytest

from harness.csms.station import Failed, Received
from harness.csms.trace import Trace
from testcases.core.test_meter_values import check_spacing, host_clock_step

S = 1_000_000_000


class Checker:
    """What check_spacing uses of a Station: require() and the trace."""

    def __init__(self) -> None:
        self.trace = Trace()

    def require(self, condition: bool, message: str) -> None:
        if not condition:
            raise Failed(message)


def sample(stamp: str, monotonic_s: float, wall_s: float) -> Received:
    payload = {"connectorId": 1, "meterValue": [{"timestamp": stamp, "sampledValue": [{"value": "1"}]}]}
    return Received("MeterValues", payload, "id", int(monotonic_s * S), 0, wall_ns=int(wall_s * S))


def test_samples_one_interval_apart_pass():
    checker = Checker()
    check_spacing(checker, [sample("2026-12-03T08:28:01.000Z", 100, 1000), sample("2026-12-03T08:28:03.000Z", 102, 1002),
                            sample("2026-12-03T08:28:05.000Z", 104, 1004)], 2, "MeterValueSampleInterval")
    assert not [r for r in checker.trace.records if r["type"] == "finding"]


def test_a_gap_fails_naming_the_timestamps_and_the_interval():
    with pytest.raises(Failed, match=r"4\.000, 2\.000 s apart; the MeterValueSampleInterval is 2 s"):
        check_spacing(Checker(), [sample("2026-12-03T08:28:01.000Z", 100, 1000),
                                  sample("2026-12-03T08:28:05.000Z", 104, 1004),
                                  sample("2026-12-03T08:28:07.000Z", 106, 1006)], 2, "MeterValueSampleInterval")


def test_a_step_of_the_host_clock_is_allowed_and_warned():
    """The CI case: samples 2 s apart on the monotonic clock, the wall clock (and the charger's, same host)
    stepped +2.381 s in between."""
    checker = Checker()
    samples = [sample("2026-12-03T08:28:03.267Z", 100, 1000), sample("2026-12-03T08:28:07.648Z", 102, 1004.381),
               sample("2026-12-03T08:28:09.658Z", 104, 1006.391)]
    assert host_clock_step(samples[0], samples[1]) == pytest.approx(2.381)
    check_spacing(checker, samples, 2, "MeterValueSampleInterval")
    warnings = [r["text"] for r in checker.trace.records if r["type"] == "finding"]
    assert len(warnings) == 1 and "host clock stepped +2.381 s" in warnings[0]
