"""The build session: one worker pool, the render cache in front of it, and what the build
tells its user. Kit builds and roster builds use only this interface.

One pool serves the whole build: rendering documents, then contents pages, then producing
every kit's files. Workers import WeasyPrint on their first render and keep it; only the
parent process writes files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from printkit.engine.cache import Cache, Entry, SealedBytecodeCache
from printkit.errors import InputError, Problem
from printkit.options import BuildOptions, Reporter
from printkit.plan.planner import Planner
from printkit.render.job import RenderJob, RenderResult
from printkit.render.renderer import render_job, settle_gc, warm_up
from printkit.source.kit import Kit, load_kit
from printkit.source.project import Project

T = TypeVar("T")
R = TypeVar("R")


def lasting_pool(workers: int) -> ProcessPoolExecutor:
    """A worker pool that outlives sessions, to lend to each (``printkit serve`` keeps one
    warm: its workers keep WeasyPrint and the parsed stylesheets between builds). Its
    workers are started by a fork server, which a process running threads (a web server)
    can do safely, also when a worker has to be replaced."""
    context = get_context("forkserver")
    context.set_forkserver_preload(["printkit.render.renderer"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


class Session:
    def __init__(self, project: Project, options: BuildOptions,
                 reporter: Reporter | None = None,
                 pool: ProcessPoolExecutor | None = None) -> None:
        settle_gc()   # before the workers fork: they inherit it
        self.project = project
        self.options = options
        self.reporter = reporter or Reporter()
        cache_dir = project.build_dir / ".cache"
        self.planner = Planner.open(
            project, SealedBytecodeCache(cache_dir / "jinja") if options.use_cache else None)
        self.cache = Cache(cache_dir, project.root, enabled=options.use_cache,
                           hasher=self.planner.hasher)
        self.workers = options.jobs or os.cpu_count() or 1
        # A pool lent by the caller (see lasting_pool) is used and left running.
        self._pool: ProcessPoolExecutor | None = pool
        self._lent = pool is not None
        self._entries: dict[str, Entry] = {}
        self._rendered: set[str] = set()
        self._explained: set[str] = set()
        self._previous: dict[str, str] | None = None
        self.spliced: dict[Path, tuple[bytes, int]] = {}  # PDFs given, read and checked once

    def __enter__(self) -> Session:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._pool is not None and not self._lent:
            self._pool.shutdown(cancel_futures=True)
        self._pool = None

    # -- the pool -----------------------------------------------------------------------
    def _executor(self) -> Executor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=get_context("fork"))
        return self._pool

    def map(self, fn: Callable[[T], R], items: Sequence[T], labels: Sequence[str],
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

    def warm_up(self) -> None:
        """Start the workers now, so their WeasyPrint import overlaps our planning. A build
        that turns out to need no render wastes a little CPU in the workers, never time."""
        if self.workers <= 1:
            return

        sheets = tuple(str(p.resolve()) for p in self.project.stylesheets)
        pool = self._executor()
        for _ in range(self.workers):
            pool.submit(warm_up, sheets, self.planner.allowed_roots)

    # -- rendering through the cache ----------------------------------------------------
    def render(self, jobs: Iterable[RenderJob]) -> None:
        """Make every job's PDF available (``entry``): from the cache or by rendering."""
        todo: dict[str, RenderJob] = {}
        for job in jobs:
            if job.key in self._entries or job.key in todo:
                continue
            entry, reason = self.cache.get(job.key)
            if entry is not None:
                self._entries[job.key] = entry
                self.reporter.detail(f"cached   {job.label}")
            else:
                todo[job.key] = job
                self.reporter.detail(f"render   {job.label} ({self._why(job, reason)})")
        pending = list(todo.values())
        results: list[RenderResult] = self.map(render_job, pending, [j.label for j in pending],
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
                          result.probed)
            self._entries[job.key] = entry
            self._rendered.add(job.key)
            self.cache.put(job.key, entry)
        if problems:
            raise InputError(problems)

    def entry(self, key: str) -> Entry:
        """A rendered document (after ``render``)."""
        return self._entries[key]

    def rendered(self, keys: Iterable[str]) -> int:
        """How many of ``keys`` this session rendered (the rest came from the cache)."""
        return len(set(keys) & self._rendered)

    # -- policy and reporting -----------------------------------------------------------
    def explain(self, message: str) -> None:
        """A -v detail, said once per build."""
        if message not in self._explained:
            self._explained.add(message)
            self.reporter.detail(message)

    def enforce_strict(self, problems: Sequence[Problem]) -> None:
        """--strict: a warning fails the build before anything is written."""
        if self.options.strict and problems:
            raise InputError(problems)

    def enforce_strict_on(self, where: str, warnings: Sequence[str]) -> None:
        """``enforce_strict`` for warnings reported as text (renders, roster rows)."""
        self.enforce_strict([Problem(where, None, f"warning: {m}") for m in warnings])

    def load_kits(self, names: Sequence[str]) -> list[Kit]:
        """The named kits, or every problem in any of them."""
        kits: list[Kit] = []
        problems: list[Problem] = []
        for name in names:
            try:
                kits.append(load_kit(self.project, name))
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        return kits

    def folder_for(self, kit: Kit) -> Path:
        base = self.options.out_dir or self.project.build_dir
        name = self.options.name
        return base / (f"{kit.id}-{name}" if name else kit.id)

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
            if (name == label or name.endswith(".css")) and self.planner.hasher(
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
