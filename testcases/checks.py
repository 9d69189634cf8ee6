"""Checks several test cases make, written once: boot retries, heartbeat periods, status groups.

Where OCTT's plan forbids what OCPP 1.6 permits, the check stays (the certificate is OCTT's) and its failure
reason says so, in the form "OCTT requires …; OCPP 1.6 §x says …" (:func:`no_authorize`).
"""

from __future__ import annotations

from typing import Any, Iterable

from harness.csms.matching import summarize
from harness.csms.station import Received, Station
from harness.dut.control import DeviceControl

#: How far a measured interval may stray from the configured one (OCTT's peers allow ±1 s).
INTERVAL_TOLERANCE_S = 1.0
#: Clock granularity allowance for "no earlier than" checks.
EARLY_TOLERANCE_S = 0.1


async def expect_boot_retry(cs: Station, first: Received, interval: int, status: str) -> Received:
    """The next BootNotification comes no earlier than ``interval`` after ``first`` was answered ``status``,
    and nothing else is sent in between (OCPP 1.6 §4.2)."""
    second = await cs.expect("BootNotification", timeout=interval + cs.message_timeout)
    # the interval runs from the answer, which may have gone out after ``first`` was matched (a delayed answer)
    now = next((r for r in cs.inbox if r.seq == first.seq), first)
    answered = now.answered_ns or first.t_ns
    gap = (second.t_ns - answered) / 1e9
    cs.require(gap >= interval - EARLY_TOLERANCE_S,
               f"BootNotification retried {gap:.3f} s after the {status} answer; the interval was {interval} s")
    between = [r.action for r in cs.since(first) if r.seq < second.seq]
    cs.require(not between, f"while {status} the charge point sent {', '.join(between)}")
    return second


async def expect_heartbeat_period(cs: Station, interval: int) -> float:
    """Two consecutive Heartbeats are ``interval`` seconds apart (± :data:`INTERVAL_TOLERANCE_S`)."""
    wait = interval + INTERVAL_TOLERANCE_S + cs.message_timeout
    first = await cs.expect("Heartbeat", timeout=wait)
    second = await cs.expect("Heartbeat", timeout=wait)
    period = (second.t_ns - first.t_ns) / 1e9
    cs.require(abs(period - interval) <= INTERVAL_TOLERANCE_S,
               f"Heartbeats {period:.3f} s apart; the HeartbeatInterval is {interval} s")
    return period


async def expect_status_all(cs: Station, connectors: Iterable[int], status: str) -> tuple[Received, ...]:
    """A StatusNotification with ``status`` for each of ``connectors``, in any order."""
    return await cs.expect_all(*(cs.message("StatusNotification", connectorId=c, status=status) for c in connectors))


async def expect_started(cs: Station, connector: int, id_tag: str, *, accepted: bool = False) -> Received:
    """StartTransaction of ``id_tag`` and StatusNotification Charging on ``connector``, in either order (the
    plan lets them swap); with ``accepted``, the Central System's answer to the StartTransaction must have
    accepted the idTag. Returns the StartTransaction (its ``reply`` holds the transactionId)."""
    start, _ = await cs.expect_all(
        cs.message("StartTransaction", connectorId=connector, idTag=id_tag),
        cs.message("StatusNotification", connectorId=connector, status="Charging"),
    )
    if accepted:
        cs.require(start.reply["idTagInfo"]["status"] == "Accepted", "StartTransaction was not accepted")
    return start


async def expect_connection_timeout(cs: Station, connector: int, preparing: Received, timeout: int) -> None:
    """Authorized (or remotely started) and nobody plugs in: Available again once ConnectionTimeOut has run
    out from ``preparing`` and not before (less 1 s for the charger's timer), and no StartTransaction."""
    available = await cs.expect("StatusNotification", connectorId=connector, status="Available",
                                timeout=timeout + cs.message_timeout)
    waited = (available.t_ns - preparing.t_ns) / 1e9
    cs.require(waited >= timeout - 1.0,
               f"Available {waited:.3f} s after Preparing, before the ConnectionTimeOut of {timeout} s ran out")
    no_message(cs, "StartTransaction")


async def local_start_without_authorize(cs: Station, dut: DeviceControl, connector: int, id_tag: str,
                                       since: Received | None,
                                       known_in: str = "its Authorization Cache or Local Authorization List") -> None:
    """A locally known idTag (cache, TC_007_1; local list, TC_008_1) with LocalPreAuthorize: present it,
    Preparing; plug in, StartTransaction (Accepted) and Charging in either order; and no Authorize since
    ``since``, the step that made the idTag known (``known_in`` says where), which is OCTT's rule, stricter
    than OCPP 1.6 (:data:`LOCALLY_KNOWN_MAY_AUTHORIZE`)."""
    await dut.present_id_tag(id_tag, connector)
    await cs.expect("StatusNotification", connectorId=connector, status="Preparing")
    await dut.plug_in(connector)
    await expect_started(cs, connector, id_tag, accepted=True)
    no_authorize(cs, since, f"LocalPreAuthorize true, the idTag in {known_in}", LOCALLY_KNOWN_MAY_AUTHORIZE)


def no_message(cs: Station, action: str, since: Received | None = None, *, why: str = "") -> None:
    """Fail when ``action`` was sent in this case (after ``since``); ``why`` replaces "which it must not" in
    the reason."""
    sent = [r for r in cs.since(since) if r.action == action]
    shown = f"{summarize(sent[0].action, sent[0].payload)} at {cs.steps.offset(sent[0].t_ns)}" if sent else ""
    cs.require(not sent, f"the charge point sent {shown}" + (f": {why}" if why else ", which it must not"))


#: What OCPP 1.6 says of an Authorize for an idTag the charger knows locally, for :func:`no_authorize`.
LOCALLY_KNOWN_MAY_AUTHORIZE = (
    "OCPP 1.6 §4.1 says that if the idTag is present in the Local Authorization List or Authorization Cache, "
    "the Charge Point MAY send an Authorize.req (§9.1.13 LocalPreAuthorize: it starts the transaction "
    "\"without waiting for or requesting an Authorize.conf\")")


def no_authorize(cs: Station, since: Received | None, octt: str, ocpp: str) -> None:
    """OCTT's "no Authorize" (since ``since``) where OCPP 1.6 would allow one: the check is kept, and its
    reason reads "OCTT requires no Authorize here (``octt``); ``ocpp``", so a reader of a failure sees that
    the charger broke the plan, not the specification."""
    no_message(cs, "Authorize", since=since, why=f"OCTT requires no Authorize here ({octt}); {ocpp}")


async def expect_stop(cs: Station, transaction: int, connector: int, *, status: Any = "Finishing",
                      **timeout: float) -> Received:
    """StopTransaction of ``transaction`` and StatusNotification Finishing (or ``status``: a value or a
    predicate such as ``one_of``), in either order (the plan lets them swap); returns the StopTransaction."""
    stop, _ = await cs.expect_all(
        cs.message("StopTransaction", transactionId=transaction),
        cs.message("StatusNotification", connectorId=connector, status=status),
        **timeout,
    )
    return stop


async def stop_remotely(cs: Station, transaction: int, connector: int, *, still_running: str = "",
                        status: Any = "Finishing") -> Received:
    """RemoteStopTransaction Accepted, then StopTransaction with reason Remote and Finishing (or ``status``).

    With ``still_running`` the stop also proves the transaction had not ended before it: the StopTransaction
    must come after the RemoteStopTransaction, else the case fails saying why it should have still run."""
    response = await cs.call("RemoteStopTransaction", transactionId=transaction)
    cs.require(response["status"] == "Accepted", f"RemoteStopTransaction answered {response['status']}"
               + (": the transaction should still run" if still_running else ""))
    stop = await expect_stop(cs, transaction, connector, status=status)
    if still_running:
        cs.require(stop.t_ns > response.sent_ns, f"StopTransaction (reason {stop.payload.get('reason', 'absent')}) "
                   f"came before the RemoteStopTransaction: {still_running}")
    reason = stop.payload.get("reason")
    cs.require(reason == "Remote", f"StopTransaction reason is {reason or 'absent (Local)'}, expected Remote")
    return stop
