"""The OCPP 1.6J endpoint of the reference charge point: an ``ocpp.v16.ChargePoint`` whose handlers answer
the Central System's requests by asking the functional blocks, and nothing more.

Two mechanics of the ``ocpp`` library shape this class:

* Incoming CALLs are handled one at a time inside the receive loop, so a handler must never await a CALL of
  its own (the answer could not be received). Consequences of a request (a StopTransaction after
  RemoteStopTransaction, a reboot after Reset, ...) are ``defer``-red and run right after the CALLRESULT has
  been sent, which also keeps the order "answer first, then the consequence" on the wire.
* ``--reply-delay-ms`` delays every CALLRESULT by that much (to check the harness's response-time KPI).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Callable

from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.exceptions import NotImplementedError as OCPPNotImplemented
from ocpp.exceptions import OccurenceConstraintViolationError
from ocpp.messages import Call
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action

LOG = logging.getLogger("simulator.charge_point")



#: asyncio timers wake up to a millisecond late (the selector's timeout is rounded up); the last stretch of
#: a response delay is spent yielding instead, so ``--reply-delay-ms`` delays by what it says.
_SPIN_S = 0.003


async def precise_delay(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    if seconds > _SPIN_S:
        await asyncio.sleep(seconds - _SPIN_S)
    while time.monotonic() < deadline:
        await asyncio.sleep(0)

def _is_call(message: str, action: str) -> bool:
    """The outgoing frame is a CALL of ``action``."""
    if not message.lstrip().startswith("[2"):
        return False
    try:
        return json.loads(message)[2] == action
    except (ValueError, IndexError, TypeError):
        return False


class SimChargePoint(ChargePoint):
    def __init__(self, device, station, connection, reply_delay_s: float = 0.0) -> None:
        super().__init__(device.settings.charge_point_id, connection,
                         response_timeout=device.settings.response_timeout,
                         logger=logging.getLogger("simulator.ocpp"))
        self._device = device
        self._station = station
        self._reply_delay_s = reply_delay_s
        self._deferred: list[Callable[[], None]] = []

    # -- mechanics -----------------------------------------------------------------------------------------
    def defer(self, action: Callable[[], None] | None) -> None:
        if action is not None:
            self._deferred.append(action)

    async def route_message(self, raw_msg):
        incoming_call = raw_msg.lstrip().startswith("[2")
        if incoming_call:
            self._device.link.hold()
        try:
            await super().route_message(raw_msg)
        finally:
            if incoming_call:
                self._device.link.release()
            deferred, self._deferred = self._deferred, []
            for action in deferred:
                try:
                    action()
                except Exception:
                    LOG.exception("deferred action failed")

    async def _send(self, message):
        delayed = self._reply_delay_s > 0 and message.lstrip().startswith("[3")
        if delayed:
            await precise_delay(self._reply_delay_s)
        sending_ns = time.monotonic_ns()
        await super()._send(message)
        if delayed:     # it left no earlier than this: the harness's KPI accuracy is measured against it
            LOG.info("CALLRESULT %s sent at monotonic_ns %d", json.loads(message)[1], sending_ns)
        if self._device.faults.active("status-before-boot-answer") and _is_call(message, "BootNotification"):
            await self._send_statuses_unanswered()

    async def _send_statuses_unanswered(self) -> None:
        """Fault ``status-before-boot-answer``: every connector's StatusNotification goes out right behind the
        BootNotification, on a path that waits for no answer (the answers that come are ignored)."""
        for unit in self._device.connectors.all_with_unit():
            payload = self._device.reporter.notification(unit)
            frame = Call(unique_id=str(self._unique_id_generator()), action="StatusNotification",
                         payload=remove_nones(snake_to_camel_case(serialize_as_dict(payload))))
            await super()._send(frame.to_json())

    @property
    def _profiles(self) -> tuple[str, ...]:
        return self._device.settings.feature_profiles

    # -- Core ----------------------------------------------------------------------------------------------
    @on(Action.get_configuration)
    def on_get_configuration(self, key=None, **_):
        config = self._device.config
        limit = config.get_int("GetConfigurationMaxKeys", 0)
        if key and limit and len(key) > limit:
            raise OccurenceConstraintViolationError(
                description=f"{len(key)} keys requested; GetConfigurationMaxKeys is {limit}")
        known, unknown = config.read(key)
        return call_result.GetConfiguration(configuration_key=known, unknown_key=unknown or None)

    @on(Action.change_configuration)
    def on_change_configuration(self, key, value, **_):
        if self._station.boot_pending and self._device.faults.active("pending-rejects-change-configuration"):
            return call_result.ChangeConfiguration(status="Rejected")
        config = self._device.config
        if config.canonical(key) == "SecurityProfile" and self._downgrade_accepted(value):
            return call_result.ChangeConfiguration(status="Accepted")
        before = config.get("AuthorizationKey"), config.get("SecurityProfile")
        status = config.change(key, value)
        if (config.get("AuthorizationKey"), config.get("SecurityProfile")) != before:
            self.defer(self._station.reconnect)     # whitepaper: reconnect with the new key / profile
        return call_result.ChangeConfiguration(status=status)

    def _downgrade_accepted(self, value) -> bool:
        """Fault ``security-profile-downgrade-accepted``: a lower SecurityProfile is answered Accepted (and the
        charger stays where it is); the whitepaper forbids the downgrade, so it must be Rejected."""
        config = self._device.config
        return (self._device.faults.active("security-profile-downgrade-accepted")
                and str(value).strip().isdigit() and int(value) < config.get_int("SecurityProfile"))

    @on(Action.change_availability)
    def on_change_availability(self, connector_id, type, **_):
        d = self._device
        status = d.connectors.change_availability(
            connector_id, type, busy=lambda cid: d.transactions.on(cid) is not None)
        return call_result.ChangeAvailability(status=status)

    @on(Action.clear_cache)
    def on_clear_cache(self, **_):
        ok = self._device.auth.cache.clear()
        return call_result.ClearCache(status="Accepted" if ok else "Rejected")

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id, message_id=None, data=None, **_):
        if self._device.faults.active("data-transfer-accepted"):
            return call_result.DataTransfer(status="Accepted")
        settings = self._device.settings
        if vendor_id.lower() not in (settings.vendor.lower(), settings.vendor_name.lower()):
            return call_result.DataTransfer(status="UnknownVendorId")
        return call_result.DataTransfer(status="UnknownMessageId")

    # -- Security Whitepaper: logs ------------------------------------------------------------------------
    @on(Action.get_log)
    def on_get_log(self, log_type, request_id, log, retries=None, retry_interval=None, **_):
        status, filename, then = self._device.logs.get_log(log_type, request_id, log, retries, retry_interval)
        self.defer(then)
        return call_result.GetLog(status=status, filename=filename)

    @on(Action.remote_start_transaction)
    def on_remote_start_transaction(self, id_tag, connector_id=None, charging_profile=None, **_):
        status, then = self._device.sessions.remote_start(connector_id, id_tag, charging_profile)
        self.defer(then)
        return call_result.RemoteStartTransaction(status=status)

    @on(Action.remote_stop_transaction)
    def on_remote_stop_transaction(self, transaction_id, **_):
        status, then = self._device.sessions.remote_stop(transaction_id)
        self.defer(then)
        return call_result.RemoteStopTransaction(status=status)

    @on(Action.reset)
    def on_reset(self, type, **_):
        if self._device.faults.active("reset-rejected"):
            return call_result.Reset(status="Rejected")
        self.defer(lambda: self._station.request_reset(type))
        return call_result.Reset(status="Accepted")

    @on(Action.unlock_connector)
    def on_unlock_connector(self, connector_id, **_):
        status, then = self._device.sessions.unlock(connector_id)
        self.defer(then)
        return call_result.UnlockConnector(status=status)

    # -- Local Auth List Management -------------------------------------------------------------------------
    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **_):
        return call_result.GetLocalListVersion(list_version=self._device.auth.local_list.reported_version())

    @on(Action.send_local_list)
    def on_send_local_list(self, list_version, update_type, local_authorization_list=None, **_):
        status = self._device.auth.local_list.update(list_version, update_type, local_authorization_list)
        return call_result.SendLocalList(status=status)

    # -- Reservation ----------------------------------------------------------------------------------------
    @on(Action.reserve_now)
    def on_reserve_now(self, connector_id, expiry_date, id_tag, reservation_id, parent_id_tag=None, **_):
        d = self._device
        if not d.reservations.supported:
            if d.faults.active("reservation-accepted-without-support"):
                return call_result.ReserveNow(status="Accepted")
            raise OCPPNotImplemented(description="Reservation is not a supported feature profile")
        if d.faults.active("reservation-ignored"):
            return call_result.ReserveNow(status="Accepted")
        status = d.reservations.reserve(connector_id, expiry_date, id_tag, reservation_id, parent_id_tag,
                                        is_free=d.sessions.idle)
        return call_result.ReserveNow(status=status)

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, reservation_id, **_):
        d = self._device
        if not d.reservations.supported:
            raise OCPPNotImplemented(description="Reservation is not a supported feature profile")
        if d.faults.active("cancel-reservation-always-accepted"):
            d.reservations.cancel(reservation_id)
            return call_result.CancelReservation(status="Accepted")
        return call_result.CancelReservation(status=d.reservations.cancel(reservation_id))

    # -- Firmware Management ------------------------------------------------------------------------------
    def _firmware(self):
        firmware = self._device.firmware
        if not firmware.supported:
            raise OCPPNotImplemented(description="FirmwareManagement is not a supported feature profile")
        return firmware

    @on(Action.update_firmware)
    def on_update_firmware(self, location, retrieve_date, retries=None, retry_interval=None, **_):
        firmware = self._firmware()
        self.defer(lambda: firmware.update(location, retrieve_date, retries, retry_interval))
        return call_result.UpdateFirmware()

    @on(Action.get_diagnostics)
    def on_get_diagnostics(self, location, retries=None, retry_interval=None, **_):
        file_name, then = self._firmware().diagnostics(location, retries, retry_interval)
        self.defer(then)
        return call_result.GetDiagnostics(file_name=file_name)

    # -- Smart Charging -------------------------------------------------------------------------------------
    def _smart(self):
        smart = self._device.smart
        if not smart.supported:
            raise OCPPNotImplemented(description="SmartCharging is not a supported feature profile")
        return smart

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, connector_id, cs_charging_profiles, **_):
        return call_result.SetChargingProfile(status=self._smart().set_profile(connector_id, cs_charging_profiles))

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(self, id=None, connector_id=None, charging_profile_purpose=None,
                                  stack_level=None, **_):
        status = self._smart().clear(id, connector_id, charging_profile_purpose, stack_level)
        return call_result.ClearChargingProfile(status=status)

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(self, connector_id, duration, charging_rate_unit=None, **_):
        composite = self._smart().composite(connector_id, duration, charging_rate_unit)
        if composite is None:
            return call_result.GetCompositeSchedule(status="Rejected")
        return call_result.GetCompositeSchedule(status="Accepted", connector_id=connector_id, **composite)

    # -- Remote Trigger -------------------------------------------------------------------------------------
    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message, connector_id=None, **_):
        if "RemoteTrigger" not in self._profiles:
            raise OCPPNotImplemented(description="RemoteTrigger is not a supported feature profile")
        status, then = self._station.trigger(requested_message, connector_id)
        self.defer(then)
        return call_result.TriggerMessage(status=status)

    # -- Security Whitepaper: ExtendedTriggerMessage, CertificateSigned ----------------------------------
    @on(Action.extended_trigger_message)
    def on_extended_trigger_message(self, requested_message, connector_id=None, **_):
        """SignChargePointCertificate starts a certificate renewal; the other messages as TriggerMessage
        sends them (LogStatusNotification: NotImplemented, no upload is going on to report)."""
        if requested_message == "SignChargePointCertificate":
            status, then = self._device.signing.trigger()
        elif requested_message == "LogStatusNotification":
            status, then = "NotImplemented", None
        else:
            status, then = self._station.trigger(requested_message, connector_id)
        self.defer(then)
        return call_result.ExtendedTriggerMessage(status=status)

    @on(Action.signed_update_firmware)
    def on_signed_update_firmware(self, request_id, firmware, retries=None, retry_interval=None, **_):
        if not self._device.firmware.supported:
            raise OCPPNotImplemented(description="FirmwareManagement is not a supported feature profile")
        status, then = self._device.signed_firmware.update(request_id, firmware, retries, retry_interval)
        self.defer(then)
        return call_result.SignedUpdateFirmware(status=status)

    @on(Action.install_certificate)
    def on_install_certificate(self, certificate_type, certificate, **_):
        status, then = self._device.certificates.install(certificate_type, certificate)
        self.defer(then)
        return call_result.InstallCertificate(status=status)

    @on(Action.get_installed_certificate_ids)
    def on_get_installed_certificate_ids(self, certificate_type, **_):
        found = self._device.certificates.hash_data(certificate_type)
        if not found:
            return call_result.GetInstalledCertificateIds(status="NotFound")
        return call_result.GetInstalledCertificateIds(status="Accepted", certificate_hash_data=found)

    @on(Action.delete_certificate)
    def on_delete_certificate(self, certificate_hash_data, **_):
        wanted = {"hashAlgorithm": certificate_hash_data.get("hash_algorithm"),
                  "issuerNameHash": certificate_hash_data.get("issuer_name_hash"),
                  "issuerKeyHash": certificate_hash_data.get("issuer_key_hash"),
                  "serialNumber": certificate_hash_data.get("serial_number")}
        return call_result.DeleteCertificate(status=self._device.certificates.delete(wanted))

    @on(Action.certificate_signed)
    def on_certificate_signed(self, certificate_chain, **_):
        status, then = self._device.signing.certificate_signed(certificate_chain)
        self.defer(then)
        return call_result.CertificateSigned(status=status)
