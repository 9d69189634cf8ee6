"""6 Firmware Management: TC_044_1_CS, TC_044_2_CS, TC_044_3_CS, TC_045_1_CS, TC_045_2_CS.

The charger fetches firmware from, and uploads diagnostics to, the run's own file servers (``files``, in the
first protocol of ORS-16: FTP, FTPS, HTTP or HTTPS; the TLS ones with a certificate signed by the test PKI's
root, which the charger must trust), so every verdict rests on what the server saw as well as on the
notifications:
the bytes of the image really left the server (with their SHA-256 in the trace), the diagnostics file really
arrived (and is kept in the run directory), and a failed transfer was tried 1 + ``retries`` times, at least
``retryInterval`` seconds apart.

OCPP 1.6 §5.19 Update Firmware and §6.49 UpdateFirmware.req: ``retrieveDate`` is "the date and time after
which the Charge Point is allowed to retrieve the (new) firmware"; ``retries`` "how many times Charge Point
must try to download the firmware before giving up" (read, as OCPP 2.0.1 words it, as retries after the first
attempt); ``retryInterval`` "the interval in seconds after which a retry may be attempted". §5.9 Get
Diagnostics and §6.29 GetDiagnostics.req say the same of an upload. §4.4 and §4.5: the status notifications.

The cases run without a transaction, so AQ-4 (download during a transaction) does not matter to them.
"""

from __future__ import annotations

import contextlib
import time
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator, Callable

from harness.csms.matching import MessageSpec, not_equal, one_of
from harness.csms.station import Received, Response, Station
from harness.files import FileServers, Transfer, offered_protocols
from harness.testcase import testcase
from harness.verdicts import Failed

#: retrieveDate lies this many seconds after the request (rounded up to a whole second)
RETRIEVE_IN_S = 3
#: a charger whose clock was set from a whole-second currentTime may be this far ahead
CLOCK_TOLERANCE_S = 1.0
RETRIES = 2
RETRY_INTERVAL_S = 2
#: two attempts seen by the server may be closer than retryInterval by the network's jitter, no more
SPACING_TOLERANCE_S = 0.25


def firmware_management(pics: Any) -> str | None:
    """The profile is claimed, and ORS-16 names a protocol the harness serves (a PICS that names one it
    cannot serve is refused when it is loaded)."""
    if not pics.supports_profile("FirmwareManagement"):
        return "feature_profiles does not list FirmwareManagement: Firmware Management is not supported"
    if not offered_protocols(list(pics.ors("ORS-16", []))):
        return "ORS-16 (Supported file transfer protocols) lists no protocol"
    return None


def retrieve_date() -> tuple[str, float]:
    """retrieveDate a few seconds from now (ISO 8601, whole seconds, UTC), and when that is on the monotonic
    clock."""
    now = datetime.now(timezone.utc)
    moment = now.replace(microsecond=0) + timedelta(seconds=RETRIEVE_IN_S + 1)
    return moment.isoformat().replace("+00:00", "Z"), time.monotonic() + (moment - now).total_seconds()


async def request(cs: Station, action: str, **fields: Any) -> Response:
    """UpdateFirmware or GetDiagnostics; a CALLERROR fails the step, and NotImplemented says what the PICS
    claims."""
    response = await cs.call(action, allow_error=True, **fields)
    if response.is_error:
        why = f" ({response.error_description})" if response.error_description else ""
        claim = (f", but the PICS claims the FirmwareManagement feature profile (feature_profiles), of which "
                 f"{action} is a part" if response.error_code == "NotImplemented" else "")
        cs.require(False, f"{action}.req answered with CALLERROR {response.error_code}{why}{claim}")
    return response


def shown(transfers: list[Transfer]) -> str:
    return "; ".join(t.describe() for t in transfers) or "none"


def refused(files: FileServers, since_ns: int) -> str:
    """What the servers turned away before a transfer could begin (a TLS handshake the charger broke off
    because it does not trust the root, a plain-text login on the FTPS port), for a reason; else empty."""
    seen = files.refusals(since_ns)
    return f"; the file servers refused: {'; '.join(seen)}" if seen else ""


def server_path(location: str) -> str:
    """A location as a reason may show it: protocol and path, never the credentials."""
    scheme, _, rest = location.partition("://")
    return f"{scheme}://…/{rest.partition('/')[2]}"


async def require_downloaded(cs: Station, files: FileServers, location: str, retrieve_at: float,
                             since_ns: int) -> Transfer:
    """The image really left the server, complete, after the request and not before retrieveDate."""
    def attempts() -> list[Transfer]:
        return files.attempts(location, since_ns=since_ns)
    done = await files.wait(lambda: [t for t in attempts() if t.complete], cs.message_timeout)
    cs.require(bool(done), f"the charge point reported Downloaded, but the file server saw no complete download "
                           f"of {server_path(location)} (attempts: {shown(attempts())})")
    first = attempts()[0]
    early = retrieve_at - first.started_ns / 1e9
    cs.require(early <= CLOCK_TOLERANCE_S,
               f"the download of {server_path(location)} began {early:.1f} s before the retrieveDate of "
               f"UpdateFirmware.req, the time after which the Charge Point is allowed to retrieve the firmware "
               f"(OCPP 1.6 §6.49; {CLOCK_TOLERANCE_S:.0f} s allowed for a whole-second clock)")
    return done[0]


async def require_attempts(cs: Station, files: FileServers, location: str, what: str, retries: int,
                           interval: int) -> None:
    """The server saw 1 + ``retries`` attempts at ``location``, each at least ``interval`` s after the last."""
    def settled() -> list[Transfer]:
        attempts = files.attempts(location)
        return attempts if attempts and all(t.outcome for t in attempts) else []
    attempts = await files.wait(settled, cs.message_timeout) or files.attempts(location)
    cs.require(len(attempts) == retries + 1,
               f"the file server saw {len(attempts)} {what} attempt(s) at {server_path(location)}; the request "
               f"asked for retries={retries}, that is 1 + {retries} = {retries + 1} attempts before giving up "
               f"(attempts: {shown(attempts)})")
    gaps = [(b.started_ns - a.started_ns) / 1e9 for a, b in zip(attempts, attempts[1:])]
    short = [g for g in gaps if g < interval - SPACING_TOLERANCE_S]
    cs.require(not short, f"{what} attempts at {server_path(location)} came {', '.join(f'{g:.2f} s' for g in gaps)}"
                          f" apart; the request asked for retryInterval={interval} s between them")


async def downloaded_then_installing(cs: Station, files: FileServers, location: str, retrieve_at: float,
                                    sent_ns: int, long_wait: float) -> None:
    """The first half of TC_044_1 and TC_044_3: Downloading, Downloaded (the server sent the whole image, not
    before retrieveDate), Installing, each the next firmware status after the one before."""
    await cs.expect("FirmwareStatusNotification", status="Downloading", timeout=RETRIEVE_IN_S + long_wait)
    await expect_next_status(cs, "Downloaded", "Downloading", long_wait,
                             lambda: f" (attempts: {shown(files.attempts(location, since_ns=sent_ns))}"
                                     f"{refused(files, sent_ns)})")
    await require_downloaded(cs, files, location, retrieve_at, sent_ns)
    await expect_next_status(cs, "Installing", "Downloaded", long_wait)


async def expect_next_status(cs: Station, expected: str, previous: str, timeout: float,
                             evidence: Callable[[], str] = lambda: "") -> Received:
    """The FirmwareStatusNotification after ``previous`` (repeats of it skipped: one Downloading per attempt)
    must be ``expected``: a skipped or swapped status fails at once, not after the timeout. ``evidence``: what
    the file servers saw, for the reason."""
    received = await cs.expect("FirmwareStatusNotification", status=not_equal(previous), timeout=timeout)
    cs.require(received["status"] == expected,
               f"FirmwareStatusNotification {received['status']} followed {previous}, expected {expected} "
               f"(the plan's order: Downloading, Downloaded, Installing, then the reboot and Installed)"
               f"{evidence() if received['status'] != expected else ''}")
    return received


FINAL_FIRMWARE_STATUSES = ("Installed", "InstallationFailed", "DownloadFailed")


@contextlib.asynccontextmanager
async def update_runs_out(cs: Station, timeout: float) -> AsyncIterator[None]:
    """A case that fails while the charger is still updating lets the update end first (a final
    FirmwareStatusNotification, at most ``timeout`` s), so its reboot does not hit the next case's baseline;
    the failure stays the case's verdict."""
    try:
        yield
    except Failed:
        def over() -> bool:
            return any(r.action == "FirmwareStatusNotification" and r["status"] in FINAL_FIRMWARE_STATUSES
                       for r in cs.since())
        with contextlib.suppress(Failed):
            await cs.wait_for(over, "the firmware update to end", timeout)
        raise


def rebooted_statuses(cs: Station, pics: Any) -> list[MessageSpec]:
    """After the reboot: a StatusNotification for connector 0 and every connector, none of them Unavailable."""
    return [cs.message("StatusNotification", connectorId=c, status=not_equal("Unavailable"))
            for c in (0, *pics.connector_ids)]


@testcase("TC_044_1_CS", "Firmware Update – Download and Install", block="firmware",
          applies=firmware_management)
async def test_firmware_update_download_and_install(cs, setup, pics, files):
    """UpdateFirmware(a valid image, retrieveDate in a few seconds); FirmwareStatusNotification Downloading,
    Downloaded (the server sent the whole image, not before retrieveDate), Installing; the reboot
    (BootNotification); then Installed and a StatusNotification for connector 0 and every connector, none
    left Unavailable, in either order (the plan puts the statuses first; OCPP 1.6 does not order them)."""
    location = files.firmware_url("valid")
    date, retrieve_at = retrieve_date()
    long_wait, sent_ns = setup.timeouts.long_operation, time.monotonic_ns()
    await request(cs, "UpdateFirmware", location=location, retrieveDate=date)
    async with update_runs_out(cs, long_wait):
        await downloaded_then_installing(cs, files, location, retrieve_at, sent_ns, long_wait)
        await cs.expect("BootNotification", timeout=long_wait)
        await cs.expect_all(cs.message("FirmwareStatusNotification", status="Installed"),
                            *rebooted_statuses(cs, pics), timeout=long_wait)


@testcase("TC_044_2_CS", "Firmware Update – Download Failed", block="firmware", applies=firmware_management)
async def test_firmware_update_download_failed(cs, setup, files):
    """UpdateFirmware(a location that does not exist on the server, retries=2, retryInterval=2 s);
    FirmwareStatusNotification Downloading, then DownloadFailed (not Downloaded); the server saw 1 + retries
    attempts, retryInterval apart."""
    location = files.missing_url()
    date, _ = retrieve_date()
    long_wait = setup.timeouts.long_operation
    await request(cs, "UpdateFirmware", location=location, retrieveDate=date, retries=RETRIES,
                  retryInterval=RETRY_INTERVAL_S)
    await cs.expect("FirmwareStatusNotification", status="Downloading", timeout=RETRIEVE_IN_S + long_wait)
    final = await cs.expect("FirmwareStatusNotification", status=one_of("Downloaded", "DownloadFailed"),
                            timeout=RETRIES * RETRY_INTERVAL_S + long_wait)
    cs.require(final["status"] == "DownloadFailed",
               f"FirmwareStatusNotification {final['status']}, expected DownloadFailed: {server_path(location)} "
               f"does not exist (attempts: {shown(files.attempts(location))})")
    await require_attempts(cs, files, location, "download", RETRIES, RETRY_INTERVAL_S)


@testcase("TC_044_3_CS", "Firmware Update – Installation Failed", block="firmware", applies=firmware_management)
async def test_firmware_update_installation_failed(cs, setup, files):
    """UpdateFirmware(an image no charger installs: it starts with INVALID); FirmwareStatusNotification
    Downloading, Downloaded (the server sent it), Installing, then InstallationFailed, not Installed (StatusNotifications
    and a reboot may come in between: UpdateFirmware licenses one)."""
    location = files.firmware_url("invalid")
    date, retrieve_at = retrieve_date()
    long_wait, sent_ns = setup.timeouts.long_operation, time.monotonic_ns()
    await request(cs, "UpdateFirmware", location=location, retrieveDate=date)
    async with update_runs_out(cs, long_wait):
        await downloaded_then_installing(cs, files, location, retrieve_at, sent_ns, long_wait)
        final = await cs.expect("FirmwareStatusNotification", status=one_of("Installed", "InstallationFailed"),
                                timeout=long_wait)
    cs.require(final["status"] == "InstallationFailed",
               f"FirmwareStatusNotification {final['status']}, expected InstallationFailed: the image "
               f"(SHA-256 {files.image_sha256('invalid')}) is no firmware of any charger")


@testcase("TC_045_1_CS", "Get Diagnostics", block="firmware", applies=firmware_management)
async def test_get_diagnostics(cs, setup, files):
    """GetDiagnostics(the upload location) answered with a fileName; DiagnosticsStatusNotification Uploading,
    then Uploaded (not UploadFailed); a file of that name arrived at the location, not empty (kept in the run
    directory, files/upload/)."""
    location = files.upload_url()
    long_wait, sent_ns = setup.timeouts.long_operation, time.monotonic_ns()
    response = await request(cs, "GetDiagnostics", location=location, retries=RETRIES,
                             retryInterval=RETRY_INTERVAL_S)
    file_name = response.payload.get("fileName")
    cs.require(bool(file_name), "GetDiagnostics.conf carries no fileName: the charge point has no diagnostics "
                                "to upload, and the plan expects a file at the location")
    await cs.expect("DiagnosticsStatusNotification", status="Uploading", timeout=long_wait)
    final = await cs.expect("DiagnosticsStatusNotification", status=one_of("Uploaded", "UploadFailed"),
                            timeout=RETRIES * RETRY_INTERVAL_S + long_wait)
    cs.require(final["status"] == "Uploaded", f"DiagnosticsStatusNotification {final['status']}, expected "
               f"Uploaded (uploads seen: {shown(files.attempts(location, since_ns=sent_ns))}"
               f"{refused(files, sent_ns)})")
    content = await files.wait_upload(file_name, cs.message_timeout)
    cs.require(content is not None,
               f"the charge point reported Uploaded, but no file {file_name} (the fileName of GetDiagnostics.conf) "
               f"arrived at {server_path(location)} (uploads seen: {shown(files.attempts(location))})")
    cs.require(len(content) > 0, f"the uploaded diagnostics file {file_name} is empty")


@testcase("TC_045_2_CS", "Get Diagnostics – Upload Failed", block="firmware", applies=firmware_management)
async def test_get_diagnostics_upload_failed(cs, setup, files):
    """GetDiagnostics(a location that refuses every upload, retries=2, retryInterval=2 s) answered with a
    fileName; DiagnosticsStatusNotification Uploading, then UploadFailed (not Uploaded); the server saw
    1 + retries upload attempts, retryInterval apart; the charge point carries on (the evidence rules fail
    the case on a reboot or a lost connection it was not asked for)."""
    location = files.refusing_upload_url()
    long_wait = setup.timeouts.long_operation
    response = await request(cs, "GetDiagnostics", location=location, retries=RETRIES,
                             retryInterval=RETRY_INTERVAL_S)
    cs.require(bool(response.payload.get("fileName")), "GetDiagnostics.conf carries no fileName: the charge "
                                                      "point has no diagnostics, so no upload can fail")
    await cs.expect("DiagnosticsStatusNotification", status="Uploading", timeout=long_wait)
    final = await cs.expect("DiagnosticsStatusNotification", status=one_of("Uploaded", "UploadFailed"),
                            timeout=RETRIES * RETRY_INTERVAL_S + long_wait)
    cs.require(final["status"] == "UploadFailed",
               f"DiagnosticsStatusNotification {final['status']}, expected UploadFailed: the location refused "
               f"every upload (attempts: {shown(files.attempts(location))})")
    await require_attempts(cs, files, location, "upload", RETRIES, RETRY_INTERVAL_S)
