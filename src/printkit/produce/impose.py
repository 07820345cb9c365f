"""Imposition: one applier that draws the sheets of ``printkit.produce.sheets`` into a PDF
(qpdf, through pikepdf), and the print products made with it: booklets, cut sheets, card
sheets and press-ready pages."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pikepdf
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject

from printkit.pdf import pieces
from printkit.pdf.marks import MARK_GAP, MARK_ZONE, crop_marks, draw_marks, mark_ops
from printkit.pdf.metadata import Metadata, set_metadata, set_print_metadata
from printkit.produce.sheets import (
    Grid,
    Sheet,
    booklet_sheets,
    card_sheets,
    n_up,
)
from printkit.units import INCH, PAPER_SIZES, mm


# ----------------------------------------------------------------------------- applier
def apply(source: bytes, sheets: Sequence[Sheet], meta: Metadata | None = None) -> bytes:
    """Draw each sheet's pages (and marks) into a new PDF.

    Each source page becomes one Form XObject, drawn wherever the slot tables place it: a page
    repeated four times on a cut sheet is stored once, and no content stream is re-parsed.
    (qpdf, through pikepdf, does this about ten times faster than merging pages in pypdf.)"""
    return apply_runs([source], [sheets], [(0, {})], meta)


def apply_runs(sources: Sequence[bytes], sheets: Sequence[Sequence[Sheet]],
               runs: Sequence[tuple[int, Mapping[int, bytes]]],
               meta: Metadata | None = None) -> bytes:
    """``apply`` for many copies in one file: each run is (source index, {page index: content
    drawn over that page}), imposed with that source's sheets. A page drawn with nothing
    over it is one Form XObject for every run; a page with something over it is a small
    form per run that draws the shared one, then its own content (roster fields). Each sheet
    side is one content stream. A print file: ``meta`` gives its title (shown in a viewer's
    window), language and XMP packet, with no PDF/UA claim (it has no tags)."""
    srcs = [pikepdf.Pdf.open(io.BytesIO(s)) for s in sources]
    out = pikepdf.Pdf.new()
    forms: dict[tuple[int, int], pikepdf.Object | None] = {}
    trims: dict[tuple[int, int], tuple[float, float, float, float, float]] = {}
    inner: dict[tuple[int, int], list[pieces.Box]] = {}
    for source, extra in runs:
        own: dict[int, pikepdf.Object] = {}
        for sheet in sheets[source]:
            out.add_blank_page(page_size=(sheet.width, sheet.height))
            page = out.pages[-1]
            chunks: list[bytes] = []
            placed: list[tuple[float, float, float, float]] = []
            bleed = 0.0
            for p in sheet.placements:
                if (source, p.page) not in forms:
                    forms[source, p.page], trims[source, p.page] = _form(
                        out, srcs[source].pages[p.page])
                    inner[source, p.page] = pieces.read(srcs[source].pages[p.page])
                form = forms[source, p.page]
                if form is None:   # a blank page: nothing to draw
                    continue
                label = f"/Pg{p.page}"
                if p.page in extra:
                    if p.page not in own:
                        own[p.page] = _overlay_form(out, form, extra[p.page])
                    form, label = own[p.page], f"/Pv{p.page}"
                name = page.add_resource(form, pikepdf.Name.XObject,
                                         pikepdf.Name(label))  # stable names: same bytes
                x0, y0, x1, y1, margin = trims[source, p.page]
                scale = p.scale
                # pieces within the page (a card proof's cards) first, then the page
                placed += [(p.x + (a - x0) * scale, p.y + (b - y0) * scale,
                            p.x + (c - x0) * scale, p.y + (d - y0) * scale)
                           for a, b, c, d in inner[source, p.page]]
                placed.append((p.x, p.y, p.x + (x1 - x0) * scale, p.y + (y1 - y0) * scale))
                clip = ""
                if p.clip is not None:
                    cx0, cy0, cx1, cy1 = p.clip
                    clip = f"{cx0:.4f} {cy0:.4f} {cx1 - cx0:.4f} {cy1 - cy0:.4f} re W n "
                    bleed = max(bleed, min(margin * scale, p.x - cx0))
                else:
                    bleed = max(bleed, margin * scale)
                chunks.append(f"q {clip}{scale:.6f} 0 0 {scale:.6f} {p.x - x0 * scale:.4f} "
                              f"{p.y - y0 * scale:.4f} cm {name} Do Q\n".encode())
            ops = mark_ops(sheet.marks, sheet.fold, sheet.height)
            if ops:
                chunks.append(("\n".join(ops) + "\n").encode())
            pieces.record(page, placed, bleed)
            if chunks:
                page.obj.Contents = out.make_stream(b"".join(chunks))
            else:   # a side with nothing on it has no content (an empty one is invalid)
                del page.obj.Contents
    if meta is not None:
        set_print_metadata(out, meta)
    else:
        out.docinfo["/Producer"] = out.docinfo["/Creator"] = "printkit"
    buf = io.BytesIO()
    out.save(buf, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buf.getvalue()


def _form(out: Any, page: Any) -> tuple[Any, tuple[float, float, float, float, float]]:
    """A source page as a form in ``out`` that keeps its bleed (the whole MediaBox), and
    its trim with the bleed around it; no form for a blank page (qpdf would write its
    empty content as an empty compressed stream, which is not valid)."""
    form = page.as_form_xobject()
    trim = [float(v) for v in page.obj.get("/TrimBox", page.mediabox)]
    media = [float(v) for v in page.mediabox]
    box = (trim[0], trim[1], trim[2], trim[3], max(0.0, trim[0] - media[0]))
    if not form.read_raw_bytes():
        return None, box
    form.BBox = pikepdf.Array(media)
    return out.copy_foreign(form), box


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
LETTER = PAPER_SIZES["letter"]


def page_size(source: bytes) -> tuple[int, float, float, bool]:
    """(page count, width, height) of the first page's trim box, and whether the page
    is larger than its trim (rendered with bleed)."""
    reader = PdfReader(io.BytesIO(source))
    box, media = reader.pages[0].trimbox, reader.pages[0].mediabox
    bleed = float(media.width) > float(box.width) + 1
    return len(reader.pages), float(box.width), float(box.height), bleed


def booklet_layout(source: bytes, mode: str = "double", marks: bool = False,
                   creep_mm: float = 0.0) -> list[Sheet]:
    n, w, h, _ = page_size(source)
    return booklet_sheets(n, w, h, mode, marks, mm(creep_mm))


def make_booklet(source: bytes, mode: str = "double", marks: bool = False,
                 creep_mm: float = 0.0, meta: Metadata | None = None) -> bytes:
    return apply(source, booklet_layout(source, mode, marks, creep_mm), meta)


def cut_layout(source: bytes, up: int = 4, repeat: bool = True,
               sheet: tuple[float, float] | None = None) -> list[Sheet]:
    """2-up (two pages side by side on a landscape sheet) or 4-up (2 x 2), with cut marks.
    ``sheet`` (portrait width, height): the paper, when it holds the pages at 100%; else
    office paper (Letter, A4) that holds them at 100% (two half-letter pages on Letter),
    else ``sheet`` or a sheet the size of a page, the pages scaled to fit."""
    n, w, h, _ = page_size(source)
    cols, rows = (2, 1) if up == 2 else (2, 2)
    if sheet is None or max(sheet) < max(cols * w, rows * h) - 0.5:
        sheet = _paper_holding(cols * w, rows * h) or sheet or (w, h)
    portrait_w, portrait_h = min(sheet), max(sheet)
    sheet_w, sheet_h = ((portrait_h, portrait_w) if up == 2 else (portrait_w, portrait_h))
    return Grid(cols, rows, w, h, sheet_w, sheet_h).sheets(n_up(n, up, repeat))


def _paper_holding(width: float, height: float) -> tuple[float, float] | None:
    """Letter or A4, whichever holds ``width`` x ``height`` (either way round) with the
    least to spare: two A5 pages on A4, two half-letter pages on Letter."""
    need = sorted((width, height))
    fits = [(w * h, (w, h)) for w, h in (PAPER_SIZES["letter"], PAPER_SIZES["a4"])
            if sorted((w, h))[0] >= need[0] - 0.5 and sorted((w, h))[1] >= need[1] - 0.5]
    return min(fits)[1] if fits else None


def make_cut_sheet(source: bytes, up: int = 4, repeat: bool = True,
                   meta: Metadata | None = None,
                   sheet: tuple[float, float] | None = None) -> bytes:
    return apply(source, cut_layout(source, up, repeat, sheet), meta)


CARD_GUTTER = 0.25 * INCH   # between the two columns of a card sheet
CARD_BLEED = 0.125 * INCH   # how far a card's art runs into the gutter


def card_layout(source: bytes, sheet: tuple[float, float] = LETTER) -> list[Sheet]:
    """Business-card pages (front, back per card) ten to a sheet, backs mirrored for a
    long-edge duplex flip: two columns a gutter apart, rows meeting at their shared cuts.
    Art that a card renders into its bleed runs into the gutter (and no further)."""
    n, w, h, has_bleed = page_size(source)
    grid = Grid(2, 5, w, h, *sheet, gutter=CARD_GUTTER,
                bleed=CARD_BLEED if has_bleed else 0.0)
    sheets = []
    for front, back in card_sheets(max(1, n // 2)):
        sheets.extend(grid.sheets([front]))
        sheets.extend(grid.sheets([back]))
    return sheets


def make_card_sheet(source: bytes, meta: Metadata | None = None,
                    sheet: tuple[float, float] = LETTER) -> bytes:
    return apply(source, card_layout(source, sheet), meta)


def smallest_scale(sheets: Sequence[Sheet]) -> float:
    """The smallest scale any page was placed at (1.0: all at 100%)."""
    return min((p.scale for s in sheets for p in s.placements), default=1.0)


def press_ready(source: bytes, bleed_mm: float, meta: Metadata) -> bytes:
    """Add bleed and crop marks: TrimBox = the page, BleedBox = trim + bleed, MediaBox
    large enough for the marks. Pages rendered with CSS bleed already paint into it. A
    print file: it keeps the tags, but its title is ``meta``'s and its XMP packet claims
    neither PDF/UA nor PDF/A (the crop marks are registration colour, in CMYK)."""
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
    set_metadata(writer, replace(meta, archive=False), accessible=False)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
