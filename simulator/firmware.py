"""Firmware Management profile: UpdateFirmware and GetDiagnostics (OCPP 1.6 §3.15, §3.16, §5.8, §5.19).

Rules:

* UpdateFirmware is answered at once; at retrieveDate the charger reports FirmwareStatusNotification
  Downloading and fetches ``location`` (ftp://, ftps://, http://, https://; credentials in the URL; only in a
  protocol of its SupportedFileTransferProtocols, ORS-16), retrying ``retries`` times every ``retryInterval`` seconds
  (1 + retries attempts), then Downloaded or DownloadFailed. Installation waits until no transaction runs:
  Installing, then either InstallationFailed (an image this charger refuses, see :func:`verify`) or a reboot
  after which the BootNotification carries the image's version and Installed follows it.
* GetDiagnostics answers with the file name it will upload, then reports DiagnosticsStatusNotification
  Uploading and uploads a text file (FTP(S) STOR into the location's directory; HTTP(S) PUT to
  location/fileName), then Uploaded or UploadFailed (after 1 + retries attempts).
* https:// and ftps:// trust the CA bundle the charger trusts for wss:// (``--ca-file``, its installed
  CentralSystemRootCertificate), else the system's; the server's name is checked. ftps:// is explicit FTPS
  (RFC 4217): ``AUTH TLS`` on the control connection, then ``PBSZ 0``/``PROT P`` so the data is encrypted
  too.
* TriggerMessage(FirmwareStatusNotification / DiagnosticsStatusNotification) reports the current status
  (Idle when nothing is going on).
"""

from __future__ import annotations

import asyncio
import ftplib
import hashlib
import io
import json
import logging
import ssl
import urllib.parse
import urllib.request
from typing import NamedTuple

from ocpp.v16 import call

from . import clock
from .link import CallFailed, Offline

LOG = logging.getLogger("simulator.firmware")

TRANSFER_TIMEOUT_S = 15
#: The first line of a firmware image of this charger; the header lines that follow name its version, the
#: length of its body and the body's SHA-256, then an empty line and the body.
IMAGE_MAGIC = b"REFERENCE-CP-FIRMWARE"


class Verdict(NamedTuple):
    """What the charger makes of a downloaded image: install it (with its version) or refuse it (why)."""

    ok: bool
    version: str | None
    why: str


def verify(image: bytes) -> Verdict:
    """An image is installed only when it is one of this charger's: the magic line, a version, and a body whose
    length and SHA-256 match the header (a truncated or altered download is refused)."""
    if not image.strip() or image.lstrip().upper().startswith(b"INVALID"):
        return Verdict(False, None, "empty, or marked INVALID")
    head, sep, body = image.partition(b"\n\n")
    lines = head.split(b"\n")
    if lines[0].strip() != IMAGE_MAGIC or not sep:
        return Verdict(False, None, "not a firmware image of this charger")
    fields = dict(line.decode(errors="replace").split(": ", 1) for line in lines[1:] if b": " in line)
    if fields.get("length") != str(len(body)) or fields.get("sha256") != hashlib.sha256(body).hexdigest():
        return Verdict(False, None, f"body of {len(body)} bytes does not match its header (truncated or altered)")
    return Verdict(True, fields.get("version"), "verified")


def without_credentials(location: str) -> str:
    """A location as the log may show it: the password of the URL replaced."""
    url = urllib.parse.urlsplit(location)
    if url.password is None:
        return location
    netloc = url.netloc.replace(f":{url.password}@", ":***@")
    return urllib.parse.urlunsplit(url._replace(netloc=netloc))


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """What https:// and ftps:// trust: the charger's CA bundle (``--ca-file``), else the system's."""
    return ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()


def _ftp(url: urllib.parse.SplitResult, context: ssl.SSLContext) -> ftplib.FTP:
    """A logged-in FTP session (passive); for ftps:// explicit FTPS with the data connections protected."""
    secure = url.scheme == "ftps"
    ftp = ftplib.FTP_TLS(context=context) if secure else ftplib.FTP()
    try:
        ftp.connect(url.hostname or "127.0.0.1", url.port or 21, timeout=TRANSFER_TIMEOUT_S)
        ftp.login(urllib.parse.unquote(url.username or "anonymous"), urllib.parse.unquote(url.password or ""))
        if secure:
            ftp.prot_p()
    except BaseException:
        ftp.close()
        raise
    return ftp


def _quit(ftp: ftplib.FTP) -> None:
    try:
        ftp.quit()
    except Exception:
        ftp.close()


def _download(location: str, context: ssl.SSLContext) -> bytes:
    url = urllib.parse.urlsplit(location)
    if url.scheme in ("ftp", "ftps"):
        ftp = _ftp(url, context)
        out = io.BytesIO()
        try:
            ftp.retrbinary(f"RETR {urllib.parse.unquote(url.path)}", out.write)
        finally:
            _quit(ftp)
        return out.getvalue()
    if url.scheme in ("http", "https"):
        with urllib.request.urlopen(location, timeout=TRANSFER_TIMEOUT_S,                    # noqa: S310
                                    context=context if url.scheme == "https" else None) as response:
            return response.read()
    raise ValueError(f"unsupported transfer protocol {url.scheme!r}")


def _upload(location: str, file_name: str, content: bytes, context: ssl.SSLContext) -> None:
    url = urllib.parse.urlsplit(location)
    if url.scheme in ("ftp", "ftps"):
        ftp = _ftp(url, context)
        try:
            directory = urllib.parse.unquote(url.path or "/")
            if directory not in ("", "/"):
                ftp.cwd(directory)
            ftp.storbinary(f"STOR {file_name}", io.BytesIO(content))
        finally:
            _quit(ftp)
        return
    if url.scheme in ("http", "https"):
        target = location.rstrip("/") + "/" + urllib.parse.quote(file_name)
        request = urllib.request.Request(target, data=content, method="PUT",
                                         headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(request, timeout=TRANSFER_TIMEOUT_S,                        # noqa: S310
                                    context=context if url.scheme == "https" else None):
            return
    raise ValueError(f"unsupported transfer protocol {url.scheme!r}")


class FirmwareManagement:
    def __init__(self, settings, store, link, faults, tasks, transactions, reboot, diagnostics_text) -> None:
        self.supported = ("FirmwareManagement" in settings.feature_profiles
                          and not faults.active("firmware-not-implemented"))
        protocols = settings.ors_value("ORS-16", ["FTP"])
        self.protocols = {str(p).upper() for p in ([protocols] if isinstance(protocols, str) else protocols)}
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
        #: the CA bundle https:// and ftps:// trust (the station's --ca-file); None: the system's
        self.ca_file: str | None = None

    @property
    def version(self) -> str:
        """firmwareVersion for the BootNotification: the last image installed, else the PICS's."""
        return str(self._store.data.get("firmware_version") or self._settings.firmware_version)

    def _check_protocol(self, location: str) -> None:
        """A charger fetches and uploads only in the protocols it supports (SupportedFileTransferProtocols)."""
        scheme = urllib.parse.urlsplit(location).scheme.upper()
        if scheme not in self.protocols:
            raise ValueError(f"{scheme or 'no'} protocol: SupportedFileTransferProtocols is "
                             f"{','.join(sorted(self.protocols))}")

    #: GetLog uploads under the same rule (simulator.logs)
    check_protocol = _check_protocol

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
        pending = self._store.data.get("firmware") or {}
        if pending.get("installed"):
            self._store.data["firmware"] = {}
            self._store.save()
            self.firmware_status = "Idle"
            request_id = pending.get("signed_request_id")      # a SignedUpdateFirmware (simulator.signed_update)
            if request_id is not None:
                if self._faults.active("signed-firmware-status-wrong-request-id"):
                    request_id += 1
                notification = call.SignedFirmwareStatusNotification(status="Installed", request_id=request_id)
            else:
                notification = call.FirmwareStatusNotification(status="Installed")
            self._tasks.spawn(self._send(notification), "fsn-installed")

    # -- UpdateFirmware ------------------------------------------------------------------------------------
    def update(self, location: str, retrieve_date: str, retries: int | None, retry_interval: int | None) -> None:
        if self._update_task is not None:
            self._update_task.cancel()
        self._update_task = self._tasks.spawn(
            self._update(location, retrieve_date, retries or 0, retry_interval or 0), "firmware-update")

    async def _update(self, location: str, retrieve_date: str, retries: int, retry_interval: int) -> None:
        when = clock.parse(retrieve_date)
        if when is not None and not self._faults.active("firmware-retrieve-date-ignored"):
            await asyncio.sleep(max(0.0, (when - clock.now()).total_seconds()))
        if self._faults.active("firmware-retries-ignored"):
            retries = 0
        image = await self._fetch(location, retries, retry_interval)
        if image is None:
            await self._report_firmware("DownloadFailed")
            return
        out_of_order = self._faults.active("firmware-statuses-out-of-order")
        if not (out_of_order or self._faults.active("firmware-skips-downloaded")):
            await self._report_firmware("Downloaded")
        while self._tx.active:                   # install when no transaction runs
            await asyncio.sleep(1)
        await self._report_firmware("Installing")
        if out_of_order:
            await self._report_firmware("Downloaded")
        verdict = verify(image)
        LOG.info("firmware image of %d bytes: %s", len(image), verdict.why)
        if not verdict.ok:
            await self._report_firmware("InstallationFailed")
            return
        if self._faults.active("firmware-installed-without-reboot"):
            await self._report_firmware("Installed")
            return
        self._store.data["firmware"] = {"installed": True, "at": clock.iso()}
        if verdict.version:
            self._store.data["firmware_version"] = verdict.version[:50]
        self._store.save()
        self._reboot()

    async def _fetch(self, location: str, retries: int, retry_interval: int) -> bytes | None:
        """1 + retries download attempts, retryInterval seconds apart, each announced as Downloading."""
        for attempt in range(retries + 1):
            await self._report_firmware("Downloading")
            try:
                self._check_protocol(location)
                return await asyncio.to_thread(_download, location, tls_context(self.ca_file))
            except Exception as exc:
                LOG.info("firmware download from %s failed (%s)", without_credentials(location), exc)
                if attempt < retries:
                    await asyncio.sleep(retry_interval)
        return None

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
                    self._check_protocol(location)
                    await asyncio.to_thread(_upload, location, file_name, content, tls_context(self.ca_file))
                await self._report_diagnostics("Uploaded")
                return
            except Exception as exc:
                LOG.info("diagnostics upload to %s failed (%s)", without_credentials(location), exc)
                if attempt < retries:
                    await asyncio.sleep(retry_interval)
        if self._faults.active("diagnostics-upload-failure-not-reported"):
            self.diagnostics_status = "Idle"        # gives up silently
            return
        await self._report_diagnostics("UploadFailed")


def diagnostics_text(device) -> str:
    """What the uploaded diagnostics file holds: a header and the charger's state (no secrets)."""
    header = f"reference charge point {device.settings.charge_point_id}: diagnostics at {clock.iso()}\n"
    return header + json.dumps(device.state(), indent=1) + "\n"
