"""Where pages go on sheets: pure slot tables (which page in which slot, for every page
count) and the geometry of booklet, cut and card sheets, crop marks included. Plain data,
so every layout is easy to test; ``impose`` draws them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from printkit.pdf.marks import MARK_GAP, MARK_LEN, MARK_ZONE, Segment, crop_marks
from printkit.units import INCH

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
