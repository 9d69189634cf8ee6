"""Cold boot of the reference charge point (TC_001, TC_002): BootNotification, StatusNotification, Heartbeat."""

import pytest

pytestmark = pytest.mark.asyncio


async def test_boot_accepted_reports_all_connectors_then_heartbeats(csms, make_sim, bench):
    csms.heartbeat_interval = 1
    sim = make_sim(csms)
    await sim.start()
    conn = await csms.next_connection()
    assert conn.path == f"/ocpp/{bench.CP_ID}"
    assert conn.authorization == bench.basic()
    boot = await csms.expect("BootNotification")
    assert boot.payload == {"chargePointVendor": "SimVendor", "chargePointModel": "SimModel-22",
                            "firmwareVersion": "sim-fw-1.2.3"}
    seen = {}
    for _ in range(3):
        sn = await csms.expect("StatusNotification")
        seen[sn.payload["connectorId"]] = sn.payload
    assert sorted(seen) == [0, 1, 2]
    assert all(p["status"] == "Available" and p["errorCode"] == "NoError" for p in seen.values())
    first = await csms.expect("Heartbeat", timeout=3)
    assert 0.8 <= first.t - boot.t <= 1.4                       # every HeartbeatInterval (1 s) from the boot
    got = await csms.call("GetConfiguration", {"key": ["HeartbeatInterval"]})
    assert got.payload["configurationKey"][0]["value"] == "1"


async def test_security_profile_0_sends_no_authorization(csms, make_sim, bench):
    sim = make_sim(csms, bench.pics(**{"test_setup/security_profile": 0}))
    await sim.start()
    assert (await csms.next_connection()).authorization is None
    await csms.expect("BootNotification")


async def test_boot_rejected_is_retried_after_the_interval(csms, make_sim):
    answers = iter(["Rejected", "Accepted"])
    csms.replies["BootNotification"] = lambda p: {"status": next(answers), "currentTime": "2026-01-01T00:00:00Z",
                                                  "interval": 1}
    sim = make_sim(csms)
    await sim.start()
    first = await csms.expect("BootNotification")
    second = await csms.expect("BootNotification", timeout=4)
    assert second.t - first.t >= 0.95
    # nothing but BootNotification before the Accepted one
    assert [m.action for m in csms.history[:2]] == ["BootNotification", "BootNotification"]
    await csms.expect("StatusNotification", connectorId=0, status="Available")


async def test_boot_pending_accepts_configuration_and_sends_nothing_else(csms, make_sim):
    answers = iter(["Pending", "Accepted"])
    csms.replies["BootNotification"] = lambda p: {"status": next(answers), "currentTime": "2026-01-01T00:00:00Z",
                                                  "interval": 1}
    sim = make_sim(csms)
    await sim.start()
    first = await csms.expect("BootNotification")
    got = await csms.call("GetConfiguration", {"key": ["MeterValueSampleInterval"]})
    assert got.payload["configurationKey"][0]["key"] == "MeterValueSampleInterval"
    changed = await csms.call("ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "10"})
    assert changed.payload == {"status": "Accepted"}
    second = await csms.expect("BootNotification", timeout=5)
    assert second.t - first.t >= 0.95
    assert [m.action for m in csms.history[:2]] == ["BootNotification", "BootNotification"]
    await csms.expect("StatusNotification", connectorId=1, status="Available")


async def test_trigger_message_boot_notification_while_pending(csms, make_sim):
    answers = iter(["Pending", "Accepted"])
    csms.replies["BootNotification"] = lambda p: {"status": next(answers, "Accepted"),
                                                  "currentTime": "2026-01-01T00:00:00Z", "interval": 30}
    sim = make_sim(csms)
    await sim.start()
    await csms.expect("BootNotification")
    answer = await csms.call("TriggerMessage", {"requestedMessage": "BootNotification"})
    assert answer.payload == {"status": "Accepted"}
    await csms.expect("BootNotification", timeout=2)
    await csms.expect("StatusNotification", connectorId=0, status="Available")


async def test_fault_boot_ignores_interval(csms, make_sim):
    answers = iter(["Rejected", "Accepted"])
    csms.replies["BootNotification"] = lambda p: {"status": next(answers, "Accepted"),
                                                  "currentTime": "2026-01-01T00:00:00Z", "interval": 5}
    sim = make_sim(csms, faults=["boot-ignores-interval"])
    await sim.start()
    first = await csms.expect("BootNotification")
    second = await csms.expect("BootNotification", timeout=2)
    assert second.t - first.t < 1


async def test_fault_pending_rejects_change_configuration(csms, make_sim):
    csms.replies["BootNotification"] = lambda p: {"status": "Pending", "currentTime": "2026-01-01T00:00:00Z",
                                                  "interval": 30}
    sim = make_sim(csms, faults=["pending-rejects-change-configuration"])
    await sim.start()
    await csms.expect("BootNotification")
    changed = await csms.call("ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "10"})
    assert changed.payload == {"status": "Rejected"}


async def test_fault_no_status_connector_zero_and_heartbeat_wrong_interval(csms, make_sim):
    csms.heartbeat_interval = 1
    sim = make_sim(csms, faults=["no-status-connector-zero", "heartbeat-wrong-interval"])
    await sim.start()
    await csms.expect("BootNotification")
    await csms.expect_none("Heartbeat", within=1.4)               # due after 1 s; comes after 2 s
    connectors = sorted(m.payload["connectorId"] for m in csms.history if m.action == "StatusNotification")
    assert connectors == [1, 2]


@pytest.mark.parametrize("name", ["bsec-22k-a2-ccs2-400s.yaml", "reference-cp-detachable.yaml"])
async def test_boots_with_the_repository_pics(csms, make_sim, bench, name):
    import yaml
    path = bench.REPO / "pics" / name
    if not path.exists():
        pytest.skip(f"{name} is not in pics/")
    data = yaml.safe_load(path.read_text())
    sim = make_sim(csms, data)
    await sim.start()
    conn = await csms.next_connection()
    setup = data["test_setup"]
    assert conn.path == "/ocpp/" + setup["charge_point_id"]
    assert conn.authorization == bench.basic(setup["charge_point_id"], setup["basic_auth_password"])
    boot = await csms.expect("BootNotification")
    product = data["product"]
    assert boot.payload["chargePointVendor"] == (product.get("charge_point_vendor") or product["vendor_name"])[:20]
    assert boot.payload["chargePointModel"] == product["charge_point_model"]
    assert boot.payload["firmwareVersion"] == product["firmware_version"]
    for cid in range(len(data["hardware"]["connectors"]) + 1):
        await csms.expect("StatusNotification", connectorId=cid, status="Available")
