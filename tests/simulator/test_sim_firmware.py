"""Firmware Management of the reference charge point (TC_044_x, TC_045_x): UpdateFirmware, GetDiagnostics, over
real HTTP and FTP servers on 127.0.0.1, and over HTTPS and explicit FTPS (the harness's file servers, with a
certificate of a test PKI the charge point trusts through --ca-file)."""

import datetime as dt
import http.server
import threading
from pathlib import Path

import pytest

from simulator.firmware import verify, without_credentials
from tests.simulator.conftest import pics

IMAGES = Path(__file__).resolve().parents[2] / "fixtures" / "firmware"
#: the reference charge point fetches only in the protocols of its ORS-16
FTP_AND_HTTP = pics(**{"ors/ORS-16": ["FTP", "HTTP"]})
TLS_ONLY = pics(**{"ors/ORS-16": ["HTTPS", "FTPS"]})

pytestmark = [pytest.mark.asyncio, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


class Files(http.server.BaseHTTPRequestHandler):
    store: dict = {}

    def do_GET(self):  # noqa: N802
        body = self.store.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):  # noqa: N802
        self.store[self.path] = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_files():
    Files.store = {"/fw.bin": (IMAGES / "valid.bin").read_bytes(), "/bad.bin": (IMAGES / "invalid.bin").read_bytes(),
                   "/cut.bin": (IMAGES / "truncated.bin").read_bytes()}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Files)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", Files.store
    server.shutdown()
    server.server_close()


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_firmware_update_download_install_reboot(csms, make_sim, bench, http_files):
    base, _ = http_files
    sim = make_sim(csms, FTP_AND_HTTP)
    await bench.booted(csms, sim)
    answer = await csms.call("UpdateFirmware", {"location": f"{base}/fw.bin", "retrieveDate": now()})
    assert answer.payload == {}
    for status in ("Downloading", "Downloaded", "Installing"):
        await csms.expect("FirmwareStatusNotification", status=status)
    boot = await csms.expect("BootNotification")
    assert boot.payload["firmwareVersion"] == "sim-2.0.0"          # the version in the image's header
    await csms.expect("StatusNotification", connectorId=2)
    await csms.expect("FirmwareStatusNotification", status="Installed")
    assert [m.action for m in csms.history].count("BootNotification") == 2


async def test_firmware_download_and_installation_failures(csms, make_sim, bench, http_files):
    base, _ = http_files
    sim = make_sim(csms, FTP_AND_HTTP)
    await bench.booted(csms, sim)
    await csms.call("UpdateFirmware", {"location": f"{base}/missing.bin", "retrieveDate": now(), "retries": 0})
    await csms.expect("FirmwareStatusNotification", status="Downloading")
    await csms.expect("FirmwareStatusNotification", status="DownloadFailed")
    await csms.call("UpdateFirmware", {"location": f"{base}/bad.bin", "retrieveDate": now()})
    for status in ("Downloading", "Downloaded", "Installing", "InstallationFailed"):
        await csms.expect("FirmwareStatusNotification", status=status)
    triggered = await csms.call("TriggerMessage", {"requestedMessage": "FirmwareStatusNotification"})
    assert triggered.payload == {"status": "Accepted"}
    await csms.expect("FirmwareStatusNotification", status="Idle")


async def test_get_diagnostics_over_http_and_ftp(csms, make_sim, bench, http_files, tmp_path):
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import ThreadedFTPServer

    base, store = http_files
    sim = make_sim(csms, FTP_AND_HTTP)
    await bench.booted(csms, sim)
    answer = await csms.call("GetDiagnostics", {"location": f"{base}/upload"})
    name = answer.payload["fileName"]
    await csms.expect("DiagnosticsStatusNotification", status="Uploading")
    await csms.expect("DiagnosticsStatusNotification", status="Uploaded")
    assert bench.CP_ID.encode() in store[f"/upload/{name}"]
    assert b"AuthorizationKey" not in store[f"/upload/{name}"]

    authorizer = DummyAuthorizer()
    (tmp_path / "ftp").mkdir()
    authorizer.add_user("diag", "secret", str(tmp_path / "ftp"), perm="elradfmw")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer, "auth_failed_timeout": 0.05})
    ftp = ThreadedFTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=ftp.serve_forever, kwargs={"timeout": 0.05}, daemon=True)
    thread.start()
    try:
        port = ftp.socket.getsockname()[1]
        answer = await csms.call("GetDiagnostics", {"location": f"ftp://diag:secret@127.0.0.1:{port}/"})
        await csms.expect("DiagnosticsStatusNotification", status="Uploaded")
        assert (tmp_path / "ftp" / answer.payload["fileName"]).exists()
        await csms.call("GetDiagnostics", {"location": "ftp://diag:wrong@127.0.0.1:%d/" % port, "retries": 0})
        await csms.expect("DiagnosticsStatusNotification", status="UploadFailed")
    finally:
        ftp.close_all()


async def test_only_an_intact_image_of_this_charger_is_installed():
    assert verify((IMAGES / "valid.bin").read_bytes()) == (True, "sim-2.0.0", "verified")
    assert not verify((IMAGES / "truncated.bin").read_bytes()).ok
    assert not verify((IMAGES / "invalid.bin").read_bytes()).ok
    assert not verify(b"").ok
    assert not verify(b"\x7fELF some other firmware").ok


async def test_a_logged_location_never_shows_its_password():
    assert without_credentials("ftp://u:s3cret@127.0.0.1:21/fw.bin") == "ftp://u:***@127.0.0.1:21/fw.bin"
    assert without_credentials("http://127.0.0.1/fw.bin") == "http://127.0.0.1/fw.bin"


async def test_a_truncated_image_and_an_unsupported_protocol_fail(csms, make_sim, bench, http_files):
    """An altered download is refused at installation; a protocol outside ORS-16 is never fetched."""
    base, _ = http_files
    sim = make_sim(csms)                                   # ORS-16: [FTP]
    await bench.booted(csms, sim)
    await csms.call("UpdateFirmware", {"location": f"{base}/fw.bin", "retrieveDate": now(), "retries": 0})
    await csms.expect("FirmwareStatusNotification", status="Downloading")
    await csms.expect("FirmwareStatusNotification", status="DownloadFailed")
    assert "HTTP protocol: SupportedFileTransferProtocols is FTP" in sim.log()
    sim2 = make_sim(csms, FTP_AND_HTTP)
    await sim.kill()
    await bench.booted(csms, sim2)
    await csms.call("UpdateFirmware", {"location": f"{base}/cut.bin", "retrieveDate": now()})
    for status in ("Downloading", "Downloaded", "Installing", "InstallationFailed"):
        await csms.expect("FirmwareStatusNotification", status=status)


async def test_firmware_faults(csms, make_sim, bench, http_files):
    """firmware-retries-ignored tries once; firmware-statuses-out-of-order reports Installing before
    Downloaded; diagnostics-upload-failure-not-reported stays silent after a failed upload."""
    base, _ = http_files
    sim = make_sim(csms, FTP_AND_HTTP, faults=["firmware-retries-ignored", "firmware-statuses-out-of-order",
                                               "diagnostics-upload-failure-not-reported"])
    await bench.booted(csms, sim)
    await csms.call("UpdateFirmware", {"location": f"{base}/missing.bin", "retrieveDate": now(), "retries": 3,
                                       "retryInterval": 30})
    await csms.expect("FirmwareStatusNotification", status="Downloading")
    await csms.expect("FirmwareStatusNotification", status="DownloadFailed")
    await csms.call("UpdateFirmware", {"location": f"{base}/bad.bin", "retrieveDate": now()})
    statuses = [(await csms.expect("FirmwareStatusNotification")).payload["status"] for _ in range(4)]
    assert statuses == ["Downloading", "Installing", "Downloaded", "InstallationFailed"]
    await csms.call("GetDiagnostics", {"location": "ftp://nobody:x@127.0.0.1:1/", "retries": 0})
    await csms.expect("DiagnosticsStatusNotification", status="Uploading")
    await csms.expect_none("DiagnosticsStatusNotification", within=1.0)


async def test_firmware_not_implemented_fault(csms, make_sim, bench):
    sim = make_sim(csms, faults=["firmware-not-implemented"])
    await bench.booted(csms, sim)
    answer = await csms.call("UpdateFirmware", {"location": "ftp://127.0.0.1/x.bin", "retrieveDate": now()})
    assert answer.error_code == "NotImplemented"


@pytest.fixture
async def tls_files(tmp_path):
    """The harness's HTTPS and FTPS servers, their certificate issued by a test PKI in tmp_path."""
    from harness.csms.trace import Trace
    from harness.files import FileServers

    files = FileServers(Trace(), tmp_path / "files", ["HTTPS", "FTPS"], pki_dir=tmp_path / "pki")
    files.start()
    yield files
    await files.stop()


async def test_firmware_and_diagnostics_over_https_and_ftps_trusting_the_ca_file(csms, make_sim, bench, tls_files):
    """The image really left the TLS servers (their SHA-256 is the image's), the version of its header is the
    firmwareVersion after the reboot, and the diagnostics arrive over both protocols."""
    files = tls_files
    sim = make_sim(csms, TLS_ONLY, extra=["--ca-file", str(files.root_certificate)])
    await bench.booted(csms, sim)
    for protocol in ("HTTPS", "FTPS"):
        location = files.firmware_url("valid", protocol)
        await csms.call("UpdateFirmware", {"location": location, "retrieveDate": now()})
        for status in ("Downloading", "Downloaded", "Installing"):
            await csms.expect("FirmwareStatusNotification", status=status)
        boot = await csms.expect("BootNotification")
        assert boot.payload["firmwareVersion"] == "sim-2.0.0"
        await csms.expect("FirmwareStatusNotification", status="Installed")
        (download,) = await files.wait_attempts(location, 1, 5)
        assert download.complete and download.protocol == protocol
        assert download.sha256 == files.image_sha256("valid")
    for protocol in ("HTTPS", "FTPS"):
        answer = await csms.call("GetDiagnostics", {"location": files.upload_url(protocol)})
        await csms.expect("DiagnosticsStatusNotification", status="Uploading")
        await csms.expect("DiagnosticsStatusNotification", status="Uploaded")
        content = await files.wait_upload(answer.payload["fileName"], 5)
        assert content and bench.CP_ID.encode() in content
    assert {t.protocol for t in files.uploads()} == {"HTTPS", "FTPS"}
    assert "harness:" + files.password not in sim.log()          # the log shows locations without the password


async def test_a_charger_without_the_root_refuses_the_tls_servers(csms, make_sim, bench, tls_files):
    """No --ca-file: the system's roots do not include the test PKI's, so HTTPS and FTPS both fail (and the
    server saw a handshake that did not complete, never a transfer)."""
    files = tls_files
    sim = make_sim(csms, TLS_ONLY)
    await bench.booted(csms, sim)
    for protocol in ("HTTPS", "FTPS"):
        await csms.call("UpdateFirmware", {"location": files.firmware_url("valid", protocol), "retrieveDate": now(),
                                           "retries": 0})
        await csms.expect("FirmwareStatusNotification", status="Downloading")
        await csms.expect("FirmwareStatusNotification", status="DownloadFailed")
    assert "CERTIFICATE_VERIFY_FAILED" in sim.log()
    failed = await files.wait(lambda: {r["protocol"] for r in files.trace.records if r.get("event") == "tls-failed"}
                              == {"HTTPS", "FTPS"}, 5)
    assert failed and not files.transfers


async def test_trigger_wrong_message_fault_swaps_the_firmware_notifications(csms, make_sim, bench):
    """firmware-trigger-wrong-message: Accepted, then the other notification of the two (TC_054 catches it)."""
    sim = make_sim(csms, faults=["firmware-trigger-wrong-message"])
    await bench.booted(csms, sim)
    for requested, sent in (("FirmwareStatusNotification", "DiagnosticsStatusNotification"),
                            ("DiagnosticsStatusNotification", "FirmwareStatusNotification")):
        answer = await csms.call("TriggerMessage", {"requestedMessage": requested})
        assert answer.payload == {"status": "Accepted"}
        got = await csms.expect(sent, status="Idle")
        assert got.action == sent
    await csms.expect_none("FirmwareStatusNotification", within=0.5)
    await csms.expect_none("DiagnosticsStatusNotification", within=0.5)
