"""BasicAuth, the case's handle on the listener's HTTP Basic authentication (TC_073_CS, TC_085_CS): the key it
expects can change for a case and is put back, each key set is a secret, and the attempts it reports (admitted
or refused, with the username) never hold a password; a refused attempt wakes a case that waits for one."""

from __future__ import annotations

import asyncio
import base64
import json

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from harness.csms.basic_auth import BasicAuth
from tests.harness.csms.test_station import CP_ID, PASSWORD, central  # noqa: F401 - the fixture

NEW_KEY = "4F43415F4F4354545F61646D696E5F74657374"


async def open_with(system, password: bytes) -> int:
    """Connect with ``password`` as the Basic password: 101 when admitted, else the refusal's HTTP status."""
    token = base64.b64encode(CP_ID.encode() + b":" + password).decode()
    try:
        async with connect(f"{system.url}/{CP_ID}", subprotocols=["ocpp1.6"],
                           additional_headers={"Authorization": f"Basic {token}"}):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


async def test_a_case_changes_the_expected_key_and_it_is_put_back(central):  # noqa: F811
    system, _ = central
    auth = BasicAuth(system, CP_ID, system.trace, PASSWORD)
    since = auth.mark()
    auth.expect(NEW_KEY)
    assert await open_with(system, PASSWORD.encode()) == 401                      # the old key: refused
    assert await open_with(system, b"OCA_OCTT_admin_test") == 101                  # the new one, as its bytes
    auth.expect(PASSWORD, NEW_KEY)
    assert await open_with(system, PASSWORD.encode()) == 101                       # either, for a while
    assert await open_with(system, NEW_KEY.encode()) == 101
    auth.restore()
    assert await open_with(system, NEW_KEY.encode()) == 401
    attempts = auth.attempts(since)
    assert [a.admitted for a in attempts] == [False, True, True, True, False]
    assert attempts[1].detail["basic_auth_user"] == CP_ID
    assert "401" in attempts[0].describe() and "password does not match" in attempts[0].describe()
    recorded = json.dumps(system.trace.records)
    assert NEW_KEY not in recorded and PASSWORD not in recorded and "OCA_OCTT_admin_test" not in recorded
    assert NEW_KEY in system.trace.redactor.secrets


async def test_a_refusal_wakes_a_case_waiting_for_an_attempt(central):  # noqa: F811
    system, station = central
    auth = BasicAuth(system, CP_ID, system.trace, PASSWORD)
    since = auth.mark()
    waiting = asyncio.create_task(station.wait_for(lambda: bool(auth.attempts(since)), "an attempt", 30))
    assert await open_with(system, b"wrong-password-0000") == 401
    await asyncio.wait_for(waiting, 2)                # woken by the refusal, not by its 30 s timeout
    assert not auth.attempts(since)[0].admitted

