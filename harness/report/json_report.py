"""certificate.json: the report model for machines.

The keys are the dataclass fields of `harness.report.model.Report`, in declaration order, plus
`schema_version`; a change of meaning or a removed key bumps `model.SCHEMA_VERSION`.
"""
from __future__ import annotations

import json

from harness.report.model import Report


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
