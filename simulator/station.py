"""Process lifecycle of the reference charge point: power, network, connection, boot, heartbeat, reboot.

* Power-up builds a ``Device`` from the state file (a power cycle and a Reset both go through here), stops
  the transactions a power loss cut (AQ-7.2), then connects to ``URL/<chargePointId>``.
* Connection: subprotocol ocpp1.6, Basic auth (security profile 1 and 2), WebSocketPingInterval as the
  ping interval. A refused or dropped connection is retried with exponential backoff (1 s doubling to
  2 s: short, because the offline cases wait for the reconnect after the outage; OCPP 1.6 sets no backoff, and a
  real charger's longer one fits in its PICS long_operation); the network coming back, a new AuthorizationKey or a reboot reconnect at once.
* Boot: BootNotification until Accepted, waiting the interval of every Pending/Rejected answer; while not
  Accepted nothing but BootNotification leaves the charger (the Central System may still configure it).
  After Accepted: HeartbeatInterval := interval, StatusNotification for connector 0 and every connector,
  then a Heartbeat every HeartbeatInterval seconds. The currentTime of BootNotification.conf and
  Heartbeat.conf sets the clock (see clock). A reconnect without reboot does not boot again; it
  reports the statuses that changed meanwhile and delivers the transaction queue.
* Reset (Hard/Soft): stop the transactions (HardReset/SoftReset), deliver what can be delivered, close the
  connection, re-create the device from the state file, connect and boot.
* power_off: with backup power (AQ-7.1) stop the transactions (PowerLoss) and deliver; persist (with the mark
  ``power_cut``); drop the link without a closing handshake; then wait to be killed.
* Behaviour ``already-booted``: the process starts as a charger that was running before the run, so its first
  connection sends no BootNotification and reports no status (they were reported before); the next start
  after a power cut (the state file's ``power_cut``), a Reset or a TriggerMessage(BootNotification) boot it.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import logging
import ssl

from ocpp.v16 import call
from websockets.asyncio.client import connect

from . import clock, remote_trigger
from .behaviours import Behaviours
from .certificate_signing import CertificateSigning
from .certificate_store import CertificateStore
from .signed_update import SignedFirmwareUpdate
from .charge_point import SimChargePoint
from .config import is_integer
from .control import ControlServer
from .device import Device
from .link import CallFailed, Offline
from .persistence import StateStore
from .sessions import ActionError

LOG = logging.getLogger("simulator.station")

RECONNECT_FIRST_S = 1.0
RECONNECT_MAX_S = 2.0
BOOT_RETRY_DEFAULT_S = 30.0
#: the state file's mark of a power cut announced over the control channel: the next start is a boot
POWER_CUT = "power_cut"
#: fault ``clock-behind``: how far the charger's own clock lags
CLOCK_BEHIND = dt.timedelta(minutes=15)
#: fault ``accepts-non-numeric-interval``: the heartbeat timer re-armed with 0 still yields to the event loop;
#: this bounds the flood to about 250 Heartbeats a second
FLOOD_INTERVAL_S = 0.004


def tls_ciphers(suites: list[str]) -> str:
    """The OpenSSL cipher list for C-12's IANA names of TLS 1.2 AES-GCM suites (what the charger offers);
    e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 → ECDHE-RSA-AES128-GCM-SHA256, TLS_RSA_WITH_… → AES….
    Names of another shape are left out: the PICS check names those."""
    names = []
    for suite in suites:
        exchange, _, cipher = suite.removeprefix("TLS_").partition("_WITH_")
        parts = cipher.split("_")
        if len(parts) != 4 or parts[0] != "AES" or exchange not in ("ECDHE_ECDSA", "ECDHE_RSA", "RSA"):
            continue
        prefix = "" if exchange == "RSA" else exchange.replace("_", "-") + "-"
        names.append(f"{prefix}AES{parts[1]}-{parts[2]}-{parts[3]}")
    return ":".join(names)


def password_bytes(authorization_key: str) -> bytes:
    """The Basic auth password of an AuthorizationKey: 32 to 40 hex digits are the 16 to 20 byte key they
    encode (OCPP 1.6 keeps the key hex-encoded in the configuration), anything else is its text."""
    if 32 <= len(authorization_key) <= 40 and len(authorization_key) % 2 == 0:
        try:
            return bytes.fromhex(authorization_key)
        except ValueError:
            pass
    return authorization_key.encode()


class Station:
    def __init__(self, settings, url: str, faults, state_path, reply_delay_s: float = 0.0,
                 control_port: int = 0, ca_file: str | None = None, manufacturer_root: str | None = None,
                 client_certificate: tuple[str, str] | None = None,
                 behaviours: Behaviours | None = None) -> None:
        self.settings = settings
        self.url = url.rstrip("/") + "/" + settings.charge_point_id
        self.faults = faults
        self.behaviours = behaviours or Behaviours()
        self.state_path = state_path
        self.reply_delay_s = reply_delay_s
        self.control_port = control_port
        self.ca_file = ca_file
        self.manufacturer_root = manufacturer_root
        self.client_certificate = client_certificate
        self.device: Device | None = None
        self.boot_status: str | None = None
        self._boot_accepted = False
        self._ws = None
        self._wake = asyncio.Event()
        self._network_up = True
        self._reboot = False
        self._reconnect_now = False
        self._powered_off = False
        self._down = asyncio.Event()
        self._hb_changed = asyncio.Event()
        self._boot_now = asyncio.Event()
        self._station_tasks: set[asyncio.Task] = set()
        self._sessions_since_power_up = 0

    # -- main ----------------------------------------------------------------------------------------------
    async def run(self) -> None:
        control = ControlServer(self)
        port = await control.start(self.control_port)
        print(f"CONTROL 127.0.0.1:{port}", flush=True)
        if self.faults.active("clock-behind"):
            clock.set_hardware_error(-CLOCK_BEHIND)
        first = True
        while not self._powered_off:
            self.device = Device(self.settings, StateStore(self.state_path), self.faults,
                                 reboot=lambda: self.request_reset("Soft"), behaviours=self.behaviours,
                                 crash=self.crash)
            self.device.firmware.ca_file = self.ca_file     # https:// and ftps:// trust what wss:// trusts
            self.device.config.profile_ready = self.profile_ready
            self.device.certificates = CertificateStore(
                self.settings, self.device.config, self.device.store, self.device.link, self.faults,
                self.device.tasks, self.device.logs.security, self.ca_file, self.manufacturer_root)
            self.device.signed_firmware = SignedFirmwareUpdate(
                self.device.firmware, self.device.certificates, self.device.store, self.device.link, self.faults,
                self.device.tasks, self.device.transactions, self.device.logs.security,
                lambda: self.request_reset("Soft"))
            self.device.signing = CertificateSigning(self.settings, self.device.config, self.device.link,
                                                     self.faults, self.device.tasks, self.device.logs.security, self)
            await self._powered_run(already_booted=first and self._booted_before(self.device))
            first = False
        self._down.set()
        await asyncio.Event().wait()          # powered off: the control channel still answers

    @property
    def boot_pending(self) -> bool:
        """Registration not (yet) Accepted: a CALL arriving right after a Pending answer can be handled
        before the boot loop has read that answer, so "not Accepted" is the robust test."""
        return not self._boot_accepted

    def _booted_before(self, device: Device) -> bool:
        """Behaviour ``already-booted``: was this process started as a charger that kept running (booted before
        the run), rather than one switched on after a power cut? The mark of a cut is used up either way."""
        cut = bool(device.store.data.pop(POWER_CUT, False))
        return self.behaviours.active("already-booted") and not cut

    async def _powered_run(self, already_booted: bool = False) -> None:
        device = self.device
        self._reboot = False
        self._sessions_since_power_up = 0
        self._boot_accepted = already_booted
        self.boot_status = "Accepted" if already_booted else None
        device.config.on_change("HeartbeatInterval", lambda _v: self._hb_changed.set())
        device.power_up()
        if already_booted:                  # its statuses went to the Central System it had before the run
            LOG.info("already booted: connecting without a BootNotification")
            device.reporter.assume_reported(device.connectors.all_with_unit())
        failures = 0
        try:
            while not (self._reboot or self._powered_off):
                if not self._network_up:
                    await self._sleep(None)
                    continue
                try:
                    ws = await self._connect(device)
                except Exception as exc:
                    failures += 1
                    delay = min(RECONNECT_MAX_S, RECONNECT_FIRST_S * 2 ** (failures - 1))
                    LOG.info("connection to %s failed (%s): retry in %.0f s", self.url, exc, delay)
                    await self._sleep(delay)
                    continue
                failures = 0
                self._wake.clear()
                await self._session(device, ws)
                if self._reconnect_now or self._reboot or self._powered_off or not self._network_up:
                    self._reconnect_now = False
                    continue
                failures = 1
                LOG.info("connection lost: reconnect in %.0f s", RECONNECT_FIRST_S)
                await self._sleep(RECONNECT_FIRST_S)
        finally:
            await device.shutdown()

    async def _sleep(self, timeout: float | None) -> None:
        """Sleep until woken (network, reboot, power, reconnect) or the timeout."""
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except asyncio.TimeoutError:
            pass
        self._wake.clear()

    def _wakeup(self) -> None:
        self._wake.set()

    def profile_ready(self, profile: int) -> bool:
        """The charger can connect at ``profile``: TLS needs the CA file, security profile 3 also a client
        certificate."""
        return profile <= 1 or (bool(self.ca_file) and (profile == 2 or bool(self.client_certificate)))

    def security_profile(self, device) -> int:
        """The profile it connects with: the SecurityProfile key (an upgrade changes it), unless fault
        ``security-profile-upgrade-not-applied`` keeps the one it started with."""
        if self.faults.active("security-profile-upgrade-not-applied"):
            return self.settings.security_profile
        return device.config.get_int("SecurityProfile", self.settings.security_profile)

    def url_for(self, profile: int) -> str:
        """The URL it was given, for the profile it started with; after a change of profile, the same host,
        port and path in wss:// from security profile 2 on, ws:// below."""
        scheme, sep, rest = self.url.partition("://")
        if profile == self.settings.security_profile or not sep:
            return self.url
        return ("wss" if profile >= 2 else "ws") + sep + rest

    def force_security_profile(self, profile: int) -> None:
        """Out-of-band (a service tool, the control channel): set the SecurityProfile, even lower, which
        OCPP forbids, and reconnect with it."""
        if self.device is not None:
            self.device.config.set("SecurityProfile", str(profile))
        self.reconnect()

    async def _connect(self, device):
        headers = {}
        profile = self.security_profile(device)
        url = self.url_for(profile)
        if profile in (1, 2):
            password = device.config.get("AuthorizationKey") or self.settings.password
            if self.faults.active("authorization-key-not-applied"):
                password = self.settings.password
            if password:
                token = base64.b64encode(f"{self._basic_user()}:".encode() + password_bytes(password))
                headers["Authorization"] = "Basic " + token.decode()
        ping = device.config.get_int("WebSocketPingInterval", 0)
        kwargs = {}
        if url.startswith("wss://"):
            trusted = None if self.faults.active("central-system-root-not-installed") else self.ca_file
            context = ssl.create_default_context(cafile=trusted)
            suites = [s for s in self.settings.cipher_suites if not (
                "AES_256" in s and self.faults.active("cipher-suite-aes256-unsupported"))]
            if ciphers := tls_ciphers(suites):
                context.set_ciphers(ciphers)
            if self.client_certificate and profile == 3 and not (
                    self.faults.active("client-certificate-not-presented-on-reconnect")
                    and self._sessions_since_power_up):
                context.load_cert_chain(*self.client_certificate)
            kwargs["ssl"] = context
        return await connect(url, subprotocols=["ocpp1.6"], additional_headers=headers,
                             ping_interval=ping or None, open_timeout=10, proxy=None, compression=None,
                             **kwargs)

    def _basic_user(self) -> str:
        """The Basic auth username: the chargePointId (Security Whitepaper, security profiles 1 and 2). Fault
        ``basic-auth-wrong-user``: a reconnect (not the first connection after power-up) sends the serial number
        instead."""
        s = self.settings
        if self.faults.active("basic-auth-wrong-user") and self._sessions_since_power_up:
            return s.serial_number or f"{s.charge_point_id}-SN"
        return s.charge_point_id

    async def _session(self, device, ws) -> None:
        self._sessions_since_power_up += 1
        cp = SimChargePoint(device, self, ws, self.reply_delay_s)
        self._ws = ws
        device.link.attach(cp)
        receiver = asyncio.create_task(cp.start(), name="receiver")
        online = asyncio.create_task(self._online(device), name="online")
        LOG.info("connected to %s", self.url)
        try:
            await asyncio.wait({receiver, online}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (online, receiver):
                task.cancel()
            await asyncio.gather(online, receiver, return_exceptions=True)
            await device.link.detach()
            self._ws = None
            try:
                await asyncio.wait_for(ws.close(), 2)
            except Exception:
                pass
            LOG.info("disconnected")
            if (not (self._reboot or self._powered_off)
                    and self.faults.active("stops-on-connection-loss")):
                device.sessions.stop_all("Other")

    async def _online(self, device) -> None:
        if not self._boot_accepted:
            if not await self._boot(device):
                return
            device.link.set_accepted(True)
            device.reporter.report_all(device.connectors.all_with_unit())
            device.firmware.after_boot()
        else:                               # reconnect: the queued transaction messages first
            device.link.set_accepted(True)
            device.transactions.queue.pump()
            device.reporter.report_changed(device.connectors.all_with_unit())
        await self._heartbeat_loop(device)

    async def _boot(self, device) -> bool:
        s = self.settings
        request = call.BootNotification(charge_point_model=s.model, charge_point_vendor=s.vendor,
                                        firmware_version=device.firmware.version,
                                        charge_point_serial_number=s.serial_number)
        while True:
            self._boot_now.clear()                 # before sending: a trigger arriving from now on counts
            try:
                answer = await device.link.call(request, before_accepted=True)
            except Offline:
                return False
            except CallFailed as exc:
                LOG.warning("BootNotification failed (%s)", exc)
                await asyncio.sleep(BOOT_RETRY_DEFAULT_S)
                continue
            self.boot_status = answer.status
            LOG.info("BootNotification: %s, interval %s", answer.status, answer.interval)
            self._set_clock(answer.current_time)
            if answer.status == "Pending" and self.faults.active("requests-while-pending"):
                device.reporter.report_before_accepted(device.connectors.all_with_unit())
            if answer.status == "Accepted":
                self._boot_accepted = True
                if answer.interval and answer.interval > 0:
                    device.config.set("HeartbeatInterval", str(answer.interval))
                return True
            wait = answer.interval if answer.interval and answer.interval > 0 else BOOT_RETRY_DEFAULT_S
            if self.faults.active("boot-ignores-interval"):
                wait = 0.05
            try:                                   # TriggerMessage(BootNotification) cuts the wait short
                await asyncio.wait_for(self._boot_now.wait(), wait)
            except asyncio.TimeoutError:
                pass

    def _set_clock(self, current_time: str | None) -> None:
        """The Central System's currentTime sets the clock (see clock); a charger with the fault
        ``clock-behind`` ignores it."""
        if not self.faults.active("clock-behind") and clock.synchronize(current_time):
            LOG.info("clock set from the Central System's currentTime %s", current_time)

    def _heartbeat_interval(self, device) -> float:
        """Seconds between Heartbeats; 0: none."""
        if (self.faults.active("accepts-non-numeric-interval")
                and not is_integer(device.config.get("HeartbeatInterval") or "")):
            return FLOOD_INTERVAL_S         # its timer reads the unparsable value as 0 and fires at once
        interval = device.config.get_int("HeartbeatInterval", 0)
        if self.faults.active("heartbeat-wrong-interval"):
            interval *= 2
        return interval

    async def _heartbeat_loop(self, device) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            self._hb_changed.clear()
            interval = self._heartbeat_interval(device)
            if interval <= 0:
                await self._hb_changed.wait()
                last = loop.time()
                continue
            try:
                await asyncio.wait_for(self._hb_changed.wait(), max(0.0, last + interval - loop.time()))
                last = loop.time()         # a new interval counts from now
                continue
            except asyncio.TimeoutError:
                pass
            last = loop.time()
            try:
                answer = await device.link.call(call.Heartbeat())
                self._set_clock(answer.current_time)
            except Offline:
                return
            except CallFailed as exc:
                LOG.warning("Heartbeat failed (%s)", exc)

    # -- requests from the Central System ------------------------------------------------------------------
    def _spawn(self, coro, name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._station_tasks.add(task)
        task.add_done_callback(self._station_tasks.discard)

    def reconnect(self) -> None:
        """A new AuthorizationKey: reconnect at once with it."""
        self._reconnect_now = True
        self._close_link()

    def _close_link(self) -> None:
        ws = self._ws
        if ws is not None:
            self._spawn(ws.close(), "close")
        self._wakeup()

    def request_reset(self, kind: str) -> None:
        self._spawn(self._reset(kind), "reset")

    def crash(self) -> None:
        """The firmware crashed and the watchdog restarts it: the connection drops without a closing
        handshake, then the charger boots again from its state file (a fault's path, never a normal one)."""
        LOG.warning("crash: rebooting")
        self._reboot = True
        ws = self._ws
        if ws is not None and ws.transport is not None:
            ws.transport.abort()
        self._wakeup()

    async def _reset(self, kind: str) -> None:
        device = self.device
        if kind == "Hard":
            reason = "Reboot" if self.faults.active("hard-reset-wrong-reason") else "HardReset"
        else:
            reason = "Reboot" if self.faults.active("soft-reset-wrong-reason") else "SoftReset"
        LOG.info("%s reset", kind)
        device.sessions.stop_all(reason)
        await self._deliver(device)
        device.persist()
        self._reboot = True
        self._close_link()

    async def _deliver(self, device) -> None:
        if device.link.ready:
            await device.transactions.queue.drained(self.settings.response_timeout * 2)
            await device.link.drain(self.settings.response_timeout)

    def trigger(self, requested: str, connector_id: int | None):
        """TriggerMessage: (status, what to send after the answer); see remote_trigger."""
        if requested == "BootNotification":
            if not self._boot_accepted:            # Pending: the boot loop sends it now
                return "Accepted", self._boot_now.set
            device = self.device
            return "Accepted", lambda: self._spawn(self._triggered_boot(device), "trigger-boot")
        return remote_trigger.trigger(self.device, requested, connector_id)

    async def _triggered_boot(self, device) -> None:
        s = self.settings
        try:
            await device.link.call(call.BootNotification(
                charge_point_model=s.model, charge_point_vendor=s.vendor, firmware_version=device.firmware.version,
                charge_point_serial_number=s.serial_number))
        except (Offline, CallFailed) as exc:
            LOG.info("triggered BootNotification failed (%s)", exc)

    # -- physical actions (the control channel) ------------------------------------------------------------
    def _powered(self) -> Device:
        if self._powered_off or self.device is None:
            raise ActionError("the charge point is powered off")
        return self.device

    def plug_in(self, connector: int, side: str) -> None:
        self._powered().sessions.plug_in(connector, side)

    def unplug(self, connector: int, side: str) -> None:
        self._powered().sessions.unplug(connector, side)

    def present_id_tag(self, id_tag: str, connector: int) -> None:
        self._powered().sessions.present_id_tag(id_tag, connector)

    def fault(self, connector: int, error_code: str | None, active: bool, info: str | None) -> None:
        self._powered().sessions.raise_fault(connector, error_code, active, info)

    def network(self, up: bool) -> None:
        self._powered()
        self._network_up = up
        if not up:
            self._close_link()
        else:
            self._wakeup()

    def baseline(self) -> None:
        device = self._powered()
        device.sessions.baseline()
        device.reporter.report_changed(device.connectors.all_with_unit())  # unplugging is seen by the CS
        if not self._network_up:
            self._network_up = True
        self._wakeup()

    def state(self) -> dict:
        if self.device is None:
            return {"powered": False}
        state = self.device.state()
        state.update({"powered": not self._powered_off, "network_up": self._network_up,
                      "boot_status": self.boot_status})
        return state

    async def power_off(self) -> None:
        device = self._powered()
        if self.settings.power_loss_stops_before_down and device.transactions.active:
            device.sessions.stop_all(device.power_loss_reason())
            await self._deliver(device)
        device.store.data[POWER_CUT] = True
        device.persist()
        self._powered_off = True
        ws = self._ws
        if ws is not None and ws.transport is not None:
            ws.transport.abort()              # a power cut: no closing handshake
        self._wakeup()
        await self._down.wait()
