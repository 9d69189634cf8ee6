"""The link to the Central System: one ordered lane for every message the charge point initiates.

Every CP-initiated CALL goes through ``Link``: BootNotification, Heartbeat, Authorize, StatusNotification,
the transaction messages, DataTransfer. One sender task per WebSocket connection sends them one at a time
(OCPP-J allows one outstanding CALL per direction), in the order they were submitted.

* ``ready`` means connected *and* the boot was Accepted: only BootNotification may go out before that
  (``before_accepted=True``), as OCPP 1.6 §4.2 requires while Pending or Rejected.
* ``call()`` raises ``Offline`` at once when not ready, and when the connection drops before the answer;
  ``CallFailed`` when the Central System answers with a CALLERROR or does not answer in time.
* ``post()`` is fire-and-forget (StatusNotification); it returns False when not ready.
* While an incoming CALL is handled the lane is held, so its consequences (a StatusNotification after
  ChangeAvailability, ...) follow the CALLRESULT on the wire.
"""

from __future__ import annotations

import asyncio
import logging

from ocpp.exceptions import OCPPError

LOG = logging.getLogger("simulator.link")


class Offline(Exception):
    """No accepted connection to the Central System."""


class CallFailed(Exception):
    """The Central System answered with a CALLERROR, an invalid answer, or not at all in time."""


class Link:
    def __init__(self) -> None:
        self._cp = None
        self._queue: asyncio.Queue | None = None
        self._sender: asyncio.Task | None = None
        self._inflight: asyncio.Future | None = None
        self.accepted = False
        self._ready = asyncio.Event()
        self._ready_listeners: list = []
        self._open = asyncio.Event()            # cleared while an incoming CALL is being answered
        self._open.set()

    # -- state ---------------------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._cp is not None

    @property
    def ready(self) -> bool:
        return self._cp is not None and self.accepted

    async def wait_ready(self) -> None:
        await self._ready.wait()

    def set_accepted(self, accepted: bool) -> None:
        self.accepted = accepted
        self._update_ready()

    def on_ready(self, callback) -> None:
        """Call ``callback()`` every time the link becomes ready."""
        self._ready_listeners.append(callback)

    def _update_ready(self) -> None:
        if self.ready:
            if not self._ready.is_set():
                self._ready.set()
                loop = asyncio.get_running_loop()
                for callback in list(self._ready_listeners):
                    loop.call_soon(callback)     # after what the caller posts right now
        else:
            self._ready.clear()

    def attach(self, cp) -> None:
        self._cp = cp
        self._queue = asyncio.Queue()
        self._sender = asyncio.create_task(self._send_loop(cp, self._queue), name="link-sender")
        self._update_ready()

    async def detach(self) -> None:
        """The connection is gone: fail everything in flight or queued with Offline."""
        cp, queue, sender = self._cp, self._queue, self._sender
        self._cp = self._queue = self._sender = None
        self.accepted = False
        self._update_ready()
        if sender is not None:
            sender.cancel()
            try:
                await sender
            except (asyncio.CancelledError, Exception):
                pass
        if self._inflight is not None and not self._inflight.done():
            self._inflight.set_exception(Offline("connection lost"))
        self._inflight = None
        while queue is not None and not queue.empty():
            _, fut = queue.get_nowait()
            if fut is not None and not fut.done():
                fut.set_exception(Offline("connection lost"))
        del cp

    # -- sending -------------------------------------------------------------------------------------------
    def hold(self) -> None:
        """Answer first: what the charger posts while handling a CALL goes out after the CALLRESULT."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def submit(self, payload, *, before_accepted: bool = False) -> asyncio.Future:
        """Queue a CALL now (keeping submission order) and return the future of its answer."""
        if self._cp is None or not (self.accepted or before_accepted):
            raise Offline("not connected" if self._cp is None else "boot not accepted")
        fut = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((payload, fut))
        return fut

    async def call(self, payload, *, before_accepted: bool = False):
        return await self.submit(payload, before_accepted=before_accepted)

    async def drain(self, timeout: float) -> None:
        """Wait (bounded) until everything queued so far has been sent and answered."""
        if not self.ready:
            return
        marker = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((None, marker))
        try:
            await asyncio.wait_for(asyncio.shield(marker), timeout)
        except (asyncio.TimeoutError, Offline):
            pass

    def post(self, payload) -> bool:
        if not self.ready:
            return False
        self._queue.put_nowait((payload, None))
        return True

    async def _send_loop(self, cp, queue: asyncio.Queue) -> None:
        while True:
            payload, fut = await queue.get()
            await self._open.wait()
            if payload is None:                 # a drain() marker
                if not fut.done():
                    fut.set_result(None)
                continue
            if fut is not None and fut.done():
                continue
            self._inflight = fut
            try:
                result = await cp.call(payload, suppress=False)
            except asyncio.CancelledError:
                raise
            except OCPPError as exc:
                outcome: BaseException | None = CallFailed(f"CALLERROR {exc.code}: {exc.description}")
                result = None
            except asyncio.TimeoutError:
                outcome, result = CallFailed("no answer in time"), None
            except Exception as exc:          # connection closed, invalid answer, ...
                name = type(exc).__name__
                outcome = Offline(name) if "ConnectionClosed" in name else CallFailed(f"{name}: {exc}")
                result = None
            else:
                outcome = None
            self._inflight = None
            if outcome is not None:
                LOG.info("%s: %s", type(payload).__name__, outcome)
            if fut is None or fut.done():
                continue
            if outcome is None:
                fut.set_result(result)
            else:
                fut.set_exception(outcome)
