"""A scripted raw charger for the end-to-end check of the misbehaving-charger block: a websockets client and
nothing else (no harness, no ``ocpp`` library), started by a command-adapter bench's ``session_start``.

    python raw_charger.py start URL CHARGE_POINT_ID PASSWORD CONNECTORS DIR   (returns; the charger runs on)
    python raw_charger.py stop DIR

It boots, reports its connectors Available and answers the Central System's CALLs like a plain charger at
rest, with one misbehaviour: the first GetConfiguration for SupportedFeatureProfiles (TC_019_CS asks it) is
answered with a CALLERROR in the OCPP 2.0 spelling "FormatViolation", which is no OCPP-J 1.6 frame. Every
other CALL, before and after, is answered well, so the next case can pass. Its pid and log go to DIR.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

from websockets.asyncio.client import connect

MISBEHAVIOUR = "FormatViolation"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


async def main(url: str, charge_point_id: str, password: str, connectors: int, log: Path) -> None:
    token = base64.b64encode(f"{charge_point_id}:{password}".encode()).decode()
    configuration = {"MeterValueSampleInterval": "0", "ClockAlignedDataInterval": "0", "LocalPreAuthorize": "false",
                     "SupportedFeatureProfiles": "Core"}
    misbehaved = False
    async with connect(f"{url}/{charge_point_id}", subprotocols=["ocpp1.6"],
                       additional_headers={"Authorization": f"Basic {token}"}) as ws:

        async def request(action: str, payload: dict) -> None:
            await ws.send(json.dumps([2, str(uuid.uuid4()), action, payload]))

        await request("BootNotification", {"chargePointVendor": "Raw", "chargePointModel": "Misbehaving"})
        for connector in range(connectors + 1):
            await request("StatusNotification", {"connectorId": connector, "errorCode": "NoError",
                                                 "status": "Available", "timestamp": now()})
        async for text in ws:
            frame = json.loads(text)
            with log.open("a", encoding="utf-8") as out:
                out.write(text + "\n")
            if frame[0] != 2:
                continue
            _, unique_id, action, payload = frame
            if action == "GetConfiguration":
                keys = payload.get("key") or list(configuration)
                if keys == ["SupportedFeatureProfiles"] and not misbehaved:
                    misbehaved = True
                    await ws.send(json.dumps([4, unique_id, MISBEHAVIOUR, "an OCPP 2.0 error code", {}]))
                    continue
                reply = {"configurationKey": [{"key": k, "readonly": False, "value": configuration[k]}
                                              for k in keys if k in configuration],
                         "unknownKey": [k for k in keys if k not in configuration]}
            elif action == "ChangeConfiguration":
                configuration[payload["key"]] = payload["value"]
                reply = {"status": "Accepted"}
            elif action == "GetLocalListVersion":
                reply = {"listVersion": 0}
            elif action == "DataTransfer":
                reply = {"status": "Rejected"}
            else:
                reply = {"status": "Accepted"}
            await ws.send(json.dumps([3, unique_id, reply]))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "start":
        url, charge_point_id, password, connectors, directory = args
        here = Path(directory)
        out = (here / "raw_charger.log").open("ab")
        process = subprocess.Popen([sys.executable, __file__, "run", *args], stdout=out, stderr=out,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        (here / "raw_charger.pid").write_text(str(process.pid))
    elif command == "run":
        url, charge_point_id, password, connectors, directory = args
        asyncio.run(main(url, charge_point_id, password, int(connectors), Path(directory) / "frames.log"))
    elif command == "stop":
        pid_file = Path(args[0]) / "raw_charger.pid"
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text()), signal.SIGTERM)
            except ProcessLookupError:
                pass
