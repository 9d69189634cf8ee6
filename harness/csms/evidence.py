"""The evidence rules: what a frame of the charge point may count for in a test case, and what it may not do.

A verdict is only worth its evidence. The :class:`~harness.csms.station.Station` tells this object what
happened (a case began or ended, the case caused something, a frame arrived, the Central System answered) and
it answers with findings; it does no I/O, so every rule is tested without a socket.

Rules (docs/fidelity.md lists them with the case or test that shows each):

1. **Causality.** Physical actions and the Central System's CALLs are *causes*. An expectation matches only
   frames received at or after the cause it follows; a match that arrived earlier "came before the action"
   and is no evidence of it. By default that is the first cause since the last fulfilled expectation (so
   "plug in at 1, plug in at 2, then both Preparing" holds), or the latest cause when every cause has had
   its expectation.
2. **Unexpected reboot.** A BootNotification, or a loss of the connection, that no cause of the case asked
   for (a power cycle, a Reset, a firmware update, a TriggerMessage(BootNotification); a network cut for the
   connection) fails the case. A reboot licence is used up by the Accepted boot that ends the reboot.
3. **Late delivery.** A transaction-related frame (StartTransaction, StopTransaction, MeterValues with a
   transactionId) whose own timestamp is older than the case's start, beyond the PICS's clock-skew
   tolerance, was generated before the case: it is marked, and it never satisfies an expectation.
4. **Transaction order.** Transaction-related messages are delivered in the order they were generated
   (OCPP 1.6 asks for it of the offline queue): one whose timestamp is older than one delivered before it is
   a finding. The order is followed from the last accepted boot (a charger may set its clock at boot).
5. **Energy register.** Within a transaction the energy register (Energy.Active.Import.Register, no phase)
   never goes down: MeterValues and meterStop are never below meterStart or an earlier reading.
6. **Boot state.** No request but BootNotification before the answer to a BootNotification, or while the
   boot is Rejected; while Pending, only what a TriggerMessage asked for (OCPP 1.6 §4.2).
7. **GetConfiguration keys.** Asked for a list of keys, the charge point returns only those keys, each in
   configurationKey or in unknownKey (OCPP 1.6 GetConfiguration.conf).

Rules 2 to 6 are policed between :meth:`Evidence.begin_case` and :meth:`Evidence.end_case` only: the
baseline between cases may reboot the charger on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Literal, Mapping

Disruption = Literal["reboot", "link"]

#: CALLs of the Central System that change nothing in the charge point: they cause no effect to wait for.
READ_ONLY_ACTIONS = frozenset({"GetConfiguration", "GetLocalListVersion", "GetCompositeSchedule",
                               "GetInstalledCertificateIds"})
TRANSACTION_ACTIONS = ("StartTransaction", "StopTransaction", "MeterValues")
ENERGY_REGISTER = "Energy.Active.Import.Register"
#: Timestamps in OCPP are often whole seconds; two messages generated in order may swap within one.
ORDER_SLACK_S = 1.0
#: meterStart and meterStop are whole Wh, readings may carry fractions: within 1 Wh is not a decrease.
ENERGY_SLACK_WH = 1.0


@dataclass(frozen=True)
class Cause:
    """Something the case did that the charge point may answer with frames: a physical action or a CALL."""

    description: str
    t_ns: int


def parse_timestamp(text: Any) -> datetime | None:
    """An OCPP dateTime as an aware UTC datetime (a time without offset is read as UTC), or None."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def transaction_timestamp(action: str, payload: Mapping[str, Any]) -> datetime | None:
    """When a transaction-related message was generated, by its own timestamp (None: not one)."""
    if action in ("StartTransaction", "StopTransaction"):
        return parse_timestamp(payload.get("timestamp"))
    if action == "MeterValues" and payload.get("transactionId") is not None:
        stamps = [parse_timestamp(v.get("timestamp")) for v in payload.get("meterValue", []) if isinstance(v, Mapping)]
        stamps = [s for s in stamps if s is not None]
        return max(stamps) if stamps else None
    return None


def energy_readings_wh(meter_values: Iterable[Any]) -> list[float]:
    """The energy register readings (Wh) among sampled values: measurand Energy.Active.Import.Register (the
    default measurand), no phase, unit Wh (the default) or kWh."""
    readings = []
    for meter_value in meter_values:
        if not isinstance(meter_value, Mapping):
            continue
        for sampled in meter_value.get("sampledValue", []):
            if not isinstance(sampled, Mapping) or sampled.get("phase"):
                continue
            if sampled.get("measurand", ENERGY_REGISTER) != ENERGY_REGISTER:
                continue
            scale = {"Wh": 1.0, "kWh": 1000.0}.get(sampled.get("unit", "Wh"))
            try:
                value = float(sampled.get("value"))
            except (TypeError, ValueError):
                continue
            if scale is not None:
                readings.append(value * scale)
    return readings


def get_configuration_finding(requested: list[str], payload: Mapping[str, Any]) -> str | None:
    """Rule 7: the keys returned for a GetConfiguration with a key list (None when they are right)."""
    asked = {key.lower() for key in requested}
    known = [e.get("key", "") for e in payload.get("configurationKey", []) if isinstance(e, Mapping)]
    unknown = [k for k in payload.get("unknownKey", []) if isinstance(k, str)]
    returned = known + unknown
    extra = [k for k in returned if k.lower() not in asked]
    missing = [k for k in requested if k.lower() not in {r.lower() for r in returned}]
    if not extra and not missing:
        return None
    parts = []
    if missing:
        parts.append(f"returned {', '.join(missing)} neither in configurationKey nor in unknownKey")
    if extra:
        parts.append(f"returned keys that were not asked for: {', '.join(extra)}")
    return (f"GetConfiguration for {', '.join(requested)} {' and '.join(parts)} (it returned: "
            f"{', '.join(returned) or 'nothing'}); OCPP 1.6 GetConfiguration.conf holds the requested keys only, "
            "each known one in configurationKey and each unknown one in unknownKey")


@dataclass
class _Register:
    """The highest reading of a transaction's energy register so far, and its meterStart."""

    wh: float
    what: str
    start_wh: float
    start_what: str


class Evidence:
    """The rules above for one charge point; the Station feeds it and acts on its findings."""

    def __init__(self, clock_skew_tolerance_s: float = 60.0) -> None:
        self.clock_skew_tolerance_s = clock_skew_tolerance_s
        self.policing = False
        self.origin_ns = 0
        self.case_start_utc: datetime | None = None
        self.causes: list[Cause] = []
        self._fulfilled = 0            # causes before this index have had an expectation fulfilled after them
        self.reboot_licences = 0
        self.link_licensed = False
        self.boot_state: str | None = None
        self.boot_unanswered_since: int | None = None
        self.triggered: set[str] = set()
        self._last_transaction: tuple[datetime, str] | None = None
        self._registers: dict[int, _Register] = {}

    # ----------------------------------------------------------------- the case window

    def begin_case(self, t_ns: int, utc: datetime, origin_ns: int | None = None) -> None:
        """The case proper begins (after its baseline): rules 2 to 6 apply from here."""
        self.policing = True
        self.origin_ns = t_ns if origin_ns is None else origin_ns
        self.case_start_utc = utc
        self.causes = [Cause("the start of the case", t_ns)]
        self._fulfilled = 1            # the start itself is no action whose effect is awaited
        self.reboot_licences = 0
        self.link_licensed = False

    def end_case(self) -> None:
        self.policing = False

    def offset(self, t_ns: int) -> str:
        return f"+{(t_ns - self.origin_ns) / 1e9:.3f} s"

    # ----------------------------------------------------------------- causes

    def cause(self, description: str, t_ns: int, disrupts: Disruption | None = None) -> Cause:
        """Record a cause; a disruptive one licenses a reboot or a loss of the connection."""
        cause = Cause(description, t_ns)
        self.causes.append(cause)
        if disrupts == "reboot":
            self.reboot_licences += 1
        elif disrupts == "link":
            self.link_licensed = True
        return cause

    @property
    def latest_cause(self) -> Cause:
        return self.causes[-1] if self.causes else Cause("the start of the case", 0)

    @property
    def pending_cause(self) -> Cause:
        """The cause an expectation follows by default: the first one since the last fulfilled expectation,
        else the latest."""
        if self._fulfilled < len(self.causes):
            return self.causes[self._fulfilled]
        return self.latest_cause

    def fulfilled(self) -> None:
        """An expectation was met: the causes so far have had their effect."""
        self._fulfilled = len(self.causes)

    @staticmethod
    def disruption_of_call(action: str, payload: Mapping[str, Any]) -> Disruption | None:
        """Which CALLs of the Central System may make the charge point reboot or reconnect."""
        if action in ("Reset", "UpdateFirmware", "SignedUpdateFirmware"):
            return "reboot"
        if action in ("TriggerMessage", "ExtendedTriggerMessage") and payload.get("requestedMessage") == "BootNotification":
            return "reboot"
        if action == "ChangeConfiguration" and payload.get("key") in ("AuthorizationKey", "SecurityProfile"):
            return "link"
        if action == "CertificateSigned":
            return "link"
        return None

    # ----------------------------------------------------------------- boot and connection

    def boot_received(self, t_ns: int) -> str | None:
        """Rule 2 for a BootNotification; it also opens the window of rule 6 until it is answered."""
        self.boot_unanswered_since = t_ns
        if self.policing and self.reboot_licences == 0:
            return (f"the charge point rebooted (BootNotification at {self.offset(t_ns)}), which the case did not "
                    f"ask for")
        return None

    def boot_answered(self, status: str) -> None:
        self.boot_unanswered_since = None
        self.boot_state = status
        if status == "Accepted":
            self.triggered.clear()
            self._last_transaction = None
            if self.reboot_licences:
                self.reboot_licences -= 1

    def connection_lost(self, t_ns: int) -> str | None:
        """Rule 2 for a closed connection."""
        if self.policing and not self.reboot_licences and not self.link_licensed:
            return f"the connection closed at {self.offset(t_ns)}, which the case did not ask for"
        return None

    def trigger_accepted(self, requested_message: str) -> None:
        self.triggered.add(requested_message)

    # ----------------------------------------------------------------- requests of the charge point

    def request_received(self, action: str, payload: Mapping[str, Any], t_ns: int) -> list[str]:
        """Rules 4 to 6 for a CALL of the charge point other than BootNotification."""
        findings = []
        boot = self._boot_state_finding(action, t_ns)
        if boot:
            findings.append(boot)
        order = self._order_finding(action, payload, t_ns)
        if order:
            findings.append(order)
        if action in ("MeterValues", "StopTransaction") and payload.get("transactionId") is not None:
            findings.extend(self._register_findings(action, payload, t_ns))
        return findings if self.policing else []

    def _boot_state_finding(self, action: str, t_ns: int) -> str | None:
        at = f"{action} at {self.offset(t_ns)}"
        if self.boot_unanswered_since is not None:
            return (f"{at} was sent before the answer to its BootNotification (received at "
                    f"{self.offset(self.boot_unanswered_since)}, not yet answered); OCPP 1.6 §4.2: the charge point "
                    "sends no request before its boot is accepted")
        if self.boot_state == "Rejected":
            return (f"{at} was sent while its boot was Rejected; OCPP 1.6 §4.2: while Rejected the charge point "
                    "sends no request but BootNotification")
        if self.boot_state == "Pending":
            if action in self.triggered:
                self.triggered.discard(action)
                return None
            return (f"{at} was sent while its boot was Pending, and no TriggerMessage asked for it; OCPP 1.6 §4.2: "
                    "while Pending the charge point sends no request unless the Central System triggers it")
        return None

    def late_delivery(self, action: str, payload: Mapping[str, Any]) -> str | None:
        """Rule 3: why a transaction-related frame is no evidence of this case (None: it may be)."""
        stamp = transaction_timestamp(action, payload)
        if not self.policing or stamp is None or self.case_start_utc is None:
            return None
        before = (self.case_start_utc - stamp).total_seconds()
        if before <= self.clock_skew_tolerance_s:
            return None
        return (f"its timestamp {stamp.isoformat().replace('+00:00', 'Z')} is {before:.0f} s before this case "
                f"began (clock-skew tolerance {self.clock_skew_tolerance_s:g} s, PICS "
                "test_setup.clock_skew_tolerance): a late delivery of an earlier message, or a charge point clock "
                "that is not set")

    def _order_finding(self, action: str, payload: Mapping[str, Any], t_ns: int) -> str | None:
        stamp = transaction_timestamp(action, payload)
        if stamp is None:
            return None
        last = self._last_transaction
        if last is None or stamp >= last[0]:
            self._last_transaction = (stamp, action)
            return None
        if (last[0] - stamp).total_seconds() <= ORDER_SLACK_S:
            return None
        return (f"transaction messages out of order: {action} at {self.offset(t_ns)} carries timestamp "
                f"{_iso(stamp)}, older than the {last[1]} delivered before it ({_iso(last[0])}); OCPP 1.6 asks "
                "for transaction-related messages to be delivered in the order they were generated")

    # ----------------------------------------------------------------- energy register

    def transaction_started(self, transaction_id: int, meter_start: Any) -> None:
        try:
            wh, what = float(meter_start), f"meterStart {meter_start} Wh"
            self._registers[transaction_id] = _Register(wh, what, wh, what)
        except (TypeError, ValueError):
            pass

    def _register_findings(self, action: str, payload: Mapping[str, Any], t_ns: int) -> list[str]:
        transaction = payload.get("transactionId")
        register = self._registers.get(transaction) if isinstance(transaction, int) else None
        if register is None:
            return []
        at = f"{action} at {self.offset(t_ns)}"
        findings = []
        if action == "MeterValues":
            readings = [(wh, f"{ENERGY_REGISTER} {wh:g} Wh in {at}")
                        for wh in energy_readings_wh(payload.get("meterValue", []))]
        else:
            start = _Register(register.start_wh, register.start_what, register.start_wh, register.start_what)
            history = energy_readings_wh(payload.get("transactionData", []))
            findings.extend(self._went_down(transaction, wh, f"{ENERGY_REGISTER} {wh:g} Wh in the transactionData "
                                            f"of {at}", start) for wh in history)
            readings = [(float(payload["meterStop"]), f"meterStop {payload['meterStop']} Wh in {at}")] \
                if isinstance(payload.get("meterStop"), (int, float)) else []
        for wh, what in readings:
            findings.append(self._went_down(transaction, wh, what, register))
            if wh > register.wh:
                register.wh, register.what = wh, what
        if action == "StopTransaction":
            self._registers.pop(transaction, None)
        return [f for f in findings if f]

    @staticmethod
    def _went_down(transaction: int, wh: float, what: str, register: _Register) -> str | None:
        if wh >= register.wh - ENERGY_SLACK_WH:
            return None
        return (f"the energy register went down within transaction {transaction}: {what}, after "
                f"{register.what}; the register is cumulative and never decreases during a transaction")


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
