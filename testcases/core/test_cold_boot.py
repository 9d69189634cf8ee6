"""4.1 Cold boot: TC_001_CS, TC_002_CS."""

from __future__ import annotations

from harness.csms.replies import now_iso
from harness.testcase import testcase
from testcases.checks import expect_boot_retry, expect_heartbeat_period, expect_status_all


@testcase("TC_001_CS", "Cold Boot Charge Point", block="core")
async def test_cold_boot(cs, dut, setup, pics):
    """Rejected first, then Accepted: the retry respects the interval, all connectors and connector 0 report
    Available, and Heartbeats come at the interval given with the Accepted BootNotification.conf."""
    retry = setup.intervals.boot_retry
    cs.respond("BootNotification", lambda _: {"status": "Rejected", "currentTime": now_iso(), "interval": retry},
               times=1)
    await dut.power_cycle()
    rejected = await cs.expect("BootNotification", timeout=setup.timeouts.long_operation)
    await expect_boot_retry(cs, rejected, retry, "Rejected")
    await expect_status_all(cs, [0, *pics.connector_ids], "Available")
    await expect_heartbeat_period(cs, setup.intervals.heartbeat)


@testcase("TC_002_CS", "Cold Boot Charge Point – Pending", block="core")
async def test_cold_boot_pending(cs, dut, setup, pics):
    """While Pending the Central System may configure the charger: GetConfiguration and ChangeConfiguration
    are answered (Accepted), no other CP-initiated message is sent, and the boot is retried after the
    interval."""
    retry = setup.intervals.boot_retry
    cs.respond("BootNotification", lambda _: {"status": "Pending", "currentTime": now_iso(), "interval": retry},
               times=1)
    await dut.power_cycle()
    pending = await cs.expect("BootNotification", timeout=setup.timeouts.long_operation)
    await cs.call("GetConfiguration")
    await cs.configure("MeterValueSampleInterval", str(setup.intervals.meter_value_sample))
    await expect_boot_retry(cs, pending, retry, "Pending")
    await expect_status_all(cs, [0, *pics.connector_ids], "Available")
    await expect_heartbeat_period(cs, setup.intervals.heartbeat)
