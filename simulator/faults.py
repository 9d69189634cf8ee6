"""Named faults of the reference charge point: the single table name -> one-line behaviour.

A fault makes the charge point deviate from OCPP 1.6 in one plausible way that a real charger could have.
Behaviour code asks ``faults.active("name")`` exactly at the point where it would deviate; the name is
checked against this table, so a typo in the code fails loudly instead of silently never firing.
Each row also names the test cases of the plan that must fail when the fault is injected; the harness's
docs/faults.md is the proven version of that claim.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

class Fault(NamedTuple):
    description: str
    catches: str            # the test cases of the plan (TC_xxx, without _CS) that must fail with it


FAULTS: dict[str, Fault] = {
    # --- boot, heartbeat (TC_001, TC_002) ---
    "boot-ignores-interval": Fault("retries BootNotification immediately after Rejected/Pending instead of waiting the interval",
        "TC_001 TC_002"),
    "no-status-connector-zero": Fault("sends no StatusNotification for connector 0 after boot",
        "TC_001 TC_002"),
    "heartbeat-wrong-interval": Fault("sends Heartbeat at twice the HeartbeatInterval",
        "TC_001 TC_002"),
    "pending-rejects-change-configuration": Fault("answers ChangeConfiguration Rejected while the boot is Pending",
        "TC_002"),
    # --- local / remote start and stop (TC_003, TC_004, TC_010-012, TC_068, TC_069) ---
    "skip-preparing": Fault("sends no StatusNotification Preparing (on plug-in or on authorization)",
        "TC_003 TC_004_1 TC_004_2 TC_010 TC_011_1"),
    "no-charging-status": Fault("sends no StatusNotification Charging after StartTransaction",
        "TC_003 TC_004_1 TC_010 TC_011_1"),
    "no-authorize-local-start": Fault("starts a transaction for a presented idTag without Authorize or a cache/list check",
        "TC_003 TC_023_4"),
    "ignores-connection-timeout": Fault("never leaves Preparing when the cable is not plugged in after authorization",
        "TC_004_2 TC_011_2"),
    "remote-start-rejected": Fault("answers every RemoteStartTransaction Rejected",
        "TC_010 TC_011_1 TC_011_2"),
    "skip-authorize-remote": Fault("sends no Authorize for RemoteStartTransaction even when AuthorizeRemoteTxRequests is true",
        "TC_010 TC_011_1 TC_023_5"),
    "wrong-stop-reason": Fault("reports reason Local in StopTransaction for a remote stop",
        "TC_012"),
    "stop-on-foreign-tag": Fault("a different idTag (without a matching parentIdTag) stops the running transaction",
        "TC_068"),
    "ignores-parent-id-tag": Fault("a different idTag with the same parentIdTag does not stop the transaction",
        "TC_069"),
    # --- configuration (TC_019, TC_021, TC_040) ---
    "missing-config-key": Fault("GetConfiguration without keys omits ConnectionTimeOut",
        "TC_019"),
    "authorization-key-readable": Fault("GetConfiguration returns the AuthorizationKey",
        "TC_019"),
    "change-config-not-persisted": Fault("answers ChangeConfiguration Accepted but keeps the old value",
        "TC_021"),
    "accepts-invalid-config-value": Fault("answers ChangeConfiguration Accepted to an invalid value (and keeps the old one)",
        "TC_040_2"),
    "accepts-unknown-config-key": Fault("answers ChangeConfiguration Accepted to an unknown key",
        "TC_040_1"),
    "readonly-config-accepted": Fault("answers ChangeConfiguration Accepted to a read-only key (and keeps the value)",
        "TC_019"),
    # --- meter values (TC_070, TC_071) ---
    "meter-values-wrong-interval": Fault("samples MeterValues at twice the MeterValueSampleInterval",
        "TC_070"),
    "meter-values-wrong-context": Fault("reports periodic samples with context Sample.Clock",
        "TC_070"),
    "meter-values-missing-measurand": Fault("reports only Energy.Active.Import.Register whatever MeterValuesSampledData says",
        "TC_070"),
    "clock-aligned-not-aligned": Fault("sends clock-aligned MeterValues at unaligned times",
        "TC_071"),
    # --- cache (TC_007, TC_061) ---
    "sends-authorize-for-cached-id": Fault("sends Authorize and waits for it even for an Accepted cached idTag with LocalPreAuthorize",
        "TC_007_1 TC_007_2"),
    "clear-cache-not-clearing": Fault("answers ClearCache Accepted but keeps the cache",
        "TC_061_1 TC_061_2"),
    # --- EV side disconnect (TC_005) ---
    "ev-disconnect-no-stop": Fault("keeps the transaction (SuspendedEV) on an EV-side disconnect although StopTransactionOnEVSideDisconnect is true",
        "TC_005_1 TC_005_2"),
    "ev-disconnect-wrong-reason": Fault("stops with reason Local instead of EVDisconnected on an EV-side disconnect",
        "TC_005_1 TC_005_2"),
    # --- reset (TC_013-016) ---
    "hard-reset-wrong-reason": Fault("stops transactions with reason Reboot on a hard reset",
        "TC_015"),
    "soft-reset-wrong-reason": Fault("stops transactions with reason Reboot on a soft reset",
        "TC_016"),
    "reset-rejected": Fault("answers every Reset Rejected",
        "TC_013 TC_014"),
    # --- unlock (TC_017, TC_018, TC_031) ---
    "unlock-fixed-cable-unlocked": Fault("answers UnlockConnector Unlocked on a fixed cable",
        "TC_017_2 TC_018_2"),
    "unlock-unknown-connector-unlocked": Fault("answers UnlockConnector Unlocked for a connector that does not exist",
        "TC_031"),
    "unlock-always-fails": Fault("answers UnlockConnector UnlockFailed on a detachable cable (a silently broken lock motor)",
        "TC_017_1 TC_018_1"),
    "unlock-keeps-transaction": Fault("unlocks a detachable cable without stopping the running transaction",
        "TC_018_1"),
    # --- remote actions, non-happy (TC_026-028) ---
    "accept-remote-start-busy": Fault("accepts RemoteStartTransaction on a connector that is already charging",
        "TC_026"),
    "accept-remote-start-connector-zero": Fault("accepts RemoteStartTransaction for connectorId 0",
        "TC_027"),
    "accept-unknown-transaction-stop": Fault("answers RemoteStopTransaction Accepted for an unknown transactionId",
        "TC_028"),
    # --- availability, power failure (TC_013, TC_034, TC_032) ---
    "change-availability-not-scheduled": Fault("answers ChangeAvailability Accepted instead of Scheduled while a transaction runs",
        "TC_013"),
    "forgets-availability-after-reboot": Fault("comes back Operative after a reboot or power cycle whatever was set",
        "TC_013 TC_014 TC_034"),
    "stop-reason-missing-powerloss": Fault("reports reason Other instead of PowerLoss for a transaction cut by a power failure",
        "TC_032_1 TC_032_2"),
    # --- offline (TC_036-039) ---
    "no-offline-queue": Fault("drops transaction messages that cannot be sent while offline",
        "TC_036 TC_037_1 TC_038 TC_039"),
    "stops-on-connection-loss": Fault("stops the running transactions (reason Other) when the connection is lost",
        "TC_036"),
    "ignores-stop-on-invalid-id": Fault("keeps charging when StartTransaction answers Invalid although StopTransactionOnInvalidId is true",
        "TC_037_3"),
    # --- faults, data transfer (TC_041, TC_062) ---
    "no-faulted-status": Fault("sends no StatusNotification Faulted when a fault is raised",
        "TC_041 TC_024"),
    "data-transfer-accepted": Fault("answers DataTransfer Accepted for an unknown vendorId",
        "TC_062"),
    # --- reservation (TC_046-053) ---
    "reservation-ignored": Fault("answers ReserveNow Accepted but does not reserve (no Reserved status, any idTag may charge)",
        "TC_046_1 TC_046_2"),
    "reservation-id-missing": Fault("omits the reservationId from the StartTransaction of a reserved session",
        "TC_046_1 TC_046_2 TC_049 TC_053_1 TC_053_2"),
    "reservation-never-expires": Fault("keeps a reservation after its expiryDate",
        "TC_047"),
    "cancel-reservation-always-accepted": Fault("answers CancelReservation Accepted for an unknown reservationId",
        "TC_052"),
    "cancel-reservation-ignored": Fault("answers CancelReservation Accepted but keeps the reservation (until it expires)",
        "TC_051"),
    "reservation-drops-parent-id-tag": Fault("ignores the parentIdTag of ReserveNow: only the reserved idTag itself may "
                                             "use the reservation", "TC_053_1 TC_053_2"),
    "reservation-zero-not-enforced": Fault("a reservation of connector 0 keeps no connector free: another idTag may take "
                                           "the last free connector", "TC_049"),
    "reservation-accepted-without-support": Fault("answers every ReserveNow Accepted (and reserves nothing) although "
                                                  "Reservation is not a supported feature profile", "TC_048_4 TC_050_4"),
    # --- smart charging (TC_056-060, TC_066, TC_067, TC_072, TC_082, the property block SC_PROP_1) ---
    "charging-profile-stack-ignored": Fault("the lowest stack level wins instead of the highest in the composite schedule",
        "TC_067 TC_072 SC_PROP_1"),
    "composite-ignores-max-profile": Fault("the composite schedule ignores the ChargePointMaxProfile",
        "TC_066 TC_067 SC_PROP_1"),
    "tx-profile-without-transaction-accepted": Fault("accepts a TxProfile without a matching running transaction",
        "TC_058_1 TC_058_2"),
    "remote-start-profile-not-checked": Fault("accepts RemoteStartTransaction with a chargingProfile that is not a TxProfile",
        "TC_060"),
    "clear-profile-not-clearing": Fault("answers ClearChargingProfile Accepted but keeps the profiles",
        "TC_067 TC_082 SC_PROP_1"),
    "tx-default-over-tx-profile": Fault("a TxDefaultProfile in force overrules the running transaction's TxProfile "
                                        "(in the composite schedule and in the power drawn)", "TC_057 TC_066 SC_PROP_1"),
    "recurring-off-by-a-day": Fault("computes the start of a Recurring (Daily/Weekly) schedule's current recurrence "
                                    "one day late: a Daily profile never comes into force, a Weekly one skips the "
                                    "first day of each week and then runs a day behind", "TC_056 SC_PROP_1"),
    "watts-taken-as-amps": Fault("reads the limits of a profile in W as if they were in A (no conversion), in the "
                                 "composite schedule and in the power drawn", "TC_056 TC_057 TC_066 TC_072 TC_082 SC_PROP_1"),
    "valid-to-ignored": Fault("ignores validTo: a profile stays in force (and installed) after it", "TC_072 SC_PROP_1"),
    "clear-by-stack-level-clears-all": Fault("a ClearChargingProfile with a stackLevel criterion (and no id) clears "
                                             "every profile, whatever the other criteria", "TC_067"),
    "composite-empty-periods": Fault("answers GetCompositeSchedule Accepted with an empty chargingSchedulePeriod list",
                                     "TC_059 TC_066 TC_082 SC_PROP_1"),
    # --- firmware management (TC_044, TC_045) ---
    "firmware-installed-without-reboot": Fault("reports FirmwareStatusNotification Installed without rebooting",
        "TC_044_1"),
    "diagnostics-not-uploaded": Fault("reports DiagnosticsStatusNotification Uploaded without uploading anything",
        "TC_045_1 TC_045_2"),
    "firmware-skips-downloaded": Fault("sends no FirmwareStatusNotification Downloaded (Downloading, then Installing)",
        "TC_044_1 TC_044_3"),
    "firmware-statuses-out-of-order": Fault("reports FirmwareStatusNotification Installing before Downloaded",
        "TC_044_1 TC_044_3"),
    "firmware-retries-ignored": Fault("tries a firmware download once, whatever retries UpdateFirmware asked for",
        "TC_044_2"),
    "firmware-retrieve-date-ignored": Fault("downloads the firmware at once instead of at the retrieveDate",
        "TC_044_1"),
    "diagnostics-upload-failure-not-reported": Fault("gives up a failed diagnostics upload silently: no "
                                                     "DiagnosticsStatusNotification UploadFailed", "TC_045_2"),
    "firmware-not-implemented": Fault("answers UpdateFirmware and GetDiagnostics with CALLERROR NotImplemented "
                                      "although its PICS claims Firmware Management",
                                      "TC_044_1 TC_044_2 TC_044_3 TC_045_1 TC_045_2"),
    "firmware-trigger-wrong-message": Fault("answers TriggerMessage(FirmwareStatusNotification) Accepted but sends "
                                            "a DiagnosticsStatusNotification, and the other way round", "TC_054"),
    # --- security whitepaper: Basic auth, security profile, GetLog (TC_073, TC_079, TC_084, TC_085) ---
    "get-log-not-uploaded": Fault("answers GetLog Accepted and reports LogStatusNotification Uploaded without "
                                  "uploading anything", "TC_079"),
    "log-status-wrong-request-id": Fault("reports LogStatusNotification with a requestId other than the GetLog's",
                                         "TC_079"),
    "security-profile-downgrade-accepted": Fault("answers ChangeConfiguration(SecurityProfile lower than the "
                                                 "current one) Accepted instead of Rejected", "TC_084"),
    "basic-auth-wrong-user": Fault("reconnects after a lost connection with its serial number as the Basic auth "
                                   "username instead of the chargePointId", "TC_085 TC_086"),
    "cipher-suite-aes256-unsupported": Fault("offers only the AES-128 suites over TLS 1.2, although its C-12 "
                                             "claims an AES-256 one too", "TC_086 TC_087"),
    "client-certificate-not-presented-on-reconnect": Fault(
        "at security profile 3, reconnects after a lost connection without presenting its ChargePointCertificate",
        "TC_087"),
    "security-profile-upgrade-not-applied": Fault("answers ChangeConfiguration(SecurityProfile one higher) "
                                                  "Accepted but reconnects at the old security profile", "TC_083"),
    "installed-certificate-not-listed": Fault("GetInstalledCertificateIds lists only the first certificate of "
                                              "the type, not one installed later", "TC_075_2"),
    "certificate-hash-over-whole-key": Fault("computes issuerKeyHash over the whole SubjectPublicKeyInfo instead "
                                             "of the public key bits (OCSP's CertID)", "TC_075_1 TC_075_2 TC_076"),
    "certificate-not-deleted": Fault("answers DeleteCertificate Accepted but keeps the certificate",
                                     "TC_075_1 TC_075_2 TC_076"),
    "invalid-root-certificate-accepted": Fault("answers InstallCertificate Accepted for an expired root",
                                               "TC_078"),
    "no-security-event-for-invalid-root-certificate": Fault(
        "rejects an invalid CentralSystemRootCertificate but sends no SecurityEventNotification "
        "InvalidCentralSystemCertificate", "TC_078"),
    "firmware-signature-not-verified": Fault("reports SignatureVerified and installs a firmware whose signature "
                                             "does not verify", "TC_081"),
    "no-security-event-for-invalid-signature": Fault("reports InvalidSignature but sends no "
                                                     "SecurityEventNotification InvalidFirmwareSignature", "TC_081"),
    "signed-firmware-status-wrong-request-id": Fault("reports SignedFirmwareStatusNotification with a requestId "
                                                     "other than the SignedUpdateFirmware's", "TC_080 TC_081"),
    "sign-certificate-not-sent": Fault("answers ExtendedTriggerMessage(SignChargePointCertificate) Accepted and "
                                       "sends no SignCertificate", "TC_074 TC_077"),
    "csr-without-cpo-name": Fault("sends a CSR whose subject has no organizationName (O), not the CpoName",
                                  "TC_074"),
    "signed-certificate-not-used": Fault("answers CertificateSigned Accepted but keeps presenting its old "
                                         "ChargePointCertificate", "TC_074"),
    "invalid-charge-point-certificate-accepted": Fault("answers CertificateSigned Accepted for a certificate "
                                                       "from a CA it does not trust", "TC_077"),
    "no-security-event-for-invalid-charge-point-certificate": Fault(
        "rejects an invalid CertificateSigned but sends no SecurityEventNotification InvalidChargePointCertificate",
        "TC_077"),
    "get-log-accepted-then-silent": Fault("answers GetLog Accepted, then sends no LogStatusNotification and "
                                          "uploads nothing", "TC_079"),
    "signed-update-accepted-then-silent": Fault("answers SignedUpdateFirmware Accepted, then sends no "
                                                "SignedFirmwareStatusNotification and downloads nothing",
                                                "TC_080 TC_081"),
    "firmware-signing-certificate-not-checked": Fault(
        "accepts SignedUpdateFirmware with a signing certificate no ManufacturerRootCertificate vouches for, and "
        "installs what it signed", "TC_081"),
    "root-certificate-key-usage-not-checked": Fault(
        "installs a CentralSystemRootCertificate whose Key Usage lacks keyCertSign", "TC_078"),
    "charge-point-certificate-only-chain-checked": Fault(
        "accepts a CertificateSigned that chains to its trusted root although it is expired, names another "
        "charge point or lacks digitalSignature", "TC_077"),
    # --- more non-happy paths ---
    "starts-on-invalid-id": Fault("starts a transaction although Authorize answered Invalid/Blocked/Expired",
        "TC_023_4 TC_023_5"),
    "unlock-ignores-lock-failure": Fault("answers UnlockConnector Unlocked while the lock has failed (ConnectorLockFailure)",
        "TC_030"),
    "stops-on-invalid-id-anyway": Fault("stops (DeAuthorized) on an Invalid StartTransaction although StopTransactionOnInvalidId is false",
        "TC_037_2"),
    "trigger-message-not-sent": Fault("answers TriggerMessage Accepted but never sends the requested message",
        "TC_054"),
    "trigger-unknown-connector-accepted": Fault("answers TriggerMessage Accepted for a connector that does not exist",
        "TC_055"),
    "authorization-key-not-applied": Fault("accepts a new AuthorizationKey but keeps connecting with the old one",
        "TC_073"),
    "central-system-root-not-installed": Fault("has no CentralSystemRootCertificate installed: refuses the Central "
                                               "System's server certificate at security profiles 2 and 3", "TC_086"),
    "reservation-status-not-checked": Fault("answers ReserveNow Accepted whatever the connector's state (faulted, occupied, unavailable)",
        "TC_048_1 TC_048_2 TC_048_3 TC_050_1 TC_050_2 TC_050_3"),
    # --- local authorization list (TC_008, TC_042, TC_043) ---
    "local-list-version-not-updated": Fault("accepts SendLocalList but keeps reporting the previous list version",
        "TC_043_2"),
    "local-list-not-used": Fault("keeps the local list but authorizes every idTag with Authorize, listed or not",
        "TC_008_1 TC_008_2"),
    "local-list-version-when-disabled": Fault("reports the list version with LocalAuthListEnabled false (instead of -1)",
        "TC_042_1"),
    "empty-local-list-keeps-version": Fault("reports the version an empty list was sent with instead of 0",
        "TC_042_2"),
    "local-list-differential-fails": Fault("answers every Differential SendLocalList Failed", "TC_043"),
    "local-list-accepted-without-support": Fault("answers SendLocalList Accepted without Local Authorization List "
                                                 "Management (LA-0 = No)", "TC_043_1"),
    "local-list-over-limit-accepted": Fault("installs a list longer than SendLocalListMaxLength", "TC_043_3"),
    # --- defects a flow check alone does not see: the harness's evidence rules (causality, unexpected reboot,
    #     late or reordered transaction messages, invariants, boot answer delay) find them ---
    "start-before-plug-in": Fault("starts the transaction of an accepted RemoteStartTransaction right after Preparing, "
                                  "without waiting for the cable", "TC_011_1 TC_011_2"),
    "available-before-unplug": Fault("reports Available as soon as it has unlocked the connector (after Finishing), "
                                     "before the cable is unplugged; nothing when it is", "TC_018_1"),
    "reboots-at-connection-timeout": Fault("crashes and reboots when ConnectionTimeOut runs out, instead of going "
                                           "back to Available", "TC_004_2 TC_011_2"),
    "clock-behind": Fault("its clock runs 15 minutes behind and it ignores the currentTime of BootNotification.conf "
                          "and Heartbeat.conf", "TC_003 TC_010"),
    "queue-delivered-newest-first": Fault("after being offline, delivers the queued transaction messages newest first",
                                          "TC_036 TC_039"),
    "meter-stop-zero-after-power-loss": Fault("reports meterStop 0 for a transaction a power loss cut",
                                              "TC_032_2"),
    "requests-while-pending": Fault("sends StatusNotification for its connectors while its boot is Pending",
                                    "TC_002"),
    "get-configuration-ignores-keys": Fault("answers a GetConfiguration with a key list with four fixed keys "
                                            "(HeartbeatInterval, MeterValueSampleInterval, ConnectionTimeOut, "
                                            "NumberOfConnectors)", "TC_019 TC_021"),
    "status-before-boot-answer": Fault("sends its StatusNotifications right after BootNotification, without waiting "
                                       "for the answer", "TC_001 TC_034"),
    "accepts-non-numeric-interval": Fault("accepts a non-integer value for an integer key (HeartbeatInterval=abc) and "
                                          "then sends Heartbeats as fast as it can", "TC_040_2"),
    # --- faults that test the run itself: the baseline's recovery ladder, its warnings, a run that stops when
    #     the charger is stuck (docs/faults.md, "Faults for the run's own robustness") ---
    "stuck-unavailable": Fault("once a connector (or the charge point) is Inoperative, answers "
                               "ChangeAvailability(Operative) Accepted but stays Unavailable; its persisted "
                               "availability survives a soft Reset and a power cycle", "TC_013 TC_014"),
    "local-list-full-update-fails": Fault("answers every SendLocalList Full with an empty list Failed (a non-empty "
                                          "or Differential update still works)", "TC_042_2"),
}


class UnknownFault(ValueError):
    """A fault name that is not in FAULTS."""


class Faults:
    """The set of faults injected into this run."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        names = list(names)
        unknown = [n for n in names if n not in FAULTS]
        if unknown:
            raise UnknownFault(
                f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(sorted(FAULTS))}"
            )
        self._active = frozenset(names)

    def active(self, name: str) -> bool:
        if name not in FAULTS:
            raise KeyError(f"fault {name!r} is not in simulator.faults.FAULTS")
        return name in self._active

    def __iter__(self):
        return iter(sorted(self._active))


def table() -> str:
    """The fault table as printed by ``--list-faults``: name, behaviour, [test cases that catch it]."""
    width = max(len(n) for n in FAULTS)
    return "\n".join(f"{name:<{width}}  {fault.description}  [{', '.join(fault.catches.split())}]"
                     for name, fault in FAULTS.items())
