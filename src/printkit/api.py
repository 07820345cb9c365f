"""The library's entry point: the no-change fast path, the build lock, and the pipeline for
the job (a kit build, or a roster build). Light to import: the engine is loaded only when
there is something to do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from printkit.engine import fastpath
from printkit.errors import InputError, PrintkitError, Problem, UsageError
from printkit.options import BuildOptions, KitResult, PreflightResult, Reporter
from printkit.source.project import CONFIG_NAME, Project, find_root
from printkit.source.yamlio import as_mapping, load_yaml

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from printkit.engine.preview import Preview


def build(project: Project, names: Sequence[str], options: BuildOptions | None = None,
          reporter: Reporter | None = None,
          pool: ProcessPoolExecutor | None = None) -> list[KitResult]:
    """Build the named kits (every kit when ``names`` is empty). ``pool``: warm workers
    to render and assemble with (engine.session.lasting_pool), kept running after."""
    options = options or BuildOptions()
    names = list(names) or project.kit_ids()
    if not names:
        raise InputError([Problem("kits/", None, "there are no kits to build",
                                  "Add a kit YAML file to kits/.")])
    if options.roster is not None and len(names) != 1:
        raise UsageError("--roster builds one kit: name it, e.g. "
                         "printkit build recruit-academy --roster class.csv")
    fresh = fastpath.lookup(project, names, options)
    stale = [n for n in names if n not in fresh]
    if reporter is not None:
        for name in fresh:
            reporter.detail(f"nothing changed since the last build of {name}: up to date")
    if stale:
        built = dict(zip(stale, _run(project, stale, options, reporter, fresh, pool),
                         strict=True))
    else:
        built = {}
    return [fresh.get(n) or built[n] for n in names]


def _run(project: Project, names: list[str], options: BuildOptions, reporter: Reporter | None,
         fresh: dict[str, KitResult],
         pool: ProcessPoolExecutor | None = None) -> list[KitResult]:
    # The engine, and with it Jinja2 and pypdf, only when there is work to do.
    from printkit.engine.kitbuild import build_kits
    from printkit.engine.lock import build_lock
    from printkit.engine.session import Session
    from printkit.personalise.pipeline import build_roster

    say = reporter.warning if reporter is not None else (lambda message: None)
    read_elsewhere = frozenset().union(*(r.reads for r in fresh.values()))
    with build_lock(project.build_dir, say), \
            Session(project, options, reporter, pool) as session:
        if options.roster is not None:
            results = [build_roster(session, names[0], options.roster)]
        else:
            results = build_kits(session, names, read_elsewhere)
        fastpath.record(project, names, options, results)
    return results


def preview(project: Project, name: str, options: BuildOptions | None = None,
            reporter: Reporter | None = None,
            pool: ProcessPoolExecutor | None = None) -> Preview:
    """Kit ``name``'s reading copy made in memory, for a live preview: rendered through the
    cache, under the build lock, nothing written (engine/preview.py)."""
    from printkit.engine.lock import build_lock
    from printkit.engine.preview import preview_kit
    from printkit.engine.session import Session

    options = options or BuildOptions()
    say = reporter.warning if reporter is not None else (lambda message: None)
    with build_lock(project.build_dir, say), \
            Session(project, options, reporter, pool) as session:
        return preview_kit(session, name)


def preflight(project: Project, names: Sequence[str], options: BuildOptions | None = None,
              reporter: Reporter | None = None) -> list[PreflightResult]:
    """Measure the built outputs of the named kits (every kit when ``names`` is empty)
    again, and rewrite their preflight reports."""
    from printkit.engine.checkup import preflight_kits
    from printkit.engine.session import Session

    options = options or BuildOptions()
    with Session(project, options, reporter) as session:
        return preflight_kits(session, list(names) or project.kit_ids())


_PRODUCTS = {"saddle": "booklet", "2up": "2-up cut sheet", "4up": "4-up cut sheet",
             "cards": "card sheet"}


def impose(source: Path, target: Path, layout: str, sheet: str = "double",
           marks: bool = False, creep_mm: float = 0.0, repeat: bool = False,
           folder: Path | None = None) -> float:
    """Impose any PDF as a booklet, 2-up or 4-up sheets, or a ten-up card sheet. Returns
    the scale its pages were placed at (1.0: at 100%; smaller: shrunk to fit). The print
    file is titled from the PDF's own title (else its file name) and the layout, in the
    PDF's language (else the default of the project in or above ``folder``, else English)."""
    from printkit import __version__
    from printkit.engine.atomic import write_bytes
    from printkit.pdf.files import pdf_errors, readable_pdf
    from printkit.pdf.metadata import read_metadata
    from printkit.produce.impose import (
        apply,
        booklet_layout,
        card_layout,
        cut_layout,
        smallest_scale,
    )

    try:
        data = source.read_bytes()
    except OSError as exc:
        raise InputError([Problem(str(source), None, f"cannot read it: {exc.strerror}")]) \
            from None
    readable_pdf(data, str(source))
    with pdf_errors(str(source)):
        if layout == "saddle":
            sheets = booklet_layout(data, sheet, marks, creep_mm)
        elif layout == "cards":
            sheets = card_layout(data)
        else:
            sheets = cut_layout(data, 2 if layout == "2up" else 4, repeat)
        meta = read_metadata(data, source.stem,
                             _language(folder or Path.cwd()), f"printkit {__version__}")
        out = apply(data, sheets, replace(meta, title=f"{meta.title}, {_PRODUCTS[layout]}"))
    write_bytes(target, out)
    return smallest_scale(sheets)


def _language(folder: Path) -> str:
    """The default language of the project in or above ``folder`` (from its printkit.yaml
    alone: a PDF made elsewhere needs nothing else); English outside one."""
    try:
        file = find_root(folder) / CONFIG_NAME
        config = (as_mapping(load_yaml(file, empty_ok=True), CONFIG_NAME) if file.is_file()
                  else {})
    except PrintkitError:
        return "en"
    return str(config.get("language", "en"))


__all__ = ["BuildOptions", "KitResult", "PreflightResult", "Reporter", "build", "impose",
           "preflight", "preview"]
