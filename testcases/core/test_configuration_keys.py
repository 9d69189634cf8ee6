"""4.15 Configuration keys, non-happy: TC_040_1_CS, TC_040_2_CS."""

from __future__ import annotations

from harness.testcase import testcase

#: A key no charge point implements (the plan's value).
UNKNOWN_KEY = "Testing"


@testcase("TC_040_1_CS", "Configuration key – NotSupported", block="core")
async def test_configuration_key_not_supported(cs):
    """ChangeConfiguration(key "Testing", value "true") is answered NotSupported: "If 'key' does not correspond
    to a configuration setting supported by Charge Point, it SHALL respond with a status 'NotSupported'"
    (OCPP 1.6 §5.3)."""
    response = await cs.call("ChangeConfiguration", key=UNKNOWN_KEY, value="true")
    cs.require(response["status"] == "NotSupported",
               f"ChangeConfiguration({UNKNOWN_KEY}=true) answered {response['status']}; expected NotSupported")


@testcase("TC_040_2_CS", "Configuration key – Invalid value", block="core")
async def test_configuration_key_invalid_value(cs):
    """ChangeConfiguration of a known key with an invalid value (EVerest's MeterValueSampleInterval="-1", an
    interval in seconds cannot be negative) is answered Rejected: "requests with out-of-range values and
    requests with values that do not conform to an expected format" are Rejected (OCPP 1.6 §5.3). The change
    goes through ``cs.configure``, so that a charger that wrongly takes the value gets the old one back."""
    await cs.configure("MeterValueSampleInterval", "-1", expect="Rejected")
