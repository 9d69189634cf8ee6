"""10 Security: TC_083_CS, upgrade of the charger's security profile (OCPP 1.6 Security Whitepaper edition 3).

The whitepaper asks a charger that accepts a higher SecurityProfile to disconnect and reconnect with it; OCTT
sends a hard Reset to make it do so. The case accepts either: it waits a message timeout for the charger to
disconnect by itself and sends Reset(Hard) only when it does not. Then the Central System listens at the old
profile for the long operation timeout (the charger must not come back with it), and at the new one (it must).

The listener is restarted on the same port (``listener``); after the case the session sets the charger back
to the PICS's profile out of band, through the device adapter (OCPP cannot lower it), and the listener too.
"""

from __future__ import annotations

from typing import Any

from harness.csms.basic_auth import BasicAuth
from harness.security_profiles import UPGRADE_FROM, ListenerSwitch, why_no_upgrade
from harness.testcase import testcase
from harness.verdicts import Failed
from testcases.security.test_connection_security import next_attempt

PREREQUISITE = {2: "its CentralSystemRootCertificate installed", 3: "a ChargePointCertificate installed"}


@testcase("TC_083_CS", "Upgrade Charge Point Security Profile", block="security", profile="Advanced Security",
          applies=why_no_upgrade, security_profiles=UPGRADE_FROM)
async def test_upgrade_security_profile(cs, pics: Any, listener: ListenerSwitch, basic_auth: BasicAuth):
    """ChangeConfiguration(SecurityProfile = current + 1) → Accepted; the charger disconnects (or, after a
    message timeout, Reset(Hard) → Accepted, as OCTT does); with the listener at the old profile, no admitted
    connection within the long operation timeout; with the listener at the new one, the charger reconnects
    with it (after a Reset with a BootNotification); GetConfiguration(SecurityProfile) reads the new one."""
    current, long_wait = listener.profile, pics.test_setup.timeouts.long_operation
    target = current + 1
    response = await cs.call("ChangeConfiguration", key="SecurityProfile", value=str(target))
    cs.require(response["status"] == "Accepted",
               f"ChangeConfiguration(SecurityProfile={target}) answered {response['status']}, expected Accepted: "
               f"the PICS claims security profile {target}, and the run's charger has {PREREQUISITE[target]}")
    reset = await _disconnected_or_reset(cs, target)

    cs.steps.next(f"the Central System listens at security profile {current} only: the charge point must not "
                  f"reconnect with it")
    await listener.switch(current)
    since = basic_auth.mark()
    try:
        await cs.wait_for(lambda: any(a.admitted for a in basic_auth.attempts(since)),
                          f"no connection at security profile {current}", long_wait)
    except Failed as failure:
        if str(failure).startswith(cs.steps.current):      # a decisive finding of the evidence rules
            raise
    else:
        admitted = next(a for a in basic_auth.attempts(since) if a.admitted)
        cs.require(False, f"the charge point reconnected at security profile {current} at "
                          f"{cs.steps.offset(admitted.t_ns)} from the start of the case, after it accepted SecurityProfile {target}: it must "
                          f"connect with the new profile only (Security Whitepaper: reconnect using the new "
                          f"configured Security Profile)")

    cs.steps.next(f"the Central System listens at security profile {target}: the charge point reconnects with it")
    since = basic_auth.mark()
    await listener.switch(target)
    attempt = await next_attempt(cs, basic_auth, since, long_wait,
                                 f"the charge point to reconnect at security profile {target}")
    cs.require(attempt.admitted, f"the charge point's connection at security profile {target} was "
                                 f"{attempt.describe()}")
    if reset:
        await cs.expect("BootNotification", timeout=long_wait)
    else:
        await cs.wait_connected(cs.message_timeout)
    value = await cs.configuration("SecurityProfile")
    cs.require(value is None or str(value).strip() == str(target),
               f"GetConfiguration(SecurityProfile) reads {value} after the upgrade, expected {target}")


async def _disconnected_or_reset(cs: Any, target: int) -> bool:
    """Whether a Reset was needed: the whitepaper's charger disconnects by itself after the Accepted."""
    cs.steps.next(f"the charge point disconnects to reconnect with security profile {target}")
    try:
        await cs.wait_disconnected(cs.message_timeout)
        return False
    except Failed as failure:
        if str(failure).startswith(cs.steps.current):
            raise
    cs.steps.next("it stayed connected: Reset(Hard), as OCTT sends")
    response = await cs.call("Reset", type="Hard")
    cs.require(response["status"] == "Accepted", f"Reset(Hard) answered {response['status']}, expected Accepted")
    return True
