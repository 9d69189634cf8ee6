"""The file servers of a run: where the charge point fetches firmware and uploads diagnostics.

Firmware Management (UpdateFirmware, GetDiagnostics) needs a server the charger reaches in a protocol it
supports (SupportedFileTransferProtocols, ORS-16 of the PICS). The harness runs real ones for the whole
run, so a passed case rests on bytes that really moved, not on status notifications alone:

- FTP (pyftpdlib, its own thread and I/O loop, passive mode) with a user and a random password made for this
  run; the password is a secret, redacted from every trace and report like the AuthorizationKey;
- FTPS: explicit FTPS (RFC 4217) on a port of its own, same user and tree: the client says ``AUTH TLS``,
  then ``PBSZ 0`` and ``PROT P``; TLS is required on the control and the data connections, so a transfer
  seen there was encrypted (pyftpdlib's ``TLS_FTPHandler``, which needs pyOpenSSL: ``pyftpdlib[ssl]``).
  Implicit FTPS (TLS from the first byte, port 990) is not served;
- HTTP (``http.server``, its own thread): GET for firmware, PUT or POST for uploads;
- HTTPS: the same over TLS (1.2 or later).

The TLS servers present a certificate issued for this run by the root of the test PKI (``--pki-dir``, the
root a charger installs as CentralSystemRootCertificate for wss://; created when missing): the charger must
trust that root, and the leaf names ``localhost``, ``127.0.0.1``, ``::1``, this machine's name and the files
host. The leaf and its key live in a private temporary folder for the run only; the ``listening`` record
carries the leaf's SHA-256 fingerprint and the root to trust.

All serve one tree inside the run directory (``files/``), so what arrived is kept with the run:

=================  =====================================================================================
``firmware/``      the images (read-only): ``valid.bin``, ``invalid.bin``, ``truncated.bin``
``upload/``        where diagnostics are uploaded (writable)
``refused/``       an upload location that refuses every upload (FTP 550, HTTP 403)
=================  =====================================================================================

The images are made at run start from a fixed recipe (:func:`firmware_images`: the same bytes every run, the
ones of ``fixtures/firmware/``), so an installed harness needs no data files; a lab with a real charger puts
the vendor's own ``valid.bin`` (and, if it likes, ``invalid.bin``) in ``OCPP_HARNESS_FIRMWARE_DIR``. Each
image is an ``image`` trace record with its size and SHA-256.

A URL is only ever made for a protocol ORS-16 lists and the harness serves (:data:`SERVED_PROTOCOLS`); SFTP
is not served, and a PICS that lists it is refused when it is loaded (:func:`unserved_reason`).

Every transfer is a ``file`` trace record (``docs/contracts.md`` §3 style): ``event`` ``start`` when the
charger asks for a file (RETR/GET) or begins an upload (STOR/PUT/POST), ``end`` with the ``outcome``
(``complete``, ``incomplete``, or the refusal the server answered: ``550 …``, ``404 …``), the bytes moved and
their SHA-256, plus ``listening`` for each server, ``login-failed``, and ``tls-failed`` (a TLS handshake that
did not complete: the charger does not trust the root, or speaks no common version) or ``tls-required`` (a
plain-text login on the FTPS port). Server threads hand records to the event loop
(``call_soon_threadsafe``); the trace and the list of transfers are only touched there, and a case waits for
a transfer on an event, never by sleeping.

Where the servers listen: ``127.0.0.1`` on free ports by default (the reference charge point); for a real
charger on the network, ``ocpp-harness run --files-host --ftp-port --ftps-port --http-port --https-port
--firmware-dir``, or the environment variables they set: ``OCPP_HARNESS_FILES_HOST`` (the address to listen
on and to put in the URLs the charger is sent), ``OCPP_HARNESS_FTP_PORT``, ``OCPP_HARNESS_FTPS_PORT``,
``OCPP_HARNESS_HTTP_PORT``, ``OCPP_HARNESS_HTTPS_PORT`` and ``OCPP_HARNESS_FIRMWARE_DIR``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import http.server
import importlib.util
import os
import secrets
import shutil
import socket
import ssl
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from harness.csms.trace import Trace
from harness.verdicts import HarnessError

#: FTPS needs pyOpenSSL (pyftpdlib's ``ssl`` extra, a dependency of the harness).
FTPS_AVAILABLE = importlib.util.find_spec("OpenSSL") is not None
#: The protocols of ORS-16 the harness can serve.
SERVED_PROTOCOLS: tuple[str, ...] = ("FTP", *(("FTPS",) if FTPS_AVAILABLE else ()), "HTTP", "HTTPS")
TLS_PROTOCOLS = ("FTPS", "HTTPS")
#: The images every run serves.
FIRMWARE_IMAGES = ("valid", "invalid", "truncated")
#: The environment variables of a lab's settings (``ocpp-harness run``'s flags set them).
ENV_HOST, ENV_FIRMWARE_DIR = "OCPP_HARNESS_FILES_HOST", "OCPP_HARNESS_FIRMWARE_DIR"
ENV_PORTS = {"FTP": "OCPP_HARNESS_FTP_PORT", "FTPS": "OCPP_HARNESS_FTPS_PORT",
             "HTTP": "OCPP_HARNESS_HTTP_PORT", "HTTPS": "OCPP_HARNESS_HTTPS_PORT"}
FTP_USER = "harness"
#: How often the FTP threads look at their stop flag (their I/O loop waits on sockets this long at most).
FTP_POLL_S = 0.05
AREAS = ("firmware", "upload", "refused")
#: The largest upload the HTTP server takes (a diagnostics file is kilobytes; the area is the run directory).
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
#: A client that neither completes a TLS handshake nor sends a request within this time is dropped.
CONNECTION_TIMEOUT_S = 60.0


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def unserved_reason(protocol: str) -> str | None:
    """Why the harness cannot serve ``protocol`` of ORS-16, or None when it can."""
    if protocol in SERVED_PROTOCOLS:
        return None
    if protocol == "FTPS":
        return "FTPS needs pyOpenSSL, which is not installed (pip install 'pyftpdlib[ssl]')"
    return f"the harness has no {protocol} server"


# --------------------------------------------------------------------------------------------- images

#: The first line of an image of the reference charge point (simulator/firmware.py reads the same format).
IMAGE_MAGIC = b"REFERENCE-CP-FIRMWARE"
_BODY_LINE = b"block %02d: dummy firmware of the OCPP 1.6J conformance harness; nothing here runs on a real charger\n"


def _image(version: bytes, body: bytes, declared: bytes) -> bytes:
    """An image: the magic line, its version, the length and SHA-256 of ``declared``, an empty line, ``body``."""
    return (IMAGE_MAGIC + b"\nversion: " + version + b"\nlength: %d\nsha256: " % len(declared)
            + sha256_of(declared).encode() + b"\n\n" + body)


def firmware_images() -> dict[str, bytes]:
    """The images of every run, made the same way every time (byte for byte ``fixtures/firmware/``):

    - ``valid``: an image the reference charge point installs (version ``sim-2.0.0``, a 1584-byte body);
    - ``invalid``: an image no charger installs (it starts with ``INVALID``);
    - ``truncated``: version ``sim-2.0.1`` with half its body cut off, so its header no longer matches."""
    body = b"".join(_BODY_LINE % i for i in range(16))
    return {
        "valid": _image(b"sim-2.0.0", body, body),
        "invalid": b"INVALID firmware image: the reference charge point refuses any image that starts with INVALID\n",
        "truncated": _image(b"sim-2.0.1", body[:len(body) // 2], body),
    }


# --------------------------------------------------------------------------------------------- TLS


@dataclass(frozen=True)
class FileTls:
    """The certificate the HTTPS and FTPS servers present, issued for this run by the test PKI's root."""

    root_certificate: Path          # what the charger must trust (the PKI's CentralSystemRootCertificate)
    certificate: Path               # chain: leaf, root (in a private temporary folder)
    private_key: Path
    fingerprint: str                # SHA-256 of the leaf
    names: tuple[str, ...]          # the leaf's subject alternative names

    def http_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.certificate, self.private_key)
        return context

    def ftp_context(self) -> Any:
        from OpenSSL import SSL

        context = SSL.Context(SSL.TLS_SERVER_METHOD)
        context.set_min_proto_version(SSL.TLS1_2_VERSION)
        context.set_options(SSL.OP_NO_COMPRESSION)
        context.use_certificate_chain_file(str(self.certificate))
        context.use_privatekey_file(str(self.private_key))
        return context


def file_server_tls(pki_dir: Path, host: str, key_type: str, folder: Path) -> FileTls:
    """A server certificate for the file servers on ``host``, signed by the root of the PKI in ``pki_dir``
    (created there when missing, as the wss:// listener would), written with its key into ``folder``."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID

    from harness import pki as p

    names = tuple(dict.fromkeys([*p.default_server_names(host), host] if host not in ("", "0.0.0.0", "::")
                                else p.default_server_names(host)))
    authority = p.TestPki(pki_dir)
    if not authority.root_certificate.exists():
        p.TestPki.ensure(pki_dir, names, (key_type,))       # under the PKI's lock
    try:
        root_key, root = authority._root()
    except (OSError, ValueError) as exc:
        raise HarnessError(f"cannot issue the HTTPS/FTPS certificate from {pki_dir}: its root CA and key "
                           f"({p.ROOT_CA}.pem, {p.ROOT_CA}.key) are needed: {exc}") from None
    key = p._new_key(key_type)
    leaf = p._leaf_certificate(key, root_key, root, p._name("OCPP harness file servers"),
                               ExtendedKeyUsageOID.SERVER_AUTH, list(names))
    certificate, private_key = folder / "file-servers.pem", folder / "file-servers.key"
    p._write_key(private_key, key)
    p._write_pem(certificate, [leaf, root])
    return FileTls(authority.root_certificate, certificate, private_key, leaf.fingerprint(hashes.SHA256()).hex(":"),
                   names)


@dataclass(frozen=True)
class Transfer:
    """One attempt of the charger to fetch or upload a file, as the server saw it."""

    id: int
    protocol: str                       # FTP, FTPS, HTTP, HTTPS
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


def _port(environ: Mapping[str, str], name: str) -> int:
    text = environ.get(name, "") or "0"
    if not text.isdigit() or int(text) > 65535:
        raise HarnessError(f"{name}={text!r}: give a port number (0 for any free port)")
    return int(text)


@dataclass(frozen=True)
class FileServerOptions:
    """Where the servers listen and what they serve (defaults: loopback, free ports, the generated images)."""

    host: str = "127.0.0.1"
    ftp_port: int = 0
    ftps_port: int = 0
    http_port: int = 0
    https_port: int = 0
    firmware_dir: Path | None = None    # the vendor's own images; None: the generated ones

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "FileServerOptions":
        """The options a lab sets for a real charger (see the module docstring)."""
        folder = environ.get(ENV_FIRMWARE_DIR)
        return cls(host=environ.get(ENV_HOST) or cls.host,
                   ftp_port=_port(environ, ENV_PORTS["FTP"]), ftps_port=_port(environ, ENV_PORTS["FTPS"]),
                   http_port=_port(environ, ENV_PORTS["HTTP"]), https_port=_port(environ, ENV_PORTS["HTTPS"]),
                   firmware_dir=Path(folder) if folder else None)

    def port(self, protocol: str) -> int:
        return {"FTP": self.ftp_port, "FTPS": self.ftps_port, "HTTP": self.http_port,
                "HTTPS": self.https_port}[protocol]


def check_firmware_dir(folder: Path) -> None:
    """A vendor's firmware folder holds valid.bin, and its signing material whole or not at all: a
    :class:`HarnessError` naming what to put there otherwise (``--firmware-dir`` and OCPP_HARNESS_FIRMWARE_DIR)."""
    from harness.firmware_signature import vendor_signature

    if not (folder / "valid.bin").is_file():
        raise HarnessError(f"{folder} has no valid.bin: put there the image the charger installs (TC_044_1_CS, "
                           f"TC_080_CS)")
    vendor_signature(folder)


def offered_protocols(listed: Sequence[str]) -> tuple[str, ...]:
    """The protocols of ORS-16 (in its order) the harness serves: the only ones a URL is made for."""
    return tuple(p for p in listed if p in SERVED_PROTOCOLS)


class FileServers:
    """The run's FTP(S) and HTTP(S) servers over one tree, and what they saw (:class:`Transfer`).

    ``pki_dir`` is the test PKI whose root issues the certificate of the TLS servers (needed only when
    ``protocols`` has FTPS or HTTPS); ``key_type`` its key (``ec`` or ``rsa``, as the C-12 suites need)."""

    def __init__(self, trace: Trace, root: Path, protocols: Sequence[str],
                 options: FileServerOptions = FileServerOptions(), pki_dir: Path | None = None,
                 key_type: str = "ec") -> None:
        self.trace = trace
        self.root = root
        self.options = options
        self.protocols = offered_protocols(protocols)
        if not self.protocols:
            raise HarnessError(f"ORS-16 lists {', '.join(protocols) or 'no protocol'}; the harness serves "
                               f"{', '.join(SERVED_PROTOCOLS)}: no file server the charger could use")
        self.pki_dir = pki_dir
        self.key_type = key_type
        self.tls: FileTls | None = None
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
        self._tls_folder: Path | None = None
        #: server events that are not transfers (login-failed, tls-failed, tls-required), with their time
        self.events: list[dict[str, Any]] = []

    @property
    def root_certificate(self) -> Path | None:
        """The root the charger must trust for HTTPS and FTPS, or None when neither is served."""
        return self.tls.root_certificate if self.tls else None

    # ----------------------------------------------------------------- start and stop

    def start(self) -> None:
        """Lay out the tree and start the servers of :attr:`protocols`; call it from the event loop."""
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        self._lay_out()
        if any(p in TLS_PROTOCOLS for p in self.protocols):
            self._issue_certificate()
        try:
            for protocol in self.protocols:
                if protocol in ("FTP", "FTPS"):
                    self._start_ftp(protocol)
                else:
                    self._start_http(protocol)
        except BaseException:
            self._stop_threads_now()
            raise

    def _lay_out(self) -> None:
        for area in AREAS:
            (self.root / area).mkdir(parents=True, exist_ok=True)
        made, source = firmware_images(), self.options.firmware_dir
        if source is not None:
            check_firmware_dir(source)
        for name in FIRMWARE_IMAGES:
            own = source / f"{name}.bin" if source is not None else None
            target = self.root / "firmware" / f"{name}.bin"
            if own is not None and own.is_file():
                shutil.copyfile(own, target)
            else:
                target.write_bytes(made[name])
            data = target.read_bytes()
            self.trace.add("file", event="image", image=f"{name}.bin", bytes=len(data), sha256=sha256_of(data),
                           source=str(own) if own is not None and own.is_file() else "generated")

    def _issue_certificate(self) -> None:
        if self.pki_dir is None:
            raise HarnessError(f"ORS-16 lists {' and '.join(p for p in self.protocols if p in TLS_PROTOCOLS)}: "
                               "the file servers need the test PKI (--pki-dir) for their certificate")
        self._tls_folder = Path(tempfile.mkdtemp(prefix="ocpp-harness-files-tls-"))
        self.tls = file_server_tls(self.pki_dir, self.options.host, self.key_type, self._tls_folder)

    def _start_ftp(self, protocol: str) -> None:
        from pyftpdlib.ioloop import IOLoop
        from pyftpdlib.servers import FTPServer

        handler = _ftp_handler(self, protocol)
        port = self.options.port(protocol)
        try:
            server = FTPServer((self.options.host, port), handler, ioloop=IOLoop())
        except OSError as exc:
            raise HarnessError(f"cannot start the {protocol} server on {self.options.host}:{port}: {exc}") from None
        self._servers[protocol] = server
        self._spawn(self._serve_ftp, server, f"harness-{protocol.lower()}")
        self._announce(protocol, server.socket.getsockname()[1])

    def _serve_ftp(self, server: Any) -> None:
        """pyftpdlib's I/O loop (the server's own), one short round at a time, so the thread sees its stop
        flag (``serve_forever`` would log a start line at every round)."""
        try:
            while not self._stop.is_set():
                server.ioloop.loop(FTP_POLL_S, blocking=False)
        finally:
            server.close_all()

    def _start_http(self, protocol: str) -> None:
        port = self.options.port(protocol)
        context = self.tls.http_context() if protocol == "HTTPS" and self.tls else None
        try:
            server = _HttpServer((self.options.host, port), _HttpHandler, self, protocol, context)
        except OSError as exc:
            raise HarnessError(f"cannot start the {protocol} server on {self.options.host}:{port}: {exc}") from None
        self._servers[protocol] = server
        self._spawn(lambda s: s.serve_forever(poll_interval=FTP_POLL_S), server, f"harness-{protocol.lower()}")
        self._announce(protocol, server.server_address[1])

    def _spawn(self, target: Callable[[Any], None], server: Any, name: str) -> None:
        thread = threading.Thread(target=target, args=(server,), name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _announce(self, protocol: str, port: int) -> None:
        tls = {}
        if protocol in TLS_PROTOCOLS and self.tls is not None:
            tls = {"certificate_sha256": self.tls.fingerprint, "trust": str(self.tls.root_certificate),
                   "names": list(self.tls.names)}
            if protocol == "FTPS":
                tls["mode"] = "explicit (AUTH TLS, PBSZ 0, PROT P; TLS required on control and data)"
        self.trace.add("file", event="listening", protocol=protocol, url=self._base(protocol, port, False),
                       root=str(self.root), **tls)

    async def stop(self) -> None:
        """Stop the servers and wait for their threads (off the event loop)."""
        self._stop.set()
        for protocol in ("HTTP", "HTTPS"):
            http_server = self._servers.get(protocol)
            if http_server is not None:
                await asyncio.to_thread(http_server.shutdown)
                http_server.server_close()
        for thread in self._threads:
            await asyncio.to_thread(thread.join, 5)
        self._threads.clear()
        self._remove_tls_folder()

    def _stop_threads_now(self) -> None:
        """A server failed to start: stop the ones already running (blocking; start() is synchronous)."""
        self._stop.set()
        for protocol in ("HTTP", "HTTPS"):
            http_server = self._servers.get(protocol)
            if http_server is not None:
                http_server.shutdown()
                http_server.server_close()
        for thread in self._threads:
            thread.join(5)
        self._threads.clear()
        self._remove_tls_folder()

    def _remove_tls_folder(self) -> None:
        if self._tls_folder is not None:
            shutil.rmtree(self._tls_folder, ignore_errors=True)
            self._tls_folder = None

    # ----------------------------------------------------------------- URLs for the charger

    def port(self, protocol: str) -> int:
        server = self._servers[protocol]
        return server.socket.getsockname()[1] if protocol in ("FTP", "FTPS") else server.server_address[1]

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
        user = f"{FTP_USER}:{self.password}@" if protocol in ("FTP", "FTPS") and credentials else ""
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
        return sha256_of(self.image(image))

    def image(self, image: str) -> bytes:
        """The bytes of firmware image ``image`` as served (what a signature is made over, TC_080_CS)."""
        return (self.root / "firmware" / f"{image}.bin").read_bytes()

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
        """Another server event worth a trace record (a failed login or TLS handshake), thread-safe."""
        self._hand_over(self._record_event, time.monotonic_ns(), fields)

    def _record_event(self, t_ns: int, fields: dict[str, Any]) -> None:
        self.events.append({"t_ns": t_ns, **fields})
        self.trace.add("file", t_ns, **fields)
        self._notify()

    def refusals(self, since_ns: int = 0) -> list[str]:
        """What the servers refused before any transfer began, since ``since_ns``: TLS handshakes that did
        not complete, plain-text logins on the FTPS port, failed logins (for a case's reason)."""
        return [f"{e['event']} ({e['protocol']}) from {e['client']}" + (f": {e['text']}" if e.get("text") else "")
                for e in self.events if e["t_ns"] >= since_ns]

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


def claims_security_whitepaper(pics: Any) -> bool:
    """The charger claims the OCPP 1.6 Security Whitepaper: the Advanced Security certification profile, or a
    run at security profile 2 or 3 (which only a charger of the whitepaper has)."""
    return bool(pics.certification_profiles.get("Advanced Security")) or pics.test_setup.security_profile >= 2


def serves_files(pics: Any) -> bool:
    """The run needs file servers: its PICS claims Firmware Management (UpdateFirmware, GetDiagnostics) or the
    security whitepaper (GetLog)."""
    return pics.supports_profile("FirmwareManagement") or claims_security_whitepaper(pics)


def files_for_run(pics: Any, trace: Trace, run_path: Path, pki_dir: Path = Path(".harness-pki")) -> FileServers | None:
    """The file servers of a run that needs them (:func:`serves_files`), started; else None. HTTPS and FTPS
    present a certificate issued by the root of the PKI in ``pki_dir`` (``--pki-dir``)."""
    if not serves_files(pics):
        return None
    from harness.pki import server_key_type

    servers = FileServers(trace, run_path / "files", list(pics.ors("ORS-16", [])), FileServerOptions.from_env(),
                          pki_dir=pki_dir, key_type=server_key_type(pics.cipher_suites))
    servers.start()
    return servers


# --------------------------------------------------------------------------------------------- FTP, FTPS


def _ftp_handler(files: FileServers, protocol: str) -> type:
    """A pyftpdlib handler class bound to ``files``: a per-run user whose root is the run's tree, writable
    only in ``upload/``, and hooks that turn RETR/STOR into :class:`Transfer` records. For FTPS the handler
    is pyftpdlib's ``TLS_FTPHandler`` with TLS required on the control and the data connections."""
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler

    authorizer = DummyAuthorizer()
    authorizer.add_user(FTP_USER, files.password, str(files.root), perm="elr")
    authorizer.override_perm(FTP_USER, str(files.root / "upload"), perm="elradfmw", recursive=True)
    base: type = FTPHandler
    if protocol == "FTPS":
        from pyftpdlib.handlers import TLS_FTPHandler

        base = TLS_FTPHandler

    class Handler(base):  # type: ignore[misc, valid-type]
        banner = "OCPP conformance harness file server"
        auth_failed_timeout = 0.1
        passive_ports = None

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.attempt: int | None = None

        @property
        def client(self) -> str:
            return f"{self.remote_ip}:{self.remote_port}"

        def pre_process_command(self, line: str, cmd: str, arg: str) -> None:
            if cmd in ("RETR", "STOR", "APPE") and self.authenticated:
                self._close_attempt("incomplete")
                self.attempt = files.next_id()
                path = self.fs.fs2ftp(self.fs.ftp2fs(arg or ""))
                files.began(Transfer(self.attempt, protocol, "download" if cmd == "RETR" else "upload", path,
                                     self.client, time.monotonic_ns()))
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
            files.event(event="login-failed", protocol=protocol, user=username, client=self.client)

    if protocol == "FTPS":
        class TlsHandler(Handler):
            tls_control_required = True
            tls_data_required = True
            ssl_context = files.tls.ftp_context() if files.tls else None

            def process_command(self, cmd: str, *args: Any, **kwargs: Any) -> None:
                if cmd in ("USER", "PASS") and not self._ssl_established:
                    files.event(event="tls-required", protocol=protocol, client=self.client,
                                text=f"{cmd} on the FTPS port before AUTH TLS: refused (550)")
                super().process_command(cmd, *args, **kwargs)

            def handle_failed_ssl_handshake(self) -> None:
                files.event(event="tls-failed", protocol=protocol, client=self.client,
                            text="the TLS handshake of the control connection did not complete (does the charger "
                                 f"trust {files.root_certificate}?)")
                super().handle_failed_ssl_handshake()

        TlsHandler.authorizer = authorizer
        return TlsHandler
    Handler.authorizer = authorizer
    return Handler


# --------------------------------------------------------------------------------------------- HTTP, HTTPS


class _HttpServer(http.server.ThreadingHTTPServer):
    """HTTP, or HTTPS when given a TLS context: the handshake runs in the connection's own thread, so a
    client that stalls it holds up no one else."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, files: FileServers, protocol: str = "HTTP",
                 context: ssl.SSLContext | None = None) -> None:
        self.files = files
        self.protocol = protocol
        self.context = context
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.context is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(CONNECTION_TIMEOUT_S)
        try:
            secured = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self.files.event(event="tls-failed", protocol=self.protocol,
                             client=f"{client_address[0]}:{client_address[1]}",
                             text=f"the TLS handshake did not complete ({exc}; does the charger trust "
                                  f"{self.files.root_certificate}?)")
            return
        try:
            super().finish_request(secured, client_address)
        finally:
            with contextlib.suppress(OSError):
                secured.close()


class _HttpHandler(http.server.BaseHTTPRequestHandler):
    """GET under /firmware/, PUT or POST under /upload/; 403 under /refused/; 404 elsewhere."""

    server: _HttpServer
    protocol_version = "HTTP/1.1"
    timeout = CONNECTION_TIMEOUT_S

    def log_message(self, format: str, *args: Any) -> None:      # noqa: A002 - the base class's name
        pass

    def _begin(self, direction: str) -> tuple[FileServers, int, str]:
        files = self.server.files
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        attempt = files.next_id()
        files.began(Transfer(attempt, self.server.protocol, direction, path,
                             f"{self.client_address[0]}:{self.client_address[1]}", time.monotonic_ns()))
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
