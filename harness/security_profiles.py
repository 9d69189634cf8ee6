"""Which security profiles a charger supports, from its PICS, and the upgrade a run may try (TC_083_CS).

The seed certificate words them: Core covers "Security Profile 2", Advanced Security is "TLS with client
authentication" (profile 3), C-11 is "Support for Security Profile 1". TLS needs cipher suites (C-12) to
serve. OCPP only ever raises a profile (Security Whitepaper: lowering it is not done through OCPP), so the
harness puts a charger that a case upgraded back out of band, through its device adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def supported(pics: Any) -> set[int]:
    """The profiles the PICS claims, plus the one the run starts at."""
    profiles = {pics.test_setup.security_profile}
    if pics.feature("C-11"):
        profiles.add(1)
    tls = bool(pics.cipher_suites)
    if tls and pics.certification_profiles.get("Core"):
        profiles.add(2)
    if tls and pics.certification_profiles.get("Advanced Security"):
        profiles.add(3)
    return profiles


def upgrade_target(pics: Any) -> int | None:
    """The next profile up from the run's, when the charger claims it (TC_083_CS); None otherwise."""
    current = pics.test_setup.security_profile
    if current in (1, 2) and current + 1 in supported(pics):
        return current + 1
    return None


def why_no_upgrade(pics: Any) -> str | None:
    """Why TC_083_CS does not apply, in the PICS's words; None when it does."""
    current = pics.test_setup.security_profile
    if current not in (1, 2):
        return (f"security_profile = {current} in test_setup: the case upgrades a charger connected at security "
                f"profile 1 or 2 to the next one")
    if upgrade_target(pics) is None:
        claim = "Core" if current == 1 else "Advanced Security"
        return (f"the charger does not claim security profile {current + 1}: {claim} = No in "
                f"certification_profiles, or no cipher suites (C-12)")
    return None


@dataclass
class ListenerSwitch:
    """A case's handle on the Central System's listener (TC_083_CS): the profile it serves, and a restart at
    another on the same port. The session puts listener and charger back to the PICS's profile before the
    next case."""

    session: Any

    @property
    def profile(self) -> int:
        return int(self.session.security_profile)

    async def switch(self, profile: int) -> None:
        await self.session.switch_listener(profile)
