"""Preflight of one kit's outputs, in a worker: every PDF measured, the report written."""

from __future__ import annotations

from printkit.preflight.findings import KitCheck, KitPreflight
from printkit.preflight.measure import preflight
from printkit.preflight.report import as_html, as_json
from printkit.source.outputs import OutputNames


def check_kit(task: KitCheck) -> KitPreflight:
    """Measure every PDF of a kit; the reports as files for its folder. The report shows
    every page of the reading copy, and of the other files the pages with findings."""
    names = sorted((n for n in task.files if n.endswith(".pdf")),
                   key=lambda n: (n != task.reading, n.count("/"), n))
    checked = [preflight(task.files[n], n, task.rules,
                         "all" if n == task.reading else "findings") for n in names]
    result = KitPreflight(task.kit_id, [f for c in checked for f in c.findings],
                          sum(len(c.sizes) for c in checked), len(checked))
    out = OutputNames(task.kit_id)
    result.files[out.preflight_json] = as_json(task.kit_id, task.rules, checked)
    result.files[out.preflight_html] = as_html(task.kit_id, task.title, checked)
    return result
