"""Configuration keys over OCPP (TC_019, TC_021, TC_040_x): GetConfiguration and ChangeConfiguration."""

import pytest

pytestmark = pytest.mark.asyncio

CORE_RW = ["ClockAlignedDataInterval", "ConnectionTimeOut", "ConnectorPhaseRotation", "HeartbeatInterval",
           "LocalAuthorizeOffline", "LocalPreAuthorize", "MeterValuesAlignedData", "MeterValuesSampledData",
           "MeterValueSampleInterval", "ResetRetries", "StopTransactionOnInvalidId", "StopTxnAlignedData",
           "StopTxnSampledData", "TransactionMessageAttempts", "TransactionMessageRetryInterval"]
CORE_RO = ["GetConfigurationMaxKeys", "NumberOfConnectors", "SupportedFeatureProfiles"]


async def test_get_configuration_all_and_by_key(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    everything = await csms.call("GetConfiguration", {})
    keys = {k["key"]: k for k in everything.payload["configurationKey"]}
    assert "AuthorizationKey" not in keys
    for name in CORE_RW:
        assert keys[name]["readonly"] is False, name
    for name in CORE_RO + ["LocalAuthListMaxLength", "SendLocalListMaxLength", "ChargeProfileMaxStackLevel",
                           "ChargingScheduleAllowedChargingRateUnit", "ChargingScheduleMaxPeriods",
                           "MaxChargingProfilesInstalled"]:
        assert keys[name]["readonly"] is True, name
    assert keys["LocalAuthListEnabled"]["readonly"] is False
    # PICS declarations override accessibility and value
    assert keys["StopTransactionOnEVSideDisconnect"] == {"key": "StopTransactionOnEVSideDisconnect",
                                                         "readonly": True, "value": "true"}
    assert keys["GetConfigurationMaxKeys"]["value"] == "55"
    assert keys["NumberOfConnectors"]["value"] == "2"
    assert keys["SupportedFeatureProfiles"]["value"].split(",")[0] == "Core"
    assert keys["MeterValuesSampledDataMaxLength"]["value"] == "7"

    some = await csms.call("GetConfiguration", {"key": ["supportedfeatureprofiles", "Testing", "AuthorizationKey"]})
    assert [k["key"] for k in some.payload["configurationKey"]] == ["SupportedFeatureProfiles"]
    assert some.payload["unknownKey"] == ["Testing", "AuthorizationKey"]

    too_many = await csms.call("GetConfiguration", {"key": ["HeartbeatInterval"] * 56})
    assert too_many.error_code == "OccurenceConstraintViolation"


async def test_change_configuration_outcomes(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)

    async def change(key, value):
        return (await csms.call("ChangeConfiguration", {"key": key, "value": value})).payload["status"]

    assert await change("MeterValueSampleInterval", "7") == "Accepted"
    got = await csms.call("GetConfiguration", {"key": ["MeterValueSampleInterval"]})
    assert got.payload["configurationKey"][0]["value"] == "7"
    assert await change("MeterValueSampleInterval", "-1") == "Rejected"
    assert await change("MeterValueSampleInterval", "86401") == "Rejected"          # ORS-5
    assert await change("LocalPreAuthorize", "maybe") == "Rejected"
    assert await change("MeterValuesSampledData", "Energy.Active.Import.Register,Frequency") == "Rejected"
    assert await change("MeterValuesSampledData", "SoC,Voltage") == "Accepted"
    assert await change("NumberOfConnectors", "3") == "Rejected"
    assert await change("StopTransactionOnEVSideDisconnect", "false") == "Rejected"   # read-only by PICS
    assert await change("Testing", "true") == "NotSupported"
    assert await change("AuthorizationKey", "short") == "Rejected"
    state = await sim.ok("state")
    assert state["config"]["MeterValueSampleInterval"] == "7"
    assert "AuthorizationKey" not in state["config"]


async def test_changed_configuration_survives_a_power_cycle(csms, make_sim, bench):
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    await csms.call("ChangeConfiguration", {"key": "ClockAlignedDataInterval", "value": "900"})
    await sim.power_cycle()
    await csms.expect("BootNotification")
    got = await csms.call("GetConfiguration", {"key": ["ClockAlignedDataInterval"]})
    assert got.payload["configurationKey"][0]["value"] == "900"


async def test_configuration_faults(csms, make_sim, bench):
    sim = make_sim(csms, faults=["authorization-key-readable", "missing-config-key", "change-config-not-persisted",
                                 "accepts-unknown-config-key"])
    await bench.booted(csms, sim)
    keys = {k["key"] for k in (await csms.call("GetConfiguration", {})).payload["configurationKey"]}
    assert "AuthorizationKey" in keys and "ConnectionTimeOut" not in keys
    answer = await csms.call("ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "9"})
    assert answer.payload["status"] == "Accepted"
    got = await csms.call("GetConfiguration", {"key": ["MeterValueSampleInterval"]})
    assert got.payload["configurationKey"][0]["value"] != "9"
    assert (await csms.call("ChangeConfiguration", {"key": "Testing", "value": "1"})).payload["status"] == "Accepted"


async def test_new_authorization_key_reconnects_with_it(csms, make_sim, bench):
    sim = make_sim(csms)
    await sim.start()
    first = await csms.next_connection()
    assert first.authorization == bench.basic()
    await csms.expect("StatusNotification", connectorId=2)
    key = "4F43415F4F4354545F61646D696E5F74657374"
    answer = await csms.call("ChangeConfiguration", {"key": "AuthorizationKey", "value": key})
    assert answer.payload == {"status": "Accepted"}
    second = await csms.next_connection()
    assert second.authorization == bench.basic(password="OCA_OCTT_admin_test")  # 38 hex digits: the 19 bytes
    assert not [m for m in csms.history if m.action == "BootNotification"][1:]   # no reboot, no new boot
