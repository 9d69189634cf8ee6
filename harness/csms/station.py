"""One charge point as the mock Central System sees it: the object a test case talks to.

A ``Station`` outlives connections: the charge point may reboot, lose its network or be dropped by the
harness, and the station keeps its inbox, its known connector statuses and its open transactions.

Rules:

- Every inbound frame is stamped (``time.monotonic_ns()``) the moment it is read, parsed and validated by the
  sans-I/O layer (:mod:`harness.ocpp`), traced, and only then acted on.
- A CALL from the charge point is answered at once: by a per-case override if one is set, else by the
  default replies. A malformed CALL gets the CALLERROR the OCPP-J rules prescribe, and its finding stays in
  the trace (the case fails on it).
- Misbehaviour on the wire (issue 12): a message that is not OCPP-J (not JSON, not a frame, a binary frame, a
  CALLRESULT or CALLERROR that answers no pending CALL, a reused UniqueId) is a decisive finding that quotes
  it; it is answered only when it is a CALL whose UniqueId can be read (a CALLRESULT/CALLERROR never is, an
  unknown MessageTypeId is ignored, OCPP-J 1.6 §4.1.3). A CALL refused with a CALLERROR is no evidence: no
  expectation matches it. A lost connection says when, and who closed it with which close code. Connections
  of one chargePointId take over from each other one at a time, in the order they arrived.
- ``call()`` correlates by unique id, never by content. A CALLERROR, a response that breaks the schema, or
  silence beyond the timeout fails the step, unless the test says it expects an error.
- ``expect()`` looks at the case's inbox from a cursor on: a message that arrived before the wait began is
  seen, if it came after the wait's cause (:mod:`harness.csms.evidence`, rule 1); a match moves the cursor
  past it, so successive expects check order. ``expect_all()`` matches a group in any order. Every wait has
  a deadline on the monotonic clock, which counts down across retries.
- The evidence rules (:mod:`harness.csms.evidence`) judge every frame; a finding is decisive: the wait in
  progress, or the next one, fails the step at once with it, and the case fails even if no wait follows.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from harness.csms.evidence import (
    READ_ONLY_ACTIONS,
    TRANSACTION_ACTIONS,
    Cause,
    Disruption,
    Evidence,
    get_configuration_finding,
)
from harness.csms.matching import MessageSpec, summarize
from harness.csms.replies import CallErrorReply, DefaultReplies, NoReply, ReplyDecision
from harness.csms.trace import Trace
from harness.ocpp.connector_status import ConnectorStatusChecker
from harness.ocpp import (
    Call,
    CallError,
    CallResult,
    FramingFinding,
    PayloadValidator,
    new_unique_id,
    parse_frame,
    parse_frame_bytes,
    sent_by_charge_point,
    is_known,
    serialize,
)
from harness.verdicts import Failed, HarnessError

ReplyFactory = Callable[[dict[str, Any]], ReplyDecision]


@dataclass(frozen=True)
class Received:
    """A CALL the charge point sent, as the test sees it."""

    action: str
    payload: dict[str, Any]
    unique_id: str
    t_ns: int
    seq: int
    findings: tuple[str, ...] = ()
    reply: Any = None
    #: why this frame is no evidence of the case (evidence rule 3, or a CALL refused with a CALLERROR), or None
    late: str | None = None
    #: when the Central System's answer went out (a BootNotification's may be delayed), or None
    answered_ns: int | None = None
    #: the host's wall clock (time.time_ns) at receipt, next to the monotonic ``t_ns``: the two drift apart
    #: only when the host's clock is stepped (NTP), which checks of the charger's timestamps must allow for
    wall_ns: int = 0

    def __getitem__(self, key: str) -> Any:
        return self.payload[key]


@dataclass(frozen=True)
class Response:
    """The charge point's answer to a CALL the harness sent."""

    action: str
    payload: dict[str, Any]
    sent_ns: int
    received_ns: int
    error_code: str | None = None
    error_description: str = ""

    @property
    def is_error(self) -> bool:
        return self.error_code is not None

    @property
    def elapsed_s(self) -> float:
        return (self.received_ns - self.sent_ns) / 1e9

    def __getitem__(self, key: str) -> Any:
        return self.payload[key]


@dataclass
class Override:
    action: str
    reply: ReplyFactory
    remaining: int | None  # None: until the end of the case


@dataclass
class Transaction:
    transaction_id: int
    connector_id: int
    id_tag: str


@dataclass
class _Pending:
    action: str
    future: asyncio.Future[Response]
    sent_ns: int
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class StepLog:
    """Numbers the steps of a case, so a failure can say "step 5: …"; the baseline before a case numbers its
    own ("baseline 2: …"), so the case's step 1 is the plan's step 1."""

    trace: Trace
    number: int = 0
    case_start_ns: int = field(default_factory=time.monotonic_ns)
    section: str = "step"

    def next(self, text: str) -> str:
        self.number += 1
        label = f"{self.current}: {text}"
        self.trace.step(label)
        return label

    @property
    def current(self) -> str:
        return f"{self.section} {self.number}"

    def offset(self, t_ns: int) -> str:
        return f"+{(t_ns - self.case_start_ns) / 1e9:.3f} s"


class _Decisive(Failed):
    """A decisive finding ended a CALL of the Central System that was waiting for its answer."""


def _how_closed(connection: ServerConnection) -> str:
    """Who closed a connection and with which close code (RFC 6455 §7.4), for a reason a vendor can act on."""
    protocol = connection.protocol
    received, sent = protocol.close_rcvd, protocol.close_sent
    if received is not None and (sent is None or protocol.close_rcvd_then_sent):
        return f"the charge point closed it: close code {received.code}" + (f" {received.reason!r}" if received.reason else "")
    if sent is not None:
        return f"the Central System closed it: close code {sent.code}" + (f" {sent.reason!r}" if sent.reason else "")
    return "no closing handshake: close code 1006"


class Station:
    """The mock Central System's side of one chargePointId."""

    def __init__(
        self,
        charge_point_id: str,
        *,
        trace: Trace,
        validator: PayloadValidator,
        defaults: DefaultReplies,
        response_timeout: float,
        message_timeout: float,
        clock_skew_tolerance: float = 60.0,
        boot_answer_delay: float = 0.0,
    ) -> None:
        self.charge_point_id = charge_point_id
        self.trace = trace
        self.validator = validator
        self.defaults = defaults
        self.response_timeout = response_timeout
        self.message_timeout = message_timeout
        self.steps = StepLog(trace)
        self.statuses: dict[int, str] = {}
        self.transactions: dict[int, Transaction] = {}
        #: reservationIds the charger accepted and has not yet used or had cancelled (expired ones too: the
        #: Central System is not told of an expiry, and a CancelReservation of one is merely Rejected)
        self.reservations: set[int] = set()
        #: chargingProfileIds the Central System installed (SetChargingProfile, or RemoteStartTransaction with a
        #: chargingProfile) and has not cleared: the baseline clears them
        self.charging_profiles: set[int] = set()
        self.boot_count = 0
        self.assumed_booted = False
        self.last_boot: dict[str, Any] | None = None
        self._connection: ServerConnection | None = None
        self._inbox: list[Received] = []
        self._cursor = 0
        self._pending: dict[str, _Pending] = {}
        self._overrides: list[Override] = []
        self._restore: dict[str, str | None] = {}
        self.harness_errors: list[str] = []
        self.reachable = True
        self.status_checker = ConnectorStatusChecker()
        self.status_findings: list[str] = []
        self._changed = asyncio.Condition()
        self.observers: list[Callable[[Received], None]] = []
        self.evidence = Evidence(clock_skew_tolerance)
        #: seconds the answer to a BootNotification waits inside a case, so a request sent before it shows
        self.boot_answer_delay = boot_answer_delay
        #: decisive findings of the current case, each with the step it came in ("step 4: …"): the first
        #: one fails it
        self.findings: list[str] = []
        self._matched: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        #: manual mode: how long a person may take to perform a physical action (None: no person)
        self.physical_timeout: float | None = None
        #: manual mode: shows a person how long the harness still waits (what, seconds)
        self.countdown: Callable[[str, float], Any] | None = None
        self._slow_cause: Cause | None = None
        self._case_over = asyncio.Event()
        self._last_rx_ns = 0
        #: one connection takes over from the previous one at a time (a reconnect storm keeps arrival order)
        self._takeover = asyncio.Lock()
        #: the UniqueIds of the CALLs received on the current connection (OCPP-J 1.6 §4.1.4: never reused)
        self._call_ids: set[str] = set()

    # ----------------------------------------------------------------- case lifecycle

    def begin_case(self, *, police: bool = False, origin_ns: int | None = None) -> None:
        """Forget the inbox, overrides and findings of the previous case; keep what is known about the charger.

        With ``police`` the case proper begins (its baseline is done): the evidence rules apply from now, and
        offsets in reasons count from ``origin_ns`` (the start of the case's trace)."""
        self._inbox = []
        self._cursor = 0
        self._matched = set()
        self._overrides = []
        self.findings = []
        self.status_findings = []
        self.steps = StepLog(self.trace, section="step" if police else "baseline")
        if police:
            self._case_over = asyncio.Event()
            now = time.monotonic_ns()
            origin = now if origin_ns is None else origin_ns
            self.steps.case_start_ns = origin
            self.evidence.begin_case(now, datetime.now(timezone.utc), origin)
        else:
            self.evidence.end_case()

    def end_case(self) -> None:
        """The case is over: reboots and disconnects are no longer its findings; a delayed answer goes now."""
        self.evidence.end_case()
        self._case_over.set()

    async def quiet(self, window: float, limit: float) -> None:
        """Wait until the charge point has sent nothing for ``window`` seconds (at most ``limit``): a physical
        action then follows whatever the charger was still sending, so a frame it sends before the action
        arrives before it (evidence rule 1), even with a device adapter that acts within a millisecond."""
        deadline = time.monotonic() + limit
        async with self._changed:
            while True:
                silent_for = (time.monotonic_ns() - self._last_rx_ns) / 1e9
                remaining = min(window - silent_for, deadline - time.monotonic())
                if remaining <= 0:
                    return
                await self._changed_within(remaining)

    @property
    def inbox(self) -> list[Received]:
        """The case's CALLs that may be evidence (late deliveries left out)."""
        return [r for r in self._inbox if r.late is None]

    # ----------------------------------------------------------------- evidence

    def mark_cause(self, description: str, disrupts: Disruption | None = None, *, physical: bool = False) -> Cause:
        """The case did something the charge point may answer (a physical action, a CALL): later
        expectations match only what arrives from now on (evidence rule 1). With :attr:`physical_timeout`
        set (a person performs physical actions), the first expectation after a physical one waits that long."""
        cause = self.evidence.cause(description, time.monotonic_ns(), disrupts)
        if physical and self.physical_timeout:
            self._slow_cause = cause
        return cause

    @property
    def latest_cause(self) -> Cause:
        return self.evidence.latest_cause

    def _add_finding(self, text: str) -> None:
        """A decisive finding: traced, and the case fails with it (a wait in progress at once), named by the
        step during which it came."""
        self.trace.finding(text)
        if self.evidence.policing:
            self.findings.append(f"{self.steps.current}: {text}")
            for pending in self._pending.values():      # a CALL waiting for its answer is a wait in progress
                if not pending.future.done():
                    pending.future.set_exception(_Decisive(self.findings[0]))

    def _raise_if_decisive(self, label: str) -> None:
        if self.findings and self.evidence.policing:
            raise Failed(self.findings[0])

    # ----------------------------------------------------------------- connection

    @property
    def connected(self) -> bool:
        return self._connection is not None

    async def serve(self, connection: ServerConnection) -> None:
        """Run one connection of this charge point until it closes. Called by the server."""
        async with self._takeover:
            previous = self._connection
            if previous is not None:
                await previous.close(code=1000, reason="superseded by a new connection")
            self._connection = connection
            self._call_ids = set()
        self.status_checker.restart()
        await self._notify()
        try:
            arrivals = getattr(connection, "arrivals", None)       # stamped when read off the socket (server.py)
            async for message in connection:
                t_ns = arrivals.popleft() if arrivals else time.monotonic_ns()
                self._last_rx_ns = t_ns
                await self._receive(message, t_ns)
        except ConnectionClosed:
            pass
        finally:
            closed_ns = time.monotonic_ns()
            how = _how_closed(connection)
            if self._connection is connection:
                self._connection = None
                lost = self.evidence.connection_lost(closed_ns)
                if lost:
                    self._add_finding(f"{lost} ({how})")
            for pending in self._pending.values():
                if not pending.future.done():
                    pending.future.set_exception(ConnectionError(
                        f"the connection closed at {self.steps.offset(closed_ns)} ({how}) before the response"))
            self._pending.clear()
            await self._notify()

    async def drop(self) -> None:
        """Close the current connection from the Central System's side (the harness's "cut the link")."""
        self.mark_cause("the harness closed the connection", "link")
        if self._connection is not None:
            await self._connection.close(code=1001, reason="closed by the test harness")
            await self.wait_disconnected(self.message_timeout)

    async def cut_link(self) -> None:
        """The Central System becomes unreachable for this charge point: the connection is closed and new
        attempts are refused (HTTP 503) until :meth:`restore_link`."""
        self.reachable = False
        self.trace.add("connection", event="outage", detail={"reachable": False})
        await self.drop()

    def restore_link(self) -> None:
        self.reachable = True
        self.status_checker = ConnectorStatusChecker()
        self.status_findings: list[str] = []
        self.trace.add("connection", event="outage", detail={"reachable": True})

    async def wait_connected(self, timeout: float | None = None) -> None:
        await self._wait_until(lambda: self.connected, timeout, "the charge point to connect")

    async def wait_disconnected(self, timeout: float | None = None) -> None:
        await self._wait_until(lambda: not self.connected, timeout, "the connection to close")

    async def _wait_until(self, condition: Callable[[], bool], timeout: float | None, what: str) -> None:
        timeout = self.message_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not condition():
                self._raise_if_decisive("")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Failed(f"waited {timeout:.1f} s for {what}")
                await self._changed_within(remaining)

    async def _changed_within(self, seconds: float) -> None:
        """Wait (holding ``self._changed``) until something changes or ``seconds`` pass, whichever is first."""
        try:
            await asyncio.wait_for(self._changed.wait(), seconds)
        except TimeoutError:
            pass

    def wake(self) -> None:
        """Something a wait may be watching changed outside this station (the listener refused an attempt)."""
        task = asyncio.get_running_loop().create_task(self._notify())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ----------------------------------------------------------------- inbound

    async def _receive(self, message: str | bytes, t_ns: int) -> None:
        frame = parse_frame_bytes(message) if isinstance(message, bytes) else parse_frame(message)
        if isinstance(frame, FramingFinding):
            # decisive, with the frame quoted; answered only when it is a CALL whose UniqueId was recovered
            # (a broken CALLRESULT/CALLERROR is never answered, an unknown MessageTypeId is ignored)
            shown = repr(message[:300]) if isinstance(message, bytes) else message[:300]
            self.trace.add("frame", t_ns, direction="cp->cs",
                           raw=message.hex() if isinstance(message, bytes) else message, message_type=None,
                           unique_id=frame.unique_id, action=None, payload=None,
                           findings=[f"{frame.code}: {frame.message}"])
            self._add_finding(f"the charge point sent a frame that breaks OCPP-J at {self.steps.offset(t_ns)}: "
                              f"{frame.code}: {frame.message}; frame: {shown}")
            if frame.answerable:
                await self._send_error(frame.unique_id, frame.error_code, frame.message)
            await self._notify()
            return
        if isinstance(frame, Call):
            await self._receive_call(frame, message, t_ns)
        else:
            decisive = len(self.findings)
            self._receive_response(frame, message, t_ns)
            if len(self.findings) != decisive:
                await self._notify()

    async def _receive_call(self, frame: Call, raw: str, t_ns: int) -> None:
        findings, error = self._check_call(frame)
        if frame.unique_id in self._call_ids:
            findings.append(f"UniqueId {frame.unique_id} was already used by an earlier CALL on this connection "
                            "(OCPP-J 1.6 §4.1.4: a CALL's message ID differs from all earlier ones of its sender)")
        self._call_ids.add(frame.unique_id)
        late = None if error else self._late(frame)
        extra = {"late": late} if late else {}
        record = self.trace.add("frame", t_ns, direction="cp->cs", raw=raw, message_type="CALL",
                                unique_id=frame.unique_id, action=frame.action, payload=frame.payload,
                                findings=findings, **extra)
        if late:
            self.trace.finding(f"late delivery: {frame.action} at {self.steps.offset(t_ns)} is no evidence of "
                               f"this case: {late}", severity="warning")
        if findings:
            self._add_finding(f"the charge point sent a frame that breaks OCPP-J at {self.steps.offset(t_ns)}: "
                              f"{'; '.join(findings)}; frame: {raw[:300]}")
        if error is None:
            self._judge_request(frame, t_ns)
        else:       # a CALL the Central System refused is no evidence: no expectation may match it
            late = f"it was refused with CALLERROR {error[0]} ({error[1][:200]})"
        received = Received(frame.action, frame.payload, frame.unique_id, t_ns, record["seq"], tuple(findings),
                            None, late, wall_ns=time.time_ns())
        self._inbox.append(received)
        if error is not None:
            await self._send_error(frame.unique_id, *error)
        elif frame.action == "BootNotification" and self.evidence.policing and self.boot_answer_delay > 0:
            task = asyncio.create_task(self._answer_later(frame, received, self._decide_reply(frame)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            received = await self._answer(frame, received, self._decide_reply(frame))
        for observer in self.observers:
            observer(received)
        await self._notify()

    def _check_call(self, frame: Call) -> tuple[list[str], tuple[str, str] | None]:
        """The OCPP-J findings of a CALL and the CALLERROR it earns (None: it is answered normally)."""
        if not is_known(frame.action):
            return [f"unknown action {frame.action}"], ("NotImplemented", f"unknown action {frame.action}")
        if not sent_by_charge_point(frame.action):
            why = f"{frame.action} is sent by a Central System, not by a charge point"
            return [why], ("NotSupported", why)
        violations = self.validator.request(frame.action, frame.payload)
        findings = [f"{v.path}: {v.message}" for v in violations]
        if violations:
            return findings, (str(violations[0].error_code.value), f"{violations[0].path}: {violations[0].message}")
        return findings, None

    def _late(self, frame: Call) -> str | None:
        if frame.action not in TRANSACTION_ACTIONS:
            return None
        return self.evidence.late_delivery(frame.action, frame.payload)

    def _judge_request(self, frame: Call, t_ns: int) -> None:
        """Evidence rules 2 and 4 to 6 for a valid CALL of the charge point."""
        if frame.action == "BootNotification":
            found = [f] if (f := self.evidence.boot_received(t_ns)) else []
            if found and self.transactions:
                found = [f"{found[0]}, in the middle of transaction {', '.join(map(str, self.transactions))}"]
        else:
            found = self.evidence.request_received(frame.action, frame.payload, t_ns)
        for text in found:
            self._add_finding(text)

    async def _answer_later(self, frame: Call, received: Received, decision: ReplyDecision) -> None:
        """Answer a BootNotification after :attr:`boot_answer_delay` (evidence rule 6): a charger that does
        not wait for the answer shows it on the wire. The end of the case answers at once, so an answer the
        case decided never reaches into the next one."""
        try:
            await asyncio.wait_for(self._case_over.wait(), self.boot_answer_delay)
        except TimeoutError:
            pass
        await self._answer(frame, received, decision)
        await self._notify()

    async def _answer(self, frame: Call, received: Received, decision: ReplyDecision) -> Received:
        """Send ``decision`` for ``frame`` and keep it on the received message (``Received.reply``)."""
        try:
            reply = await self._reply(frame, decision)
        except HarnessError as exc:
            self.harness_errors.append(str(exc))
            self.trace.finding(f"harness error: {exc}")
            await self._send_error(frame.unique_id, "InternalError", "the test harness failed to answer")
            return received
        except (ConnectionError, ConnectionClosed):
            return received
        if reply is None:
            return received
        answered = replace(received, reply=reply, answered_ns=time.monotonic_ns())
        index = next((i for i in range(len(self._inbox) - 1, -1, -1) if self._inbox[i] is received), None)  # last, mostly
        if index is not None:
            self._inbox[index] = answered
        return answered

    def _decide_reply(self, frame: Call) -> ReplyDecision:
        for override in self._overrides:
            if override.action == frame.action:
                if override.remaining is not None:
                    override.remaining -= 1
                    if override.remaining == 0:
                        self._overrides.remove(override)
                return override.reply(frame.payload)
        return self.defaults.reply(frame.action, frame.payload)

    async def _reply(self, frame: Call, decision: ReplyDecision) -> Any:
        if isinstance(decision, NoReply):
            return None
        if isinstance(decision, CallErrorReply):
            if frame.action == "BootNotification":
                self.evidence.boot_unanswered_since = None
            await self._send_error(frame.unique_id, decision.error_code, decision.description)
            return decision
        violations = self.validator.response(frame.action, decision)
        if violations:
            raise HarnessError(f"the harness's own {frame.action}.conf breaks the schema: {violations[0]}")
        self._track(frame.action, frame.payload, decision)
        await self._send(CallResult(frame.unique_id, decision), action=frame.action)
        return decision

    def _track(self, action: str, request: Mapping[str, Any], reply: Mapping[str, Any]) -> None:
        """Keep what a Central System knows: statuses, open transactions, the last boot."""
        if action == "StatusNotification":
            connector, status = int(request["connectorId"]), str(request["status"])
            self.statuses[connector] = status
            finding = self.status_checker.observe(connector, status)
            if finding:
                self.status_findings.append(finding)
                self.trace.finding(finding)
                if self.evidence.policing:
                    self.findings.append(f"{self.steps.current}: illegal connector status: {finding}")
        elif action == "BootNotification":
            self.last_boot = dict(request)
            self.status_checker.restart()
            self.evidence.boot_answered(str(reply.get("status")))
            if reply.get("status") == "Accepted":
                self.boot_count += 1
        elif action == "StartTransaction":
            self.reservations.discard(request.get("reservationId"))
            transaction_id = int(reply["transactionId"])
            self.evidence.transaction_started(transaction_id, request.get("meterStart"))
            self.transactions[transaction_id] = Transaction(
                transaction_id, int(request["connectorId"]), str(request["idTag"])
            )
        elif action == "StopTransaction":
            self.transactions.pop(int(request["transactionId"]), None)

    def _receive_response(self, frame: CallResult | CallError, raw: str, t_ns: int) -> None:
        pending = self._pending.pop(frame.unique_id, None)
        findings: list[str] = []
        action = pending.action if pending else None
        if pending is None:
            findings.append(f"a response to unique id {frame.unique_id}, which the harness never sent or "
                            "already had an answer for")
            self._add_finding(f"the charge point sent a {frame.kind} that answers no pending CALL at "
                              f"{self.steps.offset(t_ns)}: {findings[0]}; frame: {raw[:300]}")
        if isinstance(frame, CallResult):
            if action is not None:
                findings.extend(f"{v.path}: {v.message}" for v in self.validator.response(action, frame.payload))
            self.trace.add("frame", t_ns, direction="cp->cs", raw=raw, message_type="CALLRESULT",
                           unique_id=frame.unique_id, action=action, payload=frame.payload, findings=findings)
            response = Response(action or "?", frame.payload, pending.sent_ns if pending else t_ns, t_ns)
        else:
            self.trace.add("frame", t_ns, direction="cp->cs", raw=raw, message_type="CALLERROR",
                           unique_id=frame.unique_id, action=action, payload=frame.error_details,
                           error_code=frame.error_code, findings=findings)
            response = Response(action or "?", frame.error_details, pending.sent_ns if pending else t_ns, t_ns,
                                frame.error_code, frame.error_description)
        if pending is not None and pending.action in ("TriggerMessage", "ExtendedTriggerMessage") \
                and isinstance(frame, CallResult) and frame.payload.get("status") == "Accepted":
            self.evidence.trigger_accepted(str(pending.payload.get("requestedMessage")))
        if pending is not None and not pending.future.done():
            if findings:
                pending.future.set_exception(Failed(
                    f"{action}.conf breaks the schema: {'; '.join(findings)}; received {raw[:200]}"))
            else:
                pending.future.set_result(response)

    # ----------------------------------------------------------------- outbound

    async def _send(self, frame: CallResult | CallError | Call, action: str | None) -> int:
        connection = self._connection
        if connection is None:
            raise ConnectionError("the charge point is not connected")
        text = serialize(frame)
        t_ns = time.monotonic_ns()
        payload = frame.error_details if isinstance(frame, CallError) else frame.payload
        extra = {"error_code": frame.error_code} if isinstance(frame, CallError) else {}
        self.trace.add("frame", t_ns, direction="cs->cp", raw=text, message_type=frame.kind,
                       unique_id=frame.unique_id, action=action, payload=payload, findings=(), **extra)
        await connection.send(text)
        return t_ns

    async def _send_error(self, unique_id: str, code: str, description: str) -> None:
        try:
            await self._send(CallError(unique_id, code, description[:255], {}), action=None)
        except (ConnectionError, ConnectionClosed):
            pass

    async def call(
        self,
        action: str,
        payload: Mapping[str, Any] | None = None,
        /,
        *,
        timeout: float | None = None,
        allow_error: bool = False,
        **fields: Any,
    ) -> Response:
        """Send a CALL and return the charge point's response.

        A CALLERROR fails the step unless ``allow_error``; silence fails it after ``timeout`` (default: the
        vendor's OCPP response timeout from the PICS).
        """
        body = dict(payload or {}, **fields)
        label = self.steps.next(f"{action}.req")
        violations = self.validator.request(action, body)
        if violations:
            raise HarnessError(f"{label}: the harness's own {action}.req breaks the schema: {violations[0]}")
        timeout = self.response_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        self._raise_if_decisive(label)
        try:
            if self._connection is None:
                await self.wait_connected(timeout)
        except Failed as exc:
            self._raise_if_decisive(label)
            raise Failed(f"{label}: cannot send, {exc}") from None
        frame = Call(new_unique_id(), action, body)
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._pending[frame.unique_id] = _Pending(action, future, 0, body)
        if action not in READ_ONLY_ACTIONS:
            self.mark_cause(f"{action}.req", Evidence.disruption_of_call(action, body))
        try:
            sent_ns = await self._send(frame, action)
        except (ConnectionError, ConnectionClosed) as exc:
            self._pending.pop(frame.unique_id, None)
            raise Failed(f"{label}: the connection closed while sending: {exc}") from None
        self._pending[frame.unique_id].sent_ns = sent_ns
        try:    # asyncio.timeout, not wait_for: the answer wakes this task directly, one loop turn sooner
            async with asyncio.timeout(max(deadline - time.monotonic(), 0)):
                response = await future
        except _Decisive as exc:
            raise Failed(str(exc)) from None
        except TimeoutError:
            self._pending.pop(frame.unique_id, None)
            raise Failed(f"{label}: no response within {timeout:.1f} s") from None
        except ConnectionError as exc:
            raise Failed(f"{label}: {exc}") from None
        except Failed as exc:
            raise Failed(f"{label}: {exc}") from None
        response = Response(action, response.payload, sent_ns, response.received_ns, response.error_code,
                            response.error_description)
        if response.is_error and not allow_error:
            raise Failed(f"{label}: answered with CALLERROR {response.error_code}"
                         + (f" ({response.error_description})" if response.error_description else ""))
        if action == "GetConfiguration" and body.get("key") and not response.is_error:
            wrong = get_configuration_finding(list(body["key"]), response.payload)
            if wrong:
                self._add_finding(wrong)
                raise Failed(f"{label}: {wrong}")
        self._track_own(action, body, response)
        return response

    def _track_own(self, action: str, request: Mapping[str, Any], response: Response) -> None:
        """What the Central System's own requests changed: the reservations it holds."""
        if response.is_error or response.payload.get("status") != "Accepted":
            return
        if action == "ReserveNow":
            self.reservations.add(int(request["reservationId"]))
        elif action == "CancelReservation":
            self.reservations.discard(int(request["reservationId"]))
        elif action == "SetChargingProfile":
            self.charging_profiles.add(int(request["csChargingProfiles"]["chargingProfileId"]))
        elif action == "RemoteStartTransaction" and request.get("chargingProfile"):
            self.charging_profiles.add(int(request["chargingProfile"]["chargingProfileId"]))
        elif action == "ClearChargingProfile" and not any(k in request for k in
                                                         ("id", "connectorId", "chargingProfilePurpose", "stackLevel")):
            self.charging_profiles.clear()

    # ----------------------------------------------------------------- expectations

    @staticmethod
    def message(action: str, /, **fields: Any) -> MessageSpec:
        return MessageSpec(action, fields)

    def _find(self, spec: MessageSpec, start: int, taken: Iterable[int] = (), floor_ns: int = 0) -> int | None:
        """The first message from ``start`` on that matches ``spec``, is not ``taken``, arrived at or after
        ``floor_ns`` and is not a late delivery."""
        for index in range(start, len(self._inbox)):
            r = self._inbox[index]
            if index not in taken and r.late is None and r.t_ns >= floor_ns and spec.matches(r.action, r.payload):
                return index
        return None

    async def expect(self, action: str, /, *, timeout: float | None = None, after: Cause | None = None,
                     **fields: Any) -> Received:
        """Wait for the next CALL matching ``action`` and ``fields`` (a subset of its payload) that arrived
        after ``after`` (default: the first cause since the last fulfilled expectation, evidence rule 1)."""
        (received,) = await self.expect_all(MessageSpec(action, fields), timeout=timeout, after=after)
        return received

    async def expect_all(self, *specs: MessageSpec, timeout: float | None = None,
                         after: Cause | None = None) -> tuple[Received, ...]:
        """Wait for one message per spec, in any order among themselves, all after the cursor and after the
        cause ``after`` (default: the first cause since the last fulfilled expectation, evidence rule 1)."""
        what = " and ".join(spec.describe() for spec in specs)
        label = self.steps.next(f"expect {what}" + (" in either order" if len(specs) > 1 else ""))
        timeout = self.message_timeout if timeout is None else timeout
        start, cause = self._cursor, after or self.evidence.pending_cause
        ticker = None
        if cause is self._slow_cause and self.physical_timeout:
            timeout = max(timeout, self.physical_timeout)
            ticker = self._start_countdown(what, timeout)
        deadline = time.monotonic() + timeout
        try:
            return await self._wait_all(specs, start, cause, deadline, timeout, label)
        finally:
            if ticker is not None:
                ticker.cancel()

    def _start_countdown(self, what: str, timeout: float) -> "asyncio.Task[Any] | None":
        if self.countdown is None:
            return None
        return asyncio.create_task(self.countdown(what, timeout))

    async def _wait_all(self, specs: tuple[MessageSpec, ...], start: int, cause: Cause, deadline: float,
                        timeout: float, label: str) -> tuple[Received, ...]:
        step = label.split(":")[0]
        async with self._changed:
            while True:
                found: dict[int, int] = {}
                for number, spec in enumerate(specs):
                    index = self._find(spec, start, found.values(), cause.t_ns)
                    if index is not None:
                        found[number] = index
                if len(found) == len(specs):
                    self._cursor = max(found.values()) + 1
                    self._matched.update(found.values())
                    self.evidence.fulfilled()
                    if cause is self._slow_cause:
                        self._slow_cause = None
                    return tuple(self._inbox[found[n]] for n in range(len(specs)))
                self._raise_if_decisive(label)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    missing = [s for n, s in enumerate(specs) if n not in found]
                    raise Failed(f"{step}: expected {' and '.join(s.describe() for s in missing)} within "
                                 f"{timeout:.1f} s; {self._why_not(missing, start, cause)}")
                await self._changed_within(remaining)

    # ----------------------------------------------------------------- reasons

    def _why_not(self, missing: list[MessageSpec], start: int, cause: Cause) -> str:
        """What did arrive, in the words a vendor needs: an effect before its cause, a late delivery, the
        near miss and the field that differed, or else what came instead."""
        for spec in missing:
            before = self._find(spec, start, self._matched)
            if before is not None and self._inbox[before].t_ns < cause.t_ns:
                r = self._inbox[before]
                return (f"{summarize(r.action, r.payload)} came before the action ({cause.description}), at "
                        f"{(r.t_ns - cause.t_ns) / 1e9:+.3f} s from it: it is no evidence of the action")
        for spec in missing:
            late = [r for r in self._inbox[start:] if r.late and spec.matches(r.action, r.payload)]
            if late:
                return (f"{summarize(late[-1].action, late[-1].payload)} arrived at {self.steps.offset(late[-1].t_ns)} "
                        f"but {late[-1].late}")
        near = self._near_misses(missing, start, cause)
        seen = near or self._seen_since(start, {s.action for s in missing})
        return seen + self._earlier_match(missing, start)

    def _near_misses(self, missing: list[MessageSpec], start: int, cause: Cause) -> str:
        """Messages of the expected action that differed in some field, and how (the last three)."""
        lines = []
        for spec in missing:
            candidates = [r for i, r in enumerate(self._inbox) if i >= start and i not in self._matched
                          and r.late is None and r.t_ns >= cause.t_ns and r.action == spec.action]
            for r in candidates[-3:]:
                lines.append(f"{summarize(r.action, r.payload)} at {self.steps.offset(r.t_ns)} "
                             f"({'; '.join(spec.differences(r.payload))})")
        return ("received " + ", and ".join(lines)) if lines else ""

    def _seen_since(self, start: int, prefer: set[str]) -> str:
        seen = [r for r in self._inbox[start:] if r.late is None]
        relevant = [r for r in seen if r.action in prefer] or [r for r in seen if r.action != "Heartbeat"]
        if not relevant:
            return "received nothing" if not seen else "received only Heartbeat"
        shown = ", ".join(f"{summarize(r.action, r.payload)} at {self.steps.offset(r.t_ns)}" for r in relevant[-5:])
        more = f" (and {len(relevant) - 5} earlier)" if len(relevant) > 5 else ""
        return f"received {shown}{more}"

    def _earlier_match(self, specs: Iterable[MessageSpec], start: int) -> str:
        """A matching message that no earlier step took and that came after the last boot, but before the
        cursor: the charger sent it out of order."""
        boots = [i for i, r in enumerate(self._inbox[:start]) if r.action == "BootNotification"]
        first = boots[-1] + 1 if boots else 0
        for spec in specs:
            for index in range(first, start):
                r = self._inbox[index]
                if index not in self._matched and r.late is None and spec.matches(r.action, r.payload):
                    return (f" ({spec.describe()} did arrive, but earlier, at {self.steps.offset(r.t_ns)}, "
                            "before the message of an earlier step: out of order)")
        return ""

    async def expect_no(self, action: str, /, *, within: float, **fields: Any) -> None:
        """Watch for ``within`` seconds that no matching CALL arrives (from the cursor on)."""
        spec = MessageSpec(action, fields)
        label = self.steps.next(f"expect no {spec.describe()} for {within:.1f} s")
        deadline = time.monotonic() + within
        start = self._cursor
        async with self._changed:
            while True:
                index = self._find(spec, start)
                if index is not None:
                    r = self._inbox[index]
                    raise Failed(f"{label.split(':')[0]}: expected no {spec.describe()}; received "
                                 f"{summarize(r.action, r.payload)} at {self.steps.offset(r.t_ns)}")
                self._raise_if_decisive(label)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                await self._changed_within(remaining)

    def require(self, condition: bool, message: str) -> None:
        """Fail the current step with ``message`` unless ``condition`` holds."""
        if not condition:
            raise Failed(f"{self.steps.current}: {message}")

    def since(self, received: "Received | None" = None) -> list[Received]:
        """The CALLs of this case that arrived after ``received`` (all of them when None)."""
        start = 0 if received is None else next(
            (i + 1 for i, r in enumerate(self._inbox) if r.seq == received.seq), len(self._inbox))
        return [r for r in self._inbox[start:] if r.late is None]

    # ----------------------------------------------------------------- replies

    def respond(self, action: str, reply: ReplyDecision | ReplyFactory, *, times: int | None = None) -> None:
        """Answer the charge point's ``action`` with ``reply`` (a payload, a factory, ``NoReply()`` or a
        ``CallErrorReply``) for the next ``times`` CALLs, or until the end of the case."""
        factory: ReplyFactory = reply if callable(reply) else (lambda _payload, fixed=reply: fixed)
        self._overrides.append(Override(action, factory, times))

    def clear_overrides(self) -> None:
        self._overrides = []

    # ----------------------------------------------------------------- configuration

    async def configuration(self, key: str) -> str | None:
        """The value of configuration ``key`` by GetConfiguration (None when unknown to the charger)."""
        response = await self.call("GetConfiguration", key=[key])
        for entry in response.payload.get("configurationKey", []):
            if str(entry.get("key", "")).lower() == key.lower():
                return entry.get("value")
        return None

    async def configure(self, key: str, value: str, *, expect: str = "Accepted") -> Response:
        """ChangeConfiguration that the next baseline undoes: the old value is read first and restored."""
        if key not in self._restore:
            self._restore[key] = await self.configuration(key)
        response = await self.call("ChangeConfiguration", key=key, value=value)
        status = response.payload.get("status")
        if status != expect:
            raise Failed(f"{self.steps.current}: ChangeConfiguration({key}={value}) answered {status}, "
                         f"expected {expect}")
        return response

    async def restore_configuration(self) -> list[str]:
        """Put back every key a previous case changed through :meth:`configure`; returns what could not be
        put back, in words."""
        pending, self._restore = self._restore, {}
        refused = []
        for key, value in pending.items():
            if value is not None:
                response = await self.call("ChangeConfiguration", key=key, value=value)
                if response.payload.get("status") != "Accepted":
                    shown = "***" if key.lower() == "authorizationkey" else value
                    refused.append(f"ChangeConfiguration({key}={shown}) answered {response.payload.get('status')}")
        return refused

    @property
    def booted(self) -> bool:
        """Connected, and its latest boot answered Accepted (or assumed so): not merely booted once."""
        return (self.connected and (self.boot_count > 0 or self.assumed_booted)
                and self.evidence.boot_state == "Accepted" and self.evidence.boot_unanswered_since is None)

    async def wait_booted(self, timeout: float | None = None) -> None:
        await self._wait_until(lambda: self.booted, timeout, "an accepted BootNotification")

    def assume_booted(self) -> None:
        """Go on with a charger that was booted before the run and only connected: its boot is taken as
        Accepted, though it was never seen."""
        self.assumed_booted = True
        self.evidence.boot_answered("Accepted")

    async def wait_for(self, condition: Callable[[], bool], what: str, timeout: float | None = None) -> None:
        """Wait until ``condition`` over the station's known state holds (statuses, transactions, …)."""
        await self._wait_until(condition, timeout, what)
