"""The mock Central System's listener: a websockets server that admits charge points.

Admission rules, checked in ``process_request`` before the WebSocket handshake completes:

1. The last path segment is the chargePointId; an id the run does not know is refused with 404.
2. The charge point must offer the ``ocpp1.6`` subprotocol; otherwise 400.
3. At security profiles 1 and 2, ``Authorization: Basic base64(chargePointId:AuthorizationKey)`` is required:
   missing or wrong is refused with 401.
4. At security profile 3 the TLS handshake has already required a certificate that chains to a trusted CA;
   its subject CN must be the chargePointId of the path, otherwise 403 (whitepaper §3.1.2: the certificate
   names the Charge Point).
5. While the harness simulates an outage (``accepting = False``), every attempt is refused with 503.

A TLS handshake that fails never reaches these rules (asyncio drops it silently); the listener's SNI callback
traces every ClientHello, so a trace that shows ``tls-client-hello`` without a following ``open`` says the
charger began TLS and gave up (it did not trust the root, or it had no certificate at profile 3).

The listener is described by a :class:`Listener` (security profile, TLS context) so that it can be
restarted with another profile in the middle of a run (security profiles 2 and 3 use TLS contexts built by
``harness.pki``). Every refusal is traced with its reason, never with the password.
"""

from __future__ import annotations

import base64
import binascii
import collections
import hmac
import ssl
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.frames import DATA_OPCODES
from websockets.http11 import Request, Response

from harness.csms.station import Station
from harness.csms.trace import Trace
from harness.pki import subject_common_name

SUBPROTOCOL = "ocpp1.6"


@dataclass(frozen=True)
class Listener:
    """How the Central System listens: which security profile, with which TLS context."""

    host: str = "127.0.0.1"
    port: int = 0
    security_profile: int = 0
    ssl_context: ssl.SSLContext | None = None

    @property
    def scheme(self) -> str:
        return "wss" if self.ssl_context is not None else "ws"

    @property
    def requires_basic_auth(self) -> bool:
        return self.security_profile in (1, 2)


class StampedConnection(ServerConnection):
    """A connection that stamps each message (``time.monotonic_ns()``) when its bytes are read off the socket,
    before it waits its turn on the event loop: with many chargers at once, the turn can come milliseconds
    later, and a response time measured to it would hold the harness's queue (issue 12, KPI distortion).
    :meth:`Station.serve <harness.csms.station.Station.serve>` takes the stamps in order from
    :attr:`arrivals`, one per message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrivals: collections.deque[int] = collections.deque()
        self._read_ns = 0

    def data_received(self, data: bytes) -> None:
        self._read_ns = time.monotonic_ns()
        super().data_received(data)

    def process_event(self, event: Any) -> None:
        if self.request is not None and event.fin and event.opcode in DATA_OPCODES:
            self.arrivals.append(self._read_ns)
        super().process_event(event)


def charge_point_id_of(path: str) -> str:
    """The chargePointId is the last segment of the request path (``/ocpp/CP-1`` → ``CP-1``)."""
    return unquote(urlsplit(path).path.rstrip("/").rsplit("/", 1)[-1])


def basic_credentials(header: str | None) -> tuple[str, bytes] | None:
    """(username, password bytes): the password may be raw bytes (a hex AuthorizationKey decoded)."""
    if not header or not header.startswith("Basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True)
        user, sep, password = decoded.partition(b":")
        return (user.decode("utf-8"), password) if sep else None
    except (binascii.Error, UnicodeDecodeError):
        return None


def accepted_passwords(authorization_key: str) -> list[bytes]:
    """The AuthorizationKey as sent in the Basic header: its text, and, for 32 to 40 hex digits, the bytes they
    encode (OCPP 1.6 carries a 16 to 20 byte key as hex in the configuration key; OCTT reads such a
    BasicAuthPassword as hex, a 16 to 20 character one as text)."""
    forms = [authorization_key.encode()]
    if 32 <= len(authorization_key) <= 40 and len(authorization_key) % 2 == 0:
        try:
            forms.append(bytes.fromhex(authorization_key))
        except ValueError:
            pass
    return forms


def _refusal(status: HTTPStatus, text: str, extra: dict[str, str] | None = None) -> Response:
    headers = Headers([("Content-Type", "text/plain; charset=utf-8"), *(extra or {}).items()])
    body = (text + "\n").encode()
    headers["Content-Length"] = str(len(body))
    return Response(status.value, status.phrase, headers, body)


class CentralSystem:
    """The WebSocket server and its stations, one per chargePointId of the run."""

    def __init__(self, trace: Trace, stations: dict[str, Station],
                 passwords: dict[str, str | tuple[str, ...] | None]) -> None:
        self.trace = trace
        self.stations = stations
        self.passwords = passwords
        self.accepting = True
        self.listener = Listener()
        self._server: Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "the Central System is not listening"
        return self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"{self.listener.scheme}://{self.listener.host}:{self.port}"

    async def start(self, listener: Listener) -> None:
        self.listener = listener
        if listener.ssl_context is not None:
            listener.ssl_context.sni_callback = self._client_hello
        self._server = await serve(
            self._handle,
            listener.host,
            listener.port,
            ssl=listener.ssl_context,
            subprotocols=[SUBPROTOCOL],
            process_request=self._admit,
            create_connection=StampedConnection,
            compression=None,
            ping_interval=None,
            max_size=4 * 1024 * 1024,
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def restart(self, listener: Listener) -> None:
        """Listen anew with another profile; the port is kept unless the listener names another one."""
        port = self.port if self._server is not None and listener.port == 0 else listener.port
        await self.stop()
        await self.start(Listener(listener.host, port, listener.security_profile, listener.ssl_context))

    def _refuse(self, status: HTTPStatus, reason: str, path: str, extra: dict[str, str] | None = None) -> Response:
        self.trace.add("connection", event="refused", detail={"path": path, "status": status.value, "reason": reason})
        station = self.stations.get(charge_point_id_of(path))
        if station is not None:
            station.wake()          # a case waiting for a (re)connection sees the refusal at once
        return _refusal(status, reason, extra)

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path
        if not self.accepting:
            return self._refuse(HTTPStatus.SERVICE_UNAVAILABLE, "the Central System is unreachable (simulated outage)", path)
        charge_point_id = charge_point_id_of(path)
        if charge_point_id not in self.stations:
            return self._refuse(HTTPStatus.NOT_FOUND, f"unknown chargePointId {charge_point_id}", path)
        if not self.stations[charge_point_id].reachable:
            return self._refuse(HTTPStatus.SERVICE_UNAVAILABLE, "the link is cut by the test case (outage)", path)
        offered = [p.strip() for value in request.headers.get_all("Sec-WebSocket-Protocol") for p in value.split(",")]
        if SUBPROTOCOL not in offered:
            return self._refuse(HTTPStatus.BAD_REQUEST,
                                f"the {SUBPROTOCOL} subprotocol is required; offered: {offered or 'none'}", path)
        if self.listener.security_profile == 3:
            problem = self._check_client_certificate(charge_point_id, connection.transport.get_extra_info("peercert"))
            if problem:
                return self._refuse(HTTPStatus.FORBIDDEN, problem, path)
        if self.listener.requires_basic_auth:
            problem = self._check_basic_auth(charge_point_id, request.headers.get("Authorization"))
            if problem:
                return self._refuse(HTTPStatus.UNAUTHORIZED, problem, path,
                                    {"WWW-Authenticate": 'Basic realm="OCPP", charset="UTF-8"'})
        return None

    def _check_basic_auth(self, charge_point_id: str, header: str | None) -> str | None:
        credentials = basic_credentials(header)
        if credentials is None:
            return "HTTP Basic authentication is required at this security profile; none or unreadable was sent"
        user, password = credentials
        if user != charge_point_id:
            return f"Basic auth username {user} is not the chargePointId {charge_point_id}"
        keys = self.passwords.get(charge_point_id) or ""      # a case may accept several for a while
        expected = [form for key in ((keys,) if isinstance(keys, str) else keys) for form in accepted_passwords(key)]
        if not any(hmac.compare_digest(password, form) for form in expected):
            return "Basic auth password does not match the configured AuthorizationKey"
        return None

    @staticmethod
    def _check_client_certificate(charge_point_id: str, certificate: dict | None) -> str | None:
        if not certificate:
            return "security profile 3 requires a client certificate; none was presented"
        common_name = subject_common_name(certificate)
        if common_name != charge_point_id:
            return f"the client certificate's CN {common_name} is not the chargePointId {charge_point_id}"
        return None

    def _client_hello(self, tls: ssl.SSLObject, server_name: str | None, context: ssl.SSLContext) -> None:
        self.trace.add("connection", event="tls-client-hello", detail={"server_name": server_name})

    async def _handle(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        charge_point_id = charge_point_id_of(connection.request.path)
        detail: dict[str, Any] = {
            "path": connection.request.path,
            "subprotocol": connection.subprotocol,
            "remote": "%s:%s" % connection.remote_address[:2],
            "security_profile": self.listener.security_profile,
        }
        tls = connection.transport.get_extra_info("ssl_object")
        if tls is not None:
            detail["tls_version"] = tls.version()
            detail["cipher"] = tls.cipher()[0] if tls.cipher() else None
            peer = tls.getpeercert()
            if peer:
                detail["client_certificate_cn"] = subject_common_name(peer)
                detail["client_certificate_serial"] = str(peer.get("serialNumber", "")).lower().lstrip("0")
        if self.listener.requires_basic_auth:
            detail["authorization"] = "Basic ***"
            credentials = basic_credentials(connection.request.headers.get("Authorization"))
            if credentials is not None:
                detail["basic_auth_user"] = credentials[0]     # the chargePointId, never the password
        self.trace.add("connection", event="open", detail=detail)
        try:
            await self.stations[charge_point_id].serve(connection)
        finally:
            self.trace.add("connection", event="close",
                           detail={"code": connection.close_code, "reason": connection.close_reason})
