"""HTML -> PDF with WeasyPrint. Imported lazily: only a build that renders pays for it.

Runs in worker processes: each imports WeasyPrint once and keeps parsed stylesheets.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing.util
import os
import re
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from printkit.errors import RenderError
from printkit.fonts import confine_fontconfig, font_face_css
from printkit.render import linereuse, stylereuse
from printkit.render.access import finish
from printkit.render.fetcher import make_fetcher
from printkit.render.grey import to_grey
from printkit.render.job import RenderJob, RenderResult
from printkit.units import CSS_PX, PAPER_SIZES, is_card

# A document that takes longer than this to render is stopped (runaway CSS or a huge table).
RENDER_TIME_LIMIT = int(os.environ.get("PRINTKIT_RENDER_TIME_LIMIT", "120"))


class RenderTimeout(BaseException):
    """Raised by the alarm inside a render that ran past the limit (not catchable as an
    ordinary Exception, so WeasyPrint cannot swallow it)."""


# WeasyPrint's report of a character no font has.
NOTDEF_RE = re.compile(r'\.notdef glyph rendered for Unicode string unsupported by fonts: '
                       r'"(.+?)"')

# A last page filled less than this is an accidental spill-over (reported as a warning).
NEARLY_EMPTY = 0.15

# fontTools stamps the current time into subset fonts unless this is set.
REPRODUCIBLE_EPOCH = "315532800"  # 1980-01-01
# For black-and-white copiers: the palette becomes dark and mid greys with strong contrast,
# tints become light greys. Applied last, so it wins over the brand colours.
GRAYSCALE_CSS = """
:root { --brand: #1a1a1a !important; --accent: #4d4d4d !important; --warm: #333 !important;
        --tint: #efefef !important; --tint-warm: #e6e6e6 !important; --tint-brand: #eee !important;
        --muted: #444444 !important; --rule: #bdbdbd !important; --ink: #111111 !important; }
html { color: #111111 !important; }
tr:nth-child(even) td { background: #f2f2f2 !important; }
@page { @bottom-center { color: #555555 !important; } }
.poster .hero .kicker, .cover .kicker { color: #d0d0d0 !important; }
.poster .hero .lede, .cover .subtitle { color: #e8e8e8 !important; }
"""


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _remove_font_folder(font_config: Any) -> None:
    folder = getattr(font_config, "_folder", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


class Renderer:
    """One per process. Holds WeasyPrint, the font configuration and parsed CSS."""

    def __init__(self) -> None:
        os.environ.setdefault("SOURCE_DATE_EPOCH", REPRODUCIBLE_EPOCH)
        confine_fontconfig()  # fontconfig sees only the packaged fonts, never the machine's
        try:  # lazily, in the worker: WeasyPrint takes ~0.9 s to import
            import weasyprint
            from weasyprint.text.fonts import FontConfiguration
        except (ImportError, OSError) as exc:
            raise RenderError(
                f"WeasyPrint cannot start: {exc}\n    It needs the Pango and HarfBuzz "
                "libraries: run 'make kits' (as root it installs them) or "
                "'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0'."
            ) from None

        self.wp = weasyprint
        hide_decoration()
        self.font_config = FontConfiguration()
        # WeasyPrint copies the fonts into a temporary folder it removes only when the
        # configuration is garbage-collected, which a pool worker's exit skips: remove it
        # when the process ends (worker or not), or every build leaves one in /tmp.
        multiprocessing.util.Finalize(self, _remove_font_folder, args=(self.font_config,),
                                      exitpriority=10)
        self.font_css = weasyprint.CSS(string=font_face_css(), font_config=self.font_config)
        self._css: dict[tuple[str, float, int], tuple[Any, dict[str, str]]] = {}
        self._page_css: dict[str, Any] = {}
        self.capture = _Capture()
        logging.getLogger("weasyprint").addHandler(self.capture)
        logging.getLogger("weasyprint").propagate = False
        stylereuse.install(lambda: len(self.capture.records))
        linereuse.install()

    def _stylesheet(self, path: str, roots: tuple[Path, ...]) -> tuple[Any, dict[str, str]]:
        st = os.stat(path)
        key = (path, st.st_mtime, st.st_size)
        if key not in self._css:
            deps: dict[str, str] = {}
            blocked: list[str] = []
            fetcher = make_fetcher(roots, deps, blocked)
            css = self.wp.CSS(url=Path(path).as_uri(), url_fetcher=fetcher,
                              font_config=self.font_config)
            self._css[key] = (css, deps)
        return self._css[key]

    def _paper_css(self, paper: str, grayscale: bool, bleed_mm: float) -> Any:
        name = f"{paper}:{grayscale}:{bleed_mm}"
        if name not in self._page_css:
            width, height = PAPER_SIZES[paper]
            css = f"@page {{ size: {width}pt {height}pt; }}"
            if bleed_mm:
                css += f"\n@page {{ bleed: {bleed_mm}mm; }}"
            if grayscale:
                css += "\n" + GRAYSCALE_CSS
            self._page_css[name] = self.wp.CSS(string=css, font_config=self.font_config)
        return self._page_css[name]

    def render(self, job: RenderJob) -> RenderResult:
        from weasyprint.urls import FatalURLFetchingError  # already imported: a cheap lookup

        start = time.perf_counter()
        roots = tuple(Path(r) for r in job.allowed_roots)
        deps: dict[str, str] = {}
        blocked: list[str] = []
        self.capture.records.clear()
        sheets = [self.font_css]
        for path in job.stylesheets:
            css, css_deps = self._stylesheet(path, roots)
            sheets.append(css)
            deps.update(css_deps)
        sheets.append(self._paper_css(job.paper, job.grayscale, job.bleed_mm))
        fetcher = make_fetcher(roots, deps, blocked)
        result = RenderResult(job.key, b"", 0, deps)
        try:
            with _time_limit(RENDER_TIME_LIMIT):
                html = self.wp.HTML(string=job.html, base_url=job.base_url, url_fetcher=fetcher)
                document = html.render(stylesheets=sheets, font_config=self.font_config,
                                       pdf_tags=job.tagged)
                result.pdf = document.write_pdf(pdf_tags=job.tagged,
                                                pdf_variant=job.variant or None)
                if job.grayscale:
                    result.pdf = to_grey(result.pdf)
                if job.tagged:
                    result.pdf = finish(result.pdf)
                result.pages = len(document.pages)
                if job.probe is not None:
                    result.probed = job.probe(document, result.pdf, job.grayscale)
                first = document.pages[0]  # CSS pixels: 96 a inch
                result.small = is_card(first.width * CSS_PX, first.height * CSS_PX)
                if job.whole:
                    result.warnings.extend(_own_size(job, first.width * CSS_PX,
                                                     first.height * CSS_PX))
                    result.warnings.extend(_folio_room(job, document.pages))
                filled = _last_page_filled(document)
                if result.pages > 1 and not result.small and filled < NEARLY_EMPTY:
                    result.warnings.append(
                        f"{job.label}: its last page (page {result.pages}) is only "
                        f"{filled:.0%} full: a few "
                        "lines spilled over; shorten the text or long variable values so it "
                        "ends a page earlier")
        except FatalURLFetchingError:
            result.errors.append("refused to read " + ", ".join(blocked) +
                                 " (only files inside the project and data: URLs can be used; "
                                 "nothing is fetched from the network)")
        except RenderTimeout:
            result.errors.append(f"rendering took longer than {RENDER_TIME_LIMIT} s and was "
                                 "stopped; look for a very long table or list, or split the "
                                 "document (the limit is PRINTKIT_RENDER_TIME_LIMIT)")
        _report(job, result, blocked, self.capture.records)
        result.seconds = time.perf_counter() - start
        return result


def _own_size(job: RenderJob, width: float, height: float) -> list[str]:
    """A whole document keeps its own page size: say so when it is not the kit's paper."""
    paper = PAPER_SIZES[job.paper]
    if abs(width - paper[0]) < 1.5 and abs(height - paper[1]) < 1.5:
        return []
    size = f"{width / 72:.2f} x {height / 72:.2f} in ({width / 72 * 25.4:.0f} x " \
           f"{height / 72 * 25.4:.0f} mm)"
    return [f"{job.label}: its own page size, {size}, is not the kit's paper ({job.paper}); "
            "it is printed at its own size (its @page rule decides)"]


# The foot band where the reading copy's page numbers go (produce/folio.py: their baseline
# 0.28 in above the trim): a whole document's bottom margin should leave it free.
FOLIO_ROOM = 0.45 * 72


def _folio_room(job: RenderJob, pages: Any) -> list[str]:
    """A whole document whose bottom margin is too small for the reading copy's page
    number: say so (the number would sit over its content)."""
    tight = [i + 1 for i, page in enumerate(pages)
             if page._page_box.margin_bottom * CSS_PX < FOLIO_ROOM - 0.5]
    if not tight:
        return []
    where = "its pages" if len(tight) == len(pages) else \
        "page" + ("s " if len(tight) > 1 else " ") + ", ".join(map(str, tight[:5]))
    return [f"{job.label}: the bottom margin of {where} is under 0.45 in, where printkit "
            "prints page numbers; give its @page rule a bottom margin of at least 0.45 in"]


def hide_decoration() -> None:
    """Teach WeasyPrint's tagging what HTML says is decoration: an element marked
    ``aria-hidden="true"``, and an image or drawing with ``alt=""`` or a presentation role. Their
    tags are built apart from the document's tree, as WeasyPrint does for the page margins,
    so ``access.finish`` makes what they draw an artifact that screen readers skip. An
    inline ``<svg>`` described by ``aria-label`` gets that as its alternative text."""
    import pydyf  # type: ignore[import-untyped]
    from weasyprint.pdf import tags

    original = tags._build_box_tree
    if getattr(original, "printkit", False):
        return

    def build(box: Any, parent: Any, pdf: Any, *rest: Any) -> Iterator[Any]:
        element = getattr(getattr(box, "_box", box), "element", None)
        if element is not None and _decorative(element):
            holder = pydyf.Dictionary({"Type": "/StructElem", "S": "/Artifact"})
            pdf.add_object(holder)
            alt = element.get("alt")
            if alt == "":  # WeasyPrint would report the image as lacking a description
                element.set("alt", "decoration")
            for _ in original(box, holder, pdf, *rest):
                pass
            if alt == "":
                element.set("alt", "")
            return
        for made in original(box, parent, pdf, *rest):
            label = element.get("aria-label") if element is not None else None
            if made["S"] == "/Figure" and label and not made.get("Alt"):
                made["Alt"] = pydyf.String(label)
            yield made

    build.printkit = True  # type: ignore[attr-defined]
    tags._build_box_tree = build


def _decorative(element: Any) -> bool:
    """aria-hidden hides an element and all it holds; role="presentation" on an image or
    drawing, or an image's empty alt, says the picture is decoration. (On other elements
    the role only drops their meaning, not their words: a layout table is still read.)"""
    if element.get("aria-hidden") == "true":
        return True
    picture = element.tag in ("img", "{http://www.w3.org/2000/svg}svg")
    return picture and (element.get("role") in ("presentation", "none")
                        or (element.tag == "img" and element.get("alt") == ""))


def _report(job: RenderJob, result: RenderResult, blocked: list[str],
            records: list[logging.LogRecord]) -> None:
    """WeasyPrint's log as the render's errors and warnings: characters no font has,
    grouped; files it could not load; refused URLs."""
    missing: list[str] = []
    for record in records:
        message = record.getMessage()
        glyph = NOTDEF_RE.search(message)
        if glyph:
            missing.append(glyph.group(1))
        elif "Failed to load" in message or "Error fetching" in message:
            result.errors.append(message.splitlines()[0])
        else:
            result.warnings.append(f"{job.label}: {message.splitlines()[0]}")
    if missing:
        result.warnings.append(
            f"{job.label}: the fonts have no {' '.join(sorted(set(missing)))}: they print "
            "as empty boxes; check the spelling, or use a plain letter")
    if blocked and not result.errors:
        result.errors.append("refused to read " + ", ".join(blocked))


def _last_page_filled(document: Any) -> float:
    """How much of the last page's content area the document uses (0-1); 1 if unknown."""
    try:
        page = document.pages[-1]._page_box
        return float(page.children[0].margin_height() / page.height)
    except (AttributeError, IndexError, ZeroDivisionError, TypeError):
        return 1.0


@contextlib.contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    """SIGALRM-based limit; a no-op where alarms are unavailable (not the main thread)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise RenderTimeout

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


_RENDERER: Renderer | None = None


_GC_SETTLED_IN = 0   # the process that did


def settle_gc() -> None:
    """Tell Python's garbage collector that what is alive now (modules, parsed stylesheets)
    lives for good, and to look for cycles less often. A layout makes and drops millions of
    objects: with the defaults the collector took 8.5% of the CPU of rendering the library,
    most of it rescanning the same long-lived objects (4.7% after this, for 9 MB more memory
    a process). Once a process: the parent before its workers fork, each worker once it
    has WeasyPrint (after its warm-up, else before its first job)."""
    global _GC_SETTLED_IN
    if os.getpid() != _GC_SETTLED_IN:
        _GC_SETTLED_IN = os.getpid()
        gc.freeze()
        gc.set_threshold(10_000, 10, 10)


def _renderer() -> Renderer:
    global _RENDERER
    if _RENDERER is None:
        _RENDERER = Renderer()
    return _RENDERER


def warm_up(stylesheets: tuple[str, ...], roots: tuple[str, ...]) -> None:
    """Import WeasyPrint and parse the project's stylesheets ahead of the first job, while
    the parent process is still planning."""
    renderer = _renderer()
    paths = tuple(Path(r) for r in roots)
    for sheet in stylesheets:
        renderer._stylesheet(sheet, paths)
    settle_gc()


def render_job(job: RenderJob) -> RenderResult:
    renderer = _renderer()
    settle_gc()   # a worker that had no warm-up (one replaced in a lasting pool)
    return renderer.render(job)

