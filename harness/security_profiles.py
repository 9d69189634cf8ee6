"""Which security profiles a charger supports, from its PICS, and the upgrade a run may try (TC_083_CS).

The seed certificate words them: Core covers "Security Profile 2", Advanced Security is "TLS with client
authentication" (profile 3), C-11 is "Support for Security Profile 1". TLS needs cipher suites (C-12) to
serve. OCPP only ever raises a profile (Security Whitepaper: lowering it is not done through OCPP), so the
harness puts a charger that a case upgraded back out of band, through its device adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: the profiles TC_083_CS upgrades from
UPGRADE_FROM = (1, 2)


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


def names(profiles: tuple[int, ...] | set[int]) -> str:
    return " or ".join(str(p) for p in sorted(profiles))


def why_not_at(pics: Any, profiles: tuple[int, ...]) -> str | None:
    """Why a case that runs at one of ``profiles`` does not apply, naming the PICS items; None when the PICS
    claims one."""
    if set(profiles) & supported(pics):
        return None
    reasons = "; ".join(dict.fromkeys(_unclaimed(pics, p) for p in sorted(profiles)))
    return (f"the case runs at security profile {names(profiles)}, which the PICS does not claim: {reasons} "
            f"(test_setup.security_profile = {pics.test_setup.security_profile})")


def _unclaimed(pics: Any, profile: int) -> str:
    if profile == 1:
        return "C-11 = No (Support for Security Profile 1)"
    if not pics.cipher_suites:
        return "cipher_suites (C-12) = none: TLS needs at least one"
    claim = "Core" if profile == 2 else "Advanced Security"
    return f"{claim} = No in certification_profiles"


def profile_for(pics: Any, profiles: tuple[int, ...]) -> int:
    """The profile a case runs at: the run's own when the case takes it (or takes any), else the lowest
    claimed one above it (an upgrade, as a Central System would make it), else the highest below it (set out
    of band)."""
    start = pics.test_setup.security_profile
    if not profiles or start in profiles:
        return start
    claimed = set(profiles) & supported(pics)
    above = sorted(p for p in claimed if p > start)
    return above[0] if above else max(claimed, default=start)


def upgrade_target(pics: Any) -> int | None:
    """The upgrade TC_083_CS makes: from the profile it runs at (the run's own when that is 1 or 2) to the
    next one, when the PICS claims it."""
    start = profile_for(pics, UPGRADE_FROM)
    return start + 1 if start in UPGRADE_FROM and start + 1 in supported(pics) else None


def why_no_upgrade(pics: Any) -> str | None:
    """Why TC_083_CS does not apply, in the PICS's words; None when it does."""
    if upgrade_target(pics) is None:
        start = profile_for(pics, UPGRADE_FROM)
        if start not in UPGRADE_FROM:
            return why_not_at(pics, UPGRADE_FROM)
        return (f"the case upgrades the charger from security profile {start} (the one it runs at) to {start + 1}, "
                f"which the PICS does not claim: {_unclaimed(pics, start + 1)}")
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

    async def switch(self, profile: int, suites: tuple[str, ...] | None = None) -> None:
        """Restart at ``profile``, offering only the cipher suites ``suites`` (IANA names) if given."""
        await self.session.switch_listener(profile, suites)

    def servable(self, suites: tuple[str, ...]) -> tuple[list[str], list[str]]:
        """(the suites the listener can offer, the others): it holds a server certificate of each key kind
        the PICS's suites need (ECDSA, RSA), so only a suite unknown to the harness is left out."""
        from harness.pki import CIPHER_SUITES

        can = [s for s in suites if s in CIPHER_SUITES]
        return can, [s for s in suites if s not in can]
