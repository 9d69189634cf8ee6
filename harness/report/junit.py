"""junit.xml from the results of a run: one <testsuite> per block, one <testcase> per OCTT test case.

| verdict        | element                                                         |
|----------------|-----------------------------------------------------------------|
| passed         | (none)                                                          |
| failed         | <failure message="reason" type="failed">                        |
| error          | <error message="reason" type="error">                           |
| inconclusive   | <skipped message="inconclusive: reason" type="inconclusive">    |
| not_applicable | <skipped message="not applicable: reason" type="not_applicable"> |

Inconclusive is a skip, not a failure: the harness could not make the case happen, the charger did not
deviate. It still makes the run's exit code 1 (docs/report.md). Each testcase carries <properties> octt_id,
block, profile, verdict (and features) and names its trace in <system-out>.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from harness.report.model import natural_key
from harness.report.run_files import safe_name

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(value) -> str:
    """Text XML 1.0 can carry (a charger may put any byte in a frame that a reason quotes)."""
    return _NOT_XML.sub("\ufffd", str(value))

_SKIP_PREFIX = {"inconclusive": "inconclusive", "not_applicable": "not applicable", "not_run": "not run"}


def _duration(result: dict) -> float:
    value = result.get("duration_s")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def render_junit(results: list[dict], run_id: str = "") -> str:
    blocks: dict[str, list[dict]] = {}
    for result in results:
        blocks.setdefault(str(result.get("block") or "other"), []).append(result)

    root = ET.Element("testsuites", name=f"ocpp-harness {run_id}".strip())
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
    for block in sorted(blocks):
        cases = sorted(blocks[block], key=lambda r: natural_key(str(r["id"])))
        counts = {
            "tests": len(cases),
            "failures": sum(r["verdict"] == "failed" for r in cases),
            "errors": sum(r["verdict"] == "error" for r in cases),
            "skipped": sum(r["verdict"] in _SKIP_PREFIX for r in cases),
            "time": sum(_duration(r) for r in cases),
        }
        suite = ET.SubElement(root, "testsuite", name=_x(block),
                              **{k: (f"{v:.3f}" if k == "time" else str(v)) for k, v in counts.items()})
        for key in totals:
            totals[key] += counts[key]
        for result in cases:
            _testcase(suite, block, result)
    for key, value in totals.items():
        root.set(key, f"{value:.3f}" if key == "time" else str(value))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _testcase(suite: ET.Element, block: str, result: dict) -> None:
    verdict, reason = result["verdict"], _x(result.get("reason") or "")
    case = ET.SubElement(suite, "testcase", name=_x(result["id"]), classname=_x(block),
                         time=f"{_duration(result):.3f}")
    properties = ET.SubElement(case, "properties")
    features = result.get("features")
    values = [("octt_id", result["id"]), ("block", block), ("profile", result.get("profile") or ""),
              ("verdict", verdict), ("title", result.get("title") or "")]
    if isinstance(features, list) and features:
        values.append(("features", ",".join(str(f) for f in features)))
    for name, value in values:
        ET.SubElement(properties, "property", name=name, value=_x(value))
    if verdict == "failed":
        ET.SubElement(case, "failure", message=reason, type="failed").text = reason
    elif verdict == "error":
        ET.SubElement(case, "error", message=reason, type="error").text = reason
    elif verdict in _SKIP_PREFIX:
        message = _SKIP_PREFIX[verdict] + (f": {reason}" if reason else "")
        ET.SubElement(case, "skipped", message=message, type=verdict)
    trace = result.get("trace")
    if trace:
        page = f"traces/{safe_name(result['id'])}.html"
        ET.SubElement(case, "system-out").text = _x(f"trace: {trace}\ntrace page: {page}\n")
