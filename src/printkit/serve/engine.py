"""The warm engine: one worker pool kept up for the server's life (its workers keep
WeasyPrint and the parsed stylesheets between builds), and one thread that makes previews
and builds one at a time, under the same build lock as the command line.

After a change, a kit's reading copy is made first (the preview: only what changed
renders, nothing is written) and the open pages are told which pages changed; then the kit
is built as `printkit build KIT` builds it, through the same cache, and its files written."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TypeVar

from printkit import api

# kitbuild, preview and pipeline: loaded with the server, not at the first edit.
from printkit.engine import fastpath, kitbuild, preview  # noqa: F401
from printkit.engine.session import Session, lasting_pool
from printkit.errors import PrintkitError
from printkit.options import BuildOptions, KitResult, Reporter, Settings
from printkit.personalise import pipeline  # noqa: F401
from printkit.render.renderer import render_job
from printkit.serve.events import Hub
from printkit.serve.pages import PageStore, changed
from printkit.serve.state import KitView, problems_of
from printkit.source.kit import load_kit
from printkit.source.outputs import OutputNames
from printkit.source.project import Project, load_project
from printkit.source.variables import Layer

T = TypeVar("T")


class ServeReporter(Reporter):
    """A build's progress and warnings, told to the open pages."""

    def __init__(self, hub: Hub, kit_id: str) -> None:
        self.hub, self.kit_id = hub, kit_id
        self._last = 0.0

    def progress(self, done: int, total: int, label: str) -> None:
        now = time.monotonic()
        if done == total or now - self._last > 0.25:
            self._last = now
            self.hub.publish("progress", {"kit": self.kit_id, "done": done, "total": total,
                                          "label": label})

    def warning(self, message: str) -> None:
        self.hub.publish("notice", {"kit": self.kit_id, "message": message})


class WarmEngine:
    def __init__(self, root: Path, hub: Hub, store: PageStore, jobs: int = 0) -> None:
        self.root = root
        self.hub = hub
        self.store = store
        # Two at least: the server's own process then never renders or assembles.
        self.jobs = max(2, jobs or os.cpu_count() or 2)
        self.views: dict[str, KitView] = {}
        self.pool = lasting_pool(self.jobs)
        self._work = threading.Lock()        # one build or preview at a time
        self._cond = threading.Condition()
        self._previews: dict[str, None] = {}  # kits waiting, in order
        self._builds: dict[str, None] = {}
        self._closed = False
        self.ready = threading.Event()       # the engine is loaded and the kits planned
        self._thread = threading.Thread(target=self._loop, name="printkit-builds",
                                        daemon=True)

    # -- life -----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the workers (they import WeasyPrint and parse the stylesheets now, not at
        the first edit) and the build thread."""
        with contextlib.suppress(PrintkitError):  # a problem: a page shows it when it asks
            Session(self.project(), self.options(), None, self.pool).warm_up()
        self._thread.start()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.pool.shutdown(wait=True, cancel_futures=True)

    def project(self) -> Project:
        return load_project(self.root)

    def options(self, settings: Settings | None = None, name: str | None = None,
                roster: Path | None = None) -> BuildOptions:
        """A build as `printkit build` makes it (by default, the CLI then finds it up to
        date), with the engine's workers."""
        return BuildOptions(settings=settings or Settings(), name=name, roster=roster,
                            jobs=self.jobs)

    # -- kits the pages show --------------------------------------------------------------
    def open(self, kit_id: str) -> KitView:
        """The kit's view: made from its last build when that is there (and rebuilt when
        the sources changed since), else made now."""
        with self._cond:
            view = self.views.get(kit_id)
            if view is not None:
                return view
            view = self.views[kit_id] = KitView(kit_id)
        try:
            project = self.project()
            fresh = fastpath.lookup(project, [kit_id], self.options()).get(kit_id)
            reading = project.build_dir / kit_id / OutputNames(kit_id).reading
            if reading.is_file():
                view.show(self.store.add(kit_id, reading.read_bytes()))
        except (PrintkitError, OSError):
            fresh = None
        if fresh is not None:
            view.built, view.inputs, view.samples = fresh, fresh.inputs, fresh.samples
        else:
            self.refresh(kit_id)
        return view

    def refresh(self, kit_id: str) -> None:
        """Make the kit's preview again, then build it."""
        with self._cond:
            self._previews[kit_id] = None
            self._cond.notify_all()
        self._status(self.views[kit_id], "queued")

    def changed(self, paths: set[str]) -> None:
        """Files changed (the watcher): the kits they are made from are made again."""
        self.hub.publish("files", {"paths": sorted(paths)})
        for view in list(self.views.values()):
            if view.affected_by(self.root, paths):
                self.refresh(view.kit_id)

    def _status(self, view: KitView, status: str) -> None:
        view.status = status
        self.hub.publish("status", {"kit": view.kit_id, "status": status})

    # -- the build thread -----------------------------------------------------------------
    def _next(self) -> tuple[Callable[[str], None], str] | None:
        with self._cond:
            while not (self._previews or self._builds or self._closed):
                self._cond.wait()
            if self._closed:
                return None
            if self._previews:  # a preview first: someone is looking at it
                kit_id = next(iter(self._previews))
                del self._previews[kit_id]
                return self._preview, kit_id
            kit_id = next(iter(self._builds))
            del self._builds[kit_id]
            return self._build, kit_id

    def _prepare(self) -> None:
        """Plan the kits shown once, in the server's own process, and render one of
        their documents in each worker: the first edit then costs what every edit
        costs."""
        with contextlib.suppress(PrintkitError), self._work:
            project = self.project()
            planner = Session(project, self.options(), None, self.pool).planner
            jobs = [d.job for kit_id in list(self.views)
                    for d in planner.plan(load_kit(project, kit_id), Settings()).renders()
                    if d.job is not None]
            if jobs:  # a first render in each worker (fonts, layout): not at the first edit
                small = min(jobs, key=lambda job: len(job.html))
                for done in [self.pool.submit(render_job, small) for _ in range(self.jobs)]:
                    done.result()

    def _loop(self) -> None:
        try:
            self._prepare()
        except Exception:  # only slower: the first edit loads what it needs
            traceback.print_exc(file=sys.stderr)
        self.ready.set()
        while (job := self._next()) is not None:
            step, kit_id = job
            try:
                step(kit_id)
            except Exception as exc:  # a bug: say so, keep serving
                traceback.print_exc(file=sys.stderr)
                view = self.views[kit_id]
                view.problems = problems_of(PrintkitError(
                    f"printkit hit a bug while building {kit_id}: {exc!r}\n"
                    "    The terminal running 'printkit serve' shows the details; "
                    "please report them."))
                view.status = "idle"
                self.hub.publish("problem", {"kit": kit_id, "problems": view.problems})

    def _engine(self, kit_id: str, run: Callable[[ProcessPoolExecutor, Reporter], T]) -> T:
        """``run`` with the pool, one at a time; a pool whose worker died is replaced."""
        reporter = ServeReporter(self.hub, kit_id)
        with self._work:
            try:
                return run(self.pool, reporter)
            except BrokenProcessPool:
                self.pool = lasting_pool(self.jobs)
                return run(self.pool, reporter)

    def _failed(self, view: KitView, error: PrintkitError) -> None:
        view.problems = problems_of(error)
        self._status(view, "idle")
        self.hub.publish("problem", {"kit": view.kit_id, "problems": view.problems})

    def _preview(self, kit_id: str) -> None:
        view = self.views[kit_id]
        self._status(view, "preview")
        try:
            preview = self._engine(kit_id, lambda pool, reporter: api.preview(
                self.project(), kit_id, self.options(), reporter, pool))
        except PrintkitError as exc:
            self._failed(view, exc)
            return
        pages = self.store.add(kit_id, preview.pdf)
        before = view.pages
        view.show(pages)
        view.warnings, view.samples, view.inputs = (preview.warnings, preview.samples,
                                                    preview.inputs)
        with self._cond:
            self._builds[kit_id] = None
            self._cond.notify_all()
        view.status = "building"
        self.hub.publish("pages", {**view.as_json(), "changed": changed(before, pages),
                                   "seconds": round(preview.seconds, 3)})
        self._status(view, "building")

    def _build(self, kit_id: str) -> None:
        view = self.views[kit_id]
        self._status(view, "building")
        try:
            result = self._engine(kit_id, lambda pool, reporter: api.build(
                self.project(), [kit_id], self.options(), reporter, pool)[0])
        except PrintkitError as exc:
            self._failed(view, exc)
            return
        view.built, view.warnings, view.samples = result, result.warnings, result.samples
        view.inputs = result.inputs or view.inputs
        try:
            pages = self.store.add(kit_id, (result.folder / OutputNames(kit_id).reading)
                                   .read_bytes())
        except OSError:
            pages = view.pages
        before = view.pages
        if changed(before, pages):  # the build's reading copy is the preview's, normally
            view.show(pages)
            self.hub.publish("pages", {**view.as_json(), "changed": changed(before, pages)})
        self._status(view, "idle")
        self.hub.publish("built", {"kit": kit_id, "findings": len(result.findings),
                                   "samples": result.samples, "warnings": result.warnings,
                                   "seconds": round(result.seconds, 3)})

    # -- builds asked for by a form (run in the request's thread) -------------------------
    def event_build(self, kit_id: str, layer: Layer | None, name: str) -> KitResult:
        options = self.options(settings=Settings(set_layer=layer), name=name)
        return self._engine(kit_id, lambda pool, reporter: api.build(
            self.project(), [kit_id], options, reporter, pool)[0])

    def roster_build(self, kit_id: str, roster: Path) -> KitResult:
        return self._engine(kit_id, lambda pool, reporter: api.build(
            self.project(), [kit_id], self.options(roster=roster), reporter, pool)[0])
