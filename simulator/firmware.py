"""Firmware Management profile: UpdateFirmware and GetDiagnostics (OCPP 1.6 §3.15, §3.16, §5.8, §5.19).

Rules:

* UpdateFirmware is answered at once; at retrieveDate the charger reports FirmwareStatusNotification
  Downloading and fetches ``location`` (ftp://, http://, https://; credentials in the URL), retrying
  ``retries`` times every ``retryInterval`` seconds, then Downloaded or DownloadFailed. Installation waits
  until no transaction runs: Installing, then either InstallationFailed (an image this charger refuses: empty,
  or starting with ``INVALID``) or a reboot after which Installed follows the BootNotification.
* GetDiagnostics answers with the file name it will upload, then reports DiagnosticsStatusNotification
  Uploading and uploads a text file (FTP STOR into the location's directory; HTTP(S) PUT to
  location/fileName), then Uploaded or UploadFailed (after the retries).
* TriggerMessage(FirmwareStatusNotification / DiagnosticsStatusNotification) reports the current status
  (Idle when nothing is going on).
"""

from __future__ import annotations

import asyncio
import ftplib
import io
import json
import logging
import urllib.parse
import urllib.request

from ocpp.v16 import call

from . import clock
from .link import CallFailed, Offline

LOG = logging.getLogger("simulator.firmware")

TRANSFER_TIMEOUT_S = 15


def _download(location: str) -> bytes:
    with urllib.request.urlopen(location, timeout=TRANSFER_TIMEOUT_S) as response:   # noqa: S310 (test bench)
        return response.read()


def _upload(location: str, file_name: str, content: bytes) -> None:
    url = urllib.parse.urlsplit(location)
    if url.scheme == "ftp":
        ftp = ftplib.FTP()
        try:
            ftp.connect(url.hostname or "127.0.0.1", url.port or 21, timeout=TRANSFER_TIMEOUT_S)
            ftp.login(urllib.parse.unquote(url.username or "anonymous"), urllib.parse.unquote(url.password or ""))
            directory = url.path or "/"
            if directory not in ("", "/"):
                ftp.cwd(directory)
            ftp.storbinary(f"STOR {file_name}", io.BytesIO(content))
        finally:
            try:
                ftp.quit()
            except Exception:
                ftp.close()
        return
    if url.scheme in ("http", "https"):
        target = location.rstrip("/") + "/" + urllib.parse.quote(file_name)
        request = urllib.request.Request(target, data=content, method="PUT",
                                         headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(request, timeout=TRANSFER_TIMEOUT_S):                # noqa: S310
            return
    raise ValueError(f"unsupported transfer protocol {url.scheme!r}")


class FirmwareManagement:
    def __init__(self, settings, store, link, faults, tasks, transactions, reboot, diagnostics_text) -> None:
        self.supported = "FirmwareManagement" in settings.feature_profiles
        self._settings = settings
        self._store = store
        self._link = link
        self._faults = faults
        self._tasks = tasks
        self._tx = transactions
        self._reboot = reboot                   # () -> None: the station reboots the charger
        self._diagnostics_text = diagnostics_text
        self.firmware_status = "Idle"
        self.diagnostics_status = "Idle"
        self._update_task: asyncio.Task | None = None

    # -- notifications -------------------------------------------------------------------------------------
    async def _report_firmware(self, status: str) -> None:
        """A final status is reported once; a TriggerMessage after it reads Idle (§7.25)."""
        final = status in ("DownloadFailed", "InstallationFailed", "Installed")
        self.firmware_status = "Idle" if final else status
        await self._send(call.FirmwareStatusNotification(status=status))

    async def _report_diagnostics(self, status: str) -> None:
        final = status in ("Uploaded", "UploadFailed")
        self.diagnostics_status = "Idle" if final else status
        await self._send(call.DiagnosticsStatusNotification(status=status))

    async def _send(self, payload) -> None:
        try:
            await self._link.call(payload)
        except (Offline, CallFailed) as exc:
            LOG.info("%s(%s) not delivered (%s)", type(payload).__name__, payload.status, exc)

    def after_boot(self) -> None:
        """A firmware installed before the reboot is reported now."""
        pending = (self._store.data.get("firmware") or {}).get("installed")
        if pending:
            self._store.data["firmware"] = {}
            self._store.save()
            self.firmware_status = "Idle"
            self._tasks.spawn(self._send(call.FirmwareStatusNotification(status="Installed")), "fsn-installed")

    # -- UpdateFirmware ------------------------------------------------------------------------------------
    def update(self, location: str, retrieve_date: str, retries: int | None, retry_interval: int | None) -> None:
        if self._update_task is not None:
            self._update_task.cancel()
        self._update_task = self._tasks.spawn(
            self._update(location, retrieve_date, retries or 0, retry_interval or 0), "firmware-update")

    async def _update(self, location: str, retrieve_date: str, retries: int, retry_interval: int) -> None:
        when = clock.parse(retrieve_date)
        if when is not None:
            await asyncio.sleep(max(0.0, (when - clock.now()).total_seconds()))
        image = None
        for attempt in range(retries + 1):
            await self._report_firmware("Downloading")
            try:
                image = await asyncio.to_thread(_download, location)
                break
            except Exception as exc:
                LOG.info("firmware download from %s failed (%s)", location, exc)
                if attempt < retries:
                    await asyncio.sleep(retry_interval)
        if image is None:
            await self._report_firmware("DownloadFailed")
            return
        await self._report_firmware("Downloaded")
        while self._tx.active:                   # install when no transaction runs
            await asyncio.sleep(1)
        await self._report_firmware("Installing")
        if not image.strip() or image.lstrip().upper().startswith(b"INVALID"):
            await self._report_firmware("InstallationFailed")
            return
        if self._faults.active("firmware-installed-without-reboot"):
            await self._report_firmware("Installed")
            return
        self._store.data["firmware"] = {"installed": True, "at": clock.iso()}
        self._store.save()
        self._reboot()

    # -- GetDiagnostics ------------------------------------------------------------------------------------
    def diagnostics(self, location: str, retries: int | None, retry_interval: int | None):
        """(the file name to answer with, the upload to start after the answer)."""
        stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
        file_name = f"diagnostics-{self._settings.charge_point_id}-{stamp}.log"
        return file_name, lambda: self._tasks.spawn(
            self._diagnostics(location, file_name, retries or 0, retry_interval or 0), "diagnostics")

    async def _diagnostics(self, location: str, file_name: str, retries: int, retry_interval: int) -> None:
        content = self._diagnostics_text().encode()
        for attempt in range(retries + 1):
            await self._report_diagnostics("Uploading")
            try:
                if not self._faults.active("diagnostics-not-uploaded"):
                    await asyncio.to_thread(_upload, location, file_name, content)
                await self._report_diagnostics("Uploaded")
                return
            except Exception as exc:
                LOG.info("diagnostics upload to %s failed (%s)", location, exc)
                if attempt < retries:
                    await asyncio.sleep(retry_interval)
        await self._report_diagnostics("UploadFailed")


def diagnostics_text(device) -> str:
    """What the uploaded diagnostics file holds: a header and the charger's state (no secrets)."""
    header = f"reference charge point {device.settings.charge_point_id}: diagnostics at {clock.iso()}\n"
    return header + json.dumps(device.state(), indent=1) + "\n"
