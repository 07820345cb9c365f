"""`printkit check`: validate kits, templates, variables, assets and the registry without
rendering a single PDF. Reports every problem found, not only the first."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from printkit.errors import InputError, Problem, did_you_mean
from printkit.options import Settings
from printkit.plan.planner import CONTENTS_TEMPLATE, DEFAULT_COVER, Planner
from printkit.source.kit import Kit, load_kit
from printkit.source.project import Project
from printkit.source.registry import Registry, load_registry
from printkit.template.environment import ConfinedLoader, analyse, make_environment

CSS_URL_RE = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
SAMPLE_AGENCIES = {"Anytown Police Department"}
PLACEHOLDER_RE = re.compile(r"\b(lorem ipsum|TODO|TBD|\[VERIFY\])", re.I)


class _Refs(HTMLParser):
    """Collect the local files an HTML page refers to, and images without alt text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.no_alt: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            if a.get("src"):
                self.urls.append(a["src"] or "")
            if a.get("alt") is None and a.get("role") != "presentation":
                self.no_alt.append(a.get("src") or "(no src)")
        elif tag == "link" and "stylesheet" in (a.get("rel") or ""):
            self.urls.append(a.get("href") or "")
        elif tag in ("object", "embed", "image", "use") and (a.get("data") or a.get("href")):
            self.urls.append(a.get("data") or a.get("href") or "")
        if a.get("style"):
            self.urls.extend(CSS_URL_RE.findall(a["style"] or ""))
        self.in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.urls.extend(CSS_URL_RE.findall(data))


def _line_in(files: Sequence[Path], needle: str) -> tuple[str, int | None]:
    for path in files:
        try:
            for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if needle in line:
                    return str(path), number
        except (OSError, UnicodeDecodeError):
            continue
    return (str(files[0]) if files else "templates/"), None


def _check_url(project: Project, url: str, where: str, line: int | None) -> Problem | None:
    parts = urlsplit(url)
    if parts.scheme in ("data",) or url.startswith("#") or not url.strip():
        return None
    if parts.scheme in ("http", "https", "ftp") or url.startswith("//"):
        return Problem(where, line, f"'{url}' would be fetched from the network",
                       "printkit never fetches anything: save the file under assets/ and "
                       "refer to it there.")
    if parts.scheme not in ("", "file"):
        return Problem(where, line, f"'{url}' uses an unsupported scheme '{parts.scheme}'")
    raw = unquote(parts.path)
    target = Path(raw) if raw.startswith("/") else project.root / raw
    target = target.resolve()
    if not target.is_relative_to(project.root.resolve()):
        return Problem(where, line, f"'{url}' is outside the project",
                       "Only files inside the project can be used.")
    if not target.is_file():
        return Problem(where, line, f"'{url}' not found",
                       "Paths are relative to the project folder, e.g. assets/img/logo.svg.")
    return None


def check_roster(project: Project, planner: Planner, kits: Sequence[Kit], settings: Settings,
                 roster: Path) -> list[Problem]:
    """Read the roster and fill the kit's templates with every row (no rendering)."""
    from dataclasses import replace

    from printkit.fonts import missing_characters
    from printkit.source.roster import column_problems, read_roster
    from printkit.source.variables import Layer

    display = project.rel(roster)
    try:
        rows = read_roster(roster, display)
    except InputError as exc:
        return list(exc.problems)
    problems: list[Problem] = []
    for row in rows:
        missing = missing_characters(" ".join(str(v) for v in row.values.values()))
        if missing:
            problems.append(Problem(
                display, row.number, f"the packaged font has no {' '.join(missing)}",
                "These print in another font, or as empty boxes; check the spelling.",
                "warning"))
    for kit in kits:
        try:
            problems.extend(column_problems(rows, display, kit.id, planner.reads(kit),
                                            frozenset(kit.variables)))
        except InputError as exc:
            problems.extend(exc.problems)
        for row in rows:
            row_settings = replace(settings, row=Layer(f"{display} row {row.number}",
                                                       row.values))
            try:
                planner.plan(kit, row_settings)
            except InputError as exc:
                problems.extend(Problem(p.file, p.line, f"{display} row {row.number}: "
                                        f"{p.message}", p.hint) for p in exc.problems)
    return problems


def check(project: Project, names: Sequence[str], settings: Settings | None = None,
          today: dt.date | None = None, roster: Path | None = None) -> list[Problem]:
    settings = settings or Settings()
    today = today or dt.date.today()
    problems: list[Problem] = []
    try:
        registry = load_registry(project.registry_file)
    except InputError as exc:
        problems.extend(exc.problems)
        registry = Registry(None)
    for entry in registry.stale(today):
        problems.append(Problem(project.rel(project.registry_file), registry.lines.get(entry.id),
                                f"resource '{entry.id}' was last verified {entry.verified} "
                                "(over a year ago)",
                                "Check the number and source, then update 'verified:'.",
                                severity="warning"))
    if str(project.agency.get("name", "")).strip() in SAMPLE_AGENCIES:
        loc = project.config_loc
        problems.append(Problem("printkit.yaml", loc.line(("agency", "name")) if loc else None,
                                "the agency is still the sample one "
                                f"('{project.agency.get('name')}')",
                                "Put your agency's name, logo, colours and local contacts in "
                                "printkit.yaml before printing.", severity="warning"))
    env = make_environment(project.templates_dir, registry)
    from printkit.engine.cache import FileHasher

    planner = Planner(project, env, FileHasher())
    for sheet in project.stylesheets:
        text = sheet.read_text("utf-8", errors="replace")
        for number, css_line in enumerate(text.splitlines(), 1):
            for url in CSS_URL_RE.findall(css_line):
                target_base = sheet.parent
                if urlsplit(url).scheme or url.startswith("/"):
                    found = _check_url(project, url, project.rel(sheet), number)
                else:
                    rel = project.rel((target_base / unquote(url)).resolve())
                    found = _check_url(project, rel, project.rel(sheet), number)
                if found:
                    problems.append(found)
    kits: list[Kit] = []
    for name in list(names) or project.kit_ids():
        try:
            kits.append(load_kit(project, name))
        except InputError as exc:
            problems.extend(exc.problems)
    loader = env.loader
    assert isinstance(loader, ConfinedLoader)
    analysed: set[str] = set()
    for kit in kits:
        templates = [d.source for d in kit.documents if d.kind != "pdf"]
        if kit.cover is not None:
            templates.append(kit.cover.get("template", DEFAULT_COVER))
        if kit.contents_title is not None:
            templates.append(CONTENTS_TEMPLATE)
        for template in templates:
            if template in analysed:
                continue
            analysed.add(template)
            try:
                info = analyse(env, template)
            except InputError as exc:
                problems.extend(exc.problems)
                continue
            for rid, file, rline in info.resource_ids:
                if registry.get(rid) is None:
                    problems.append(Problem(f"templates/{file}", rline,
                                            f"resource id '{rid}' is not in "
                                            "data/resources.yaml",
                                            "Add the entry to the registry or fix the id."))
        problems.extend(_unused_kit_variables(project, planner, kit))
        try:
            plan = planner.plan(kit, settings)
        except InputError as exc:
            # A render-time failure already found statically is reported once, at its source.
            known = {p.message for p in problems}
            problems.extend(p for p in exc.problems if p.message not in known)
            continue
        for planned in ([plan.cover] if plan.cover else []) + plan.docs:
            if planned.job is None:
                continue
            parser = _Refs()
            parser.feed(planned.job.html)
            files = [loader.path_of(f) for f in _chain(env, planned.doc.source)]
            for url in parser.urls:
                path, line = _line_in(files, url)
                found = _check_url(project, url, project.rel(Path(path)), line)
                if found:
                    problems.append(found)
            for src in parser.no_alt:
                path, line = _line_in(files, src)
                problems.append(Problem(project.rel(Path(path)), line,
                                        f"image '{src}' has no alt text",
                                        "Add alt=\"...\" describing it (alt=\"\" if it is "
                                        "decoration) so screen readers can use the PDF."))
            text = re.sub(r"<[^>]+>", " ", planned.job.html)
            for match in PLACEHOLDER_RE.finditer(text):
                path, line = _line_in(files, match.group(0))
                problems.append(Problem(project.rel(Path(path)), line,
                                        f"placeholder text '{match.group(0)}' would be printed",
                                        "Finish or remove it before printing."))
    problems.extend(planner.unused_values(kits, settings))
    unique: list[Problem] = []
    if roster is not None:
        problems.extend(check_roster(project, planner, kits, settings, roster))
    for p in problems:
        if p not in unique:
            unique.append(p)
    return unique


def _unused_kit_variables(project: Project, planner: Planner, kit: Kit) -> list[Problem]:
    """A kit variable none of its templates reads (a misspelt name prints the default),
    reported at its own line in the kit file that sets it (a parent kit, with extends)."""
    from printkit.source.yamlio import load_yaml

    try:
        reads = planner.reads(kit)
    except InputError:
        return []  # the template's own error is reported where it is
    out = []
    for name in sorted(set(kit.variables) - reads):
        source = next((f for k, f in kit.variable_sources.items()
                       if k == name or k.startswith(name + ".")), kit.display)
        line = load_yaml(project.root / source, source).key_line(("variables", name))
        out.append(Problem(source, line,
                           f"variable '{name}' is not used by any of the kit's templates",
                           did_you_mean(name, sorted(reads),
                                        "Remove it, or use it in a template."), "warning"))
    return out


def _chain(env: object, template: str) -> list[str]:
    from jinja2 import Environment

    assert isinstance(env, Environment)
    try:
        return list(analyse(env, template).files)
    except InputError:
        return [template]
