"""The proof page of a card document in a reading copy: its front and back at actual size
(or scaled to fit, and saying so) with crop marks, to read and check."""

from __future__ import annotations

from typing import Any

from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.generic import ContentStream, FloatObject

from printkit.pdf import pieces
from printkit.pdf.marks import MARK_ZONE, PROOF_BLACK, crop_marks, draw_marks
from printkit.produce import folio
from printkit.units import INCH


def card_proof(writer: PdfWriter, reader: PdfReader, width: float, height: float,
                title: str) -> list[folio.Stamp]:
    """Small pages (wallet and pocket cards) on a full page with crop marks, a proof to
    read and check: one above the other at actual size if they fit, else side by side
    or stacked, whichever is larger, scaled to fit (and the page says so). The ten-up or
    four-up sheet is the file to print. Returns the page's labels, to be drawn with the
    page numbers."""
    page = writer.add_blank_page(width, height)
    index = len(writer.pages) - 1
    source = PdfWriter()
    source.append(reader, import_outline=False)
    card_w = float(reader.pages[0].trimbox.width)
    card_h = float(reader.pages[0].trimbox.height)
    gap, side, top_room = 0.55 * INCH, 0.75 * INCH, 1.4 * INCH
    count = min(len(reader.pages), 2)
    room_w, room_h = width - 2 * side, height - top_room - 0.9 * INCH
    stacked = min(1.0, room_w / card_w, (room_h - (count - 1) * gap) / (count * card_h))
    beside = min(1.0, (room_w - (count - 1) * gap) / (count * card_w), room_h / card_h)
    across = beside > stacked
    scale = max(stacked, beside)
    w, h = card_w * scale, card_h * scale
    total_w = count * w + (count - 1) * gap if across else w
    total_h = h if across else count * h + (count - 1) * gap
    top = height - top_room - (room_h - total_h) / 2
    left = (width - total_w) / 2
    marks, labels, trims = [], [], []
    for i in range(count):
        x = left + (i * (w + gap) if across else 0)
        y = top - h - (0 if across else i * (h + gap))
        box = source.pages[i].trimbox
        _clip_to(source.pages[i], box)   # a card rendered with bleed shows only its trim
        ctm = (Transformation().translate(-float(box.left), -float(box.bottom))
               .scale(scale, scale).translate(x, y))
        page.merge_transformed_page(source.pages[i], ctm, over=True, expand=False)
        marks.extend(crop_marks(x, y, x + w, y + h))
        trims.append((x, y, x + w, y + h))
        label = "Front" if i == 0 else "Back"
        at = ((x + w / 2, y - MARK_ZONE - 10, "center") if across
              else (x - MARK_ZONE - 4, y + h / 2, "right"))
        labels.append(folio.Stamp(index, label, at[0], at[1], at[2], 9, artifact="/Layout"))
    _strip_marked_content(page)
    draw_marks(page, marks, PROOF_BLACK)
    pieces.record_pypdf(page, trims)
    size = f"{card_w / INCH:g} x {card_h / INCH:g} in"
    shown = "actual size" if scale > 0.999 else f"shown at {round(scale * 100)}%"
    heading = top + 0.6 * INCH
    return [*labels,
            folio.Stamp(index, f"{title}: {size}, {shown}", width / 2, heading, "center",
                        11, 0.1, "/Layout"),
            folio.Stamp(index, "To print many, use the card sheet with crop marks.",
                        width / 2, heading - 15, "center", 9, artifact="/Layout")]


def _clip_to(page: Any, box: Any) -> None:
    """Clip what the page draws to ``box`` (its trim): nothing of a bleed shows."""
    content = ContentStream(page.get_contents(), page.pdf)
    rect = [FloatObject(v) for v in (box.left, box.bottom, box.width, box.height)]
    content.operations[:0] = [(rect, b"re"), ([], b"W"), ([], b"n")]
    page.replace_contents(content)


def _strip_marked_content(page: Any) -> None:
    """Merged card content keeps no tags of its own: mark it as an artifact (the same words
    are tagged on the kit's crisis-lines page)."""
    content = ContentStream(page.get_contents(), page.pdf)
    content.operations = [(operands, op) for operands, op in content.operations
                          if op not in (b"BDC", b"BMC", b"EMC")]
    data = b"/Artifact BMC\n" + content.get_data() + b"\nEMC\n"
    stream = ContentStream(None, None)
    stream.set_data(data)
    page.replace_contents(stream)
