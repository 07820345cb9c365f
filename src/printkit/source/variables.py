"""Variables and their precedence.

Lowest to highest: template defaults (``|default``) < printkit.yaml ``variables`` <
kit ``variables`` (through its ``extends`` chain) < document ``variables`` <
``--vars FILE`` (in the order given) < ``--set KEY=VALUE`` < roster row.
Dotted keys (``contacts.eap``) address nested values.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from printkit.errors import InputError, Problem, UsageError
from printkit.source.yamlio import load_yaml

KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RESERVED = {"kit", "doc", "agency", "resource", "paper", "front", "grayscale"}


@dataclass
class Layer:
    """One source of values, e.g. 'kits/x.yaml' or '--set'."""

    name: str
    values: Mapping[str, Any]
    lines: Mapping[str, int] = field(default_factory=dict)  # top-level key -> line, if a file


@dataclass
class Resolved:
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # dotted key -> layer name


def parse_value(text: str) -> Any:
    """--set and roster values: ISO dates become dates; everything else stays text."""
    text = text.strip()
    if DATE_RE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    return text


def set_dotted(target: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def _flatten(values: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from _flatten(value, name + ".")
        else:
            yield name, value


def resolve(layers: Iterable[Layer]) -> Resolved:
    out = Resolved()
    for layer in layers:
        for key, value in _flatten(layer.values):
            set_dotted(out.values, key, copy.deepcopy(value))
            out.sources[key] = layer.name
    return out


def parse_set_options(items: Iterable[str]) -> Layer:
    values: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise UsageError(f"--set {item!r}: expected KEY=VALUE, e.g. --set event_name=\"Main "
                             "Street fire\"")
        key, value = item.split("=", 1)
        key = key.strip()
        if not KEY_RE.match(key):
            raise UsageError(f"--set {item!r}: '{key}' is not a valid variable name (letters, "
                             "digits and _, with dots for nested values)")
        if key.split(".")[0] in RESERVED - {"agency"}:
            raise UsageError(f"--set {item!r}: '{key.split('.')[0]}' is reserved by printkit")
        set_dotted(values, key, parse_value(value))
    return Layer("--set", values)


def load_vars_file(path: Path, display: str) -> Layer:
    loc = load_yaml(path, display, empty_ok=True)
    if not isinstance(loc.data, dict):
        raise InputError([Problem(display, 1, "a variables file must be 'name: value' lines")])
    problems = []
    for key in loc.data:
        if not KEY_RE.match(key):
            problems.append(Problem(display, loc.key_line((key,)),
                                    f"'{key}' is not a valid variable name",
                                    "Use letters, digits and underscores."))
        elif key in RESERVED - {"agency"}:
            problems.append(Problem(display, loc.key_line((key,)),
                                    f"'{key}' is reserved by printkit", "Choose another name."))
    if problems:
        raise InputError(problems)
    return Layer(display, loc.data, {k: loc.key_line((k,)) or 1 for k in loc.data})

