"""Property-based tests: whatever a user (or an attacker) feeds the loaders, the answer is a
result or one clear InputError/UsageError, never a crash."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from printkit.errors import InputError, UsageError
from printkit.source.kit import load_kit
from printkit.source.project import Project
from printkit.source.roster import read_roster
from printkit.source.slug import safe_name, unique_names
from printkit.source.variables import RESERVED, Layer, parse_set_options, resolve

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=20), st.dates())
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20)
kit_like = st.fixed_dictionaries({}, optional={
    "title": values, "documents": st.one_of(values, st.lists(st.dictionaries(
        st.sampled_from(["id", "template", "pdf", "title", "variables", "bogus"]), values,
        max_size=4), max_size=3)),
    "paper": values, "duplex": values, "variables": values, "outputs": values,
    "extends": values, "cover": values, "contents": values, "bogus": values})


def project_at(tmp: Path) -> Project:
    (tmp / "kits").mkdir(exist_ok=True)
    (tmp / "templates").mkdir(exist_ok=True)
    return Project(tmp)


@SETTINGS
@given(text=st.text(max_size=400))
def test_any_text_as_a_kit(tmp_path_factory: object, text: str) -> None:
    tmp = Path(str(tmp_path_factory.mktemp("k")))  # type: ignore[attr-defined]
    project = project_at(tmp)
    (tmp / "kits" / "x.yaml").write_text(text, encoding="utf-8")
    try:
        load_kit(project, "x")
    except InputError as exc:
        assert exc.problems and all(p.file for p in exc.problems)


@SETTINGS
@given(data=kit_like)
def test_any_structure_as_a_kit(tmp_path_factory: object, data: dict[str, object]) -> None:
    tmp = Path(str(tmp_path_factory.mktemp("k")))  # type: ignore[attr-defined]
    project = project_at(tmp)
    (tmp / "kits" / "x.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    try:
        kit = load_kit(project, "x")
    except InputError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file.endswith("x.yaml") and problem.message
    else:
        assert isinstance(kit.title, str) and kit.title


# --set items: mostly well-formed (so the success branch is exercised), some reserved or
# padded names, and arbitrary text.
set_names = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,4}(\.[A-Za-z_][A-Za-z0-9_]{0,4}){0,2}",
                  fullmatch=True),
    st.sampled_from(sorted(RESERVED)).map(lambda word: word + ".x"),
    st.text(max_size=8))
set_items = st.one_of(
    st.builds(lambda pad, key, value: f"{pad}{key}{pad}={value}", st.sampled_from(["", " "]),
              set_names, st.one_of(st.text(max_size=12), st.dates().map(str))),
    st.text(max_size=30))


def _set_problem(item: str) -> bool:
    """Whether ``--set item`` is malformed (an independent model of the rules)."""
    if "=" not in item:
        return True
    key = item.split("=", 1)[0].strip()
    return (re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", key) is None
            or key.split(".")[0] in RESERVED - {"agency"})


def _set_value(text: str) -> object:
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    return text


def _leaves(values: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            assert value, f"an empty table at {prefix}{key}"
            out.update(_leaves(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


@SETTINGS
@given(items=st.lists(set_items, max_size=5))
def test_any_set_option(items: list[str]) -> None:
    bad = next((item for item in items if _set_problem(item)), None)
    try:
        layer = parse_set_options(items)
    except UsageError as exc:
        assert bad is not None, f"{items!r} refused: {exc}"
        assert str(exc).startswith(f"--set {bad!r}: "), (bad, str(exc))
    else:
        assert bad is None, f"{bad!r} accepted"
        # the later item wins: a key replaces its parent's value and its own sub-keys
        expected: dict[str, object] = {}
        for item in items:
            key, value = item.split("=", 1)
            key = key.strip()
            for old in [k for k in expected
                        if k.startswith(key + ".") or key.startswith(k + ".")]:
                del expected[old]
            expected[key] = _set_value(value)
        assert layer.name == "--set"
        assert _leaves(layer.values) == expected


keys = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
flat = st.dictionaries(keys, st.one_of(st.integers(), st.text(max_size=5)), max_size=5)


@SETTINGS
@given(layers=st.lists(flat, min_size=1, max_size=4))
def test_later_layers_win(layers: list[dict[str, object]]) -> None:
    resolved = resolve(Layer(f"layer{i}", values) for i, values in enumerate(layers))
    for key in {k for layer in layers for k in layer}:
        last = max(i for i, layer in enumerate(layers) if key in layer)
        assert resolved.values[key] == layers[last][key]
        assert resolved.sources[key] == f"layer{last}"


@SETTINGS
@given(text=st.text(max_size=300))
def test_any_text_as_a_roster(tmp_path_factory: object, text: str) -> None:
    tmp = Path(str(tmp_path_factory.mktemp("r")))  # type: ignore[attr-defined]
    path = tmp / "r.csv"
    path.write_text(text, encoding="utf-8")
    try:
        rows = read_roster(path, "r.csv")
    except InputError as exc:
        assert all(p.file == "r.csv" for p in exc.problems)
    else:
        slugs = [r.slug for r in rows]
        assert len(set(slugs)) == len(slugs)
        assert all(s and "/" not in s and not s.startswith(".") for s in slugs)


@SETTINGS
@given(names=st.lists(st.text(max_size=40), max_size=20))
def test_file_names_are_safe_and_unique(names: list[str]) -> None:
    out = unique_names(names, fallback="row")
    assert len(set(out)) == len(out) == len(names)
    for name in out:
        assert (name and name == safe_name(name)) or name.startswith("row-")
        assert "/" not in name and ".." not in name and not name.startswith("-")


def test_dates_in_set_become_dates() -> None:
    layer = parse_set_options(["event_date=2026-03-02", "note=2026-13-40"])
    assert layer.values["event_date"] == dt.date(2026, 3, 2)
    assert layer.values["note"] == "2026-13-40"
