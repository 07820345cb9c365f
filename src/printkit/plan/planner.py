"""Plan a kit's build: resolve variables, render templates to HTML, make render jobs.

No PDF work and no writing happens here; the same inputs always give the same plan.
"""

from __future__ import annotations

import html as html_lib
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from printkit.errors import InputError, Problem, did_you_mean
from printkit.fonts import font_dir
from printkit.options import Settings
from printkit.plan.keys import FileHasher, render_key
from printkit.render.job import RenderJob
from printkit.source.kit import HTML_SUFFIXES, Document, Kit
from printkit.source.project import CONFIG_NAME, Project
from printkit.source.registry import Registry, load_registry
from printkit.source.variables import Layer, Resolved, SampleValue, resolve, samples_of
from printkit.template.analysis import FileCache, TemplateInfo, analyse
from printkit.template.environment import make_environment, render_template
from printkit.template.markdown import render_markdown

TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.S | re.I)
H1_RE = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S | re.I)
LEDE_RE = re.compile(r"<p class=\"lede\"[^>]*>(.*?)</p>", re.S | re.I)
TAG_RE = re.compile(r"<[^>]+>")
DEFAULT_COVER = "layouts/cover.html"
# Every agency setting a layout may read, so a project can leave any of them out.
AGENCY_DEFAULTS: dict[str, Any] = {"name": "", "short_name": "", "unit": "", "logo": "",
                                   "website": "", "colors": {}}
CONTENTS_TEMPLATE = "layouts/contents.html"
# The SAMPLE mark of a build that prints a placeholder (a value marked !sample): put into
# every rendered page's HTML here, whatever its layout, so no layout can leave it out. A
# fixed box repeats on every page: by default in the top margin band at the content's
# right edge, on a white label that reads on any background. Its style comes first in the
# head, so a layout without a margin band places it with its own rule (layouts/card.html);
# real text, so a search for SAMPLE finds it; an artifact, so screen readers skip it.
SAMPLE_STYLE = (
    "<style>.sample-mark { position: fixed; top: -0.42in; right: 0; z-index: 9; margin: 0;"
    " font: 700 8.5pt/1 'Atkinson Hyperlegible', sans-serif; letter-spacing: 0;"
    " color: #a3001b; background: #ffffff; border: 0.75pt solid #a3001b;"
    " border-radius: 2pt; padding: 2.5pt 5pt 2pt; white-space: nowrap; }</style>")
SAMPLE_MARK = ('<div class="sample-mark" aria-hidden="true">SAMPLE<span class="more">'
               ' · not for distribution</span></div>')
SAMPLE_MARGIN_STYLE = (
    "<style>@page { @top-right { content: 'SAMPLE \\b7  not for distribution';"
    " font: 700 8.5pt 'Atkinson Hyperlegible', sans-serif; color: #a3001b;"
    " vertical-align: middle; } }</style>")
HEAD_RE = re.compile(r"<head\b[^>]*>", re.I)
BODY_RE = re.compile(r"<body\b[^>]*>", re.I)
# A booklet's designed outside back cover, and the page that fills it out to a multiple of
# four pages. A project without them gets blank pages instead.
BACK_COVER = "layouts/back-cover.html"
NOTES_PAGE = "layouts/notes.html"


@dataclass
class PlannedDoc:
    doc: Document
    title: str
    job: RenderJob | None = None         # html / markdown
    summary: str = ""
    pdf_path: Path | None = None         # spliced PDF
    template_files: tuple[str, ...] = ()
    used: Mapping[str, str] = field(default_factory=dict)
    sample: bool = False                 # spliced PDF in a build marked SAMPLE


@dataclass
class KitPlan:
    kit: Kit
    paper: str
    resolved: Resolved
    agency: Mapping[str, Any]
    cover: PlannedDoc | None
    docs: list[PlannedDoc]
    settings: Settings
    booklet: bool = False              # laid out as a booklet: pages run on, no blanks
    back: PlannedDoc | None = None     # a booklet's back cover
    notes: PlannedDoc | None = None    # a booklet's notes page (fills it to 4n pages)
    samples: tuple[SampleValue, ...] = ()  # placeholders its templates print

    def with_cover(self) -> list[PlannedDoc]:
        """The cover (if any), then the documents."""
        return ([self.cover] if self.cover is not None else []) + self.docs

    def renders(self) -> list[PlannedDoc]:
        """Everything rendered for the plan: cover, documents, a booklet's finishing pages."""
        return self.with_cover() + [d for d in (self.notes, self.back) if d is not None]


def layers_for(project: Project, kit: Kit, settings: Settings,
               doc: Document | None = None) -> list[Layer]:
    loc = project.config_loc
    samples = ({**samples_of(loc, CONFIG_NAME, ("variables",), 1),
                **samples_of(loc, CONFIG_NAME, ("agency",))} if loc is not None else {})
    layers = [Layer(CONFIG_NAME, {**project.config.get("variables", {}),
                                  "agency": dict(project.agency)}, samples=samples),
              Layer(kit.display, kit.variables, samples=kit.variable_samples)]
    if doc is not None and doc.variables:
        layers.append(Layer(f"{doc.file} (document '{doc.id}')", doc.variables))
    layers.extend(settings.vars_layers)
    if settings.set_layer is not None:
        layers.append(settings.set_layer)
    if settings.row is not None:
        layers.append(settings.row)
    return layers


def base_context(project: Project, kit: Kit, resolved: Resolved, paper: str,
                 grayscale: bool = False, sample: bool = False) -> dict[str, Any]:
    agency = {**AGENCY_DEFAULTS, **project.agency, **resolved.values.get("agency", {})}
    agency["short_name"] = agency["short_name"] or agency["name"]
    values = {k: v for k, v in resolved.values.items() if k != "agency"}
    return {
        **values,
        "agency": agency,
        "paper": paper,
        "grayscale": grayscale,  # layouts pick copier greys for what CSS cannot recolour
        "sample": sample,        # built with a placeholder: every page is marked SAMPLE
        "kit": {
            "id": kit.id, "title": kit.title, "subtitle": kit.subtitle,
            "audience": kit.audience, "description": kit.description,
            "language": kit.language,
        },
    }


class Planner:
    """Turns kits into plans: resolves variables, renders templates to HTML, makes jobs."""

    def __init__(self, project: Project, registry: Registry, env: jinja2.Environment,
                 hasher: FileHasher) -> None:
        self.project = project
        self.registry = registry
        self.env = env
        self.hasher = hasher
        self.allowed_roots = (str(project.root.resolve()), str(font_dir()))
        self.base_url = project.root.resolve().as_uri() + "/"
        self._analysed: dict[str, TemplateInfo] = {}
        self._files: FileCache = {}   # each template file parsed once, for every analysis

    @classmethod
    def open(cls, project: Project, bytecode_cache: jinja2.BytecodeCache | None = None,
             hasher: FileHasher | None = None) -> Planner:
        """The planner for ``project``: its registry and template environment loaded (the
        one set-up that build and check share)."""
        registry = load_registry(project.registry_file)
        env = make_environment(project.templates_dir, registry, bytecode_cache)
        return cls(project, registry, env, hasher or FileHasher())

    def stylesheet_hashes(self) -> list[tuple[str, str | None]]:
        return [(self.project.rel(p), self.hasher(p)) for p in self.project.stylesheets]

    def job(self, label: str, html: str, paper: str, settings: Settings,
            bleed_mm: float = 0.0, probe: Callable[[Any, bytes, bool], Any] | None = None
            ) -> RenderJob:
        bleed = bleed_mm if settings.press else 0.0
        variant = "pdf/a-2b" if settings.pdfa else ""
        probe_name = f"{probe.__module__}.{probe.__qualname__}" if probe is not None else ""
        # A URL a template builds ({{ ... }}) is relative to the document's own folder.
        folder = posixpath.dirname(label) if label.startswith("templates/") else ""
        whole = label.startswith("templates/") and self._whole(label.removeprefix("templates/"))
        sheets = () if whole else self.project.stylesheets
        key = render_key(html, [] if whole else self.stylesheet_hashes(), paper,
                         settings.grayscale, settings.tagged, bleed, variant, probe_name, folder)
        return RenderJob(key=key, label=label, html=html,
                         base_url=self.base_url + (folder + "/" if folder else ""),
                         stylesheets=tuple(str(p.resolve()) for p in sheets),
                         paper=paper, allowed_roots=self.allowed_roots,
                         tagged=settings.tagged, grayscale=settings.grayscale, bleed_mm=bleed,
                         variant=variant, probe=probe, whole=whole)

    def _whole(self, template: str) -> bool:
        """Is the template a whole document of its own (HTML that extends no layout)?"""
        return template.endswith(HTML_SUFFIXES) and self.analysis(template).whole

    def html_for(self, template: str, context: Mapping[str, Any]) -> str:
        tdir = self.project.templates_dir
        if template.endswith(".md"):
            html = render_markdown(self.env, template, context, tdir)
        else:
            html = render_template(self.env, template, context, tdir)
        if not context.get("sample"):
            return html
        return marked_sample(html, self._whole(template))

    def plan(self, kit: Kit, settings: Settings, like: KitPlan | None = None,
             changed: frozenset[str] = frozenset(), booklet: bool = False) -> KitPlan:
        """Plan ``kit``. With ``like`` (a plan of the same kit whose variables differ only
        in the names ``changed``, e.g. the previous roster row), documents whose templates
        read none of those names are taken from it instead of being rendered again. A
        ``booklet`` plan also has the booklet's back cover and notes page."""
        paper = (settings.paper or kit.paper).lower()
        resolved = resolve(layers_for(self.project, kit, settings))
        samples = self.samples(kit, resolved)
        context = base_context(self.project, kit, resolved, paper, settings.grayscale,
                               bool(samples))
        problems: list[Problem] = []
        docs: list[PlannedDoc] = []
        for i, doc in enumerate(kit.documents):
            try:
                if like is not None and not self._reads_any(doc, changed):
                    docs.append(like.docs[i])
                else:
                    docs.append(self._plan_doc(kit, doc, settings, paper, bool(samples)))
            except InputError as exc:
                problems.extend(exc.problems)
        cover = None
        if kit.cover is not None and not problems:
            template = kit.cover.get("template", DEFAULT_COVER)
            ctx = {**context, "cover": dict(kit.cover),
                   "documents": [{"id": d.doc.id, "title": d.title} for d in docs
                                 if d.doc.reading],
                   "doc": {"id": "cover", "title": kit.title}}
            try:
                html = self.html_for(template, ctx)
                cover = PlannedDoc(Document("cover", "html", template, kit.title), kit.title,
                                   self.job(f"templates/{template}", html, paper, settings,
                                            kit.bleed_mm))
            except InputError as exc:
                problems.extend(exc.problems)
        finishing: dict[str, PlannedDoc | None] = {"back": None, "notes": None}
        if booklet and not problems:
            for name, template, title in (("back", BACK_COVER, "Back cover"),
                                          ("notes", NOTES_PAGE, "Notes")):
                if not self.has_template(template):
                    continue
                try:
                    html = self.html_for(template, {**context, "doc": {"id": name,
                                                                       "title": title}})
                    finishing[name] = PlannedDoc(
                        Document(name, "html", template, title), title,
                        self.job(f"templates/{template}", html, paper, settings,
                                 kit.bleed_mm))
                except InputError as exc:
                    problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        return KitPlan(kit, paper, resolved, context["agency"], cover, docs, settings,
                       booklet, **finishing, samples=samples)

    def samples(self, kit: Kit, resolved: Resolved) -> tuple[SampleValue, ...]:
        """The placeholder values (``!sample``) that the kit's templates read."""
        reads = self.reads(kit)
        return tuple(v for k, v in sorted(resolved.samples.items())
                     if k.split(".")[0] in reads)

    def has_template(self, name: str) -> bool:
        return (self.project.templates_dir / name).is_file()

    def finishing_templates(self, kit: Kit) -> list[str]:
        """The back cover and notes templates a kit's booklet is made with."""
        if kit.booklet is None:
            return []
        return [t for t in (BACK_COVER, NOTES_PAGE) if self.has_template(t)]

    def reads(self, kit: Kit) -> frozenset[str]:
        """Every variable name the kit's templates (cover included) read."""
        sources = [d.source for d in kit.documents if d.kind != "pdf"]
        if kit.cover is not None:
            sources.append(str(kit.cover.get("template", DEFAULT_COVER)))
        sources += self.finishing_templates(kit)
        return frozenset().union(*(self._template_names(s) for s in sources))

    def unused_values(self, kits: Sequence[Kit], settings: Settings,
                      read_elsewhere: frozenset[str] = frozenset()) -> list[Problem]:
        """Warnings for values from --vars files and --set that no template of ``kits``
        (nor ``read_elsewhere``) reads (a misspelt event variable would otherwise leave
        its default in print)."""
        reads: set[str] = set(read_elsewhere)
        known: set[str] = set()
        for kit in kits:
            reads |= self.reads(kit)
            known |= set(kit.variables)
        known |= set(self.project.config.get("variables", {}) or {})
        wanted = sorted(known & reads) or sorted(reads)
        out = []
        layers = [*settings.vars_layers, *([settings.set_layer] if settings.set_layer else [])]
        names = ", ".join(k.id for k in kits)
        for layer in layers:
            for key in layer.values:
                if key in reads:
                    continue
                out.append(Problem(layer.name, layer.lines.get(key),
                                   f"'{key}' is not used by {names}",
                                   did_you_mean(key, wanted, "No template reads it, so it "
                                                "prints nowhere."), "warning"))
        return out

    def _reads_any(self, doc: Document, names: frozenset[str]) -> bool:
        """Does the document's template (with everything it includes) read any of names?"""
        if doc.kind == "pdf":
            return False
        if doc.variables and names & set(doc.variables):
            return True
        return bool(self._template_names(doc.source) & names)

    def analysis(self, source: str) -> TemplateInfo:
        """What a template reads and includes (analysed once per build)."""
        if source not in self._analysed:
            self._analysed[source] = analyse(self.env, source, self._files)
        return self._analysed[source]

    def _template_names(self, source: str) -> frozenset[str]:
        """The variables a template reads, with everything it includes."""
        return self.analysis(source).names

    def template_files(self, sources: Iterable[str]) -> tuple[set[str], bool]:
        """Every template file ``sources`` are made from (relative to templates/), and
        whether any of them includes a template whose name is computed at render time."""
        files: set[str] = set()
        dynamic = False
        for source in sources:
            info = self.analysis(source)
            files.update(info.files)
            dynamic = dynamic or info.dynamic
        return files, dynamic

    def _plan_doc(self, kit: Kit, doc: Document, settings: Settings, paper: str,
                  sample: bool) -> PlannedDoc:
        if doc.kind == "pdf":
            path = self.project.root / doc.source
            return PlannedDoc(doc, doc.title or doc.id.replace("-", " ").capitalize(),
                              pdf_path=path, sample=sample)
        resolved = resolve(layers_for(self.project, kit, settings, doc))
        context = base_context(self.project, kit, resolved, paper, settings.grayscale, sample)
        context["doc"] = {"id": doc.id, "title": doc.title or ""}
        html = self.html_for(doc.source, context)
        title = doc.title or title_of(html) or doc.id.replace("-", " ").capitalize()
        return PlannedDoc(doc, title,
                          self.job(f"templates/{doc.source}", html, paper, settings,
                                   kit.bleed_mm),
                          summary=summary_of(html))

    def contents_job(self, plan: KitPlan, entries: Sequence[Mapping[str, Any]]) -> RenderJob:
        kit = plan.kit
        ctx = {**base_context(self.project, kit, plan.resolved, plan.paper,
                              plan.settings.grayscale, bool(plan.samples)),
               "entries": list(entries), "title": kit.contents_title,
               "link_prefix": "https://printkit.invalid/doc/",
               "doc": {"id": "contents", "title": kit.contents_title}}
        html = self.html_for(CONTENTS_TEMPLATE, ctx)
        return self.job(f"templates/{CONTENTS_TEMPLATE}", html, plan.paper, plan.settings,
                        kit.bleed_mm)


def marked_sample(html: str, whole: bool = False) -> str:
    """``html`` with the SAMPLE mark: its style first in the head, the mark first in the
    body (a document without them gets them at the start). A whole document of its own
    (made elsewhere) has its own margins: the mark goes in its top margin, where it fits."""
    head = HEAD_RE.search(html)
    at = head.end() if head else 0
    html = html[:at] + (SAMPLE_MARGIN_STYLE if whole else SAMPLE_STYLE) + html[at:]
    if whole:
        return html
    body = BODY_RE.search(html)
    at = body.end() if body else len(SAMPLE_STYLE) + (head.end() if head else 0)
    return html[:at] + SAMPLE_MARK + html[at:]


def title_of(html: str) -> str:
    """A document's title as its HTML gives it (<title>, else its first h1)."""
    return _text_of(TITLE_RE, html) or _text_of(H1_RE, html)


def summary_of(html: str) -> str:
    """A document's summary for the contents page: its lede paragraph."""
    return _text_of(LEDE_RE, html)


def _text_of(pattern: re.Pattern[str], html: str) -> str:
    match = pattern.search(html)
    if not match:
        return ""
    return " ".join(html_lib.unescape(TAG_RE.sub("", match.group(1))).split())


