"""The two everyday forms: an event build (the kit's variables as typed fields: dates as
date pickers; a value written ``!sample`` is a placeholder, shown as an example and left
marked SAMPLE unless filled in) and a roster upload (a CSV, checked row by row as
`printkit check --roster` checks it)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from printkit.check import check
from printkit.engine.atomic import write_bytes
from printkit.errors import Problem
from printkit.source.kit import Kit
from printkit.source.project import Project
from printkit.source.roster import MAX_ROSTER_BYTES
from printkit.source.slug import safe_name
from printkit.source.variables import Layer, set_dotted

FORM_LAYER = "the event form"   # where the values come from, in messages
UPLOADS = ".uploads"            # under build/ (hidden: never served)
SMALL_WORDS = {"a", "an", "and", "at", "by", "day", "for", "in", "of", "on", "or", "the",
               "to", "way"}
MAX_UPLOAD = MAX_ROSTER_BYTES


@dataclass(frozen=True)
class Field:
    key: str        # the variable (dotted for a nested one: contacts.eap)
    label: str      # in words: "Event date"
    kind: str       # "date", "number", "yesno" or "text"
    value: str      # what the field holds at first ("" for a placeholder)
    example: str    # a placeholder's value, shown as an example ("" otherwise)

    @property
    def name(self) -> str:
        return f"var.{self.key}"

    @property
    def dom_id(self) -> str:
        return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.key)


def label_of(key: str) -> str:
    """A variable's name in words: event_date -> "Event date", mh_commander ->
    "MH commander", contacts.eap -> "Contacts: EAP"."""
    parts = []
    for part in key.split("."):
        words = [w.upper() if len(w) <= 3 and w not in SMALL_WORDS else w
                 for w in part.split("_") if w]
        text = " ".join(words)
        parts.append(text[:1].upper() + text[1:])
    return ": ".join(parts)


def _flat(values: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in values.items():
        if isinstance(value, Mapping) and value:
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "yesno"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    return None  # a list or a block: not a field


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def shown_value(value: Any) -> str:
    """A value in words: a date as "January 15, 2026" (a date picker shows no example)."""
    if isinstance(value, dt.date):
        return f"{value:%B} {value.day}, {value.year}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def event_fields(kit: Kit) -> list[Field]:
    """The kit's variables as form fields, in the kit's order."""
    fields = []
    for key, value in _flat(kit.variables):
        kind = _kind(value)
        if kind is None:
            continue
        sample = key in kit.variable_samples
        fields.append(Field(key, label_of(key), kind, "" if sample else _shown(value),
                            shown_value(value) if sample else ""))
    return fields


def _parse(field: Field, raw: str) -> tuple[Any, str]:
    """A submitted value as the variable's type, or what is wrong with it."""
    if field.kind == "date":
        try:
            return dt.date.fromisoformat(raw), ""
        except ValueError:
            return None, f"{field.label}: pick a date (or type it as YYYY-MM-DD)"
    if field.kind == "number":
        try:
            return (int(raw) if re.fullmatch(r"-?\d+", raw) else float(raw)), ""
        except ValueError:
            return None, f"{field.label}: type a number"
    if field.kind == "yesno":
        if raw not in ("yes", "no"):
            return None, f"{field.label}: choose yes or no"
        return raw == "yes", ""
    return raw, ""


def read_event(fields: list[Field], form: Mapping[str, Any]) -> tuple[dict[str, Any],
                                                                     list[str]]:
    """The values the form changes (a placeholder left empty stays a placeholder, and
    the build is marked SAMPLE), and what is wrong with any."""
    values: dict[str, Any] = {}
    wrong = []
    for field in fields:
        if field.name not in form:
            continue  # not sent: as the kit has it
        raw = str(form.get(field.name, "")).strip()
        if raw == field.value or (field.example and not raw):
            continue
        if not raw and field.kind != "text":
            wrong.append(f"{field.label}: fill it in")
            continue
        value, problem = _parse(field, raw)
        if problem:
            wrong.append(problem)
        else:
            values[field.key] = value
    return values, wrong


def event_layer(values: Mapping[str, Any]) -> Layer | None:
    if not values:
        return None
    nested: dict[str, Any] = {}
    for key, value in values.items():
        set_dotted(nested, key, value)
    return Layer(FORM_LAYER, nested)


def build_name(typed: str, values: Mapping[str, Any]) -> str:
    """The event build's folder name (build/KIT-NAME/): as typed, else from the event's
    name, else "event"."""
    return (safe_name(typed) or safe_name(str(values.get("event_name", ""))) or "event")


def save_upload(build_dir: Path, filename: str, data: bytes) -> Path:
    """An uploaded roster, in a folder of its own under build/uploads/."""
    name = safe_name(Path(filename.replace("\\", "/")).stem) or "roster"
    path = build_dir / UPLOADS / secrets.token_hex(8) / f"{name}.csv"
    write_bytes(path, data)
    return path


def roster_problems(project: Project, kit_id: str, roster: Path,
                    shown: str) -> list[Problem]:
    """`printkit check KIT --roster FILE`: its errors, and its warnings about the
    roster, each naming the file as the user knows it (``shown``)."""
    saved = project.rel(roster)
    out = []
    for p in check(project, [kit_id], roster=roster):
        if p.severity != "error" and p.file != saved:
            continue  # notes about the kit itself: not this page's business
        out.append(Problem(p.file.replace(saved, shown), p.line,
                           p.message.replace(saved, shown), p.hint.replace(saved, shown),
                           p.severity))
    return out
