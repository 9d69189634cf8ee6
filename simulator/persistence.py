"""The state file: what survives a reboot or a power cycle of the reference charge point.

One JSON document, rewritten atomically (temporary file + rename) on every change, so a SIGKILL at any
moment leaves either the old or the new state. Sections, each owned by one block:

| section        | owner                 | content                                                          |
|----------------|-----------------------|------------------------------------------------------------------|
| config         | config.Configuration  | values changed from their defaults                               |
| availability   | connectors            | {"0": "Operative"/"Inoperative", "1": ..., "scheduled": {...}}     |
| cables         | connectors            | physical plug state per connector (a power cut does not unplug)  |
| meters         | metering              | energy register per connector (Wh)                               |
| transactions   | transactions          | unfinished transactions                                          |
| queue          | transactions          | transaction messages not yet delivered (the offline queue)      |
| cache          | authorization         | the authorization cache                                          |
| local_list     | authorization         | the local authorization list and its version                     |
| counters       | transactions          | local sequence numbers                                           |
| power_cut      | station               | set by power_off, used up at the next start: that start is a boot |
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

LOG = logging.getLogger("simulator.persistence")


def default_path(charge_point_id: str) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in charge_point_id)
    return Path(tempfile.gettempdir()) / f"ocpp-sim-{safe}.json"


class StateStore:
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.data: dict = {}
        self.load()

    def load(self) -> dict:
        try:
            text = self.path.read_text(encoding="utf-8")
            data = json.loads(text) if text.strip() else {}
            self.data = data if isinstance(data, dict) else {}
        except FileNotFoundError:
            self.data = {}
        except (OSError, ValueError) as exc:
            LOG.warning("state file %s unreadable (%s): starting from defaults", self.path, exc)
            self.data = {}
        return self.data

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.data, fh, indent=1, sort_keys=True)
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def section(self, name: str, default_factory=dict):
        if name not in self.data:
            self.data[name] = default_factory()
        return self.data[name]
