"""Every OCPP 1.6 action, who may send it, and the feature profile it belongs to. Data only, no I/O.

Rules:

- The catalogue holds the 28 actions of OCPP 1.6 (edition 2) and the 11
  of the security whitepaper (edition 3), 39 in all: exactly the request schemas shipped in
  ``ocpp/v16/schemas`` (``tests/harness/ocpp/test_catalogue.py`` keeps the two equal).
- ``Sender`` is who sends the CALL; the other side sends the CALLRESULT/CALLERROR. Only ``DataTransfer``
  goes both ways.
- An action the catalogue does not know is one a receiver answers with ``NotImplemented``
  (OCPP-J 1.6 §4.2.3); :func:`sent_by_charge_point` and :func:`sent_by_central_system` say False for it
  rather than raise, so a receiver can ask them about any text it was sent.
- Profiles are the 1.6 feature profiles (Core, Firmware Management, Local Auth
  List Management, Reservation, Smart Charging, Remote Trigger), spelled without spaces, plus ``Security``
  for the whitepaper's messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import Final

__all__ = [
    "ACTIONS",
    "PROFILES",
    "PROFILE_OF",
    "Sender",
    "is_known",
    "sent_by_central_system",
    "sent_by_charge_point",
]


class Sender(Enum):
    """Who sends the CALL of an action."""

    CHARGE_POINT = "ChargePoint"
    CENTRAL_SYSTEM = "CentralSystem"


_CP: Final = frozenset({Sender.CHARGE_POINT})
_CS: Final = frozenset({Sender.CENTRAL_SYSTEM})
_BOTH: Final = frozenset({Sender.CHARGE_POINT, Sender.CENTRAL_SYSTEM})

# action: (sender, profile); grouped by profile in the order the specification lists them.
_TABLE: Final[dict[str, tuple[frozenset[Sender], str]]] = {
    # Core
    "Authorize": (_CP, "Core"),
    "BootNotification": (_CP, "Core"),
    "ChangeAvailability": (_CS, "Core"),
    "ChangeConfiguration": (_CS, "Core"),
    "ClearCache": (_CS, "Core"),
    "DataTransfer": (_BOTH, "Core"),
    "GetConfiguration": (_CS, "Core"),
    "Heartbeat": (_CP, "Core"),
    "MeterValues": (_CP, "Core"),
    "RemoteStartTransaction": (_CS, "Core"),
    "RemoteStopTransaction": (_CS, "Core"),
    "Reset": (_CS, "Core"),
    "StartTransaction": (_CP, "Core"),
    "StatusNotification": (_CP, "Core"),
    "StopTransaction": (_CP, "Core"),
    "UnlockConnector": (_CS, "Core"),
    # Firmware Management
    "GetDiagnostics": (_CS, "FirmwareManagement"),
    "DiagnosticsStatusNotification": (_CP, "FirmwareManagement"),
    "FirmwareStatusNotification": (_CP, "FirmwareManagement"),
    "UpdateFirmware": (_CS, "FirmwareManagement"),
    # Local Auth List Management
    "GetLocalListVersion": (_CS, "LocalAuthListManagement"),
    "SendLocalList": (_CS, "LocalAuthListManagement"),
    # Reservation
    "CancelReservation": (_CS, "Reservation"),
    "ReserveNow": (_CS, "Reservation"),
    # Smart Charging
    "ClearChargingProfile": (_CS, "SmartCharging"),
    "GetCompositeSchedule": (_CS, "SmartCharging"),
    "SetChargingProfile": (_CS, "SmartCharging"),
    # Remote Trigger
    "TriggerMessage": (_CS, "RemoteTrigger"),
    # Security whitepaper, edition 3
    "CertificateSigned": (_CS, "Security"),
    "DeleteCertificate": (_CS, "Security"),
    "ExtendedTriggerMessage": (_CS, "Security"),
    "GetInstalledCertificateIds": (_CS, "Security"),
    "GetLog": (_CS, "Security"),
    "InstallCertificate": (_CS, "Security"),
    "LogStatusNotification": (_CP, "Security"),
    "SecurityEventNotification": (_CP, "Security"),
    "SignCertificate": (_CP, "Security"),
    "SignedFirmwareStatusNotification": (_CP, "Security"),
    "SignedUpdateFirmware": (_CS, "Security"),
}

#: action → who sends its CALL.
ACTIONS: Final[Mapping[str, frozenset[Sender]]] = MappingProxyType(
    {action: senders for action, (senders, _) in _TABLE.items()}
)

#: action → feature profile.
PROFILE_OF: Final[Mapping[str, str]] = MappingProxyType({action: profile for action, (_, profile) in _TABLE.items()})

#: The profiles, in the specification's order.
PROFILES: Final[tuple[str, ...]] = tuple(dict.fromkeys(PROFILE_OF.values()))


def is_known(action: str) -> bool:
    """True for an OCPP 1.6 or security-whitepaper action (exact, case-sensitive spelling)."""
    return action in ACTIONS


def sent_by_charge_point(action: str) -> bool:
    """True when the Charge Point sends the CALL of ``action``; False also for unknown actions."""
    return Sender.CHARGE_POINT in ACTIONS.get(action, frozenset())


def sent_by_central_system(action: str) -> bool:
    """True when the Central System sends the CALL of ``action``; False also for unknown actions."""
    return Sender.CENTRAL_SYSTEM in ACTIONS.get(action, frozenset())
