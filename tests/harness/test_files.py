"""The run's file servers (harness/files.py) against real clients: ftplib (FTP, explicit FTPS) and urllib
(HTTP, HTTPS) on real sockets, TLS with a certificate of the run's test PKI.

Blocking clients run in a worker thread, so the event loop stays free to take the servers' records."""

from __future__ import annotations

import asyncio
import ftplib
import hashlib
import io
import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509

from harness.cli import file_server_env, parser
from harness.csms.trace import Trace
from harness.files import (FileServerOptions, FileServers, file_server_tls, firmware_images, offered_protocols,
                           unserved_reason)
from harness.pics import PicsError, load_pics
from harness.verdicts import HarnessError

TIMEOUT = 5.0
ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "firmware"
ALL = ["FTP", "FTPS", "HTTP", "HTTPS"]


@pytest.fixture
async def servers(tmp_path):
    trace = Trace()
    trace.begin(tmp_path / "trace.jsonl")
    files = FileServers(trace, tmp_path / "files", ALL, pki_dir=tmp_path / "pki")
    files.start()
    yield files
    await files.stop()
    trace.end()


def trusting(files: FileServers) -> ssl.SSLContext:
    """A client that trusts the run's root, as a charger with the CentralSystemRootCertificate installed."""
    return ssl.create_default_context(cafile=str(files.root_certificate))


#: the context the TLS clients below use (set by the tests that need one)
CLIENT_CONTEXT: dict[str, ssl.SSLContext] = {}


def ftp_login(url: str) -> tuple[ftplib.FTP, str]:
    parts = urllib.parse.urlsplit(url)
    ftp = ftplib.FTP_TLS(context=CLIENT_CONTEXT["tls"]) if parts.scheme == "ftps" else ftplib.FTP()
    ftp.connect(parts.hostname, parts.port, timeout=TIMEOUT)
    ftp.login(parts.username, urllib.parse.unquote(parts.password or ""))     # FTP_TLS: AUTH TLS first
    if parts.scheme == "ftps":
        ftp.prot_p()
    return ftp, parts.path


def ftp_get(url: str) -> bytes:
    ftp, path = ftp_login(url)
    out = io.BytesIO()
    try:
        ftp.retrbinary(f"RETR {path}", out.write)
    finally:
        ftp.close()
    return out.getvalue()


def ftp_put(url: str, name: str, data: bytes) -> None:
    ftp, path = ftp_login(url)
    try:
        ftp.cwd(path)
        ftp.storbinary(f"STOR {name}", io.BytesIO(data))
    finally:
        ftp.close()


def http_get(url: str) -> bytes:
    context = CLIENT_CONTEXT.get("tls") if url.startswith("https:") else None
    with urllib.request.urlopen(url, timeout=TIMEOUT, context=context) as response:
        return response.read()


def http_put(url: str, data: bytes) -> int:
    request = urllib.request.Request(url, data=data, method="PUT")
    context = CLIENT_CONTEXT.get("tls") if url.startswith("https:") else None
    with urllib.request.urlopen(request, timeout=TIMEOUT, context=context) as response:
        return response.status


def getter(protocol: str):
    return ftp_get if protocol.startswith("FTP") else http_get


@pytest.fixture
def tls_client(servers):
    CLIENT_CONTEXT["tls"] = trusting(servers)
    yield
    CLIENT_CONTEXT.clear()


def file_records(files: FileServers) -> list[dict]:
    return [r for r in files.trace.records if r["type"] == "file"]


async def test_a_firmware_image_is_downloaded_in_every_protocol_with_its_sha256_traced(servers, tls_client):
    expected = (FIXTURES / "valid.bin").read_bytes()
    for protocol in ALL:
        url = servers.firmware_url("valid", protocol)
        assert await asyncio.to_thread(getter(protocol), url) == expected
        (done,) = await servers.wait_attempts(url, 1, TIMEOUT)
        assert done.complete and done.size == len(expected) and done.protocol == protocol
        assert done.client.startswith("127.0.0.1:")
        assert done.sha256 == hashlib.sha256(expected).hexdigest() == servers.image_sha256("valid")
    ends = [r for r in file_records(servers) if r["event"] == "end"]
    assert [r["protocol"] for r in ends] == ALL
    assert all(r["bytes"] == len(expected) and r["sha256"] == hashlib.sha256(expected).hexdigest()
               and r["client"].startswith("127.0.0.1:") for r in ends)
    listening = {r["protocol"]: r for r in file_records(servers) if r["event"] == "listening"}
    assert set(listening) == set(ALL)
    for protocol in ("HTTPS", "FTPS"):       # the certificate the charger is shown, and the root to trust
        assert listening[protocol]["certificate_sha256"] == servers.tls.fingerprint
        assert listening[protocol]["trust"] == str(servers.root_certificate)
    assert "certificate_sha256" not in listening["HTTP"]


async def test_the_tls_servers_present_a_certificate_of_the_run_pki(servers, tmp_path):
    """The leaf chains to the PKI's root (the wss:// listener's), names the loopback addresses, and its key
    stays out of the run directory and the PKI directory; it is gone after the run."""
    assert servers.root_certificate == tmp_path / "pki" / "central-system-root-ca.pem"
    chain = x509.load_pem_x509_certificates(servers.tls.certificate.read_bytes())
    root = x509.load_pem_x509_certificate(servers.root_certificate.read_bytes())
    chain[0].verify_directly_issued_by(root)
    names = chain[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert not list(tmp_path.rglob("file-servers.key"))
    assert (servers.tls.private_key.stat().st_mode & 0o077) == 0
    folder = servers.tls.private_key.parent
    await servers.stop()
    assert not folder.exists()


async def test_a_charger_that_does_not_trust_the_root_is_traced_and_gets_nothing(servers):
    """No transfer happens without a completed handshake; the trace says which root the charger lacks."""
    CLIENT_CONTEXT["tls"] = ssl.create_default_context()        # the system's roots only
    try:
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            await asyncio.to_thread(http_get, servers.firmware_url("valid", "HTTPS"))
        with pytest.raises(ssl.SSLError):
            await asyncio.to_thread(ftp_get, servers.firmware_url("valid", "FTPS"))
    finally:
        CLIENT_CONTEXT.clear()
    failed = await servers.wait(lambda: {r["protocol"] for r in file_records(servers)
                                         if r["event"] == "tls-failed"} >= {"HTTPS", "FTPS"}, TIMEOUT)
    assert failed, file_records(servers)
    assert all(str(servers.root_certificate) in r["text"] for r in file_records(servers) if r["event"] == "tls-failed")
    assert not servers.transfers
    seen = servers.refusals()           # what a case's reason quotes
    assert any(r.startswith("tls-failed (HTTPS) from 127.0.0.1:") for r in seen)
    assert any(r.startswith("tls-failed (FTPS) from 127.0.0.1:") for r in seen)
    assert servers.refusals(since_ns=time.monotonic_ns()) == []


async def test_ftps_requires_tls_on_the_control_connection(servers):
    """A plain-text login on the FTPS port is refused (550) and traced: a transfer there is always encrypted."""
    parts = urllib.parse.urlsplit(servers.firmware_url("valid", "FTPS"))

    def plain_login() -> None:
        ftp = ftplib.FTP()
        ftp.connect(parts.hostname, parts.port, timeout=TIMEOUT)
        try:
            ftp.login(parts.username, parts.password)
        finally:
            ftp.close()
    with pytest.raises(ftplib.error_perm, match="550 SSL/TLS required"):
        await asyncio.to_thread(plain_login)
    assert await servers.wait(lambda: [r for r in file_records(servers) if r["event"] == "tls-required"], TIMEOUT)


async def test_urllib_fetches_an_ftp_url_the_way_a_charger_would(servers):
    """A charger's generic URL client (urllib: passive FTP, credentials in the URL) fetches the URL as sent."""
    url = servers.firmware_url("invalid", "FTP")
    assert (await asyncio.to_thread(http_get, url)).startswith(b"INVALID")


async def test_every_attempt_at_a_missing_file_is_counted_and_refused(servers, tls_client):
    for protocol in ALL:
        url = servers.missing_url(protocol)
        for _ in range(2):
            with pytest.raises((ftplib.error_perm, urllib.error.HTTPError)):
                await asyncio.to_thread(getter(protocol), url)
        attempts = await servers.wait_attempts(url, 2, TIMEOUT)
        assert len(attempts) == 2
        assert all(a.outcome.startswith("550" if protocol.startswith("FTP") else "404") for a in attempts)
        assert attempts[1].started_ns > attempts[0].started_ns


async def test_uploads_arrive_in_the_run_tree_and_refusing_locations_refuse(servers, tmp_path, tls_client):
    data = b"diagnostics of a charger\n" * 10
    for protocol in ALL:
        name = f"diag-{protocol.lower()}.log"
        if protocol.startswith("FTP"):
            await asyncio.to_thread(ftp_put, servers.upload_url(protocol), name, data)
        else:
            assert await asyncio.to_thread(http_put, servers.upload_url(protocol) + name, data) == 201
        assert await servers.wait_upload(name, TIMEOUT) == data
        assert (tmp_path / "files" / "upload" / name).read_bytes() == data
    assert [t.protocol for t in servers.uploads()] == ALL
    assert {t.sha256 for t in servers.uploads()} == {hashlib.sha256(data).hexdigest()}

    refused = []
    for protocol in ALL:
        refusing = servers.refusing_upload_url(protocol)
        if protocol.startswith("FTP"):
            with pytest.raises(ftplib.error_perm, match="550"):
                await asyncio.to_thread(ftp_put, refusing, "x.log", data)
        else:
            with pytest.raises(urllib.error.HTTPError, match="403"):
                await asyncio.to_thread(http_put, refusing + "x.log", data)
        refused.append((refusing, "550" if protocol.startswith("FTP") else "403"))
    for location, code in refused:
        (attempt,) = await servers.wait_attempts(location, 1, TIMEOUT)
        assert attempt.direction == "upload" and attempt.outcome.startswith(code)
    assert not list((tmp_path / "files" / "refused").rglob("x.log"))


async def test_the_firmware_area_is_read_only_over_ftp(servers):
    with pytest.raises(ftplib.error_perm, match="550"):
        await asyncio.to_thread(ftp_put, servers.url("/firmware/"), "valid.bin", b"overwritten")
    assert await asyncio.to_thread(ftp_get, servers.firmware_url("valid")) == (FIXTURES / "valid.bin").read_bytes()


async def test_the_password_is_random_per_run_and_never_written_to_the_trace(servers, tmp_path, tls_client):
    url = servers.firmware_url("valid", "FTP")
    assert servers.password in url and servers.password in servers.firmware_url("valid", "FTPS")
    other = FileServers(Trace(), tmp_path / "other", ["FTP"])
    assert other.password != servers.password
    for protocol in ("FTP", "FTPS"):
        wrong = servers.firmware_url("valid", protocol).replace(servers.password, "wrong-password")
        with pytest.raises(ftplib.error_perm, match="530"):
            await asyncio.to_thread(ftp_get, wrong)
    servers.trace.add("frame", raw=json.dumps([2, "1", "UpdateFirmware", {"location": url}]))
    servers.trace.add("frame", raw=json.dumps([2, "2", "GetDiagnostics", {"location": servers.upload_url("FTPS")}]))
    await asyncio.to_thread(ftp_get, url)
    await servers.wait_attempts(url, 1, TIMEOUT)
    await servers.wait(lambda: {r["protocol"] for r in file_records(servers) if r.get("event") == "login-failed"}
                       == {"FTP", "FTPS"}, TIMEOUT)
    written = (tmp_path / "trace.jsonl").read_text()
    assert servers.password not in written and "ftps://harness:***@" in written
    assert "login-failed" in written


async def test_urls_are_made_only_for_protocols_the_pics_lists():
    assert offered_protocols(["SFTP", "HTTPS", "HTTP", "FTPS"]) == ("HTTPS", "HTTP", "FTPS")
    files = FileServers(Trace(), Path("/nonexistent"), ["HTTP"])
    with pytest.raises(HarnessError, match="FTP"):
        files.url("/firmware/valid.bin", "FTP")
    with pytest.raises(HarnessError, match="no file server"):
        FileServers(Trace(), Path("/nonexistent"), ["SFTP"])
    assert unserved_reason("HTTPS") is None and unserved_reason("FTPS") is None
    assert unserved_reason("SFTP") == "the harness has no SFTP server"


async def test_tls_needs_the_pki(tmp_path):
    files = FileServers(Trace(), tmp_path / "files", ["HTTPS"])
    with pytest.raises(HarnessError, match="--pki-dir"):
        files.start()


def test_a_pics_listing_a_protocol_the_harness_cannot_serve_is_refused_naming_ors_16(tmp_path):
    seed = (ROOT / "pics" / "bsec-22k-a2-ccs2-400s.yaml").read_text(encoding="utf-8")
    assert "ORS-16: [FTP] " in seed
    served = tmp_path / "served.yaml"
    served.write_text(seed.replace("ORS-16: [FTP] ", "ORS-16: [HTTPS, FTPS, HTTP, FTP]"), encoding="utf-8")
    assert load_pics(served).ors("ORS-16") == ["HTTPS", "FTPS", "HTTP", "FTP"]
    sftp = tmp_path / "sftp.yaml"
    sftp.write_text(seed.replace("ORS-16: [FTP] ", "ORS-16: [FTP, SFTP]"), encoding="utf-8")
    with pytest.raises(PicsError, match=r"ors\.ORS-16\[1\].*lists SFTP, which the harness cannot serve"):
        load_pics(sftp)


def test_the_images_are_made_at_run_start_byte_for_byte_the_fixtures():
    """An installed harness has no fixtures/ folder: the images come from a recipe, and stay the same."""
    made = firmware_images()
    assert set(made) == {"valid", "invalid", "truncated"}
    for name, data in made.items():
        assert data == (FIXTURES / f"{name}.bin").read_bytes(), name
    assert hashlib.sha256(made["valid"]).hexdigest().startswith("9ab5cd58")


async def test_a_vendor_image_replaces_the_generated_one_and_every_image_is_traced(tmp_path):
    vendor = tmp_path / "vendor"
    vendor.mkdir()
    (vendor / "valid.bin").write_bytes(b"vendor firmware 4.2")
    trace = Trace()
    files = FileServers(trace, tmp_path / "files", ["HTTP"], FileServerOptions(firmware_dir=vendor))
    files.start()
    try:
        assert await asyncio.to_thread(http_get, files.firmware_url("valid")) == b"vendor firmware 4.2"
    finally:
        await files.stop()
    images = {r["image"]: r for r in trace.records if r["type"] == "file" and r["event"] == "image"}
    assert images["valid.bin"]["sha256"] == hashlib.sha256(b"vendor firmware 4.2").hexdigest()
    assert images["valid.bin"]["source"] == str(vendor / "valid.bin")
    assert images["invalid.bin"]["source"] == "generated"
    with pytest.raises(HarnessError, match="has no valid.bin"):
        FileServers(Trace(), tmp_path / "x", ["HTTP"], FileServerOptions(firmware_dir=tmp_path / "empty")).start()


def test_the_certificate_names_the_files_host_a_real_charger_dials(tmp_path):
    tls = file_server_tls(tmp_path / "pki", "192.0.2.10", "rsa", tmp_path)
    leaf = x509.load_pem_x509_certificates(tls.certificate.read_bytes())[0]
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "192.0.2.10" in {str(a) for a in names.get_values_for_type(x509.IPAddress)}
    assert "192.0.2.10" in tls.names and leaf.public_key().key_size == 2048


def test_options_for_a_real_charger_come_from_the_environment():
    options = FileServerOptions.from_env({"OCPP_HARNESS_FILES_HOST": "192.0.2.10", "OCPP_HARNESS_FTP_PORT": "2121",
                                          "OCPP_HARNESS_HTTPS_PORT": "8443"})
    assert (options.host, options.ftp_port, options.http_port, options.https_port) == ("192.0.2.10", 2121, 0, 8443)
    assert options.firmware_dir is None
    with pytest.raises(HarnessError, match="OCPP_HARNESS_FTPS_PORT"):
        FileServerOptions.from_env({"OCPP_HARNESS_FTPS_PORT": "ftps"})


def test_the_run_flags_set_the_same_environment(monkeypatch, tmp_path):
    firmware = tmp_path / "fw"
    firmware.mkdir()
    (firmware / "valid.bin").write_bytes(b"image")
    for name in ("OCPP_HARNESS_FTP_PORT", "OCPP_HARNESS_FTPS_PORT", "OCPP_HARNESS_HTTP_PORT",
                 "OCPP_HARNESS_HTTPS_PORT"):
        monkeypatch.delenv(name, raising=False)
    args = parser().parse_args(["run", "--pics", "p.yaml", "--files-host", "192.0.2.10", "--ftp-port", "2121",
                                "--ftps-port", "2990", "--http-port", "8080", "--https-port", "8443",
                                "--firmware-dir", str(firmware)])
    env = file_server_env(args)
    assert FileServerOptions.from_env(env) == FileServerOptions("192.0.2.10", 2121, 2990, 8080, 8443, firmware)
    assert file_server_env(parser().parse_args(["run", "--pics", "p.yaml"])) == {}
    with pytest.raises(SystemExit):
        parser().parse_args(["run", "--pics", "p.yaml", "--https-port", "70000"])


def test_parallel_workers_refuse_fixed_file_server_ports(capsys):
    from harness.cli import main

    code = main(["run", "--pics", str(ROOT / "pics" / "bsec-22k-a2-ccs2-400s.yaml"), "-n", "2", "--http-port", "8080"])
    assert code == 2 and "-n needs free file-server ports" in capsys.readouterr().err
