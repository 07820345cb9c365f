"""Variable-data printing: each roster row's field texts printed into one shared packet.

The packet is rendered and assembled once (fields.py finds where its fields are). ``prepare``
embeds the packaged faces the fields use and cuts each page's content where its fields'
placeholders are, with a slot stream for each field there (cuts.py): the texts come in
content order where they are read. ``personalise`` fills the slots with one row's texts,
and ``combine`` makes the single print file from many rows while storing the shared pages
(and the shared parts of the pages with fields) once. Text is shaped with HarfBuzz
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
from dataclasses import dataclass, replace
from typing import Any

import pikepdf

from printkit.pdf.metadata import Metadata, set_print_metadata
from printkit.pdf.text import (
    Line,
    embed,
    face_index,
    font_name,
    line_ops,
    set_line,
    subset_whole_faces,
)
from printkit.personalise.cuts import IDENTITY, Matrix, cm, find_cuts, inverse
from printkit.personalise.fields import Spot, page_contents
from printkit.produce.impose import apply_runs
from printkit.produce.sheets import booklet_sheets
from printkit.units import mm

XMP_TITLE_RE = re.compile(rb'(<dc:title><rdf:Alt><rdf:li xml:lang="x-default">)(.*?)(</rdf:li>)',
                          re.S)
EMPTY_SLOT = b"q Q\n"  # a slot before a row's text is in it (an empty stream is invalid)
MIN_SHRINK = 0.8  # a long text may be set down to 80% of its size; beyond that: full render


@dataclass(frozen=True)
class FieldSlot:
    page: int                 # page index in the packet
    spot: Spot
    stream: int = -1          # its slot: an index into the page's /Contents (prepare)
    ctm: Matrix = IDENTITY    # the CTM in force there


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


def _drawn(pdf: Any, slot: FieldSlot, line: Line | None) -> bytes:
    """``line`` drawn in its field, in default user space (nothing for no text)."""
    if line is None or not (line.glyphs or line.placed):
        return b""
    box, spot = pdf.pages[slot.page].mediabox, slot.spot
    return line_ops(line, float(box[0]), float(box[3]) - spot.baseline, spot.color, spot.mcid)


def _overlay_ops(pdf: Any, slots: Sequence[FieldSlot],
                 lines: Sequence[Line | None]) -> dict[int, bytes]:
    """Each page's texts, to draw over it (booklets: a page is imposed as a form, one
    stream, so there the texts come after the page's content)."""
    ops: dict[int, bytes] = {}
    for slot, line in zip(slots, lines, strict=True):
        ops[slot.page] = ops.get(slot.page, b"") + _drawn(pdf, slot, line)
    return ops


def prepare(packet: bytes, slots: Sequence[FieldSlot]) -> tuple[bytes, tuple[FieldSlot, ...]]:
    """The shared packet, ready for ``personalise``: fonts embedded, and each field's
    placeholder (its empty marked content) replaced by a slot stream of its own, in content
    order there; and the slots, each with its stream."""
    pdf = pikepdf.open(io.BytesIO(packet))
    # The whole face: a row's text can use any glyph (page numbers embed only theirs; a
    # page with fields uses this copy for both, the glyph ids being the same).
    fonts = {i: embed(pdf, i) for i in
             sorted({face_index(s.spot.bold, s.spot.italic) for s in slots})}
    placed = list(slots)
    for index in sorted({s.page for s in slots}):
        page = pdf.pages[index]
        for i, slot in _cut_page(pdf, page, [(i, s) for i, s in enumerate(slots)
                                              if s.page == index]):
            placed[i] = slot
        resources = page.obj.get("/Resources")
        if resources is None:
            resources = page.obj.Resources = pikepdf.Dictionary()
        font_dict = resources.get("/Font")
        if font_dict is None:
            font_dict = resources.Font = pikepdf.Dictionary()
        for i, ref in fonts.items():
            font_dict[font_name(i)] = ref
    return _save(pdf), tuple(placed)


def _cut_page(pdf: Any, page: Any, slots: list[tuple[int, FieldSlot]]
              ) -> list[tuple[int, FieldSlot]]:
    """Cut the page's content at its fields' placeholders and put each field's slot
    stream there; a field whose placeholder cannot be cut at gets a slot last."""
    # In a q/Q pair: a page's content may leave its coordinate system changed.
    data = b"q\n" + page_contents(page) + b"\nQ\n"
    cuts = find_cuts(data, [s.spot.mcid for _, s in slots if s.spot.mcid is not None])
    parts: list[bytes] = []   # never empty: a cut starts after white space
    at_cut: dict[int | None, tuple[int, Matrix]] = {}
    at = 0
    for cut in cuts:
        parts.append(data[at:cut.start])
        if cut.ctm is not None:
            at_cut[cut.mcid] = len(parts), cut.ctm
            parts.append(EMPTY_SLOT)
        at = cut.end
    parts.append(data[at:])
    placed: list[tuple[int, FieldSlot]] = []
    for i, slot in slots:
        if slot.spot.mcid in at_cut:
            stream, ctm = at_cut[slot.spot.mcid]
            placed.append((i, replace(slot, stream=stream, ctm=ctm)))
        else:
            placed.append((i, replace(slot, stream=len(parts))))
            parts.append(EMPTY_SLOT)
    page.obj.Contents = pikepdf.Array([pikepdf.Stream(pdf, part) for part in parts])
    return placed


def _slot_ops(pdf: Any, slot: FieldSlot, line: Line | None) -> bytes:
    """A field's slot stream: ``line`` in the field's marked content, in default user space
    (the CTM in force at the slot undone); with no text, that marked content empty (as
    WeasyPrint leaves it: the structure tree refers to it)."""
    ops = _drawn(pdf, slot, line)
    if not ops and slot.spot.mcid is not None:
        ops = b"/Span <</MCID %d>> BDC EMC\n" % slot.spot.mcid
    undo = cm(inverse(slot.ctm)) + b"\n" if slot.ctm != IDENTITY else b""
    return b"q " + undo + ops + b"Q\n"


def _filled(slots: Sequence[FieldSlot], lines: Sequence[Line | None]
            ) -> dict[int, list[tuple[FieldSlot, Line | None]]]:
    """Each page's slots with their lines."""
    pages: dict[int, list[tuple[FieldSlot, Line | None]]] = {}
    for slot, line in zip(slots, lines, strict=True):
        pages.setdefault(slot.page, []).append((slot, line))
    return pages


def personalise(prepared: bytes, slots: Sequence[FieldSlot], lines: Sequence[Line | None],
                title: str = "") -> bytes:
    """One row's packet: ``prepared`` with the row's texts in its slots, and ``title``
    (e.g. "Welcome to the Academy: Jordan Lee") as its title, in the XMP packet too."""
    pdf = pikepdf.open(io.BytesIO(prepared))
    for slot, line in zip(slots, lines, strict=True):
        pdf.pages[slot.page].obj.Contents[slot.stream].write(_slot_ops(pdf, slot, line))
    if title:
        pdf.docinfo["/Title"] = title
        xmp = pdf.Root.get("/Metadata")
        if xmp is not None:
            safe = html.escape(title, quote=False).encode("utf-8").replace(b"\\", b"\\\\")
            xmp.write(XMP_TITLE_RE.sub(rb"\g<1>" + safe + rb"\g<3>", xmp.read_bytes(), count=1))
    subset_whole_faces(pdf)   # the row is known: only the glyphs it shows
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
    content streams (on a page with fields, all but the run's own slot streams). A print
    file: untagged, with ``meta``'s title, language and XMP."""
    out = pikepdf.Pdf.new()
    opened = [pikepdf.open(io.BytesIO(s)) for s in sources]
    marks: list[tuple[str, int]] = []
    for run in runs:
        src = opened[run.source]
        marks.append((run.label, len(out.pages)))
        filled = _filled(slots[run.source], run.lines) if run.lines is not None else {}
        for index, page in enumerate(src.pages):
            out.pages.append(page)
            if index in filled:  # the shared segments, this run's slots between them
                copy = out.pages[-1].obj
                streams = list(copy.Contents)
                for slot, line in filled[index]:
                    streams[slot.stream] = pikepdf.Stream(out, _slot_ops(src, slot, line))
                copy.Contents = pikepdf.Array(streams)
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
    subset_whole_faces(out)
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
    extras = [(run.source, _overlay_ops(opened[run.source], slots[run.source], run.lines)
               if run.lines is not None else {}) for run in runs]
    out = pikepdf.open(io.BytesIO(apply_runs(sources, sheets, extras, meta)))
    subset_whole_faces(out)
    return _save(out)


def _save(pdf: Any) -> bytes:
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buf.getvalue()
