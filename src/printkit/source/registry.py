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
REQUIRED = ("name", "source", "verified")
CONTACT_KEYS = ("call", "text", "chat", "url")
KNOWN_KEYS = {*REQUIRED, *CONTACT_KEYS, "vanity", "text_word", "call_note", "serves", "hours",
              "notes", "kind", "short"}
# Reference documents and programmes may have no line to call: a URL or nothing.
CONTACT_OPTIONAL_KINDS = {"document", "programme"}
# Printing these would be dangerous or wrong (facts brief: "never print the retired option").
FORBIDDEN_PATTERNS = (re.compile(r"press\s*3", re.I),)


@dataclass(frozen=True)
class Resource:
    id: str
    name: str
    source: str
    verified: dt.date
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
        return [r for r in self.entries.values() if r.verified < limit]

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
        values: dict[str, Any] = {k: (v if k == "verified" else str(v)) for k, v in raw.items()}
        entries[rid] = Resource(id=rid, **values)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    return Registry(file, entries, digest, lines)


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
                                    "Every entry needs a name, its source, and the date it "
                                    "was last verified (verified: YYYY-MM-DD)."))
    if "verified" in raw and not isinstance(raw["verified"], dt.date):
        problems.append(Problem(display, line_of(("resources", rid, "verified")),
                                f"resource '{rid}': verified must be a date like 2026-11-01"))
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
