"""Plan a kit's build: resolve variables, render templates to HTML, make render jobs.

No PDF work and no writing happens here; the same inputs always give the same plan.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jinja2

from printkit import __version__
from printkit.engine.cache import FileHasher, digest
from printkit.errors import InputError, Problem, did_you_mean
from printkit.options import Settings
from printkit.render.renderer import RenderJob
from printkit.source.kit import Document, Kit
from printkit.source.project import Project
from printkit.source.variables import Layer, Resolved, resolve
from printkit.template.environment import render_markdown, render_template

TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.S | re.I)
H1_RE = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S | re.I)
LEDE_RE = re.compile(r"<p class=\"lede\"[^>]*>(.*?)</p>", re.S | re.I)
TAG_RE = re.compile(r"<[^>]+>")
DEFAULT_COVER = "layouts/cover.html"
# Every agency setting a layout may read, so a project can leave any of them out.
AGENCY_DEFAULTS: dict[str, Any] = {"name": "", "short_name": "", "unit": "", "logo": "",
                                   "colors": {}}
CONTENTS_TEMPLATE = "layouts/contents.html"


@dataclass
class PlannedDoc:
    doc: Document
    title: str
    job: RenderJob | None = None         # html / markdown
    summary: str = ""
    pdf_path: Path | None = None         # spliced PDF
    template_files: tuple[str, ...] = ()
    used: Mapping[str, str] = field(default_factory=dict)


@dataclass
class KitPlan:
    kit: Kit
    paper: str
    resolved: Resolved
    agency: Mapping[str, Any]
    cover: PlannedDoc | None
    docs: list[PlannedDoc]
    settings: Settings

    def with_cover(self) -> list[PlannedDoc]:
        """The cover (if any), then the documents."""
        return ([self.cover] if self.cover is not None else []) + self.docs


def engine_versions() -> dict[str, str]:
    from printkit.engine.trust import code_digest

    return {"printkit": __version__, "code": code_digest(), "weasyprint": version("weasyprint"),
            "font": version("fontpkg-atkinson-hyperlegible")}


def layers_for(project: Project, kit: Kit, settings: Settings,
               doc: Document | None = None) -> list[Layer]:
    layers = [Layer("printkit.yaml", project.config.get("variables", {})),
              Layer(kit.display, kit.variables)]
    if doc is not None and doc.variables:
        layers.append(Layer(f"{doc.file} (document '{doc.id}')", doc.variables))
    layers.extend(settings.vars_layers)
    if settings.set_layer is not None:
        layers.append(settings.set_layer)
    if settings.row is not None:
        layers.append(settings.row)
    return layers


def base_context(project: Project, kit: Kit, resolved: Resolved, paper: str,
                 grayscale: bool = False) -> dict[str, Any]:
    agency = {**AGENCY_DEFAULTS, **project.agency, **resolved.values.get("agency", {})}
    agency["short_name"] = agency["short_name"] or agency["name"]
    values = {k: v for k, v in resolved.values.items() if k != "agency"}
    return {
        **values,
        "agency": agency,
        "paper": paper,
        "grayscale": grayscale,  # layouts pick copier greys for what CSS cannot recolour
        "kit": {
            "id": kit.id, "title": kit.title, "subtitle": kit.subtitle,
            "audience": kit.audience, "description": kit.description,
            "language": kit.language,
        },
    }


class Planner:
    def __init__(self, project: Project, env: jinja2.Environment, hasher: FileHasher) -> None:
        self.project = project
        self.env = env
        self.hasher = hasher
        self.versions = engine_versions()
        self.allowed_roots = (str(project.root.resolve()), str(_font_root()))
        self.base_url = project.root.resolve().as_uri() + "/"
        self._names: dict[str, frozenset[str]] = {}

    def stylesheet_hashes(self) -> list[tuple[str, str | None]]:
        return [(self.project.rel(p), self.hasher(p)) for p in self.project.stylesheets]

    def job(self, label: str, html: str, paper: str, settings: Settings,
            bleed_mm: float = 0.0, fields: bool = False) -> RenderJob:
        bleed = bleed_mm if settings.press else 0.0
        variant = "pdf/a-2b" if settings.pdfa else ""
        key = digest(html, self.stylesheet_hashes(), paper, settings.grayscale, settings.tagged,
                     bleed, variant, self.versions, *(["fields"] if fields else []))
        return RenderJob(key=key, label=label, html=html, base_url=self.base_url,
                         stylesheets=tuple(str(p.resolve()) for p in self.project.stylesheets),
                         paper=paper, allowed_roots=self.allowed_roots,
                         tagged=settings.tagged, grayscale=settings.grayscale, bleed_mm=bleed,
                         variant=variant, fields=fields)

    def html_for(self, template: str, context: Mapping[str, Any]) -> str:
        tdir = self.project.templates_dir
        if template.endswith(".md"):
            return render_markdown(self.env, template, context, tdir)
        return render_template(self.env, template, context, tdir)

    def plan(self, kit: Kit, settings: Settings, like: KitPlan | None = None,
             changed: frozenset[str] = frozenset()) -> KitPlan:
        """Plan ``kit``. With ``like`` (a plan of the same kit whose variables differ only
        in the names ``changed``, e.g. the previous roster row), documents whose templates
        read none of those names are taken from it instead of being rendered again."""
        paper = (settings.paper or kit.paper).lower()
        resolved = resolve(layers_for(self.project, kit, settings))
        context = base_context(self.project, kit, resolved, paper, settings.grayscale)
        problems: list[Problem] = []
        docs: list[PlannedDoc] = []
        for i, doc in enumerate(kit.documents):
            try:
                if like is not None and not self._reads_any(doc, changed):
                    docs.append(like.docs[i])
                else:
                    docs.append(self._plan_doc(kit, doc, settings, paper))
            except InputError as exc:
                problems.extend(exc.problems)
        cover = None
        if kit.cover is not None and not problems:
            template = kit.cover.get("template", DEFAULT_COVER)
            ctx = {**context, "cover": dict(kit.cover),
                   "documents": [{"id": d.doc.id, "title": d.title} for d in docs],
                   "doc": {"id": "cover", "title": kit.title}}
            try:
                html = self.html_for(template, ctx)
                cover = PlannedDoc(Document("cover", "html", template, kit.title), kit.title,
                                   self.job(f"templates/{template}", html, paper, settings,
                                            kit.bleed_mm))
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        return KitPlan(kit, paper, resolved, context["agency"], cover, docs, settings)

    def skeleton(self, plan: KitPlan,
                 planned: PlannedDoc) -> tuple[PlannedDoc, tuple[str, ...], str]:
        """A personalised document as its skeleton (fields.py), the texts of its fields,
        and why not. Documents without fields, and those whose title or contents-page
        summary would change with a field's text, come back unchanged (with no texts)."""
        from printkit.personalise.fields import split

        job = planned.job
        if job is None or 'class="pk-field"' not in job.html:
            return planned, (), ""
        html, texts = split(job.html)
        title = planned.doc.title or _html_title(html) or planned.title
        if planned.doc.id == "cover":
            title = planned.title
        if title != planned.title or _text_of(LEDE_RE, html) != planned.summary:
            return planned, (), (f"{job.label}: a field in the title or the lede (they "
                                 "appear on the contents page)")
        base = self.job(job.label, html, plan.paper, plan.settings,
                        plan.kit.bleed_mm, fields=True)
        return replace(planned, job=base), texts, ""

    def reads(self, kit: Kit) -> frozenset[str]:
        """Every variable name the kit's templates (cover included) read."""
        sources = [d.source for d in kit.documents if d.kind != "pdf"]
        if kit.cover is not None:
            sources.append(str(kit.cover.get("template", DEFAULT_COVER)))
        return frozenset().union(*(self._template_names(s) for s in sources))

    def unused_values(self, kits: Sequence[Kit], settings: Settings) -> list[Problem]:
        """Warnings for values from --vars files and --set that no template of ``kits``
        reads (a misspelt event variable would otherwise leave its default in print)."""
        reads: set[str] = set()
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

    def _template_names(self, source: str) -> frozenset[str]:
        """The variables a template reads, with everything it includes (analysed once)."""
        if source not in self._names:
            from printkit.template.environment import analyse

            self._names[source] = frozenset(analyse(self.env, source).names)
        return self._names[source]

    def _plan_doc(self, kit: Kit, doc: Document, settings: Settings, paper: str) -> PlannedDoc:
        if doc.kind == "pdf":
            path = self.project.root / doc.source
            return PlannedDoc(doc, doc.title or doc.id.replace("-", " ").capitalize(),
                              pdf_path=path)
        resolved = resolve(layers_for(self.project, kit, settings, doc))
        context = base_context(self.project, kit, resolved, paper, settings.grayscale)
        context["doc"] = {"id": doc.id, "title": doc.title or ""}
        html = self.html_for(doc.source, context)
        title = doc.title or _html_title(html) or doc.id.replace("-", " ").capitalize()
        return PlannedDoc(doc, title,
                          self.job(f"templates/{doc.source}", html, paper, settings,
                                   kit.bleed_mm),
                          summary=_text_of(LEDE_RE, html))

    def contents_job(self, plan: KitPlan, entries: Sequence[Mapping[str, Any]]) -> RenderJob:
        kit = plan.kit
        ctx = {**base_context(self.project, kit, plan.resolved, plan.paper,
                              plan.settings.grayscale),
               "entries": list(entries), "title": kit.contents_title,
               "link_prefix": "https://printkit.invalid/doc/",
               "doc": {"id": "contents", "title": kit.contents_title}}
        html = self.html_for(CONTENTS_TEMPLATE, ctx)
        return self.job(f"templates/{CONTENTS_TEMPLATE}", html, plan.paper, plan.settings,
                        kit.bleed_mm)


def _text_of(pattern: re.Pattern[str], html: str) -> str:
    match = pattern.search(html)
    if not match:
        return ""
    return " ".join(html_lib.unescape(TAG_RE.sub("", match.group(1))).split())


def _html_title(html: str) -> str:
    return _text_of(TITLE_RE, html) or _text_of(H1_RE, html)


def _font_root() -> Path:
    from printkit.fonts import font_dir

    return font_dir()
