"""A kit on its way through a session: its documents and contents page rendered, its parts
and metadata for assembly, and the files it was made from. Shared by kit and roster builds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from printkit import __version__
from printkit.engine.session import Session
from printkit.errors import Problem, problem
from printkit.options import NOTE
from printkit.pdf.files import readable_pdf
from printkit.pdf.metadata import Metadata
from printkit.plan.keys import digest
from printkit.plan.planner import CONTENTS_TEMPLATE, DEFAULT_COVER, KitPlan, PlannedDoc
from printkit.produce import folio
from printkit.produce.placement import place
from printkit.produce.reading import Part, reading_page_count
from printkit.render.job import RenderJob
from printkit.source.project import CONFIG_NAME, DEFAULT_STYLESHEETS
from printkit.source.variables import SampleValue

# Variants assembled as whole books, with a contents page.
WHOLE = ("press", "booklet", "booklet-press")


@dataclass
class KitWork:
    """One kit's plan and contents page, and the same kit laid out again for another
    product: "press" (rendered with bleed, for --press), "booklet" (at the booklet's
    finished page size, with its back cover; "booklet-press" with bleed), "cut" (the
    documents of 2-up cut sheets at half the paper size; "cut-press" with bleed) or
    "cards" (card documents with bleed). Press and booklet are whole books with a contents
    page; the others are documents only."""

    plan: KitPlan
    contents: RenderJob | None = None
    variants: dict[str, KitPlan] = field(default_factory=dict)
    variant_contents: dict[str, RenderJob | None] = field(default_factory=dict)

    def render_keys(self) -> list[str]:
        """Render keys of its cover, documents and contents page, and of its product
        layouts (not the press copies: they are the same documents with bleed)."""
        keys = _keys(self.plan, self.contents)
        for name, plan in self.variants.items():
            if not name.endswith("press"):
                keys += _keys(plan, self.variant_contents.get(name))
        return list(dict.fromkeys(keys))


def _keys(plan: KitPlan, contents: RenderJob | None) -> list[str]:
    keys = [d.job.key for d in plan.renders() if d.job is not None]
    return keys + ([contents.key] if contents is not None else [])


def render_kits(session: Session, work: Sequence[KitWork]) -> None:
    """Phase 1: documents and covers of every kit. Phase 2: contents pages, which need the
    documents' page counts."""
    plans = [w.plan for w in work] + [p for w in work for p in w.variants.values()]
    session.render(d.job for p in plans for d in p.renders() if d.job is not None)
    for w in work:
        w.contents = _contents_job(session, w.plan)
        for name, plan in w.variants.items():
            if name in WHOLE:
                w.variant_contents[name] = _contents_job(session, plan)
    session.render(j for w in work for j in (w.contents, *w.variant_contents.values())
                   if j is not None)


def _contents_job(session: Session, plan: KitPlan) -> RenderJob | None:
    if plan.kit.contents_title is None or not any(d.doc.reading for d in plan.docs):
        return None
    docs = [d for d in plan.docs if d.doc.reading]
    counts = [_reading_pages(session, d) for d in docs]
    placement = place(counts, plan.kit.duplex and not plan.booklet)
    entries = [{"id": d.doc.id, "title": d.title, "page": str(start), "pages": n,
                "summary": d.summary}
               for d, start, n in zip(docs, placement.starts, counts, strict=True)]
    return session.planner.contents_job(plan, entries)


def warnings(session: Session, work: KitWork) -> list[str]:
    """What the renders of a kit's documents reported, once each, a booklet's back
    cover that does not fit its one page, and the templates' notes for the agency."""
    found = {m for key in work.render_keys() for m in session.entry(key).warnings}
    found.update(agency_notes(session, work.plan))
    booklet = work.variants.get("booklet")
    if booklet is not None and booklet.back is not None and booklet.back.job is not None:
        pages = session.entry(booklet.back.job.key).pages
        if pages > 1:
            found.add(f"templates/{booklet.back.doc.source}: the back cover runs to {pages} "
                      f"pages at {booklet.paper}; shorten the contacts or 'copies' in "
                      "printkit.yaml so it fits on one")
    return sorted(found)


def samples(plan: KitPlan) -> list[str]:
    """The placeholder values a kit is built with, file by file: "file: key, key"."""
    files: dict[str, list[str]] = {}
    for s in plan.samples:
        files.setdefault(s.file, []).append(s.key)
    return [f"{file}: {', '.join(keys)}" for file, keys in files.items()]


def final_problems(plans: Sequence[KitPlan]) -> list[Problem]:
    """--final: one problem per placeholder value the kits would print, naming where it
    is written (once, however many kits print it)."""
    kits: dict[SampleValue, list[str]] = {}
    for plan in plans:
        for s in plan.samples:
            kits.setdefault(s, []).append(plan.kit.id)
    out = []
    for s, ids in sorted(kits.items(), key=lambda item: (item[0].file, item[0].line or 0)):
        date = hasattr(s.value, "isoformat")
        shown = s.value.isoformat() if date else str(s.value)
        if s.file == CONFIG_NAME:
            hint = ("Run 'printkit init' to set your agency up, or write your agency's own "
                    "value in printkit.yaml in place of the '!sample' one.")
        else:
            hint = (f"Give this build's own: --set {s.key}="
                    + ("YYYY-MM-DD" if date else '"..."')
                    + f" (or a --vars file), or write it in {s.file} without '!sample'.")
        out.append(Problem(s.file, s.line, f"'{s.key}' is still the sample value '{shown}' "
                           f"(printed by {', '.join(ids)}; --final prints no sample)", hint))
    return out


def agency_notes(session: Session, plan: KitPlan) -> list[str]:
    """Each ``{% note %}`` in the templates a kit renders: for the person building, never
    printed."""
    return [f"templates/{template}:{line}: {NOTE}{text}"
            for planned in plan.renders() if planned.job is not None   # not a PDF given
            for text, template, line in session.planner.analysis(planned.doc.source).notes]


def metadata(plan: KitPlan) -> Metadata:
    kit = plan.kit
    return Metadata(
        title=kit.title,
        author=str(plan.agency.get("name", "")),
        subject=kit.description or kit.subtitle or kit.title,
        keywords=kit.keywords,
        language=kit.language,
        creator=f"printkit {__version__}",
        archive=plan.settings.pdfa,
        sample=bool(plan.samples),
    )


def parts(session: Session, plan: KitPlan, contents: RenderJob | None) -> tuple[Part, ...]:
    """Cover, contents page and documents, rendered, in reading order (and a booklet's
    notes page and back cover, roles "notes" and "back"). A document left out of the
    reading copy has the role "extra": its handout and print products are still made."""
    kit = plan.kit
    out: list[Part] = []
    if plan.cover is not None and plan.cover.job is not None:
        out.append(Part("cover", kit.title, session.entry(plan.cover.job.key).pdf, "cover"))
    if contents is not None:
        out.append(Part("contents", kit.contents_title or "Contents",
                        session.entry(contents.key).pdf, "contents"))
    out.extend(Part(d.doc.id, d.title, _marked(d, document_pdf(session, d)[0]),
                    "document" if d.doc.reading else "extra")
               for d in plan.docs)
    out.extend(Part(d.doc.id, d.title, session.entry(d.job.key).pdf, d.doc.id)
               for d in (plan.notes, plan.back) if d is not None and d.job is not None)
    return tuple(out)


def _marked(planned: PlannedDoc, pdf: bytes) -> bytes:
    """A document made elsewhere carries the SAMPLE mark in a build that prints a
    placeholder (a rendered one has it from its HTML)."""
    return folio.sample_marks(pdf) if planned.sample else pdf


def part_key(session: Session, planned: PlannedDoc) -> str:
    """What a document's PDF is made from (after rendering): its render as made (see
    ``rendered_key``), or a spliced PDF's hash."""
    if planned.job is not None:
        return rendered_key(session, planned.job.key)
    return plan_key(session, planned) + ("+sample" if planned.sample else "")


def plan_key(session: Session, planned: PlannedDoc) -> str:
    """What a document will be made from, known before rendering: its render key, or a
    spliced PDF's hash."""
    if planned.job is not None:
        return planned.job.key
    assert planned.pdf_path is not None
    return session.planner.hasher(planned.pdf_path) or ""


def rendered_key(session: Session, key: str) -> str:
    """A render as made: its key (the HTML and settings) and the files it read (images,
    fonts) with their content, so an output made from it is made again when an image
    changes although the HTML did not."""
    rel = session.project.rel
    return digest(key, sorted((rel(Path(f)), h) for f, h in session.entry(key).deps.items()))


def document_pdf(session: Session, planned: PlannedDoc) -> tuple[bytes, int]:
    """A document's PDF and page count: rendered, or the spliced file (checked)."""
    if planned.job is not None:
        entry = session.entry(planned.job.key)
        return entry.pdf, entry.pages
    path = planned.pdf_path
    assert path is not None
    if path not in session.spliced:
        display = session.project.rel(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise problem(planned.doc.file, planned.doc.line,
                          f"cannot read {display}: {exc.strerror}") from None
        session.spliced[path] = (data, readable_pdf(data, display, planned.doc.file,
                                                    planned.doc.line))
    return session.spliced[path]


def _reading_pages(session: Session, planned: PlannedDoc) -> int:
    """Pages a document takes in the reading copy (card documents share one proof page)."""
    if planned.job is not None:
        entry = session.entry(planned.job.key)
        return 1 if entry.small else entry.pages
    return reading_page_count(document_pdf(session, planned)[0])


def inputs(session: Session, work: KitWork, extra: Sequence[Path] = ()) -> dict[str, str]:
    """Every file inside the project that the kit's outputs were made from, with its
    sha256 ("" for a file that was looked for and is absent): the kit and the kits it
    extends, every template with what it includes, spliced PDFs, the project settings,
    the registry, stylesheets and every file a render read. The manifest lists them, and
    the no-change fast path rebuilds the kit when any of them changes."""
    project, planner = session.project, session.planner
    plan = work.plan
    paths: list[Path] = [project.root / f for f in plan.kit.files]
    paths += [project.root / CONFIG_NAME, project.registry_file, *extra]
    paths += [project.root / s for s in DEFAULT_STYLESHEETS] + list(project.stylesheets)
    templates: set[str] = set()
    for planned in plan.docs:
        if planned.job is None and planned.pdf_path is not None:
            paths.append(planned.pdf_path)
        else:
            templates.add(planned.doc.source)
    if plan.kit.cover is not None:
        templates.add(str(plan.kit.cover.get("template", DEFAULT_COVER)))
    if work.contents is not None:
        templates.add(CONTENTS_TEMPLATE)
    templates.update(planner.finishing_templates(plan.kit))
    files, dynamic = planner.template_files(templates)
    if dynamic:  # a computed include: any template may be read
        files = {str(p.relative_to(project.templates_dir))
                 for p in project.templates_dir.rglob("*") if p.is_file()}
    paths += [project.templates_dir / f for f in sorted(files)]
    for key in work.render_keys():
        paths += [Path(dep) for dep in session.entry(key).deps]
    found: dict[str, Any] = {}
    for path in paths:
        rel = project.rel(path)
        if not Path(rel).is_absolute():
            found[rel] = planner.hasher(path) or ""
    return {k: found[k] for k in sorted(found)}
