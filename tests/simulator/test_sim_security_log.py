"""Security Whitepaper parts of the reference charge point (TC_073, TC_079, TC_084, TC_085): GetLog over a real
HTTP server on 127.0.0.1 with its LogStatusNotifications, the security events in the uploaded log, the refused
SecurityProfile downgrade, the Basic auth username on a reconnect, and the faults that break each."""

import base64
import http.server
import threading

import pytest

from simulator.logs import SECURITY_LOG_SIZE, SecurityLog
from tests.simulator.conftest import pics

HTTP_ONLY = pics(**{"ors/ORS-16": ["HTTP"]})

pytestmark = [pytest.mark.asyncio, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


class Uploads(http.server.BaseHTTPRequestHandler):
    store: dict = {}

    def do_PUT(self):  # noqa: N802
        self.store[self.path] = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def uploads():
    Uploads.store = {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Uploads)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/upload", Uploads.store
    server.shutdown()
    server.server_close()


async def get_log(csms, location: str, request_id: int, log_type: str = "SecurityLog", **extra) -> dict:
    answer = await csms.call("GetLog", {"logType": log_type, "requestId": request_id,
                                        "log": {"remoteLocation": location}, **extra})
    return answer.payload


async def test_get_security_log_uploads_the_security_events(csms, make_sim, bench, uploads):
    location, store = uploads
    sim = make_sim(csms, HTTP_ONLY)
    await bench.booted(csms, sim)
    answer = await get_log(csms, location, 17)
    assert answer["status"] == "Accepted" and answer["filename"].startswith("security-log-")
    assert (await csms.expect("LogStatusNotification", status="Uploading")).payload["requestId"] == 17
    assert (await csms.expect("LogStatusNotification", status="Uploaded")).payload["requestId"] == 17
    content = store[f"/upload/{answer['filename']}"]
    assert b"StartupOfTheDevice" in content and bench.PASSWORD.encode() not in content

    diagnostics = await get_log(csms, location, 18, log_type="DiagnosticsLog")
    await csms.expect("LogStatusNotification", status="Uploaded", requestId=18)
    assert bench.CP_ID.encode() in store[f"/upload/{diagnostics['filename']}"]


async def test_security_log_keeps_the_newest_events_of_a_period():
    class Store:
        data: dict = {}

        def save(self):
            pass

    log = SecurityLog(Store())
    for _ in range(SECURITY_LOG_SIZE + 5):
        log.record("ReconfigurationOfSecurityParameters", "AuthorizationKey changed")
    assert len(log.events) == SECURITY_LOG_SIZE
    stamp = log.events[-1]["timestamp"]
    assert log.text(oldest=stamp).count("\n") >= 1
    assert log.text(latest="2000-01-01T00:00:00Z") == "\n"
    assert "AuthorizationKey changed" in log.text()


async def test_get_log_upload_failure_in_an_unsupported_protocol(csms, make_sim, bench):
    sim = make_sim(csms, HTTP_ONLY)
    await bench.booted(csms, sim)
    answer = await get_log(csms, "ftp://user:pw@127.0.0.1:9/", 5, retries=0)
    assert answer["status"] == "Accepted"
    await csms.expect("LogStatusNotification", status="Uploading", requestId=5)
    await csms.expect("LogStatusNotification", status="UploadFailure", requestId=5)


async def test_get_log_faults(csms, make_sim, bench, uploads):
    location, store = uploads
    sim = make_sim(csms, HTTP_ONLY, faults=["get-log-not-uploaded", "log-status-wrong-request-id"])
    await bench.booted(csms, sim)
    answer = await get_log(csms, location, 40)
    assert answer["status"] == "Accepted"
    await csms.expect("LogStatusNotification", status="Uploading", requestId=41)             # TC_079
    await csms.expect("LogStatusNotification", status="Uploaded", requestId=41)
    assert store == {}                                                                         # TC_079


async def test_security_profile_downgrade_rejected_unless_faulty(csms, make_sim, bench):
    at_two = pics(**{"test_setup/security_profile": 2})
    sim = make_sim(csms, at_two)                   # ws:// still: the bench has no TLS, the key is what counts
    await bench.booted(csms, sim)
    change = {"key": "SecurityProfile", "value": "1"}
    assert (await csms.call("ChangeConfiguration", change)).payload == {"status": "Rejected"}
    await sim.kill()
    faulty = make_sim(csms, at_two, faults=["security-profile-downgrade-accepted"])
    await bench.booted(csms, faulty)
    assert (await csms.call("ChangeConfiguration", change)).payload == {"status": "Accepted"}          # TC_084
    read = await csms.call("GetConfiguration", {"key": ["SecurityProfile"]})
    assert read.payload["configurationKey"][0]["value"] == "2"           # it stays where it is


def user_of(authorization: str) -> str:
    return base64.b64decode(authorization.split()[1]).decode().partition(":")[0]


@pytest.mark.parametrize("faulty", [False, True], ids=["right-user", "basic-auth-wrong-user"])
async def test_basic_auth_user_on_a_reconnect(csms, make_sim, bench, faulty):
    sim = make_sim(csms, faults=["basic-auth-wrong-user"] if faulty else [])
    await sim.start()
    first = await csms.next_connection()
    assert first.authorization == bench.basic()                        # the first connection is right either way
    await csms.expect("StatusNotification", connectorId=2)
    await csms.drop()
    again = await csms.next_connection()
    assert (user_of(again.authorization) == bench.CP_ID) is not faulty                           # TC_085


async def test_security_profile_upgrade_only_when_ready(csms, make_sim, bench):
    """TC_083: the bench has no CA file, so an upgrade to 2 is Rejected (the whitepaper: the charger
    checks the prerequisites of the new profile before it accepts)."""
    sim = make_sim(csms)
    await bench.booted(csms, sim)
    change = {"key": "SecurityProfile", "value": "2"}
    assert (await csms.call("ChangeConfiguration", change)).payload == {"status": "Rejected"}


async def test_the_url_follows_a_changed_profile():
    from types import SimpleNamespace

    from simulator.station import Station

    station = Station.__new__(Station)
    station.settings = SimpleNamespace(security_profile=1, charge_point_id="CP")
    station.url = "ws://127.0.0.1:9000/ocpp/CP"
    station.ca_file, station.client_certificate = None, None
    assert station.url_for(1) == "ws://127.0.0.1:9000/ocpp/CP"
    assert station.url_for(2) == "wss://127.0.0.1:9000/ocpp/CP"
    assert not station.profile_ready(2)
    station.ca_file = "root.pem"
    assert station.profile_ready(2) and not station.profile_ready(3)
    station.client_certificate = ("cp.pem", "cp.key")
    assert station.profile_ready(3)
