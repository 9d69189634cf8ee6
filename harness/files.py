"""The file servers of a run: where the charge point fetches firmware and uploads diagnostics.

Firmware Management (UpdateFirmware, GetDiagnostics) needs a server the charger reaches in a protocol it
supports (SupportedFileTransferProtocols, ORS-16 of the PICS). The harness runs real ones for the whole
run, so a passed case rests on bytes that really moved, not on status notifications alone:

- FTP (pyftpdlib, its own thread, passive mode) with a user and a random password made for this run; the
  password is a secret, redacted from every trace and report like the AuthorizationKey;
- HTTP (``http.server``, its own thread): GET for firmware, PUT or POST for uploads.

Both serve one tree inside the run directory (``files/``), so what arrived is kept with the run:

=================  =====================================================================================
``firmware/``      the images of ``fixtures/firmware/`` (read-only): ``valid.bin``, ``invalid.bin``, …
``upload/``        where diagnostics are uploaded (writable)
``refused/``       an upload location that refuses every upload (FTP 550, HTTP 403)
=================  =====================================================================================

A URL is only ever made for a protocol ORS-16 lists and the harness serves (:data:`SERVED_PROTOCOLS`);
FTPS, HTTPS and SFTP are not served (pyftpdlib's FTPS needs pyOpenSSL, HTTPS a certificate the charger
trusts at every security profile), and a PICS that lists them is refused when it is loaded.

Every transfer is a ``file`` trace record (``docs/contracts.md`` §3 style): ``event`` ``start`` when the
charger asks for a file (RETR/GET) or begins an upload (STOR/PUT/POST), ``end`` with the ``outcome``
(``complete``, ``incomplete``, or the refusal the server answered: ``550 …``, ``404 …``), the bytes moved and
their SHA-256, plus ``listening`` for each server and ``login-failed``. Server threads hand records to the
event loop (``call_soon_threadsafe``); the trace and the list of transfers are only touched there, and a
case waits for a transfer on an event, never by sleeping.

Where the servers listen: ``127.0.0.1`` on free ports by default (the reference charge point); for a real
charger on the network, ``OCPP_HARNESS_FILES_HOST`` (address to listen on and to put in URLs),
``OCPP_HARNESS_FTP_PORT``, ``OCPP_HARNESS_HTTP_PORT`` and ``OCPP_HARNESS_FIRMWARE_DIR`` (a folder with the
vendor's own ``valid.bin``) set them.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.server
import os
import secrets
import shutil
import threading
import time
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from harness.csms.trace import Trace
from harness.verdicts import HarnessError

#: The protocols of ORS-16 the harness can serve.
SERVED_PROTOCOLS = ("FTP", "HTTP")
#: The images every run serves, in the order of the README of ``fixtures/firmware/``.
FIRMWARE_IMAGES = ("valid", "invalid", "truncated")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "firmware"
FTP_USER = "harness"
#: How often the FTP thread looks at its stop flag (its I/O loop waits on sockets this long at most).
FTP_POLL_S = 0.05
AREAS = ("firmware", "upload", "refused")
#: The largest upload the HTTP server takes (a diagnostics file is kilobytes; the area is the run directory).
MAX_UPLOAD_BYTES = 64 * 1024 * 1024


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Transfer:
    """One attempt of the charger to fetch or upload a file, as the server saw it."""

    id: int
    protocol: str                       # FTP, HTTP
    direction: str                      # download, upload
    path: str                           # on the server: /firmware/valid.bin, /upload/diag.log
    client: str                         # host:port of the charger
    started_ns: int
    ended_ns: int | None = None
    outcome: str | None = None          # complete, incomplete, or the refusal ("550 …", "404 …")
    size: int = 0                       # bytes moved
    sha256: str | None = None

    @property
    def complete(self) -> bool:
        return self.outcome == "complete"

    def describe(self) -> str:
        what = f"{self.protocol} {'GET' if self.direction == 'download' else 'upload'} {self.path}"
        if self.outcome is None:
            return f"{what} from {self.client} (in progress)"
        moved = f", {self.size} bytes, SHA-256 {self.sha256}" if self.complete else ""
        return f"{what} from {self.client}: {self.outcome}{moved}"


@dataclass(frozen=True)
class FileServerOptions:
    """Where the servers listen and what they serve (defaults: loopback, free ports, the project's images)."""

    host: str = "127.0.0.1"
    ftp_port: int = 0
    http_port: int = 0
    firmware_dir: Path = FIXTURES

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "FileServerOptions":
        """The options a lab sets for a real charger (see the module docstring)."""
        return cls(host=environ.get("OCPP_HARNESS_FILES_HOST", cls.host),
                   ftp_port=int(environ.get("OCPP_HARNESS_FTP_PORT", 0)),
                   http_port=int(environ.get("OCPP_HARNESS_HTTP_PORT", 0)),
                   firmware_dir=Path(environ.get("OCPP_HARNESS_FIRMWARE_DIR", FIXTURES)))


def offered_protocols(listed: Sequence[str]) -> tuple[str, ...]:
    """The protocols of ORS-16 (in its order) the harness serves: the only ones a URL is made for."""
    return tuple(p for p in listed if p in SERVED_PROTOCOLS)


class FileServers:
    """The run's FTP and HTTP servers over one tree, and what they saw (:class:`Transfer`)."""

    def __init__(self, trace: Trace, root: Path, protocols: Sequence[str],
                 options: FileServerOptions = FileServerOptions()) -> None:
        self.trace = trace
        self.root = root
        self.options = options
        self.protocols = offered_protocols(protocols)
        if not self.protocols:
            raise HarnessError(f"ORS-16 lists {', '.join(protocols) or 'no protocol'}; the harness serves "
                               f"{', '.join(SERVED_PROTOCOLS)}: no file server the charger could use")
        self.password = secrets.token_hex(12)
        trace.redactor.add(self.password)
        self.transfers: list[Transfer] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed = asyncio.Event()
        self._ids = iter(range(1, 1 << 62))
        self._id_lock = threading.Lock()
        self._servers: dict[str, Any] = {}
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._refusals = 0

    # ----------------------------------------------------------------- start and stop

    def start(self) -> None:
        """Lay out the tree and start the servers of :attr:`protocols`; call it from the event loop."""
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        self._lay_out()
        if "FTP" in self.protocols:
            self._start_ftp()
        if "HTTP" in self.protocols:
            self._start_http()

    def _lay_out(self) -> None:
        for area in AREAS:
            (self.root / area).mkdir(parents=True, exist_ok=True)
        source = self.options.firmware_dir
        for name in FIRMWARE_IMAGES:
            image = source / f"{name}.bin"
            if not image.is_file():
                image = FIXTURES / f"{name}.bin"
            if not image.is_file():
                raise HarnessError(f"firmware image {name}.bin is missing from {source} and {FIXTURES} "
                                   "(set OCPP_HARNESS_FIRMWARE_DIR to a folder that has it)")
            shutil.copyfile(image, self.root / "firmware" / f"{name}.bin")

    def _start_ftp(self) -> None:
        from pyftpdlib.servers import FTPServer

        handler = _ftp_handler(self)
        try:
            server = FTPServer((self.options.host, self.options.ftp_port), handler)
        except OSError as exc:
            raise HarnessError(f"cannot start the FTP server on {self.options.host}:{self.options.ftp_port}: "
                               f"{exc}") from None
        self._servers["FTP"] = server
        self._spawn(self._serve_ftp, server, "harness-ftp")
        self._announce("FTP", server.socket.getsockname()[1])

    def _serve_ftp(self, server: Any) -> None:
        """pyftpdlib's I/O loop, one short round at a time, so the thread sees its stop flag."""
        try:
            while not self._stop.is_set():
                server.serve_forever(timeout=FTP_POLL_S, blocking=False, handle_exit=False)
        finally:
            server.close_all()

    def _start_http(self) -> None:
        try:
            server = _HttpServer((self.options.host, self.options.http_port), _HttpHandler, self)
        except OSError as exc:
            raise HarnessError(f"cannot start the HTTP server on {self.options.host}:{self.options.http_port}: "
                               f"{exc}") from None
        self._servers["HTTP"] = server
        self._spawn(lambda s: s.serve_forever(poll_interval=FTP_POLL_S), server, "harness-http")
        self._announce("HTTP", server.server_address[1])

    def _spawn(self, target: Callable[[Any], None], server: Any, name: str) -> None:
        thread = threading.Thread(target=target, args=(server,), name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _announce(self, protocol: str, port: int) -> None:
        self.trace.add("file", event="listening", protocol=protocol, url=self._base(protocol, port, False),
                       root=str(self.root))

    async def stop(self) -> None:
        """Stop the servers and wait for their threads (off the event loop)."""
        self._stop.set()
        http_server = self._servers.get("HTTP")
        if http_server is not None:
            await asyncio.to_thread(http_server.shutdown)
            http_server.server_close()
        for thread in self._threads:
            await asyncio.to_thread(thread.join, 5)
        self._threads.clear()

    # ----------------------------------------------------------------- URLs for the charger

    def port(self, protocol: str) -> int:
        server = self._servers[protocol]
        return server.socket.getsockname()[1] if protocol == "FTP" else server.server_address[1]

    def _protocol(self, protocol: str | None) -> str:
        """The protocol of a URL: the one asked for if ORS-16 lists it, else the first one ORS-16 lists."""
        chosen = protocol or self.protocols[0]
        if chosen not in self.protocols:
            raise HarnessError(f"no {chosen} URL: the run serves {', '.join(self.protocols)} (ORS-16 and the "
                               "protocols the harness serves)")
        return chosen

    def _base(self, protocol: str, port: int, credentials: bool = True) -> str:
        host = self.options.host
        host = f"[{host}]" if ":" in host else host
        user = f"{FTP_USER}:{self.password}@" if protocol == "FTP" and credentials else ""
        return f"{protocol.lower()}://{user}{host}:{port}"

    def url(self, path: str, protocol: str | None = None) -> str:
        chosen = self._protocol(protocol)
        return self._base(chosen, self.port(chosen)) + path

    def firmware_url(self, image: str = "valid", protocol: str | None = None) -> str:
        """Where the charger finds firmware image ``image`` (``valid``, ``invalid``, ``truncated``)."""
        if image not in FIRMWARE_IMAGES:
            raise HarnessError(f"no firmware image {image!r}; the run serves {', '.join(FIRMWARE_IMAGES)}")
        return self.url(f"/firmware/{image}.bin", protocol)

    def missing_url(self, protocol: str | None = None) -> str:
        """A firmware location on the server that does not exist (FTP 550, HTTP 404); unique per call, so its
        attempts are this case's alone."""
        return self.url(f"/firmware/missing-{secrets.token_hex(4)}.bin", protocol)

    def upload_url(self, protocol: str | None = None) -> str:
        """The directory diagnostics go to (the charger appends its fileName)."""
        return self.url("/upload/", protocol)

    def refusing_upload_url(self, protocol: str | None = None) -> str:
        """A directory that refuses every upload (FTP 550, HTTP 403); unique per call."""
        self._refusals += 1
        folder = f"/refused/{self._refusals:03d}-{secrets.token_hex(3)}/"
        (self.root / folder.strip("/")).mkdir(parents=True, exist_ok=True)
        return self.url(folder, protocol)

    # ----------------------------------------------------------------- what the servers saw

    def image_sha256(self, image: str) -> str:
        return sha256_of((self.root / "firmware" / f"{image}.bin").read_bytes())

    def attempts(self, location: str, direction: str | None = None, since_ns: int = 0) -> list[Transfer]:
        """The transfers at ``location`` (a URL this object made; for a directory, every file in it) that began
        at or after ``since_ns`` (monotonic), in the order they began."""
        parts = urllib.parse.urlsplit(location)
        path, protocol = parts.path, parts.scheme.upper()
        match = (lambda p: p.startswith(path)) if path.endswith("/") else (lambda p: p == path)
        return [t for t in self.transfers if t.protocol == protocol and match(t.path)
                and direction in (None, t.direction) and t.started_ns >= since_ns]

    def uploaded(self, file_name: str) -> bytes | None:
        """The content of a complete upload named ``file_name`` in the upload area, or None."""
        path = f"/upload/{file_name}"
        done = [t for t in self.transfers if t.complete and t.direction == "upload" and t.path == path]
        return (self.root / "upload" / file_name).read_bytes() if done else None

    def uploads(self) -> list[Transfer]:
        return [t for t in self.transfers if t.direction == "upload"]

    async def wait(self, condition: Callable[[], Any], timeout: float) -> Any:
        """Wait until ``condition()`` is truthy (re-checked at every record the servers hand over), at most
        ``timeout`` seconds; returns its last value (falsy on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            remaining = deadline - time.monotonic()
            if value or remaining <= 0:
                return value
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                pass

    async def wait_attempts(self, location: str, count: int, timeout: float) -> list[Transfer]:
        """The ended attempts at ``location`` once there are ``count`` of them (fewer on timeout)."""
        def ended() -> list[Transfer]:
            return [t for t in self.attempts(location) if t.outcome is not None]
        await self.wait(lambda: len(ended()) >= count, timeout)
        return ended()

    async def wait_upload(self, file_name: str, timeout: float) -> bytes | None:
        return await self.wait(lambda: self.uploaded(file_name), timeout)

    # ----------------------------------------------------------------- records from the server threads

    def next_id(self) -> int:
        with self._id_lock:
            return next(self._ids)

    def began(self, transfer: Transfer) -> None:
        """A server thread saw a transfer begin (thread-safe)."""
        self._hand_over(self._record_start, transfer)

    def ended(self, transfer_id: int, outcome: str, data: bytes | None = None, moved: int | None = None) -> None:
        """A server thread saw a transfer end; ``data`` is what moved when it is known (thread-safe)."""
        now = time.monotonic_ns()
        size = len(data) if data is not None else (moved or 0)
        digest = sha256_of(data) if data is not None else None
        self._hand_over(self._record_end, transfer_id, now, outcome, size, digest)

    def event(self, **fields: Any) -> None:
        """Another server event worth a trace record (a failed login), thread-safe."""
        self._hand_over(lambda: self.trace.add("file", **fields))

    def _hand_over(self, function: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(function, *args)
        except RuntimeError:        # the loop closed meanwhile: the run is over
            pass

    def _record_start(self, transfer: Transfer) -> None:
        self.transfers.append(transfer)
        self.trace.add("file", transfer.started_ns, event="start", protocol=transfer.protocol,
                       direction=transfer.direction, path=transfer.path, client=transfer.client,
                       transfer=transfer.id)
        self._notify()

    def _record_end(self, transfer_id: int, t_ns: int, outcome: str, size: int, digest: str | None) -> None:
        for index, transfer in enumerate(self.transfers):
            if transfer.id == transfer_id:
                done = replace(transfer, ended_ns=t_ns, outcome=outcome, size=size, sha256=digest)
                self.transfers[index] = done
                self.trace.add("file", t_ns, event="end", protocol=done.protocol, direction=done.direction,
                               path=done.path, client=done.client, transfer=done.id, outcome=outcome,
                               bytes=size, sha256=digest, seconds=round((t_ns - done.started_ns) / 1e9, 3),
                               text=done.describe())
        self._notify()

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def relative(self, fs_path: str) -> str:
        """The server path (``/upload/x.log``) of a file under the root."""
        return "/" + Path(fs_path).resolve().relative_to(self.root.resolve()).as_posix()


def files_for_run(pics: Any, trace: Trace, run_path: Path) -> FileServers | None:
    """The file servers of a run whose PICS claims Firmware Management, started; else None."""
    if not pics.supports_profile("FirmwareManagement"):
        return None
    servers = FileServers(trace, run_path / "files", list(pics.ors("ORS-16", [])), FileServerOptions.from_env())
    servers.start()
    return servers


# --------------------------------------------------------------------------------------------- FTP


def _ftp_handler(files: FileServers) -> type:
    """A pyftpdlib handler class bound to ``files``: a per-run user whose root is the run's tree, writable
    only in ``upload/``, and hooks that turn RETR/STOR into :class:`Transfer` records."""
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler

    authorizer = DummyAuthorizer()
    authorizer.add_user(FTP_USER, files.password, str(files.root), perm="elr")
    authorizer.override_perm(FTP_USER, str(files.root / "upload"), perm="elradfmw", recursive=True)

    class Handler(FTPHandler):
        banner = "OCPP conformance harness file server"
        auth_failed_timeout = 0.1
        passive_ports = None

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.attempt: int | None = None

        def pre_process_command(self, line: str, cmd: str, arg: str) -> None:
            if cmd in ("RETR", "STOR", "APPE") and self.authenticated:
                self._close_attempt("incomplete")
                self.attempt = files.next_id()
                path = self.fs.fs2ftp(self.fs.ftp2fs(arg or ""))
                files.began(Transfer(self.attempt, "FTP", "download" if cmd == "RETR" else "upload", path,
                                     f"{self.remote_ip}:{self.remote_port}", time.monotonic_ns()))
            super().pre_process_command(line, cmd, arg)

        def respond(self, resp: str, logfun: Any = None) -> None:
            if self.attempt is not None and resp[:1] in ("4", "5"):
                self._close_attempt(resp.rstrip("."))
            if logfun is None:
                super().respond(resp)
            else:
                super().respond(resp, logfun)

        def _close_attempt(self, outcome: str, data: bytes | None = None, moved: int | None = None) -> None:
            if self.attempt is not None:
                files.ended(self.attempt, outcome, data, moved)
                self.attempt = None

        def _moved(self) -> int | None:
            channel = self.data_channel
            return channel.get_transmitted_bytes() if channel is not None else None

        def on_file_sent(self, file: str) -> None:
            self._close_attempt("complete", Path(file).read_bytes())

        def on_file_received(self, file: str) -> None:
            self._close_attempt("complete", Path(file).read_bytes())

        def on_incomplete_file_sent(self, file: str) -> None:
            self._close_attempt("incomplete", moved=self._moved())

        def on_incomplete_file_received(self, file: str) -> None:
            self._close_attempt("incomplete", moved=self._moved())

        def on_disconnect(self) -> None:
            self._close_attempt("incomplete")

        def on_login_failed(self, username: str, password: str) -> None:
            files.event(event="login-failed", protocol="FTP", user=username,
                        client=f"{self.remote_ip}:{self.remote_port}")

    Handler.authorizer = authorizer
    return Handler


# --------------------------------------------------------------------------------------------- HTTP


class _HttpServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, files: FileServers) -> None:
        self.files = files
        super().__init__(address, handler)


class _HttpHandler(http.server.BaseHTTPRequestHandler):
    """GET under /firmware/, PUT or POST under /upload/; 403 under /refused/; 404 elsewhere."""

    server: _HttpServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:      # noqa: A002 - the base class's name
        pass

    def _begin(self, direction: str) -> tuple[FileServers, int, str]:
        files = self.server.files
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        attempt = files.next_id()
        files.began(Transfer(attempt, "HTTP", direction, path, f"{self.client_address[0]}:{self.client_address[1]}",
                             time.monotonic_ns()))
        return files, attempt, path

    def _local(self, files: FileServers, path: str, area: str) -> Path | None:
        """The file under ``area`` that ``path`` names, or None when it names anything else."""
        parts = [p for p in path.split("/") if p]
        if len(parts) < 2 or parts[0] != area or any(p in ("..", ".") for p in parts):
            return None
        return files.root.joinpath(*parts)

    def _answer(self, code: int, body: bytes = b"", content_type: str = "text/plain") -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:      # noqa: N802 - http.server's naming
        files, attempt, path = self._begin("download")
        local = self._local(files, path, "firmware")
        if local is None or not local.is_file():
            files.ended(attempt, "404 Not Found")        # recorded before the charger can react to it
            self._answer(404, b"not found\n")
            return
        data = local.read_bytes()
        try:
            self._answer(200, data, "application/octet-stream")
        except OSError:
            files.ended(attempt, "incomplete")
            return
        files.ended(attempt, "complete", data)

    def _receive(self) -> None:
        files, attempt, path = self._begin("upload")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_UPLOAD_BYTES:
            files.ended(attempt, "413 Content Too Large")
            self.close_connection = True
            self._answer(413, b"upload too large\n")
            return
        data = self.rfile.read(length) if length else b""
        if path.startswith("/refused/"):
            files.ended(attempt, "403 Forbidden", moved=len(data))
            self._answer(403, b"uploads are refused here\n")
            return
        local = self._local(files, path, "upload")
        if local is None or len(local.relative_to(files.root).parts) != 2:
            files.ended(attempt, "404 Not Found", moved=len(data))
            self._answer(404, b"upload under /upload/<fileName>\n")
            return
        local.write_bytes(data)
        self._answer(201)
        files.ended(attempt, "complete", data)

    do_PUT = _receive       # noqa: N815
    do_POST = _receive      # noqa: N815
