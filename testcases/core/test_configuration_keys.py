"""4.15 Configuration keys, non-happy: TC_040_1_CS, TC_040_2_CS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.csms.station import Station
from harness.testcase import testcase

#: A key no charge point implements (the plan's value).
UNKNOWN_KEY = "Testing"
#: Answers by which a charger took a value (§5.3: RebootRequired takes it too, from the next reboot on).
TAKEN = ("Accepted", "RebootRequired")
#: Interval keys and the ORS item that states their maximum.
MAXIMA = (("MeterValueSampleInterval", "ORS-5"), ("HeartbeatInterval", "ORS-7"))
#: Boolean keys every Core charger has (§9.1); the first one the PICS does not declare read-only is used.
BOOLEAN_KEYS = ("StopTransactionOnInvalidId", "LocalPreAuthorize", "LocalAuthorizeOffline")


@testcase("TC_040_1_CS", "Configuration key – NotSupported", block="core")
async def test_configuration_key_not_supported(cs):
    """ChangeConfiguration(key "Testing", value "true") is answered NotSupported: "If 'key' does not correspond
    to a configuration setting supported by Charge Point, it SHALL respond with a status 'NotSupported'"
    (OCPP 1.6 §5.3)."""
    response = await cs.call("ChangeConfiguration", key=UNKNOWN_KEY, value="true")
    cs.require(response["status"] == "NotSupported",
               f"ChangeConfiguration({UNKNOWN_KEY}=true) answered {response['status']}; expected NotSupported")


@dataclass(frozen=True)
class InvalidValue:
    """One ChangeConfiguration of TC_040_2: a key, a value it cannot take, and why it cannot."""

    key: str
    value: str
    why: str


def invalid_values(pics: Any) -> list[InvalidValue]:
    """One value of each kind of invalid value, chosen for this charger (see TC_040_2_CS)."""
    values = [InvalidValue("MeterValueSampleInterval", "-1", "a negative interval"),
              InvalidValue("HeartbeatInterval", "abc", "not a number")]
    for key, ors_id in MAXIMA:
        maximum = pics.ors(ors_id, None)
        if isinstance(maximum, int) and not isinstance(maximum, bool):
            values.append(InvalidValue(key, str(maximum + 1), f"above the maximum {maximum} ({ors_id})"))
            break
    for key in BOOLEAN_KEYS:
        declared = pics.configuration_keys.get(key)
        if declared is None or not declared.read_only:
            values.append(InvalidValue(key, "maybe", "not a boolean"))
            break
    values.append(InvalidValue("MeterValuesSampledData", "Energy.Active.Import.Register,Foo.Bar",
                               "a list with a measurand that does not exist"))
    return values


async def try_invalid(cs: Station, invalid: InvalidValue) -> str | None:
    """ChangeConfiguration with the invalid value: None when refused as OCPP asks, else what went wrong. A value
    the charger took is replaced by the old one at once, so the next kinds meet the charger as it was."""
    old = await cs.configuration(invalid.key)                 # None: the charger does not have the key
    response = await cs.call("ChangeConfiguration", key=invalid.key, value=invalid.value)
    status = response["status"]
    if status == "Rejected" or (status == "NotSupported" and old is None):
        return None
    wrong = f"{invalid.key}={invalid.value} ({invalid.why}) answered {status}"
    if status == "NotSupported":
        return wrong + " although GetConfiguration reports the key (NotSupported is for a key it does not have)"
    if status in TAKEN and old is not None:
        restored = await cs.call("ChangeConfiguration", key=invalid.key, value=old)
        if restored["status"] not in TAKEN:
            wrong += f", and putting back \"{old}\" answered {restored['status']}"
    return wrong


@testcase("TC_040_2_CS", "Configuration key – Invalid value", block="core")
async def test_configuration_key_invalid_value(cs, pics):
    """ChangeConfiguration of known keys with invalid values, one of each kind, is answered Rejected: "requests
    with out-of-range values and requests with values that do not conform to an expected format" are Rejected
    (OCPP 1.6 §5.3). The plan names one ([T]; EVerest's MeterValueSampleInterval="-1"); a charger may check one
    kind and not another, so each kind is tried:

    - a negative number: MeterValueSampleInterval=-1;
    - not a number: HeartbeatInterval=abc;
    - a number above the maximum the PICS states: MeterValueSampleInterval=ORS-5 + 1, else
      HeartbeatInterval=ORS-7 + 1; skipped when the PICS states neither (no other key has a numeric maximum
      in the PICS: the list-length ORS items bound lists, not values);
    - not a boolean: the first of StopTransactionOnInvalidId, LocalPreAuthorize, LocalAuthorizeOffline that
      the PICS does not declare read-only (a read-only key is Rejected whatever the value) =maybe; skipped
      when all three are;
    - a list with an unknown measurand: MeterValuesSampledData=Energy.Active.Import.Register,Foo.Bar.

    NotSupported is accepted only for a key the charger does not have (GetConfiguration returns no value for
    it): §5.3 answers NotSupported for such a key. The case tries every kind before it judges and names every
    value that was taken, with its answer, in one reason. A value the charger took (Accepted, RebootRequired)
    is replaced at once by the value GetConfiguration returned before, so a charger the value upsets (one
    that floods Heartbeats after HeartbeatInterval=abc) is itself again for the next kind and the next case."""
    wrong = []
    for invalid in invalid_values(pics):
        problem = await try_invalid(cs, invalid)
        if problem:
            wrong.append(problem)
    cs.require(not wrong, "invalid values were not Rejected: " + "; ".join(wrong))
