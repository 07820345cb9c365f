"""Kit files: YAML in, frozen dataclasses out, every problem reported at once."""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from printkit.errors import InputError, Problem, did_you_mean, problem
from printkit.source.outputs import Booklet, Cards, CutSheets, OutputNames, Product, parse_outputs
from printkit.source.project import Project
from printkit.source.schema import validate_kit_data
from printkit.source.typography import curly
from printkit.source.variables import samples_of
from printkit.source.yamlio import Located, load_yaml
from printkit.units import PAPER_SIZES

DocKind = Literal["html", "markdown", "pdf"]
HTML_SUFFIXES = (".html", ".htm", ".j2", ".jinja")  # an HTML template's file names


@dataclass(frozen=True)
class Document:
    id: str
    kind: DocKind
    source: str  # relative to templates/ (html, markdown) or to the project (pdf)
    title: str | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    file: str = ""  # kit file that defined it (for messages)
    line: int | None = None
    reading: bool = True  # in the reading copy, its contents, cover and booklet


@dataclass(frozen=True)
class Kit:
    id: str
    file: Path
    display: str
    title: str
    subtitle: str = ""
    audience: str = ""
    description: str = ""
    keywords: tuple[str, ...] = ()
    language: str = "en"
    paper: str = "letter"
    duplex: bool = False
    bleed_mm: float = 3.0
    body_size: float = 10.0   # pt: preflight holds every text page's body text to this
    variables: Mapping[str, Any] = field(default_factory=dict)
    variable_sources: Mapping[str, str] = field(default_factory=dict)
    # Its variables written as ``!sample`` placeholders: dotted key -> (file, line).
    variable_samples: Mapping[str, tuple[str, int | None]] = field(default_factory=dict)
    cover: Mapping[str, Any] | None = field(default_factory=dict)
    contents_title: str | None = "Contents"
    documents: tuple[Document, ...] = ()
    outputs: tuple[Product, ...] = ()  # besides the reading copy and handouts
    lines: Mapping[str, int] = field(default_factory=dict)  # top-level key -> line
    files: tuple[str, ...] = ()        # the kit file and every kit it extends

    @property
    def booklet(self) -> Booklet | None:
        return next((o for o in self.outputs if isinstance(o, Booklet)), None)

    def output_names(self) -> OutputNames:
        return OutputNames(self.id)


def resolve_kit_file(project: Project, name: str) -> tuple[str, Path]:
    """A kit id (file stem in kits/) or a path to a YAML file -> (id, path)."""
    candidate = Path(name)
    if name.endswith((".yaml", ".yml")) or "/" in name or candidate.is_file():
        path = candidate if candidate.is_absolute() else Path.cwd() / candidate
        if not path.is_file():
            raise problem(name, None, "kit file not found",
                          "Give a kit id from 'printkit list' or the path to a kit's YAML file.")
        return path.stem, path.resolve()
    path = project.kits_dir / f"{name}.yaml"
    if not path.is_file():
        known = project.kit_ids()
        hint = did_you_mean(name, known, f"Known kits: {', '.join(known)}." if known
                            else "kits/ has no kits yet.")
        raise problem(f"kits/{name}.yaml", None, f"no kit named '{name}'", hint)
    return name, path


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@dataclass
class _Raw:
    """A kit's data after schema validation and inheritance, before typing."""

    data: dict[str, Any]
    docs: list[tuple[dict[str, Any], str, int | None]]  # (document, file, line)
    var_sources: dict[str, str]
    lines: dict[str, int]
    files: tuple[str, ...]  # the kit file, then its parents
    var_samples: dict[str, tuple[str, int | None]] = field(default_factory=dict)


def _load_raw(project: Project, kit_id: str, path: Path, chain: tuple[str, ...],
              problems: list[Problem]) -> _Raw | None:
    display = project.rel(path)
    loc = load_yaml(path, display)
    if not isinstance(loc.data, dict):
        problems.append(Problem(display, 1, "a kit must be a block of 'key: value' settings",
                                "Start with 'title:' and 'documents:'."))
        return None
    schema_problems = validate_kit_data(loc, display)
    problems.extend(schema_problems)
    if schema_problems:
        # Keep going where we safely can, so one run reports every mistake.
        problems.extend(_file_problems_of_raw(project, loc))
        return None
    data: dict[str, Any] = loc.data
    lines = {k: loc.key_line((k,)) or 1 for k in data}
    docs = [(d, display, _source_line(loc, i, d))
            for i, d in enumerate(data.get("documents", []))]
    var_sources = {k: display for k in _flat_keys(data.get("variables", {}))}
    var_samples = samples_of(loc, display, ("variables",), 1)

    parent_name = data.get("extends")
    if parent_name is None:
        if data.get("remove"):
            problems.append(Problem(display, lines["remove"], "'remove' only works with 'extends'"))
        return _Raw(data, docs, var_sources, lines, (display,), var_samples)
    if parent_name in (*chain, kit_id):
        cycle = " -> ".join((*chain, kit_id, parent_name))
        problems.append(Problem(display, lines["extends"], f"kits extend each other in a circle: "
                                f"{cycle}", "Remove one of the 'extends:' lines."))
        return None
    parent_path = project.kits_dir / f"{parent_name}.yaml"
    if not parent_path.is_file():
        problems.append(Problem(display, lines["extends"], f"'extends: {parent_name}' names no kit",
                                f"Known kits: {', '.join(project.kit_ids())}."))
        return None
    parent = _load_raw(project, parent_name, parent_path, (*chain, kit_id), problems)
    if parent is None:
        return None
    merged = _merge(parent, data, docs, var_sources, display, lines, problems)
    own = {k for k in var_sources  # a value the kit gives replaces its parent's placeholder
           if not any(o.startswith(k + ".") for o in var_sources)}
    samples = {k: v for k, v in parent.var_samples.items()
               if not any(k == o or k.startswith(o + ".") for o in own)}
    return replace(merged, files=(display, *parent.files), var_samples={**samples,
                                                                        **var_samples})


def _merge(parent: _Raw, data: dict[str, Any], docs: list[tuple[dict[str, Any], str, int | None]],
           var_sources: dict[str, str], display: str, lines: dict[str, int],
           problems: list[Problem]) -> _Raw:
    """Merge rules: settings override; variables merge key by key; a document with an
    inherited id replaces it in place; new documents go at the end (or ``after:`` an id);
    ``remove:`` drops inherited ids; ``outputs`` replaces the parent's list."""
    merged = {k: v for k, v in parent.data.items() if k not in ("documents", "remove")}
    for key, value in data.items():
        if key in ("documents", "remove", "extends"):
            continue
        if key == "variables":
            merged["variables"] = _deep_merge(parent.data.get("variables", {}), value)
        else:
            merged[key] = value
    out_docs = list(parent.docs)
    ids = [d["id"] for d, _, _ in out_docs]
    for rid in data.get("remove", []):
        if rid not in ids:
            problems.append(Problem(display, lines.get("remove"),
                                    f"'remove' names '{rid}', which the parent kit does not have",
                                    f"Inherited documents: {', '.join(ids)}."))
    out_docs = [d for d in out_docs if d[0]["id"] not in data.get("remove", [])]
    for doc in docs:
        ids = [d["id"] for d, _, _ in out_docs]
        d = doc[0]
        if d["id"] in ids:
            out_docs[ids.index(d["id"])] = doc
        elif "after" in d:
            if d["after"] not in ids:
                problems.append(Problem(doc[1], doc[2], f"'after: {d['after']}' names no document",
                                        f"Documents so far: {', '.join(ids)}."))
                out_docs.append(doc)
            else:
                out_docs.insert(ids.index(d["after"]) + 1, doc)
        else:
            out_docs.append(doc)
    sources = {**parent.var_sources, **var_sources}
    merged["documents"] = [d for d, _, _ in out_docs]
    return _Raw(merged, out_docs, sources, {**parent.lines, **lines}, parent.files)


def _flat_keys(values: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for k, v in values.items():
        name = f"{prefix}{k}"
        keys.append(name)
        if isinstance(v, dict):
            keys.extend(_flat_keys(v, name + "."))
    return keys


def load_kit(project: Project, name: str) -> Kit:
    """Load, validate and type one kit. Raises InputError listing every problem."""
    kit_id, path = resolve_kit_file(project, name)
    problems: list[Problem] = []
    raw = _load_raw(project, kit_id, path, (), problems)
    if raw is None or any(p.severity == "error" for p in problems):
        raise InputError(problems)
    if not raw.docs:
        line = raw.lines.get("documents")
        problems.append(Problem(project.rel(path), line or 1,
                                "the kit has no documents" if line is not None
                                else "the kit has no 'documents:' list",
                                "List what it holds under 'documents:', e.g.\n"
                                "      documents:\n"
                                "        - id: where-to-get-help\n"
                                "          template: docs/family/where-to-get-help.html"))
        raise InputError(problems)
    kit = _typed(project, kit_id, path, raw, problems)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    return kit


def _typed(project: Project, kit_id: str, path: Path, raw: _Raw,
           problems: list[Problem]) -> Kit:
    data = raw.data
    display = project.rel(path)
    documents: list[Document] = []
    seen: dict[str, int | None] = {}
    for d, file, line in raw.docs:
        if d["id"] in seen:
            problems.append(Problem(file, line, f"document id '{d['id']}' is used twice "
                                    f"(first on line {seen[d['id']]})",
                                    "Give each document its own id."))
        seen[d["id"]] = line
        kind, source = _kind_and_source(d)
        problems.extend(_file_problems(project, d["id"], kind, source, file, line))
        documents.append(Document(d["id"], kind, source,
                                  curly(d["title"]) if d.get("title") else None,
                                  d.get("variables", {}), file, line,
                                  bool(d.get("reading", True))))
    paper = str(data.get("paper", project.paper)).lower()
    if paper not in PAPER_SIZES:  # project default could be odd; kit value is schema-checked
        problems.append(Problem(display, raw.lines.get("paper"), f"unknown paper '{paper}'"))
    cover = data.get("cover", True)
    cover_spec: Mapping[str, Any] | None = (
        None if cover is False else ({} if cover is True else dict(cover)))
    if cover_spec and isinstance(cover_spec.get("note"), str):
        cover_spec = {**cover_spec, "note": curly(cover_spec["note"])}
    if cover_spec and "template" in cover_spec:
        target = project.templates_dir / cover_spec["template"]
        if not _inside(target, project.templates_dir) or not target.is_file():
            problems.append(Problem(display, raw.lines.get("cover"),
                                    f"cover template '{cover_spec['template']}' not found in "
                                    "templates/", _suggest_file(target, project.templates_dir)))
    contents = data.get("contents", True)
    contents_title = (None if contents is False else
                      "Contents" if contents is True else contents.get("title", "Contents"))
    outputs = parse_outputs(data.get("outputs", ["reading", "handouts"]),
                            {d.id for d in documents}, display, raw.lines.get("outputs"),
                            problems)
    return Kit(
        id=kit_id, file=path, display=display, title=curly(data["title"]),
        subtitle=curly(data.get("subtitle", "")), audience=curly(data.get("audience", "")),
        description=curly(data.get("description", "")),
        keywords=tuple(data.get("keywords", [])),
        language=data.get("language", project.config.get("language", "en")), paper=paper,
        duplex=bool(data.get("duplex", project.config.get("duplex", False))),
        bleed_mm=float(data.get("bleed", 3.0)),
        body_size=float(data.get("body_size", 10.0)),
        variables=data.get("variables", {}), variable_sources=raw.var_sources,
        variable_samples=raw.var_samples,
        cover=cover_spec, contents_title=contents_title, documents=tuple(documents),
        outputs=outputs, lines=raw.lines, files=raw.files,
    )


def _kind_and_source(d: Mapping[str, Any]) -> tuple[DocKind, str]:
    if "pdf" in d:
        return "pdf", str(d["pdf"])
    source = str(d["template"])
    return ("markdown" if source.endswith(".md") else "html"), source


def _file_problems(project: Project, doc_id: str, kind: DocKind, source: str, file: str,
                   line: int | None) -> list[Problem]:
    """Is the document's file there, inside the project, and of a usable type?"""
    if kind == "pdf":
        target, base, where = project.root / source, project.root, "the project"
    else:
        target, base, where = project.templates_dir / source, project.templates_dir, "templates/"
    if Path(source).is_absolute() or not _inside(target, base):
        return [Problem(file, line, f"'{source}' is outside {where}",
                        f"Give a path relative to {where}, with no '..'.")]
    if not target.is_file():
        shown = source if kind == "pdf" else f"templates/{source}"
        return [Problem(file, line, f"document '{doc_id}': {shown} not found",
                        _suggest_file(target, base))]
    if kind == "html" and not source.endswith(HTML_SUFFIXES):
        return [Problem(file, line, f"'{source}' is neither HTML (.html) nor Markdown (.md)",
                        "Rename it, or use 'pdf:' for a PDF.")]
    return []


def _source_line(loc: Located, index: int, d: Mapping[str, Any]) -> int | None:
    key = "pdf" if "pdf" in d else "template"
    return loc.key_line(("documents", index, key))


def _file_problems_of_raw(project: Project, loc: Located) -> list[Problem]:
    """File checks for the well-formed documents of a kit that has schema errors."""
    docs = loc.data.get("documents") if isinstance(loc.data, dict) else None
    if not isinstance(docs, list):
        return []
    out: list[Problem] = []
    for i, d in enumerate(docs):
        if not (isinstance(d, dict) and isinstance(d.get("id"), str)):
            continue
        if isinstance(d.get("template"), str) != isinstance(d.get("pdf"), str):
            kind, source = _kind_and_source(d)
            out.extend(_file_problems(project, d["id"], kind, source,
                                      project.rel(loc.file), _source_line(loc, i, d)))
    return out


def _inside(target: Path, base: Path) -> bool:
    try:
        target.resolve().relative_to(base.resolve())
    except ValueError:
        return False
    return True


def _suggest_file(target: Path, base: Path) -> str:
    folder = target.parent
    if folder.is_dir():
        names = [p.name for p in folder.iterdir() if p.is_file()]
        close = difflib.get_close_matches(target.name, names, n=1)
        if close:
            rel = (folder / close[0]).resolve().relative_to(base.resolve())
            return f"Did you mean '{rel}'?"
    return "Check the spelling and that the file exists."


__all__ = ["Booklet", "Cards", "CutSheets", "Document", "Kit", "OutputNames", "Product",
           "load_kit", "resolve_kit_file"]
