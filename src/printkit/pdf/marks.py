"""Printer's marks: crop marks at a trim's corners and fold marks, drawn as hairlines in
registration black (on files for a press) and marked as artifacts (not content for a
screen reader)."""

from __future__ import annotations

from collections.abc import Sequence

from pypdf import PageObject
from pypdf.generic import ContentStream

from printkit.units import INCH

Segment = tuple[float, float, float, float]

MARK_LEN = 0.25 * INCH     # length of a crop mark
MARK_GAP = 0.0625 * INCH   # between the trim and the start of a mark
MARK_ZONE = MARK_LEN + MARK_GAP + 2.0  # room the marks need outside the trim
REGISTRATION = "1 1 1 1 K"  # prints on every plate of a press
PROOF_BLACK = "0 0 0 RG"    # a proof page to read: RGB black, as the page's sRGB intent


def crop_marks(x0: float, y0: float, x1: float, y1: float,
               gap: float = MARK_GAP) -> list[Segment]:
    """Corner crop marks outside the rectangle (x0, y0)-(x1, y1), ``gap`` away from it."""
    out = []
    for x, y, dx, dy in ((x0, y0, -1, -1), (x1, y0, 1, -1), (x0, y1, -1, 1), (x1, y1, 1, 1)):
        out.append((x + dx * gap, y, x + dx * (gap + MARK_LEN), y))
        out.append((x, y + dy * gap, x, y + dy * (gap + MARK_LEN)))
    return out


def mark_ops(segments: Sequence[Segment], folds: Sequence[float] = (),
             height: float = 0.0, colour: str = REGISTRATION) -> list[str]:
    """Content-stream operators for ``segments``, and dashed fold marks at each x of
    ``folds`` in the top and bottom margins of a sheet ``height`` tall."""
    if not (segments or folds):
        return []
    ops = ["/Artifact BMC q", "0.25 w", colour]
    ops += [f"{x1:.2f} {y1:.2f} m {x2:.2f} {y2:.2f} l S" for x1, y1, x2, y2 in segments]
    for x in folds:
        ops.append("[3 2] 0 d")
        ops.append(f"{x:.2f} {height:.2f} m {x:.2f} {height - MARK_LEN:.2f} l S")
        ops.append(f"{x:.2f} 0 m {x:.2f} {MARK_LEN:.2f} l S")
    ops.append("Q EMC")
    return ops


def draw_marks(page: PageObject, segments: Sequence[Segment],
               colour: str = REGISTRATION) -> None:
    """Draw ``segments`` over a pypdf page's content."""
    stream = ContentStream(None, None)
    contents = page.get_contents()
    stream.set_data(b"q\n" + (contents.get_data() if contents is not None else b"") + b"\nQ\n" +
                    "\n".join(mark_ops(segments, colour=colour)).encode() + b"\n")
    page.replace_contents(stream)
