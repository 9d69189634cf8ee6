"""How numbers, verdicts and blocks are written in every rendering."""
from __future__ import annotations

VERDICT_LABELS = {"passed": "Passed", "failed": "Failed", "inconclusive": "Inconclusive",
                  "not_applicable": "Not applicable", "error": "Error", "not_run": "Not run"}
BLOCK_LABELS = {"core": "Core", "local_auth_list": "Local Authorization List Management",
                "firmware": "Firmware Management", "reservation": "Reservation", "remote_trigger": "Remote Trigger",
                "smart_charging": "Smart Charging", "security": "Security",
                "properties": "Beyond the plan (property-based; not in the certificate)"}


def secs(value) -> str:
    """Seconds with millisecond resolution, as a KPI table shows them."""
    return "—" if value is None else f"{value:.3f}"


def number(value) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def duration(value) -> str:
    return "—" if value is None else f"{value:.2f} s"


def verdict_label(verdict: str) -> str:
    return VERDICT_LABELS.get(verdict, verdict)


def block_label(block: str) -> str:
    return BLOCK_LABELS.get(block, block)
