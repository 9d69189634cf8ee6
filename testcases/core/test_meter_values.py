"""4.9 Meter values: TC_070_CS, TC_071_CS.

What both check in every MeterValues of the transaction during three intervals (the plan's "tool validations"),
with the defaults of OCPP 1.6 §7.43 for omitted fields (context Sample.Periodic, measurand
Energy.Active.Import.Register, location Outlet):

- the timestamps of consecutive samples are the interval apart (± 1 s, as OCTT's peers allow);
- every sampledValue has the expected context;
- the measurands are exactly the configured ones (Energy.Active.Import.Register when the list is empty); a
  measurand may come more than once, per phase or location (§3.16.3);
- no sampledValue has location EV, except SoC.

The measurand lists are set to the PICS's "tested during certification" measurands (C-09.1 / C-09.2), at most
MeterValuesSampledDataMaxLength (ORS-3) / MeterValuesAlignedDataMaxLength (ORS-2) of them, and then read back
with GetConfiguration as the plan's preparation does; the value read back is what the samples must carry.
"""

from __future__ import annotations

from typing import Any, Sequence

from harness.csms.station import Received, Station
from harness.testcase import testcase
from testcases.checks import INTERVAL_TOLERANCE_S
from testcases.core._offline_states import parse_time
from testcases.states import charging, transaction_id

#: How many intervals the plan watches.
WATCHED_INTERVALS = 3
DEFAULT_MEASURAND = "Energy.Active.Import.Register"


@testcase("TC_070_CS", "Sampled Meter Values", block="core", features=("C-09.1",))
async def test_sampled_meter_values(cs, dut, setup, pics):
    """MeterValueSampleInterval=<configured>, ClockAlignedDataInterval=0; MeterValuesSampledData = the tested
    measurands; GetConfiguration(MeterValuesSampledData); state Charging; for three intervals: MeterValues
    every interval, context Sample.Periodic, one sampledValue per configured measurand, no location EV except
    SoC.

    Every MeterValues must carry the transactionId: the plan's validation does not list it, the
    specification requires it (OCPP 1.6 §4.7: "The transactionId of the transaction to which these values
    are related, if applicable"; sampled values are taken "from the start of the charging transaction",
    §3.16.1, so they belong to it)."""
    interval = setup.intervals.meter_value_sample
    await cs.configure("MeterValueSampleInterval", str(interval))
    await cs.configure("ClockAlignedDataInterval", "0")
    measurands = await configured_measurands(cs, "MeterValuesSampledData", pics.measurands.sampled.tested,
                                             int(pics.ors("ORS-3")))
    transaction = transaction_id(await charging(cs, dut, setup, pics))
    samples = await expect_meter_values(cs, setup.connector_id, transaction, interval)
    check_spacing(cs, samples, interval, "MeterValueSampleInterval")
    check_sampled_values(cs, samples, measurands, "Sample.Periodic")


@testcase("TC_071_CS", "Clock-aligned Meter Values", block="core", features=("C-09.2",))
async def test_clock_aligned_meter_values(cs, dut, setup, pics):
    """MeterValueSampleInterval=0, ClockAlignedDataInterval=<configured>; MeterValuesAlignedData = the tested
    measurands; GetConfiguration(MeterValuesAlignedData); state Charging; for three intervals: MeterValues
    every interval at clock-aligned times (whole seconds since midnight a multiple of the interval; OCPP 1.6
    §3.16.2: "evenly spaced … intervals per day, starting at 00:00:00"), context Sample.Clock, one
    sampledValue per configured measurand, no location EV except SoC.

    The transactionId is not required: the plan's validation (clock-aligned timestamps, Sample.Clock, the
    measurands) does not ask for it, and OCPP 1.6 §4.7 lets it be omitted "if the values are taken from the
    main meter", as clock-aligned billing data are (§3.16.2: "fiscally certified energy meters"). A
    transactionId that is present must be the running transaction's."""
    interval = setup.intervals.clock_aligned_data
    await cs.configure("MeterValueSampleInterval", "0")
    await cs.configure("ClockAlignedDataInterval", str(interval))
    measurands = await configured_measurands(cs, "MeterValuesAlignedData", pics.measurands.aligned.tested,
                                             int(pics.ors("ORS-2")))
    transaction = transaction_id(await charging(cs, dut, setup, pics))
    samples = await expect_meter_values(cs, setup.connector_id, None, interval)
    check_transaction_id(cs, samples, transaction)
    check_spacing(cs, samples, interval, "ClockAlignedDataInterval")
    check_clock_aligned(cs, samples, interval)
    check_sampled_values(cs, samples, measurands, "Sample.Clock")


# ------------------------------------------------------------------------ steps and checks of both cases

async def configured_measurands(cs: Station, key: str, tested: Sequence[str], max_length: int) -> list[str]:
    """Set ``key`` to the tested measurands (at most ``max_length``), then read it back (GetConfiguration):
    the measurands the samples must carry."""
    if tested:
        await cs.configure(key, ",".join(list(tested)[:max_length]))
    value = await cs.configuration(key)
    return [m.strip() for m in (value or "").split(",") if m.strip()] or [DEFAULT_MEASURAND]


async def expect_meter_values(cs: Station, connector: int, transaction: int | None,
                              interval: int) -> list[Received]:
    """The MeterValues of the connector during the three watched intervals, one per interval: with
    ``transaction``, only those that carry its transactionId; with None, any (TC_071)."""
    fields = {"connectorId": connector} if transaction is None else {"connectorId": connector,
                                                                     "transactionId": transaction}
    return [await cs.expect("MeterValues", timeout=interval + cs.message_timeout, **fields)
            for _ in range(WATCHED_INTERVALS)]


def check_transaction_id(cs: Station, samples: list[Received], transaction: int) -> None:
    """A MeterValues that carries a transactionId carries the running transaction's (omitting it is allowed,
    OCPP 1.6 §4.7)."""
    wrong = [r.payload["transactionId"] for r in samples
             if r.payload.get("transactionId") not in (None, transaction)]
    cs.require(not wrong, f"MeterValues carry transactionId {wrong[0] if wrong else ''}; the transaction running "
                          f"on the connector is {transaction}")


def _timestamps(samples: list[Received]) -> list[tuple[str, Any, Received]]:
    stamps: list[tuple[str, Any, Received]] = []
    for sample in samples:
        for value in sample.payload.get("meterValue", []):
            text = value.get("timestamp")
            if not stamps or stamps[-1][0] != text:
                stamps.append((text, parse_time(text), sample))
    return stamps


def check_spacing(cs: Station, samples: list[Received], interval: int, key: str) -> None:
    """Consecutive MeterValue timestamps are ``interval`` seconds apart (± :data:`INTERVAL_TOLERANCE_S`).

    A step of the host's own clock between two receipts (NTP; seen in CI: +2.4 s) is allowed for and warned:
    a charger whose clock follows the same time source steps with it, and its samples were still taken one
    interval apart (:func:`host_clock_step`)."""
    stamps = _timestamps(samples)
    bad = [text for text, moment, _ in stamps if moment is None]
    cs.require(not bad, f"MeterValue timestamp \"{bad[0]}\" is not a date-time" if bad else "")
    cs.require(len(stamps) >= WATCHED_INTERVALS,
               f"{len(stamps)} distinct MeterValue timestamps in {WATCHED_INTERVALS} MeterValues: "
               f"{[text for text, _, _ in stamps]}")
    gaps = [(b[1] - a[1]).total_seconds() for a, b in zip(stamps, stamps[1:])]
    steps = [host_clock_step(a[2], b[2]) for a, b in zip(stamps, stamps[1:])]
    wrong = [gap for gap, step in zip(gaps, steps)
             if abs(gap - interval) > INTERVAL_TOLERANCE_S and abs(gap - step - interval) > INTERVAL_TOLERANCE_S]
    cs.require(not wrong,
               f"MeterValue timestamps {[text for text, _, _ in stamps]} are {', '.join(f'{g:.3f}' for g in gaps)} s "
               f"apart; the {key} is {interval} s")
    for gap, step in zip(gaps, steps):
        if abs(gap - interval) > INTERVAL_TOLERANCE_S:
            cs.trace.finding(f"MeterValue timestamps {gap:.3f} s apart, while the harness's host clock stepped "
                             f"{step:+.3f} s between their receipts: taken as one {key} apart", severity="warning")


def host_clock_step(first: Received, second: Received) -> float:
    """How far the host's wall clock was stepped between the receipts of two frames, in seconds: the change
    of wall time minus the change of monotonic time (0 when the clock ran freely)."""
    if not first.wall_ns or not second.wall_ns:
        return 0.0
    return ((second.wall_ns - first.wall_ns) - (second.t_ns - first.t_ns)) / 1e9


def check_clock_aligned(cs: Station, samples: list[Received], interval: int) -> None:
    """Every timestamp is clock-aligned: its whole seconds since midnight are a multiple of ``interval``
    (OCTT: "in case of a 20s interval, the seconds should be of value 0, 20, 40")."""
    unaligned = [text for text, moment, _ in _timestamps(samples)
                 if (moment.hour * 3600 + moment.minute * 60 + moment.second) % interval]
    cs.require(not unaligned,
               f"MeterValue timestamps {unaligned} are not aligned to the ClockAlignedDataInterval of {interval} s")


def check_sampled_values(cs: Station, samples: list[Received], measurands: list[str], context: str) -> None:
    """Context, measurands and locations of every sampledValue (defaults of §7.43 for omitted fields)."""
    problems: list[str] = []
    for sample in samples:
        for value in sample.payload.get("meterValue", []):
            stamp = value.get("timestamp")
            sampled = value.get("sampledValue", [])
            contexts = sorted({v.get("context", "Sample.Periodic") for v in sampled} - {context})
            if contexts:
                problems.append(f"at {stamp} context {', '.join(contexts)} (expected {context})")
            reported = {v.get("measurand", DEFAULT_MEASURAND) for v in sampled}
            missing, extra = sorted(set(measurands) - reported), sorted(reported - set(measurands))
            if missing:
                problems.append(f"at {stamp} no sampledValue for {', '.join(missing)}")
            if extra:
                problems.append(f"at {stamp} sampledValues for {', '.join(extra)}, which are not configured")
            at_ev = sorted({v.get("measurand", DEFAULT_MEASURAND) for v in sampled
                            if v.get("location") == "EV" and v.get("measurand") != "SoC"})
            if at_ev:
                problems.append(f"at {stamp} location EV for {', '.join(at_ev)} (only SoC may be measured at the EV)")
    cs.require(not problems, f"MeterValues (configured measurands {', '.join(measurands)}): " + "; ".join(problems))
