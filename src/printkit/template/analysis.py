"""What a template depends on, found without rendering it: the templates it extends or
includes, the variables it reads and the registry entries it names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
import jinja2.meta
import jinja2.nodes

from printkit.errors import problem
from printkit.template.environment import (
    DEFAULT_MARKDOWN_LAYOUT,
    ConfinedLoader,
    filter_hint,
    notes_in,
    read_front_matter,
)


@dataclass(frozen=True)
class TemplateInfo:
    """What a template depends on, found without rendering it."""

    name: str
    files: tuple[str, ...]          # itself and every template it extends/includes/imports
    names: frozenset[str]           # context names it reads (variables, kit, agency, ...)
    resource_ids: tuple[tuple[str, str, int], ...]  # (id, template, line) for resource('id')
    front_matter: Mapping[str, Any]
    dynamic: bool = False           # includes a template whose name is computed
    notes: tuple[tuple[str, str, int], ...] = ()  # (text, template, line) of {% note %}s
    # An HTML template that extends no layout: a whole document, perhaps made elsewhere,
    # rendered with its own styles (the project's style sheets are left out).
    whole: bool = False


@dataclass(frozen=True)
class FileFacts:
    """What one template file says, apart from the files it references."""

    names: frozenset[str]
    refs: tuple[tuple[str | None, int | None], ...]   # (name or None if computed, line)
    notes: tuple[tuple[str, int], ...]
    ids: tuple[tuple[str, int], ...]
    extends: bool


FileCache = dict[tuple[str, str], FileFacts]   # (template name, its text) -> its facts


def _facts(env: jinja2.Environment, current: str, source: str, filename: str | None,
           kept: FileCache) -> FileFacts:
    """One file parsed once, however many templates include it (layouts and partials are
    read by every document): ``kept`` by name and text."""
    found = kept.get((current, source))
    if found is not None:
        return found
    try:
        ast = env.parse(source, current, filename)
    except jinja2.TemplateSyntaxError as exc:
        raise problem(f"templates/{current}", exc.lineno,
                      f"template syntax error: {exc.message}",
                      "Check that every {% block %}/{% if %}/{% for %} is closed and "
                      "every {{ }} is balanced.") from None
    try:
        names = frozenset(jinja2.meta.find_undeclared_variables(ast))
    except jinja2.TemplateSyntaxError as exc:  # e.g. an unknown filter
        raise problem(f"templates/{current}", exc.lineno,
                      f"template syntax error: {exc.message}", filter_hint(env, exc)) from None
    refs = tuple((ref, _line_of_reference(ast, ref) if ref is not None else None)
                 for ref in jinja2.meta.find_referenced_templates(ast))
    ids = tuple((rid, call.lineno) for call in ast.find_all(jinja2.nodes.Call)
                if isinstance(call.node, jinja2.nodes.Name)
                and call.node.name.startswith("resource")
                for rid in _const_strings(call.args[:1]))
    found = FileFacts(names, refs, tuple(notes_in(ast)), ids,
                       any(True for _ in ast.find_all(jinja2.nodes.Extends)))
    kept[(current, source)] = found
    return found


def analyse(env: jinja2.Environment, name: str, kept: FileCache | None = None) -> TemplateInfo:
    """Walk a template and everything it references. Raises InputError on syntax errors.
    ``kept``: the files already parsed (a planner keeps one for its build)."""
    kept = {} if kept is None else kept
    loader = env.loader
    assert isinstance(loader, ConfinedLoader)
    seen: list[str] = []
    names: set[str] = set()
    ids: list[tuple[str, str, int]] = []
    notes: list[tuple[str, str, int]] = []
    front: Mapping[str, Any] = {}
    dynamic = whole = False
    todo = [name]
    while todo:
        current = todo.pop(0)
        if current in seen:
            continue
        seen.append(current)
        try:
            source, filename, _ = loader.get_source(env, current)
        except jinja2.TemplateNotFound as exc:
            where = f"templates/{seen[-2]}" if len(seen) > 1 else f"templates/{name}"
            raise problem(where, None, f"template '{exc.name}' not found",
                          "Paths are relative to templates/ and must stay inside it.") from None
        facts = _facts(env, current, source, filename, kept)
        if current == name and not name.endswith(".md"):
            whole = not facts.extends
        if current == name and name.endswith(".md"):
            front = read_front_matter(loader.path_of(name), f"templates/{name}")
            layout = str(front.get("layout", DEFAULT_MARKDOWN_LAYOUT))
            todo.append(layout)
        names |= facts.names
        for ref, line in facts.refs:
            if ref is None:
                dynamic = True  # a name made at render time: any template may be read
                continue
            try:
                found = loader.path_of(ref).is_file()
            except jinja2.TemplateNotFound:
                found = False
            if not found:
                raise problem(f"templates/{current}", line, f"template '{ref}' not found",
                              "Check the name in {% extends %} / {% include %}; paths are "
                              "relative to templates/.")
            todo.append(ref)
        notes.extend((text, current, line) for text, line in facts.notes)
        ids.extend((rid, current, line) for rid, line in facts.ids)
    return TemplateInfo(name, tuple(seen), frozenset(names), tuple(ids), front, dynamic,
                        tuple(notes), whole)


def _const_strings(nodes: list[jinja2.nodes.Expr]) -> list[str]:
    """String constants in call arguments, including inside list and tuple literals."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, jinja2.nodes.Const) and isinstance(node.value, str):
            out.append(node.value)
        elif isinstance(node, jinja2.nodes.List | jinja2.nodes.Tuple):
            out.extend(_const_strings(list(node.items)))
    return out


def _line_of_reference(ast: jinja2.nodes.Template, ref: str) -> int | None:
    for node in ast.find_all((jinja2.nodes.Extends, jinja2.nodes.Include, jinja2.nodes.Import,
                              jinja2.nodes.FromImport)):
        template = getattr(node, "template", None)
        if isinstance(template, jinja2.nodes.Const) and template.value == ref:
            return node.lineno
    return None
