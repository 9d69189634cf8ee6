"""Authorization of idTags: the Central System, the authorization cache, the local authorization list.

Rules (OCPP 1.6 §3.4, §3.5, §5.15, §9.1):

* idTags are CiString20: compared case-insensitively.
* The local list (when LocalAuthListEnabled) takes precedence over the cache (when
  AuthorizationCacheEnabled); a tag in the local list is never cached.
* Online: with LocalPreAuthorize, a locally known tag with status Accepted (not expired) is accepted at
  once, without Authorize.req; otherwise Authorize.req decides and its idTagInfo updates the cache.
  A locally known tag that is not Accepted is asked to the Central System anyway.
* Offline (no accepted connection, or Authorize.req unanswered): with LocalAuthorizeOffline a locally known
  Accepted tag is accepted; a locally known tag with another status is refused; an unknown tag is accepted
  only with AllowOfflineTxForUnknownId.
* The cache is filled from the idTagInfo of Authorize.conf, StartTransaction.conf and StopTransaction.conf.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ocpp.v16 import call

from . import clock
from .link import CallFailed, Offline

LOG = logging.getLogger("simulator.authorization")


@dataclass
class AuthResult:
    status: str
    parent_id_tag: str | None = None
    source: str = "central"      # central, cache, list, offline-unknown, offline, fault

    @property
    def accepted(self) -> bool:
        return self.status == "Accepted"


def normalize_info(info) -> dict:
    """An idTagInfo as the ``ocpp`` library hands it over (snake_case) or as on the wire (camelCase)."""
    info = dict(info or {})
    return {"status": info.get("status", "Invalid"),
            "expiry_date": info.get("expiry_date", info.get("expiryDate")),
            "parent_id_tag": info.get("parent_id_tag", info.get("parentIdTag"))}


def _effective_status(entry: dict) -> str:
    expiry = clock.parse(entry.get("expiry_date"))
    if entry.get("status") == "Accepted" and expiry is not None and expiry < clock.now():
        return "Expired"
    return entry.get("status", "Invalid")


class _LocalStore:
    """What the cache and the local list share: support (a PICS item), a switch (a configuration key) and the
    persisted store."""

    ENABLED_KEY = ""
    ENABLED_BY_DEFAULT = False

    def __init__(self, config, store, faults, supported: bool) -> None:
        self._config = config
        self._store = store
        self._faults = faults
        self.supported = supported

    @property
    def enabled(self) -> bool:
        return self.supported and self._config.get_bool(self.ENABLED_KEY, self.ENABLED_BY_DEFAULT)


class AuthCache(_LocalStore):
    ENABLED_KEY, ENABLED_BY_DEFAULT = "AuthorizationCacheEnabled", True

    def _entries(self) -> dict:
        return self._store.section("cache")

    def lookup(self, id_tag: str) -> dict | None:
        if not self.enabled:
            return None
        return self._entries().get(id_tag.lower())

    def update(self, id_tag: str, info: dict) -> None:
        if not self.enabled:
            return
        self._entries()[id_tag.lower()] = normalize_info(info)
        self._store.save()

    def clear(self) -> bool:
        if not self.supported:
            return False
        if self._faults.active("clear-cache-not-clearing"):
            return True
        self._store.data["cache"] = {}
        self._store.save()
        return True

    def __len__(self) -> int:
        return len(self._entries())


class LocalList(_LocalStore):
    ENABLED_KEY, ENABLED_BY_DEFAULT = "LocalAuthListEnabled", False

    def _data(self) -> dict:
        data = self._store.section("local_list")
        data.setdefault("version", 0)
        data.setdefault("entries", {})
        return data

    @property
    def version(self) -> int:
        data = self._data()
        if not data["entries"] and not self._faults.active("empty-local-list-keeps-version"):
            return 0
        return int(data["version"])

    def reported_version(self) -> int:
        """GetLocalListVersion: -1 while the list is off or unsupported."""
        if self.enabled or self._faults.active("local-list-version-when-disabled"):
            return self.version
        return -1

    def lookup(self, id_tag: str) -> dict | None:
        if not self.enabled:
            return None
        return self._data()["entries"].get(id_tag.lower())

    def update(self, list_version: int, update_type: str, items: list[dict] | None) -> str:
        """SendLocalList: Accepted, Failed, NotSupported or VersionMismatch."""
        if not self.enabled and not self._faults.active("local-list-accepted-without-support"):
            return "NotSupported"
        items = items or []
        if update_type == "Full" and not items and self._faults.active("local-list-full-update-fails"):
            return "Failed"
        over_limit = self._faults.active("local-list-over-limit-accepted")
        if len(items) > self._config.get_int("SendLocalListMaxLength", 10**6) and not over_limit:
            return "Failed"
        data = self._data()
        if update_type == "Full":
            entries = {}
        else:
            if self._faults.active("local-list-differential-fails"):
                return "Failed"
            if list_version <= int(data["version"]):
                return "VersionMismatch"
            entries = dict(data["entries"])
        for item in items:
            tag = str(item.get("id_tag", item.get("idTag", "")))
            info = item.get("id_tag_info", item.get("idTagInfo"))
            if info is None:
                entries.pop(tag.lower(), None)
            else:
                entries[tag.lower()] = normalize_info(info)
        if len(entries) > self._config.get_int("LocalAuthListMaxLength", 10**6) and not over_limit:
            return "Failed"
        data["entries"] = entries
        if not self._faults.active("local-list-version-not-updated"):
            data["version"] = int(list_version)
        for tag in entries:      # the list takes precedence: never both
            self._store.section("cache").pop(tag, None)
        self._store.save()
        return "Accepted"


class Authorizer:
    def __init__(self, settings, config, store, link, faults) -> None:
        self._config = config
        self._link = link
        self._faults = faults
        self.cache = AuthCache(config, store, faults, supported=settings.feature("C-04", True))
        self.local_list = LocalList(config, store, faults,
                                    supported="LocalAuthListManagement" in settings.feature_profiles)

    def _local(self, id_tag: str) -> tuple[dict | None, str]:
        entry = None if self._faults.active("local-list-not-used") else self.local_list.lookup(id_tag)
        if entry is not None:
            return entry, "list"
        return self.cache.lookup(id_tag), "cache"

    async def authorize(self, id_tag: str) -> AuthResult:
        if self._faults.active("no-authorize-local-start"):
            return AuthResult("Accepted", None, "fault")
        entry, source = self._local(id_tag)
        local_status = _effective_status(entry) if entry else None
        if self._link.ready:
            if (local_status == "Accepted" and self._config.get_bool("LocalPreAuthorize")
                    and not self._faults.active("sends-authorize-for-cached-id")):
                return AuthResult("Accepted", entry.get("parent_id_tag"), source)
            try:
                result = await self._link.call(call.Authorize(id_tag=id_tag))
            except (Offline, CallFailed) as exc:
                LOG.info("Authorize(%s) failed (%s): offline rules apply", id_tag, exc)
            else:
                info = normalize_info(result.id_tag_info)
                self.remember(id_tag, info)
                return AuthResult(info["status"], info["parent_id_tag"], "central")
        return self._offline(id_tag, entry, source, local_status)

    def _offline(self, id_tag: str, entry: dict | None, source: str, local_status: str | None) -> AuthResult:
        if entry is not None:
            if local_status == "Accepted" and self._config.get_bool("LocalAuthorizeOffline"):
                return AuthResult("Accepted", entry.get("parent_id_tag"), source)
            return AuthResult(local_status if local_status != "Accepted" else "Invalid",
                              entry.get("parent_id_tag"), source)
        if self._config.get_bool("AllowOfflineTxForUnknownId"):
            return AuthResult("Accepted", None, "offline-unknown")
        return AuthResult("Invalid", None, "offline")

    def remember(self, id_tag: str, info) -> None:
        """An idTagInfo from the Central System: update the cache (unless the tag is in the local list)."""
        if self.local_list.lookup(id_tag) is None:
            self.cache.update(id_tag, normalize_info(info))

    def known_parent(self, id_tag: str) -> str | None:
        entry, _ = self._local(id_tag)
        return entry.get("parent_id_tag") if entry else None

