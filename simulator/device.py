"""The device: every functional block of the charge point, wired together. Rebuilt from the state file at
every (re)boot; it holds no behaviour of its own beyond the power-up and shutdown sequences."""

from __future__ import annotations

from ocpp.v16.enums import ChargePointStatus as S

from . import clock
from .behaviours import Behaviours
from .authorization import Authorizer
from .config import Configuration
from .firmware import FirmwareManagement, diagnostics_text
from .connectors import Connectors
from .link import Link
from .logs import Logs, SecurityLog
from .metering import Meter
from .reservations import Reservations
from .sessions import Sessions
from .smart_charging import SmartCharging
from .status import StatusReporter
from .tasks import Tasks
from .transactions import Transactions


class Device:
    def __init__(self, settings, store, faults, reboot=None, behaviours: Behaviours | None = None,
                 crash=None) -> None:
        self.settings = settings
        self.store = store
        self.faults = faults
        self.behaviours = behaviours = behaviours or Behaviours()
        self.link = Link()
        self.tasks = Tasks()
        self.config = Configuration(settings, store, faults, behaviours)
        self.reporter = StatusReporter(self.link, self.config, faults)
        self.connectors = Connectors(settings, store, faults, listener=self.reporter.changed)
        self.meters = {spec.id: Meter(spec, store) for spec in settings.connectors}
        self.auth = Authorizer(settings, self.config, store, self.link, faults)
        self.transactions = Transactions(settings, self.config, store, self.link, faults, self.meters,
                                         self.auth, self.tasks, behaviours)
        self.reservations = Reservations(settings, self.config, self.connectors, faults, self.tasks, behaviours)
        self.smart = SmartCharging(settings, self.config, store, faults, self.transactions, self.meters)
        self.transactions.before_sample = self.smart.follow
        self.sessions = Sessions(self.config, self.connectors, self.meters, self.auth, self.transactions,
                                 self.reservations, self.smart, faults, self.tasks, behaviours)
        self.sessions.crash = crash or (lambda: None)      # a fault's way out (reboots-at-connection-timeout)
        self.firmware = FirmwareManagement(settings, store, self.link, faults, self.tasks, self.transactions,
                                           reboot or (lambda: None), lambda: diagnostics_text(self))
        self.logs = Logs(settings, self.link, faults, self.tasks, self.firmware, SecurityLog(store),
                         lambda: diagnostics_text(self))
        for key in ("AuthorizationKey", "SecurityProfile"):     # whitepaper: a security event each
            self.config.on_change(key, lambda _v, key=key: self.logs.security.record(
                "ReconfigurationOfSecurityParameters", f"{key} changed"))

    def power_up(self) -> None:
        """Transactions left in the state file were cut by a power loss: stop them now (AQ-7.2). The start is
        a security event (StartupOfTheDevice)."""
        self.logs.security.record("StartupOfTheDevice")
        for tx in list(self.transactions.active.values()):
            self.connectors.get(tx.connector_id).restore(S.charging)
        self.sessions.recover(self.power_loss_reason())
        self.transactions.start_aligned()

    def power_loss_reason(self) -> str:
        return "Other" if self.faults.active("stop-reason-missing-powerloss") else "PowerLoss"

    def persist(self) -> None:
        for meter in self.meters.values():
            meter.persist()
        for tx in self.transactions.active.values():
            tx.updated_at = clock.iso()
        self.transactions.save()
        self.connectors.save()

    async def shutdown(self) -> None:
        self.reporter.cancel()
        await self.tasks.cancel_all()
        await self.link.detach()

    def state(self) -> dict:
        return {
            "connectors": {str(u.id): u.snapshot() for u in self.connectors.all_with_unit()},
            "transactions": [t.snapshot() for t in self.transactions.active.values()],
            "pending_authorizations": {str(k): v.id_tag for k, v in self.sessions.pending.items()},
            "reservations": self.reservations.snapshot(),
            "charging_profiles": [{"id": p.id, "connector_id": p.connector_id, "purpose": p.purpose,
                                   "stack_level": p.stack_level} for p in self.smart.profiles],
            "queue": [{"action": e["action"], "attempts": e["attempts"]} for e in self.transactions.queue.entries],
            "config": self.config.snapshot(),
            "link": {"connected": self.link.connected, "accepted": self.link.accepted},
            "cache_size": len(self.auth.cache),
            "firmware_status": self.firmware.firmware_status,
            "diagnostics_status": self.firmware.diagnostics_status,
            "local_list_version": self.auth.local_list.version,
        }
