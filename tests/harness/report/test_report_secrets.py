"""No report prints the Basic-auth password or an AuthorizationKey value, even when the run directory holds
them (harness/report/redact.py)."""
from __future__ import annotations

import copy

from harness.report import write_report
from fixtures.synthetic_run import TraceBuilder

PASSWORD = "harness-demo-key-01"
NEW_KEY = "0123456789abcdef0123456789abcdef"
CONFIGURED_KEY = "declared-key-9876"


def test_secrets_never_reach_a_report(make_run, case_factory, seed_pics):
    pics = copy.deepcopy(seed_pics)
    assert pics["test_setup"]["basic_auth_password"] == PASSWORD
    pics["configuration_keys"]["AuthorizationKey"] = {"access": "write-only", "value": CONFIGURED_KEY}

    t = TraceBuilder()
    t.connection("open", {"path": "/BSEC22K-0001", "authorization": f"Basic {PASSWORD}"}, at_ms=0)
    ck = t.cs_call("ChangeConfiguration", {"key": "AuthorizationKey", "value": NEW_KEY}, at_ms=10)
    t.cp_result(ck, {"status": "Accepted"}, at_ms=200)
    gc = t.cs_call("GetConfiguration", {"key": ["AuthorizationKey"]}, at_ms=300)
    t.cp_result(gc, {"configurationKey": [{"key": "AuthorizationKey", "readonly": False, "value": NEW_KEY}]},
                at_ms=400)
    t.dut("prompt", {"text": "type the password"}, outcome="answered", answer=PASSWORD, at_ms=500)
    t.verdict("failed", f"step 2: the charger returned its AuthorizationKey {NEW_KEY}", at_ms=600)
    run_dir = make_run([case_factory("TC_073_CS", "failed", trace=t,
                                     reason=f"step 2: the charger returned its AuthorizationKey {NEW_KEY}; "
                                            f"Authorization: Basic {PASSWORD}")],
                       pics=pics, redact=False)
    assert PASSWORD in (run_dir / "pics.yaml").read_text()          # the run directory itself leaked them

    paths = write_report(run_dir)
    outputs = [paths.html, paths.markdown, paths.json, paths.junit, *paths.traces]
    for path in outputs:
        text = path.read_text(encoding="utf-8")
        for secret in (PASSWORD, NEW_KEY, CONFIGURED_KEY):
            assert secret not in text, f"{secret} in {path.name}"
    trace_page = (run_dir / "traces" / "TC_073_CS.html").read_text(encoding="utf-8")
    assert "ChangeConfiguration" in trace_page and "***" in trace_page
