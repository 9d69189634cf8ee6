"""Firmware Management of the reference charge point (TC_044_x, TC_045_x): UpdateFirmware, GetDiagnostics, over
real HTTP and FTP servers on 127.0.0.1."""

import datetime as dt
import http.server
import threading

import pytest

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
    Files.store = {"/fw.bin": b"\x7fFIRMWARE image 1.2.4\n", "/bad.bin": b"INVALID image\n"}
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
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    answer = await csms.call("UpdateFirmware", {"location": f"{base}/fw.bin", "retrieveDate": now()})
    assert answer.payload == {}
    for status in ("Downloading", "Downloaded", "Installing"):
        await csms.expect("FirmwareStatusNotification", status=status)
    await csms.expect("BootNotification")
    await csms.expect("StatusNotification", connectorId=2)
    await csms.expect("FirmwareStatusNotification", status="Installed")
    assert [m.action for m in csms.history].count("BootNotification") == 2


async def test_firmware_download_and_installation_failures(csms, make_sim, bench, http_files):
    base, _ = http_files
    sim = make_sim(csms)
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
    sim = make_sim(csms)
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
