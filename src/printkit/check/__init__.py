"""`printkit check`: validate kits, templates, variables, assets and the registry without
rendering a single PDF. Reports every problem found, not only the first.

A check is a list of small named rules over one shared set-up (the same planner a build
uses); each rule returns the problems it finds."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from printkit.check.numbers import kit_numbers, numbers_come_from_the_registry
from printkit.errors import InputError, Problem, did_you_mean
from printkit.fonts import missing_characters
from printkit.options import Settings
from printkit.plan.keys import FileHasher
from printkit.plan.planner import CONTENTS_TEMPLATE, DEFAULT_COVER, KitPlan, Planner
from printkit.source.kit import Kit, load_kit
from printkit.source.project import Project
from printkit.source.registry import Registry
from printkit.source.roster import column_problems, read_roster
from printkit.source.variables import Layer
from printkit.source.yamlio import load_yaml
from printkit.template.environment import ConfinedLoader, make_environment
from printkit.template.urls import anchored_url, is_relative

CSS_URL_RE = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
SAMPLE_AGENCIES = {"Anytown Police Department"}
PLACEHOLDER_RE = re.compile(r"\b(lorem ipsum|TODO|TBD|\[VERIFY\])", re.I)


@dataclass
class Checked:
    """What every rule may look at: the project, its planner and the kits, loaded once."""

    project: Project
    planner: Planner
    settings: Settings
    today: dt.date
    kits: list[Kit]
    roster: Path | None = None
    plans: dict[str, KitPlan] = field(default_factory=dict)  # kits that plan without error
    found: list[Problem] = field(default_factory=list)       # by the rules before


Rule = Callable[[Checked], list[Problem]]


def check(project: Project, names: Sequence[str], settings: Settings | None = None,
          today: dt.date | None = None, roster: Path | None = None) -> list[Problem]:
    problems: list[Problem] = []
    try:
        planner = Planner.open(project)
    except InputError as exc:  # a broken registry: report it, check the rest
        problems.extend(exc.problems)
        registry = Registry(None)
        planner = Planner(project, registry,
                          make_environment(project.templates_dir, registry), FileHasher())
    kits: list[Kit] = []
    for name in list(names) or project.kit_ids():
        try:
            kits.append(load_kit(project, name))
        except InputError as exc:
            problems.extend(exc.problems)
    checked = Checked(project, planner, settings or Settings(), today or dt.date.today(),
                      kits, roster, found=problems)
    for rule in RULES:
        problems.extend(rule(checked))
    return list(dict.fromkeys(problems))


def registry_is_current(c: Checked) -> list[Problem]:
    project = c.project
    return c.planner.registry.warnings(c.today, project.rel(project.registry_file))


def agency_is_real(c: Checked) -> list[Problem]:
    agency = c.project.agency
    loc = c.project.config_loc
    if str(agency.get("name", "")).strip() not in SAMPLE_AGENCIES or (
            loc is not None and ("agency", "name") in loc.samples):  # a note says so
        return []
    return [Problem("printkit.yaml", loc.line(("agency", "name")) if loc else None,
                    f"the agency is still the sample one ('{agency.get('name')}')",
                    "Put your agency's name, logo, colours and local contacts in "
                    "printkit.yaml before printing.", severity="warning")]


def samples_are_named(c: Checked) -> list[Problem]:
    """A note for each sample value (!sample) the kits print: marked SAMPLE, refused by
    build --final."""
    found = {s for plan in c.plans.values() for s in plan.samples}
    return [Problem(s.file, s.line, f"'{s.key}' is a sample value: what prints it is marked "
                    "SAMPLE, and build --final refuses it", severity="note")
            for s in sorted(found, key=lambda s: (s.file, s.line or 0))]


def stylesheet_links_resolve(c: Checked) -> list[Problem]:
    problems = []
    project = c.project
    for sheet in project.stylesheets:
        text = sheet.read_text("utf-8", errors="replace")
        for number, css_line in enumerate(text.splitlines(), 1):
            for url in CSS_URL_RE.findall(css_line):  # relative to the style sheet's folder
                found = _check_url(project, url, project.rel(sheet), number,
                                   project.rel(sheet.parent))
                if found:
                    problems.append(found)
    return problems


def templates_parse(c: Checked) -> list[Problem]:
    """Every template of every kit parses, and names only registry entries that exist."""
    problems: list[Problem] = []
    analysed: set[str] = set()
    for kit in c.kits:
        templates = [d.source for d in kit.documents if d.kind != "pdf"]
        if kit.cover is not None:
            templates.append(str(kit.cover.get("template", DEFAULT_COVER)))
        if kit.contents_title is not None:
            templates.append(CONTENTS_TEMPLATE)
        for template in templates:
            if template in analysed:
                continue
            analysed.add(template)
            try:
                info = c.planner.analysis(template)
            except InputError as exc:
                problems.extend(exc.problems)
                continue
            problems.extend(Problem(f"templates/{file}", line,
                                    f"resource id '{rid}' is not in data/resources.yaml",
                                    "Add the entry to the registry or fix the id.")
                            for rid, file, line in info.resource_ids
                            if c.planner.registry.get(rid) is None)
    return problems


def kit_variables_are_used(c: Checked) -> list[Problem]:
    return [p for kit in c.kits for p in _unused_kit_variables(c.project, c.planner, kit)]


def kits_plan(c: Checked) -> list[Problem]:
    """Every kit's templates fill with its variables (what a build does before rendering)."""
    problems: list[Problem] = []
    for kit in c.kits:
        try:
            c.plans[kit.id] = c.planner.plan(kit, c.settings)
        except InputError as exc:
            # A render-time failure already found statically is reported once, at its source.
            known = {p.message for p in c.found}
            problems.extend(p for p in exc.problems if p.message not in known)
    return problems


def documents_are_printable(c: Checked) -> list[Problem]:
    """In every planned document: links to local files that exist, alt text on images,
    no placeholder text."""
    problems: list[Problem] = []
    loader = c.planner.env.loader
    assert isinstance(loader, ConfinedLoader)
    for plan in c.plans.values():
        for planned in plan.with_cover():
            if planned.job is None:
                continue
            parser = _Refs()
            parser.feed(planned.job.html)
            files = [loader.path_of(f) for f in _chain(c.planner, planned.doc.source)]
            problems.extend(_document_problems(c.project, parser, files, planned.job.html,
                                               loader.folder_of(planned.doc.source)))
    return problems


def _document_problems(project: Project, parser: _Refs, files: list[Path],
                       html: str, folder: str) -> list[Problem]:
    problems = []
    for url in parser.urls:
        path, line = _line_in(files, url)
        found = _check_url(project, url, project.rel(Path(path)), line, folder)
        if found:
            problems.append(found)
    for src in parser.no_alt:
        path, line = _line_in(files, src.removeprefix(SVG))
        if src.startswith(SVG):
            problems.append(Problem(project.rel(Path(path)), line,
                                    "a drawing (<svg>) has no alternative text",
                                    "Describe it with aria-label=\"...\" or a <title> "
                                    "inside it, or mark decoration aria-hidden=\"true\", "
                                    "so screen readers can use the PDF."))
            continue
        problems.append(Problem(project.rel(Path(path)), line,
                                f"image '{src}' has no alt text",
                                "Add alt=\"...\" describing it (alt=\"\" if it is "
                                "decoration) so screen readers can use the PDF."))
    text = re.sub(r"<[^>]+>", " ", html)
    for match in PLACEHOLDER_RE.finditer(text):
        path, line = _line_in(files, match.group(0))
        problems.append(Problem(project.rel(Path(path)), line,
                                f"placeholder text '{match.group(0)}' would be printed",
                                "Finish or remove it before printing."))
    return problems


def agency_notes_are_read(c: Checked) -> list[Problem]:
    """Each {% note %} in a template a kit uses, as a warning: a note for the agency
    (review this page with counsel) is said to the person building and never printed."""
    notes = {(template, line, text) for plan in c.plans.values() for planned in plan.renders()
             if planned.job is not None   # a PDF given has no template
             for text, template, line in c.planner.analysis(planned.doc.source).notes}
    return [Problem(f"templates/{template}", line, f"for the agency: {text}",
                    severity="note") for template, line, text in sorted(notes)]


def values_are_used(c: Checked) -> list[Problem]:
    return c.planner.unused_values(c.kits, c.settings)


def roster_rows_fill(c: Checked) -> list[Problem]:
    """Read the roster and fill the kits' templates with every row (no rendering)."""
    if c.roster is None:
        return []
    display = c.project.rel(c.roster)
    try:
        rows = read_roster(c.roster, display)
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
    for kit in c.kits:
        try:
            problems.extend(column_problems(rows, display, kit.id, c.planner.reads(kit),
                                            frozenset(kit.variables)))
        except InputError as exc:
            problems.extend(exc.problems)
        for row in rows:
            row_settings = replace(c.settings, row=Layer(f"{display} row {row.number}",
                                                         row.values))
            try:
                c.planner.plan(kit, row_settings)
            except InputError as exc:
                problems.extend(Problem(p.file, p.line, f"{display} row {row.number}: "
                                        f"{p.message}", p.hint) for p in exc.problems)
    return problems


RULES: tuple[Rule, ...] = (registry_is_current, agency_is_real, stylesheet_links_resolve,
                           templates_parse, kit_variables_are_used, kits_plan, samples_are_named,
                           documents_are_printable, agency_notes_are_read,
                           numbers_come_from_the_registry, kit_numbers, values_are_used,
                           roster_rows_fill)


SVG = "svg:"  # marks an undescribed drawing among the images without alt text


class _Refs(HTMLParser):
    """Collect the local files an HTML page refers to, and images without alt text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.no_alt: list[str] = []
        self.in_style = False
        # Open <svg> elements: whether each is described, and text to find it by.
        self.svg: list[tuple[bool, str]] = []

    def _svg_start(self, a: dict[str, str | None]) -> None:
        described = bool(a.get("aria-label")) or a.get("aria-hidden") == "true" or a.get(
            "role") in ("presentation", "none")
        box = a.get("viewbox")
        self.svg.append((described or bool(self.svg),  # an <svg> inside one is part of it
                         f'viewBox="{box}"' if box else "<svg"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "svg":
            self._svg_start(a)
        elif tag == "title" and self.svg:
            self.svg[-1] = (True, self.svg[-1][1])
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
        elif tag == "svg" and self.svg:
            described, needle = self.svg.pop()
            if not described:
                self.no_alt.append(SVG + needle)

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.urls.extend(CSS_URL_RE.findall(data))


def _line_in(files: Sequence[Path], needle: str) -> tuple[str, int | None]:
    """The first file and line holding ``needle`` (a URL anchored to its template's folder
    is found by the part written there)."""
    for text in dict.fromkeys((needle, needle.rsplit("/", 1)[-1])):
        for path in files:
            try:
                for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                    if text in line:
                        return str(path), number
            except (OSError, UnicodeDecodeError):
                continue
    return (str(files[0]) if files else "templates/"), None


def _check_url(project: Project, url: str, where: str, line: int | None,
               folder: str = "") -> Problem | None:
    """A URL as a render reads it: relative to ``folder`` (the document's), or with a
    leading / to the project folder; confined to the project."""
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
    tried = anchored_url(raw, folder).lstrip("/") if is_relative(raw) else raw.lstrip("/")
    target = (project.root / tried).resolve()
    if not target.is_relative_to(project.root.resolve()):
        return Problem(where, line, f"'{url}' is outside the project",
                       "Only files inside the project can be used.")
    if not target.is_file():
        return Problem(where, line, f"'{url}' not found (looked for {tried})",
                       "A relative path is relative to the file that holds it; start it with "
                       "/ to give it from the project folder, e.g. /assets/img/logo.svg.")
    return None


def _unused_kit_variables(project: Project, planner: Planner, kit: Kit) -> list[Problem]:
    """A kit variable none of its templates reads (a misspelt name prints the default),
    reported at its own line in the kit file that sets it (a parent kit, with extends)."""
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


def _chain(planner: Planner, template: str) -> list[str]:
    try:
        return list(planner.analysis(template).files)
    except InputError:
        return [template]
