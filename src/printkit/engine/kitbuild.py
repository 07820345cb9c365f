"""The build engine: plan -> render (cache, process pool) -> produce -> write. No Click.

One process pool serves the whole build: rendering every kit's documents, then their
contents pages, then producing every kit's PDFs. Only the parent process writes files.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from printkit import __version__
from printkit.engine.cache import Cache, Entry, FileHasher, digest
from printkit.engine.output import Outputs
from printkit.errors import InputError, Problem
from printkit.options import BuildOptions, KitResult, Reporter
from printkit.plan.planner import KitPlan, PlannedDoc, Planner
from printkit.produce.products import Products, ProductTask, make_products
from printkit.produce.reading import Metadata, Part, page_count, place
from printkit.render.renderer import RenderJob, RenderResult
from printkit.source.kit import Kit, load_kit
from printkit.source.project import Project
from printkit.source.registry import Registry, load_registry
from printkit.template.environment import make_environment

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class KitWork:
    """One kit on its way through the build."""

    plan: KitPlan
    contents: RenderJob | None = None
    press: KitPlan | None = None
    press_contents: RenderJob | None = None

    def render_keys(self) -> list[str]:
        """Render keys of its cover, documents and contents page (not the press copies)."""
        keys = [d.job.key for d in self.plan.with_cover() if d.job is not None]
        return keys + ([self.contents.key] if self.contents is not None else [])


class Builder:
    def __init__(self, project: Project, options: BuildOptions,
                 reporter: Reporter | None = None) -> None:
        self.project = project
        self.options = options
        self.reporter = reporter or Reporter()
        self.registry: Registry = load_registry(project.registry_file)
        self.env = make_environment(
            project.templates_dir, self.registry,
            project.build_dir / ".cache" / "jinja" if options.use_cache else None)
        self.hasher = FileHasher()
        self.planner = Planner(project, self.env, self.hasher)
        self.cache = Cache(project.build_dir / ".cache", enabled=options.use_cache)
        self.cache.hasher = self.hasher
        self.entries: dict[str, Entry] = {}
        self.rendered_keys: set[str] = set()
        self.workers = options.jobs or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None
        self._page_counts: dict[str, int] = {}
        self._previous: dict[str, str] | None = None
        self.explained: set[str] = set()

    # -- the process pool ---------------------------------------------------------------
    def __enter__(self) -> Builder:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def _executor(self) -> Executor:
        if self._pool is None:
            # Workers import WeasyPrint on their first render (and keep it): a pool that
            # only assembles never pays for it.
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=get_context("fork"))
        return self._pool

    def map_jobs(self, fn: Callable[[T], R], items: Sequence[T], labels: Sequence[str],
             weight: Callable[[T], int] | None = None) -> list[R]:
        """fn over items, in parallel when it pays; results in the items' order."""
        if self.workers <= 1 or (len(items) <= 1 and self._pool is None):
            out = []
            for i, item in enumerate(items):
                out.append(fn(item))
                self.reporter.progress(i + 1, len(items), labels[i])
            return out
        pool = self._executor()
        # Heaviest first keeps every core busy to the end.
        order = sorted(range(len(items)), key=lambda i: -(weight(items[i]) if weight else 0))
        futures = {i: pool.submit(fn, items[i]) for i in order}
        results: dict[int, R] = {}
        for done, i in enumerate(order, 1):
            results[i] = futures[i].result()
            self.reporter.progress(done, len(items), labels[i])
        return [results[i] for i in range(len(items))]

    # -- rendering with the cache -------------------------------------------------------
    def _materialise(self, jobs: Iterable[RenderJob]) -> None:
        """Make sure every job's PDF is in self.entries: from the cache or by rendering."""
        from printkit.render.renderer import render_job

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
                self.reporter.detail(f"render   {job.label} ({self._why(job, reason)})")
        pending = list(todo.values())
        results: list[RenderResult] = self.map_jobs(render_job, pending, [j.label for j in pending],
                                                weight=lambda j: len(j.html))
        problems: list[Problem] = []
        for job, result in zip(pending, results, strict=True):
            for message in result.errors:
                problems.append(Problem(job.label, None, message,
                                        "Use files inside the project (e.g. assets/img/...) "
                                        "and check the spelling of the path."))
            if result.errors:
                continue
            entry = Entry(result.pdf, result.pages, result.deps, result.warnings, result.small,
                          result.spots, result.spots_problem)
            self.entries[job.key] = entry
            self.rendered_keys.add(job.key)
            self.cache.put(job.key, entry)
        if problems:
            raise InputError(problems)

    def _warm_up(self) -> None:
        """Start the workers now, so their WeasyPrint import overlaps our planning. A build
        that turns out to need no render wastes a little CPU in the workers, never time."""
        if self.workers <= 1:
            return
        from printkit.render.renderer import warm_up

        sheets = tuple(str(p.resolve()) for p in self.project.stylesheets)
        pool = self._executor()
        for _ in range(self.workers):
            pool.submit(warm_up, sheets, self.planner.allowed_roots)

    def _why(self, job: RenderJob, reason: str) -> str:
        """Why a document is rendered again, in the user's terms (for -v)."""
        if reason.startswith("/"):
            path, _, rest = reason.partition(" ")
            return f"{self.project.rel(Path(path))} {rest}"
        if not reason.startswith("not rendered before"):
            return reason
        previous = self._previous_inputs()
        if not previous:
            return "no earlier build to compare with"
        label = job.label
        if label not in previous and not label.startswith("templates/layouts/"):
            return "new document"
        for name, before in previous.items():
            if (name == label or name.endswith(".css")) and self.hasher(
                    self.project.root / name) not in (before, None):
                return f"{name} changed"
        return "its text changed: a variable, layout, partial or option it uses"

    def _previous_inputs(self) -> dict[str, str]:
        """Input hashes recorded by the manifests of earlier builds in this build folder."""
        if self._previous is None:
            self._previous = {}
            base = self.options.out_dir or self.project.build_dir
            for manifest in sorted(base.glob("*/manifest.json")):
                try:
                    inputs = json.loads(manifest.read_text("utf-8")).get("inputs", {})
                except (OSError, ValueError):
                    continue
                if isinstance(inputs, dict):
                    self._previous.update({str(k): str(v) for k, v in inputs.items()})
        return self._previous

    def render_kits(self, work: Sequence[KitWork]) -> None:
        """Phase 1: documents and covers of every kit. Phase 2: contents pages, which
        need the documents' page counts."""
        plans = [w.plan for w in work] + [w.press for w in work if w.press is not None]
        self._materialise(d.job for p in plans for d in p.with_cover() if d.job is not None)
        for w in work:
            w.contents = self._contents_job(w.plan)
            if w.press is not None:
                w.press_contents = self._contents_job(w.press)
        self._materialise(j for w in work for j in (w.contents, w.press_contents)
                          if j is not None)

    def _contents_job(self, plan: KitPlan) -> RenderJob | None:
        if plan.kit.contents_title is None or not plan.docs:
            return None
        return self.planner.contents_job(plan, self._entries_for_contents(plan))

    # -- kits ---------------------------------------------------------------------------
    def folder_for(self, kit: Kit) -> Path:
        base = self.options.out_dir or self.project.build_dir
        return base / (f"{kit.id}-{self.options.name}" if self.options.name else kit.id)

    def build(self, names: Sequence[str]) -> list[KitResult]:
        started = time.perf_counter()
        self._warm_up()
        kits: list[Kit] = []
        problems: list[Problem] = []
        for name in names:
            try:
                kits.append(load_kit(self.project, name))
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        work: list[KitWork] = []
        press_settings = replace(self.options.settings, press=True)
        for kit in kits:
            try:
                item = KitWork(self.planner.plan(kit, self.options.settings))
                if self.options.press:
                    item.press = self.planner.plan(kit, press_settings)
                work.append(item)
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        unused = self.planner.unused_values(kits, self.options.settings)
        if unused and self.options.strict:
            raise InputError(unused)
        self.render_kits(work)
        results = self._produce(work, started)
        if results and unused:
            results[0].warnings[:0] = [p.one_line() for p in unused]
        return results

    def _produce(self, work: Sequence[KitWork], started: float) -> list[KitResult]:
        """Assemble every kit that changed (in parallel), then write, kit by kit."""
        results: dict[int, KitResult] = {}
        tasks: list[tuple[int, ProductTask, str]] = []
        for i, w in enumerate(work):
            kit = w.plan.kit
            warnings = self._warnings(w)
            if self.options.strict and warnings:
                raise InputError([Problem(kit.display, None, f"warning: {m}") for m in warnings])
            build_key = self._build_key(w)
            folder = self.folder_for(kit)
            pages = _up_to_date(folder, build_key)
            if pages is not None:
                self.reporter.detail(f"up to date {self.project.rel(folder)}")
                results[i] = self._result(w, folder, pages, [], warnings, started, True)
            else:
                tasks.append((i, self._task(w), build_key))
        produced = self.map_jobs(make_products, [t for _, t, _ in tasks],
                             [f"assembling {t.kit_id}" for _, t, _ in tasks],
                             weight=lambda t: sum(len(p.pdf) for p in t.parts))
        for (i, task, build_key), products in zip(tasks, produced, strict=True):
            w = work[i]
            self._keep_handouts(w.plan, task, products)
            folder = self.folder_for(w.plan.kit)
            outputs = Outputs(folder)
            for name, data in products.files.items():
                outputs.add(name, data)
            outputs.add("manifest.json", self._manifest(w.plan, outputs, build_key,
                                                        products.pages))
            kit_id = w.plan.kit.id
            written = outputs.commit(prune=("handouts", "cut-sheets", f"{kit_id}-booklet.pdf",
                                            f"{kit_id}-cards.pdf", f"{kit_id}-press.pdf"))
            results[i] = self._result(w, folder, products.pages, written,
                                      self._warnings(w), started, False)
        self.cache.prune()
        return [results[i] for i in range(len(work))]

    def _result(self, w: KitWork, folder: Path, pages: int, written: list[Path],
                warnings: list[str], started: float, up_to_date: bool) -> KitResult:
        keys = set(w.render_keys())
        rendered = len(keys & self.rendered_keys)
        return KitResult(w.plan.kit.id, folder, pages, rendered, len(keys) - rendered,
                         time.perf_counter() - started, written, warnings, up_to_date)

    def _warnings(self, w: KitWork) -> list[str]:
        return sorted({m for key in w.render_keys() for m in self.entries[key].warnings})

    def metadata(self, plan: KitPlan) -> Metadata:
        kit = plan.kit
        return Metadata(
            title=kit.title,
            author=str(plan.agency.get("name", "")),
            subject=kit.description or kit.subtitle or kit.title,
            keywords=kit.keywords,
            language=kit.language,
            creator=f"printkit {__version__}",
            archive=plan.settings.pdfa,
        )

    def parts(self, plan: KitPlan, contents: RenderJob | None) -> tuple[Part, ...]:
        kit = plan.kit
        parts: list[Part] = []
        if plan.cover is not None and plan.cover.job is not None:
            parts.append(Part("cover", kit.title, self.entries[plan.cover.job.key].pdf, "cover"))
        if contents is not None:
            parts.append(Part("contents", kit.contents_title or "Contents",
                              self.entries[contents.key].pdf, "contents"))
        parts.extend(Part(d.doc.id, d.title, self._doc_pdf(d)[0], "document")
                     for d in plan.docs)
        return tuple(parts)

    def _task(self, w: KitWork) -> ProductTask:
        kit, meta = w.plan.kit, self.metadata(w.plan)
        handouts = []
        for d in w.plan.docs:
            handout_meta = Metadata(d.title, meta.author, f"{kit.title}: {d.title}",
                                    meta.keywords, meta.language, meta.creator, meta.archive)
            entry, _ = self.cache.get(self._handout_key(d, handout_meta))
            handouts.append((d.doc.id, handout_meta, entry.pdf if entry else None))
        return ProductTask(
            kit.id, kit.title, kit.duplex, kit.bleed_mm, kit.outputs, meta,
            self.parts(w.plan, w.contents),
            self.parts(w.press, w.press_contents) if w.press is not None else None,
            tuple(handouts))

    def _keep_handouts(self, plan: KitPlan, task: ProductTask, products: Products) -> None:
        metas = {doc_id: meta for doc_id, meta, _ in task.handouts}
        for d in plan.docs:
            data = products.new_handouts.get(d.doc.id)
            if data is not None:
                key = self._handout_key(d, metas[d.doc.id])
                self.cache.put(key, Entry(data, page_count(data), {}, []))

    def _handout_key(self, planned: PlannedDoc, meta: Metadata) -> str:
        return digest("handout", self.part_key(planned), meta, __version__, pypdf_version())

    def part_key(self, planned: PlannedDoc) -> str:
        if planned.job is not None:
            return planned.job.key
        assert planned.pdf_path is not None
        return self.hasher(planned.pdf_path) or ""

    def _build_key(self, w: KitWork) -> str:
        """Everything a kit's outputs are made from. Unchanged: nothing to assemble."""
        kit = w.plan.kit

        def keys(plan: KitPlan | None, contents: RenderJob | None) -> list[Any] | None:
            if plan is None:
                return None
            return [plan.cover.job.key if plan.cover and plan.cover.job else None,
                    contents.key if contents else None,
                    [(d.doc.id, d.title, self.part_key(d)) for d in plan.docs]]

        settings = {k: v for k, v in vars(kit).items() if k not in ("lines", "file")}
        return digest("outputs", settings, keys(w.plan, w.contents),
                      keys(w.press, w.press_contents), dict(w.plan.agency),
                      self.metadata(w.plan), self.planner.versions, pypdf_version())

    def _doc_pdf(self, planned: PlannedDoc) -> tuple[bytes, int]:
        if planned.job is not None:
            entry = self.entries[planned.job.key]
            return entry.pdf, entry.pages
        assert planned.pdf_path is not None
        data = _read_pdf(planned.pdf_path, self.project.rel(planned.pdf_path), planned)
        return data, page_count(data)

    def _reading_pages(self, planned: PlannedDoc) -> int:
        if planned.job is not None:
            entry = self.entries[planned.job.key]
            return 1 if entry.small else entry.pages
        key = self.part_key(planned)
        if key not in self._page_counts:
            from printkit.produce.reading import reading_page_count

            self._page_counts[key] = reading_page_count(self._doc_pdf(planned)[0])
        return self._page_counts[key]

    def _entries_for_contents(self, plan: KitPlan) -> list[dict[str, Any]]:
        counts = [self._reading_pages(d) for d in plan.docs]
        placement = place(counts, plan.kit.duplex)
        return [{"id": d.doc.id, "title": d.title, "page": str(start), "pages": n,
                 "summary": d.summary}
                for d, start, n in zip(plan.docs, placement.starts, counts, strict=True)]

    # -- rosters ------------------------------------------------------------------------
    def build_roster(self, name: str, roster: Path) -> KitResult:
        """One personalised packet per roster row, plus the class's print files."""
        from printkit.personalise.pipeline import build_roster

        return build_roster(self, name, roster)

    # -- the manifest -------------------------------------------------------------------
    def _manifest(self, plan: KitPlan, outputs: Outputs, build_key: str, pages: int) -> bytes:
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



__all__ = ["Builder"]
