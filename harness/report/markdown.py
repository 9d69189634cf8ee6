"""certificate.md: the same sections as certificate.html, as GitHub-flavoured Markdown tables."""
from __future__ import annotations

import html

from harness.report import certificate_text as text
from harness.report.formatting import block_label, duration, number, secs, verdict_label
from harness.report.model import Report
from harness.report.run_files import safe_name


class Raw(str):
    """Markdown written by the renderer itself (a link): not escaped."""


def cell(value) -> str:
    """One table cell: HTML-escaped (GitHub renders inline HTML), pipes escaped, on one line."""
    if isinstance(value, Raw):
        return str(value)
    s = html.escape("" if value is None else str(value), quote=False)
    return s.replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines + [""]


def _exercised(row) -> str:
    return ", ".join(row.exercised_by) if row.exercised_by else ("" if row.group else "—")


def render_markdown(report: Report) -> str:
    r = report
    out = [f"# {r.title}", "", f"**Overall result: {r.overall_verdict}** — "
           f"{r.overall.passed} passed, {r.overall.failed} failed, {r.overall.inconclusive} inconclusive, "
           f"{r.overall.error} error, {r.overall.not_applicable} not applicable"
           + (f", {r.overall.not_run} not run" if r.overall.not_run else ""), ""]
    out += table(["Item", "Value"], [[f.label, f.value] for f in r.header])
    if r.status.state != "complete" or r.status.warnings:
        out += [f"> **{cell(r.status.message)}**"] + [f"> - {cell(w)}" for w in r.status.warnings] + [""]

    out += ["## 1. Product", ""]
    out += [f"Reported in the BootNotification of {r.product.boot_notification}." if r.product.boot_notification
            else "No BootNotification was seen in the traces: the PICS values stand in.", ""]
    rows = [[f.label, f.reported or "—", f.declared or "—",
             ("**mismatch** " if f.mismatch else "") + f.note] for f in r.product.fields]
    rows += [["Vendor name", "—", r.product.vendor_name, ""],
             ["Product Designation", "—", r.product.product_designation, ""],
             ["Device Under Test", "—", r.product.device_type, ""]]
    rows += [[k, v, "—", ""] for k, v in r.product.other_reported.items()]
    out += table(["Item", "Reported by the charger", "Declared in the PICS", ""], rows)

    out += ["## 2. Test Result Summary for the Certified Functionalities", ""]
    out += table(["Certification Profile", "Test Result", "Description", "Passed", "Failed", "Inconclusive",
                  "Error", "Not applicable"],
                 [[p.profile + ("" if p.claimed else " (not claimed in the PICS)"), p.verdict, p.description,
                   p.counts.passed, p.counts.failed, p.counts.inconclusive, p.counts.error,
                   p.counts.not_applicable] for p in r.profiles])

    out += ["## 3. Hardware Feature Set", "", r.hardware_intro, ""]
    out += table(["ID", "Feature", "Supported / Present"], [[x.id, x.title, x.value] for x in r.hardware])
    out += table(["Connector", "Current", "Phases", "Type", "Cable Type"],
                 [[c.connector, c.current, c.phases, c.type, c.cable_type] for c in r.connectors])

    out += ["## 4. Optional Features", "", r.features_intro, ""]
    profile = None
    for t in r.features:
        if t.profile != profile:
            profile = t.profile
            out += [f"### {profile}", ""]
        out += table(["ID", t.heading, "Supported / Present", "Exercised"],
                     [[x.id, x.title, x.value, _exercised(x)] for x in t.rows])

    out += ["## 5. Metervalues", ""]
    out += table(["ID", "Metervalues", "Tested During Certification", "Observed in this run",
                  "Supported According to Vendor"],
                 [[m.id, m.title, " ".join(m.tested), " ".join(m.observed) or ("" if m.group else "none"),
                   " ".join(m.declared)] for m in r.measurands])

    out += ["## 6. Cipher Suites", ""]
    out += table(["ID", "Cipher Suites", "Supported / Present"],
                 [[r.cipher_suites.id, r.cipher_suites.title, r.cipher_suites.value],
                  ["", "Negotiated in this run", " ".join(r.cipher_suites_negotiated) or "none (ws://)"]])

    out += ["## 7. Additional Questions", "", r.questions_intro, ""]
    out += table(["ID", "Additional Questions for Lab Testing", "Answer"],
                 [[q.id, q.title, q.value] for q in r.questions])

    out += ["## 8. Other Relevant Settings", "", r.settings_intro, ""]
    for g in r.settings:
        out += table(["ID", g.heading, "Value"], [[x.id, x.title, x.value] for x in g.rows])

    out += ["## 9. Performance Measurement Result", "", r.performance.intro, ""]
    out += table(["Name", "Max Value", "Unit", "Description"],
                 [[m.name, number(m.max_value), m.unit, m.description] for m in r.performance.maxima])
    out += table(["Name", "Min Value", "Max Value", "Average Value", "p95", "Samples", "Unit", ""],
                 [[k.kpi, secs(k.min_s), secs(k.max_s), secs(k.mean_s), secs(k.p95_s), k.count, "seconds",
                   (f"**over the maximum of {number(k.vendor_max_s)} s**" if k.exceeds_max
                    else ("no sample" if not k.count else "within maximum"))]
                  for k in r.performance.measured])
    out += table([text.COMMUNICATION_TECHNOLOGY_LABEL, r.performance.communication_technology], [])

    i = r.identity
    out += ["## 10. Test Tool and PICS Identity", ""]
    out += table(["Item", "Value"], [
        ["OCTT Version", f"Tool: {i.tool}"], ["OCTT Instance ID", i.run_id],
        ["Started / ended (UTC)", f"{i.started_utc or '—'} / {i.ended_utc or 'did not end'}"],
        ["Config ID", i.config_id], ["PICS", i.pics_path], ["PICS sha256", i.pics_sha256],
        ["Firmware image hash", i.firmware_image_sha256], ["DUT adapter", i.dut_adapter],
        ["Security profile", i.security_profile],
        ["Date-times without offset tolerated", i.tolerate_date_time_without_offset], ["Command", i.command]])
    if i.reference_certificate:
        out += ["Certificate the PICS was taken from:", ""]
        out += table(["Item", "Value"], [[f.label, f.value] for f in i.reference_certificate])
    else:
        out += ["Not certified: the PICS names no certificate.", ""]

    out += ["## 11. Complete Test Report", ""]
    if not r.cases:
        out += [f"**{r.status.message}**", ""]
    if r.status.session:
        out += ["The harness's own traces, outside any test case: "
                + ", ".join(f"[{safe_name(c)}](traces/{safe_name(c)}.html)" for c in r.status.session), ""]
    if r.status.unfinished:
        out += ["Started but did not finish: " + ", ".join(r.status.unfinished), ""]
    out += table(["Test case", "Title", "Block", "Verdict", "Reason", "Duration", "Trace"],
                 [[c.id, c.title + (f" (security profile {c.security_profile})" if c.security_profile is not None else ""),
                   block_label(c.block), verdict_label(c.verdict),
                   "; ".join([c.reason] * bool(c.reason) + [f"warning: {w}" for w in c.warnings]),
                   duration(c.duration_s), Raw(f"[trace]({c.trace_page})") if c.trace_page else "—"] for c in r.cases])
    return "\n".join(out).rstrip() + "\n"
