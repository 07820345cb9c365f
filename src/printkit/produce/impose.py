"""Imposition: pure slot tables, and one pypdf applier that places pages on sheets.

A slot table says, for each output sheet, which source page (index, or None for a blank)
goes in which slot. Tables are plain data, so every page count is easy to test.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pikepdf
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject

from printkit.pdf.marks import (
    MARK_GAP,
    MARK_LEN,
    MARK_ZONE,
    Segment,
    crop_marks,
    draw_marks,
    mark_ops,
)
from printkit.units import INCH, PAPER_SIZES, mm

Slot = int | None



# ----------------------------------------------------------------------------- tables
def booklet_order(n: int) -> list[Slot]:
    """Reading order padded to a multiple of four, blanks placed before the back cover
    so the back cover stays last (a single page has no back cover)."""
    if n <= 0:
        return []
    total = math.ceil(n / 4) * 4
    pad = total - n
    if n == 1:
        return [0] + [None] * pad
    return [*range(n - 1), *([None] * pad), n - 1]


def saddle_stitch(n: int) -> list[tuple[tuple[Slot, Slot], tuple[Slot, Slot]]]:
    """Printer spreads for a saddle-stitched booklet of ``n`` pages.

    One entry per sheet: ((front left, front right), (back left, back right)), for
    duplex printing flipped on the short edge. Sheet 0 is the outermost.
    """
    order = booklet_order(n)
    total = len(order)
    sheets = []
    for s in range(total // 4):
        front = (order[total - 1 - 2 * s], order[2 * s])
        back = (order[2 * s + 1], order[total - 2 - 2 * s])
        sheets.append((front, back))
    return sheets


def n_up(n: int, up: int, repeat: bool = False) -> list[list[Slot]]:
    """Sheets of ``up`` slots: consecutive pages, or (repeat) each page ``up`` times."""
    if repeat:
        return [[i] * up for i in range(n)]
    sheets = []
    for start in range(0, n, up):
        sheets.append([i if i < n else None for i in range(start, start + up)])
    return sheets


def card_sheets(cards: int, cols: int = 2, rows: int = 5) -> list[tuple[list[Slot], list[Slot]]]:
    """Fronts and backs for two-sided cards (card i = pages 2i, 2i+1), ``cols * rows`` a sheet.

    Slots are numbered row by row from the top left. A back sheet is mirrored left-right,
    so after a long-edge duplex flip each back lands behind its own front. With fewer cards
    than slots, the cards repeat to fill the sheet.
    """
    per = cols * rows
    if cards <= 0:
        return []
    out = []
    sheet_count = math.ceil(cards / per) if cards > per else 1
    for s in range(sheet_count):
        front: list[Slot] = []
        for slot in range(per):
            card = (s * per + slot) if cards > per else slot % cards
            front.append(2 * card if card < cards else None)
        back: list[Slot] = []
        for slot in range(per):
            r, c = divmod(slot, cols)
            mirror = front[r * cols + (cols - 1 - c)]
            back.append(None if mirror is None else mirror + 1)
        out.append((front, back))
    return out


# ----------------------------------------------------------------------------- geometry
EDGE = 0.25 * INCH   # an office printer cannot print nearer the sheet's edge than this


@dataclass(frozen=True)
class Placement:
    page: int          # source page index
    x: float           # lower-left corner of the placed page's trim on the sheet
    y: float
    scale: float
    clip: tuple[float, float, float, float] | None = None  # what of the page shows


@dataclass(frozen=True)
class Sheet:
    width: float
    height: float
    placements: tuple[Placement, ...]
    marks: tuple[Segment, ...] = ()   # line segments
    fold: tuple[float, ...] = ()                                # x of vertical fold lines


def booklet_sheets(n: int, page_w: float, page_h: float, mode: str = "double",
                   marks: bool = False, creep_pt: float = 0.0) -> list[Sheet]:
    """Sheets (front, back, front, back, ...) for a saddle-stitched booklet."""
    spreads = saddle_stitch(n)
    if mode == "double":
        sheet_w, sheet_h = 2 * page_w, page_h
    else:  # "same": two pages scaled onto a landscape sheet of the page's own size
        sheet_w, sheet_h = page_h, page_w
    margin = MARK_ZONE if marks else 0.0
    scale = min((sheet_w - 2 * margin) / (2 * page_w), (sheet_h - 2 * margin) / page_h)
    spread_w, spread_h = 2 * page_w * scale, page_h * scale
    left = (sheet_w - spread_w) / 2
    bottom = (sheet_h - spread_h) / 2
    spine = sheet_w / 2
    count = len(spreads)
    out = []
    for s, sides in enumerate(spreads):
        # creep: inner sheets' pages move toward the spine so margins look even once folded
        shift = creep_pt * (s / (count - 1)) if count > 1 else 0.0
        for left_page, right_page in sides:
            placements = []
            if left_page is not None:
                placements.append(Placement(left_page, left + shift, bottom, scale))
            if right_page is not None:
                placements.append(Placement(right_page, spine - shift, bottom, scale))
            m = (crop_marks(left, bottom, left + spread_w, bottom + spread_h)
                 if marks else [])
            out.append(Sheet(sheet_w, sheet_h, tuple(placements), tuple(m),
                             (spine,) if marks else ()))
    return out


@dataclass(frozen=True)
class Grid:
    """Pieces in ``cols`` x ``rows`` cells centred on a sheet: at 100% when they fit
    (``gutter`` apart across), else scaled to fit inside room for marks. ``bleed``: how
    far each piece's art runs past its trim across (into the gutter); up and down,
    neighbouring rows meet at their shared cut."""

    cols: int
    rows: int
    page_w: float
    page_h: float
    sheet_w: float
    sheet_h: float
    gutter: float = 0.0
    bleed: float = 0.0

    @property
    def scale(self) -> float:
        fits = (self.cols * self.page_w + (self.cols - 1) * self.gutter <= self.sheet_w + 0.5
                and self.rows * self.page_h <= self.sheet_h + 0.5)
        if fits:
            return 1.0
        room = 2 * (EDGE + MARK_LEN)
        return min((self.sheet_w - room) / (self.cols * self.page_w),
                   (self.sheet_h - room) / (self.rows * self.page_h))

    def cells(self) -> list[tuple[float, float]]:
        """Lower-left corner of each cell's trim, row by row from the top left."""
        scale = self.scale
        w, h = self.page_w * scale, self.page_h * scale
        gutter = self.gutter if scale == 1.0 else 0.0
        x0 = (self.sheet_w - (self.cols * w + (self.cols - 1) * gutter)) / 2
        y_top = (self.sheet_h + self.rows * h) / 2
        return [(x0 + c * (w + gutter), y_top - (r + 1) * h)
                for r in range(self.rows) for c in range(self.cols)]

    def sheets(self, slots: Sequence[Sequence[Slot]], marks: bool = True) -> list[Sheet]:
        scale = self.scale
        w, h = self.page_w * scale, self.page_h * scale
        bleed = self.bleed if scale == 1.0 else 0.0
        cells = self.cells()
        out = []
        for sheet in slots:
            placements = tuple(
                Placement(page, x, y, scale,
                          (x - bleed, y, x + w + bleed, y + h) if bleed else None)
                for page, (x, y) in zip(sheet, cells, strict=False) if page is not None)
            segs = cut_marks(sorted({x for x, _ in cells} | {x + w for x, _ in cells}),
                             sorted({y for _, y in cells} | {y + h for _, y in cells}),
                             bleed, self.sheet_w, self.sheet_h) if marks else []
            out.append(Sheet(self.sheet_w, self.sheet_h, placements, tuple(segs)))
        return out


def cut_marks(xs: Sequence[float], ys: Sequence[float], bleed: float, sheet_w: float,
              sheet_h: float) -> list[Segment]:
    """Crop marks for the vertical cuts at ``xs`` and the horizontal cuts at ``ys``: in the
    margin outside the pieces (and their ``bleed``) and never within 0.25 in of the
    sheet's edge. A cut along the sheet's own edge needs none. Where pieces reach the
    sheet's edge, the marks of a cut between them sit on the cut line itself, in the
    pieces' margins, where the cut removes them."""
    out: list[Segment] = []
    for vertical, cuts, length, lo, hi, outside in (
            (True, xs, sheet_h, min(ys), max(ys), 0.0),
            (False, ys, sheet_w, min(xs), max(xs), bleed)):
        size = sheet_w if vertical else sheet_h
        for at in cuts:
            if at < 0.5 or at > size - 0.5:
                continue
            interior = cuts[0] < at < cuts[-1]
            spans = []
            below = lo - outside - MARK_GAP          # room between the pieces and the edge
            if below - EDGE >= MARK_LEN / 2:
                spans.append((below - min(MARK_LEN, below - EDGE), below))
            elif interior:
                spans.append((EDGE, EDGE + MARK_LEN))
            above = hi + outside + MARK_GAP
            if length - EDGE - above >= MARK_LEN / 2:
                spans.append((above, above + min(MARK_LEN, length - EDGE - above)))
            elif interior:
                spans.append((length - EDGE - MARK_LEN, length - EDGE))
            out += [(at, a, at, b) if vertical else (a, at, b, at) for a, b in spans]
    return out


def grid_sheets(slots: Sequence[Sequence[Slot]], cols: int, rows: int, page_w: float,
                page_h: float, sheet_w: float, sheet_h: float, marks: bool = True) -> list[Sheet]:
    """Place pages in a centred grid on each sheet (at 100% when they fit)."""
    return Grid(cols, rows, page_w, page_h, sheet_w, sheet_h).sheets(slots, marks)


# ----------------------------------------------------------------------------- applier
def apply(source: bytes, sheets: Sequence[Sheet], title: str = "",
          language: str = "") -> bytes:
    """Draw each sheet's pages (and marks) into a new PDF.

    Each source page becomes one Form XObject, drawn wherever the slot tables place it: a page
    repeated four times on a cut sheet is stored once, and no content stream is re-parsed.
    (qpdf, through pikepdf, does this about ten times faster than merging pages in pypdf.)"""
    return apply_runs([source], [sheets], [(0, {})], title, language)


def apply_runs(sources: Sequence[bytes], sheets: Sequence[Sequence[Sheet]],
               runs: Sequence[tuple[int, Mapping[int, bytes]]], title: str = "",
               language: str = "") -> bytes:
    """``apply`` for many copies in one file: each run is (source index, {page index: content
    drawn over that page}), imposed with that source's sheets. A page drawn with nothing
    over it is one Form XObject for every run; a page with something over it is a small
    form per run that draws the shared one, then its own content (roster fields). Each sheet
    side is one content stream; the file has a title shown in a viewer's window, and a
    language."""
    srcs = [pikepdf.Pdf.open(io.BytesIO(s)) for s in sources]
    out = pikepdf.Pdf.new()
    forms: dict[tuple[int, int], pikepdf.Object] = {}
    trims: dict[tuple[int, int], tuple[float, float]] = {}
    for source, extra in runs:
        own: dict[int, pikepdf.Object] = {}
        for sheet in sheets[source]:
            out.add_blank_page(page_size=(sheet.width, sheet.height))
            page = out.pages[-1]
            chunks: list[bytes] = []
            for p in sheet.placements:
                if (source, p.page) not in forms:
                    forms[source, p.page], trims[source, p.page] = _form(
                        out, srcs[source].pages[p.page])
                form = forms[source, p.page]
                label = f"/Pg{p.page}"
                if p.page in extra:
                    if p.page not in own:
                        own[p.page] = _overlay_form(out, form, extra[p.page])
                    form, label = own[p.page], f"/Pv{p.page}"
                name = page.add_resource(form, pikepdf.Name.XObject,
                                         pikepdf.Name(label))  # stable names: same bytes
                x0, y0 = trims[source, p.page]
                scale = p.scale
                clip = ""
                if p.clip is not None:
                    cx0, cy0, cx1, cy1 = p.clip
                    clip = f"{cx0:.4f} {cy0:.4f} {cx1 - cx0:.4f} {cy1 - cy0:.4f} re W n "
                chunks.append(f"q {clip}{scale:.6f} 0 0 {scale:.6f} {p.x - x0 * scale:.4f} "
                              f"{p.y - y0 * scale:.4f} cm {name} Do Q\n".encode())
            ops = mark_ops(sheet.marks, sheet.fold, sheet.height)
            if ops:
                chunks.append(("\n".join(ops) + "\n").encode())
            page.obj.Contents = out.make_stream(b"".join(chunks))
    if title:
        out.docinfo["/Title"] = title
        out.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    if language:
        out.Root.Lang = pikepdf.String(language)
    out.docinfo["/Producer"] = "printkit"
    out.docinfo["/Creator"] = "printkit"
    buf = io.BytesIO()
    out.save(buf, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buf.getvalue()


def _form(out: Any, page: Any) -> tuple[Any, tuple[float, float]]:
    """A source page as a form in ``out`` that keeps its bleed (the whole MediaBox), and
    the lower-left corner of its trim."""
    form = page.as_form_xobject()
    media = [float(v) for v in page.mediabox]
    trim = [float(v) for v in page.obj.get("/TrimBox", page.mediabox)]
    form.BBox = pikepdf.Array(media)
    return out.copy_foreign(form), (trim[0], trim[1])


def _overlay_form(pdf: Any, base: Any, content: bytes) -> Any:
    """A form that draws ``base`` and then ``content`` (which uses base's fonts)."""
    resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(B=base))
    fonts = base.get("/Resources", {}).get("/Font")
    if fonts is not None:
        resources.Font = fonts
    form = pikepdf.Stream(pdf, b"q /B Do Q\n" + content)
    form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
    form.BBox, form.Resources = base.BBox, resources
    return pdf.make_indirect(form)


# ----------------------------------------------------------------------------- products
LETTER = (612.0, 792.0)


def page_size(source: bytes) -> tuple[int, float, float]:
    """(page count, width, height) of the first page's trim box."""
    reader = PdfReader(io.BytesIO(source))
    box = reader.pages[0].trimbox
    return len(reader.pages), float(box.width), float(box.height)


def booklet_layout(source: bytes, mode: str = "double", marks: bool = False,
                   creep_mm: float = 0.0) -> list[Sheet]:
    n, w, h = page_size(source)
    return booklet_sheets(n, w, h, mode, marks, mm(creep_mm))


def make_booklet(source: bytes, mode: str = "double", marks: bool = False,
                 creep_mm: float = 0.0, title: str = "", language: str = "") -> bytes:
    return apply(source, booklet_layout(source, mode, marks, creep_mm), title, language)


def cut_layout(source: bytes, up: int = 4, repeat: bool = True,
               sheet: tuple[float, float] | None = None) -> list[Sheet]:
    """2-up (two pages side by side on a landscape sheet) or 4-up (2 x 2), with cut marks.
    ``sheet`` (portrait width, height): the paper; pages that fit it are placed at 100%.
    Without it, office paper (Letter, A4) if it holds them at 100% (two half-letter pages
    on Letter), else a sheet the size of a page (the pages scaled to fit)."""
    n, w, h = page_size(source)
    cols, rows = (2, 1) if up == 2 else (2, 2)
    if sheet is None:
        sheet = _paper_holding(cols * w, rows * h) or (w, h)
    portrait_w, portrait_h = min(sheet), max(sheet)
    sheet_w, sheet_h = ((portrait_h, portrait_w) if up == 2 else (portrait_w, portrait_h))
    return Grid(cols, rows, w, h, sheet_w, sheet_h).sheets(n_up(n, up, repeat))


def _paper_holding(width: float, height: float) -> tuple[float, float] | None:
    for w, h in (PAPER_SIZES["letter"], PAPER_SIZES["a4"]):
        if {round(w), round(h)} == {round(width), round(height)}:
            return w, h
    return None


def make_cut_sheet(source: bytes, up: int = 4, repeat: bool = True, title: str = "",
                   language: str = "", sheet: tuple[float, float] | None = None) -> bytes:
    return apply(source, cut_layout(source, up, repeat, sheet), title, language)


CARD_GUTTER = 0.25 * INCH   # between the two columns of a card sheet
CARD_BLEED = 0.125 * INCH   # how far a card's art runs into the gutter


def card_layout(source: bytes, sheet: tuple[float, float] = LETTER) -> list[Sheet]:
    """Business-card pages (front, back per card) ten to a sheet, backs mirrored for a
    long-edge duplex flip: two columns a gutter apart, rows meeting at their shared cuts.
    Art that a card renders into its bleed runs into the gutter (and no further)."""
    n, w, h = page_size(source)
    reader = PdfReader(io.BytesIO(source))
    has_bleed = float(reader.pages[0].mediabox.width) > w + 1
    grid = Grid(2, 5, w, h, *sheet, gutter=CARD_GUTTER,
                bleed=CARD_BLEED if has_bleed else 0.0)
    sheets = []
    for front, back in card_sheets(max(1, n // 2)):
        sheets.extend(grid.sheets([front]))
        sheets.extend(grid.sheets([back]))
    return sheets


def make_card_sheet(source: bytes, title: str = "", sheet: tuple[float, float] = LETTER,
                    language: str = "") -> bytes:
    return apply(source, card_layout(source, sheet), title, language)


def smallest_scale(sheets: Sequence[Sheet]) -> float:
    """The smallest scale any page was placed at (1.0: all at 100%)."""
    return min((p.scale for s in sheets for p in s.placements), default=1.0)


def press_ready(source: bytes, bleed_mm: float) -> bytes:
    """Add bleed and crop marks: TrimBox = the page, BleedBox = trim + bleed, MediaBox
    large enough for the marks. Pages rendered with CSS bleed already paint into it."""
    bleed = mm(bleed_mm)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(source)))
    for page in writer.pages:
        trim = page.trimbox if "/TrimBox" in page else page.mediabox
        x0, y0, x1, y1 = (float(trim.left), float(trim.bottom), float(trim.right),
                          float(trim.top))
        zone = bleed + MARK_ZONE
        page.trimbox = RectangleObject([x0, y0, x1, y1])
        page.bleedbox = RectangleObject([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
        page.mediabox = RectangleObject([x0 - zone, y0 - zone, x1 + zone, y1 + zone])
        page.cropbox = page.mediabox
        draw_marks(page, crop_marks(x0, y0, x1, y1, gap=bleed + MARK_GAP))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
