"""The charger's logs and GetLog (OCPP 1.6 Security Whitepaper edition 3: security events, and the GetLog /
LogStatusNotification messages).

Rules:

* The security log keeps the charger's security events (the whitepaper's list, e.g. StartupOfTheDevice,
  ReconfigurationOfSecurityParameters), each with its time; it survives a reboot (the state file) and holds
  the newest :data:`SECURITY_LOG_SIZE` of them. The diagnostics log is the text GetDiagnostics uploads.
* GetLog(logType, requestId, log.remoteLocation, retries, retryInterval) is answered Accepted with the file
  name it will upload (AcceptedCanceled when it cancels an upload still going on), then the charger reports
  LogStatusNotification Uploading and uploads the file with the code of GetDiagnostics (FTP(S) STOR into the
  location's directory, HTTP(S) PUT to location/filename; only in a protocol of ORS-16), then Uploaded or,
  after 1 + retries attempts, UploadFailure; every notification carries the request's requestId.
* oldestTimestamp / latestTimestamp select the security events of that period.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from ocpp.v16 import call

from . import clock
from .firmware import _upload as upload
from .firmware import tls_context, without_credentials
from .link import CallFailed, Offline

LOG = logging.getLogger("simulator.logs")

#: the newest security events kept
SECURITY_LOG_SIZE = 200
LOG_TYPES = ("DiagnosticsLog", "SecurityLog")


class SecurityLog:
    """The security events of the charger, oldest first, persisted in the state file."""

    def __init__(self, store) -> None:
        self._store = store

    @property
    def events(self) -> list[dict]:
        return list(self._store.data.get("security_log", []))

    def record(self, kind: str, info: str = "") -> None:
        """A security event happened now (``kind``: the whitepaper's name of the event)."""
        events = self.events + [{"timestamp": clock.iso(), "type": kind, "techInfo": info}]
        self._store.data["security_log"] = events[-SECURITY_LOG_SIZE:]
        self._store.save()

    def text(self, oldest: str | None = None, latest: str | None = None) -> str:
        """The log file: one line per event of the period (``oldest``..``latest``, both optional)."""
        low, high = clock.parse(oldest), clock.parse(latest)
        lines = []
        for event in self.events:
            moment = clock.parse(event["timestamp"])
            if moment is not None and ((low and moment < low) or (high and moment > high)):
                continue
            lines.append(f"{event['timestamp']} {event['type']} {event.get('techInfo', '')}".rstrip())
        return "\n".join(lines) + "\n"


class Logs:
    """GetLog: which file, its upload and the LogStatusNotifications."""

    def __init__(self, settings, link, faults, tasks, firmware, security_log: SecurityLog,
                 diagnostics_text: Callable[[], str]) -> None:
        self._settings = settings
        self._link = link
        self._faults = faults
        self._tasks = tasks
        self._firmware = firmware           # the protocols of ORS-16, the CA bundle, the upload code
        self.security = security_log
        self._diagnostics_text = diagnostics_text
        self._upload_task: asyncio.Task | None = None

    def get_log(self, log_type: str, request_id: int, log: dict, retries: int | None,
                retry_interval: int | None) -> tuple[str, str | None, Callable[[], None] | None]:
        """(status, filename, the upload to start after the answer); ``log`` as the ocpp library hands it over,
        with snake_case keys (remote_location, oldest_timestamp, latest_timestamp)."""
        if log_type not in LOG_TYPES:
            return "Rejected", None, None
        status = "Accepted"
        if self._upload_task is not None and not self._upload_task.done():
            self._upload_task.cancel()              # the new request replaces the one going on
            status = "AcceptedCanceled"
        stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
        kind = "security" if log_type == "SecurityLog" else "diagnostics"
        file_name = f"{kind}-log-{self._settings.charge_point_id}-{request_id}-{stamp}.log"
        if log_type == "SecurityLog":
            content = self.security.text(log.get("oldest_timestamp"), log.get("latest_timestamp"))
        else:
            content = self._diagnostics_text()
        location = log["remote_location"]

        def start() -> None:
            if self._faults.active("get-log-accepted-then-silent"):
                return
            self._upload_task = self._tasks.spawn(
                self._upload(location, file_name, content.encode(), request_id, retries or 0, retry_interval or 0),
                "get-log")
        return status, file_name, start

    async def _upload(self, location: str, file_name: str, content: bytes, request_id: int, retries: int,
                      retry_interval: int) -> None:
        for attempt in range(retries + 1):
            await self._report("Uploading", request_id)
            try:
                if not self._faults.active("get-log-not-uploaded"):
                    self._firmware.check_protocol(location)
                    await asyncio.to_thread(upload, location, file_name, content,
                                            tls_context(self._firmware.ca_file))
                await self._report("Uploaded", request_id)
                return
            except Exception as exc:
                LOG.info("log upload to %s failed (%s)", without_credentials(location), exc)
                if attempt < retries:
                    await asyncio.sleep(retry_interval)
        await self._report("UploadFailure", request_id)

    async def _report(self, status: str, request_id: int) -> None:
        if self._faults.active("log-status-wrong-request-id"):
            request_id += 1
        try:
            await self._link.call(call.LogStatusNotification(status=status, request_id=request_id))
        except (Offline, CallFailed) as exc:
            LOG.info("LogStatusNotification(%s) not delivered (%s)", status, exc)


async def notify_security_event(link, security_log: SecurityLog, kind: str, info: str = "") -> None:
    """A critical security event (the whitepaper's list: InvalidCentralSystemCertificate,
    InvalidChargePointCertificate, InvalidFirmwareSignature, ...): recorded in the security log and sent as
    SecurityEventNotification(type, timestamp, techInfo); a charger offline keeps it in its log only."""
    security_log.record(kind, info)
    event = security_log.events[-1]
    try:
        await link.call(call.SecurityEventNotification(type=kind, timestamp=event["timestamp"],
                                                       tech_info=info or None))
    except (Offline, CallFailed) as exc:
        LOG.info("SecurityEventNotification(%s) not delivered (%s)", kind, exc)
