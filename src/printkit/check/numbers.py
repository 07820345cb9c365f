"""Every number printed comes from the registry or printkit.yaml: a phone number or a code
to call or text typed into a template's prose, or into a kit's printed text, is a warning
naming the line."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from printkit.errors import Problem
from printkit.template.environment import ConfinedLoader

if TYPE_CHECKING:
    from printkit.check import Checked

# A phone number, or a number to call or text, typed into a template instead of taken from
# the registry (where it has a source and the date it was checked).
TYPED_NUMBER_RE = re.compile(
    r"(?<![\d-])(?:1-)?\d{3}-\d{3}-\d{4}(?![\d-])|(?<![\w-])\(\d{3}\) ?\d{3}-\d{4}"
    r"|\b(?:[Cc]all|[Tt]ext|[Dd]ial|[Aa]sk)(?: or text)?(?: [A-Z]+ to)? \d{3,6}(?![\d-])")
# What in a template's source is not printed prose: Jinja code, comments, style sheets.
NOT_PROSE_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<style\b.*?</style>|<!--.*?-->",
                          re.S | re.I)
HINT = ("Take it from the registry, e.g. {{ resource('lifeline-988').call | keep }}, so it "
        "prints with its source and the date it was checked.")
KIT_TEXT = ("title", "subtitle", "description")


def numbers_come_from_the_registry(c: Checked) -> list[Problem]:
    """A phone number or text code typed into a template's prose is a warning naming the
    line: every number printed comes from the registry, with its source and check date."""
    loader = c.planner.env.loader
    assert isinstance(loader, ConfinedLoader)
    names = sorted({name for plan in c.plans.values() for planned in plan.renders()
                    if planned.job is not None
                    for name in c.planner.analysis(planned.doc.source).files})
    problems: list[Problem] = []
    for name in names:
        text = loader.path_of(name).read_text("utf-8")
        prose = NOT_PROSE_RE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
        for number, line in enumerate(prose.splitlines(), 1):
            problems.extend(Problem(
                f"templates/{name}", number, f"'{m.group()}' is typed into the template",
                HINT, "warning")
                for m in TYPED_NUMBER_RE.finditer(line))
    return problems


def kit_numbers(c: Checked) -> list[Problem]:
    """The same in a kit's printed text: its title, subtitle, description and cover note."""
    problems: list[Problem] = []
    for kit in c.kits:
        texts = [(kit.lines.get(k), str(getattr(kit, k))) for k in KIT_TEXT]
        if kit.cover:
            texts.append((kit.lines.get("cover"), str(kit.cover.get("note", ""))))
        problems.extend(Problem(kit.display, line, f"'{m.group()}' is typed into the kit",
                                "Say it in words (e.g. 'call emergency services'), or put "
                                "it in a template from the registry.", "warning")
                        for line, text in texts for m in TYPED_NUMBER_RE.finditer(text))
    return problems
