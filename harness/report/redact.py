"""Keep secrets out of every report: the Basic-auth password (PICS `basic_auth_password`) and the value of
the `AuthorizationKey` configuration key, wherever they appear.

The run directory should already hold them as "***" (docs/contracts.md); this is the defensive second pass.
`Secrets` collects every secret value seen while reading a run; `Secrets.scrub_text` is applied to each
rendered file before it is written.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field

MASK = "***"
SECRET_PICS_KEYS = frozenset({"basic_auth_password"})
SECRET_CONFIGURATION_KEYS = frozenset({"AuthorizationKey"})
# "Authorization: Basic <credentials>" as a header line, a JSON member or a Python repr
_BASIC_HEADER = re.compile(r"""(?i)(authorization['"]?\s*[:=]\s*['"]?basic\s+)(?!\*\*\*)[A-Za-z0-9+/=._~-]+""")


@dataclass
class Secrets:
    values: set[str] = field(default_factory=set)

    def add(self, value) -> None:
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) not in ("", MASK):
            self.values.add(str(value))

    def scrub_text(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, MASK)
            # the same value as it appears inside JSON text (quotes, backslashes escaped)
            escaped = json.dumps(value)[1:-1]
            if escaped != value:
                text = text.replace(escaped, MASK)
        return _BASIC_HEADER.sub(lambda m: m.group(1) + MASK, text)

    # ------------------------------------------------------------------------------------------ PICS

    def scrub_pics(self, pics):
        """A copy of the PICS with every secret masked; the secrets are remembered."""
        pics = copy.deepcopy(pics)
        self._walk_pics(pics)
        return pics

    def _walk_pics(self, node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in SECRET_PICS_KEYS and not isinstance(value, (dict, list)):
                    self.add(value)
                    node[key] = MASK
                elif key in SECRET_CONFIGURATION_KEYS:
                    if isinstance(value, dict) and "value" in value:
                        self.add(value["value"])
                        value["value"] = MASK
                    elif not isinstance(value, (dict, list)):
                        self.add(value)
                        node[key] = MASK
                else:
                    self._walk_pics(value)
        elif isinstance(node, list):
            for item in node:
                self._walk_pics(item)

    # ------------------------------------------------------------------------------------------ traces

    def learn_from_record(self, record: dict) -> None:
        """Remember an AuthorizationKey value carried by a frame (ChangeConfiguration, GetConfiguration.conf)."""
        for key, value in _configuration_pairs(record.get("payload")):
            if _is_secret_key(key):
                self.add(value)

    def scrub_record(self, record: dict) -> dict:
        record = copy.deepcopy(record)
        payload = record.get("payload")
        if isinstance(payload, dict):
            if _is_secret_key(payload.get("key")) and "value" in payload:
                payload["value"] = MASK
            for item in _list(payload.get("configurationKey")):
                if isinstance(item, dict) and _is_secret_key(item.get("key")) and "value" in item:
                    item["value"] = MASK
        for name in ("raw", "detail", "text", "reason", "answer"):
            if isinstance(record.get(name), str):
                record[name] = self.scrub_text(record[name])
        if isinstance(record.get("detail"), dict):
            record["detail"] = json.loads(self.scrub_text(json.dumps(record["detail"])))
        if isinstance(record.get("args"), dict):
            record["args"] = json.loads(self.scrub_text(json.dumps(record["args"])))
        return record


def _is_secret_key(key) -> bool:
    return isinstance(key, str) and key in SECRET_CONFIGURATION_KEYS


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _configuration_pairs(payload):
    if not isinstance(payload, dict):
        return
    if "key" in payload and "value" in payload:
        yield payload.get("key"), payload.get("value")
    for item in _list(payload.get("configurationKey")):
        if isinstance(item, dict):
            yield item.get("key"), item.get("value")
