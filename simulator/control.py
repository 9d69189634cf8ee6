"""The control channel (docs/contracts.md §4): physical actions on the reference charge point.

A TCP server on 127.0.0.1 speaking JSON lines. Each request is an object with an ``id`` and an ``action``;
each gets exactly one response line ``{"id": <same>, "ok": true, ...}`` or
``{"id": <same>, "ok": false, "error": "why"}``, in order. Requests of one client are handled one at a time.

| action          | fields                                           | effect                                        |
|-----------------|--------------------------------------------------|-----------------------------------------------|
| plug_in, unplug | connector (1..n), side: both / ev / cp            | cable ends in/out (cp: detachable cable only) |
| present_id_tag  | id_tag, connector                                | a card at the reader for that connector       |
| power_off       |                                                  | power fails; answered when safe to kill       |
| network         | up: bool                                         | the charger loses / regains its network       |
| fault           | connector (0..n), error_code, active, info?      | raise or clear a fault                        |
| baseline        |                                                  | back to idle: authorizations dropped, faults  |
|                 |                                                  | cleared, cables out (their usual messages)    |
| state           |                                                  | connectors, transactions, config, ...         |
| security_profile| profile (0..3)                                   | out of band (a service tool): SecurityProfile |
|                 |                                                  | set, even lower, and reconnect with it        |
"""

from __future__ import annotations

import asyncio
import json
import logging

LOG = logging.getLogger("simulator.control")

ERROR_CODES = frozenset({
    "ConnectorLockFailure", "EVCommunicationError", "GroundFailure", "HighTemperature", "InternalError",
    "LocalListConflict", "OtherError", "OverCurrentFailure", "OverVoltage", "PowerMeterFailure",
    "PowerSwitchFailure", "ReaderFailure", "ResetFailure", "UnderVoltage", "WeakSignal",
})


class RequestError(ValueError):
    """A malformed control request."""


def _int(request: dict, name: str, default=None) -> int:
    value = request.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(f"{name!r} must be an integer")
    return value


def _str(request: dict, name: str, default=None) -> str:
    value = request.get(name, default)
    if not isinstance(value, str):
        raise RequestError(f"{name!r} must be a string")
    return value


def _bool(request: dict, name: str, default=None) -> bool:
    value = request.get(name, default)
    if not isinstance(value, bool):
        raise RequestError(f"{name!r} must be true or false")
    return value


async def _plug_in(station, r):
    station.plug_in(_int(r, "connector", 1), _str(r, "side", "both"))


async def _unplug(station, r):
    station.unplug(_int(r, "connector", 1), _str(r, "side", "both"))


async def _present_id_tag(station, r):
    station.present_id_tag(_str(r, "id_tag"), _int(r, "connector", 1))


async def _power_off(station, r):
    await station.power_off()


async def _network(station, r):
    station.network(_bool(r, "up"))


async def _fault(station, r):
    active = _bool(r, "active", True)
    code = r.get("error_code", "OtherError" if active else None)
    if active and code not in ERROR_CODES:
        raise RequestError(f"error_code must be one of {', '.join(sorted(ERROR_CODES))}")
    info = r.get("info")
    if info is not None and (not isinstance(info, str) or len(info) > 50):
        raise RequestError("info must be a string of at most 50 characters")
    station.fault(_int(r, "connector", 1), code, active, info)


async def _baseline(station, r):
    station.baseline()


async def _security_profile(station, r):
    profile = _int(r, "profile")
    if profile not in (0, 1, 2, 3):
        raise RequestError("profile must be 0, 1, 2 or 3")
    station.force_security_profile(profile)


async def _state(station, r):
    return station.state()


ACTIONS = {
    "plug_in": _plug_in, "unplug": _unplug, "present_id_tag": _present_id_tag, "power_off": _power_off,
    "network": _network, "fault": _fault, "baseline": _baseline, "state": _state,
    "security_profile": _security_profile,
}


async def handle(station, request) -> dict:
    if not isinstance(request, dict):
        return {"id": None, "ok": False, "error": "a request is a JSON object"}
    rid = request.get("id")
    action = request.get("action")
    handler = ACTIONS.get(action)
    if handler is None:
        return {"id": rid, "ok": False,
                "error": f"unknown action {action!r}; known: {', '.join(ACTIONS)}"}
    try:
        extra = await handler(station, request)
    except ValueError as exc:              # RequestError, sessions.ActionError
        return {"id": rid, "ok": False, "error": str(exc)}
    except Exception as exc:               # a bug: say so, keep serving
        LOG.exception("control action %s failed", action)
        return {"id": rid, "ok": False, "error": f"internal error: {type(exc).__name__}: {exc}"}
    response = {"id": rid, "ok": True}
    if isinstance(extra, dict):
        response.update(extra)
    return response


class ControlServer:
    def __init__(self, station) -> None:
        self._station = station
        self._server: asyncio.AbstractServer | None = None

    async def start(self, port: int = 0) -> int:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", port)
        return self._server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                if not line.strip():
                    continue
                try:
                    request = json.loads(line)
                except ValueError:
                    response = {"id": None, "ok": False, "error": "invalid JSON"}
                else:
                    LOG.info("control: %s", request)
                    response = await handle(self._station, request)
                writer.write((json.dumps(response) + "\n").encode())
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
