"""The run's file servers (harness/files.py) against real clients: ftplib and urllib on real sockets.

Blocking clients run in a worker thread, so the event loop stays free to take the servers' records."""

from __future__ import annotations

import asyncio
import ftplib
import hashlib
import io
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from harness.csms.trace import Trace
from harness.files import FIXTURES, FileServerOptions, FileServers, offered_protocols
from harness.verdicts import HarnessError

TIMEOUT = 5.0


@pytest.fixture
async def servers(tmp_path):
    trace = Trace()
    trace.begin(tmp_path / "trace.jsonl")
    files = FileServers(trace, tmp_path / "files", ["FTP", "HTTP"])
    files.start()
    yield files
    await files.stop()
    trace.end()


def ftp_login(url: str) -> tuple[ftplib.FTP, str]:
    parts = urllib.parse.urlsplit(url)
    ftp = ftplib.FTP()
    ftp.connect(parts.hostname, parts.port, timeout=TIMEOUT)
    ftp.login(parts.username, urllib.parse.unquote(parts.password or ""))
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
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return response.read()


def http_put(url: str, data: bytes) -> int:
    request = urllib.request.Request(url, data=data, method="PUT")
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return response.status


def file_records(files: FileServers) -> list[dict]:
    return [r for r in files.trace.records if r["type"] == "file"]


async def test_a_firmware_image_is_downloaded_over_ftp_and_http_with_its_sha256_traced(servers):
    expected = (FIXTURES / "valid.bin").read_bytes()
    for protocol in ("FTP", "HTTP"):
        url = servers.firmware_url("valid", protocol)
        getter = ftp_get if protocol == "FTP" else http_get
        assert await asyncio.to_thread(getter, url) == expected
        (done,) = await servers.wait_attempts(url, 1, TIMEOUT)
        assert done.complete and done.size == len(expected) and done.protocol == protocol
        assert done.sha256 == hashlib.sha256(expected).hexdigest() == servers.image_sha256("valid")
    ends = [r for r in file_records(servers) if r["event"] == "end"]
    assert [r["protocol"] for r in ends] == ["FTP", "HTTP"]
    assert all(r["bytes"] == len(expected) and r["sha256"] == hashlib.sha256(expected).hexdigest() for r in ends)
    assert {r["protocol"] for r in file_records(servers) if r["event"] == "listening"} == {"FTP", "HTTP"}


async def test_urllib_fetches_an_ftp_url_the_way_a_charger_would(servers):
    """The reference charge point downloads with urllib (passive FTP, credentials in the URL)."""
    url = servers.firmware_url("invalid", "FTP")
    assert (await asyncio.to_thread(http_get, url)).startswith(b"INVALID")


async def test_every_attempt_at_a_missing_file_is_counted_and_refused(servers):
    for protocol in ("FTP", "HTTP"):
        url = servers.missing_url(protocol)
        for _ in range(2):
            with pytest.raises((ftplib.error_perm, urllib.error.HTTPError)):
                await asyncio.to_thread(ftp_get if protocol == "FTP" else http_get, url)
        attempts = await servers.wait_attempts(url, 2, TIMEOUT)
        assert len(attempts) == 2
        assert all(a.outcome.startswith("550" if protocol == "FTP" else "404") for a in attempts)
        assert attempts[1].started_ns > attempts[0].started_ns


async def test_uploads_arrive_in_the_run_tree_and_refusing_locations_refuse(servers, tmp_path):
    data = b"diagnostics of a charger\n" * 10
    await asyncio.to_thread(ftp_put, servers.upload_url("FTP"), "diag-ftp.log", data)
    assert await asyncio.to_thread(http_put, servers.upload_url("HTTP") + "diag-http.log", data) == 201
    assert await servers.wait_upload("diag-ftp.log", TIMEOUT) == data
    assert await servers.wait_upload("diag-http.log", TIMEOUT) == data
    assert (tmp_path / "files" / "upload" / "diag-ftp.log").read_bytes() == data
    assert {t.sha256 for t in servers.uploads()} == {hashlib.sha256(data).hexdigest()}

    refusing = servers.refusing_upload_url("FTP")
    with pytest.raises(ftplib.error_perm, match="550"):
        await asyncio.to_thread(ftp_put, refusing, "x.log", data)
    refusing_http = servers.refusing_upload_url("HTTP")
    with pytest.raises(urllib.error.HTTPError, match="403"):
        await asyncio.to_thread(http_put, refusing_http + "x.log", data)
    for location, code in ((refusing, "550"), (refusing_http, "403")):
        (attempt,) = await servers.wait_attempts(location, 1, TIMEOUT)
        assert attempt.direction == "upload" and attempt.outcome.startswith(code)
    assert not list((tmp_path / "files" / "refused").rglob("x.log"))


async def test_the_firmware_area_is_read_only_over_ftp(servers):
    with pytest.raises(ftplib.error_perm, match="550"):
        await asyncio.to_thread(ftp_put, servers.url("/firmware/"), "valid.bin", b"overwritten")
    assert await asyncio.to_thread(ftp_get, servers.firmware_url("valid")) == (FIXTURES / "valid.bin").read_bytes()


async def test_the_password_is_random_per_run_and_never_written_to_the_trace(servers, tmp_path):
    url = servers.firmware_url("valid", "FTP")
    assert servers.password in url
    other = FileServers(Trace(), tmp_path / "other", ["FTP"])
    assert other.password != servers.password
    wrong = url.replace(servers.password, "wrong-password")
    with pytest.raises(ftplib.error_perm, match="530"):
        await asyncio.to_thread(ftp_get, wrong)
    servers.trace.add("frame", raw=json.dumps([2, "1", "UpdateFirmware", {"location": url}]))
    await asyncio.to_thread(ftp_get, url)
    await servers.wait_attempts(url, 1, TIMEOUT)
    await servers.wait(lambda: any(r.get("event") == "login-failed" for r in file_records(servers)), TIMEOUT)
    written = (tmp_path / "trace.jsonl").read_text()
    assert servers.password not in written and "***" in written
    assert "login-failed" in written


async def test_urls_are_made_only_for_protocols_the_pics_lists():
    assert offered_protocols(["HTTPS", "HTTP", "FTP"]) == ("HTTP", "FTP")
    files = FileServers(Trace(), Path("/nonexistent"), ["HTTP"])
    with pytest.raises(HarnessError, match="FTP"):
        files.url("/firmware/valid.bin", "FTP")
    with pytest.raises(HarnessError, match="no file server"):
        FileServers(Trace(), Path("/nonexistent"), ["FTPS"])


def test_options_for_a_real_charger_come_from_the_environment():
    options = FileServerOptions.from_env({"OCPP_HARNESS_FILES_HOST": "192.0.2.10", "OCPP_HARNESS_FTP_PORT": "2121"})
    assert (options.host, options.ftp_port, options.http_port) == ("192.0.2.10", 2121, 0)
    assert options.firmware_dir == FIXTURES
