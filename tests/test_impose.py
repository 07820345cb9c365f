"""Imposition tables for every page count, and the sheets they make."""

from __future__ import annotations

import io
import math
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import RectangleObject

from printkit.pdf.metadata import Metadata, set_metadata
from printkit.produce.impose import (
    card_layout,
    cut_layout,
    make_booklet,
    make_card_sheet,
    press_ready,
    smallest_scale,
)
from printkit.produce.sheets import (
    Sheet,
    booklet_order,
    booklet_sheets,
    card_sheets,
    n_up,
    saddle_stitch,
)

from .conftest import assert_print_metadata


def fold(n: int) -> list[int | None]:
    """The page order a reader sees after folding and nesting the printed sheets."""
    sheets = saddle_stitch(n)
    total = 4 * len(sheets)
    order: list[int | None] = [None] * total
    for s, ((fl, fr), (bl, br)) in enumerate(sheets):
        # sheet s carries reading positions s*2, s*2+1 (first half) and mirror ones at the back
        order[2 * s] = fr
        order[2 * s + 1] = bl
        order[total - 2 - 2 * s] = br
        order[total - 1 - 2 * s] = fl
    return order


@pytest.mark.parametrize("n", range(1, 41))
def test_saddle_stitch_folds_into_reading_order(n: int) -> None:
    order = fold(n)
    total = math.ceil(n / 4) * 4
    assert len(order) == total
    pages = [p for p in order if p is not None]
    assert pages == list(range(n)), "folded sheets read in order, every page once"
    if n > 1:
        assert order[-1] == n - 1, "back cover stays last"
        assert order[0] == 0, "front cover first"
    blanks = [i for i, p in enumerate(order) if p is None]
    if n > 1 and blanks:
        assert blanks == list(range(n - 1, total - 1)), "blanks sit before the back cover"


@pytest.mark.parametrize("n", range(1, 41))
def test_booklet_order_pads_to_four(n: int) -> None:
    order = booklet_order(n)
    assert len(order) % 4 == 0 and len(order) - n < 4


def test_known_eight_page_spreads() -> None:
    # DESIGN.md: sheet s front = (T-1-2s, 2s), back = (2s+1, T-2-2s)
    assert saddle_stitch(8) == [((7, 0), (1, 6)), ((5, 2), (3, 4))]


def test_six_pages_keep_back_cover_last() -> None:
    # 6 pages -> 8 slots: blanks at 5 and 6, back cover (5) at slot 7
    assert booklet_order(6) == [0, 1, 2, 3, 4, None, None, 5]


@pytest.mark.parametrize("n,up", [(1, 2), (3, 2), (5, 4), (8, 4)])
def test_n_up_consecutive_and_repeat(n: int, up: int) -> None:
    sheets = n_up(n, up)
    assert [p for s in sheets for p in s if p is not None] == list(range(n))
    assert all(len(s) == up for s in sheets)
    assert n_up(n, up, repeat=True) == [[i] * up for i in range(n)]


def test_card_backs_are_mirrored_behind_fronts() -> None:
    sheets = card_sheets(10)
    front, back = sheets[0]
    assert front == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]
    for slot in range(10):
        r, c = divmod(slot, 2)
        assert back[r * 2 + (1 - c)] == front[slot] + 1


def test_single_card_fills_the_sheet() -> None:
    front, back = card_sheets(1)[0]
    assert front == [0] * 10 and back == [1] * 10


def test_booklet_geometry_double_and_same() -> None:
    double = booklet_sheets(4, 612, 792, "double")
    assert (double[0].width, double[0].height) == (1224, 792)
    assert {p.scale for s in double for p in s.placements} == {1.0}
    same = booklet_sheets(4, 612, 792, "same")
    assert (same[0].width, same[0].height) == (792, 612)
    assert all(abs(p.scale - 396 / 612) < 1e-9 for s in same for p in s.placements)


def test_creep_moves_inner_sheets_toward_spine() -> None:
    sheets = booklet_sheets(12, 612, 792, "double", creep_pt=6)
    outer_left = sheets[0].placements[0].x
    inner_left = sheets[-1].placements[0].x
    assert inner_left - outer_left == pytest.approx(6)


META = Metadata("Kit", "Agency", "About the kit", ("wellness",), "en", "printkit",
                archive=True)


def _pdf(pages: int, w: float = 612, h: float = 792, meta: Metadata | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(w, h)
    if meta is not None:  # as a reading copy: claims PDF/UA (and PDF/A)
        set_metadata(writer, meta)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_make_booklet_sheet_count() -> None:
    from pypdf import PdfReader

    out = PdfReader(io.BytesIO(make_booklet(_pdf(10))))
    assert len(out.pages) == 6  # 12 slots -> 3 sheets, front and back
    assert float(out.pages[0].mediabox.width) == 1224


def test_make_card_sheet_two_sides() -> None:
    from pypdf import PdfReader

    out = PdfReader(io.BytesIO(make_card_sheet(_pdf(2, 252, 144))))
    assert len(out.pages) == 2
    assert float(out.pages[0].mediabox.width) == 612


def test_press_file_keeps_metadata_but_claims_no_pdf_ua() -> None:
    """A press file is a reading copy with bleed and crop marks: its own title, the kit's
    language and author, and an XMP packet rewritten without the PDF/UA and PDF/A claims
    (the reading copy's packet is not left behind in the file)."""
    from pypdf import PdfReader

    source = _pdf(2, meta=META)
    assert b"pdfuaid" in source and b"pdfaid" in source
    press = press_ready(source, 3, replace(META, title="Kit, press file"))
    assert assert_print_metadata(press) == "Kit, press file"
    reader = PdfReader(io.BytesIO(press))
    assert reader.metadata is not None and reader.metadata.author == "Agency"


def test_imposed_file_metadata() -> None:
    booklet = make_booklet(_pdf(4, meta=META), meta=replace(META, title="Kit, booklet"))
    assert assert_print_metadata(booklet) == "Kit, booklet"


def _marks(sheet: Sheet) -> list[tuple[float, float, float, float]]:
    return [tuple(sorted(m[0::2])) + tuple(sorted(m[1::2])) for m in sheet.marks]


@pytest.mark.parametrize(("up", "page", "sheet"), [
    (2, (396, 612), (792, 612)),    # two half-letter pieces on landscape Letter
    (4, (306, 396), (612, 792)),    # four quarter-letter pocket cards on Letter
])
def test_finished_size_pieces_fill_the_sheet_at_100(up: int, page: tuple[int, int],
                                                     sheet: tuple[int, int]) -> None:
    """Pieces laid out at their finished size are placed unscaled and fill the sheet; the
    only marks are on the cuts between them, never within 0.25 in of the sheet's edge."""
    sheets = cut_layout(_pdf(1, *page), up, True, (612, 792))
    first = sheets[0]
    assert (first.width, first.height) == sheet
    assert [p.scale for p in first.placements] == [1.0] * up
    cuts_x = {page[0] * c for c in range(1, sheet[0] // page[0])}
    cuts_y = {page[1] * r for r in range(1, sheet[1] // page[1])}
    assert first.marks
    for x0, x1, y0, y1 in _marks(first):
        assert min(x0, y0) >= 18 - 0.01 and x1 <= sheet[0] - 18 + 0.01
        assert y1 <= sheet[1] - 18 + 0.01
        assert (x0 == x1 and x0 in cuts_x) or (y0 == y1 and y0 in cuts_y)


def test_card_sheet_has_a_gutter_bleed_and_marks_outside_the_cards() -> None:
    """Ten 3.5 x 2 in cards: two columns 0.25 in apart, each card's art showing 1/8 in past
    its trim into the gutter (rendered with bleed), marks outside the cards and their bleed
    and at least 0.25 in from the sheet's edge."""
    bled = PdfWriter()
    for _ in range(2):
        page = bled.add_blank_page(252 + 18, 144 + 18)
        page.trimbox = RectangleObject([9, 9, 261, 153])
    buf = io.BytesIO()
    bled.write(buf)
    sheets = card_layout(buf.getvalue())
    front = sheets[0]
    xs = sorted({p.x for p in front.placements})
    assert xs[1] - (xs[0] + 252) == pytest.approx(18)
    for p in front.placements:
        assert p.scale == 1.0 and p.clip is not None
        cx0, cy0, cx1, cy1 = p.clip
        assert (p.x - cx0, cx1 - p.x - 252) == (pytest.approx(9), pytest.approx(9))
        assert (cy0, cy1) == (p.y, p.y + 144)   # rows meet at their shared cut
    art = [(p.clip[0], p.clip[2]) for p in front.placements if p.clip]
    for x0, x1, y0, y1 in _marks(front):
        assert min(x0, y0) >= 18 - 0.01 and x1 <= 612 - 18 + 0.01 and y1 <= 792 - 18 + 0.01
        if y0 == y1:   # a horizontal cut: its marks stay clear of every card's art
            assert all(x1 <= a - 1 or x0 >= b + 1 for a, b in art)
        else:
            assert y1 <= 36 or y0 >= 756


def test_impose_scales_only_what_does_not_fit() -> None:
    assert smallest_scale(cut_layout(_pdf(2, 396, 612), 2)) == 1.0
    assert 0.55 < smallest_scale(cut_layout(_pdf(2), 2)) < 396 / 612  # room for marks


def test_blank_pages_leave_no_empty_compressed_stream(tmp_path: Path) -> None:
    """A booklet's blank inside cover is left empty on the sheet: no zero-length compressed
    stream, which Ghostscript (-dPDFSTOPONERROR) and MuPDF refuse."""
    import pikepdf

    out = tmp_path / "booklet.pdf"
    out.write_bytes(make_booklet(_pdf(3)))
    with pikepdf.open(out) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and "/Filter" in obj:
                assert obj.read_raw_bytes(), obj.objgen
    done = subprocess.run(["gs", "-q", "-dPDFSTOPONERROR", "-dNOPAUSE", "-dBATCH",
                           "-sDEVICE=nullpage", str(out)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
