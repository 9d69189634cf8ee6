"""One charge point as the mock Central System sees it: the object a test case talks to.

A ``Station`` outlives connections: the charge point may reboot, lose its network or be dropped by the
harness, and the station keeps its inbox, its known connector statuses and its open transactions.

Rules:

- Every inbound frame is stamped (``time.monotonic_ns()``) the moment it is read, parsed and validated by the
  sans-I/O layer (:mod:`harness.ocpp`), traced, and only then acted on.
- A CALL from the charge point is answered at once: by a per-case override if one is set, else by the
  default replies. A malformed CALL gets the CALLERROR the OCPP-J rules prescribe, and its finding stays in
  the trace (the case fails on it).
- ``call()`` correlates by unique id, never by content. A CALLERROR, a response that breaks the schema, or
  silence beyond the timeout fails the step, unless the test says it expects an error.
- ``expect()`` looks at the case's inbox from a cursor on: a message that arrived before the wait began is
  seen; a match moves the cursor past it, so successive expects check order. ``expect_all()`` matches a
  group in any order. Every wait has a deadline on the monotonic clock, which counts down across retries.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

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


@dataclass
class StepLog:
    """Numbers the steps of a case, so a failure can say "step 5: …"."""

    trace: Trace
    number: int = 0
    case_start_ns: int = field(default_factory=time.monotonic_ns)

    def next(self, text: str) -> str:
        self.number += 1
        label = f"step {self.number}: {text}"
        self.trace.step(label)
        return label

    def offset(self, t_ns: int) -> str:
        return f"+{(t_ns - self.case_start_ns) / 1e9:.3f} s"


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
        self.boot_count = 0
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

    # ----------------------------------------------------------------- case lifecycle

    def begin_case(self) -> None:
        """Forget the inbox and overrides of the previous case; keep what is known about the charger."""
        self._inbox = []
        self._cursor = 0
        self._overrides = []
        self.steps = StepLog(self.trace)

    @property
    def inbox(self) -> list[Received]:
        return list(self._inbox)

    # ----------------------------------------------------------------- connection

    @property
    def connected(self) -> bool:
        return self._connection is not None

    async def serve(self, connection: ServerConnection) -> None:
        """Run one connection of this charge point until it closes. Called by the server."""
        previous = self._connection
        if previous is not None:
            await previous.close(code=1000, reason="superseded by a new connection")
        self._connection = connection
        self.status_checker.restart()
        await self._notify()
        try:
            async for message in connection:
                t_ns = time.monotonic_ns()
                await self._receive(message, t_ns)
        except ConnectionClosed:
            pass
        finally:
            if self._connection is connection:
                self._connection = None
            for pending in self._pending.values():
                if not pending.future.done():
                    pending.future.set_exception(ConnectionError("the connection closed before the response"))
            self._pending.clear()
            await self._notify()

    async def drop(self) -> None:
        """Close the current connection from the Central System's side (the harness's "cut the link")."""
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
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Failed(f"waited {timeout:.1f} s for {what}")
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    pass

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ----------------------------------------------------------------- inbound

    async def _receive(self, message: str | bytes, t_ns: int) -> None:
        if isinstance(message, bytes):
            self.trace.add("frame", t_ns, direction="cp->cs", raw=message.hex(), message_type=None,
                           unique_id=None, action=None, payload=None,
                           findings=["binary frame: OCPP-J allows text frames only"])
            return
        frame = parse_frame(message)
        if isinstance(frame, FramingFinding):
            self.trace.add("frame", t_ns, direction="cp->cs", raw=message, message_type=None,
                           unique_id=frame.unique_id, action=None, payload=None,
                           findings=[f"{frame.code}: {frame.message}"])
            if frame.unique_id is not None:
                await self._send_error(frame.unique_id, frame.error_code, frame.message)
            return
        if isinstance(frame, Call):
            await self._receive_call(frame, message, t_ns)
        else:
            self._receive_response(frame, message, t_ns)

    async def _receive_call(self, frame: Call, raw: str, t_ns: int) -> None:
        findings: list[str] = []
        error: tuple[str, str] | None = None
        if not is_known(frame.action):
            error = ("NotImplemented", f"unknown action {frame.action!r}")
            findings.append(f"unknown action {frame.action!r}")
        elif not sent_by_charge_point(frame.action):
            error = ("NotSupported", f"{frame.action} is sent by a Central System, not by a charge point")
            findings.append(error[1])
        else:
            violations = self.validator.request(frame.action, frame.payload)
            findings.extend(f"{v.path}: {v.message}" for v in violations)
            if violations:
                error = (str(violations[0].error_code.value), f"{violations[0].path}: {violations[0].message}")
        record = self.trace.add("frame", t_ns, direction="cp->cs", raw=raw, message_type="CALL",
                                unique_id=frame.unique_id, action=frame.action, payload=frame.payload,
                                findings=findings)
        reply: Any = None
        if error is not None:
            await self._send_error(frame.unique_id, *error)
        else:
            try:
                reply = await self._reply(frame)
            except HarnessError as exc:
                self.harness_errors.append(str(exc))
                self.trace.finding(f"harness error: {exc}")
                await self._send_error(frame.unique_id, "InternalError", "the test harness failed to answer")
            except (ConnectionError, ConnectionClosed):
                pass
        received = Received(frame.action, frame.payload, frame.unique_id, t_ns, record["seq"],
                            tuple(findings), reply)
        self._inbox.append(received)
        for observer in self.observers:
            observer(received)
        await self._notify()

    def _decide_reply(self, frame: Call) -> ReplyDecision:
        for override in self._overrides:
            if override.action == frame.action:
                if override.remaining is not None:
                    override.remaining -= 1
                    if override.remaining == 0:
                        self._overrides.remove(override)
                return override.reply(frame.payload)
        return self.defaults.reply(frame.action, frame.payload)

    async def _reply(self, frame: Call) -> Any:
        decision = self._decide_reply(frame)
        if isinstance(decision, NoReply):
            return None
        if isinstance(decision, CallErrorReply):
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
        elif action == "BootNotification":
            self.last_boot = dict(request)
            self.status_checker.restart()
            if reply.get("status") == "Accepted":
                self.boot_count += 1
        elif action == "StartTransaction":
            self.reservations.discard(request.get("reservationId"))
            transaction_id = int(reply["transactionId"])
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
            findings.append(f"a response to unique id {frame.unique_id!r}, which the harness never sent or "
                            "already had an answer for")
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
                       unique_id=frame.unique_id, action=action, payload=payload, findings=[], **extra)
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
        try:
            await self.wait_connected(timeout)
        except Failed as exc:
            raise Failed(f"{label}: cannot send, {exc}") from None
        frame = Call(new_unique_id(), action, body)
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._pending[frame.unique_id] = _Pending(action, future, 0)
        try:
            sent_ns = await self._send(frame, action)
        except (ConnectionError, ConnectionClosed) as exc:
            self._pending.pop(frame.unique_id, None)
            raise Failed(f"{label}: the connection closed while sending: {exc}") from None
        self._pending[frame.unique_id].sent_ns = sent_ns
        try:
            response = await asyncio.wait_for(future, max(deadline - time.monotonic(), 0))
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
            raise Failed(f"{label}: answered with CALLERROR {response.error_code}: {response.error_description!r}")
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

    # ----------------------------------------------------------------- expectations

    @staticmethod
    def message(action: str, /, **fields: Any) -> MessageSpec:
        return MessageSpec(action, fields)

    def _find(self, spec: MessageSpec, start: int, taken: set[int] = frozenset()) -> int | None:  # type: ignore[assignment]
        for index in range(start, len(self._inbox)):
            if index not in taken and spec.matches(self._inbox[index].action, self._inbox[index].payload):
                return index
        return None

    def _seen_since(self, start: int, prefer: set[str]) -> str:
        seen = self._inbox[start:]
        relevant = [r for r in seen if r.action in prefer] or [r for r in seen if r.action != "Heartbeat"]
        if not relevant:
            return "received nothing" if not seen else "received only Heartbeat"
        shown = ", ".join(f"{summarize(r.action, r.payload)} at {self.steps.offset(r.t_ns)}" for r in relevant[-5:])
        more = f" (and {len(relevant) - 5} earlier)" if len(relevant) > 5 else ""
        return f"received {shown}{more}"

    async def expect(self, action: str, /, *, timeout: float | None = None, **fields: Any) -> Received:
        """Wait for the next CALL matching ``action`` and ``fields`` (a subset of its payload)."""
        (received,) = await self.expect_all(MessageSpec(action, fields), timeout=timeout)
        return received

    async def expect_all(self, *specs: MessageSpec, timeout: float | None = None) -> tuple[Received, ...]:
        """Wait for one message per spec, in any order among themselves, all after the cursor."""
        what = " and ".join(spec.describe() for spec in specs)
        label = self.steps.next(f"expect {what}" + (" in either order" if len(specs) > 1 else ""))
        timeout = self.message_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        start = self._cursor
        async with self._changed:
            while True:
                found: dict[int, int] = {}
                for number, spec in enumerate(specs):
                    index = self._find(spec, start, set(found.values()))
                    if index is not None:
                        found[number] = index
                if len(found) == len(specs):
                    self._cursor = max(found.values()) + 1
                    return tuple(self._inbox[found[n]] for n in range(len(specs)))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    missing = " and ".join(s.describe() for n, s in enumerate(specs) if n not in found)
                    earlier = self._earlier_match(specs, start)
                    raise Failed(f"{label.split(':')[0]}: expected {missing} within {timeout:.1f} s; "
                                 f"{self._seen_since(start, {s.action for s in specs})}{earlier}")
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    pass

    def _earlier_match(self, specs: tuple[MessageSpec, ...], start: int) -> str:
        for spec in specs:
            index = self._find(spec, 0)
            if index is not None and index < start:
                r = self._inbox[index]
                return f" ({spec.describe()} did arrive, but earlier, at {self.steps.offset(r.t_ns)}, out of order)"
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
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    pass

    def require(self, condition: bool, message: str) -> None:
        """Fail the current step with ``message`` unless ``condition`` holds."""
        if not condition:
            raise Failed(f"step {self.steps.number}: {message}")

    def since(self, received: "Received | None" = None) -> list[Received]:
        """The CALLs of this case that arrived after ``received`` (all of them when None)."""
        start = 0 if received is None else next(
            (i + 1 for i, r in enumerate(self._inbox) if r.seq == received.seq), len(self._inbox))
        return self._inbox[start:]

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
            if entry.get("key") == key:
                return entry.get("value")
        return None

    async def configure(self, key: str, value: str, *, expect: str = "Accepted") -> Response:
        """ChangeConfiguration that the next baseline undoes: the old value is read first and restored."""
        if key not in self._restore:
            self._restore[key] = await self.configuration(key)
        response = await self.call("ChangeConfiguration", key=key, value=value)
        status = response.payload.get("status")
        if status != expect:
            raise Failed(f"step {self.steps.number}: ChangeConfiguration({key}={value}) answered {status}, "
                         f"expected {expect}")
        return response

    async def restore_configuration(self) -> None:
        """Put back every key a previous case changed through :meth:`configure`."""
        pending, self._restore = self._restore, {}
        for key, value in pending.items():
            if value is not None:
                await self.call("ChangeConfiguration", key=key, value=value)

    async def wait_booted(self, timeout: float | None = None) -> None:
        await self._wait_until(lambda: self.boot_count > 0 and self.connected, timeout,
                               "an accepted BootNotification")

    async def wait_for(self, condition: Callable[[], bool], what: str, timeout: float | None = None) -> None:
        """Wait until ``condition`` over the station's known state holds (statuses, transactions, …)."""
        await self._wait_until(condition, timeout, what)
