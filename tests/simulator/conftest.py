"""Test bench for the reference charge point: a tiny Central System on a real socket, and the simulator as a
real subprocess driven over its control channel. Nothing here waits by sleeping: every wait is for a frame
or a response, bounded by a timeout."""

from __future__ import annotations

import asyncio
import base64
import copy
import itertools
import json
import os
import signal
import sys
import types
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio
import yaml
from websockets.asyncio.server import serve

REPO = Path(__file__).resolve().parents[2]
CP_ID = "SIMTEST-01"
PASSWORD = "sim-test-password-01"

BASE_PICS = {
    "pics_version": 1,
    "product": {"vendor_name": "SimVendor", "charge_point_model": "SimModel-22",
                "firmware_version": "sim-fw-1.2.3"},
    "feature_profiles": ["Core", "FirmwareManagement", "LocalAuthListManagement", "Reservation",
                         "SmartCharging", "RemoteTrigger"],
    "hardware": {"HFS-1": False, "HFS-2": True, "HFS-7": True, "HFS-8": 2,
                 "connectors": [{"id": 1, "current": "AC", "phases": 3, "type": "cType2", "cable": "Fixed Cable"},
                                {"id": 2, "current": "AC", "phases": 3, "type": "cType2", "cable": "Fixed Cable"}]},
    "optional_features": {"C-01": True, "C-02": False, "C-03": False, "C-04": True, "C-05": False,
                          "C-06.1": False, "C-06.2": True, "C-07": True, "C-08": True, "C-10.1": False,
                          "C-10.2": True, "LA-0": True, "R-1": True, "SC-1.1": True, "SC-1.2": True},
    "measurands": {"C-09.1": {"declared": ["Current.Import", "Energy.Active.Import.Register",
                                           "Power.Active.Import", "Temperature", "SoC", "Voltage",
                                           "Power.Offered"]},
                   "C-09.2": {"declared": ["Current.Import", "Energy.Active.Import.Register",
                                           "Power.Active.Import", "Temperature", "SoC", "Voltage",
                                           "Power.Offered"]}},
    "additional_questions": {"AQ-7.1": False, "AQ-7.2": True},
    "ors": {"ORS-1": 55, "ORS-2": 7, "ORS-3": 7, "ORS-4": 0, "ORS-5": 86400, "ORS-6": 0, "ORS-7": 86400,
            "ORS-8": 2, "ORS-9": 2, "ORS-10": 2, "ORS-11": 0, "ORS-12": 5000, "ORS-13": 100,
            "ORS-14": 10, "ORS-15": 5, "ORS-16": ["FTP"], "ORS-17": 10000, "ORS-18": 50, "ORS-19": 20},
    "performance": {"ocpp_response_timeout": 3},
    "configuration_keys": {
        "StopTransactionOnEVSideDisconnect": {"access": "read-only", "value": "true"},
        "UnlockConnectorOnEVSideDisconnect": {"access": "read-only", "value": "false"},
        "AuthorizeRemoteTxRequests": {"access": "read-write", "value": "true"},
        "ConnectionTimeOut": {"access": "read-write", "value": "30"},
        "MeterValueSampleInterval": {"access": "read-write", "value": "0"},
    },
    "test_setup": {"charge_point_id": CP_ID, "security_profile": 1, "basic_auth_password": PASSWORD,
                   "connector_id": 1},
}


def pics(**changes) -> dict:
    """BASE_PICS with /-separated path changes, e.g. pics(**{"additional_questions/AQ-7.1": True})."""
    data = copy.deepcopy(BASE_PICS)
    for dotted, value in changes.items():
        node = data
        *path, last = dotted.split("/")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return data


def detachable_pics(**changes) -> dict:
    data = pics(**changes)
    data["hardware"].update({"HFS-1": True, "HFS-2": False, "HFS-8": 1,
                             "connectors": [{"id": 1, "current": "AC", "phases": 3, "type": "cType2",
                                             "cable": "Socket"}]})
    data["optional_features"].update({"C-06.1": True, "C-06.2": False, "C-10.1": True, "C-10.2": False})
    data["configuration_keys"]["StopTransactionOnEVSideDisconnect"] = {"access": "read-write", "value": "true"}
    data["configuration_keys"]["UnlockConnectorOnEVSideDisconnect"] = {"access": "read-write", "value": "true"}
    return data


# ---------------------------------------------------------------------------------------------------------
# The tiny Central System
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Msg:
    action: str
    payload: dict
    t: float                        # loop.time() on arrival
    unique_id: str = ""


@dataclass
class CallOutcome:
    payload: dict | None
    error_code: str | None = None


@dataclass
class Connection:
    path: str
    authorization: str | None
    subprotocol: str | None
    t: float


class FakeCSMS:
    """Answers every CP CALL with a fixed (overridable) reply and queues it for the test to await."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[Msg] = asyncio.Queue()
        self.history: list[Msg] = []
        self.connections: asyncio.Queue[Connection] = asyncio.Queue()
        self.closed: asyncio.Queue[float] = asyncio.Queue()
        self.refused: asyncio.Queue[float] = asyncio.Queue()   # connection attempts answered 503
        self.ws = None
        self.port = 0
        self._pending: dict[str, asyncio.Future] = {}
        self._tx_ids = itertools.count(1001)
        self.heartbeat_interval = 60
        self.replies = {
            "BootNotification": lambda p: {"status": "Accepted", "currentTime": now(),
                                           "interval": self.heartbeat_interval},
            "Heartbeat": lambda p: {"currentTime": now()},
            "StatusNotification": lambda p: {},
            "MeterValues": lambda p: {},
            "Authorize": lambda p: {"idTagInfo": {"status": "Accepted"}},
            "StartTransaction": lambda p: {"transactionId": next(self._tx_ids), "idTagInfo": {"status": "Accepted"}},
            "StopTransaction": lambda p: {"idTagInfo": {"status": "Accepted"}},
            "DataTransfer": lambda p: {"status": "Accepted"},
        }
        self.refuse = False
        self._server = None

    async def start(self) -> "FakeCSMS":
        async def process_request(connection, request):
            if self.refuse:
                self.refused.put_nowait(asyncio.get_running_loop().time())
                return connection.respond(503, "refused\n")
            self.connections.put_nowait(Connection(request.path, request.headers.get("Authorization"),
                                                   None, asyncio.get_running_loop().time()))
            return None

        self._server = await serve(self._handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"],
                                   process_request=process_request, ping_interval=None, compression=None)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    async def stop(self) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def _handler(self, ws) -> None:
        self.ws = ws
        loop = asyncio.get_running_loop()
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame[0] == 2:
                    _, uid, action, payload = frame
                    msg = Msg(action, payload, loop.time(), uid)
                    self.history.append(msg)
                    self.inbox.put_nowait(msg)
                    reply = self.replies.get(action, lambda p: {})(payload)
                    if isinstance(reply, tuple):       # ("error", code)
                        await ws.send(json.dumps([4, uid, reply[1], "test", {}]))
                    elif reply is not None:            # None: never answer
                        await ws.send(json.dumps([3, uid, reply]))
                elif frame[0] in (3, 4):
                    fut = self._pending.pop(frame[1], None)
                    if fut and not fut.done():
                        fut.set_result(CallOutcome(frame[2]) if frame[0] == 3 else CallOutcome(None, frame[2]))
        except Exception:
            pass
        finally:
            if self.ws is ws:
                self.ws = None
            self.closed.put_nowait(loop.time())

    async def call(self, action: str, payload: dict, timeout: float = 5) -> CallOutcome:
        uid = str(uuid.uuid4())
        fut = asyncio.get_running_loop().create_future()
        self._pending[uid] = fut
        await self.ws.send(json.dumps([2, uid, action, payload]))
        return await asyncio.wait_for(fut, timeout)

    async def expect(self, action: str, timeout: float = 5, **match) -> Msg:
        """The next CP CALL of that action whose payload has the given fields (others are skipped)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        skipped = []
        while True:
            remaining = deadline - loop.time()
            try:
                msg = await asyncio.wait_for(self.inbox.get(), max(0.0, remaining))
            except asyncio.TimeoutError:
                raise AssertionError(f"expected {action}{match} within {timeout} s; got "
                                     f"{[(m.action, m.payload) for m in skipped]}") from None
            if msg.action == action and all(msg.payload.get(k) == v for k, v in match.items()):
                return msg
            skipped.append(msg)

    async def expect_none(self, action: str, within: float, **match) -> None:
        """No CP CALL of that action (matching the fields) arrives within the time."""
        try:
            msg = await self.expect(action, within, **match)
        except AssertionError:
            return
        raise AssertionError(f"unexpected {action}: {msg.payload}")

    async def next_connection(self, timeout: float = 5) -> Connection:
        try:
            return await asyncio.wait_for(self.connections.get(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"no WebSocket connection within {timeout} s") from None

    async def drop(self) -> None:
        if self.ws is not None:
            await self.ws.close()


def now() -> str:
    import datetime as dt
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# ---------------------------------------------------------------------------------------------------------
# The simulator process
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Sim:
    pics_path: Path
    state_path: Path
    url: str
    faults: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    proc: asyncio.subprocess.Process | None = None
    control_port: int = 0
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    log_path: Path | None = None

    async def start(self, timeout: float = 15) -> "Sim":
        args = [sys.executable, "-m", "simulator", "--pics", str(self.pics_path), "--url", self.url,
                "--state-file", str(self.state_path), *self.extra]
        for name in self.faults:
            args += ["--fault", name]
        self.log_path = self.state_path.with_suffix(".log")
        log = open(self.log_path, "ab")
        env = dict(os.environ, PYTHONPATH=str(REPO))
        self.proc = await asyncio.create_subprocess_exec(*args, cwd=REPO, stdout=asyncio.subprocess.PIPE,
                                                         stderr=log, env=env)
        log.close()
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        text = line.decode().strip()
        assert text.startswith("CONTROL 127.0.0.1:"), f"unexpected first line {text!r}; log: {self.log()}"
        self.control_port = int(text.rsplit(":", 1)[1])
        self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.control_port)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path and self.log_path.exists() else ""

    async def control(self, action: str, timeout: float = 10, **fields) -> dict:
        rid = next(self._ids)
        self._writer.write((json.dumps({"id": rid, "action": action, **fields}) + "\n").encode())
        await self._writer.drain()
        line = await asyncio.wait_for(self._reader.readline(), timeout)
        response = json.loads(line)
        assert response["id"] == rid
        return response

    async def ok(self, action: str, **fields) -> dict:
        response = await self.control(action, **fields)
        assert response["ok"], f"{action} {fields}: {response}"
        return response

    async def kill(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def power_cycle(self) -> "Sim":
        await self.ok("power_off")
        await self.kill()
        return await self.start()


@pytest_asyncio.fixture
async def csms():
    server = await FakeCSMS().start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def make_sim(tmp_path):
    """make_sim(pics_dict=None, faults=(), extra=()) -> Sim (not started)."""
    created: list[Sim] = []
    counter = itertools.count()

    def factory(csms: FakeCSMS, pics_data: dict | None = None, faults=(), extra=()) -> Sim:
        n = next(counter)
        path = tmp_path / f"pics-{n}.yaml"
        path.write_text(yaml.safe_dump(pics_data or pics()))
        sim = Sim(path, tmp_path / f"state-{n}.json", csms.url, list(faults), list(extra))
        created.append(sim)
        return sim

    yield factory
    for sim in created:
        await sim.kill()


async def booted(csms: FakeCSMS, sim: Sim, connectors: int = 2) -> None:
    """Start the simulator and wait for the boot and its StatusNotifications (0..n)."""
    await sim.start()
    await csms.expect("BootNotification")
    for cid in range(connectors + 1):
        await csms.expect("StatusNotification", connectorId=cid)


async def charging(csms: FakeCSMS, sim: Sim, connector: int = 1, id_tag: str = "TAG-1") -> int:
    """Plug in and present an idTag; return the transactionId."""
    await sim.ok("plug_in", connector=connector)
    await csms.expect("StatusNotification", connectorId=connector, status="Preparing")
    await sim.ok("present_id_tag", id_tag=id_tag, connector=connector)
    await csms.expect("Authorize", idTag=id_tag)
    start = await csms.expect("StartTransaction", connectorId=connector, idTag=id_tag)
    await csms.expect("StatusNotification", connectorId=connector, status="Charging")
    state = await sim.ok("state")
    tx = next(t for t in state["transactions"] if t["connector_id"] == connector)
    assert start.payload["meterStart"] >= 0
    return tx["transaction_id"]


def basic(cp_id: str = CP_ID, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{cp_id}:{password}".encode()).decode()


@pytest.fixture
def bench():
    """The helpers of this bench, for test modules (they cannot import conftest reliably)."""
    return types.SimpleNamespace(pics=pics, detachable_pics=detachable_pics, booted=booted, charging=charging,
                                 basic=basic, CP_ID=CP_ID, PASSWORD=PASSWORD, REPO=REPO)
