"""Run a build: plan -> render (cache, process pool) -> assemble -> write. No Click here."""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from pypdf import PdfWriter

from . import __version__
from .assemble import Metadata, Part, assemble_handout, assemble_reading, place
from .cache import Cache, Entry, FileHasher, digest
from .errors import InputError, Problem
from .kit import Kit, load_kit
from .output import Outputs
from .plan import KitPlan, PlannedDoc, Planner, Settings
from .project import Project
from .render import RenderJob, RenderResult
from .resources import Registry, load_registry
from .templating import make_environment


@dataclass(frozen=True)
class BuildOptions:
    settings: Settings = field(default_factory=Settings)
    out_dir: Path | None = None
    name: str | None = None          # event build name (folder suffix)
    jobs: int = 0                    # 0 = number of CPUs
    use_cache: bool = True
    strict: bool = False
    press: bool = False              # also write K-press.pdf (bleed, crop marks, boxes)
    roster: Path | None = None       # one packet per row of this CSV


@dataclass
class KitResult:
    kit_id: str
    folder: Path
    pages: int
    rendered: int
    cached: int
    seconds: float
    outputs: list[Path]
    warnings: list[str]


class Reporter:
    """What a build tells its user. The CLI subclasses this; the library default is silent."""

    def progress(self, done: int, total: int, label: str) -> None:
        pass

    def detail(self, message: str) -> None:
        pass

    def warning(self, message: str) -> None:
        pass


def _render_all(jobs: Sequence[RenderJob], workers: int, reporter: Reporter) -> list[RenderResult]:
    """Render jobs (unique keys) in parallel; results in the jobs' order."""
    if not jobs:
        return []
    from .render import init_worker, render_job

    results: list[RenderResult] = []
    if workers <= 1 or len(jobs) == 1:
        for i, job in enumerate(jobs):
            results.append(render_job(job))
            reporter.progress(i + 1, len(jobs), job.label)
        return results
    ctx = get_context("fork")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx,
                             initializer=init_worker) as pool:
        # Longest first keeps both cores busy to the end; order is restored below.
        order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].html))
        futures = {i: pool.submit(render_job, jobs[i]) for i in order}
        by_index: dict[int, RenderResult] = {}
        for done, i in enumerate(order, 1):
            by_index[i] = futures[i].result()
            reporter.progress(done, len(jobs), jobs[i].label)
        results = [by_index[i] for i in range(len(jobs))]
    return results


class Builder:
    def __init__(self, project: Project, options: BuildOptions,
                 reporter: Reporter | None = None) -> None:
        self.project = project
        self.options = options
        self.reporter = reporter or Reporter()
        self.registry: Registry = load_registry(project.registry_file)
        self.env = make_environment(project.templates_dir, self.registry)
        self.hasher = FileHasher()
        self.planner = Planner(project, self.env, self.hasher)
        self.cache = Cache(project.build_dir / ".cache", enabled=options.use_cache)
        self.cache.hasher = self.hasher
        self.entries: dict[str, Entry] = {}
        self.rendered_keys: set[str] = set()

    # -- rendering with the cache -------------------------------------------------------
    def _materialise(self, jobs: Iterable[RenderJob]) -> None:
        """Make sure every job's PDF is in self.entries: from the cache or by rendering."""
        todo: dict[str, RenderJob] = {}
        for job in jobs:
            if job.key in self.entries or job.key in todo:
                continue
            entry, reason = self.cache.get(job.key)
            if entry is not None:
                self.entries[job.key] = entry
                self.reporter.detail(f"cached   {job.label}")
            else:
                todo[job.key] = job
                self.reporter.detail(f"render   {job.label} ({reason})")
        jobs_list = list(todo.values())
        workers = self.options.jobs or os.cpu_count() or 1
        results = _render_all(jobs_list, workers, self.reporter)
        problems: list[Problem] = []
        for job, result in zip(jobs_list, results, strict=True):
            for message in result.errors:
                problems.append(Problem(job.label, None, message,
                                        "Use files inside the project (e.g. assets/img/...) "
                                        "and check the spelling of the path."))
            if result.errors:
                continue
            entry = Entry(result.pdf, result.pages, result.deps, result.warnings)
            self.entries[job.key] = entry
            self.rendered_keys.add(job.key)
            self.cache.put(job.key, entry)
        if problems:
            raise InputError(problems)

    # -- one kit ------------------------------------------------------------------------
    def folder_for(self, kit: Kit) -> Path:
        base = self.options.out_dir or self.project.build_dir
        name = kit.id
        if self.options.name:
            name = f"{kit.id}-{self.options.name}"
        return base / name

    def build_roster(self, name: str, roster: Path) -> KitResult:
        """One personalised packet per roster row, plus one combined file to print.

        Rows only change the documents that use their values: every other document has the
        same HTML, hence the same render key, and is rendered once for the whole roster."""
        from .roster import read_roster
        from .variables import Layer

        started = time.perf_counter()
        kit = load_kit(self.project, name)
        display = self.project.rel(roster)
        rows = read_roster(roster, display)
        plans: list[KitPlan] = []
        problems: list[Problem] = []
        for row in rows:
            settings = replace(self.options.settings,
                               row=Layer(f"{display} row {row.number}", row.values))
            try:
                plans.append(self.planner.plan(kit, settings))
            except InputError as exc:
                problems.extend(Problem(p.file, p.line, f"{display} row {row.number}: "
                                        f"{p.message}", p.hint) for p in exc.problems)
        if problems:
            raise InputError(problems)
        self._materialise(d.job for p in plans for d in _with_cover(p) if d.job is not None)
        contents: list[RenderJob | None] = [
            self.planner.contents_job(p, self._entries_for_contents(p))
            if kit.contents_title is not None and p.docs else None for p in plans]
        self._materialise(j for j in contents if j is not None)
        folder = self.folder_for(kit)
        outputs = Outputs(folder)
        combined = PdfWriter()
        pages = 0
        for row, plan, contents_job in zip(rows, plans, contents, strict=True):
            meta = self._metadata(plan)
            packet, _ = self._reading(plan, contents_job, meta)
            outputs.add(f"roster/{row.slug}.pdf", packet)
            combined.append(io.BytesIO(packet), import_outline=False)
            pages = len(combined.pages)
            if kit.duplex and pages % 2:
                combined.add_blank_page(float(combined.pages[-1].mediabox.width),
                                        float(combined.pages[-1].mediabox.height))
        buf = io.BytesIO()
        combined.add_metadata({"/Title": f"{kit.title}: roster ({len(rows)} packets)"})
        combined.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
        combined.write(buf)
        outputs.add(f"{kit.id}-roster.pdf", buf.getvalue())
        written = outputs.commit(prune=("roster",))
        keys = {d.job.key for p in plans for d in _with_cover(p) if d.job is not None}
        keys |= {j.key for j in contents if j is not None}
        rendered = len(keys & self.rendered_keys)
        self.cache.prune()
        return KitResult(kit.id, folder, len(combined.pages), rendered, len(keys) - rendered,
                         time.perf_counter() - started, written, [])

    def _metadata(self, plan: KitPlan) -> Metadata:
        kit = plan.kit
        return Metadata(
            title=kit.title,
            author=str(plan.agency.get("name", "")),
            subject=kit.description or kit.subtitle or kit.title,
            keywords=kit.keywords,
            language=kit.language,
            creator=f"printkit {__version__}",
        )

    def build(self, names: Sequence[str]) -> list[KitResult]:
        started = time.perf_counter()
        kits: list[Kit] = []
        problems: list[Problem] = []
        for name in names:
            try:
                kits.append(load_kit(self.project, name))
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        plans: list[KitPlan] = []
        press_plans: dict[str, KitPlan] = {}
        press_settings = replace(self.options.settings, press=True)
        for kit in kits:
            try:
                plans.append(self.planner.plan(kit, self.options.settings))
                if self.options.press:
                    press_plans[kit.id] = self.planner.plan(kit, press_settings)
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        every = plans + list(press_plans.values())
        # Phase 1: every document and cover of every kit, in one pool.
        self._materialise(d.job for p in every for d in _with_cover(p) if d.job is not None)
        # Phase 2: contents pages (they need the documents' page counts).
        contents: dict[int, RenderJob] = {}
        for plan in every:
            if plan.kit.contents_title is not None and plan.docs:
                contents[id(plan)] = self.planner.contents_job(
                    plan, self._entries_for_contents(plan))
        self._materialise(contents.values())
        results = []
        for plan in plans:
            press = press_plans.get(plan.kit.id)
            results.append(self._assemble_and_write(
                plan, contents.get(id(plan)), started,
                (press, contents.get(id(press))) if press is not None else None))
        self.cache.prune()
        return results

    def _doc_pdf(self, planned: PlannedDoc) -> tuple[bytes, int]:
        if planned.job is not None:
            entry = self.entries[planned.job.key]
            return entry.pdf, entry.pages
        assert planned.pdf_path is not None
        data = _read_pdf(planned.pdf_path, self.project.rel(planned.pdf_path), planned)
        from .assemble import page_count

        return data, page_count(data)

    def _entries_for_contents(self, plan: KitPlan) -> list[dict[str, Any]]:
        counts = [self._doc_pdf(d)[1] for d in plan.docs]
        placement = place(counts, plan.kit.duplex)
        return [{"id": d.doc.id, "title": d.title, "page": str(start), "pages": n,
                 "summary": d.summary}
                for d, start, n in zip(plan.docs, placement.starts, counts, strict=True)]

    def _reading(self, plan: KitPlan, contents_job: RenderJob | None,
                 meta: Metadata) -> tuple[bytes, list[Part]]:
        kit = plan.kit
        parts: list[Part] = []
        if plan.cover is not None and plan.cover.job is not None:
            parts.append(Part("cover", kit.title, self.entries[plan.cover.job.key].pdf, "cover"))
        if contents_job is not None:
            parts.append(Part("contents", kit.contents_title or "Contents",
                              self.entries[contents_job.key].pdf, "contents"))
        doc_parts = [Part(d.doc.id, d.title, self._doc_pdf(d)[0], "document") for d in plan.docs]
        parts.extend(doc_parts)
        return assemble_reading(parts, meta, kit.duplex), doc_parts

    def _assemble_and_write(self, plan: KitPlan, contents_job: RenderJob | None,
                            started: float,
                            press: tuple[KitPlan, RenderJob | None] | None = None) -> KitResult:
        kit = plan.kit
        meta = self._metadata(plan)
        folder = self.folder_for(kit)
        keys = [d.job.key for d in _with_cover(plan) if d.job is not None]
        if contents_job is not None:
            keys.append(contents_job.key)
        rendered = sum(1 for k in set(keys) if k in self.rendered_keys)
        warnings = sorted({w for d in _with_cover(plan) if d.job is not None
                           for w in self.entries[d.job.key].warnings})
        if self.options.strict and warnings:
            raise InputError([Problem(kit.display, None, f"warning: {w}") for w in warnings])
        build_key = self._build_key(plan, contents_job, press)
        pages = _up_to_date(folder, build_key)
        if pages is not None:
            self.reporter.detail(f"up to date {self.project.rel(folder)}")
            return KitResult(kit.id, folder, pages, rendered, len(set(keys)) - rendered,
                             time.perf_counter() - started, [], warnings)
        reading, doc_parts = self._reading(plan, contents_job, meta)
        outputs = Outputs(folder)
        outputs.add(f"{kit.id}.pdf", reading)
        if press is not None:
            from .impose import press_ready

            press_pdf, _ = self._reading(press[0], press[1], meta)
            outputs.add(f"{kit.id}-press.pdf", press_ready(press_pdf, kit.bleed_mm))
        handouts = []
        for planned, part in zip(plan.docs, doc_parts, strict=True):
            handout_meta = Metadata(part.title, meta.author, f"{kit.title}: {part.title}",
                                    meta.keywords, meta.language, meta.creator)
            handouts.append(self._handout(planned, part, handout_meta))
            outputs.add(f"handouts/{part.id}.pdf", handouts[-1])
        self._production(plan, reading, {p.id: h for p, h in zip(doc_parts, handouts,
                                                                  strict=True)}, outputs)
        from .assemble import page_count

        total = page_count(reading)
        manifest = self._manifest(plan, outputs, contents_job, build_key, total)
        outputs.add("manifest.json", manifest)
        written = outputs.commit(prune=("handouts", "cut-sheets"))
        return KitResult(kit.id, folder, total, rendered, len(set(keys)) - rendered,
                         time.perf_counter() - started, written, warnings)

    def _part_key(self, planned: PlannedDoc) -> str:
        if planned.job is not None:
            return planned.job.key
        assert planned.pdf_path is not None
        return self.hasher(planned.pdf_path) or ""

    def _handout(self, planned: PlannedDoc, part: Part, meta: Metadata) -> bytes:
        """A document alone, assembled once per (render, metadata) and kept in the cache."""
        key = digest("handout", self._part_key(planned), meta, __version__, pypdf_version())
        entry, _ = self.cache.get(key)
        if entry is not None:
            return entry.pdf
        data = assemble_handout(part, meta)
        self.cache.put(key, Entry(data, 0, {}, []))
        return data

    def _build_key(self, plan: KitPlan, contents_job: RenderJob | None,
                   press: tuple[KitPlan, RenderJob | None] | None) -> str:
        """Everything the kit's outputs are made from. Unchanged: nothing to assemble."""
        kit = plan.kit
        settings = {k: v for k, v in vars(kit).items() if k not in ("lines", "file")}
        parts = [plan.cover.job.key if plan.cover and plan.cover.job else None,
                 contents_job.key if contents_job else None,
                 [(d.doc.id, d.title, self._part_key(d)) for d in plan.docs]]
        press_parts = None
        if press is not None:
            press_parts = [[d.job.key for d in _with_cover(press[0]) if d.job is not None],
                           press[1].key if press[1] else None]
        return digest("outputs", settings, parts, press_parts, dict(plan.agency),
                      self._metadata(plan), __version__, pypdf_version())

    def _production(self, plan: KitPlan, reading: bytes, handouts: dict[str, bytes],
                    outputs: Outputs) -> None:
        """Booklets, cut sheets and card sheets the kit asks for."""
        from .impose import make_booklet, make_card_sheet, make_cut_sheet

        kit = plan.kit
        for out in kit.outputs:
            opts = out.options
            if out.kind == "booklet":
                outputs.add(f"{kit.id}-booklet.pdf", make_booklet(
                    reading, str(opts.get("sheet", "double")), bool(opts.get("marks", False)),
                    float(opts.get("creep", 0.0)), f"{kit.title} (booklet)"))
            elif out.kind == "cut-sheets":
                up = int(opts.get("up", 4))
                chosen = list(opts.get("documents", [])) or list(handouts)
                for doc_id in chosen:
                    outputs.add(f"cut-sheets/{doc_id}-{up}up.pdf",
                                make_cut_sheet(handouts[doc_id], up, True,
                                               f"{doc_id} ({up}-up)"))
            elif out.kind == "cards":
                doc_id = str(opts.get("document", ""))
                if doc_id:
                    outputs.add(f"{kit.id}-cards.pdf",
                                make_card_sheet(handouts[doc_id], f"{kit.title} (cards)"))

    def _manifest(self, plan: KitPlan, outputs: Outputs, contents_job: RenderJob | None,
                  build_key: str, pages: int) -> bytes:
        kit = plan.kit
        inputs: dict[str, str] = {}

        def add(path: Path) -> None:
            digest = self.hasher(path)
            if digest:
                inputs[self.project.rel(path)] = digest

        add(kit.file)
        for doc in kit.documents:
            if doc.file and doc.file != kit.display:
                add(self.project.root / doc.file)
        if (self.project.root / "printkit.yaml").exists():
            add(self.project.root / "printkit.yaml")
        if self.registry.file is not None:
            add(self.registry.file)
        for sheet in self.project.stylesheets:
            add(sheet)
        docs = []
        for d in plan.docs:
            pdf, doc_pages = self._doc_pdf(d)
            entry = {"id": d.doc.id, "title": d.title, "pages": doc_pages,
                     "source": d.doc.source, "kind": d.doc.kind}
            if d.job is not None:
                add(self.project.templates_dir / d.doc.source)
                for dep in self.entries[d.job.key].deps:
                    add(Path(dep))
                entry["render_key"] = d.job.key
            else:
                entry["sha256"] = hashlib.sha256(pdf).hexdigest()
            docs.append(entry)
        project_root = str(self.project.root.resolve())
        manifest = {
            "kit": kit.id,
            "title": kit.title,
            "printkit": __version__,
            "paper": plan.paper,
            "duplex": kit.duplex,
            "pages": pages,
            "build_key": build_key,
            "variables": {k: plan.resolved.sources[k] for k in sorted(plan.resolved.sources)},
            "inputs": {k: v for k, v in sorted(inputs.items()) if not k.startswith("/")
                       or k.startswith(project_root)},
            "documents": docs,
            "outputs": {name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                        for name, data in sorted(outputs.pending.items())},
        }
        return (json.dumps(manifest, indent=2, sort_keys=False) + "\n").encode()


def pypdf_version() -> str:
    from importlib.metadata import version

    return version("pypdf")


def _up_to_date(folder: Path, build_key: str) -> int | None:
    """Page count of the reading copy when the folder already holds exactly these outputs."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        if manifest.get("build_key") != build_key:
            return None
        for name, info in manifest["outputs"].items():
            data = (folder / name).read_bytes()
            if len(data) != info["bytes"] or hashlib.sha256(data).hexdigest() != info["sha256"]:
                return None
        return int(manifest["pages"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _with_cover(plan: KitPlan) -> list[PlannedDoc]:
    return ([plan.cover] if plan.cover is not None else []) + plan.docs


def _read_pdf(path: Path, display: str, planned: PlannedDoc) -> bytes:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(planned.doc.file, planned.doc.line,
                                  f"cannot read {display}: {exc.strerror}")]) from None
    try:
        import io

        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise InputError([Problem(planned.doc.file, planned.doc.line,
                                      f"{display} is password-protected",
                                      "Save an unprotected copy and use that.")])
        if len(reader.pages) == 0:
            raise InputError([Problem(planned.doc.file, planned.doc.line,
                                      f"{display} has no pages")])
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise InputError([Problem(planned.doc.file, planned.doc.line,
                                  f"{display} is not a readable PDF ({exc})",
                                  "Open it in a PDF viewer and save a fresh copy.")]) from None
    return data


def build(project: Project, names: Sequence[str], options: BuildOptions | None = None,
          reporter: Reporter | None = None) -> list[KitResult]:
    """Build the named kits (every kit when ``names`` is empty)."""
    options = options or BuildOptions()
    names = list(names) or project.kit_ids()
    if not names:
        raise InputError([Problem("kits/", None, "there are no kits to build",
                                  "Add a kit YAML file to kits/.")])
    builder = Builder(project, options, reporter)
    if options.roster is not None:
        if len(names) != 1:
            from .errors import UsageError

            raise UsageError("--roster builds one kit: name it, e.g. "
                             "printkit build recruit-academy --roster class.csv")
        return [builder.build_roster(names[0], options.roster)]
    return builder.build(names)


__all__ = ["BuildOptions", "Builder", "KitResult", "Reporter", "build"]
