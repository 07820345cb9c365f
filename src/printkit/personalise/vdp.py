"""Variable-data printing: each roster row's field texts printed into one shared packet.

The packet is rendered and assembled once (fields.py finds where its fields are). ``prepare``
embeds the packaged faces the fields use and gives every page with a field an empty slot
stream; ``personalise`` fills the slots with one row's texts, and ``combine`` makes the single
print file from many rows while storing the shared pages once. Text is shaped with HarfBuzz
(uharfbuzz: the same shaper WeasyPrint uses, so kerning matches) and drawn in a Type 0 font
with a ToUnicode map, so it can be searched, copied and read aloud; in a tagged packet it
goes into the field's own marked content, so it sits where the field is in the structure tree.
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pikepdf

from printkit.pdf.metadata import Metadata, set_print_metadata
from printkit.pdf.text import Line, embed, face_index, font_name, line_ops, set_line
from printkit.personalise.fields import Spot, page_contents
from printkit.produce.impose import apply_runs
from printkit.produce.sheets import booklet_sheets
from printkit.units import mm

XMP_TITLE_RE = re.compile(rb'(<dc:title><rdf:Alt><rdf:li xml:lang="x-default">)(.*?)(</rdf:li>)',
                          re.S)
MIN_SHRINK = 0.8  # a long text may be set down to 80% of its size; beyond that: full render


@dataclass(frozen=True)
class FieldSlot:
    page: int   # page index in the packet
    spot: Spot


def _transform(text: str, transform: str) -> str:
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    if transform == "uppercase":
        return text.upper()
    if transform == "lowercase":
        return text.lower()
    if transform == "capitalize":
        return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))
    return text


def layout(spot: Spot, text: str) -> Line | None:
    """``text`` shaped and placed in ``spot``: set smaller (to 80%) if it is too long.
    None when it cannot be printed this way (a character the font lacks, far too long)."""
    return set_line(face_index(spot.bold, spot.italic), _transform(text, spot.transform),
                    spot.size, spot.left, spot.right, spot.align, MIN_SHRINK)


def _page_ops(pdf: Any, slots: Sequence[FieldSlot],
              lines: Sequence[Line | None]) -> dict[int, bytes]:
    ops: dict[int, bytes] = {}
    for slot, line in zip(slots, lines, strict=True):
        ops.setdefault(slot.page, b"")
        if line is None or not (line.glyphs or line.placed):
            continue
        box = pdf.pages[slot.page].mediabox
        spot = slot.spot
        ops[slot.page] += line_ops(line, float(box[0]), float(box[3]) - spot.baseline,
                                   spot.color, spot.mcid)
    return ops


def prepare(packet: bytes, slots: Sequence[FieldSlot]) -> bytes:
    """The shared packet, ready for ``personalise``: fonts embedded, placeholders' empty
    marked content removed, and an empty slot stream last on each page with a field."""
    pdf = pikepdf.open(io.BytesIO(packet))
    # The whole face: a row's text can use any glyph (page numbers embed only theirs; a
    # page with fields uses this copy for both, the glyph ids being the same).
    fonts = {i: embed(pdf, i) for i in
             sorted({face_index(s.spot.bold, s.spot.italic) for s in slots})}
    for index in sorted({s.page for s in slots}):
        page = pdf.pages[index]
        data = page_contents(page)
        for slot in slots:
            if slot.page == index and slot.spot.mcid is not None:
                data = re.sub(rb"/[A-Za-z]+\s*<<\s*/MCID\s+%d\s*>>\s*BDC\s+EMC"
                              % slot.spot.mcid, b"", data, count=1)
        # In a q/Q pair: a page's content may leave its coordinate system changed.
        page.obj.Contents = pikepdf.Array([pikepdf.Stream(pdf, b"q\n" + data + b"\nQ\n"),
                                           pikepdf.Stream(pdf, b"")])
        resources = page.obj.get("/Resources")
        if resources is None:
            resources = page.obj.Resources = pikepdf.Dictionary()
        font_dict = resources.get("/Font")
        if font_dict is None:
            font_dict = resources.Font = pikepdf.Dictionary()
        for i, ref in fonts.items():
            font_dict[font_name(i)] = ref
    return _save(pdf)


def personalise(prepared: bytes, slots: Sequence[FieldSlot], lines: Sequence[Line | None],
                title: str = "") -> bytes:
    """One row's packet: ``prepared`` with the row's texts in its slots, and ``title``
    (e.g. "Welcome to the Academy: Jordan Lee") as its title, in the XMP packet too."""
    pdf = pikepdf.open(io.BytesIO(prepared))
    for index, ops in _page_ops(pdf, slots, lines).items():
        pdf.pages[index].obj.Contents[-1].write(ops)
    if title:
        pdf.docinfo["/Title"] = title
        xmp = pdf.Root.get("/Metadata")
        if xmp is not None:
            safe = html.escape(title, quote=False).encode("utf-8").replace(b"\\", b"\\\\")
            xmp.write(XMP_TITLE_RE.sub(rb"\g<1>" + safe + rb"\g<3>", xmp.read_bytes(), count=1))
    return _save(pdf)


@dataclass(frozen=True)
class Run:
    """Pages for the combined file: a prepared packet with a row's lines, or a whole packet
    (lines None)."""

    source: int
    lines: tuple[Line | None, ...] | None = None
    label: str = ""     # its bookmark in the combined file


def combine(sources: Sequence[bytes], slots: Sequence[Sequence[FieldSlot]],
            runs: Sequence[Run], duplex: bool, meta: Metadata) -> tuple[bytes, int]:
    """One print job: each run's pages in order (a duplex packet starts on a front side),
    with a bookmark per run. Pages copied from one source share their fonts, images and
    content streams. A print file: untagged, with ``meta``'s title, language and XMP."""
    out = pikepdf.Pdf.new()
    opened = [pikepdf.open(io.BytesIO(s)) for s in sources]
    marks: list[tuple[str, int]] = []
    for run in runs:
        src = opened[run.source]
        marks.append((run.label, len(out.pages)))
        ops = _page_ops(src, slots[run.source], run.lines) if run.lines is not None else {}
        for index, page in enumerate(src.pages):
            out.pages.append(page)
            if index in ops:
                copy = out.pages[-1].obj
                copy.Contents = pikepdf.Array([copy.Contents[0], pikepdf.Stream(out, ops[index])])
        if duplex and len(out.pages) % 2:
            box = out.pages[-1].mediabox
            out.add_blank_page(page_size=(float(box[2]) - float(box[0]),
                                          float(box[3]) - float(box[1])))
    for page in out.pages:  # the packets' structure trees are not carried over
        if "/StructParents" in page.obj:
            del page.obj.StructParents
    with out.open_outline() as outline:
        outline.root.extend(pikepdf.OutlineItem(label, page) for label, page in marks if label)
    out.Root.PageMode = pikepdf.Name.UseOutlines
    set_print_metadata(out, meta)
    return _save(out), len(out.pages)


def combine_booklet(sources: Sequence[bytes], slots: Sequence[Sequence[FieldSlot]],
                    runs: Sequence[Run], mode: str, marks: bool, creep_mm: float,
                    meta: Metadata) -> bytes:
    """The combined file as saddle-stitched booklets, one after another: each packet's
    pages are imposed once, and each row's fields are drawn over its own copy."""
    opened = [pikepdf.open(io.BytesIO(s)) for s in sources]
    sheets = []
    for doc in opened:  # as impose.page_size: the first page's trim box
        box = doc.pages[0].trimbox
        sheets.append(booklet_sheets(len(doc.pages), float(box[2]) - float(box[0]),
                                     float(box[3]) - float(box[1]), mode, marks,
                                     mm(creep_mm)))
    extras = [(run.source, _page_ops(opened[run.source], slots[run.source], run.lines)
               if run.lines is not None else {}) for run in runs]
    return apply_runs(sources, sheets, extras, meta)


def _save(pdf: Any) -> bytes:
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buf.getvalue()
