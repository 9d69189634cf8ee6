"""SC_PROP_1, beyond the test plan: generated sets of charging profiles, and the charger's composite schedule
compared with the oracle's (:mod:`harness.smart_charging`).

OCTT checks a handful of fixed profiles; chargers are most often wrong elsewhere (a recurring schedule off by a
day, stack levels ignored, validTo ignored, W read as A). Here hypothesis generates valid profile sets within the
PICS limits (at most three profiles, ORS-14 stack levels, ORS-15 periods, ORS-19 profiles), installs each set
on a charger with a transaction running, asks GetCompositeSchedule over a generated window and compares. A
mismatch is shrunk to the smallest set that still shows it, and the reason prints that counterexample as the
profiles to install and both schedules side by side.

Reproducible and finite: a fixed seed (``derandomize``), ``test_setup.property_examples`` examples per charging
rate unit (default 6), no example database kept between runs. Reported apart from the OCTT cases (block
"properties"), never counted in a certification profile's row.

Hypothesis runs its (synchronous) search in a worker thread; each example is a coroutine handed to the run's
event loop, where the Station lives, and the thread waits for it with a bound.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from harness.csms.station import Station
from harness.smart_charging import Installed, describe_profiles
from harness.testcase import all_of, testcase
from harness.verdicts import Failed
from testcases.smart_charging._profiles import Memory, smart_charging
from testcases.smart_charging.test_smart_charging import charging_with_memory, limits_allow

#: The generated profile sets: at most this many profiles (the counterexample is never longer).
MAX_PROFILES = 3
MAX_PERIODS = 4
FIRST_ID = 900
#: Generated composite windows, seconds.
WINDOWS = (60, 120, 300, 600, 900)
#: the "step N: " a Failed reason starts with; the counterexample quotes the reason without it
STEP_PREFIX = re.compile(r"^step \d+: ")


@dataclass(frozen=True)
class Draft:
    """A profile as generated, before it is placed on the charger's clock: offsets in seconds from now."""

    purpose: str
    stack_level: int
    kind: str
    recurrency: str | None
    start_offset: int
    duration: int | None
    periods: tuple[tuple[int, int], ...]
    valid_to_offset: int | None

    def build(self, memory: Memory, profile_id: int, now: datetime, transaction: int) -> tuple[dict[str, Any], int]:
        """The csChargingProfiles object and its connector."""
        start = None
        if self.kind == "Absolute":
            start = now + timedelta(seconds=self.start_offset)
        elif self.kind == "Recurring":
            back = timedelta(days=1 if self.recurrency == "Daily" else 7)
            start = now - back + timedelta(seconds=self.start_offset)
        profile = memory.profile(
            profile_id, self.purpose, self.stack_level, self.periods, kind=self.kind, start=start,
            duration=self.duration, recurrency=self.recurrency,
            valid_to=None if self.valid_to_offset is None else now + timedelta(seconds=self.valid_to_offset),
            transaction_id=transaction if self.purpose == "TxProfile" else None)
        return profile, 0 if self.purpose == "ChargePointMaxProfile" else memory.connector


def drafts(max_stack: int, max_periods: int, max_profiles: int) -> st.SearchStrategy[list[Draft]]:
    """Valid profile sets within the PICS limits, no two of the same purpose and stack level (the charger would
    replace one with the other, OCPP 1.6 §5.16)."""

    @st.composite
    def one(draw: Any) -> Draft:
        purpose = draw(st.sampled_from(("TxDefaultProfile", "TxProfile", "ChargePointMaxProfile")))
        kinds = ("Absolute", "Recurring") if purpose == "ChargePointMaxProfile" else ("Absolute", "Recurring", "Relative")
        kind = draw(st.sampled_from(kinds))
        count = draw(st.integers(1, max_periods))
        starts = sorted(draw(st.sets(st.integers(1, 60), min_size=count - 1, max_size=count - 1)))
        periods = tuple(zip([0] + [s * 10 for s in starts], draw(st.lists(st.integers(6, 32), min_size=count,
                                                                          max_size=count))))
        return Draft(purpose, draw(st.integers(0, max_stack)), kind,
                     draw(st.sampled_from(("Daily", "Weekly"))) if kind == "Recurring" else None,
                     draw(st.integers(-60, 30)) * 10 if kind != "Relative" else 0,
                     draw(st.one_of(st.none(), st.integers(3, 90).map(lambda d: d * 10))),
                     periods, draw(st.one_of(st.none(), st.integers(3, 60).map(lambda d: d * 10))))

    return st.lists(one(), min_size=1, max_size=max_profiles, unique_by=lambda d: (d.purpose, d.stack_level))


@dataclass
class Counterexample:
    drafts: list[Draft]
    window: int
    reason: str


@testcase("SC_PROP_1", "Composite schedule against the oracle, generated profile sets", block="properties",
          profile="Beyond the plan", applies=all_of(smart_charging, limits_allow(profiles=1, periods=1)),
          per_rate_unit=True)
async def test_composite_schedule_properties(cs, dut, setup, pics, rate_unit):
    """With a transaction running: the charger's own limit with no profile (the ceiling where no profile
    limits); then for each generated profile set, ClearChargingProfile, SetChargingProfile of each (Accepted),
    GetCompositeSchedule over a generated window equal to the oracle's."""
    memory = Memory.of(cs, setup, pics, rate_unit)
    await memory.read_clock()
    transaction = await charging_with_memory(cs, dut, setup, pics, memory)
    await memory.read_ceiling()
    limits = (min(int(pics.ors("ORS-14", 0)), 3), min(int(pics.ors("ORS-15", 1)), MAX_PERIODS),
              min(int(pics.ors("ORS-19", 1)), MAX_PROFILES))
    loop = asyncio.get_running_loop()
    bound = cs.response_timeout * (MAX_PROFILES + 3)
    found: list[Counterexample] = []

    def example(generated: list[Draft], window: int) -> None:
        future = asyncio.run_coroutine_threadsafe(one_set(cs, memory, generated, window, transaction), loop)
        try:
            future.result(timeout=bound)
        except TimeoutError:
            future.cancel()
            found.append(Counterexample(generated, window, f"the example took longer than {bound:.0f} s"))
            raise Failed(found[-1].reason) from None
        except Failed as exc:
            found.append(Counterexample(generated, window, str(exc)))
            raise

    search = settings(max_examples=int(setup.property_examples), derandomize=True, database=None, deadline=None,
                      phases=(Phase.generate, Phase.shrink), report_multiple_bugs=False,
                      suppress_health_check=list(HealthCheck))(
        given(drafts(*limits), st.sampled_from(WINDOWS))(example))
    try:
        await asyncio.to_thread(search)
    except Exception:               # Failed, or hypothesis's own report of a failure that did not replay
        if not found:
            raise
        cs.require(False, counterexample_text(memory, found[-1], transaction))   # the shrunk example is last


async def one_set(cs: Station, memory: Memory, generated: list[Draft], window: int, transaction: int) -> None:
    """One example: clear, install the set, judge the composite over ``window``."""
    response = await cs.call("ClearChargingProfile")
    cs.require(response["status"] in ("Accepted", "Unknown"),
               f"ClearChargingProfile (all) answered {response['status']}")
    memory.installed.clear()
    now = memory.now()
    for index, draft in enumerate(generated):
        profile, connector = draft.build(memory, FIRST_ID + index, now, transaction)
        await memory.install(profile, connector=connector)
    await memory.judge_composite(window, what="a generated profile set")


def counterexample_text(memory: Memory, smallest: Counterexample, transaction: int) -> str:
    """The shrunk counterexample: the profiles to install (on the charger's clock, "now" = the request), the
    window, and the two schedules side by side."""
    now = memory.now()
    installed = [memory_installed(memory, d, FIRST_ID + i, now, transaction) for i, d in enumerate(smallest.drafts)]
    return (f"the composite schedule differs from the oracle's; the smallest profile set that shows it "
            f"({len(installed)} profile(s), transaction {transaction} running on connector {memory.connector}): "
            f"{describe_profiles(installed)}; GetCompositeSchedule over {smallest.window} s: "
            f"{STEP_PREFIX.sub('', smallest.reason)}")


def memory_installed(memory: Memory, draft: Draft, profile_id: int, now: datetime, transaction: int) -> Installed:
    profile, connector = draft.build(memory, profile_id, now, transaction)
    return Installed(connector, profile, now)

