"""4.8 Configuration: TC_019_CS, TC_021_CS."""

from __future__ import annotations

from harness.testcase import testcase

#: Required keys of each feature profile (OCPP 1.6 §9) with their accessibility; "either" where the spec
#: allows read-only or read-write.
REQUIRED_KEYS: dict[str, dict[str, str]] = {
    "Core": {
        "GetConfigurationMaxKeys": "read-only", "NumberOfConnectors": "read-only",
        "SupportedFeatureProfiles": "read-only", "AuthorizeRemoteTxRequests": "either",
        **{key: "read-write" for key in (
            "ClockAlignedDataInterval", "ConnectionTimeOut", "ConnectorPhaseRotation", "HeartbeatInterval",
            "LocalAuthorizeOffline", "LocalPreAuthorize", "MeterValuesAlignedData", "MeterValuesSampledData",
            "MeterValueSampleInterval", "ResetRetries", "StopTransactionOnEVSideDisconnect",
            "StopTransactionOnInvalidId", "StopTxnAlignedData", "StopTxnSampledData",
            "TransactionMessageAttempts", "TransactionMessageRetryInterval", "UnlockConnectorOnEVSideDisconnect")},
    },
    "LocalAuthListManagement": {"LocalAuthListEnabled": "read-write", "LocalAuthListMaxLength": "read-only",
                                "SendLocalListMaxLength": "read-only"},
    "SmartCharging": {key: "read-only" for key in ("ChargeProfileMaxStackLevel",
                                                  "ChargingScheduleAllowedChargingRateUnit",
                                                  "ChargingScheduleMaxPeriods", "MaxChargingProfilesInstalled")},
}

PROFILES = {"Core", "FirmwareManagement", "LocalAuthListManagement", "Reservation", "SmartCharging",
            "RemoteTrigger"}


def _access(entry: dict) -> str:
    return "read-only" if entry.get("readonly") else "read-write"


@testcase("TC_019_CS", "Retrieve configuration", block="core")
async def test_retrieve_configuration(cs, setup, pics):
    """SupportedFeatureProfiles lists the PICS's profiles; GetConfiguration without keys returns every
    required key of those profiles with the right accessibility (a key the PICS declares keeps the declared
    accessibility); the AuthorizationKey is never readable (security whitepaper: write-only)."""
    response = await cs.call("GetConfiguration", key=["SupportedFeatureProfiles"])
    cs.require(not response.payload.get("unknownKey"), f"unknownKey {response.payload.get('unknownKey')}")
    entries = {e["key"]: e for e in response.payload.get("configurationKey", [])}
    cs.require("SupportedFeatureProfiles" in entries, "SupportedFeatureProfiles was not returned")
    reported = {p.strip() for p in (entries["SupportedFeatureProfiles"].get("value") or "").split(",") if p.strip()}
    cs.require("Core" in reported and reported <= PROFILES,
               f"SupportedFeatureProfiles is {sorted(reported)}: it must contain Core and known profiles only")
    cs.require(reported == set(pics.feature_profiles),
               f"SupportedFeatureProfiles is {sorted(reported)}; the PICS declares {sorted(pics.feature_profiles)}")

    everything = await cs.call("GetConfiguration")
    entries = {e["key"]: e for e in everything.payload.get("configurationKey", [])}
    problems = []
    for profile in sorted(reported & REQUIRED_KEYS.keys()):
        for key, access in REQUIRED_KEYS[profile].items():
            declared = pics.configuration_keys.get(key)
            access = declared.access if declared is not None else access
            if key not in entries:
                problems.append(f"{key} ({profile}) is missing")
            elif access != "either" and _access(entries[key]) != access:
                problems.append(f"{key} is {_access(entries[key])}, expected {access}")
    cs.require(not problems, "GetConfiguration: " + "; ".join(problems))
    limits = {"GetConfigurationMaxKeys": str(pics.ors("ORS-1")), "NumberOfConnectors": str(len(pics.connector_ids))}
    wrong = [f"{k}={entries.get(k, {}).get('value')} (PICS: {v})" for k, v in limits.items() if entries.get(k, {}).get("value") != v]
    cs.require(not wrong, "values differ from the PICS: " + ", ".join(wrong))
    cs.require(not entries.get("AuthorizationKey", {}).get("value"),
               "GetConfiguration without keys returned the value of AuthorizationKey, which is write-only")

    secret = await cs.call("GetConfiguration", key=["AuthorizationKey"])
    readable = [e for e in secret.payload.get("configurationKey", []) if e.get("key") == "AuthorizationKey" and e.get("value")]
    cs.require(not readable, "GetConfiguration(AuthorizationKey) returned its value, which is write-only")


@testcase("TC_021_CS", "Change/set Configuration", block="core")
async def test_change_configuration(cs, setup, pics):
    """ChangeConfiguration(MeterValueSampleInterval=<configured>) is Accepted and GetConfiguration then
    returns the new value."""
    target = setup.intervals.meter_value_sample
    current = await cs.configuration("MeterValueSampleInterval")
    if current == str(target):  # precondition of the plan: the value differs before the change
        await cs.configure("MeterValueSampleInterval", str(target + 1))
    await cs.configure("MeterValueSampleInterval", str(target))
    value = await cs.configuration("MeterValueSampleInterval")
    cs.require(value == str(target), "GetConfiguration " + (
        "reports MeterValueSampleInterval as unknown" if value is None else f"returned MeterValueSampleInterval={value}")
        + f" after it was set to {target} (ChangeConfiguration Accepted)")
