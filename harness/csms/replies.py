"""Default replies of the mock Central System to every request a charge point sends.

They are what a well-behaved Central System answers, configured from the test set-up of the PICS:
BootNotification Accepted with the configured heartbeat interval, Authorize by the idTag table, a fresh
transactionId for each StartTransaction, and so on. A test case overrides any of them for its own duration
with ``Station.respond``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class NoReply:
    """Leave the CALL unanswered (to see what the charge point does about silence)."""


@dataclass(frozen=True)
class CallErrorReply:
    error_code: str
    description: str = ""


ReplyDecision = dict[str, Any] | NoReply | CallErrorReply


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class IdTagTable:
    """How the Central System judges idTags: the ``idTagInfo`` to answer for each one.

    Unknown idTags are Invalid, as a real Central System would answer.
    """

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def info(self, id_tag: str | None) -> dict[str, Any]:
        if id_tag is None:
            return {"status": "Accepted"}
        return dict(self.entries.get(id_tag, {"status": "Invalid"}))

    def set(self, id_tag: str, status: str, parent_id_tag: str | None = None) -> None:
        entry: dict[str, Any] = {"status": status}
        if parent_id_tag:
            entry["parentIdTag"] = parent_id_tag
        self.entries[id_tag] = entry


@dataclass
class DefaultReplies:
    heartbeat_interval: int
    id_tags: IdTagTable
    _transaction_ids: Any = field(default_factory=lambda: itertools.count(1001))

    def reply(self, action: str, payload: Mapping[str, Any]) -> ReplyDecision:
        handler: Callable[[Mapping[str, Any]], ReplyDecision] | None = getattr(self, f"_{action}", None)
        if handler is None:
            return {}
        return handler(payload)

    def _BootNotification(self, payload: Mapping[str, Any]) -> ReplyDecision:
        return {"status": "Accepted", "currentTime": now_iso(), "interval": self.heartbeat_interval}

    def _Heartbeat(self, payload: Mapping[str, Any]) -> ReplyDecision:
        return {"currentTime": now_iso()}

    def _Authorize(self, payload: Mapping[str, Any]) -> ReplyDecision:
        return {"idTagInfo": self.id_tags.info(payload.get("idTag"))}

    def _StartTransaction(self, payload: Mapping[str, Any]) -> ReplyDecision:
        return {"transactionId": next(self._transaction_ids), "idTagInfo": self.id_tags.info(payload.get("idTag"))}

    def _StopTransaction(self, payload: Mapping[str, Any]) -> ReplyDecision:
        if "idTag" in payload:
            return {"idTagInfo": self.id_tags.info(payload["idTag"])}
        return {}

    def _DataTransfer(self, payload: Mapping[str, Any]) -> ReplyDecision:
        return {"status": "UnknownVendorId"}

    def _SignCertificate(self, payload: Mapping[str, Any]) -> ReplyDecision:
        return {"status": "Accepted"}
