"""Named faults of the reference charge point: the single table name -> one-line behaviour.

A fault makes the charge point deviate from OCPP 1.6 in one plausible way that a real charger could have.
Behaviour code asks ``faults.active("name")`` exactly at the point where it would deviate; the name is
checked against this table, so a typo in the code fails loudly instead of silently never firing.
Which test case of the plan must catch each fault is documented in docs/faults.md (the harness side).
"""

from __future__ import annotations

from typing import Iterable

FAULTS: dict[str, str] = {
    # --- boot, heartbeat (TC_001, TC_002) ---
    "boot-ignores-interval": "retries BootNotification immediately after Rejected/Pending instead of waiting the interval",
    "no-status-connector-zero": "sends no StatusNotification for connector 0 after boot",
    "heartbeat-wrong-interval": "sends Heartbeat at twice the HeartbeatInterval",
    "pending-rejects-change-configuration": "answers ChangeConfiguration Rejected while the boot is Pending",
    # --- local / remote start and stop (TC_003, TC_004, TC_010-012, TC_068, TC_069) ---
    "skip-preparing": "sends no StatusNotification Preparing (on plug-in or on authorization)",
    "no-charging-status": "sends no StatusNotification Charging after StartTransaction",
    "no-authorize-local-start": "starts a transaction for a presented idTag without Authorize or a cache/list check",
    "ignores-connection-timeout": "never leaves Preparing when the cable is not plugged in after authorization",
    "remote-start-rejected": "answers every RemoteStartTransaction Rejected",
    "skip-authorize-remote": "sends no Authorize for RemoteStartTransaction even when AuthorizeRemoteTxRequests is true",
    "wrong-stop-reason": "reports reason Local in StopTransaction for a remote stop",
    "stop-on-foreign-tag": "a different idTag (without a matching parentIdTag) stops the running transaction",
    "ignores-parent-id-tag": "a different idTag with the same parentIdTag does not stop the transaction",
    # --- configuration (TC_019, TC_021, TC_040) ---
    "missing-config-key": "GetConfiguration without keys omits ConnectionTimeOut",
    "authorization-key-readable": "GetConfiguration returns the AuthorizationKey",
    "change-config-not-persisted": "answers ChangeConfiguration Accepted but keeps the old value",
    "accepts-invalid-config-value": "answers ChangeConfiguration Accepted to an invalid value (and keeps the old one)",
    "accepts-unknown-config-key": "answers ChangeConfiguration Accepted to an unknown key",
    "readonly-config-accepted": "answers ChangeConfiguration Accepted to a read-only key (and keeps the value)",
    # --- meter values (TC_070, TC_071) ---
    "meter-values-wrong-interval": "samples MeterValues at twice the MeterValueSampleInterval",
    "meter-values-wrong-context": "reports periodic samples with context Sample.Clock",
    "meter-values-missing-measurand": "reports only Energy.Active.Import.Register whatever MeterValuesSampledData says",
    "clock-aligned-not-aligned": "sends clock-aligned MeterValues at unaligned times",
    # --- cache (TC_007, TC_061) ---
    "sends-authorize-for-cached-id": "sends Authorize and waits for it even for an Accepted cached idTag with LocalPreAuthorize",
    "clear-cache-not-clearing": "answers ClearCache Accepted but keeps the cache",
    # --- EV side disconnect (TC_005) ---
    "ev-disconnect-no-stop": "keeps the transaction (SuspendedEV) on an EV-side disconnect although StopTransactionOnEVSideDisconnect is true",
    "ev-disconnect-wrong-reason": "stops with reason Local instead of EVDisconnected on an EV-side disconnect",
    # --- reset (TC_013-016) ---
    "hard-reset-wrong-reason": "stops transactions with reason Reboot on a hard reset",
    "soft-reset-wrong-reason": "stops transactions with reason Reboot on a soft reset",
    "reset-rejected": "answers every Reset Rejected",
    # --- unlock (TC_017, TC_018, TC_031) ---
    "unlock-fixed-cable-unlocked": "answers UnlockConnector Unlocked on a fixed cable",
    "unlock-unknown-connector-unlocked": "answers UnlockConnector Unlocked for a connector that does not exist",
    "unlock-keeps-transaction": "unlocks a detachable cable without stopping the running transaction",
    # --- remote actions, non-happy (TC_026-028) ---
    "accept-remote-start-busy": "accepts RemoteStartTransaction on a connector that is already charging",
    "accept-remote-start-connector-zero": "accepts RemoteStartTransaction for connectorId 0",
    "accept-unknown-transaction-stop": "answers RemoteStopTransaction Accepted for an unknown transactionId",
    # --- availability, power failure (TC_013, TC_034, TC_032) ---
    "change-availability-not-scheduled": "answers ChangeAvailability Accepted instead of Scheduled while a transaction runs",
    "forgets-availability-after-reboot": "comes back Operative after a reboot or power cycle whatever was set",
    "stop-reason-missing-powerloss": "reports reason Other instead of PowerLoss for a transaction cut by a power failure",
    # --- offline (TC_036-039) ---
    "no-offline-queue": "drops transaction messages that cannot be sent while offline",
    "stops-on-connection-loss": "stops the running transactions (reason Other) when the connection is lost",
    "ignores-stop-on-invalid-id": "keeps charging when StartTransaction answers Invalid although StopTransactionOnInvalidId is true",
    # --- faults, data transfer (TC_041, TC_062) ---
    "no-faulted-status": "sends no StatusNotification Faulted when a fault is raised",
    "data-transfer-accepted": "answers DataTransfer Accepted for an unknown vendorId",
    # --- local authorization list (TC_008, TC_042, TC_043) ---
    "local-list-version-not-updated": "accepts SendLocalList but keeps reporting the previous list version",
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
    """The fault table as printed by ``--list-faults``."""
    width = max(len(n) for n in FAULTS)
    return "\n".join(f"{name:<{width}}  {text}" for name, text in FAULTS.items())
