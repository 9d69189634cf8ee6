"""The wording of an OCPP 1.6 certificate's "Abstract of the Test Report": titles, descriptions, row order.

Spelled exactly as on the seed certificate (OCA.0016.1193.CS), typos included, so the report reads like it.
"""
from __future__ import annotations

from dataclasses import dataclass

# ------------------------------------------------------------------------------------------ profiles

PROFILES: tuple[tuple[str, str], ...] = (
    ("Core", "Basic Charging Station, functionality for booting, authorization, configuration, transactions, "
             "remote control, secure firmware updates and Security Profile 2."),
    ("Advanced Security", "Support for TLS with client authentication."),
    ("Smart Charging", "Support for Smart Charging, to control charging."),
)

# results.jsonl `profile` values that the certificate counts under another profile (docs/contracts.md §2).
PROFILE_ALIASES = {
    "Local Auth List Management": "Core",
    "Reservation": "Core",
    "Remote Trigger": "Core",
    "Firmware Management": "Core",
}

# When a result has no profile: the profile of its block.
BLOCK_PROFILES = {
    "core": "Core", "local_auth_list": "Core", "firmware": "Core", "reservation": "Core",
    "remote_trigger": "Core", "smart_charging": "Smart Charging", "properties": "Beyond the plan",
}

#: The profile of the checks beyond the test plan (SC_PROP_1): reported with the cases, never counted in a
#: certification profile's row.
BEYOND_PLAN = "Beyond the plan"

# Order of the blocks in the complete test report (the chapter order of the OCTT test case document).
BLOCK_ORDER = ("core", "local_auth_list", "firmware", "reservation", "remote_trigger", "smart_charging",
               "security", "properties")

# ------------------------------------------------------------------------------------------ sections


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    group: bool = False     # a heading row of the certificate, without a value (C-06, C-10, AQ-7, …)


HARDWARE_INTRO = (
    "The Hardware Feature set is the actual set of relevant hardware properties of the product tested, that "
    "influence the OCPP messaging behavior. In the table below you can see for each hardware feature relevant "
    "for OCPP whether this is applicable for this product.")

HARDWARE = (
    Item("HFS-1", "Has a detachable cable"),
    Item("HFS-2", "Has a fixed cable"),
    Item("HFS-3", "Has AC support"),
    Item("HFS-4", "Has DC support"),
    Item("HFS-5", "Has 1 phase support"),
    Item("HFS-6", "Has 2 phase support"),
    Item("HFS-7", "Has 3 phase support"),
    Item("HFS-8", "No. Connectors"),
    Item("HFS-9", "Communication technology"),
    Item("HFS-10", "RFID readers"),
)

FEATURES_INTRO = (
    "The OCPP specification contains many implementation options that can be selected by a vendor, often in "
    "the form of optional message fields or configuration variables, that can be used to support advanced "
    "functions. Whereas the certification profiles determine which OCPP functionality is implemented, the "
    "features describe how much of a certain functionality in a profile has been implemented. The tables below "
    "indicate per certification profiles, for each available optional feature within this profile, whether "
    "this has been implemented in this product and tested for conformance or not.")


@dataclass(frozen=True)
class FeatureTable:
    profile: str    # the certification profile heading it stands under
    heading: str    # the certificate's column heading
    items: tuple[Item, ...]


FEATURE_TABLES = (
    FeatureTable("Core", "Core Features", (
        Item("C-01", "Support for offline authorization of transactions"),
        Item("C-02", "Support for allowing Offline Authorization for Unknown Ids"),
        Item("C-03", "Support for maximizing energy for invalid ids"),
        Item("C-04", "Authorization Cache"),
        Item("C-05", "Support to limit StatusNotifications"),
        Item("C-06", "Authorization status after cable disconnected on EV side", group=True),
        Item("C-06.1", "Support for maintaining authorization when cable disconnected on EV side"),
        Item("C-06.2", "Support for not maintaining authorization when cable disconnected on EV side"),
        Item("C-07", "Support for local start"),
        Item("C-08", "Support for local stop"),
        Item("C-10", "Unlocking of connector when cable disconnected on EV side", group=True),
        Item("C-10.1", "Support for unlocking connector when cable disconnected on EV side"),
        Item("C-10.2", "Support for not unlocking when cable disconnected on EV side"),
        Item("C-11", "Support for Security Profile 1: Unsecured Transport with Basic Authentication"),
    )),
    FeatureTable("Core", "Local Authorization List Management", (
        Item("LA-0", "Support for Local Authorization List Management"),
    )),
    FeatureTable("Core", "Remote Trigger", (
        Item("RT-0", "Support for Remote Trigger"),
    )),
    FeatureTable("Core", "Reservations", (
        Item("R-0", "Support for Reservations"),
        Item("R-1", "Support reservations of entire Charging Station"),
    )),
    FeatureTable("Smart Charging", "Certification Profile: Smart Charging", (
        Item("SC-1", "Supported charging rate units", group=True),
        Item("SC-1.1", "A"),
        Item("SC-1.2", "W"),
    )),
)

MEASURANDS = (
    Item("C-09", "Supported MeterValue Measurands", group=True),
    Item("C-09.1", "MeterValuesSampled Data"),
    Item("C-09.2", "MeterValuesAligned Data"),
)

CIPHER_SUITES = Item("C-12", "Supported Cipher Suites")

QUESTIONS_INTRO = ("The table below lists a number of questions that are needed for determining the complete "
                   "list of conformance test for this product.")

QUESTIONS = (
    Item("AQ-1", "Can the last CentralSystemRootCertificate can be removed?"),
    Item("AQ-2", "Does the Charging Station have a cable lock, which prevents the EV driver to connect the EV "
                 "and EVSE before authorization?"),
    Item("AQ-3", "Can the last ChargePointCertificate be removed?"),
    Item("AQ-4", "Is your Charging Station able to download firmware while there is an ongoing transaction?"),
    Item("AQ-5", "Does your Charging Station enforce a selection of EVSE prior to authorization?"),
    Item("AQ-6", "Does your Charging Station support charging an EV using IEC 61851-1?"),
    Item("AQ-7", "Reporting of StopTransaction after power loss", group=True),
    Item("AQ-7.1", "Charge Point configured to report StopTransaction before going down."),
    Item("AQ-7.2", "Charge Point configured to report StopTransaction after going down and being back online "
                   "again."),
    Item("AQ-9", "Does your Charging Station have at least one connector with an mechanized locking mechanism "
                 "on Charging Station side?"),
    Item("AQ-11", "Does your Charging Station support an authorization method, that does not rely on the "
                  "communication between EV and Charging Station?"),
)

SETTINGS_INTRO = ("The table below lists a number of settings that are needed for configuring the test setup "
                  "for the conformance test for this product.")

SETTINGS_GROUPS: tuple[tuple[str, tuple[Item, ...]], ...] = (
    ("Limit / Setting", (
        Item("ORS-1", "GetConfigurationMaxKeys"),
        Item("ORS-2", "MeterValuesAlignedDataMaxLength"),
        Item("ORS-3", "MeterValuesSampledDataMaxLength"),
        Item("ORS-4", "Minimum MeterValueSampleInterval supported"),
        Item("ORS-5", "Maximum MeterValueSampleInterval supported"),
        Item("ORS-6", "Minimum HeartbeatInterval supported"),
        Item("ORS-7", "Maximum HeartbeatInterval supported"),
        Item("ORS-8", "StopTransactionMaxMeterValues"),
        Item("ORS-9", "StopTxnAlignedDataMaxLength"),
        Item("ORS-10", "StopTxnSampledDataMaxLength"),
        Item("ORS-11", "WebSocketPingInterval"),
        Item("ORS-12", "LocalAuthListMaxLength"),
        Item("ORS-13", "SendLocalListMaxLength"),
        Item("ORS-17", "CertificateSignedMaxChainSize"),
        Item("ORS-18", "CertificateStoreMaxLength"),
    )),
    ("Certification Profile: Smart Charging", (
        Item("ORS-14", "ChargingProfileMaxStackLevel"),
        Item("ORS-15", "ChargingScheduleMaxPeriods"),
        Item("ORS-19", "MaxChargingProfilesInstalled"),
    )),
    ("Firmware Management Settings", (
        Item("ORS-16", "Supported file transfer protocols"),
    )),
)

PERFORMANCE_INTRO = (
    "The tables below shows the list of key performance indicators that are measured during the conformance "
    "test. The first table indicates the values that the vendor indicates that are valid maximum values for "
    "this product. The second table lists the actual performance measurements during the tests performed in a "
    "controlled environment.")

COMMUNICATION_TECHNOLOGY_LABEL = "Communication technology used during performance measurement"
