"""HTTP Basic authentication as a test case sees it: which AuthorizationKey the listener accepts, and what it
saw of the charger's connection attempts.

A case that changes the charger's AuthorizationKey (TC_073_CS) must make the listener expect the new key for
the rest of the case, or the charger's correct reconnect would be refused; the session puts the PICS's
password back after the case. Every key a case sets is a secret from then on (redacted from traces and
reports). What the listener saw comes from the trace's connection records, which never hold a password:
``open`` (admitted: the Basic credentials were right, with the username it presented) and ``refused`` (why).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from harness.csms.server import CentralSystem, charge_point_id_of
from harness.csms.trace import Trace


@dataclass(frozen=True)
class Attempt:
    """One connection attempt the listener saw: admitted (``open``) or ``refused`` (HTTP status, reason)."""

    event: str
    t_ns: int
    detail: dict[str, Any]

    @property
    def admitted(self) -> bool:
        return self.event == "open"

    def describe(self) -> str:
        if self.admitted:
            return "admitted"
        return f"refused with HTTP {self.detail.get('status')}: {self.detail.get('reason')}"


class BasicAuth:
    """The listener's Basic auth for one chargePointId, for the duration of one case."""

    def __init__(self, central: CentralSystem, charge_point_id: str, trace: Trace, original: str | None) -> None:
        self._central = central
        self._charge_point_id = charge_point_id
        self._trace = trace
        self.original = original

    @property
    def required(self) -> bool:
        """The listener asks for Basic auth (security profiles 1 and 2)."""
        return self._central.listener.requires_basic_auth

    def expect(self, *keys: str) -> None:
        """From now on admit the charger only with one of ``keys`` (AuthorizationKey values, each as text or,
        for 32 to 40 hex digits, as the bytes they encode); each is a secret."""
        for key in keys:
            self._trace.redactor.add(key)
        self._central.passwords[self._charge_point_id] = keys[0] if len(keys) == 1 else tuple(keys)

    def restore(self) -> None:
        """Back to the PICS's password (the session does this after every case)."""
        self._central.passwords[self._charge_point_id] = self.original

    @staticmethod
    def mark() -> int:
        """A moment to read attempts from (:meth:`attempts`)."""
        return time.monotonic_ns()

    def attempts(self, since_ns: int) -> list[Attempt]:
        """The connection attempts of this charger since ``since_ns``, oldest first."""
        found = []
        for record in self._trace.records:
            if record.get("type") != "connection" or record.get("event") not in ("open", "refused"):
                continue
            detail = record.get("detail") or {}
            if record["t_ns"] >= since_ns and charge_point_id_of(str(detail.get("path", ""))) == self._charge_point_id:
                found.append(Attempt(record["event"], record["t_ns"], detail))
        return found

    def handshakes(self, since_ns: int) -> int:
        """TLS ClientHellos the listener saw since ``since_ns`` (from any charger: a ClientHello names no
        chargePointId); more of them than admitted attempts are handshakes that were given up."""
        return sum(1 for r in self._trace.records if r.get("type") == "connection"
                   and r.get("event") == "tls-client-hello" and r["t_ns"] >= since_ns)
