"""A personalised document as its skeleton: the same document with each field's text
replaced by a hidden placeholder, rendered once for every row that shares it."""

from __future__ import annotations

from dataclasses import replace

from printkit.personalise.fields import probe, split
from printkit.plan.planner import KitPlan, PlannedDoc, Planner, summary_of, title_of


def skeleton(planner: Planner, plan: KitPlan,
             planned: PlannedDoc) -> tuple[PlannedDoc, tuple[str, ...], str]:
    """A personalised document as its skeleton, the texts of its fields, and why not.
    Documents without fields, and those whose title or contents-page summary would change
    with a field's text, come back unchanged (with no texts)."""
    job = planned.job
    if job is None or 'class="pk-field"' not in job.html:
        return planned, (), ""
    html, texts = split(job.html)
    title = planned.doc.title or title_of(html) or planned.title
    if planned.doc.id == "cover":
        title = planned.title
    if title != planned.title or summary_of(html) != planned.summary:
        return planned, (), (f"{job.label}: a field in the title or the lede (they "
                             "appear on the contents page)")
    base = planner.job(job.label, html, plan.paper, plan.settings, plan.kit.bleed_mm,
                       probe=probe)
    return replace(planned, job=base), texts, ""
