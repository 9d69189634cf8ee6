"""Synthetic run directories: a writer of the run-directory format and a demo run built with it.

`RunWriter` and `TraceBuilder` write exactly the files of docs/contracts.md §1–§3 with timestamps the caller
controls; the report's tests build their runs with them. `python -m harness.report.demo OUT_DIR [PICS]`
writes the demo run and renders its report (the screenshot in docs/report.md comes from it).
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

SEED_PICS = Path(__file__).resolve().parents[2] / "pics" / "bsec-22k-a2-ccs2-400s.yaml"
T0_NS = 7_000_000_000_000
UTC0 = datetime(2026, 11, 24, 12, 0, 0, tzinfo=timezone.utc)


def utc_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class TraceBuilder:
    """The records of one trace. Each method takes the record's time as `at_ms` or `at_ns` (since the start
    of the case); without either, the record comes 1 ms after the previous one."""

    def __init__(self, t0_ns: int = T0_NS, utc0: datetime = UTC0):
        self.t0_ns, self.utc0 = t0_ns, utc0
        self.records: list[dict] = []
        self._last_ns = 0
        self._actions: dict[str, str] = {}
        self._uids = itertools.count(1)

    def _add(self, kind: str, at_ms: float | None, at_ns: int | None, **fields) -> dict:
        offset = at_ns if at_ns is not None else (round(at_ms * 1_000_000) if at_ms is not None
                                                  else self._last_ns + 1_000_000)
        self._last_ns = offset
        record = {"seq": len(self.records), "t_ns": self.t0_ns + offset,
                  "utc": utc_text(self.utc0 + timedelta(microseconds=offset // 1000)), "type": kind, **fields}
        self.records.append(record)
        return record

    def _frame(self, direction, message_type, uid, action, payload, at_ms, at_ns, findings=(), raw=None,
               **extra) -> dict:
        if raw is None:
            body = {"CALL": [2, uid, action, payload], "CALLRESULT": [3, uid, payload]}.get(message_type)
            if message_type == "CALLERROR":
                body = [4, uid, extra.get("error_code"), extra.pop("error_description", ""), payload or {}]
            raw = json.dumps(body, separators=(",", ":"))
        return self._add("frame", at_ms, at_ns, direction=direction, raw=raw, message_type=message_type,
                         unique_id=uid, action=action, payload=payload, findings=list(findings), **extra)

    def _call(self, direction, action, payload, at_ms, at_ns, uid, findings) -> str:
        uid = uid or f"{direction[:2]}-{next(self._uids)}"
        self._actions[uid] = action
        self._frame(direction, "CALL", uid, action, payload, at_ms, at_ns, findings)
        return uid

    def cs_call(self, action, payload=None, *, at_ms=None, at_ns=None, uid=None, findings=()) -> str:
        """The harness sends a CALL; returns its unique id."""
        return self._call("cs->cp", action, payload or {}, at_ms, at_ns, uid, findings)

    def cp_call(self, action, payload=None, *, at_ms=None, at_ns=None, uid=None, findings=()) -> str:
        """The charge point sends a CALL; returns its unique id."""
        return self._call("cp->cs", action, payload or {}, at_ms, at_ns, uid, findings)

    def cp_result(self, uid, payload=None, *, at_ms=None, at_ns=None, findings=()) -> dict:
        """The charge point answers the harness's CALL `uid`."""
        return self._frame("cp->cs", "CALLRESULT", uid, self._actions.get(uid), payload or {}, at_ms, at_ns, findings)

    def cs_result(self, uid, payload=None, *, at_ms=None, at_ns=None) -> dict:
        return self._frame("cs->cp", "CALLRESULT", uid, self._actions.get(uid), payload or {}, at_ms, at_ns)

    def cp_error(self, uid, error_code, description="", *, at_ms=None, at_ns=None, findings=()) -> dict:
        return self._frame("cp->cs", "CALLERROR", uid, self._actions.get(uid), {}, at_ms, at_ns, findings,
                           error_code=error_code, error_description=description)

    def cp_raw(self, raw, *, at_ms=None, at_ns=None, findings=()) -> dict:
        """An unparsable frame from the charge point."""
        return self._frame("cp->cs", None, None, None, None, at_ms, at_ns, findings, raw=raw)

    def dut(self, action, args=None, outcome="done", answer=None, *, at_ms=None, at_ns=None) -> dict:
        fields = {"action": action, "args": args or {}, "outcome": outcome}
        if answer is not None:
            fields["answer"] = answer
        return self._add("dut", at_ms, at_ns, **fields)

    def connection(self, event, detail=None, *, at_ms=None, at_ns=None) -> dict:
        return self._add("connection", at_ms, at_ns, event=event, detail=detail or {})

    def step(self, text, *, at_ms=None, at_ns=None) -> dict:
        return self._add("step", at_ms, at_ns, text=text)

    def finding(self, text, severity="error", *, at_ms=None, at_ns=None) -> dict:
        return self._add("finding", at_ms, at_ns, text=text, severity=severity)

    def verdict(self, verdict, reason="", *, at_ms=None, at_ns=None) -> dict:
        return self._add("verdict", at_ms, at_ns, verdict=verdict, reason=reason)

    @property
    def duration_s(self) -> float:
        return self._last_ns / 1e9


def redacted_pics(pics: dict) -> dict:
    """The PICS as a run directory holds it: secrets replaced by "***"."""
    pics = copy.deepcopy(pics)
    setup = pics.get("test_setup")
    if isinstance(setup, dict) and "basic_auth_password" in setup:
        setup["basic_auth_password"] = "***"
    return pics


class RunWriter:
    """Writes a run directory the way a session does: run.json first (ended_utc null), pics.yaml, a trace and a
    results line per case, run.json again at `finish()`."""

    def __init__(self, run_dir: Path, pics: dict, *, run_id: str = "20261124-120000-a1b2c3",
                 tool_version: str = "0.1.0", redact: bool = True, pics_path: str = "pics/bsec-22k-a2-ccs2-400s.yaml"):
        self.run_dir = Path(run_dir)
        (self.run_dir / "traces").mkdir(parents=True, exist_ok=True)
        self.pics = redacted_pics(pics) if redact else copy.deepcopy(pics)
        pics_text = yaml.safe_dump(self.pics, sort_keys=False, allow_unicode=True)
        (self.run_dir / "pics.yaml").write_text(pics_text, encoding="utf-8")
        setup = pics.get("test_setup") or {}
        certificate = pics.get("certificate") or {}
        self.run = {
            "run_id": run_id, "started_utc": utc_text(UTC0), "ended_utc": None, "tool_version": tool_version,
            "pics_path": pics_path, "pics_sha256": hashlib.sha256(yaml.safe_dump(pics).encode()).hexdigest(),
            "config_id": certificate.get("config_id"), "dut_adapter": "sim",
            "security_profile": setup.get("security_profile", 1),
            "tolerate_date_time_without_offset": bool(setup.get("tolerate_date_time_without_offset", False)),
            "command": ["ocpp-harness", "run", "--pics", pics_path, "--dut", "sim"],
        }
        self._write_run()
        self._elapsed_s = 0.0

    def _write_run(self) -> None:
        (self.run_dir / "run.json").write_text(json.dumps(self.run, indent=2), encoding="utf-8")

    def case(self, case_id: str, title: str, block: str, profile: str, verdict: str, reason: str = "",
             trace: TraceBuilder | None = None, features=(), duration_s: float | None = None) -> dict:
        rel = None
        if trace is not None:
            rel = f"traces/{case_id}.jsonl"
            (self.run_dir / rel).write_text("".join(json.dumps(r) + "\n" for r in trace.records), encoding="utf-8")
        if duration_s is None:
            duration_s = trace.duration_s if trace is not None else 0.0
        result = {"id": case_id, "title": title, "block": block, "profile": profile, "verdict": verdict,
                  "reason": reason, "started_utc": utc_text(UTC0 + timedelta(seconds=self._elapsed_s)),
                  "duration_s": round(duration_s, 3), "trace": rel, "features": list(features)}
        self._elapsed_s += duration_s + 0.5
        with (self.run_dir / "results.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(result, ensure_ascii=False) + "\n")
        return result

    def unfinished(self, case_id: str, trace: TraceBuilder) -> None:
        """A case cut off by an interruption: its trace, and no result."""
        (self.run_dir / "traces" / f"{case_id}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in trace.records), encoding="utf-8")

    def finish(self) -> None:
        self.run["ended_utc"] = utc_text(UTC0 + timedelta(seconds=self._elapsed_s))
        self._write_run()


# ------------------------------------------------------------------------------------------ the demo run

def _boot(t: TraceBuilder, pics: dict, at_ms: float = 0) -> None:
    product = pics.get("product", {})
    t.connection("open", {"path": "/BSEC22K-0001", "subprotocol": "ocpp1.6"}, at_ms=at_ms)
    uid = t.cp_call("BootNotification", {"chargePointVendor": product.get("charge_point_vendor", "BLUESKY")[:20],
                                         "chargePointModel": product.get("charge_point_model", "")[:20],
                                         "firmwareVersion": product.get("firmware_version", ""),
                                         "chargePointSerialNumber": "BS2240117"}, at_ms=at_ms + 40)
    t.cs_result(uid, {"status": "Accepted", "currentTime": "2026-11-24T12:00:00.100Z", "interval": 2},
                at_ms=at_ms + 42)
    for connector in (0, 1, 2):
        sn = t.cp_call("StatusNotification", {"connectorId": connector, "errorCode": "NoError",
                                              "status": "Available"}, at_ms=at_ms + 120 + connector * 15)
        t.cs_result(sn, {}, at_ms=at_ms + 122 + connector * 15)


def _meter_values(t, at_ms, context="Sample.Periodic", transaction_id=None, measurands=None):
    values = [{"value": v, "measurand": m, "context": context, "unit": u} for m, v, u in measurands or (
        ("Energy.Active.Import.Register", "1520", "Wh"), ("Power.Active.Import", "10980", "W"),
        ("Current.Import", "15.9", "A"), ("Voltage", "230.1", "V"), ("Temperature", "31", "Celsius"),
        ("Power.Offered", "22000", "W"), ("SoC", "48", "Percent"))]
    payload = {"connectorId": 1, "meterValue": [{"timestamp": "2026-11-24T12:00:10.000Z", "sampledValue": values}]}
    if transaction_id is not None:
        payload["transactionId"] = transaction_id
    uid = t.cp_call("MeterValues", payload, at_ms=at_ms)
    t.cs_result(uid, {}, at_ms=at_ms + 2)


def _charging(t: TraceBuilder, start_ms: float, tx: int, remote: bool) -> float:
    """Plug in, start (remotely or with a card) and reach Charging; returns the time reached."""
    t.step("step 1: plug in the cable", at_ms=start_ms)
    t.dut("plug_in", {"connector": 1, "side": "both"}, at_ms=start_ms + 5)
    sn = t.cp_call("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Preparing"},
                   at_ms=start_ms + 310)
    t.cs_result(sn, {}, at_ms=start_ms + 312)
    if remote:
        t.step("step 2: RemoteStartTransaction", at_ms=start_ms + 400)
        rs = t.cs_call("RemoteStartTransaction", {"connectorId": 1, "idTag": "OCTT-VALID-1"}, at_ms=start_ms + 401)
        t.cp_result(rs, {"status": "Accepted"}, at_ms=start_ms + 650)
    else:
        t.step("step 2: present a valid idTag", at_ms=start_ms + 400)
        t.dut("present_id_tag", {"id_tag": "OCTT-VALID-1", "connector": 1}, at_ms=start_ms + 401)
    au = t.cp_call("Authorize", {"idTag": "OCTT-VALID-1"}, at_ms=start_ms + 900)
    t.cs_result(au, {"idTagInfo": {"status": "Accepted"}}, at_ms=start_ms + 902)
    st = t.cp_call("StartTransaction", {"connectorId": 1, "idTag": "OCTT-VALID-1", "meterStart": 1200,
                                        "timestamp": "2026-11-24T12:00:02.100Z"}, at_ms=start_ms + 2241)
    t.cs_result(st, {"transactionId": tx, "idTagInfo": {"status": "Accepted"}}, at_ms=start_ms + 2243)
    sn = t.cp_call("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Charging"},
                   at_ms=start_ms + 2400)
    t.cs_result(sn, {}, at_ms=start_ms + 2402)
    return start_ms + 2402


def _stop_remote(t: TraceBuilder, at_ms: float, tx: int) -> float:
    t.step("step 4: RemoteStopTransaction", at_ms=at_ms)
    rs = t.cs_call("RemoteStopTransaction", {"transactionId": tx}, at_ms=at_ms + 1)
    t.cp_result(rs, {"status": "Accepted"}, at_ms=at_ms + 231)
    sn = t.cp_call("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Finishing"},
                   at_ms=at_ms + 941)
    t.cs_result(sn, {}, at_ms=at_ms + 943)
    sp = t.cp_call("StopTransaction", {"transactionId": tx, "meterStop": 1620, "reason": "Remote",
                                       "timestamp": "2026-11-24T12:00:12.000Z", "transactionData": [
                                           {"timestamp": "2026-11-24T12:00:12.000Z", "sampledValue": [
                                               {"value": "1620", "context": "Transaction.End"}]}]},
                   at_ms=at_ms + 1661)
    t.cs_result(sp, {"idTagInfo": {"status": "Accepted"}}, at_ms=at_ms + 1663)
    return at_ms + 1663


def write_demo_run(run_dir: Path, pics_path: Path = SEED_PICS) -> Path:
    """A finished run over the seed PICS with every kind of verdict, KPI samples and a finding or two."""
    pics = yaml.safe_load(Path(pics_path).read_text(encoding="utf-8"))
    w = RunWriter(run_dir, pics)

    t = TraceBuilder()
    _boot(t, pics)
    t.verdict("passed", at_ms=200)
    w.case("TC_001_CS", "Cold Boot Charge Point", "core", "Core", "passed", trace=t)

    t = TraceBuilder()
    now = _charging(t, 0, 101, remote=False)
    _meter_values(t, now + 2000, transaction_id=101)
    t.step("step 3: the driver presents the idTag again", at_ms=now + 4000)
    t.dut("present_id_tag", {"id_tag": "OCTT-VALID-1", "connector": 1}, at_ms=now + 4001)
    sp = t.cp_call("StopTransaction", {"transactionId": 101, "idTag": "OCTT-VALID-1", "meterStop": 1580,
                                       "reason": "Local", "timestamp": "2026-11-24T12:00:08.000Z"}, at_ms=now + 4400)
    t.cs_result(sp, {"idTagInfo": {"status": "Accepted"}}, at_ms=now + 4402)
    t.verdict("passed", at_ms=now + 4500)
    w.case("TC_003_CS", "Regular Charging Session – Plugin First", "core", "Core", "passed", trace=t,
           features=["C-07", "C-08"])

    t = TraceBuilder()
    now = _charging(t, 0, 102, remote=True)
    now = _stop_remote(t, now + 1000, 102)
    t.verdict("passed", at_ms=now + 100)
    w.case("TC_010_CS", "Remote Start Charging Session – Cable Plugged in First", "core", "Core", "passed",
           trace=t)

    t = TraceBuilder()
    now = _charging(t, 0, 103, remote=True)
    now = _stop_remote(t, now + 500, 103)
    t.verdict("passed", at_ms=now + 100)
    w.case("TC_012_CS", "Remote Stop Charging Session", "core", "Core", "passed", trace=t)

    t = TraceBuilder()
    t.step("step 1: UnlockConnector", at_ms=0)
    u = t.cs_call("UnlockConnector", {"connectorId": 1}, at_ms=1)
    t.cp_result(u, {"status": "NotSupported"}, at_ms=290)
    t.verdict("passed", at_ms=300)
    w.case("TC_017_2_CS", "Unlock connector – no charging session running (Fixed cable)", "core", "Core",
           "passed", trace=t)

    t = TraceBuilder()
    t.step("step 1: GetConfiguration()", at_ms=0)
    g = t.cs_call("GetConfiguration", {}, at_ms=1)
    t.cp_result(g, {"configurationKey": [
        {"key": "HeartbeatInterval", "readonly": False, "value": "2"},
        {"key": "AuthorizationKey", "readonly": False, "value": "***"},
        {"key": "SupportedFeatureProfiles", "readonly": True,
         "value": "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger"}],
        "unknownKey": []}, at_ms=1171)
    t.verdict("passed", at_ms=1200)
    w.case("TC_019_CS", "Retrieve configuration", "core", "Core", "passed", trace=t)

    t = TraceBuilder()
    t.step("step 1: ChangeConfiguration ClockAlignedDataInterval=3", at_ms=0)
    c = t.cs_call("ChangeConfiguration", {"key": "ClockAlignedDataInterval", "value": "3"}, at_ms=1)
    t.cp_result(c, {"status": "Accepted"}, at_ms=240)
    _meter_values(t, 3010, context="Sample.Clock", measurands=(
        ("Energy.Active.Import.Register", "1520", "Wh"), ("Voltage", "230.4", "V"), ("Current.Import", "0", "A"),
        ("Power.Active.Import", "0", "W"), ("Temperature", "30", "Celsius"), ("Power.Offered", "22000", "W")))
    bad = t.cp_call("MeterValues", {"connectorId": 1, "meterValue": [
        {"timestamp": "2026-11-24 12:00:06", "sampledValue": [{"value": "1520", "context": "Sample.Clock"}]}]},
        at_ms=6012, findings=["$.meterValue[0].timestamp: '2026-11-24 12:00:06' is not a 'date-time'"])
    t.cs_result(bad, {}, at_ms=6014)
    t.finding("step 3: the clock-aligned value is not aligned to the interval: expected 12:00:06.000Z")
    t.verdict("failed", "step 3: expected MeterValues.meterValue[0].timestamp as date-time; received "
                        "'2026-11-24 12:00:06' at +6.012 s", at_ms=6100)
    w.case("TC_071_CS", "Clock-aligned Meter Values", "core", "Core", "failed",
           "step 3: expected MeterValues.meterValue[0].timestamp as date-time; received '2026-11-24 12:00:06' "
           "at +6.012 s", trace=t)

    t = TraceBuilder()
    t.step("step 1: raise a GroundFailure on connector 1", at_ms=0)
    t.dut("fault", {"connector": 1, "error_code": "GroundFailure"}, outcome="unsupported", at_ms=2)
    t.verdict("inconclusive", "the DUT adapter cannot raise a fault", at_ms=3)
    w.case("TC_041_CS", "Fault Behavior", "core", "Core", "inconclusive", "the DUT adapter cannot raise a fault",
           trace=t)

    for case_id, title, reason in (
            ("TC_005_1_CS", "EV Side Disconnected – StopTransactionOnEVSideDisconnect=true – "
                            "UnlockConnectorOnEVSideDisconnect=true", "HFS-1 = No: the charger has no detachable cable"),
            ("TC_017_1_CS", "Unlock connector – no charging session running (Not fixed cable)",
             "HFS-1 = No: the charger has no detachable cable"),
            ("TC_024_CS", "Start Charging Session – Lock Failure", "AQ-9 = No: no mechanized lock on the CP side")):
        w.case(case_id, title, "core", "Core", "not_applicable", reason)

    t = TraceBuilder()
    t.step("step 1: SendLocalList Full, version 1", at_ms=0)
    s = t.cs_call("SendLocalList", {"listVersion": 1, "updateType": "Full",
                                    "localAuthorizationList": [{"idTag": "OCTT-VALID-1",
                                                                "idTagInfo": {"status": "Accepted"}}]}, at_ms=1)
    t.cp_result(s, {"status": "Accepted"}, at_ms=312)
    v = t.cs_call("GetLocalListVersion", {}, at_ms=320)
    t.cp_result(v, {"listVersion": 1}, at_ms=560)
    t.verdict("passed", at_ms=600)
    w.case("TC_043_CS", "Send Local Authorization List", "local_auth_list", "Local Auth List Management",
           "passed", trace=t, features=["LA-0"])

    t = TraceBuilder()
    t.step("step 1: ReserveNow on connector 0", at_ms=0)
    r = t.cs_call("ReserveNow", {"connectorId": 0, "expiryDate": "2026-11-24T13:00:00.000Z",
                                 "idTag": "OCTT-VALID-1", "reservationId": 7}, at_ms=1)
    t.cp_result(r, {"status": "Accepted"}, at_ms=402)
    t.verdict("passed", at_ms=500)
    w.case("TC_049_CS", "Reservation of a Charge Point – Transaction", "reservation", "Reservation", "passed",
           trace=t, features=["R-0", "R-1"])

    t = TraceBuilder()
    for i, (message, connector) in enumerate((("BootNotification", None), ("Heartbeat", None),
                                              ("StatusNotification", 1), ("MeterValues", 1))):
        base = i * 1500
        t.step(f"step {i + 1}: TriggerMessage {message}", at_ms=base)
        payload = {"requestedMessage": message} | ({"connectorId": connector} if connector else {})
        tm = t.cs_call("TriggerMessage", payload, at_ms=base + 1)
        t.cp_result(tm, {"status": "Accepted"}, at_ms=base + 231)
        answer = {"BootNotification": {"status": "Accepted", "currentTime": "2026-11-24T12:00:00.000Z",
                                       "interval": 2}, "Heartbeat": {"currentTime": "2026-11-24T12:00:00.000Z"}}
        req_payload = {"StatusNotification": {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
                       "MeterValues": {"connectorId": 1, "meterValue": [{"timestamp": "2026-11-24T12:00:05.000Z",
                                       "sampledValue": [{"value": "1520", "context": "Trigger"}]}]},
                       "BootNotification": {"chargePointVendor": "BLUESKY", "chargePointModel":
                                            "BSEC-22K(A)2(CCS2)", "firmwareVersion": "9b|Inx1.6-t07"}}
        req = t.cp_call(message, req_payload.get(message, {}), at_ms=base + 300 + i * 230)
        t.cs_result(req, answer.get(message, {}), at_ms=base + 302 + i * 230)
    t.verdict("passed", at_ms=6500)
    w.case("TC_054_CS", "Trigger Message", "remote_trigger", "Remote Trigger", "passed", trace=t,
           features=["RT-0"])

    t = TraceBuilder()
    t.step("step 1: SetChargingProfile TxDefaultProfile (A)", at_ms=0)
    sp = t.cs_call("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": {
        "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": {
            "chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}]}}}, at_ms=1)
    t.cp_result(sp, {"status": "Accepted"}, at_ms=305)
    t.verdict("passed", at_ms=400)
    w.case("TC_056_CS", "Central Smart Charging – TxDefaultProfile", "smart_charging", "Smart Charging", "passed",
           trace=t, features=["SC-1.1"])

    t = TraceBuilder()
    t.step("step 1: GetCompositeSchedule duration 300 s", at_ms=0)
    gc = t.cs_call("GetCompositeSchedule", {"connectorId": 1, "duration": 300, "chargingRateUnit": "W"}, at_ms=1)
    t.cp_result(gc, {"status": "Accepted", "connectorId": 1, "scheduleStart": "2026-11-24T12:00:00.000Z",
                     "chargingSchedule": {"duration": 300, "chargingRateUnit": "W",
                                          "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.0}]}},
                at_ms=421)
    t.verdict("passed", at_ms=500)
    w.case("TC_066_CS", "Get Composite Schedule", "smart_charging", "Smart Charging", "passed", trace=t,
           features=["SC-1.2"])

    t = TraceBuilder()
    t.step("step 1: ChangeConfiguration AuthorizationKey", at_ms=0)
    ck = t.cs_call("ChangeConfiguration", {"key": "AuthorizationKey", "value": "***"}, at_ms=1)
    t.cp_result(ck, {"status": "Accepted"}, at_ms=260)
    t.connection("close", {"code": 1000}, at_ms=400)
    t.connection("open", {"path": "/BSEC22K-0001", "subprotocol": "ocpp1.6",
                          "authorization": "Basic ***"}, at_ms=2400)
    t.verdict("passed", at_ms=2500)
    w.case("TC_073_CS", "Update Charge Point Password for HTTP Basic Authentication", "security", "Core",
           "passed", trace=t, features=["C-11"])

    t = TraceBuilder()
    t.step("step 1: ExtendedTriggerMessage SignChargePointCertificate", at_ms=0)
    et = t.cs_call("ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"}, at_ms=1)
    t.cp_result(et, {"status": "Accepted"}, at_ms=250)
    sc = t.cp_call("SignCertificate", {"csr": "-----BEGIN CERTIFICATE REQUEST-----\nMIIB…"}, at_ms=980)
    t.cs_result(sc, {"status": "Accepted"}, at_ms=982)
    t.verdict("passed", at_ms=1000)
    w.case("TC_074_CS", "Update Charge Point Certificate by request of Central System", "security",
           "Advanced Security", "passed", trace=t)
    w.case("TC_087_CS", "TLS – Client-side certificate – valid certificate", "security", "Advanced Security",
           "not_applicable", "security_profile = 1 in test_setup: this run does not use TLS")
    w.finish()
    return Path(run_dir)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print("usage: python -m harness.report.demo OUT_DIR [PICS]", file=sys.stderr)
        return 2
    from harness.report import write_report
    run_dir = write_demo_run(Path(argv[0]), Path(argv[1]) if len(argv) > 1 else SEED_PICS)
    paths = write_report(run_dir)
    print(paths.html)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
