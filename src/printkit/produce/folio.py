"""Page numbers and labels added at assembly, so a document's render never depends on
where it sits in a kit. They are collected as stamps while the pages are put together, then
drawn in one pass with the shared text embedder (pdf/text.py): the packaged typeface, with a
ToUnicode map, marked as pagination artifacts that screen readers skip."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import pikepdf
from pypdf import PageObject, PdfReader

from printkit.pdf.text import REGULAR, embed, font_name, line_ops, set_line
from printkit.units import INCH, is_card

WIDE = 10_000.0  # room to set a one-line label in: it is anchored, never wrapped


@dataclass(frozen=True)
class Stamp:
    """One line of text drawn on a page, anchored at (x, y) by its left, right or centre."""

    page: int
    text: str
    x: float
    y: float
    align: str = "left"
    size: float = 9.0
    gray: float = 0.35
    artifact: str = "/Pagination"
    rgb: tuple[float, float, float] | None = None  # instead of gray


def is_small(page: PageObject) -> bool:
    """Cards and labels (trimmed under 4.5 in either way) carry no page number."""
    box = page.trimbox
    return is_card(float(box.width), float(box.height))


# Where the running footer of every page design sits (assets/css/print.css, @bottom-center:
# 8.5 pt, its box 0.26 in above the trim, so its baseline is 0.26 in plus the face's descent
# up): page numbers share that baseline and size. tests/test_preflight.py measures both on a page.
FOOTER_BASELINE = 20.16
FOOTER_SIZE = 8.5


def side_margin(width: float) -> float:
    """The page designs' side margin (the design tokens in print.css): 0.5 in on
    half-letter and A5, 0.75 in on larger paper. Page numbers align to it."""
    return 0.5 * INCH if width < 7 * INCH else 0.75 * INCH


def footer(page: PageObject, index: int, text: str, *, align: str) -> list[Stamp]:
    """``text`` at the foot of page ``index``, on the running footer's baseline, at the
    content's left or right edge (align 'left' or 'right')."""
    if is_small(page):
        return []
    box = page.trimbox
    x0, width = float(box.left), float(box.width)
    margin = side_margin(width)
    x = x0 + width - margin if align == "right" else x0 + margin
    return [Stamp(index, text, x, float(box.bottom) + FOOTER_BASELINE, align, FOOTER_SIZE,
                  0.33)]


SAMPLE_RED = (0.639, 0.0, 0.106)  # the SAMPLE mark's colour (plan/planner.py)


def sample_stamp(index: int, width: float, height: float, x0: float = 0.0,
                 y0: float = 0.0) -> Stamp:
    """SAMPLE at the top right of page ``index`` (its trim from x0, y0), at the side
    margin, its baseline 0.42 in below the trim (0.25 in on a card): inside the safe area."""
    card = is_card(width, height)
    inset = 0.125 * INCH if card else side_margin(width)
    return Stamp(index, "SAMPLE", x0 + width - inset,
                 y0 + height - (0.25 if card else 0.42) * INCH, "right", 8.5,
                 artifact="/Layout", rgb=SAMPLE_RED)


def sample_marks(pdf: bytes) -> bytes:
    """``pdf`` (a document made elsewhere, in a build that prints a placeholder) with
    SAMPLE at the top right of every page."""
    reader = PdfReader(io.BytesIO(pdf))
    return draw(pdf, [sample_stamp(i, float(p.trimbox.width), float(p.trimbox.height),
                                   float(p.trimbox.left), float(p.trimbox.bottom))
                      for i, p in enumerate(reader.pages)])


def draw(pdf: bytes, stamps: Sequence[Stamp]) -> bytes:
    """``pdf`` with every stamp drawn over its page."""
    if not stamps:
        return pdf
    doc = pikepdf.open(io.BytesIO(pdf))
    ops: dict[int, bytes] = {}
    glyphs: set[int] = set()
    for s in stamps:
        left, right = {"right": (s.x - WIDE, s.x), "center": (s.x - WIDE, s.x + WIDE)}.get(
            s.align, (s.x, s.x + WIDE))
        line = set_line(REGULAR, s.text, s.size, left, right, s.align)
        if line is not None:
            glyphs.update(line.glyph_ids())
            ops[s.page] = ops.get(s.page, b"") + line_ops(line, 0.0, s.y,
                                                          s.rgb or (s.gray,) * 3,
                                                          artifact=s.artifact)
    font = embed(doc, REGULAR, glyphs)
    for index, content in sorted(ops.items()):
        page = doc.pages[index]
        # The page's own content in a q/Q pair: it may leave its coordinates changed.
        page.contents_add(pikepdf.Stream(doc, b"q\n"), prepend=True)
        page.contents_add(pikepdf.Stream(doc, b"\nQ\n" + content))
        resources = page.obj.get("/Resources")
        if resources is None:
            resources = page.obj.Resources = pikepdf.Dictionary()
        if "/Font" not in resources:
            resources.Font = pikepdf.Dictionary()
        resources.Font[font_name(REGULAR)] = font
    out = io.BytesIO()
    doc.save(out, deterministic_id=True)
    return out.getvalue()
