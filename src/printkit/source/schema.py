"""The kit JSON Schema (shipped in the package) and friendly validation messages."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from printkit.errors import Problem, did_you_mean
from printkit.source.yamlio import Located


@cache
def kit_schema() -> dict[str, Any]:
    text = resources.files("printkit.source").joinpath("kit_schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _allowed_keys(schema: dict[str, Any]) -> list[str]:
    return list(schema.get("properties", {}))


def _where(path: tuple[str | int, ...]) -> str:
    parts: list[str] = []
    for p in path:
        parts.append(f"[{p + 1}]" if isinstance(p, int) else (("." if parts else "") + p))
    return "".join(parts) or "the kit"


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: dict[str, Any] = root["$defs"][ref.split("/")[-1]]
        return resolved
    return schema


def _messages(error: jsonschema.ValidationError, loc: Located, display: str) -> list[Problem]:
    path = tuple(error.absolute_path)
    root = kit_schema()
    schema = _resolve(error.schema, root) if isinstance(error.schema, dict) else {}
    where = _where(path)
    v = error.validator
    if v == "additionalProperties" and isinstance(error.instance, dict):
        allowed = _allowed_keys(schema)
        out = []
        instance: dict[str, Any] = error.instance
        for key in instance:
            if key in allowed:
                continue
            hint = did_you_mean(key, allowed, f"Known keys here: {', '.join(allowed)}.")
            out.append(Problem(display, loc.key_line((*path, key)),
                               f"unknown key '{key}' in {where}", hint))
        return out
    line = loc.line(path)
    if v == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        return [Problem(display, line, f"{where} is missing '{missing}'",
                        f"Add '{missing}:'.")]
    if v == "enum":
        choices: list[Any] = list(error.validator_value)  # type: ignore[arg-type]
        options = ", ".join(str(o) for o in choices)
        return [Problem(display, line, f"{where}: '{error.instance}' is not allowed",
                        f"Use one of: {options}.")]
    if v == "type":
        want = error.validator_value
        names = {"string": "text", "object": "a block of 'key: value' settings",
                 "array": "a list (lines starting with '- ')", "boolean": "true or false",
                 "number": "a number", "integer": "a whole number"}
        wanted = names.get(str(want), str(want))
        return [Problem(display, line, f"{where} should be {wanted}, not {error.instance!r}")]
    if v == "pattern":
        hint = schema.get("description", "") if isinstance(schema, dict) else ""
        return [Problem(display, line, f"{where}: '{error.instance}' is not a valid value", hint)]
    if v == "minLength":
        return [Problem(display, line, f"{where} is empty", "Write a value.")]
    if v == "oneOf" and path and path[0] == "documents" and isinstance(error.instance, dict):
        has = [k for k in ("template", "pdf") if k in error.instance]
        if not has:
            return [Problem(display, line, f"{where} has neither 'template' nor 'pdf'",
                            "Give the document a 'template:' (HTML or Markdown) or a 'pdf:'.")]
        if len(has) == 2:
            return [Problem(display, line, f"{where} has both 'template' and 'pdf'",
                            "Keep one of them.")]
        # Otherwise a nested error explains it better.
        best = jsonschema.exceptions.best_match(error.context or [])
        return _messages(best, loc, display) if best is not None else []
    if v == "oneOf" and error.context:
        # Report the branch that got furthest, in the user's terms.
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        if len(deepest.absolute_path) > len(error.absolute_path):
            return _messages(deepest, loc, display)
        description = schema.get("description", "") if isinstance(schema, dict) else ""
        return [Problem(display, line, f"{where}: {error.instance!r} is not a valid value",
                        description)]
    return [Problem(display, line, f"{where}: {error.message}")]


def validate_kit_data(loc: Located, display: str) -> list[Problem]:
    """Every schema problem in a kit, each with its line and a suggestion."""
    validator = jsonschema.Draft202012Validator(kit_schema())
    problems: list[Problem] = []
    for error in sorted(validator.iter_errors(loc.data), key=lambda e: list(map(str, e.path))):
        problems.extend(_messages(error, loc, display))
    # de-duplicate while keeping order
    seen: set[Problem] = set()
    unique = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            unique.append(p)
    return sorted(unique, key=lambda p: p.line or 0)
