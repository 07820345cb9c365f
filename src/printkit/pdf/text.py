"""Text drawn straight into PDF pages (page numbers, roster fields): the one font embedder.

Text is shaped with HarfBuzz (uharfbuzz: the shaper WeasyPrint uses, so kerning and accents
match its own) and drawn in a Type 0 font (Identity-H, the packaged face embedded whole)
with a ToUnicode map, so it can be searched, copied and read aloud.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pikepdf
import uharfbuzz as hb
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name

from printkit.fonts import FACES, font_dir


@dataclass(frozen=True)
class Line:
    """One line of text, shaped and placed."""

    face: int                                     # index into fonts.FACES
    size: float
    x: float                                      # pt from the left of the box it was set in
    glyphs: tuple[tuple[int, float], ...]         # (glyph id, TJ adjustment)
    text: str
    # Set instead of glyphs when marks are positioned (e.g. a tilde above a circumflex):
    # (glyph id, x, y) in pt from the start of the line's baseline.
    placed: tuple[tuple[int, float, float], ...] = ()

    def glyph_ids(self) -> set[int]:
        return {g[0] for g in self.glyphs} | {g[0] for g in self.placed}


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


REGULAR = 0  # FACES[0]


def face_index(bold: bool, italic: bool) -> int:
    weight, style = (700 if bold else 400), ("italic" if italic else "normal")
    return next(i for i, (_, w, s) in enumerate(FACES) if w == weight and s == style)


def set_line(face_number: int, text: str, size: float, left: float, right: float,
             align: str = "left", min_scale: float = 1.0) -> Line | None:
    """``text`` shaped in face ``face_number`` and placed between ``left`` and ``right``
    (aligned left, center or right); set smaller, down to ``min_scale`` of ``size``, if it
    is too long. None when it cannot be set (a character the face lacks, far too long)."""
    f = face(face_number)
    shaped = f.shape(text)
    if shaped is None:
        return None
    units = sum(glyph[1] for glyph in shaped)
    room = right - left
    full = size
    if units * size / f.upem > room:
        size = room * f.upem / units * 0.999
        if size < full * min_scale:
            return None
    width = units * size / f.upem
    x = {"center": left + (room - width) / 2, "right": right - width}.get(align, left)
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
    return f"/PKText{index}"


def line_ops(line: Line, origin: float, y: float, color: tuple[float, float, float],
             mcid: int | None = None, artifact: str = "") -> bytes:
    """Operators that draw ``line`` on the baseline ``y``, its box starting at x
    ``origin``, in ``color`` (sRGB 0-1); inside marked content ``mcid`` (tagged text), or
    as an artifact ``artifact`` (e.g. "/Pagination", "/Layout") that readers skip."""
    x = origin + line.x
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
    r, g, b = color
    colour = f"{r:.4f} g" if r == g == b else f"{r:.4f} {g:.4f} {b:.4f} rg"
    ops = f"BT {font_name(line.face)} {line.size:g} Tf {colour} {text} ET"
    if mcid is not None:
        ops = f"/Span <</MCID {mcid}>> BDC {ops} EMC"
    elif artifact:
        ops = f"/Artifact <</Type {artifact}>> BDC {ops} EMC"
    return f"q {ops} Q\n".encode("ascii")


def _subset(f: Face, glyphs: frozenset[int]) -> tuple[bytes, bytes]:
    """The face with only ``glyphs`` (and .notdef), renumbered in order (HarfBuzz's
    subsetter: under a millisecond), and the CIDToGIDMap that leads the glyph ids the text
    was set in (its character codes) to the new ones."""
    plan = hb.SubsetInput()
    kept = sorted(glyphs | {0})
    for gid in kept:
        plan.glyph_set.add(gid)
    data = bytes(hb.subset(hb.Face(f.data), plan).blob.data)
    new = dict(zip(kept, range(len(kept)), strict=True))
    return data, b"".join(new.get(cid, 0).to_bytes(2, "big") for cid in range(kept[-1] + 1))


def _tag(glyphs: frozenset[int]) -> str:
    """The six capitals a subset font's name starts with (ISO 32000-1 9.6.4), from its
    glyphs: the same glyphs, the same name, run to run."""
    digest = hashlib.sha256(",".join(map(str, sorted(glyphs))).encode()).digest()
    return "".join(chr(65 + b % 26) for b in digest[:6])


def embed(pdf: Any, face_number: int, glyphs: Iterable[int] | None = None) -> Any:
    """Face ``face_number`` in ``pdf`` as a Type 0 font (Identity-H, glyph ids as character
    codes) with a ToUnicode map; subset to ``glyphs`` when given (page numbers), whole
    otherwise (roster fields, whose text comes later: ``subset_whole_faces`` trims it once
    the text is known). Returns its indirect object."""
    f = face(face_number)
    used = frozenset(glyphs) if glyphs is not None else None
    data, cid_to_gid = (f.data, None) if used is None else _subset(f, used)
    name = f.ps_name if used is None else f"{_tag(used)}+{f.ps_name}"
    file = pikepdf.Stream(pdf, data)
    file.Length1 = len(data)
    descriptor = Dictionary(
        Type=Name.FontDescriptor, FontName=Name("/" + name),
        Flags=4 | (64 if f.italic_angle else 0), FontBBox=Array(f.bbox),
        ItalicAngle=f.italic_angle, Ascent=f.ascent, Descent=f.descent,
        CapHeight=f.cap_height, StemV=80, FontFile2=file)
    scale = 1000 / f.upem
    if used is None:
        widths = Array([0, Array([round(a * scale) for a in f.advances])])
        mapped = f.unicode
    else:
        widths = Array([v for gid in sorted(used)
                        for v in (gid, Array([round(f.advances[gid] * scale)]))])
        mapped = {gid: ch for gid, ch in f.unicode.items() if gid in used}
    cid = Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name("/" + name),
        CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"),
                                 Ordering=pikepdf.String("Identity"), Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor), W=widths,
        CIDToGIDMap=Name.Identity if cid_to_gid is None else pikepdf.Stream(pdf, cid_to_gid))
    font = Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=Name("/" + name),
        Encoding=Name("/Identity-H"), DescendantFonts=Array([pdf.make_indirect(cid)]),
        ToUnicode=pikepdf.Stream(pdf, _to_unicode(mapped)))
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


def subset_whole_faces(pdf: Any) -> None:
    """Each packaged face that ``embed`` put in whole (a roster packet's, before its rows
    were known) replaced by a subset of the glyphs the file shows with it: on its pages and
    in the forms they draw (an imposed sheet's pages)."""
    wholes = {face(i).ps_name: i for i in range(len(FACES))}
    used: dict[tuple[int, int], set[int]] = {}
    fonts: dict[tuple[int, int], Any] = {}
    holders: list[Any] = []   # the /Font dictionaries that name a whole face
    seen: set[tuple[int, int]] = set()

    def scan(content: Any, resources: Any) -> None:
        named = resources.get("/Font", Dictionary()) if resources is not None else Dictionary()
        mine = {str(k): v for k, v in named.items()
                if str(v.get("/BaseFont", ""))[1:] in wholes}
        for font in mine.values():
            fonts.setdefault(font.objgen, font)
        if mine:
            holders.append(named)
            current: Any = None
            for instruction in pikepdf.parse_content_stream(content):
                op, operands = str(instruction.operator), instruction.operands
                if op == "Tf":
                    current = mine.get(str(operands[0]))
                elif current is not None and op in ("Tj", "TJ", "'", '"'):
                    strings = operands[0] if op == "TJ" else [operands[-1]]
                    raw = b"".join(bytes(s) for s in strings if isinstance(s, pikepdf.String))
                    used.setdefault(current.objgen, set()).update(
                        int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw) - 1, 2))
        forms = resources.get("/XObject", Dictionary()) if resources is not None else {}
        for form in forms.values():
            if form.get("/Subtype") == "/Form" and form.objgen not in seen:
                seen.add(form.objgen)
                scan(form, form.get("/Resources", resources))

    for page in pdf.pages:
        scan(page, page.obj.get("/Resources"))
    subsets = {key: embed(pdf, wholes[str(font.BaseFont)[1:]], used.get(key) or {0})
               for key, font in fonts.items()}
    for named in holders:
        for key in list(named.keys()):
            if named[key].objgen in subsets:
                named[key] = subsets[named[key].objgen]
