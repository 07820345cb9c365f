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
from printkit.source.yamlio import Located, Path_t, load_yaml

KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RESERVED = {"kit", "doc", "agency", "resource", "paper", "front", "grayscale", "sample"}


@dataclass
class Layer:
    """One source of values, e.g. 'kits/x.yaml' or '--set'."""

    name: str
    values: Mapping[str, Any]
    lines: Mapping[str, int] = field(default_factory=dict)  # top-level key -> line, if a file
    # Dotted keys of its values written as ``!sample`` placeholders -> (file, line).
    samples: Mapping[str, tuple[str, int | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class SampleValue:
    """A placeholder value a build uses: where it is written, to name it in messages."""

    key: str
    value: Any
    file: str
    line: int | None


@dataclass
class Resolved:
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # dotted key -> layer name
    samples: dict[str, SampleValue] = field(default_factory=dict)  # placeholders in use


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
            for old in [k for k in out.samples if k == key or k.startswith(key + ".")]:
                del out.samples[old]  # a value given here replaces the placeholder
            if key in layer.samples:
                out.samples[key] = SampleValue(key, value, *layer.samples[key])
    return out


def samples_of(loc: Located, display: str, prefix: Path_t = (),
               strip: int = 0) -> dict[str, tuple[str, int | None]]:
    """The ``!sample`` values of a YAML file under ``prefix``, as dotted keys (without
    the first ``strip`` parts of their path) -> (file, line)."""
    return {".".join(str(p) for p in path[strip:]): (display, loc.line(path))
            for path in sorted(loc.samples, key=str) if path[:len(prefix)] == prefix}


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
    return Layer(display, loc.data, {k: loc.key_line((k,)) or 1 for k in loc.data},
                 samples_of(loc, display))

