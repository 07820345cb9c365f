"""The resource registry (data/resources.yaml): every number, text code and URL printed.

Templates refer to entries by id; nothing types a phone number into prose.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from printkit.errors import InputError, Problem
from printkit.source.yamlio import load_yaml

STALE_AFTER_DAYS = 365
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
REQUIRED = ("name", "source", "checked")
CONTACT_KEYS = ("call", "text", "chat", "url")
KNOWN_KEYS = {*REQUIRED, *CONTACT_KEYS, "vanity", "text_word", "call_note", "serves", "hours",
              "notes", "kind", "short", "applies", "values"}
CHECKED_KEYS = {"on", "against", "url"}
AGAINST = ("primary", "secondary")
# Reference documents, programmes and figures may have no line to call: a URL or nothing.
CONTACT_OPTIONAL_KINDS = {"document", "programme", "figure"}
# Printing these would be dangerous or wrong (facts brief: "never print the retired option").
FORBIDDEN_PATTERNS = (re.compile(r"press\s*3", re.I),)


@dataclass(frozen=True)
class Checked:
    """How an entry was checked: on a date, against a primary source (the organisation's
    or the government's own page) or only a secondary one, at a URL."""

    on: dt.date
    against: str
    url: str


@dataclass(frozen=True)
class Resource:
    id: str
    name: str
    source: str
    checked: Checked
    call: str = ""
    vanity: str = ""
    call_note: str = ""
    text: str = ""
    text_word: str = ""
    chat: str = ""
    url: str = ""
    serves: str = ""
    hours: str = ""
    notes: str = ""
    kind: str = ""
    short: str = ""
    applies: int | None = None  # the year its figures hold for (a year-bound figure)
    values: Mapping[str, str] = field(default_factory=dict)  # a figure's values, as printed

    @property
    def verified(self) -> dt.date | None:
        """The date it was checked against a primary source; None when it was checked
        only against a secondary one (then no "checked" date is printed)."""
        return self.checked.on if self.checked.against == "primary" else None

    def web(self, value: str) -> str:
        """A URL as printed: no scheme, no trailing slash."""
        return re.sub(r"^https?://", "", value).rstrip("/")


@dataclass(frozen=True)
class Registry:
    file: Path | None
    entries: Mapping[str, Resource] = field(default_factory=dict)
    digest: str = ""
    lines: Mapping[str, int] = field(default_factory=dict)

    def get(self, rid: str) -> Resource | None:
        return self.entries.get(rid)

    def stale(self, today: dt.date) -> list[Resource]:
        limit = today - dt.timedelta(days=STALE_AFTER_DAYS)
        return [r for r in self.entries.values() if r.checked.on < limit]

    def secondary(self) -> list[Resource]:
        return [r for r in self.entries.values() if r.checked.against != "primary"]

    def out_of_date(self, today: dt.date) -> list[Resource]:
        """Figures for a year that has passed."""
        return [r for r in self.entries.values()
                if r.applies is not None and r.applies < today.year]

    def warnings(self, today: dt.date, display: str) -> list[Problem]:
        """Entries checked over a year ago or only against a secondary source, and figures
        for a year that has passed."""
        def warn(r: Resource, message: str, hint: str) -> Problem:
            return Problem(display, self.lines.get(r.id), f"resource '{r.id}' {message}", hint,
                           "warning")

        return [
            *(warn(r, f"was last checked {r.checked.on} (over a year ago)",
                   "Check it on its source's own page, then update 'checked:'.")
              for r in self.stale(today)),
            *(warn(r, f"was checked only against a secondary source ({r.checked.url}), so "
                   "it prints no 'checked' date", "Check it on the organisation's or the "
                   "government's own page, then set 'against: primary' and that page's url.")
              for r in self.secondary()),
            *(warn(r, f"holds the figures for {r.applies}, a year that has passed",
                   "Look up this year's figures at the source, then update 'values', "
                   "'applies' and 'checked'.")
              for r in self.out_of_date(today)),
        ]

    def phone_numbers(self) -> set[str]:
        """Every number the registry allows in print, digits only."""
        numbers = set()
        for r in self.entries.values():
            for value in (r.call, r.text):
                digits = re.sub(r"\D", "", value)
                if digits:
                    numbers.add(digits)
        return numbers


def load_registry(file: Path, display: str = "data/resources.yaml") -> Registry:
    if not file.exists():
        return Registry(None)
    loc = load_yaml(file, display)
    data = loc.data
    problems: list[Problem] = []
    if not isinstance(data, dict) or not isinstance(data.get("resources"), dict):
        raise InputError([Problem(display, 1, "expected 'resources:' followed by entries",
                                  "See the README's section on the resource registry.")])
    entries: dict[str, Resource] = {}
    lines: dict[str, int] = {}
    for rid, raw in data["resources"].items():
        line = loc.key_line(("resources", rid))
        lines[rid] = line or 1
        if not ID_RE.match(rid):
            problems.append(Problem(display, line, f"resource id '{rid}' should be lowercase "
                                    "letters, digits and hyphens"))
        if not isinstance(raw, dict):
            problems.append(Problem(display, line, f"resource '{rid}' must be a block of settings"))
            continue
        problems.extend(_check_entry(rid, raw, loc.line, display))
        if any(p.severity == "error" and p.message.startswith(f"resource '{rid}'")
               for p in problems):
            continue
        values: dict[str, Any] = {k: str(v) for k, v in raw.items()
                                  if k not in ("checked", "applies", "values")}
        c = raw["checked"]
        entries[rid] = Resource(id=rid, **values,
                                checked=Checked(c["on"], str(c["against"]), str(c["url"])),
                                applies=raw.get("applies"),
                                values={str(k): str(v) for k, v in raw.get("values", {}).items()})
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    return Registry(file, entries, digest, lines)


def _check_checked(rid: str, checked: Any, line_of: Any, display: str) -> list[Problem]:
    line = line_of(("resources", rid, "checked"))
    example = "checked: {on: 2026-11-29, against: primary, url: https://988lifeline.org}"
    if not isinstance(checked, dict):
        return [Problem(display, line, f"resource '{rid}': checked must say on, against and "
                        "url", f"E.g. {example}")]
    problems = []
    for key in CHECKED_KEYS - set(checked):
        problems.append(Problem(display, line, f"resource '{rid}': checked has no '{key}'",
                                f"E.g. {example}"))
    for key in set(checked) - CHECKED_KEYS:
        problems.append(Problem(display, line, f"resource '{rid}': checked has an unknown key "
                                f"'{key}'", "Known keys: on, against, url."))
    if "on" in checked and not isinstance(checked["on"], dt.date):
        problems.append(Problem(display, line, f"resource '{rid}': checked on must be a date "
                                "like 2026-11-29"))
    if "against" in checked and checked["against"] not in AGAINST:
        problems.append(Problem(display, line, f"resource '{rid}': checked against must be "
                                "primary or secondary",
                                "primary: the organisation's or the government's own page; "
                                "secondary: anything else (news, summaries, other sites)."))
    if "url" in checked and not str(checked["url"]).startswith(("https://", "http://")):
        problems.append(Problem(display, line, f"resource '{rid}': checked url must be the "
                                "web address of the page checked, starting https://"))
    return problems


def _check_entry(rid: str, raw: Mapping[str, Any], line_of: Any, display: str) -> list[Problem]:
    problems = []
    line = line_of(("resources", rid))
    for key in raw:
        if key not in KNOWN_KEYS:
            problems.append(Problem(display, line_of(("resources", rid, key)),
                                    f"resource '{rid}': unknown key '{key}'",
                                    f"Known keys: {', '.join(sorted(KNOWN_KEYS))}."))
    for key in REQUIRED:
        if key not in raw:
            problems.append(Problem(display, line, f"resource '{rid}' has no '{key}'",
                                    "Every entry needs a name, its source, and how it was "
                                    "checked: checked: {on: YYYY-MM-DD, against: primary, "
                                    "url: https://...}."))
    if "checked" in raw:
        problems.extend(_check_checked(rid, raw["checked"], line_of, display))
    if "applies" in raw and not (isinstance(raw["applies"], int)
                                 and not isinstance(raw["applies"], bool)):
        problems.append(Problem(display, line_of(("resources", rid, "applies")),
                                f"resource '{rid}': applies must be a year, e.g. 2026"))
    if "values" in raw and not (isinstance(raw["values"], dict) and all(
            isinstance(v, str | int | float) for v in raw["values"].values())):
        problems.append(Problem(display, line_of(("resources", rid, "values")),
                                f"resource '{rid}': values must be 'name: text' lines",
                                'E.g. values: {elective: "$24,500"}'))
    if not any(k in raw for k in CONTACT_KEYS) and raw.get("kind") not in CONTACT_OPTIONAL_KINDS:
        problems.append(Problem(display, line, f"resource '{rid}' has no way to reach it",
                                f"Add one of: {', '.join(CONTACT_KEYS)}."))
    for key, value in raw.items():
        for pattern in FORBIDDEN_PATTERNS:
            if isinstance(value, str) and pattern.search(value):
                problems.append(Problem(display, line_of(("resources", rid, key)),
                                        f"resource '{rid}' mentions a retired option "
                                        f"('{pattern.pattern}')",
                                        "Remove it: the option no longer exists."))
    return problems
