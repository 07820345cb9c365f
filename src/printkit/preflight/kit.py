"""Preflight of one kit's outputs: every PDF measured (a file at a time, so a pool can share
the work out), then the reports written. Light to import: PyMuPDF loads in the worker that
measures."""

from __future__ import annotations

from collections.abc import Sequence

from printkit.preflight.findings import Checked, FileCheck, KitCheck, KitPreflight
from printkit.preflight.report import as_html, as_json
from printkit.source.outputs import OutputNames


def file_checks(task: KitCheck) -> list[FileCheck]:
    """The kit's PDFs to measure, the reading copy first. The report shows every page of
    the reading copy, and of the other files the pages with findings."""
    names = sorted((n for n in task.files if n.endswith(".pdf")),
                   key=lambda n: (n != task.reading, n.count("/"), n))
    return [FileCheck(n, task.files[n], task.rules, "all" if n == task.reading else "findings")
            for n in names]


def check_file(task: FileCheck) -> Checked:
    from printkit.preflight.measure import preflight

    return preflight(task.data, task.name, task.rules, task.thumbnails)


def kit_report(task: KitCheck, checked: Sequence[Checked]) -> KitPreflight:
    """The kit's findings, and its reports as files for its folder."""
    result = KitPreflight(task.kit_id, [f for c in checked for f in c.findings],
                          sum(len(c.sizes) for c in checked), len(checked))
    out = OutputNames(task.kit_id)
    result.files[out.preflight_json] = as_json(task.kit_id, task.rules, checked)
    result.files[out.preflight_html] = as_html(task.kit_id, task.title, checked)
    return result


def check_kit(task: KitCheck) -> KitPreflight:
    """``kit_report`` of every file measured here, in this process."""
    return kit_report(task, [check_file(t) for t in file_checks(task)])
