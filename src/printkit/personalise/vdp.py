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
from functools import cache
from typing import Any

import pikepdf
import uharfbuzz as hb
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name

from printkit.fonts import FACES, font_dir
from printkit.personalise.fields import Spot, page_contents
from printkit.produce.impose import apply_runs, booklet_sheets
from printkit.units import mm

XMP_TITLE_RE = re.compile(rb'(<dc:title><rdf:Alt><rdf:li xml:lang="x-default">)(.*?)(</rdf:li>)',
                          re.S)
MIN_SHRINK = 0.8  # a long text may be set down to 80% of its size; beyond that: full render


@dataclass(frozen=True)
class FieldSlot:
    page: int   # page index in the packet
    spot: Spot


@dataclass(frozen=True)
class Line:
    """One field's text, shaped and placed."""

    face: int                                     # index into fonts.FACES
    size: float
    x: float                                      # pt from the page's left edge
    glyphs: tuple[tuple[int, float], ...]         # (glyph id, TJ adjustment)
    text: str
    # Set instead of glyphs when marks are positioned (e.g. a tilde above a circumflex):
    # (glyph id, x, y) in pt from the start of the line's baseline.
    placed: tuple[tuple[int, float, float], ...] = ()


class Face:
    """One packaged face: its file, HarfBuzz font, advances and glyph-to-text map."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.path = font_dir() / FACES[index][0]
        self.data = self.path.read_bytes()
        font = TTFont(io.BytesIO(self.data))
        self.upem = int(font["head"].unitsPerEm)
        order = font.getGlyphOrder()
        hmtx = font["hmtx"]
        self.advances = [int(hmtx[name][0]) for name in order]
        self.unicode: dict[int, str] = {}
        ids = font.getReverseGlyphMap()
        for code, name in sorted(font.getBestCmap().items(), reverse=True):
            self.unicode[ids[name]] = chr(code)  # the lowest code point wins
        head, os2 = font["head"], font["OS/2"]
        scale = 1000 / self.upem
        self.bbox = [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
        self.ascent = round(os2.sTypoAscender * scale)
        self.descent = round(os2.sTypoDescender * scale)
        self.cap_height = round(getattr(os2, "sCapHeight", 700) * scale)
        self.italic_angle = float(font["post"].italicAngle)
        self.ps_name = font["name"].getDebugName(6) or self.path.stem
        self.hb_font = hb.Font(hb.Face(self.data))

    def shape(self, text: str) -> list[tuple[int, int, int, int]] | None:
        """(glyph id, advance, x offset, y offset) in font units for each glyph; None if a
        character is missing from the face."""
        if not text:
            return []
        buf = hb.Buffer()
        buf.add_str(text)
        buf.guess_segment_properties()
        # Ligatures off: every glyph then stands for its own characters in the text map.
        hb.shape(self.hb_font, buf, {"kern": True, "liga": False, "clig": False})
        out = [(info.codepoint, pos.x_advance, pos.x_offset, pos.y_offset)
               for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True)]
        if any(glyph[0] == 0 for glyph in out):
            return None
        return out


@cache
def face(index: int) -> Face:
    return Face(index)


def face_index(bold: bool, italic: bool) -> int:
    weight, style = (700 if bold else 400), ("italic" if italic else "normal")
    return next(i for i, (_, w, s) in enumerate(FACES) if w == weight and s == style)


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
    f = face(face_index(spot.bold, spot.italic))
    text = _transform(text, spot.transform)
    shaped = f.shape(text)
    if shaped is None:
        return None
    units = sum(glyph[1] for glyph in shaped)
    room = spot.right - spot.left
    size = spot.size
    if units * size / f.upem > room:
        size = room * f.upem / units * 0.999
        if size < spot.size * MIN_SHRINK:
            return None
    width = units * size / f.upem
    x = {"center": spot.left + (room - width) / 2,
         "right": spot.right - width}.get(spot.align, spot.left)
    if any(dx or dy for _, _, dx, dy in shaped):
        placed, pen, scale = [], 0, size / f.upem
        for gid, adv, dx, dy in shaped:
            placed.append((gid, round((pen + dx) * scale, 3), round(dy * scale, 3)))
            pen += adv
        return Line(f.index, round(size, 4), round(x, 4), (), text, tuple(placed))
    glyphs = tuple((gid, round((f.advances[gid] - adv) * 1000 / f.upem, 3))
                   for gid, adv, _, _ in shaped)
    return Line(f.index, round(size, 4), round(x, 4), glyphs, text)


def font_name(index: int) -> str:
    return f"/PKVar{index}"


def _draw(line: Line, spot: Spot, page_top: float, page_left: float) -> bytes:
    x, y = page_left + line.x, page_top - spot.baseline
    if line.placed:
        text = " ".join(f"1 0 0 1 {x + dx:.3f} {y + dy:.3f} Tm <{gid:04x}> Tj"
                        for gid, dx, dy in line.placed)
    else:
        parts = []
        for gid, adjust in line.glyphs:
            parts.append(f"<{gid:04x}>")
            if adjust:
                parts.append(f"{adjust:g}")
        text = f"1 0 0 1 {x:.3f} {y:.3f} Tm [{' '.join(parts)}] TJ"
    r, g, b = spot.color
    colour = f"{r:.4f} g" if r == g == b else f"{r:.4f} {g:.4f} {b:.4f} rg"
    ops = f"BT {font_name(line.face)} {line.size:g} Tf {colour} {text} ET"
    if spot.mcid is not None:
        ops = f"/Span <</MCID {spot.mcid}>> BDC {ops} EMC"
    return f"q {ops} Q\n".encode("ascii")


def _page_ops(pdf: Any, slots: Sequence[FieldSlot],
              lines: Sequence[Line | None]) -> dict[int, bytes]:
    ops: dict[int, bytes] = {}
    for slot, line in zip(slots, lines, strict=True):
        ops.setdefault(slot.page, b"")
        if line is None or not (line.glyphs or line.placed):
            continue
        box = pdf.pages[slot.page].mediabox
        ops[slot.page] += _draw(line, slot.spot, float(box[3]), float(box[0]))
    return ops


def prepare(packet: bytes, slots: Sequence[FieldSlot]) -> bytes:
    """The shared packet, ready for ``personalise``: fonts embedded, placeholders' empty
    marked content removed, and an empty slot stream last on each page with a field."""
    pdf = pikepdf.open(io.BytesIO(packet))
    fonts = {i: _embed(pdf, face(i)) for i in
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
            runs: Sequence[Run], duplex: bool, title: str,
            producer: str) -> tuple[bytes, int]:
    """One print job: each run's pages in order (a duplex packet starts on a front side),
    with a bookmark per run. Pages copied from one source share their fonts, images and
    content streams."""
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
    out.docinfo["/Title"] = title
    out.docinfo["/Producer"] = producer
    return _save(out), len(out.pages)


def combine_booklet(sources: Sequence[bytes], slots: Sequence[Sequence[FieldSlot]],
                    runs: Sequence[Run], mode: str, marks: bool, creep_mm: float,
                    title: str) -> bytes:
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
    return apply_runs(sources, sheets, extras, title)


def _save(pdf: Any) -> bytes:
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buf.getvalue()


def _embed(pdf: Any, f: Face) -> Any:
    """A Type 0 font (Identity-H, glyph ids as character codes) with the whole face."""
    file = pikepdf.Stream(pdf, f.data)
    file.Length1 = len(f.data)
    descriptor = Dictionary(
        Type=Name.FontDescriptor, FontName=Name("/" + f.ps_name),
        Flags=4 | (64 if f.italic_angle else 0), FontBBox=Array(f.bbox),
        ItalicAngle=f.italic_angle, Ascent=f.ascent, Descent=f.descent,
        CapHeight=f.cap_height, StemV=80, FontFile2=file)
    scale = 1000 / f.upem
    widths = Array([round(a * scale) for a in f.advances])
    cid = Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name("/" + f.ps_name),
        CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"),
                                 Ordering=pikepdf.String("Identity"), Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor), W=Array([0, widths]),
        CIDToGIDMap=Name.Identity)
    font = Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=Name("/" + f.ps_name),
        Encoding=Name("/Identity-H"), DescendantFonts=Array([pdf.make_indirect(cid)]),
        ToUnicode=pikepdf.Stream(pdf, _to_unicode(f.unicode)))
    return pdf.make_indirect(font)


def _to_unicode(glyphs: dict[int, str]) -> bytes:
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange"]
    items = sorted(glyphs.items())
    for start in range(0, len(items), 100):
        chunk = items[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines.extend(f"<{gid:04X}> <{ch.encode('utf-16-be').hex().upper()}>"
                     for gid, ch in chunk)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")
